"""Close lags fitted from CRM dates with open leads censored, and the pipeline of open leads
(issue #13): hand-derived Kaplan-Meier, a known gamma truth, the bundled generator's truth,
an independent restatement on Olist, the pipeline's arithmetic and its round trip through a
scenario, and the CLI's errors."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer import ScenarioError, load_scenario, optimize
from optimizer.estimation import estimate, load_mapping
from optimizer.estimation import lags as L
from optimizer.scenario.timing import GammaLag, gamma_weights

from .conftest import ROOT
from .test_cli_process import chanopt
from .test_estimate import DEALS, MQL, write

MONTH = 365.25 / 12
CRM = ROOT / "examples" / "crm"


def write_rows(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


# ------------------------------------------------------------------- Kaplan-Meier itself


def test_kaplan_meier_hand_derived():
    """Six leads: closes at 1, 2, 3 and 5 days, open ones censored at 2 and 4. At 1: 6 at
    risk, S = 5/6; at 2: 5 at risk (the one censored at 2 still is), S = 5/6 x 4/5 = 2/3;
    at 3: 3 at risk, S = 2/3 x 2/3 = 4/9; at 5: 1 at risk, S = 0."""
    km = L.kaplan_meier(np.array([1, 2, 2, 3, 4, 5.0]),
                        np.array([True, True, False, True, False, True]))
    assert km.times.tolist() == [1, 2, 3, 5]
    assert km.survival.tolist() == pytest.approx([5 / 6, 2 / 3, 4 / 9, 0.0])
    assert km.closed_before(2.0) == pytest.approx(1 / 6)  # strictly before 2 days
    assert km.closed_before(2.5) == pytest.approx(1 / 3)
    assert (km.events, km.censored, km.longest) == (4, 2, 5.0)


def test_without_censoring_the_lag_is_the_histogram_of_closes():
    """When every lead is followed longer than any close takes, the shares are the plain
    histogram of whole periods from lead to close (counted here with a loop)."""
    rng = np.random.default_rng(3)
    lag = rng.uniform(0, 5 * MONTH, 400)
    durations = np.r_[lag, np.full(1000, 20 * MONTH)]  # the rest: open, followed 20 months
    closed = np.r_[np.ones(400, bool), np.zeros(1000, bool)]
    weights, cut = L.lag_weights(L.kaplan_meier(durations, closed), MONTH, 12)
    counts = [0] * 5
    for d in lag:
        counts[int(d // MONTH)] += 1
    assert weights == pytest.approx([c / 400 for c in counts], abs=1e-4)
    assert sum(weights) == pytest.approx(1.0, abs=1e-12) and cut == 0.0


def _synthetic(n: int, seed: int, close_rate: float = 0.25, mean: float = 45.0,
               shape: float = 2.0, days: float = 360.0, follow: float = 30.0):
    """Leads created over `days`, a share closing after a gamma lag, the export `follow`
    days after the last lead: the closes after it are not in the export."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01")
    offset = rng.uniform(0, days, n)
    created = start + pd.to_timedelta(offset, unit="D")
    closes = rng.random(n) < close_rate
    lag = rng.gamma(shape, mean / shape, n)
    as_of = start + pd.Timedelta(days=days + follow)
    seen = closes & (offset + lag <= days + follow)
    close = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    close[seen] = (created + pd.to_timedelta(lag, unit="D"))[seen]
    return pd.Series(created), close, as_of, lag, seen


