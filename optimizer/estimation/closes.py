"""The close-lag step of `estimate()`: close dates from the deals or the leads, each
channel's `close_lag` fitted with the leads not closed censored (lags.py), notes on what the
fit left out or cannot see, and the pipeline of open leads when asked."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, ScenarioError
from . import lags as L
from .labels import among
from .mapping import Mapping
from .run import Leads, Run
from .tables import LagResult


def dated(mapping: Mapping, has_deals: bool) -> str | None:
    """Where close dates come from ("deals" or "leads"), None when no lag is fitted."""
    if not mapping.get("lags", "fit"):
        return None
    if has_deals and mapping.get("deals", "closed") is not None:
        return "deals"
    return "leads" if mapping.get("leads", "closed") is not None else None


EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31")


def day(text: str | None, option: str) -> pd.Timestamp | None:
    """A date given on the command line (--as-of, --plan-start), from 1900 to 2199."""
    if text is None:
        return None
    try:
        when = pd.Timestamp(str(text).strip())
    except (ValueError, OverflowError):
        when = pd.NaT
    if pd.isna(when) or not EARLIEST <= when <= LATEST:
        raise ScenarioError([Problem(option, "", f"cannot read the date {text!r} (a day from "
                                     "1900-01-01 to 2199-12-31); give it as 2018-11-30")])
    return pd.Timestamp(when)


def _close_dates(run: Run, leads: Leads, lf: pd.DataFrame, df: pd.DataFrame | None,
                 source: str) -> tuple[pd.Series, np.ndarray]:
    """The close date of every lead of the history (NaT: not a customer, or no usable
    date) and which of them are customers, dated or not; deals or leads whose date cannot
    be used are counted."""
    hist = leads.history
    rows = hist["row"].to_numpy()
    if source == "deals" and df is not None:
        dcol, label = run.mapping.sections["deals"], run.deals_label
        key = df[dcol["lead_id"]].astype(str).str.strip()
        when = run.dates(df[dcol["closed"]], label, dcol["closed"])
        mine = among(key, hist["id"]).to_numpy()
        run.drops.add(label, "close date not readable (the deal still counts; left out of "
                      "the close lag fit)", mine & when.isna().to_numpy(), df[dcol["closed"]])
        first = when[mine].groupby(key[mine]).min()
        close = hist["id"].map(first)
        customer = among(hist["id"], first.index).to_numpy()
    else:
        col, label = run.mapping.sections["leads"], run.leads_label
        when = run.dates(lf[col["closed"]], label, col["closed"])
        won = run.won(lf)
        blank = lf[col["closed"]].astype(str).str.strip() == ""
        if won is not None:
            when = when.where(won.to_numpy())
            blank |= ~won.to_numpy()
        bad = (when.isna() & ~blank).to_numpy()[rows]
        run.drops.add(label, "close date not readable (left out of the close lag fit)", bad,
                      lf[col["closed"]].iloc[rows])
        close = pd.Series(when.to_numpy()[rows], index=hist.index)
        customer = np.zeros(rows.size, dtype=bool) if won is None else won.to_numpy()[rows]
    early = (close < hist["created"].dt.normalize()).to_numpy()
    label = run.deals_label if source == "deals" else run.leads_label
    run.drops.add(label, "closed before its lead was created (left out of the close lag fit)",
                  early, hist["id"])
    return close.where(~early), customer


def fit_close_lags(run: Run, leads: Leads, lf: pd.DataFrame, df: pd.DataFrame | None,
                   table: pd.DataFrame, source: str, when: dict[str, pd.Timestamp | None],
                   pipeline: bool) -> LagResult | None:
    """Fit each channel's close lag (its `close_lag` cell) and, when asked, the pipeline of
    its open leads."""
    from ..scenario.timing import length_words, period_length

    cfg = run.mapping.sections["lags"]
    days = period_length(cfg["period_length"])
    hist = leads.history
    close, customer = _close_dates(run, leads, lf, df, source)
    bad = close.isna() & customer
    if bad.any():
        run.notes.append(f"{int(bad.sum())} customer(s) without a usable close date are left "
                         "out of the close lag fit")
    keep = ~bad.to_numpy()
    latest = max(hist["created"].max(), close.max()) if close.notna().any() \
        else hist["created"].max()
    as_of = when["--as-of"] or pd.Timestamp(latest)
    data = L.lag_data(hist["channel"][keep], hist["created"][keep], close[keep], as_of)
    if table.empty:
        return None
    if not data.closed.any():
        run.notes.append(f"no close lag is fitted: no lead of the history closed by "
                         f"{as_of.date()} with a usable close date (the channel table has "
                         "no close_lag column, so a scenario keeps its own)")
        if pipeline:
            raise ScenarioError([Problem("--pipeline", "", "needs fitted close lags, and no "
                                         f"lead closed by {as_of.date()} with a usable close "
                                         "date; leave out --pipeline or check --as-of")])
        return None
    fits = L.fit_lags(data, list(table["name"]), days, int(cfg["max_periods"]),
                      int(cfg["min_closes"]), int(cfg["min_at_risk"]))
    table["close_lag"] = [fits[c].cell() for c in table["name"]]
    table["close_lag_method"] = [fits[c].method for c in table["name"]]
    if data.excluded_early:
        run.notes.append(
            f"{data.excluded_early:,} lead(s) created before the first close in the data "
            f"({data.first_close.date() if data.first_close is not None else '?'}) are left "
            f"out of the close lag fit: by the lags of later leads about "
            f"{data.expected_early:,.0f} of them would have closed before that date and none "
            "did, so the deals export starts later than the leads' and their closes are "
            "not in it")
    unit = length_words(days)
    for c, fit in fits.items():
        if fit.cut_mass > 0.0015 and not fit.pooled:
            run.notes.append(f"{c}: {fit.cut_mass:.1%} of the closes seen come more than "
                             f"{len(fit.weights)} {unit}s after the lead and are cut from its "
                             "close_lag (lags.max_periods)")
    _unfinished(run, leads.frame, table, fits, as_of, days)
    horizon = next(iter(fits.values())).longest_days if fits else 0.0
    if horizon < int(cfg["max_periods"]) * days:
        run.notes.append(
            f"close lags stop at {horizon:.0f} days, the longest {cfg['min_at_risk']} leads "
            f"were followed by {as_of.date()} (lags.min_at_risk): later closes cannot be "
            "estimated from this export")
    pipe = None
    start = None
    if pipeline:
        start = when["--plan-start"] or L.plan_start(as_of, days)
        if start <= as_of.normalize():
            raise ScenarioError([Problem("--plan-start", "", f"{start.date()} is not after the "
                                         f"export date {as_of.date()}; the plan starts after "
                                         "the leads it counts as pipeline")])
        rates = dict(zip(table["name"], table["lead_to_close"].astype(float), strict=True))
        pipe = L.open_pipeline(data, fits, rates, start, days)
    return LagResult(fits=pd.DataFrame([{"channel": c, **_fit_record(f)}
                                        for c, f in fits.items()]),
                     as_of=str(as_of.date()), period_length=unit, pipeline=pipe,
                     plan_start=None if start is None else str(start.date()))


def _unfinished(run: Run, frame: pd.DataFrame, table: pd.DataFrame,
                fits: dict[str, L.LagFit], as_of: pd.Timestamp, days: float) -> None:
    """One note naming the channels whose leads in the period had, by the fitted lag, under
    97% of their eventual customers closed by the export date: their lead_to_close counts
    only those, so it is low by that share."""
    low = []
    for name, q in zip(table["name"], table["lead_to_close"].astype(float), strict=True):
        created = frame.loc[frame["channel"] == name, "created"]
        if created.empty or name not in fits or not q > 0:
            continue
        waited = np.maximum((as_of - created).dt.total_seconds().to_numpy() / 86400.0, 0.0)
        done = float(np.mean(L.closed_share_by(fits[name], days, waited)))
        if done < 0.97:
            low.append(f"{name} {done:.0%} ({q:.2%}, eventually about {q / done:.2%})")
    if low:
        run.notes.append(
            f"lead_to_close counts the customers closed by {as_of.date()}; by the fitted close "
            f"lags the period's leads had only part of theirs by then: {'; '.join(low)}. An "
            "earlier --period, or a later export, closes the gap")


def _fit_record(fit: L.LagFit) -> dict[str, Any]:
    return {"close_lag": fit.cell(), "closes": fit.closes, "not_closed": fit.not_closed,
            "pooled": fit.pooled, "median_days": fit.median_days,
            "closed_share": fit.closed_share, "cut_share": fit.cut_mass,
            "longest_days": fit.longest_days, "method": fit.method}
