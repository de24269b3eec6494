"""Budget frontier and its inverse (smallest budget reaching a target)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from optimizer import budget_for_target, budget_frontier, load_scenario, optimize
from optimizer.cli import main
from optimizer.scenario.synthetic import random_scenario
from optimizer.status import Status

from .conftest import SCENARIOS, channel, scenario
from .test_properties import scenarios

# A returns $5 per $1 up to $600; B returns $2 per $1 up to $400
A = channel("A", 20, max_spend=600)
B = channel("B", 50, max_spend=400)


def test_hand_derived_frontier():
    front = budget_frontier(scenario(A, B), budgets=[300, 800, 1500])
    p = front.points.set_index("budget")
    assert p.loc[300, "net_value"] == pytest.approx(300 * 4)
    assert p.loc[300, "marginal_net_value"] == pytest.approx(4)
    assert p.loc[300, "next_dollar_channel"] == "A"
    assert p.loc[800, "net_value"] == pytest.approx(600 * 4 + 200 * 1)
    assert p.loc[800, "marginal_net_value"] == pytest.approx(1)
    assert p.loc[800, "next_dollar_channel"] == "B"
    assert p.loc[1500, "spend"] == pytest.approx(1000)
    assert p.loc[1500, "unspent"] == pytest.approx(500)
    assert p.loc[1500, "marginal_net_value"] == pytest.approx(0)
    assert pd.isna(p.loc[1500, "next_dollar_channel"])  # the next dollar stays unspent
    assert front.spend.loc[800, "A"] == pytest.approx(600)
    assert front.saturation_budget == pytest.approx(1000)
    assert "A may spend at most $600" in front.saturation_reason
    assert "B may spend at most $400" in front.saturation_reason


def test_unlimited_profitable_channel_never_saturates():
    front = budget_frontier(scenario(channel("A", 20)), points=3, start=100, stop=1000)
    assert front.saturation_budget is None
    assert "keeps earning" in front.saturation_reason
    assert front.points["net_value"].is_monotonic_increasing


def test_infeasible_budgets_are_reported_not_dropped():
    sc = scenario(channel("A", 20, min_spend=500))
    front = budget_frontier(sc, budgets=[100, 1000])
    assert list(front.points["status"]) == ["infeasible", "optimal"]
    assert math.isnan(front.points.loc[0, "net_value"])


def test_frontier_equals_fresh_solves_on_the_example():
    sc = load_scenario(SCENARIOS / "b2b_saas_q1.yaml")
    front = budget_frontier(sc, points=15)
    assert front.saturation_budget == pytest.approx(365000)
    for budget, net in zip(front.points["budget"], front.points["net_value"], strict=True):
        fresh = optimize(sc.with_budget(budget))
        assert fresh.objective == pytest.approx(net, rel=1e-9, abs=1e-6)
    nets = front.points["net_value"].to_numpy()
    assert (np.diff(nets) >= -1e-6).all()  # a larger budget never lowers the optimum


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_frontier_equals_fresh_solves(sc):
    budgets = [sc.budget * f for f in (0.5, 1.0, 1.7)]
    front = budget_frontier(sc, budgets=budgets)
    for budget, status, net in zip(budgets, front.points["status"], front.points["net_value"], strict=True):
        fresh = optimize(sc.with_budget(budget))
        assert str(fresh.status) == status
        if fresh.is_optimal:
            assert fresh.objective == pytest.approx(net, rel=1e-7, abs=1e-5)


def test_budget_for_target_customers(solver):
    # customers per $: A 0.1/20 = 0.005 (max 600 -> 3), B 0.1/50 = 0.002 (max 400 -> 0.8)
    plan = budget_for_target(scenario(A, channel("B", 50)), customers=4, solver=solver)
    assert plan.status is Status.OPTIMAL
    assert plan.budget == pytest.approx(600 + 500, rel=1e-6)
    assert plan.totals["customers"] == pytest.approx(4, rel=1e-6)
    assert plan.channels.loc["A", "spend"] == pytest.approx(600, rel=1e-6)
    short = budget_for_target(scenario(A, B), customers=4, solver=solver)
    assert short.status is Status.INFEASIBLE and short.budget is None
    assert "at most 3.8 customers can be reached" in short.explanation


def test_budget_for_target_value():
    plan = budget_for_target(scenario(A, B), value=3500)
    assert plan.budget == pytest.approx(600 + 250)
    with pytest.raises(ValueError, match="exactly one target"):
        budget_for_target(scenario(A, B))


def test_frontier_cli(tmp_path):
    path = str(SCENARIOS / "b2b_saas_q1.yaml")
    result = CliRunner().invoke(main, ["frontier", path, "--points", "5", "--format", "json",
                                       "--target-customers", "150", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["points"]) == 5
    assert data["saturation_budget"] == pytest.approx(365000)
    assert data["target"]["status"] == "optimal"
    assert {p.name for p in tmp_path.iterdir()} == {"frontier.json", "frontier.csv", "frontier.md"}
    bad = CliRunner().invoke(main, ["frontier", path, "--target-customers", "5000"])
    assert bad.exit_code == 1 and "no budget reaches 5,000.0 customers" in bad.stdout
    assert CliRunner().invoke(main, ["frontier", path, "--from", "10", "--to", "5"]).exit_code == 2


def test_200_point_frontier_runs():
    front = budget_frontier(random_scenario(20, 10, seed=7), points=200)
    assert len(front.points) == 200 and (front.points["status"] == "optimal").any()