def test_censoring_aware_lag_recovers_a_gamma_truth_the_naive_one_misses():
    """40,000 leads over half a year, 25% closing after a gamma(45 days, shape 2) lag,
    exported 20 days after the last lead. Kaplan-Meier with the open leads censored gives
    the true discretised shares (the scenario reader's own gamma_weights) within 0.01; the
    histogram of the closes the export holds overstates fast closes (recent leads' slow
    closes are missing) by more than 0.03 (measured: 0.004 against 0.060)."""
    created, close, as_of, lag, seen = _synthetic(40000, 7, days=180.0, follow=20.0)
    data = L.lag_data(pd.Series(["A"] * len(created)), created, close, as_of)
    fit = L.fit_lags(data, ["A"], MONTH, 12, 20, 100)["A"]
    truth, _ = gamma_weights(GammaLag(45.0, 2.0), MONTH)
    n = min(len(fit.weights), len(truth))
    assert np.abs(np.array(fit.weights[:n]) - np.array(truth[:n])).max() < 0.01
    naive = np.bincount((lag[seen] // MONTH).astype(int)) / seen.sum()
    assert naive[0] - truth[0] > 0.03
    assert not fit.pooled and fit.closes == int(seen.sum())
    assert fit.closed_share == pytest.approx(0.25, abs=0.01)  # the eventual close rate


def test_lag_data_leaves_out_leads_older_than_the_first_close():
    """A deals file that starts in month 6 cannot hold the earlier leads' earlier closes;
    those leads would look open. The later leads' curve says they should have had thousands
    of closes before June, so they are left out, and the fit stays on the truth."""
    created, close, as_of, _, _ = _synthetic(40000, 11)
    late = pd.Timestamp("2026-06-01")
    truncated = close.where(close >= late)
    data = L.lag_data(pd.Series(["A"] * len(created)), created, truncated, as_of)
    first = truncated.min()
    assert data.excluded_early == int((created < first.normalize()).sum()) > 10000
    assert data.expected_early > 1000
    fit = L.fit_lags(data, ["A"], MONTH, 12, 20, 100)["A"]
    truth, _ = gamma_weights(GammaLag(45.0, 2.0), MONTH)
    assert abs(fit.weights[0] - truth[0]) < 0.02
    kept = L.lag_data(pd.Series(["A"] * len(created)), created, close, as_of)
    assert kept.excluded_early == 0 and kept.days.size == len(created)  # a complete export


def test_a_complete_export_keeps_its_first_leads():
    """The first close of a complete export comes some days after the first leads. Here 3
    leads from Jan 1 (one of them the first close, on Jan 10) and 11 from Jan 10 (one
    closing 2 days later): the later leads' curve has 1/11 of them closed within 9 days, so
    it expects 3/11 closes before Jan 10 from the early three, well under one; they stay."""
    created = pd.Series(pd.to_datetime(["2026-01-01"] * 3 + ["2026-01-10"] * 11))
    close = pd.Series(pd.to_datetime(["2026-01-10", None, None, "2026-01-12"]
                                     + [None] * 10))
    data = L.lag_data(pd.Series(["A"] * 14), created, close, pd.Timestamp("2026-02-01"))
    assert data.excluded_early == 0 and data.days.size == 14
    assert data.expected_early == pytest.approx(3 / 11)


def test_few_closes_take_the_pooled_lag():
    rng = np.random.default_rng(5)
    n = 3000
    channel = np.where(np.arange(n) < 100, "Small", "Big")
    days = rng.uniform(0, 200, n)
    closed = rng.random(n) < np.where(channel == "Small", 0.03, 0.2)
    data = L.LagData(channel, days, closed, np.full(n, np.datetime64("2026-01-01")), 0, None)
    fits = L.fit_lags(data, ["Small", "Big"], MONTH, 12, 20, 50)
    km = L.kaplan_meier(days, closed)  # the pool's curve, up to its 50-lead horizon
    horizon = km.horizon(50)
    pooled, _ = L.lag_weights(L.Curve(km, km, horizon, horizon), MONTH, 12)
    assert fits["Small"].pooled and "pooled" in fits["Small"].method
    assert fits["Small"].weights == pytest.approx(pooled, abs=1e-4)
    assert fits["Small"].closes == int(closed.sum())  # the pool's closes
    assert not fits["Big"].pooled and "this channel's" in fits["Big"].method


def test_bundled_generator_lags_centre_on_their_truth(tmp_path):
    """Ten exports drawn like the bundled one (other seeds; the generator's LAGS are the
    truth, deals won after its export date left out): the share of LinkedIn Ads' and
    Webinars' customers closing within two months, averaged over the draws, is within 0.06
    of the truth (one draw has only 20 to 40 closes a channel)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("crm_generate", CRM / "generate.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    mapping = write(tmp_path / "map.yaml", (CRM / "mapping.yaml").read_text()
                    + "  min_at_risk: 50\n")
    within_two: dict[str, list[float]] = defaultdict(list)
    for seed in range(10):
        folder = tmp_path / str(seed)
        folder.mkdir()
        for name, rows in gen.build(seed).items():
            write_rows(folder / name, rows)
        result = estimate(folder / "leads.csv", folder / "spend.csv", folder / "deals.csv",
                          mapping=load_mapping(mapping), as_of=gen.EXPORTED)
        fits = result.lags.fits.set_index("channel")
        for name in ("LinkedIn Ads", "Webinars"):
            if not fits.loc[name, "pooled"]:
                shares = [float(v) for v in str(fits.loc[name, "close_lag"]).split(";")]
                within_two[name].append(sum(shares[:2]))
    for name in ("LinkedIn Ads", "Webinars"):
        truth = sum(gamma_weights(GammaLag(*gen.LAGS[name]), MONTH)[0][:2])
        assert len(within_two[name]) >= 5, name
        assert np.mean(within_two[name]) == pytest.approx(truth, abs=0.06), name


# --------------------------------------------------------------------------- the pipeline


def _tiny_export(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """One channel, 7 leads: 4 from Jan 10 (2 won on Jan 15, 2 on Feb 20), 3 from Mar 10
    still open on the export date, Mar 20."""
    leads = write_rows(tmp_path / "leads.csv", [
        ["lead_id", "created", "channel"],
        *[[f"L{i}", "2026-01-10", "Webinars"] for i in range(4)],
        *[[f"M{i}", "2026-03-10", "Webinars"] for i in range(3)]])
    deals = write_rows(tmp_path / "deals.csv", [
        ["lead_id", "won"], ["L0", "2026-01-15"], ["L1", "2026-01-15"],
        ["L2", "2026-02-20"], ["L3", "2026-02-20"]])
    spend = write_rows(tmp_path / "spend.csv", [["channel", "period", "spend"],
                                                ["Webinars", "2026-01", "700"]])
    mapping = write(tmp_path / "map.yaml", """
        leads: {id: lead_id, channel: channel, created: created}
        deals: {lead_id: lead_id, closed: won}
        clv: {default: 5000}
        curves: {fit: false}
        lags: {min_closes: 1, min_at_risk: 1}
    """)
    return leads, deals, spend, mapping


def test_pipeline_of_open_leads_hand_derived(tmp_path):
    """Kaplan-Meier: closes at 5 days (2 of 7 at risk) and 41 days (2 of the 2 still
    followed; the 3 open leads left at 10 days): S = 5/7, then 0, so w = [2/7, 5/7].
    lead_to_close q = 4/7. An open lead followed 10 days has G = w0 x 10 / 30.44 of its
    customers closed (linear within the month), so it stands for 1 / (1 - q G) cohort
    leads; the three are age 1 for a plan from April and bring q (1 - G) / (1 - q G) each."""
    leads, deals, spend, mapping = _tiny_export(tmp_path)
    result = estimate(leads, spend, deals, mapping=load_mapping(mapping), pipeline=True,
                      as_of="2026-03-20")
    assert result.lags is not None
    assert result.lags.as_of == "2026-03-20" and result.lags.plan_start == "2026-04-01"
    assert result.table.loc[0, "close_lag"] == "0.2857; 0.7143"
    q, g = 4 / 7, 0.2857 * 10 / MONTH  # w0 as the table writes it (4 decimals)
    pipe = result.lags.pipeline
    assert len(pipe) == 1
    row = pipe.iloc[0]
    assert (row["channel"], row["age"], row["open_leads"]) == ("Webinars", 1, 3)
    assert row["leads"] == pytest.approx(3 / (1 - q * g))
    assert row["customers_to_come"] == pytest.approx(3 * q * (1 - g) / (1 - q * g))
    # the Jan leads have had all their closes (69 days > 2 months), the March ones a share g
    # of theirs: lead_to_close 4/7 is (4 + 3 g) / 7 of the eventual rate
    done = (4 + 3 * g) / 7
    note = next(n for n in result.notes if n.startswith("lead_to_close counts"))
    assert f"Webinars {done:.0%} (57.14%, eventually about {q / done:.2%})" in note


def test_pipeline_csv_feeds_a_scenario(tmp_path):
    """The two files `estimate` writes run as a scenario: the plan counts the pipeline's
    customers in April as leads x lead_to_close x w[1] read from those files."""
    leads, deals, spend, mapping = _tiny_export(tmp_path)
    run = chanopt("estimate", "--leads", str(leads), "--deals", str(deals), "--spend",
                  str(spend), "--map", str(mapping), "-o", "channels.csv", "--as-of",
                  "2026-03-20", "--pipeline", "pipeline.csv", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["lags"]["channels"][0]["close_lag"] == "0.2857; 0.7143"
    assert doc["lags"]["pipeline"][0]["open_leads"] == 3
    with (tmp_path / "pipeline.csv").open() as f:
        entries = list(csv.DictReader(f))
    with (tmp_path / "channels.csv").open() as f:
        channel = next(csv.DictReader(f))
    w = [float(v) for v in channel["close_lag"].split(";")]
    expected = float(entries[0]["leads"]) * float(channel["lead_to_close"]) * w[1]
    write(tmp_path / "plan.yaml", """
        name: Spring
        budget: 5000
        periods: [Apr, May]
        channels: channels.csv
        pipeline: pipeline.csv
    """)
    result = optimize(load_scenario(tmp_path / "plan.yaml"))
    assert result.is_optimal
    assert result.cohorts.loc["Apr", "pipeline_customers"] == pytest.approx(expected)
    assert result.cohorts.loc["May", "pipeline_customers"] == pytest.approx(0.0, abs=1e-12)


def test_pipeline_table_errors_name_the_file_line_and_fix(tmp_path):
    write(tmp_path / "channels.csv", "name,cpl,lead_to_close,clv\nWebinars,100,0.1,5000\n")
    write(tmp_path / "pipeline.csv", "channel,age,lead\nWebinars,1,10\n")
    write(tmp_path / "plan.yaml", "name: P\nbudget: 100\nchannels: channels.csv\n"
          "pipeline: pipeline.csv\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "plan.yaml")
    text = str(err.value)
    assert "pipeline.csv" in text and "'lead'" in text and "did you mean 'leads'" in text
    write(tmp_path / "pipeline.csv", "channel,age,leads,_note\nWebinars,1,10,kept\n"
          "Webinars,0,5,\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "plan.yaml")
    assert "pipeline.csv: line 3" in str(err.value) and "at least 1" in str(err.value)
    write(tmp_path / "pipeline.csv", "channel,age,leads,_note\nWebinars,1,10,kept\n")
    sc = load_scenario(tmp_path / "plan.yaml")
    assert [(e.channel, e.age, e.leads) for e in sc.pipeline] == [("Webinars", 1, 10.0)]


def test_cli_refuses_what_it_cannot_fit(tmp_path):
    leads, deals, spend, mapping = _tiny_export(tmp_path)
    undated = write(tmp_path / "undated.yaml", """
        leads: {id: lead_id, channel: channel, created: created}
        clv: {default: 5000}
        curves: {fit: false}
    """)
    base = ["estimate", "--leads", str(leads), "--deals", str(deals), "--spend", str(spend)]
    run = chanopt(*base, "--map", str(undated), "-o", "c.csv", "--pipeline", "p.csv",
                  cwd=tmp_path)
    assert run.returncode == 2 and "deals: {closed: won_date}" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "c.csv").exists()
    run = chanopt(*base, "--map", str(mapping), "-o", "c.csv", "--pipeline", "c.csv",
                  cwd=tmp_path)
    assert run.returncode == 2 and "same file" in run.stderr
    for text in ("yesterday-ish", "", "0001-01-01", "2026-13-45"):
        run = chanopt(*base, "--map", str(mapping), "-o", "c.csv", "--as-of", text,
                      cwd=tmp_path)
        assert run.returncode == 2 and "--as-of" in run.stderr and "2018-11-30" in run.stderr
        assert "Traceback" not in run.stderr and not (tmp_path / "c.csv").exists()
    run = chanopt(*base, "--map", str(mapping), "-o", "c.csv", "--pipeline", "p.csv",
                  "--plan-start", "2026-03-01", cwd=tmp_path)
    assert run.returncode == 2 and "not after the export date" in run.stderr
    bad = write(tmp_path / "bad.yaml", """
        leads: {id: lead_id, channel: channel, created: created}
        lags: {period_length: montly, max_periods: 0, min_closse: 3}
    """)
    with pytest.raises(ScenarioError) as err:
        load_mapping(bad)
    text = str(err.value)
    assert "lags.min_closse" in text and "did you mean 'min_closes'" in text
    assert "lags.period_length" in text and "month" in text
    assert "lags.max_periods" in text


def test_close_dates_on_the_leads_with_a_won_stage(tmp_path):
    """The same seven leads as the tiny export, their close dates on the leads file and a
    stage saying which are won: a lost lead's date is not a close, a won lead with no date
    is a customer left out of the fit (noted), and the lag is the deals file's."""
    leads = write_rows(tmp_path / "leads.csv", [
        ["lead_id", "created", "channel", "stage", "closed_on"],
        *[[f"L{i}", "2026-01-10", "Webinars", "Won", d] for i, d in
          enumerate(["2026-01-15", "2026-01-15", "2026-02-20", "2026-02-20"])],
        ["M0", "2026-03-10", "Webinars", "Lost", "2026-03-12"],
        ["M1", "2026-03-10", "Webinars", "Open", ""],
        ["M2", "2026-03-10", "Webinars", "Open", ""],
        ["N0", "2026-03-10", "Webinars", "won", ""]])
    spend = write_rows(tmp_path / "spend.csv", [["channel", "period", "spend"],
                                                ["Webinars", "2026-01", "800"]])
    mapping = write(tmp_path / "map.yaml", """
        leads: {id: lead_id, channel: channel, created: created, stage: stage,
                closed: closed_on}
        stages: {won: [Won]}
        clv: {default: 5000}
        curves: {fit: false}
        lags: {min_closes: 1, min_at_risk: 1}
    """)
    result = estimate(leads, spend, mapping=load_mapping(mapping), as_of="2026-03-20")
    assert result.table.loc[0, "customers"] == 5
    fit = result.lags.fits.iloc[0]
    assert fit["close_lag"] == "0.2857; 0.7143" and fit["closes"] == 4
    assert fit["not_closed"] == 3  # M0 (lost), M1, M2; N0 is left out
    assert any(n.startswith("1 customer(s) without a usable close date") for n in result.notes)


def test_closes_after_as_of_are_not_known_yet(tmp_path):
    """--as-of before some closes: those customers count as open leads then."""
    leads, deals, spend, mapping = _tiny_export(tmp_path)
    result = estimate(leads, spend, deals, mapping=load_mapping(mapping), as_of="2026-02-01")
    fit = result.lags.fits.iloc[0]
    assert result.lags.as_of == "2026-02-01"
    assert fit["close_lag"] == "1"  # only the 5-day closes are known on Feb 1
    assert fit["not_closed"] == 2  # the Feb 20 ones; the March leads did not exist yet


# ------------------------------------------------------------------------------- Olist


def _independent_km_shares(events: list[tuple[float, bool]], period: float, periods: int,
                           horizon: float) -> list[float]:
    """Kaplan-Meier written again with plain loops: at each close time, survival times
    (1 - closes / leads still followed then); shares of the closes seen per period up to
    the horizon."""
    times = sorted({d for d, closed in events if closed and d <= horizon})
    s, curve = 1.0, []
    for t in times:
        at_risk = sum(1 for d, _ in events if d >= t)
        closes = sum(1 for d, closed in events if closed and d == t)
        s *= 1 - closes / at_risk
        curve.append((t, 1 - s))

    def before(x: float) -> float:
        return max([f for t, f in curve if t < min(x, horizon + 1e-9)], default=0.0)

    total = before(horizon + 1)
    edges = [before(k * period) for k in range(periods + 1)]
    return [(edges[k + 1] - edges[k]) / total for k in range(periods)]


@pytest.mark.skipif(not MQL.exists(),
                    reason="the shared Olist sample is not beside the clone (../shared/data/olist)")
def test_olist_close_lag_matches_an_independent_kaplan_meier(tmp_path):
    """organic_search on the public Olist funnel: leads from the first won date on, open
    ones censored at the latest date in the files, read with the csv module."""
    created: dict[str, pd.Timestamp] = {}
    origin: dict[str, str] = {}
    with MQL.open(newline="", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            if r["origin"].strip():
                created[r["mql_id"]] = pd.Timestamp(pd.to_datetime(r["first_contact_date"],
                                                                   format="%d-%m-%Y"))
                origin[r["mql_id"]] = r["origin"].strip()
    won: dict[str, pd.Timestamp] = {}
    with DEALS.open(newline="", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            w = pd.Timestamp(pd.to_datetime(r["won_date"], format="%d-%m-%Y %H:%M"))
            if r["mql_id"] in created and w >= created[r["mql_id"]]:
                won[r["mql_id"]] = min(w, won.get(r["mql_id"], w))
    as_of = max(max(created.values()), max(won.values()))
    first = min(won.values()).normalize()
    events = [((won.get(i, as_of) - c).total_seconds() / 86400, i in won)
              for i, c in created.items() if origin[i] == "organic_search" and c >= first]
    mapping = write(tmp_path / "map.yaml", """
        leads: {id: mql_id, channel: origin, created: first_contact_date}
        deals: {lead_id: mql_id, closed: won_date}
        clv: {default: 30000}
        curves: {fit: false}
        lags: {min_at_risk: 1}
    """)
    spend = write_rows(tmp_path / "spend.csv", [["channel", "period", "spend"],
                                                ["organic_search", "2018-01", "1000"]])
    result = estimate(MQL, spend, DEALS, mapping=load_mapping(mapping))
    fit = result.lags.fits.set_index("channel").loc["organic_search"]
    shares = [float(v) for v in str(fit["close_lag"]).split(";")]
    horizon = max(d for d, _ in events)
    expected = _independent_km_shares(events, MONTH, len(shares), horizon)
    assert shares == pytest.approx(expected, abs=2e-4)
    assert fit["closes"] == sum(1 for _, closed in events if closed)
    assert any("before the first close in the data (2017-12-05)" in n for n in result.notes)
