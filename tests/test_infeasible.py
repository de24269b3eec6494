"""Infeasible plans are explained in plain words, never clipped, never a bare status."""

from __future__ import annotations

import pytest

from optimizer import Group, InfeasiblePlanError, Status, optimize

from .conftest import channel, scenario


def conflicts(sc, solver="highs"):
    r = optimize(sc, solver=solver)
    assert r.status is Status.INFEASIBLE
    assert r.channels is None and r.totals is None  # no clipped allocation
    assert r.conflicts
    return " | ".join(r.conflicts)


def test_minimum_spends_above_budget(solver):
    sc = scenario(channel("A", 20, min_spend=15000), channel("B", 20, min_spend=10000),
                  budget=20000)
    assert "minimum spends total $25,000 but the budget is $20,000" in conflicts(sc, solver)


def test_min_spend_below_floor():
    social = channel("Social Media Ads", 40, 0.01, 1500, min_spend=5000)
    text = conflicts(scenario(social, budget=20000, floor=3.0))
    assert ("Social Media Ads must spend at least $5,000 (min_spend) but its CLV:CPA is "
            "0.38, below the 3.0 floor") in text


def test_full_budget_beyond_channel_limits():
    sc = scenario(channel("A", 20, max_spend=300), channel("B", 20, max_spend=200),
                  budget=1000, use_full_budget=True)
    assert ("use_full_budget requires spending the whole $1,000 but the channels can take at "
            "most $500") in conflicts(sc)


def test_max_change_against_max_spend():
    sc = scenario(channel("A", 20, current_spend=1000, max_spend=500), budget=5000,
                  max_change=0.2)
    assert "A must spend at least $800 (max_change) but at most $500 (max_spend)" in conflicts(sc)


def test_capacity_against_minimums():
    sc = scenario(channel("A", 10, min_spend=2000), budget=5000, max_leads=50)
    assert "minimum spends bring at least 200 leads but the capacity (max_leads) is 50" in conflicts(sc)


def test_conflict_isolated_when_no_direct_check_applies():
    # A may take at most $100, but the group needs half of a fully spent $1,000
    a, b = channel("A", 20, max_spend=100), channel("B", 20)
    sc = scenario(a, b, budget=1000, use_full_budget=True,
                  groups=(Group("Core", ("A",), min_share=0.5),))
    text = conflicts(sc)
    assert text.startswith("these constraints cannot all hold at once")
    assert "A may spend at most $100 (max_spend)" in text
    assert "group Core must take at least 50.0% of total spend" in text
    assert "use_full_budget: total spend must equal the $1,000 budget" in text
    assert "B" not in text.replace("budget", "")  # B's bounds play no part


def test_blended_floor_conflict_is_isolated():
    a = channel("A", 50, min_spend=1000)  # CLV:CPA 2
    b = channel("B", 20, max_spend=100)  # CLV:CPA 5
    sc = scenario(a, b, budget=5000, min_blended_clv_to_cpa=4.0)
    text = conflicts(sc)
    assert "blended CLV:CPA must be at least 4.0" in text
    assert "A must spend at least $1,000" in text
    assert "B may spend at most $100" in text


def test_raise_for_status():
    sc = scenario(channel("A", 20, min_spend=2000), budget=1000)
    result = optimize(sc)
    with pytest.raises(InfeasiblePlanError, match="minimum spends total"):
        result.raise_for_status()
    assert optimize(scenario(channel("A", 20))).raise_for_status().is_optimal


def test_current_plan_evaluated_even_when_infeasible():
    sc = scenario(channel("A", 20, min_spend=2000, current_spend=500), budget=1000)
    result = optimize(sc)
    assert result.current_channels.loc["A", "spend"] == pytest.approx(500)
    assert any("below its minimum of $2,000" in v for v in result.current_violations)
