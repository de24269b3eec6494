"""Every constraint type on a small case whose optimum is derived by hand (both backends).

In these cases value per dollar = lead_to_close * CLV / CPL, so with ltc=0.1 and CLV=1000 a
channel with CPL 20 returns $5 of value per $1, i.e. $4 of net value.
"""

from __future__ import annotations

import pytest

from optimizer import Group, optimize

from .conftest import channel, scenario


def shadow(result, name):
    return result.constraints.set_index("constraint").loc[name, "shadow_price"]


def binding(result):
    return set(result.binding["constraint"])


def test_budget_goes_to_best_channel(solver):
    r = optimize(scenario(channel("A", 20), channel("B", 1000 / 300), budget=1000), solver=solver)
    # A: 5 per $, B: 30 per $... B is better
    assert r.spend["B"] == pytest.approx(1000)
    assert r.objective == pytest.approx(1000 * 30 - 1000)
    assert shadow(r, "budget") == pytest.approx(29.0)


def test_unprofitable_channel_gets_nothing_and_budget_is_left(solver):
    # value per $ 0.5: each dollar loses 50 cents
    r = optimize(scenario(channel("A", 200), budget=1000), solver=solver)
    assert r.spend["A"] == pytest.approx(0)
    assert r.totals["unspent"] == pytest.approx(1000)
    assert "budget" not in binding(r)


def test_use_full_budget_forces_spend(solver):
    r = optimize(scenario(channel("A", 200), budget=1000, use_full_budget=True), solver=solver)
    assert r.spend["A"] == pytest.approx(1000)
    assert r.objective == pytest.approx(-500)
    assert shadow(r, "budget") == pytest.approx(-0.5)  # one more forced dollar loses 50 cents


def test_min_and_max_spend(solver):
    a = channel("A", 20, max_spend=600)  # 5 per $
    b = channel("B", 200, min_spend=100)  # 0.5 per $: only its minimum
    r = optimize(scenario(a, b, budget=1000), solver=solver)
    assert r.spend["A"] == pytest.approx(600)
    assert r.spend["B"] == pytest.approx(100)
    assert r.objective == pytest.approx(600 * 4 - 50)
    assert shadow(r, "max_spend[A]") == pytest.approx(4.0)
    assert shadow(r, "min_spend[B]") == pytest.approx(-0.5)
    assert binding(r) == {"max_spend[A]", "min_spend[B]"}


def test_channel_floor_excludes_profitable_channel(solver):
    # 2.5 per $: profitable, but CLV:CPA 2.5 < 3
    assert optimize(scenario(channel("A", 40), floor=3.0), solver=solver).spend["A"] == pytest.approx(0)
    assert optimize(scenario(channel("A", 40), floor=None), solver=solver).spend["A"] == pytest.approx(1000)
    assert optimize(scenario(channel("A", 40), floor=2.5), solver=solver).spend["A"] == pytest.approx(1000)


def test_floor_with_tiers_uses_the_channel_average(solver):
    # tier 1: $1,000 at CPL 10 (10 per $); then CPL 40 (2.5 per $)
    # average ratio (10,000 + 2.5 (s - 1,000)) / s >= 3  <=>  s <= 15,000
    ch = channel("A", tiers=[(1000, 10), (float("inf"), 40)])
    r = optimize(scenario(ch, budget=20000, floor=3.0), solver=solver)
    assert r.spend["A"] == pytest.approx(15000)
    assert r.channels.loc["A", "clv_to_cpa"] == pytest.approx(3.0)
    assert r.channels.loc["A", "marginal_cpl"] == pytest.approx(40)
    assert r.channels.loc["A", "leads"] == pytest.approx(100 + 14000 / 40)
    assert "clv_to_cpa_floor[A]" in binding(r)
    # d(net)/d(floor) = dual * spend: raising the floor costs money
    assert shadow(r, "clv_to_cpa_floor[A]") < 0
    free = optimize(scenario(ch, budget=20000, floor=None), solver=solver)
    assert free.spend["A"] == pytest.approx(20000)


def test_tiers_fill_cheapest_first(solver):
    ch = channel("A", tiers=[(500, 10), (1000, 20), (2000, 50)])
    r = optimize(scenario(ch, budget=1500, floor=None), solver=solver)
    # tier 3 returns 2 per $: still profitable, so the whole budget goes in
    assert r.spend["A"] == pytest.approx(1500)
    assert r.channels.loc["A", "leads"] == pytest.approx(50 + 25 + 10)
    assert r.channels.loc["A", "marginal_cpl"] == pytest.approx(50)
    assert r.warnings == ()


def test_blended_floor(solver):
    a = channel("A", 1000 / 60, max_spend=1000)  # 6 per $
    b = channel("B", 50)  # 2 per $
    # 6,000 + 2 s >= 3 (1,000 + s)  <=>  s <= 3,000
    r = optimize(scenario(a, b, budget=10000, min_blended_clv_to_cpa=3.0), solver=solver)
    assert r.spend["A"] == pytest.approx(1000)
    assert r.spend["B"] == pytest.approx(3000)
    assert r.totals["blended_clv_to_cpa"] == pytest.approx(3.0)
    assert r.objective == pytest.approx(5000 + 3000)


