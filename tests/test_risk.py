"""Uncertain inputs, risk profiles and robust plans (issue #4)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.stats import beta

from optimizer import ScenarioError, load_scenario, optimize
from optimizer.analysis.risk import draw_inputs, risk_profile
from optimizer.analysis.robust import robust_optimize
from optimizer.cli import main
from optimizer.scenario.model import Uncertainty

from .conftest import SCENARIOS, channel, scenario
from .test_validation import BASE, problems, write


def _uncertain():
    a = channel("A", 50, 0.02, 9000, uncertainty=(Uncertainty("lead_to_close", "beta", 3, 99),))
    b = channel("B", 40, 0.03, 5000, max_spend=4000,
                uncertainty=(Uncertainty("clv", "interval", 3500, 7000),
                             Uncertainty("cpl", "interval", 35, 48)))
    return scenario(a, b, budget=10000, floor=3.0)


def test_uncertainty_in_files_counts_and_intervals(tmp_path):
    sc = load_scenario(write(tmp_path, BASE.replace(
        "current_spend: 2000}",
        "current_spend: 2000, uncertainty: {lead_to_close: {customers: 5, leads: 100}, "
        "clv: {low: 3000, high: 5500}}}")))
    u = sc.channel("PPC").uncertainty
    assert u[0] == Uncertainty("lead_to_close", "beta", 6.0, 96.0)
    assert u[1] == Uncertainty("clv", "interval", 3000.0, 5500.0)
    low, high = u[1].interval()
    assert (low, high) == pytest.approx((3000, 5500))


@pytest.mark.parametrize("spec, expected", [
    ("{lead_to_close: {customers: 7, leads: 5}}", "customers (7) cannot exceed leads (5)"),
    ("{clv: {low: 5000, high: 3000}}", "low (5000) must be below high (3000)"),
    ("{clv: {low: 5000, high: 9000}}", "clv 4000 lies outside its interval 5000 to 9000"),
    ("{ctr: {low: 1, high: 2}}", "uncertainty can be given for cpl, lead_to_close"),
    ("{lead_to_close: {low: 0, high: 0.1}}", "strictly between 0 and 1"),
    ("{clv: {low: 3000}}", "give both low and high"),
])
def test_uncertainty_problems(tmp_path, spec, expected):
    text = BASE.replace("current_spend: 2000}", f"current_spend: 2000, uncertainty: {spec}}}")
    assert expected in problems(tmp_path, text)


def test_draws_are_reproducible_and_chunking_does_not_change_them():
    sc = _uncertain()
    a = draw_inputs(sc, 5000, seed=7)
    b = draw_inputs(sc, 5000, seed=7)
    assert np.array_equal(a.lead_to_close, b.lead_to_close)
    tail = draw_inputs(sc, 1000, seed=7, start=4000)
    assert np.array_equal(a.clv[4000:], tail.clv)
    assert not np.array_equal(a.clv, draw_inputs(sc, 5000, seed=8).clv)
    # the Beta draws follow Beta(3, 99)
    assert a.lead_to_close[:, 0].mean() == pytest.approx(3 / 102, rel=0.03)
    # fields without uncertainty keep their point values
    assert (a.lead_to_close[:, 1] == 0.03).all() and (a.cpl_factor[:, 0] == 1).all()


def test_risk_profile_matches_the_analytic_floor_probability():
    sc = _uncertain()
    r = optimize(sc)
    prof = risk_profile([r], draws=40_000, seed=1)
    floors = prof.channel_floors.loc["test"]
    # A keeps 3:1 when 9000 * ltc / 50 >= 3, i.e. ltc >= 1/60, with ltc ~ Beta(3, 99)
    if r.spend["A"] > 0:
        exact = beta.sf(1 / 60, 3, 99)
        assert floors["A"] == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / 40_000))
    row = prof.summary.set_index("plan").loc["test"]
    assert row["net_value_p10"] <= row["net_value_p50"] <= row["net_value_p90"]
    assert 0 <= row["p_beats_current"] <= 1
    again = risk_profile([r], draws=40_000, seed=1)
    assert again.summary.equals(prof.summary)


def test_without_uncertainty_every_draw_is_the_point_estimate():
    sc = scenario(channel("A", 50, 0.05, 9000), budget=1000, floor=3.0)
    r = optimize(sc)
    row = risk_profile([r], draws=500).summary.set_index("plan").loc["test"]
    assert row["net_value_p10"] == pytest.approx(r.objective)
    assert row["net_value_p90"] == pytest.approx(r.objective)


def test_robust_plan_holds_each_channel_floor_with_the_confidence():
    sc = _uncertain()
    for confidence in (0.5, 0.8, 0.95):
        rp = robust_optimize(sc, draws=2000, confidence=confidence, seed=3)
        assert rp.result.is_optimal
        probs = rp.floors.set_index("floor")["robust"].dropna()
        assert (probs >= confidence - 1e-9).all(), probs
    # with no uncertainty the robust plan is the plain one, at no price
    plain = scenario(channel("A", 50, 0.05, 9000), budget=1000, floor=3.0)
    rp = robust_optimize(plain, draws=100)
    assert rp.result.spend.to_numpy() == pytest.approx(rp.plain.spend.to_numpy())
    assert rp.price_of_robustness == pytest.approx(0.0, abs=1e-6)


def test_robust_blended_floor_through_cvar():
    sc = load_scenario(SCENARIOS / "uncertain_q1.yaml")
    rp = robust_optimize(sc, draws=1000, confidence=0.9, seed=2)
    assert rp.result.is_optimal
    table = rp.floors.set_index("floor")["robust"].dropna()
    assert (table >= 0.9 - 1e-9).all()
    assert rp.price_of_robustness is not None and "CVaR" in rp.method


def test_cli_risk_and_robust(tmp_path):
    path = str(SCENARIOS / "uncertain_q1.yaml")
    out = CliRunner().invoke(main, ["risk", path, "--draws", "3000", "--seed", "5",
                                    "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["draws"] == 3000 and data["seed"] == 5
    plans = {p["plan"]: p for p in data["plans"]}
    assert "current plan" in plans and 0 <= plans["Q1 under uncertainty"]["p_beats_current"] <= 1
    again = CliRunner().invoke(main, ["risk", path, "--draws", "3000", "--seed", "5",
                                      "--format", "json"])
    assert json.loads(again.stdout)["plans"] == data["plans"]
    rob = CliRunner().invoke(main, ["plan", path, "--robust", "--draws", "500",
                                    "--format", "json"])
    assert rob.exit_code == 0, rob.output
    robust = json.loads(rob.stdout)["robust"]
    assert robust["confidence"] == 0.9 and robust["price_of_robustness"] is not None
    md = CliRunner().invoke(main, ["plan", path, "--robust", "--draws", "500",
                                   "--format", "markdown"])
    assert "price of robustness" in md.stdout


def test_robust_refuses_other_objectives():
    sc = _uncertain()
    from dataclasses import replace
    with pytest.raises(ValueError, match="expected net value"):
        robust_optimize(replace(sc, objective="customers"))


def test_estimate_cli_refuses_to_overwrite_an_input(tmp_path):
    leads = tmp_path / "l.csv"
    leads.write_text("lead_id,channel,created\n1,a,2024-01-02\n")
    spend = tmp_path / "s.csv"
    spend.write_text("channel,period,spend\na,2024-01,10\n")
    out = CliRunner().invoke(main, ["estimate", "--leads", str(leads), "--spend", str(spend),
                                    "-o", str(spend)])
    assert out.exit_code == 2 and "refusing to write" in out.output
    out = CliRunner().invoke(main, ["estimate", "--leads", str(leads), "--spend", str(spend),
                                    "-o", str(tmp_path / "c.csv"), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["channels"][0]["leads"] == 1
    assert (tmp_path / "c.csv").read_text().startswith("name,cpl")
    bad = CliRunner().invoke(main, ["estimate", "--leads", str(leads), "--spend",
                                    str(tmp_path / "missing.csv"), "-o", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2 and "file not found" in bad.output


def test_scenario_error_type_is_public():
    assert issubclass(ScenarioError, Exception)


def _fresh_floor_share(rp, name: str, seed: int) -> float:
    """Share of the fresh draws on which `name` keeps its floor, from the raw draws:
    drawn leads = planned leads / CPL factor, value = leads x lead-to-close x CLV."""
    sc = rp.result.scenario
    i = [c.name for c in sc.channels].index(name)
    fresh = draw_inputs(sc, rp.fresh_draws, seed, start=rp.draws)
    spend = rp.result.spend[name]
    leads = rp.result.channels["leads"][name] / fresh.cpl_factor[:, i]
    ratio = leads * fresh.lead_to_close[:, i] * fresh.clv[:, i] / spend
    return float(np.mean(ratio >= sc.floor_of(sc.channels[i]) - 1e-9))


def test_robust_plan_is_checked_on_fresh_draws_and_says_which_is_which():
    from optimizer.render.records import robust_dict
    from optimizer.render.uncertain import robust_lines

    # A's value per dollar falls with spend (two tiers), so the fitted plan spends exactly
    # up to where 90% of the fitted draws keep A's floor: off the sample it can fall short
    a = channel("A", ltc=0.02, clv=9000, tiers=[(3000.0, 40.0), (math.inf, 70.0)],
                uncertainty=(Uncertainty("lead_to_close", "beta", 12, 500),))
    sc = scenario(a, channel("B", 200, 0.02, 40000, max_spend=2000), budget=10000, floor=3.0)
    short = 0
    for seed in range(8):
        rp = robust_optimize(sc, draws=200, confidence=0.9, seed=seed)
        table = rp.floors.set_index("floor")
        row = table.loc["A CLV:CPA >= 3"]
        assert row["robust"] >= 0.9 - 1e-9  # the guarantee, on the fitted draws
        assert rp.fresh_draws == 10_000
        assert row["robust_fresh"] == pytest.approx(_fresh_floor_share(rp, "A", seed), abs=1e-12)
        text = " ".join(robust_lines(robust_dict(rp), True))
        assert "Guaranteed on the 200 draws it was fitted on" in text
        assert "10,000 fresh draws (not used by the fit)" in text
        if row["robust_fresh"] < 0.9:
            short += 1
            assert "below the fitted level" in text
        else:
            assert "the guarantee carries over" in text
    assert short >= 1  # the out-of-sample check matters: fitted on 200 draws, some fall short


def test_robust_fresh_check_matches_the_analytic_probability():
    # a flat channel keeps its floor on a draw iff lead-to-close >= 1/60: Beta(3, 99)
    rp = robust_optimize(_uncertain(), draws=500, confidence=0.5, seed=4)
    p = rp.floors.set_index("floor").loc["A CLV:CPA >= 3", "robust_fresh"]
    exact = beta.sf(1 / 60, 3, 99)
    assert p == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / rp.fresh_draws))


def test_robust_cvar_plan_matches_an_independent_dense_cvar_program():
    """The CVaR block reads total spend and per-channel values through aggregate columns;
    the same SAA program written independently (one column per channel, a dense loss row
    per draw, scipy's linprog) has the same optimum."""
    from scipy.optimize import linprog

    chans = [channel("A", 50, 0.02, 9000, max_spend=6000,
                     uncertainty=(Uncertainty("lead_to_close", "beta", 3, 99),)),
             channel("B", 40, 0.03, 5000, max_spend=5000,
                     uncertainty=(Uncertainty("clv", "interval", 3500, 7000),
                                  Uncertainty("cpl", "interval", 35, 48))),
             channel("C", 70, 0.06, 4000, max_spend=8000,
                     uncertainty=(Uncertainty("clv", "interval", 3000, 5000),))]
    sc = scenario(*chans, budget=15000, floor=None, min_blended_clv_to_cpa=3.0)
    draws, p = 400, 0.8
    rp = robust_optimize(sc, draws=draws, confidence=p, seed=5)
    r = draw_inputs(sc, draws, seed=5).value_factor  # (draws, channels)
    v = np.array([c.lead_to_close * c.clv / c.cpl for c in chans])  # point value per dollar
    n, N = len(chans), draws
    # variables: s (n), t, u (N); maximise sum_i (mean r_i v_i - 1) s_i
    cost = np.r_[-(r.mean(axis=0) * v - 1.0), 0.0, np.zeros(N)]
    loss = np.c_[3.0 - r * v[None, :], -np.ones(N), -np.eye(N)]  # f sum s - value - t - u <= 0
    cvar = np.r_[np.zeros(n), 1.0, np.full(N, 1.0 / ((1 - p) * N))]
    budget = np.r_[np.ones(n), 0.0, np.zeros(N)]
    bounds = [(0, c.max_spend) for c in chans] + [(None, None)] + [(0, None)] * N
    ref = linprog(cost, A_ub=np.vstack([loss, cvar, budget]),
                  b_ub=np.r_[np.zeros(N), 0.0, 15000.0], bounds=bounds, method="highs")
    assert ref.status == 0
    assert rp.result.is_optimal
    assert rp.expected_net_value == pytest.approx(-ref.fun, rel=1e-7)
    assert rp.result.spend.to_numpy() == pytest.approx(ref.x[:n], abs=1e-3 * 15000)
    assert rp.price_of_robustness > 1000  # the CVaR floor binds: the plain plan fails it


@pytest.mark.parametrize("k, n", [(0, 1), (1, 2), (0, 400), (13, 400), (200, 400), (399, 400),
                                  (400, 400), (500, 10000), (3, 10000), (0, 10000)])
def test_tabled_beta_quantiles_match_the_exact_inverse_cdf(k, n):
    """From TABLE_FROM draws on, a count's Beta(k + 1, n - k + 1) is read from a table;
    against scipy's betaincinv it is within 2e-12 relative, tails included."""
    from scipy.special import betaincinv

    from optimizer.analysis.quantiles import beta_ppf

    a, b = k + 1.0, n - k + 1.0
    u = np.r_[np.clip(np.random.default_rng(k + n).random(200_000), 1e-12, 1 - 1e-12),
              1e-12, 1e-9, 1e-6, 0.5, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12]
    exact = betaincinv(a, b, u)
    assert np.max(np.abs(beta_ppf(a, b, u) / exact - 1)) <= 2e-12


def test_many_draws_are_the_exact_ones_to_2e12_and_do_not_depend_on_chunks():
    from optimizer.analysis.quantiles import TABLE_FROM

    sc = _uncertain()
    big = draw_inputs(sc, 3000, seed=4, start=100, total=TABLE_FROM)
    exact = draw_inputs(sc, 3000, seed=4, start=100)
    assert np.max(np.abs(big.lead_to_close / exact.lead_to_close - 1)) <= 2e-12
    assert np.array_equal(big.clv, exact.clv)  # intervals are exact either way
    whole = draw_inputs(sc, 5000, seed=4, total=TABLE_FROM)
    parts = [draw_inputs(sc, 2500, seed=4, start=s, total=TABLE_FROM) for s in (0, 2500)]
    assert np.array_equal(whole.lead_to_close, np.r_[parts[0].lead_to_close,
                                                     parts[1].lead_to_close])
