"""Infeasibility repair: ranked single-constraint changes, each proven to work alone."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import given, settings

from optimizer import Group, load_scenario, optimize, suggest_repairs
from optimizer.cli import main

from .conftest import SCENARIOS, channel, scenario
from .test_properties import scenarios


def repairs(sc):
    found = suggest_repairs(sc)
    assert found, "an infeasible plan should get at least one repair"
    for s in found:  # the proof: every suggestion, applied alone, makes the plan feasible
        assert optimize(s.apply(sc)).is_optimal, s.text
    return {s.text: s for s in found}


def test_minimum_spends_above_budget():
    sc = scenario(channel("A", 20, min_spend=15000), channel("B", 20, min_spend=10000),
                  budget=20000)
    found = repairs(sc)
    assert next(iter(found)) == "raise the budget from $20,000 to $25,000"  # smallest change first
    assert "lower A min_spend from $15,000 to $10,000" in found
    assert "lower B min_spend from $10,000 to $5,000" in found


def test_channel_forced_below_its_floor():
    sc = scenario(channel("Social Media Ads", 40, 0.01, 1500, min_spend=5000), budget=20000,
                  floor=3.0)
    found = repairs(sc)
    # the channel's CLV:CPA is 0.375: the floor must come down to 0.37 (rounded down)
    assert ("lower Social Media Ads' CLV:CPA floor from 3.0 to 0.37 (min_clv_to_cpa on the "
            "channel)") in found
    assert "lower Social Media Ads min_spend from $5,000 to $0" in found


def test_full_budget_that_cannot_be_spent():
    sc = scenario(channel("A", 20, max_spend=300), channel("B", 20, max_spend=200),
                  budget=1000, use_full_budget=True)
    found = repairs(sc)
    assert "set use_full_budget: false (spend at most the budget)" in found
    assert "lower the budget from $1,000 to $500" in found
    assert "raise A max_spend from $300 to $800" in found


def test_group_share_capacity_and_max_change():
    group = scenario(channel("A", 20, max_spend=100), channel("B", 20), budget=1000,
                     use_full_budget=True, groups=(Group("Core", ("A",), min_share=0.5),))
    assert "lower group Core min_share from 50.0% to 10.0%" in repairs(group)
    caps = scenario(channel("A", 10, min_spend=2000), budget=5000, max_leads=50)
    assert "raise max_leads from 50 to 200" in repairs(caps)
    change = scenario(channel("A", 20, current_spend=1000, max_spend=500), budget=5000,
                      max_change=0.2)
    found = repairs(change)
    assert "raise A max_spend from $500 to $800" in found
    assert "let A change by up to 50% instead of 20% (max_change on the channel)" in found


def test_blended_floor():
    sc = scenario(channel("A", 50, min_spend=1000), channel("B", 20, max_spend=100),
                  budget=5000, min_blended_clv_to_cpa=4.0)
    # at best A $1,000 (ratio 2) + B $100 (ratio 5): (2,000 + 500) / 1,100 = 2.27
    assert "lower min_blended_clv_to_cpa from 4.0 to 2.27" in repairs(sc)


def test_repairs_are_minimal():
    sc = scenario(channel("A", 20, min_spend=15000), channel("B", 20, min_spend=10000),
                  budget=20000)
    budget = next(s for s in suggest_repairs(sc) if s.field == "budget")
    assert not optimize(sc.with_budget(budget.proposed - 1)).is_optimal  # just below fails


def test_feasible_plan_has_no_repairs():
    assert suggest_repairs(scenario(channel("A", 20))) == ()
    assert optimize(scenario(channel("A", 20))).suggest_repairs() == ()


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_every_repair_works_alone(sc):
    result = optimize(sc)
    if result.is_optimal:
        return
    for s in result.suggest_repairs():
        assert optimize(s.apply(sc)).is_optimal, s.text


def test_plan_json_lists_repairs():
    path = str(SCENARIOS / "whatif_ppc_cpl_shock.yaml")
    out = CliRunner().invoke(main, ["plan", path, "--variant", "PPC CPL +50%", "--format", "json"])
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    texts = [r["text"] for r in data["repairs"]]
    assert "lower PPC min_spend from $20,000 to $0" in texts
    fix = next(r for r in data["repairs"] if r["field"] == "channels['PPC'].min_spend")
    assert fix["current"] == 20000 and fix["proposed"] == 0
    sc = load_scenario(SCENARIOS / "whatif_ppc_cpl_shock.yaml", variant="PPC CPL +50%")
    assert all(optimize(s.apply(sc)).is_optimal for s in suggest_repairs(sc))