def test_max_change(solver):
    a = channel("A", 20, current_spend=1000)  # 5 per $
    b = channel("B", 200, current_spend=1000)  # 0.5 per $
    r = optimize(scenario(a, b, budget=10000, max_change=0.2), solver=solver)
    assert r.spend["A"] == pytest.approx(1200)
    assert r.spend["B"] == pytest.approx(800)
    row = r.constraints.set_index("constraint").loc["max_spend[A]"]
    assert row.source == "max_change"


def test_max_change_holds_new_channel_at_zero_unless_exempt(solver):
    old = channel("A", 100, current_spend=1000)  # 1 per $: break-even
    new = channel("N", 20)  # 5 per $, no current spend
    r = optimize(scenario(old, new, budget=5000, max_change=0.5), solver=solver)
    assert r.spend["N"] == pytest.approx(0)
    exempt = channel("N", 20, max_change=None)
    r = optimize(scenario(old, exempt, budget=5000, max_change=0.5), solver=solver)
    assert r.spend["N"] == pytest.approx(5000 - 500)  # A must keep at least 500


def test_max_leads_prefers_value_per_lead(solver):
    a = channel("A", 10, 0.1, 1000)  # 10 per $, 0.1 lead per $, $90 net per lead
    b = channel("B", 100, 0.5, 1000)  # 5 per $, 0.01 lead per $, $400 net per lead
    free = optimize(scenario(a, b, budget=10000), solver=solver)
    assert free.spend["A"] == pytest.approx(10000)
    r = optimize(scenario(a, b, budget=10000, max_leads=100), solver=solver)
    assert r.spend["B"] == pytest.approx(10000)
    assert r.spend["A"] == pytest.approx(0)
    assert r.totals["leads"] == pytest.approx(100)
    assert r.objective == pytest.approx(40000)


def test_max_customers(solver):
    a = channel("A", 10, 0.1, 1000)  # 0.01 customer per $
    r = optimize(scenario(a, budget=10000, max_customers=25), solver=solver)
    assert r.spend["A"] == pytest.approx(2500)
    assert r.totals["customers"] == pytest.approx(25)
    # one more customer of capacity: $100 more spend, +$1,000 value => +$900
    assert shadow(r, "max_customers") == pytest.approx(900)


def test_max_sqls(solver):
    a = channel("A", 10, 0.1, 1000, lead_to_sql=0.5)  # 0.05 SQL per $
    r = optimize(scenario(a, budget=10000, max_sqls=100), solver=solver)
    assert r.spend["A"] == pytest.approx(2000)
    assert r.totals["sqls"] == pytest.approx(100)


def test_group_min_share(solver):
    a, b = channel("A", 20), channel("B", 50)  # 5 and 2 per $
    g = Group("Brand", ("B",), min_share=0.3)
    r = optimize(scenario(a, b, budget=1000, groups=(g,)), solver=solver)
    assert r.spend["B"] == pytest.approx(300)
    assert r.spend["A"] == pytest.approx(700)
    assert r.objective == pytest.approx(700 * 4 + 300 * 1)
    assert shadow(r, "group_min_share[Brand]") < 0


def test_group_max_share(solver):
    a, b = channel("A", 20), channel("B", 50)
    g = Group("Paid", ("A",), max_share=0.6)
    r = optimize(scenario(a, b, budget=1000, groups=(g,)), solver=solver)
    assert r.spend["A"] == pytest.approx(600)
    assert r.spend["B"] == pytest.approx(400)
    assert r.objective == pytest.approx(600 * 4 + 400 * 1)
    assert shadow(r, "group_max_share[Paid]") > 0


def test_capacity_with_forced_spend_warns_about_tier_order(solver):
    ch = channel("A", tiers=[(1000, 10), (float("inf"), 20)], min_spend=2000)
    r = optimize(scenario(ch, budget=5000, max_leads=120), solver=solver)
    assert r.is_optimal
    assert r.warnings and "cheaper" in r.warnings[0]


def test_floor_rows_with_tiny_coefficients_are_solved(solver):
    """Found by hypothesis: a $1 CLV and a 1-in-a-million close rate put the blended floor
    row's coefficients below HiGHS's 1e-7 tolerance; floor rows are scaled to fix that."""
    from optimizer import Channel, Constraints, Scenario, Tier

    c0 = Channel("c0", (Tier(100.0, 5.0),), lead_to_close=0.0, clv=0.0, lead_to_sql=0.0)
    c1 = Channel("c1", (Tier(100.0, 5.0), Tier(200.0, 6.0)), lead_to_close=1e-6, clv=1.0,
                 current_spend=101.0, lead_to_sql=3e-6)
    floor = (100 / 5 + 1 / 6) * 1e-6 / 101  # exactly the current plan's blended CLV:CPA
    sc = Scenario("knife edge", 101.0, (c0, c1), use_full_budget=True,
                  constraints=Constraints(min_clv_to_cpa=None, min_blended_clv_to_cpa=floor))
    result = optimize(sc, solver=solver)
    assert not result.current_violations
    assert result.is_optimal
    assert result.spend["c1"] == pytest.approx(101.0)
