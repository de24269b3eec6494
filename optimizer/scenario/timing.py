"""The timing fields: close lags, lead carry-over, the period length, the pipeline.

A lag or carry-over is a list of shares over periods 0, 1, 2, ... that sums to 1 (fractions
or percent strings; in a channel table one cell such as "60%; 30%; 10%"), or a short form:
`close_lag: {distribution: gamma, mean_days: 45, shape: 2}` (discretised to the period
length once it is known, `gamma_weights`) and `carryover: {decay: 0.5, periods: 3}`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from . import values as V
from .model import PERIOD_LENGTHS

LAG_TAIL = 1e-3
"""A lag distribution is cut after the first period by which all but this share of its
customers have closed; the rest is dropped and the weights renormalised (the dropped mass is
reported as the channel's `close_lag_tail`)."""
MAX_LAG_PERIODS = 120
SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class GammaLag:
    """A close lag given as a gamma distribution of days from lead to close."""

    mean_days: float
    shape: float


def weights(raw: object, what: str) -> tuple[float, ...]:
    """A list of shares summing to 1 (or a table cell listing them)."""
    items: object = raw
    if isinstance(raw, str):
        text = raw.strip().strip("[]")
        items = [p for p in re.split(r"[;,\s]+", text) if p] if text else []
    if not isinstance(items, list | tuple) or not items:
        raise V.BadValue(f"{what} must be a list of shares per period summing to 1, e.g. "
                         f"[0.5, 0.3, 0.2] or [\"50%\", \"30%\", \"20%\"]; got {V.show(raw)}")
    if len(items) > MAX_LAG_PERIODS:
        raise V.BadValue(f"{what} lists {len(items)} periods; at most {MAX_LAG_PERIODS}")
    out = tuple(V.rate(item, f"{what}[{k}]") for k, item in enumerate(items))
    total = math.fsum(out)
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise V.BadValue(f"{what} sums to {total:.6g}, not 1: the shares of the customers (or "
                         f"leads) in each period must add up to 100%")
    if out[-1] == 0 and len(out) > 1:
        raise V.BadValue(f"{what} ends with a share of 0; drop the trailing zeros")
    return out


def close_lag(raw: object, what: str = "close_lag") -> tuple[float, ...] | GammaLag:
    """`[w0, w1, ...]` or `{distribution: gamma, mean_days: 45, shape: 2}`."""
    if not isinstance(raw, Mapping):
        return weights(raw, what)
    allowed = ("distribution", "mean_days", "shape")
    for key in raw:
        if key not in allowed:
            hint = V.did_you_mean(str(key), allowed) or f"; give {', '.join(allowed)}"
            raise V.BadValue(f"{what}: unknown key {V.show(key)}{hint}")
    if raw.get("distribution") != "gamma":
        raise V.BadValue(f"{what}: distribution must be gamma (the only one supported), got "
                         f"{V.show(raw.get('distribution'))}")
    if "mean_days" not in raw:
        raise V.BadValue(f"{what}: missing mean_days (days from lead to close, e.g. 45)")
    mean = V.number(raw["mean_days"], f"{what}.mean_days")
    shape = V.number(raw.get("shape", 1.0), f"{what}.shape")
    if not (0 < mean <= 3650):
        raise V.BadValue(f"{what}.mean_days must be above 0 and at most 3650, got {mean:g}")
    if not (0.05 <= shape <= 1000):
        raise V.BadValue(f"{what}.shape must be between 0.05 and 1000, got {shape:g}")
    return GammaLag(float(mean), float(shape))


def carryover(raw: object, what: str = "carryover") -> tuple[float, ...]:
    """`[c0, c1, ...]` or `{decay: 0.5, periods: 3}` (c_k proportional to decay^k)."""
    if not isinstance(raw, Mapping):
        return weights(raw, what)
    allowed = ("decay", "periods")
    for key in raw:
        if key not in allowed:
            hint = V.did_you_mean(str(key), allowed) or f"; give {', '.join(allowed)}"
            raise V.BadValue(f"{what}: unknown key {V.show(key)}{hint}")
    for key in allowed:
        if key not in raw:
            raise V.BadValue(f"{what}: missing {key}; e.g. {{decay: 0.5, periods: 3}}")
    decay = V.rate(raw["decay"], f"{what}.decay")
    periods = V.count(raw["periods"], f"{what}.periods")
    if periods != int(periods) or not 1 <= periods <= MAX_LAG_PERIODS:
        raise V.BadValue(f"{what}.periods must be a whole number from 1 to {MAX_LAG_PERIODS}, "
                         f"got {periods:g}")
    if decay <= 0 and periods > 1:
        raise V.BadValue(f"{what}.decay must be above 0 to carry leads over; give periods: 1 "
                         "for no carry-over")
    w = decay ** np.arange(int(periods), dtype=float)
    return tuple(float(v) for v in w / w.sum())


def gamma_weights(lag: GammaLag, period_days: float) -> tuple[tuple[float, ...], float]:
    """Shares of customers closing 0, 1, ... periods after the lead: the gamma
    distribution's mass in [k L, (k + 1) L) for period length L, cut after the first period
    that leaves at most LAG_TAIL beyond it (at most MAX_LAG_PERIODS), renormalised.
    Returns (weights, the mass dropped)."""
    from scipy.stats import gamma

    dist = gamma(lag.shape, scale=lag.mean_days / lag.shape)
    edges = np.arange(MAX_LAG_PERIODS + 1, dtype=float) * period_days
    cdf = dist.cdf(edges[1:])
    last = int(np.searchsorted(cdf, 1.0 - LAG_TAIL))  # first period leaving <= the tail
    last = min(last, MAX_LAG_PERIODS - 1)
    mass = np.diff(np.r_[0.0, cdf[:last + 1]])
    kept = float(mass.sum())
    out = mass / kept
    while out.size > 1 and out[-1] == 0:
        out = out[:-1]
    return tuple(float(v) for v in out), max(0.0, 1.0 - kept)


def period_length(raw: object, what: str = "period_length") -> float:
    """Days per period: week, month, quarter or {days: N}."""
    if isinstance(raw, str) and raw in PERIOD_LENGTHS:
        return PERIOD_LENGTHS[raw]
    if isinstance(raw, Mapping) and set(raw) == {"days"}:
        days = V.number(raw["days"], f"{what}.days")
        if not 0 < days <= 3660:
            raise V.BadValue(f"{what}.days must be above 0 and at most 3660, got {days:g}")
        return float(days)
    hint = V.did_you_mean(str(raw), tuple(PERIOD_LENGTHS)) if isinstance(raw, str) else ""
    raise V.BadValue(f"{what} must be week, month, quarter or {{days: N}}, got "
                     f"{V.show(raw)}{hint}")


def length_words(days: float) -> str:
    """"month" for a named length, else "14-day"."""
    for name, value in PERIOD_LENGTHS.items():
        if abs(value - days) < 1e-9:
            return name
    return f"{days:g}-day"
