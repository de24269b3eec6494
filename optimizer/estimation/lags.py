"""Close lags from lead-created and closed-won dates, with the leads still open at the export
date right-censored (Kaplan-Meier), and the pipeline those open leads still hold.

The lag of a customer is the time from its lead's `created` date to its close. A lead still
open at the export date (`as_of`) is censored there: it has not closed in (as_of - created)
days, and may close later or never. Kaplan-Meier's 1 - S(t) is then the share of leads closed
by t; divided by its value at the cut it is the share of the *customers* that close by t,
which is what a scenario's `close_lag` holds. It is discretised the way a gamma `close_lag`
is (docs/model.md): period k holds the customers closing from k L to (k + 1) L days after
their lead, for period length L.

Leads created before the first close in the data are left out when the data says the deals
export starts later than the leads' (lag_data): they would otherwise look open.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from ..scenario.model import PERIOD_LENGTHS
from ..scenario.timing import LAG_TAIL

DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class KaplanMeier:
    """The survival curve: S drops to `survival[i]` at `times[i]` (days, increasing)."""

    times: np.ndarray
    survival: np.ndarray
    events: int
    followed: np.ndarray  # every lead's time followed, sorted

    @property
    def censored(self) -> int:
        return int(self.followed.size) - self.events

    @property
    def longest(self) -> float:
        """The longest time any lead was followed (closed or not)."""
        return float(self.followed[-1]) if self.followed.size else 0.0

    def closed_before(self, t: np.ndarray | float) -> np.ndarray:
        """1 - S(t-): the share of leads closed strictly before t days."""
        return self._closed(t, "left")

    def closed_by(self, t: np.ndarray | float) -> np.ndarray:
        """1 - S(t): the share of leads closed within t days (a close at t included)."""
        return self._closed(t, "right")

    def _closed(self, t: np.ndarray | float, side: Literal["left", "right"]) -> np.ndarray:
        i = np.searchsorted(self.times, np.asarray(t, dtype=float), side=side)
        return 1.0 - np.r_[1.0, self.survival][i]

    def horizon(self, min_at_risk: int) -> float:
        """The longest time at least `min_at_risk` leads were followed (0 when fewer leads):
        beyond it one close moves the curve by more than 1 / min_at_risk of those left."""
        n = self.followed.size
        return float(self.followed[n - min_at_risk]) if n >= min_at_risk else 0.0


def kaplan_meier(durations: np.ndarray, closed: np.ndarray) -> KaplanMeier:
    """Kaplan-Meier over `durations` (days) with `closed` True for an event and False for a
    lead censored at that time; a lead censored at an event time is still at risk then."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(closed, dtype=bool)
    times, deaths = np.unique(d[e], return_counts=True)
    order = np.sort(d)
    at_risk = d.size - np.searchsorted(order, times, side="left")
    survival = np.cumprod(1.0 - deaths / at_risk)
    return KaplanMeier(times, survival, int(e.sum()), order)


@dataclass(frozen=True)
class Curve:
    """The share of leads closed before t days: a channel's own Kaplan-Meier curve up to
    its horizon; beyond it the channel's customers close the way the pool's do (its curve
    scaled by F_own(h) / F_pool(h), so the channel keeps its own close rate); flat after
    the pooled horizon."""

    own: KaplanMeier
    pooled: KaplanMeier
    own_until: float
    pooled_until: float

    def closed_before(self, t: np.ndarray | float) -> np.ndarray:
        """Strictly before t up to the horizons; past a horizon, everything closed by it
        (a close at the horizon itself included)."""
        t = np.asarray(t, dtype=float)
        mine = self.own.closed_before(np.minimum(t, self.own_until))
        at_h = float(self.own.closed_by(self.own_until))
        pool_h = float(self.pooled.closed_by(self.own_until))
        scale = at_h / pool_h if pool_h > 0 else 0.0
        pool = np.where(t > self.pooled_until, self.pooled.closed_by(self.pooled_until),
                        self.pooled.closed_before(np.minimum(t, self.pooled_until)))
        return np.where(t <= self.own_until, mine, scale * pool)


@dataclass(frozen=True)
class LagFit:
    """A channel's fitted close lag: `weights` per period (summing to 1) and how."""

    weights: tuple[float, ...]
    closes: int  # closes the curve was fitted on (the pool's when pooled)
    not_closed: int  # leads with no close by the export date (censored there)
    pooled: bool
    median_days: float | None
    closed_share: float  # Kaplan-Meier's share of the fitted leads closed by the cut
    cut_mass: float  # share of the closes seen that fall after the cut (dropped)
    longest_days: float  # the curve's horizon: min_at_risk leads were followed this long
    method: str

    def cell(self) -> str:
        """The channel table's `close_lag` cell: "0.6123; 0.2500; 0.1377"."""
        return "; ".join(f"{w:.4f}".rstrip("0").rstrip(".") if w else "0"
                         for w in self.weights)


