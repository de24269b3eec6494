"""`estimate()`: CRM exports -> a channel table, in steps (leads, customers, stages, spend,
per-channel economics), each counting the rows it cannot use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, ScenarioError
from ..scenario import values as V
from ..scenario.fields import TABLE_COLUMNS
from . import closes as C
from .economics import beta_interval, estimate_clv, fit_curve
from .labels import among, channel_names, inside, period_bounds, score, truthy
from .mapping import Mapping, load_mapping
from .run import Leads, Run
from .tables import EstimateResult, read_csv, require


def estimate(leads: str | Path, spend: str | Path, deals: str | Path | None = None, *,
             mapping: Mapping | None = None, period: str | None = None,
             horizon_periods: int | None = None, seed: int = 0,
             as_of: str | None = None, pipeline: bool = False,
             plan_start: str | None = None) -> EstimateResult:
    """Estimate channel economics from a leads export, a spend table and (optionally)
    closed deals. Raises ScenarioError for input that cannot be used at all (missing
    columns, ambiguous dates, negative spend); rows that cannot be used are counted.

    With close dates mapped (`deals.closed` or `leads.closed`) each channel also gets a
    fitted `close_lag` (lags.py), leads still open at `as_of` (default: the latest date in
    the exports) censored; `pipeline` also returns the scenario pipeline of those open leads
    for a plan starting at `plan_start` (default: the period after `as_of`)."""
    mapping = mapping or load_mapping(None)
    run = Run(mapping, str(leads), str(spend), str(deals), period_bounds(period))
    lf, sf = read_csv(leads, run.leads_label), read_csv(spend, run.spend_label)
    df = read_csv(deals, run.deals_label) if deals is not None else None
    rows = {run.leads_label: len(lf), run.spend_label: len(sf)}
    problems: list[Problem] = []
    require(lf, run.leads_label, "leads", mapping, ("id", "channel", "created", "stage", "sql",
                                                    "won", "closed"), problems)
    require(sf, run.spend_label, "spend", mapping, ("channel", "period", "spend"), problems)
    if df is not None:
        rows[run.deals_label] = len(df)
        require(df, run.deals_label, "deals", mapping, ("lead_id", "value", "closed"), problems)
    dated = C.dated(mapping, df is not None)
    if pipeline and dated is None:
        problems.append(Problem("--pipeline", "", "needs the dates deals closed: map the deals' "
                                "close date (deals: {closed: won_date}) or the leads' "
                                "(leads: {closed: ...}), with lags.fit true"))
    when = {name: C.day(text, name) for name, text in (("--as-of", as_of),
                                                      ("--plan-start", plan_start))}
    if problems:
        raise ScenarioError(problems)
    channel, s_channel = channel_names(
        [lf[mapping.get("leads", "channel")], sf[mapping.get("spend", "channel")]],
        mapping.get("channels", "aliases") or {})
    found = _leads(run, lf, channel)
    won, deal_values = _customers(run, found, df)
    sql, mql = _stages(run, found, won)
    spend_history, spend_now = _spend(run, sf, s_channel)
    records, fits = _channels(run, found, won, sql, mql, deal_values, spend_history,
                              spend_now, horizon_periods, seed)
    table = pd.DataFrame(records)
    timing = None if dated is None else C.fit_close_lags(run, found, lf, df, table, dated,
                                                         when, pipeline)
    table = table[[c for c in TABLE_COLUMNS if c in table.columns]]
    span = None if run.bounds is None else (
        str(run.bounds[0].date()), str((run.bounds[1] - pd.Timedelta(days=1)).date()))
    return EstimateResult(table=table, dropped=run.drops.frame(), fits=pd.DataFrame(fits),
                          rows=rows, notes=tuple(run.notes), date_formats=run.formats,
                          period=span, lags=timing)


def _leads(run: Run, lf: pd.DataFrame, channel: pd.Series) -> Leads:
    col = run.mapping.sections["leads"]
    label = run.leads_label
    ids = lf[col["id"]].astype(str).str.strip()
    created = run.dates(lf[col["created"]], label, col["created"])
    usable = np.ones(len(lf), dtype=bool)
    for reason, bad in (("blank lead id", ids == ""),
                        ("blank channel", channel == ""),
                        ("date not readable", created.isna())):
        bad = np.asarray(bad) & usable
        run.drops.add(label, reason, bad, ids.where(ids != "", lf[col["channel"]]) if
                      reason != "date not readable" else lf[col["created"]])
        usable &= ~bad
    dup = ids.duplicated(keep="first").to_numpy() & usable
    run.drops.add(label, "duplicate lead id (first kept)", dup, ids)
    usable &= ~dup
    history = pd.DataFrame({"id": ids, "channel": channel, "created": created,  # curves, lags
                            "row": np.arange(len(lf))})[usable]
    usable &= inside(run.bounds, created, usable, run.drops, label, "created",
                     lf[col["created"]])
    frame = pd.DataFrame({"id": ids, "channel": channel, "created": created})[usable]
    return Leads(ids, frame.reset_index(drop=True), lf[usable].reset_index(drop=True),
                  history)


def _customers(run: Run, leads: Leads, df: pd.DataFrame | None
               ) -> tuple[pd.Series, pd.DataFrame]:
    """Won flags per lead (deals joined to leads, or a won column/stage) and deal values."""
    L = leads.frame
    won = pd.Series(False, index=L.index)
    deal_values = pd.DataFrame(columns=["channel", "value"])
    if df is None:
        flags = run.won(leads.src)
        if flags is None:
            run.notes.append("no deals file and no won stage: customers are unknown (0)")
        return (won if flags is None else flags), deal_values
    dcol, dlabel, ids = run.mapping.sections["deals"], run.deals_label, leads.ids
    key = df[dcol["lead_id"]].astype(str).str.strip()
    all_ids = ids[ids != ""].to_numpy()
    joined = among(key, L["id"])
    known = among(key, all_ids)
    run.drops.add(dlabel, "deal joins no lead", ~known, key)
    run.drops.add(dlabel, "deal of a lead not used (see the leads' reasons)",
                  known & ~joined, key)
    dup_deal = joined & key.duplicated(keep="first")
    run.drops.add(dlabel, "second deal of the same lead (the customer counts once)",
                  dup_deal, key)
    first = df[joined & ~dup_deal]
    won = among(L["id"], key[joined])
    if dcol["value"] is not None:
        raw_values = first[dcol["value"]]
        parsed = pd.to_numeric(raw_values.str.replace(r"[$,€£\s]", "", regex=True),
                               errors="coerce")
        multiplier = float(dcol["value_multiplier"])
        lead_channel = pd.Series(L["channel"].to_numpy(), index=L["id"].to_numpy())
        dkeys = first[dcol["lead_id"]].astype(str).str.strip()
        has_value = parsed.notna() & (parsed > 0)
        run.drops.add(dlabel, "deal value missing or 0 (not used for CLV; still a customer)",
                      (~has_value).to_numpy(), raw_values.replace("", "(blank)"))
        deal_values = pd.DataFrame({"channel": dkeys[has_value].map(lead_channel),
                                    "value": parsed[has_value] * multiplier})
    return won, deal_values


def _stages(run: Run, leads: Leads, won: pd.Series
            ) -> tuple[pd.Series | None, pd.Series | None]:
    """SQL flags (a column, stages or lead scoring; every customer was an SQL first) and
    MQL flags (stages)."""
    col, stages, src = run.mapping.sections["leads"], run.mapping.sections["stages"], leads.src
    sql = None
    if col["sql"] is not None:
        sql = truthy(src[col["sql"]])
    elif col["stage"] is not None and stages["sql"]:
        sql = src[col["stage"]].str.strip().str.lower().isin([s.lower() for s in stages["sql"]])
    elif run.mapping.sections["scoring"] is not None:
        sql, scoring_note = score(src, run.mapping.sections["scoring"], run.leads_label)
        run.notes.append(scoring_note)
    if sql is not None:
        sql = sql | won
    mql = None
    if col["stage"] is not None and stages["mql"]:
        mql = src[col["stage"]].str.strip().str.lower().isin(
            [s.lower() for s in stages["mql"] + stages["sql"] + stages["won"]])
    return sql, mql


def _spend(run: Run, sf: pd.DataFrame, s_channel: pd.Series
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every usable spend row, the rows inside --period): channel, period, spend."""
    scol, label = run.mapping.sections["spend"], run.spend_label
    amounts = pd.to_numeric(sf[scol["spend"]].str.replace(r"[$,€£\s]", "", regex=True),
                            errors="coerce")
    bad_amount = amounts.isna().to_numpy()
    negative = (amounts < 0).to_numpy()
    if negative.any():
        examples = ", ".join(f"row {i + 2}: {sf[scol['spend']].iloc[i]}"
                             for i in np.flatnonzero(negative)[:3])
        raise ScenarioError([Problem(label, f"column {scol['spend']!r}",
                                     f"{int(negative.sum())} negative spend value(s) "
                                     f"({examples}); spend cannot be negative: fix or remove "
                                     "those rows")])
    run.drops.add(label, "spend not a number", bad_amount, sf[scol["spend"]])
    run.drops.add(label, "blank channel", (s_channel == "").to_numpy() & ~bad_amount,
                  sf[scol["period"]])
    s_period = run.dates(sf[scol["period"]], label, scol["period"])
    ok = ~bad_amount & (s_channel != "").to_numpy()
    run.drops.add(label, "period not readable", ok & s_period.isna().to_numpy(),
                  sf[scol["period"]])
    ok &= s_period.notna().to_numpy()
    frame = pd.DataFrame({"channel": s_channel, "period": s_period, "spend": amounts})
    history = frame[ok]
    ok &= inside(run.bounds, s_period, ok, run.drops, label, "period", sf[scol["period"]])
    return history, frame[ok]


