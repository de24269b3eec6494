"""Ranging is exact: just inside each limit the plan keeps its shape, just outside it does not."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from optimizer import load_scenario, optimize
from optimizer.analysis.ranging import ranging
from optimizer.lp import build_lp
from optimizer.scenario.model import Scenario, Tier
from optimizer.scenario.synthetic import random_scenario

from .conftest import SCENARIOS


def shape(sc: Scenario) -> tuple:
    """The plan's structure: each tier column empty / full / partial, and what binds."""
    result = optimize(sc)
    if not result.is_optimal:
        return ("infeasible",)
    lp = build_lp(sc)
    x = result.tier_spend
    tol = 1e-7 * max(1.0, sc.budget)
    cols = tuple("0" if v <= tol else "u" if v >= ub - tol else "p" for v, ub in zip(x, lp.ub, strict=True))
    return cols, tuple(sorted(result.binding["constraint"]))


def with_input(sc: Scenario, name: str, what: str, value: float) -> Scenario:
    def change(ch):
        if ch.name != name:
            return ch
        if what == "cpl":
            factor = value / ch.cpl
            return replace(ch, tiers=tuple(Tier(t.up_to, t.cpl * factor) for t in ch.tiers))
        return replace(ch, **{what: value})
    return replace(sc, channels=tuple(change(c) for c in sc.channels))


def check_inputs(sc: Scenario) -> int:
    base = shape(sc)
    table = ranging(sc).inputs
    checked = 0
    for row in table.itertuples():
        ch = sc.channel(row.channel)
        cap = min(1.0, ch.lead_to_sql or 1.0) if row.input == "lead_to_close" else math.inf
        for limit, side in ((row.low, -1), (row.high, +1)):
            if not math.isfinite(limit) or limit <= 0 or limit >= cap * (1 - 1e-9):
                continue
            width = abs(limit - row.value)
            if width < 1e-9 * max(1.0, abs(row.value)):
                continue  # degenerate: the shape changes at once
            inside = limit - side * 0.01 * width
            outside = limit + side * 0.01 * width
            assert shape(with_input(sc, row.channel, row.input, inside)) == base, \
                (row.channel, row.input, "inside", inside)
            assert shape(with_input(sc, row.channel, row.input, outside)) != base, \
                (row.channel, row.input, "outside", outside)
            checked += 1
    return checked


def test_example_ranges_by_hand():
    r = ranging(load_scenario(SCENARIOS / "b2b_saas_q1.yaml")).inputs.set_index(["channel", "input"])
    # Email is the marginal channel while 200/CPL sits between PPC's 3.79 and LinkedIn's 5.0
    assert r.loc[("Email", "cpl"), "low"] == pytest.approx(40.0)
    assert r.loc[("Email", "cpl"), "high"] == pytest.approx(200 / (0.03 * 12000 / 95))
    # LinkedIn stays at its max while its CLV:CPA (0.05 * CLV / 150) beats Email's 4.0
    assert r.loc[("LinkedIn Ads", "cpl"), "high"] == pytest.approx(187.5)
    assert r.loc[("LinkedIn Ads", "clv"), "low"] == pytest.approx(12000)
    assert math.isinf(r.loc[("LinkedIn Ads", "clv"), "high"])
    assert r.loc[("LinkedIn Ads", "cpl"), "statement"] == (
        "LinkedIn Ads: at its max_spend ($90,000), as long as its CPL stays below $187.50")


def test_example_constraint_price_ranges():
    c = ranging(load_scenario(SCENARIOS / "b2b_saas_q1.yaml")).constraints.set_index("constraint")
    # Email takes or gives the marginal dollar until its $5k minimum or $35k maximum
    assert c.loc["budget", "shadow_price"] == pytest.approx(3.0)
    assert c.loc["budget", ["low", "high"]].tolist() == pytest.approx([235000, 265000])
    assert c.loc["min_spend[PPC]", ["low", "high"]].tolist() == pytest.approx([5000, 35000])


def test_price_ranges_by_brute_force():
    sc = load_scenario(SCENARIOS / "b2b_saas_q1.yaml")
    rows = ranging(sc).constraints
    budget = rows.set_index("constraint").loc["budget"]
    price = budget.shadow_price
    for b in (budget.low + 1, budget.high - 1):
        step = optimize(sc.with_budget(b + 1)).objective - optimize(sc.with_budget(b)).objective
        assert step == pytest.approx(price, rel=1e-6)
    beyond = budget.high + 1000
    step = optimize(sc.with_budget(beyond + 1)).objective - optimize(sc.with_budget(beyond)).objective
    assert step != pytest.approx(price, rel=1e-6)


def test_example_inputs_brute_force():
    assert check_inputs(load_scenario(SCENARIOS / "b2b_saas_q1.yaml")) >= 15


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_inputs_brute_force(seed):
    sc = random_scenario(6, 3, seed=seed, all_constraints=False)
    sc = replace(sc, budget=sc.budget * 0.5)
    assert check_inputs(sc) >= 5


@pytest.mark.parametrize("seed", [2, 3, 13])
def test_random_inputs_with_every_constraint_brute_force(seed):
    sc = random_scenario(8, 3, seed=seed)  # floors, capacities, groups, max_change, tiers
    assert optimize(sc).is_optimal
    assert check_inputs(sc) >= 25


def test_ranging_needs_an_optimal_plan():
    sc = load_scenario(SCENARIOS / "whatif_ppc_cpl_shock.yaml", variant="PPC CPL +50%")
    with pytest.raises(ValueError, match="needs an optimal plan"):
        ranging(sc)