def lag_weights(km: KaplanMeier | Curve, period_days: float, max_periods: int
                ) -> tuple[tuple[float, ...], float]:
    """Shares of the customers closing 0, 1, ... periods after their lead, cut after the
    first period leaving at most LAG_TAIL of the closes seen (at most `max_periods`),
    renormalised and rounded to 4 decimals that sum to 1. Returns (weights, the mass cut)."""
    edges = np.arange(1, max_periods + 1, dtype=float) * period_days
    total = float(km.closed_before(np.inf))  # a Curve: everything closed by its horizon
    if total <= 0:
        return (1.0,), 0.0
    cdf = km.closed_before(edges) / total
    last = min(int(np.searchsorted(cdf, 1.0 - LAG_TAIL - 1e-12)), max_periods - 1)
    kept = float(cdf[last])
    shares = np.diff(np.r_[0.0, cdf[:last + 1]]) / kept
    rounded = np.round(shares, 4)
    while rounded.size > 1 and rounded[-1] == 0:
        rounded = rounded[:-1]
    rounded[int(np.argmax(rounded))] += 1.0 - rounded.sum()  # exact sum for the reader
    return tuple(float(round(w, 4)) for w in rounded), max(0.0, 1.0 - kept)


def _median(curve: Curve, period_days: float, max_periods: int) -> float | None:
    """Days by which half of the customers (closing by the cut) have closed."""
    total = float(curve.closed_before(max_periods * period_days))
    if total <= 0:
        return None
    grid = np.unique(np.r_[curve.own.times, curve.pooled.times])
    shares = curve.closed_before(np.nextafter(grid, np.inf))
    return float(grid[min(int(np.searchsorted(shares, total / 2 - 1e-12)), grid.size - 1)])


@dataclass(frozen=True)
class LagData:
    """One row per lead usable for lags: channel, days followed, closed or censored."""

    channel: np.ndarray
    days: np.ndarray
    closed: np.ndarray
    created: np.ndarray  # datetime64
    excluded_early: int  # leads created before the first close, left out (see lag_data)
    first_close: pd.Timestamp | None
    expected_early: float = 0.0  # closes those leads should have had before the first one

    def of(self, channel: str) -> np.ndarray:
        """The rows of one channel (a boolean mask), from integer codes made once."""
        codes, names = self._codes
        k = names.get(channel)
        return np.zeros(codes.size, dtype=bool) if k is None else codes == k

    @cached_property
    def _codes(self) -> tuple[np.ndarray, dict[str, int]]:
        codes, uniques = pd.factorize(self.channel)
        return np.asarray(codes), {str(u): i for i, u in enumerate(uniques)}


# P(no close before the first one | the lags of later leads) = exp(-expected) < 1% from here
MISSING_CLOSES = 4.6


def lag_data(channel: pd.Series, created: pd.Series, close: pd.Series,
             as_of: pd.Timestamp) -> LagData:
    """Leads (channel, created, close date or NaT) as durations to an event or to `as_of`.
    Closes after `as_of` are not known yet then (censored); leads created after it are left
    out.

    A deals export that starts later than the leads' cannot hold those leads' earlier
    closes, and they would look open (Olist's won dates start in December 2017, its leads in
    June). So the leads created before the first close are tested: by the Kaplan-Meier curve
    of the later leads they should have had `expected` closes before that date, and the data
    has none. When that is implausible (expected >= MISSING_CLOSES, a chance below 1%) they
    are left out; choosing leads by their created date does not bias the lag. Otherwise (a
    few leads in the first days of a complete export) they are kept."""
    created = pd.to_datetime(pd.Series(created).reset_index(drop=True))
    close = pd.to_datetime(pd.Series(close).reset_index(drop=True))
    close = close.where(close <= as_of)
    channel = pd.Series(channel).reset_index(drop=True)
    first = close.min()
    keep = (created <= as_of).to_numpy().copy()
    ended = close.where(close.notna(), as_of)
    days = np.maximum(((ended - created).dt.total_seconds() / 86400.0).to_numpy(), 0.0)
    closed = close.notna().to_numpy()
    early = np.zeros(len(created), dtype=bool)
    expected = 0.0
    if pd.notna(first):
        start = pd.Timestamp(first).normalize()
        early = keep & (created < start).to_numpy()
        if early.any():
            later = keep & ~early
            km = kaplan_meier(days[later], closed[later])
            waited = ((start - created[early]).dt.total_seconds() / 86400.0).to_numpy()
            expected = float(np.sum(km.closed_by(waited)))
            if expected < MISSING_CLOSES:
                early[:] = False
    keep &= ~early
    return LagData(channel.to_numpy()[keep], days[keep], closed[keep],
                   created.to_numpy()[keep], int(early.sum()),
                   None if pd.isna(first) else pd.Timestamp(first), expected)