def _channels(run: Run, leads: Leads, won: pd.Series, sql: pd.Series | None,
              mql: pd.Series | None, deal_values: pd.DataFrame, spend_history: pd.DataFrame,
              spend_now: pd.DataFrame, horizon_periods: int | None, seed: int
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One record per channel with both leads and spend, and the curve fits."""
    L = leads.frame
    spend_by = spend_now.groupby("channel")["spend"].sum()
    lead_count = L.groupby("channel").size()
    both = [c for c in lead_count.index if c in spend_by.index and spend_by[c] > 0]
    for c in sorted(set(spend_by.index) - set(lead_count.index)):
        run.notes.append(f"{c}: {V.short(float(spend_by[c]))} of spend but no leads; left out "
                         "(check the channel labels and aliases)")
    for c in sorted(set(lead_count.index) - set(spend_by[spend_by > 0].index)):
        run.notes.append(f"{c}: {int(lead_count[c])} leads but no spend; left out (give its "
                         "spend, or alias it to the channel that paid for it)")
    excluded = L["channel"].isin(set(lead_count.index) - set(both)).to_numpy()
    run.drops.add(run.leads_label, "channel has no spend (left out of the table)", excluded,
                  L["channel"])
    context = _ChannelContext(
        periods=horizon_periods or max(1, spend_now["period"].nunique()),
        pooled=deal_values["value"].to_numpy(dtype=float) if len(deal_values) else np.array([]),
        rng=np.random.default_rng(seed), lead_rows=L.groupby("channel").indices,
        history_rows=leads.history.groupby("channel").indices,
        spend_rows=spend_history.groupby("channel").indices, won=np.asarray(won, dtype=bool),
        sql=None if sql is None else np.asarray(sql, dtype=bool),
        mql=None if mql is None else np.asarray(mql, dtype=bool))
    records, fits = [], []
    for c in sorted(both):
        rec, fit = _channel(run, c, float(spend_by[c]), context, deal_values, spend_history,
                            leads.history)
        records.append(rec)
        if fit is not None:
            fits.append({"channel": c, **fit})
    return records, fits


@dataclass
class _ChannelContext:
    periods: int
    pooled: np.ndarray
    rng: np.random.Generator
    lead_rows: dict[Any, np.ndarray]
    history_rows: dict[Any, np.ndarray]
    spend_rows: dict[Any, np.ndarray]
    won: np.ndarray
    sql: np.ndarray | None
    mql: np.ndarray | None


def _channel(run: Run, c: str, spend_c: float, ctx: _ChannelContext,
             deal_values: pd.DataFrame, spend_history: pd.DataFrame, history: pd.DataFrame
             ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    from scipy.stats import gamma

    in_c = ctx.lead_rows[c]  # positions of the channel's leads
    n = int(in_c.size)
    k = int(ctx.won[in_c].sum())
    rec: dict[str, Any] = {"name": c, "cpl": spend_c / n, "lead_to_close": k / n,
                           "current_spend": spend_c}
    q = int(ctx.sql[in_c].sum()) if ctx.sql is not None else 0
    if ctx.sql is not None:
        rec["lead_to_sql"] = q / n
    clv, low, high, method, used = estimate_clv(deal_values, c, ctx.pooled,
                                                run.mapping.sections["clv"], ctx.rng)
    if clv is None:
        run.notes.append(f"{c}: no deal values and no clv.default in the mapping; CLV left "
                         "blank (fill it in before planning)")
    rec.update({"clv": clv, "leads": n, "customers": k})
    if ctx.sql is not None:
        rec["sqls"] = q
    if ctx.mql is not None:
        m_count = int(ctx.mql[in_c].sum())
        rec["mqls"] = m_count
        rec["mql_to_sql"] = (q / m_count) if ctx.sql is not None and m_count else None
    lam_low, lam_high = gamma.ppf([0.05, 0.95], max(n, 1))
    rec["cpl_low"], rec["cpl_high"] = spend_c / lam_high, spend_c / lam_low
    if k < n:
        rec["lead_to_close_low"], rec["lead_to_close_high"] = beta_interval(k, n)
    rec.update({"clv_low": low, "clv_high": high, "clv_method": method, "clv_deals": used})
    fit = fit_curve(spend_history.iloc[ctx.spend_rows.get(c, [])],
                    history.iloc[ctx.history_rows.get(c, [])], run.mapping.sections["curves"],
                    ctx.periods)
    if fit is not None and fit["used"]:
        rec.update({"cpl": None, "cpl_low": None, "cpl_high": None,
                    "response_curve": "exponential", "response_max_leads": fit["plan_max_leads"],
                    "response_scale": fit["plan_scale"], "max_spend": fit["plan_max_spend"],
                    "note": fit["note"]})
    return rec, fit
