"""Why each channel got what it got: one plain sentence per channel, from what binds."""

from __future__ import annotations

from optimizer import Group, load_scenario, optimize

from .conftest import SCENARIOS, channel, scenario


def why(sc) -> dict[str, str]:
    result = optimize(sc)
    assert result.is_optimal
    return result.channels["why"].to_dict()


def test_bounds_budget_and_exclusions():
    reasons = why(scenario(channel("A", 20, max_spend=600), channel("B", 25),
                           channel("C", 40), channel("D", 200), budget=1000, floor=3.0))
    assert reasons["A"] == "at its max_spend ($600)"
    assert reasons["B"] == "where the budget ran out (marginal tier CPL $25.00)"
    assert reasons["C"] == "excluded: CLV:CPA 2.50 is below the 3.0 floor"
    assert reasons["D"] == ("excluded: CLV:CPA 0.50 is below the 3.0 floor "
                            "(and below 1: it would lose money)")
    assert why(scenario(channel("D", 200)))["D"] == (
        "excluded: CLV:CPA 0.50 is below 1, every dollar would lose money")


def test_minimum_floor_and_tiers():
    reasons = why(scenario(channel("A", 20, max_spend=600), channel("B", 200, min_spend=100)))
    assert reasons["B"].startswith("held at its minimum ($100, min_spend)")
    tiered = channel("A", tiers=[(1000, 10), (float("inf"), 40)])
    assert why(scenario(tiered, budget=20000, floor=3.0))["A"] == (
        "held at the 3.0 floor: more spend would take its CLV:CPA below it "
        "(marginal tier CPL $40.00)")
    steep = channel("A", tiers=[(1000, 10), (float("inf"), 200)])
    assert why(scenario(steep, budget=5000))["A"] == (
        "funded until its next tier (CPL $200.00) would return less than it costs")


def test_max_change_group_and_capacity():
    new = channel("N", 20)
    old = channel("A", 100, current_spend=1000)
    assert why(scenario(old, new, budget=5000, max_change=0.5))["N"] == (
        "held at $0 by max_change (it has no current spend)")
    g = Group("Paid", ("A",), max_share=0.6)
    assert why(scenario(channel("A", 20), channel("B", 50), groups=(g,)))["A"] == (
        "limited by group Paid's max_share (60.0% of total spend)")
    base = SCENARIOS / "b2b_saas_q1.yaml"
    growth = why(load_scenario(base, variant="Growth mode ($400k, floor 1.5:1)"))
    assert growth["Social Media Ads"] == ("limited by group Paid media's max_share (60.0% of "
                                          "total spend)")
    sdr = why(load_scenario(base, variant="SDR capacity 400 SQLs"))
    assert sdr["SEO/Content"] == "limited by sales capacity (at most 400 SQLs in total, max_sqls)"


def test_seed_example_reasons():
    reasons = why(load_scenario(SCENARIOS / "seed_tale_of_two_channels.yaml"))
    assert reasons["Social Media Ads"].startswith("excluded: CLV:CPA 0.38 is below the 3.0 floor")
    assert reasons["Industry Webinars"] == "at its max_spend ($30,000)"
