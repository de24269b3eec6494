"""Every reason the product prints, checked against the independent reference model: the
claim behind each reason code is probed by re-solving the reference (forcing a dollar in or
out, moving a limit), never by reading the planner's own rows."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from optimizer import load_scenarios, optimize, scenario_from_dict

from . import reference as ref
from .conftest import SCENARIOS
from .test_reference import RANDOM, perturb

EPS = 1e-3  # of the budget: how much a probe forces in or out


def with_channel(sc, name, **changes):
    return replace(sc, channels=tuple(replace(c, **changes) if c.name == name else c
                                      for c in sc.channels))


def optimum(sc) -> float:
    found = ref.solve(sc)
    assert found.status == "optimal"
    return found.objective


def same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-7 * max(1.0, abs(a))


def check_reason(sc, result, name: str) -> str:
    """Probe the claim of channel `name`'s reason; returns its code."""
    row = result.channels.loc[name]
    detail, spend = row["why_detail"], float(row["spend"])
    code = detail["code"]
    ch = sc.channel(name)
    base = optimum(sc)
    step = EPS * sc.budget
    low, high = ref.bounds_of(sc, ch)
    floor = ref.floor_of(sc, ch)
    ratio0 = ch.lead_to_close * ch.clv / ch.tiers[0].cpl
    if code == "excluded_floor":
        assert floor is not None and ratio0 < floor
    elif code == "excluded_loses":
        assert ratio0 <= 1
    elif code == "held_zero":
        assert high <= 1e-9
    elif code == "tie":
        step = min(step, 0.5 * spend) if detail["moves"] == "out" else step
        if detail["moves"] == "in":  # it can take more at no loss
            forced = with_channel(sc, name, min_spend=spend + step)
        else:  # it can give some up to its partners at no loss
            forced = with_channel(sc, name, max_spend=spend - step)
        assert same(optimum(forced), base), (name, detail)
    elif code == "earns_less":
        forced = with_channel(sc, name, min_spend=max(ch.min_spend, step))
        assert ref.solve(forced).status != "optimal" or optimum(forced) < base - 1e-9 * abs(base)
    elif code == "own_limit":
        constraint = detail["constraints"][0]
        if constraint.startswith("max_spend"):
            assert spend == pytest.approx(high, rel=1e-7, abs=1e-6)
        elif constraint.startswith("clv_to_cpa_floor"):
            value = result.channels.loc[name, "value"]
            assert value == pytest.approx(floor * spend, rel=1e-6)
    elif code == "own_minimum":
        assert spend == pytest.approx(low, rel=1e-7, abs=1e-6)
        source = result.binding.set_index("constraint").loc[detail["constraints"][0], "source"]
        if source == "min_spend" and low - step >= 0:  # a lower minimum pays
            looser = with_channel(sc, name, min_spend=low - step)
            assert optimum(looser) > base + 1e-9 * abs(base)
    elif code == "shared":
        (constraint,) = detail["constraints"]
        binding = result.binding.set_index("constraint").loc[constraint]
        h = 1e-4 if binding["kind"] in ("group_min_share", "group_max_share",
                                         "blended_clv_to_cpa_floor") else step
        sign = -1.0 if binding["kind"] in ("group_min_share", "blended_clv_to_cpa_floor") \
            else 1.0
        relaxed = perturb(sc, binding, sign * h)
        if relaxed is not None:  # relaxing what holds it back pays
            assert optimum(relaxed) > base + 1e-12 * abs(base), (name, constraint)
    elif code == "next_tier_loses":
        prev, nxt = 0.0, None
        for tier in ch.tiers:
            if spend < tier.up_to - 1e-6:
                nxt = tier
                break
            prev = tier.up_to
        assert nxt is not None and ch.lead_to_close * ch.clv / nxt.cpl <= 1 + 1e-9, prev
    return code


LP_SCENARIOS = [s for p in sorted(SCENARIOS.glob("*.yaml")) for s in load_scenarios(p)
                if not s.is_mixed_integer and not s.has_curves]


@pytest.mark.parametrize("sc", LP_SCENARIOS, ids=[s.name for s in LP_SCENARIOS])
def test_every_bundled_reason_holds_in_the_reference(sc):
    result = optimize(sc)
    if not result.is_optimal:
        pytest.skip("no plan")
    for name in sc.channel_names:
        check_reason(sc, result, name)


@pytest.mark.parametrize("objective", ("net_value", "customers", "value"))
@pytest.mark.parametrize("k", range(len(RANDOM)))
def test_every_random_reason_holds_in_the_reference(k, objective):
    sc = replace(RANDOM[k], objective=objective)
    result = optimize(sc)
    codes = {check_reason(sc, result, name) for name in sc.channel_names}
    assert codes


def test_a_tie_is_said_as_a_tie_in_every_view():
    sc = scenario_from_dict({"name": "tie", "budget": 130000, "constraints": {"min_clv_to_cpa": None},
                             "channels": [{"name": "Google Search", "cpl": 120,
                                           "lead_to_close": 0.05, "clv": 11200},
                                          {"name": "Bing Search", "cpl": 60,
                                           "lead_to_close": 0.025, "clv": 11200}]})[0]
    result = optimize(sc)
    why = result.channels["why"]
    assert why["Google Search"] == ("ties with Bing Search: any split of $130,000 between them "
                                    "gives the same net value")
    assert why["Bing Search"] == ("ties with Google Search: any split of $130,000 between them "
                                  "gives the same net value")
    assert not any("earn more" in text for text in why)
    for name in sc.channel_names:
        assert check_reason(sc, result, name) == "tie"
    from optimizer.render.bundle import plan_view

    view = plan_view(result, None)
    assert "ties with Bing Search" in view.markdown()
    assert "ties with Bing Search" in str(view.json()["channels"])


def test_a_group_share_that_caps_spending_is_named_with_the_unspent_budget():
    sc = scenario_from_dict({
        "name": "field", "budget": 340000,
        "constraints": {"min_clv_to_cpa": None,
                        "groups": [{"name": "Field", "channels": ["Events", "Trade shows"],
                                    "min_share": "25%"}]},
        "channels": [{"name": "Google Search", "cpl": 120, "lead_to_close": 0.05, "clv": 11200},
                     {"name": "Events", "cpl": 300, "lead_to_close": 0.08, "clv": 11200,
                      "max_spend": 25000},
                     {"name": "Trade shows", "cpl": 400, "lead_to_close": 0.08, "clv": 11200,
                      "max_spend": 15000}]})[0]
    result = optimize(sc)
    assert result.totals["spend"] == pytest.approx(160000)
    assert result.channels.loc["Google Search", "why"] == (
        "limited by group Field's min_share (25.0% of total spend)")
    assert result.unspent_note == ("$180,000 of the $340,000 budget stays unspent: group Field "
                                   "must keep 25.0% of spend and can take at most $40,000")
    assert "tier" not in result.channels.loc["Google Search", "why"]
    for name in sc.channel_names:
        check_reason(sc, result, name)
    assert math.isclose(optimum(sc), result.objective_value, rel_tol=1e-9)
