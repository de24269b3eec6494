"""Every statement true (issue #10): prices, ranges and reasons derived from the solution,
each checked against hand-derived answers and the reference model."""

from __future__ import annotations

import pytest

from optimizer import optimize, scenario_from_dict

from . import reference as ref


def tiered(**extra):
    return scenario_from_dict({
        "name": "tiers", "budget": 100000, "constraints": {"min_clv_to_cpa": None},
        "channels": [{"name": "A", "tiers": [{"up_to": 20000, "cpl": 50},
                                             {"up_to": 40000, "cpl": 80}],
                      "lead_to_close": 0.05, "clv": 5000}], **extra})[0]


def test_a_channel_capped_by_the_end_of_its_tiers_has_its_price(solver):
    # the last dollar buys leads at CPL 80: 0.05 x 5000 / 80 = 3.125 of value, 2.125 net
    result = optimize(tiered(), solver=solver)
    row = result.binding.set_index("constraint").loc["max_spend[A]"]
    assert row["source"] == "tiers"
    assert row["shadow_price"] == pytest.approx(2.125)
    sc = tiered()
    wider = tiered(channels=[{"name": "A", "tiers": [{"up_to": 20000, "cpl": 50},
                                                     {"up_to": 40001, "cpl": 80}],
                              "lead_to_close": 0.05, "clv": 5000}])
    assert ref.solve(wider).objective - ref.solve(sc).objective == pytest.approx(2.125)