def fit_lags(data: LagData, channels: list[str], period_days: float, max_periods: int,
             min_closes: int, min_at_risk: int) -> dict[str, LagFit]:
    """A close lag per channel: its own Kaplan-Meier curve when it has at least `min_closes`
    closes, up to the longest time `min_at_risk` of its leads were followed, the pooled
    curve's hazard beyond; the pooled curve (every channel's leads) for the others. Every
    curve stops at the longest time `min_at_risk` leads of the pool were followed."""
    pooled = kaplan_meier(data.days, data.closed)
    pooled_until = pooled.horizon(min_at_risk)
    pooled_curve = Curve(pooled, pooled, pooled_until, pooled_until)
    out: dict[str, LagFit] = {}
    for c in channels:
        mine = data.of(c)
        km = kaplan_meier(data.days[mine], data.closed[mine])
        not_closed = int((~data.closed[mine]).sum())
        own = km.events >= min_closes and km.horizon(min_at_risk) > 0
        curve = Curve(km, pooled, min(km.horizon(min_at_risk), pooled_until),
                      pooled_until) if own else pooled_curve
        w, cut = lag_weights(curve, period_days, max_periods)
        if own:
            method = (f"Kaplan-Meier of this channel's {km.events} closes, its {not_closed} "
                      "leads not closed censored at the export date")
            if curve.own_until < min(pooled_until, len(w) * period_days):
                method += (f"; after {curve.own_until:.0f} days its customers close as the "
                       f"pool's do (fewer than {min_at_risk} of its leads followed longer)")
        else:
            why = (f"this channel has {km.events} closes, fewer than {min_closes}"
                   if km.events < min_closes else
                   f"this channel has {int(mine.sum())} leads, fewer than {min_at_risk}")
            method = f"pooled Kaplan-Meier of all channels' {pooled.events} closes ({why})"
        out[c] = LagFit(w, km.events if own else pooled.events, not_closed, not own,
                        _median(curve, period_days, len(w)),
                        float(curve.closed_before(len(w) * period_days)), cut,
                        float(pooled_until), method)
    return out


def closed_share_by(fit: LagFit, period_days: float, days: np.ndarray) -> np.ndarray:
    """The share of a cohort's eventual customers closed within `days` of their lead, read
    from the fitted weights (linear within a period)."""
    cdf = np.r_[0.0, np.cumsum(fit.weights)]
    k = np.asarray(days, dtype=float) / period_days
    return np.interp(k, np.arange(cdf.size, dtype=float), cdf)


def _calendar(period_days: float) -> str | None:
    """The pandas frequency of a calendar period length (months, quarters, Monday weeks);
    None for a length in days."""
    for name, freq in (("month", "M"), ("quarter", "Q"), ("week", "W-SUN")):
        if abs(PERIOD_LENGTHS[name] - period_days) < 1e-9:
            return freq
    return None


def plan_start(as_of: pd.Timestamp, period_days: float) -> pd.Timestamp:
    """The first day of the period after the one `as_of` falls in: calendar months and
    quarters, Monday weeks, else the day after `as_of`."""
    day, freq = as_of.normalize(), _calendar(period_days)
    return day + DAY if freq is None else (pd.Period(day, freq=freq) + 1).start_time


def ages(created: np.ndarray, start: pd.Timestamp, period_days: float) -> np.ndarray:
    """Periods from each lead's period to `start` (1 = the period just before it)."""
    when = pd.to_datetime(pd.Series(created)).dt.normalize()
    freq = _calendar(period_days)
    if freq is not None:  # calendar periods, by ordinal
        first = pd.Period(start, freq=freq).ordinal
        return (first - pd.PeriodIndex(when, freq=freq).asi8).astype(int)
    gap = ((start - when).dt.days).to_numpy(dtype=float)
    return np.ceil(gap / period_days).astype(int)


def open_pipeline(data: LagData, fits: dict[str, LagFit], rates: dict[str, float],
                  start: pd.Timestamp, period_days: float) -> pd.DataFrame:
    """The scenario `pipeline:` entries the open leads make, one per channel and age.

    A scenario counts a pipeline entry's customers in plan period t as
    leads x lead_to_close x w[age + t] over the whole cohort. A lead still open after e days
    closes later with probability q (1 - G(e)) / (1 - q G(e)) (q: lead_to_close, G: the
    share of customers closed by e days), so each open lead stands for 1 / (1 - q G(e))
    cohort leads; `leads` is that sum, `open_leads` the count behind it. Cohorts older than
    the lag (every w[age + t] = 0) bring nothing and are left out. An open lead's e is its
    `days`: it was followed from its creation to the export date."""
    rows = []
    for c, fit in fits.items():
        mine = data.of(c) & ~data.closed
        if not mine.any() or c not in rates:
            continue
        q = float(rates[c])
        age = ages(data.created[mine], start, period_days)
        g = closed_share_by(fit, period_days, data.days[mine])
        weight = 1.0 / np.maximum(1.0 - q * g, 1e-12)
        later = q * (1.0 - g) * weight  # expected eventual customers still to come
        frame = pd.DataFrame({"age": age, "leads": weight, "open": 1, "customers": later})
        frame = frame[(frame["age"] >= 1) & (frame["age"] < len(fit.weights))]
        for a, part in frame.groupby("age"):
            rows.append({"channel": c, "age": int(a), "leads": float(part["leads"].sum()),
                         "open_leads": int(part["open"].sum()),
                         "customers_to_come": float(part["customers"].sum())})
    return pd.DataFrame(rows, columns=["channel", "age", "leads", "open_leads",
                                       "customers_to_come"])
