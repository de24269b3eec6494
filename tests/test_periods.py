"""Months inside the quarter: hand-computed answers, and the single-period case matching
the plain planner exactly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import Period, load_scenario, optimize
from optimizer.scenario.synthetic import random_scenario

from .conftest import channel, scenario

MONTHS = (Period("Jan"), Period("Feb"), Period("Mar"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 8), tiers=st.integers(1, 4),
       full=st.booleans())
def test_one_period_is_the_plain_plan(seed, n, tiers, full):
    plain = random_scenario(n, tiers, seed, all_constraints=full)
    single = dataclasses.replace(plain, periods=(Period("Q1"),))
    a, b = optimize(plain), optimize(single)
    assert a.status == b.status
    if a.is_optimal:
        assert b.spend.to_numpy() == pytest.approx(a.spend.to_numpy(), abs=1e-6, rel=1e-9)
        assert b.objective_value == pytest.approx(a.objective_value, rel=1e-9, abs=1e-6)
        # same constraints, same shadow prices
        pa = a.constraints.set_index("kind")["shadow_price"]
        pb = b.constraints.set_index("kind")["shadow_price"]
        assert list(pa.index) == list(pb.index)
        assert pb.to_numpy() == pytest.approx(pa.to_numpy(), rel=1e-6, abs=1e-6)
        assert b.period_spend.loc["Q1"].to_numpy() == pytest.approx(a.spend.to_numpy(),
                                                                    abs=1e-6)


def test_seasonal_cpl_moves_spend_to_the_cheap_month(solver):
    # one channel capped at $30,000 per quarter ($10,000 per month of tier room), then dear.
    # Feb's leads cost 25% more; with $25,000 the plan fills Jan and Mar first.
    ch = channel("PPC", tiers=[(30000, 100), (60000, 400)], ltc=0.05, clv=8000)
    sc = scenario(ch, budget=25000, floor=3.0,
                  periods=(Period("Jan"), Period("Feb", cpl_multiplier=1.25), Period("Mar")))
    r = optimize(sc, solver=solver)
    spend = r.period_spend["PPC"]
    assert spend["Jan"] == pytest.approx(10000) and spend["Mar"] == pytest.approx(10000)
    assert spend["Feb"] == pytest.approx(5000)
    # leads: 20,000 / 100 + 5,000 / 125 = 240
    assert r.totals["leads"] == pytest.approx(240)
    assert r.periods.loc["Feb", "cpl"] == pytest.approx(125)


def test_period_budgets_and_capacity_multipliers(solver):
    ch = channel("A", 100, 0.05, 8000)
    # quarterly SQL... here leads: 300 leads per quarter -> 100 per month, Feb at 50%
    sc = scenario(ch, budget=100000, max_leads=300,
                  periods=(Period("Jan", budget=5000), Period("Feb", capacity_multiplier=0.5),
                           Period("Mar")))
    r = optimize(sc, solver=solver)
    spend = r.period_spend["A"]
    assert spend["Jan"] == pytest.approx(5000)  # its own budget binds before 100 leads
    assert spend["Feb"] == pytest.approx(5000)  # 50 leads
    assert spend["Mar"] == pytest.approx(10000)  # 100 leads
    kinds = set(r.binding["kind"])
    assert {"period_budget", "max_leads"} <= kinds
    names = set(r.binding["constraint"])
    assert "max_leads[Feb]" in names and "period_budget[Jan]" in names


def test_pacing_limits_month_to_month_change(solver):
    # Jan is capped at $10,000 for PPC; with 50% pacing Feb <= 15,000 and Mar <= 22,500
    sc = scenario(channel("PPC", 100, 0.05, 8000), budget=100000,
                  periods=(Period("Jan", channel_bounds=(("PPC", 0.0, 10000.0),)),
                           Period("Feb"), Period("Mar")),
                  max_period_change=0.5)
    r = optimize(sc, solver=solver)
    assert r.period_spend["PPC"].to_list() == pytest.approx([10000, 15000, 22500])
    binding = r.binding.set_index("constraint")
    # another point of allowed change is worth Jan-to-Feb base times the chain
    assert binding.loc["pacing_increase[PPC, Feb]", "shadow_price"] > 0
    assert "period_max_spend[PPC, Jan]" in binding.index


def test_period_share_caps_each_month(solver):
    sc = scenario(channel("A", 100, 0.05, 8000, max_spend=30000), budget=30000,
                  periods=(Period("Jan", cpl_multiplier=0.5), Period("Feb"), Period("Mar")),
                  max_period_share=0.5)
    r = optimize(sc, solver=solver)
    # Jan is cheapest but may take at most half of the total
    assert r.period_spend.loc["Jan", "A"] == pytest.approx(15000)
    assert r.periods["share"].max() <= 0.5 + 1e-9


def test_month_file_reads_and_solves():
    sc = load_scenario("scenarios/quarter_by_month.yaml")
    assert [p.name for p in sc.periods] == ["Jan", "Feb", "Mar"]
    r = optimize(sc).raise_for_status()
    assert r.period_spend.shape == (3, len(sc.channels))
    assert np.isclose(r.period_spend.to_numpy().sum() + r.channels.get("fixed_cost", 0).sum(),
                      r.totals["spend"])


def test_cli_reports_periods_milp_and_refuses_ranging(tmp_path):
    from click.testing import CliRunner

    from optimizer.cli import main

    path = "scenarios/quarter_by_month.yaml"
    out = CliRunner().invoke(main, ["report", path, "--out", str(tmp_path / "r"),
                                    "--points", "4"])
    assert out.exit_code == 0, out.output
    html = (tmp_path / "r" / "report.html").read_text()
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "r" / "report.xlsx", read_only=True)
    assert {"Spend by period", "Periods"} <= set(book.sheetnames)
    book.close()
    assert "Per-period KPIs" in html and "How this optimum was found" in html
    assert "proven optimal" in html and 'id="sensitivity"' not in html
    md = CliRunner().invoke(main, ["plan", path, "--format", "markdown"])
    assert md.exit_code == 0
    assert "## Spend by period" in md.stdout and "integer choices" in md.stdout
    sens = CliRunner().invoke(main, ["sensitivity", path])
    assert sens.exit_code != 0 and "integer choices" in sens.output
