"""max_channel_share, the kind added in docs/architecture.md's worked example: once it is in
the kinds table and has its build function, every view knows it (constraint table, shadow
price, reason, current-plan violation, conflict, repair, ranging), with answers derived by
hand and checked against the reference model."""

from __future__ import annotations

import pytest

from optimizer import Status, optimize, ranging, scenario_from_dict, suggest_repairs

from . import reference as ref


def two_channels(**extra) -> dict:
    # value per dollar: A 10, B 5 (both worth buying); the share cap splits the budget
    return {"name": "shares", "budget": 1000, "constraints": {"min_clv_to_cpa": None,
                                                              "max_channel_share": "60%",
                                                              **extra.pop("constraints", {})},
            "channels": [{"name": "A", "cpl": 10, "lead_to_close": 0.1, "clv": 1000,
                          "current_spend": 900},
                         {"name": "B", "cpl": 10, "lead_to_close": 0.05, "clv": 1000,
                          "current_spend": 100}], **extra}


def test_the_cap_splits_the_budget_with_hand_derived_prices(solver):
    sc = scenario_from_dict(two_channels())[0]
    result = optimize(sc, solver=solver)
    spend = result.spend
    assert spend["A"] == pytest.approx(600) and spend["B"] == pytest.approx(400)
    assert result.objective_value == pytest.approx(600 * 9 + 400 * 4)
    assert result.objective_value == pytest.approx(ref.solve(sc).objective)
    price = result.binding.set_index("constraint")["shadow_price"]
    # one more point of share moves $10 from B (4 net per $) to A (9 net per $)
    assert price["channel_max_share[A]"] == pytest.approx(5000)
    assert price["budget"] == pytest.approx(0.6 * 9 + 0.4 * 4)
    assert "channel_max_share[B]" not in price
    why = result.channels["why"]
    assert why["A"] == "held at max_channel_share (60.0% of total spend)"
    assert why["B"].startswith("where the budget ran out")


def test_the_current_plan_breaks_it_in_words():
    result = optimize(scenario_from_dict(two_channels())[0])
    assert "A takes 90.0% of spend, above max_channel_share 60.0%" in result.current_violations


def test_a_conflict_names_it_and_a_repair_raises_it():
    sc = scenario_from_dict(two_channels(constraints={"max_channel_share": "40%"}))[0]
    sc = sc.__class__(**{**sc.__dict__, "channels": tuple(
        c.__class__(**{**c.__dict__, "min_spend": 100.0}) if c.name == "A" else c
        for c in sc.channels)})
    result = optimize(sc)
    assert result.status is Status.INFEASIBLE
    assert any("may take at most 40.0% of total spend (max_channel_share)" in c
               for c in result.conflicts)
    texts = [s.text for s in suggest_repairs(sc)]
    assert "raise max_channel_share from 40.0% to 50.0%" in texts
    fixed = next(s for s in suggest_repairs(sc) if "max_channel_share" in s.text).apply(sc)
    assert optimize(fixed).is_optimal


def test_ranging_brackets_where_the_price_holds():
    sc = scenario_from_dict(two_channels())[0]
    row = ranging(sc).constraints.set_index("constraint").loc["channel_max_share[A]"]
    # this row alone (B keeps its 60%): below 40% B cannot take the rest; at 100% A takes all
    assert row["low"] == pytest.approx(0.4) and row["high"] == pytest.approx(1.0)
