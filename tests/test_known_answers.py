"""Known answers from the seed articles' worked examples."""

from __future__ import annotations

import math

import pytest

from optimizer import load_scenario, optimize
from optimizer.scenario.model import replace_constraints

from .conftest import SCENARIOS


def test_tale_of_two_channels(solver):
    result = optimize(load_scenario(SCENARIOS / "seed_tale_of_two_channels.yaml"), solver=solver)
    assert result.is_optimal
    webinars = result.channels.loc["Industry Webinars"]
    # $150 CPL / 8% lead-to-close = $1,875 CPA; $12,000 / $1,875 = 6.4
    assert webinars.cpa == pytest.approx(1875.0)
    assert webinars.clv_to_cpa == pytest.approx(6.4)
    assert webinars.spend == pytest.approx(30000.0)  # at its max_spend
    # Social Media Ads: $40 / 1% = $4,000 CPA for a $1,500 CLV: 0.375, below 3:1 -> excluded
    assert result.channels.loc["Social Media Ads", "spend"] == pytest.approx(0.0)
    social_now = result.current_channels.loc["Social Media Ads"]
    assert social_now.cpa == pytest.approx(4000.0)
    assert social_now.clv_to_cpa == pytest.approx(0.375)
    assert any("Social Media Ads has CLV:CPA 0.38, below the 3.0 floor" in v
               for v in result.current_violations)
    # ratios of a channel with zero customers are NaN, never an exception
    assert math.isnan(result.channels.loc["Social Media Ads", "cpa"])
    assert result.totals["net_value"] == pytest.approx(200 * 0.08 * 12000 - 30000)


def test_cheaper_cpl_loses(solver):
    """Google Ads: $20 CPL, 2% close -> $1,000 CPA; LinkedIn: $50 CPL, 12.5% -> $400 CPA."""
    sc = load_scenario(SCENARIOS / "seed_cpl_vs_cpa.yaml")
    result = optimize(sc, solver=solver)
    now = result.current_channels
    assert now.loc["Google Ads", "leads"] == pytest.approx(100)
    assert now.loc["Google Ads", "customers"] == pytest.approx(2)
    assert now.loc["Google Ads", "cpa"] == pytest.approx(1000)
    assert now.loc["LinkedIn Ads", "leads"] == pytest.approx(40)
    assert now.loc["LinkedIn Ads", "customers"] == pytest.approx(5)
    assert now.loc["LinkedIn Ads", "cpa"] == pytest.approx(400)
    plan = result.channels
    # LinkedIn fills its $3,000 cap first, Google takes the remaining $1,000
    assert plan.loc["LinkedIn Ads", "spend"] == pytest.approx(3000)
    assert plan.loc["Google Ads", "spend"] == pytest.approx(1000)
    # Google's CLV:CPA is exactly 3.0: at the floor passes
    assert plan.loc["Google Ads", "clv_to_cpa"] == pytest.approx(3.0)
    assert result.objective == pytest.approx(19500 + 2000)
    budget = result.constraints.set_index("constraint").loc["budget"]
    assert budget.binding
    assert budget.shadow_price == pytest.approx(2.0)  # Google: 3.0 value per $ minus the $


def test_just_above_floor_excludes(solver):
    sc = load_scenario(SCENARIOS / "seed_cpl_vs_cpa.yaml")
    stricter = replace_constraints(sc, min_clv_to_cpa=3.0001)
    result = optimize(stricter, solver=solver)
    assert result.channels.loc["Google Ads", "spend"] == pytest.approx(0, abs=1e-6)
    assert result.channels.loc["LinkedIn Ads", "spend"] == pytest.approx(3000)
