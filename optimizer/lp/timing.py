"""When a plan's customers arrive: per-column shares of customers by close period, what the
accounting counts, discount factors, and the pipeline already in flight (docs/model.md,
"Timing and money").

Spend in period t on channel i brings its leads over t..t+L (carry-over c) and their
customers close k periods after the leads arrive (close lag w): the share closing d periods
after the spend is h_d = (c * w)_d, the channel's `timing`. Everything stays linear: each
spend column's customers, counted customers and discounted value are fixed multiples of its
dollars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.model import Channel, Scenario


def kernel_matrix(channels: tuple[Channel, ...], which: str) -> np.ndarray:
    """Per channel, its carry-over ("carryover"), close lag ("close_lag") or both
    ("timing"), padded with zeros to the longest."""
    rows = [np.asarray(getattr(c, which), dtype=float) for c in channels]
    width = max((r.size for r in rows), default=1)
    out = np.zeros((len(rows), width))
    for i, r in enumerate(rows):
        out[i, :r.size] = r
    return out


def _at(kernel: np.ndarray, channel: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """kernel[channel, offset], 0 where offset is outside it."""
    ok = (offset >= 0) & (offset < kernel.shape[1])
    out = np.zeros(channel.size)
    out[ok] = kernel[channel[ok], offset[ok]]
    return out


@dataclass(frozen=True)
class ColumnTiming:
    """Per column (tier columns; others have period -1 and count as period 0)."""

    counted: np.ndarray  # share of the column's customers the accounting counts
    npv_value: np.ndarray  # sum over counted close periods s of h_(s-t) (1+r)^(-s years)
    npv_spend: np.ndarray  # (1 + r)^(-t years)


def column_timing(scenario: Scenario, channel: np.ndarray, period: np.ndarray
                  ) -> ColumnTiming:
    """What each (period, channel) column's customers count for, vectorised."""
    T = scenario.n_periods
    h = kernel_matrix(scenario.channels, "timing")
    t = np.maximum(period, 0)
    D = h.shape[1]
    d = np.arange(D)
    close = t[:, None] + d[None, :]  # close period of each share, per column
    shares = h[channel]  # (m, D)
    if scenario.accounting == "in_window":
        shares = np.where(close <= T - 1, shares, 0.0)
    counted = shares.sum(axis=1)
    npv_value = (shares * scenario.discount(close)).sum(axis=1)
    return ColumnTiming(counted, npv_value, scenario.discount(t))


def arrivals(kernel: np.ndarray, channel: np.ndarray, period: np.ndarray, s: int
             ) -> np.ndarray:
    """Per column: its share arriving in period s, for a `kernel_matrix` of carry-over
    (leads) or timing (customers)."""
    return _at(kernel, channel, s - period)


@dataclass(frozen=True)
class Pipeline:
    """Expected arrivals of the pipeline (leads and spend from before the plan), per
    channel (rows) and plan period (columns); `after`: customers closing after the last."""

    leads: np.ndarray
    sqls: np.ndarray
    customers: np.ndarray
    after: np.ndarray  # per channel

    @property
    def in_window(self) -> np.ndarray:
        """Customers per channel closing inside the plan's periods."""
        return self.customers.sum(axis=1)


def pipeline(scenario: Scenario) -> Pipeline:
    """Leads entries (age a, L leads): L x lead_to_close x w_(a+s) close in period s.
    Spend entries (age a, S dollars): the leads that spend still brings inside the plan,
    (S / first CPL) x c_(a+u) in period u, and their customers (close lag w)."""
    chans = scenario.channels
    n, T = len(chans), scenario.n_periods
    index = {c.name: i for i, c in enumerate(chans)}
    leads, customers = np.zeros((n, T)), np.zeros((n, T))
    after = np.zeros(n)
    for entry in scenario.pipeline:
        i = index[entry.channel]
        ch = chans[i]
        w = np.asarray(ch.close_lag, dtype=float)
        ltc = ch.lead_to_close
        if entry.leads:
            # shares of the cohort closing at plan period s: w[a + s]; before the plan: gone
            share = np.array([w[entry.age + s] if entry.age + s < w.size else 0.0
                              for s in range(T)])
            customers[i] += entry.leads * ltc * share
            after[i] += entry.leads * ltc * float(w[entry.age + T:].sum())
        if entry.spend:
            c = np.asarray(ch.carryover, dtype=float)
            bought = entry.spend / ch.cpl
            # leads arriving at plan period u (u >= 0) from spend a periods before the plan
            u_max = max(0, c.size - entry.age)
            arriving = np.array([c[entry.age + u] for u in range(u_max)]) * bought
            for u, lu in enumerate(arriving):
                if u < T:
                    leads[i, u] += lu
                closes = u + np.arange(w.size)
                inside = closes < T
                customers[i, closes[inside]] += lu * ltc * w[inside]
                after[i] += lu * ltc * float(w[~inside].sum())
    lts = np.array([c.lead_to_sql if c.lead_to_sql is not None else 0.0 for c in chans])
    return Pipeline(leads, leads * lts[:, None], customers, after)
