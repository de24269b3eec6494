"""Objectives other than net value, each against a hand-computed answer on both backends.

A: CPL $100, close 10%  -> 0.001 customers/$, 0.01 leads/$, value $8/$ at CLV $8,000
B: CPL $50,  close 4%   -> 0.0008 customers/$, 0.02 leads/$, value $4/$ at CLV $5,000
C: CPL $20,  close 0.5% -> 0.00025 customers/$, 0.05 leads/$, value $1.25/$: below a 3:1 floor
"""

from __future__ import annotations

import pytest

from optimizer import Status, compare, load_scenarios, optimize
from optimizer.scenario.model import replace_constraints

from .conftest import channel, scenario


def _abc(**kw):
    return scenario(channel("A", 100, 0.10, 8000, max_spend=6000),
                    channel("B", 50, 0.04, 5000),
                    channel("C", 20, 0.005, 5000), budget=10000, floor=3.0, **kw)


def test_customers(solver):
    # A first (0.001/$) up to its $6,000 cap, then B; C is barred by the 3:1 floor
    r = optimize(_abc(objective="customers"), solver=solver)
    assert r.is_optimal
    assert r.spend.to_dict() == pytest.approx({"A": 6000, "B": 4000, "C": 0}, abs=1e-6)
    assert r.objective_value == pytest.approx(6 + 3.2)


def test_leads_respects_the_floor(solver):
    # C brings most leads per dollar but breaks the 3:1 floor: B (0.02 leads/$) takes it all
    r = optimize(_abc(objective="leads"), solver=solver)
    assert r.spend["C"] == pytest.approx(0, abs=1e-6)
    assert r.spend["B"] == pytest.approx(10000)
    assert r.objective_value == pytest.approx(200)
    # without the floor, C takes everything: 10,000 / 20 = 500 leads
    free = optimize(replace_constraints(_abc(objective="leads"), min_clv_to_cpa=None),
                    solver=solver)
    assert free.objective_value == pytest.approx(500)


def test_value(solver):
    r = optimize(_abc(objective="value"), solver=solver)
    assert r.objective_value == pytest.approx(6000 * 8 + 4000 * 4)


def test_min_spend_reaches_the_target_cheapest(solver):
    # 7 customers: 6 from A's $6,000, the 7th from B at $1,250 -> $7,250
    r = optimize(_abc(objective="min_spend", target=("customers", 7.0)), solver=solver)
    assert r.is_optimal
    assert r.objective_value == pytest.approx(7250)
    assert r.totals["customers"] == pytest.approx(7)
    # the target row binds; one more customer costs $1,250 (spend saved is -1,250)
    target = r.constraints[r.constraints["kind"] == "target"].iloc[0]
    assert target["binding"] and target["shadow_price"] == pytest.approx(-1250)
    assert "spend saved" in target["unit"]


def test_min_spend_value_target_and_unreachable_target(solver):
    # $48,000 of value from A's $6,000 at $8/$, the last $2,000 from B at $4/$ -> $6,500
    r = optimize(_abc(objective="min_spend", target=("value", 50000.0)), solver=solver)
    assert r.objective_value == pytest.approx(6500)
    # at most 9.2 customers fit in the $10,000 budget: infeasible, explained
    bad = optimize(_abc(objective="min_spend", target=("customers", 20.0)), solver=solver)
    assert bad.status is Status.INFEASIBLE
    assert any("20 customers" in c for c in bad.conflicts)


def test_shadow_prices_are_in_objective_units(solver):
    r = optimize(_abc(objective="customers"), solver=solver)
    budget = r.constraints[r.constraints["kind"] == "budget"].iloc[0]
    assert budget["shadow_price"] == pytest.approx(0.0008)  # B's customers per dollar
    assert budget["unit"] == "customers per $1 of budget"


def test_file_objectives_compare_side_by_side(tmp_path):
    path = tmp_path / "obj.yaml"
    path.write_text("""
name: Net value
budget: 10000
constraints: {min_clv_to_cpa: 3}
channels:
  - {name: A, cpl: 100, lead_to_close: 0.1, clv: 8000, max_spend: 6000}
  - {name: B, cpl: 50, lead_to_close: 0.04, clv: 5000}
scenarios:
  - {name: Most customers, objective: customers}
  - {name: Cheapest 7 customers, objective: min_spend, target: {customers: 7}}
""")
    scenarios = load_scenarios(path)
    assert [s.objective for s in scenarios] == ["net_value", "customers", "min_spend"]
    table = compare(scenarios).table
    optimal = table[table["plan"] == "optimal"].set_index("scenario")
    assert list(optimal["objective"]) == ["net_value", "customers", "min_spend"]
    assert optimal.loc["Cheapest 7 customers", "objective_value"] == pytest.approx(7250)
    assert optimal.loc["Most customers", "objective_value"] == pytest.approx(9.2)
    assert optimal.loc["Net value", "objective_value"] == pytest.approx(
        optimal.loc["Net value", "net_value"])
