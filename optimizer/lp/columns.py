"""The columns of a scenario's program: each (period, channel, tier) spend segment, then the
integer columns (a 0/1 `active` per channel that needs one, integer `units` per channel
bought in units), with the per-column facts every row family reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..scenario.model import Scenario, Tier
from .curves import CurveTiers
from .kinds import ColKind
from .timing import ColumnTiming, column_timing


@dataclass(frozen=True)
class Columns:
    """The columns of one scenario's program, and per-channel facts the rows need."""

    scenario: Scenario
    channel: np.ndarray
    period: np.ndarray
    tier: np.ndarray  # tier index, -1 for integer columns
    start: np.ndarray
    cpl: np.ndarray
    ub: np.ndarray
    spend: np.ndarray  # dollars of spend per unit of the column
    kind: tuple[ColKind, ...]
    active_of: np.ndarray  # per channel: its active column, or -1
    units_of: np.ndarray  # per channel: its units column, or -1

    @property
    def n(self) -> int:
        return len(self.scenario.channels)

    @property
    def m(self) -> int:
        return int(self.channel.size)

    @cached_property
    def is_tier(self) -> np.ndarray:
        return self.tier >= 0

    @cached_property
    def spends(self) -> np.ndarray:
        """Columns that count as spend (tiers, and active columns with a fixed cost)."""
        return self.spend != 0

    @cached_property
    def leads(self) -> np.ndarray:
        return 1.0 / self.cpl

    @cached_property
    def timing(self) -> ColumnTiming:
        return column_timing(self.scenario, self.channel, self.period)

    @cached_property
    def eventual_customers(self) -> np.ndarray:
        """Customers per unit, every one that will ever close."""
        ltc = np.array([c.lead_to_close for c in self.scenario.channels], dtype=float)
        return self.leads * ltc[self.channel]

    @cached_property
    def customers(self) -> np.ndarray:
        """Customers per unit that the accounting counts (all of them under `cohort`,
        those closing inside the periods under `in_window`)."""
        if self.scenario.accounting == "cohort":
            return self.eventual_customers
        return self.eventual_customers * self.timing.counted

    @cached_property
    def margin_customers(self) -> np.ndarray:
        """Monthly margin x counted customers per unit (0 for channels without a margin)."""
        margin = np.array([c.monthly_margin or 0.0 for c in self.scenario.channels])
        return np.where(self.is_tier, self.customers * margin[self.channel], 0.0)

    @cached_property
    def npv(self) -> np.ndarray:
        """Discounted net value per unit: customers' value by close period, less spend by
        spend period (fixed costs undiscounted, paid at the start)."""
        clv = np.array([c.clv for c in self.scenario.channels], dtype=float)
        value = self.eventual_customers * clv[self.channel] * self.timing.npv_value
        tier = self.is_tier
        return np.where(tier, value, 0.0) - self.spend * np.where(tier, self.timing.npv_spend,
                                                                  1.0)

    @cached_property
    def sqls(self) -> np.ndarray:
        lts = np.array([c.lead_to_sql or 0.0 for c in self.scenario.channels], dtype=float)
        return self.leads * lts[self.channel]

    @cached_property
    def value(self) -> np.ndarray:
        clv = np.array([c.clv for c in self.scenario.channels], dtype=float)
        return self.customers * clv[self.channel]

    @cached_property
    def bounds(self) -> list[tuple[float, str, float, str]]:
        return [self.scenario.spend_bounds(c) for c in self.scenario.channels]

    @cached_property
    def big_m(self) -> np.ndarray:
        """Largest media spend per channel: its upper bound, at most the budget."""
        return np.minimum(np.array([b[2] for b in self.bounds]), self.scenario.budget)

    def in_period(self, p: int) -> np.ndarray:
        return self.is_tier & (self.period == p)

    @cached_property
    def _by_channel(self) -> tuple[np.ndarray, np.ndarray]:
        """Tier columns sorted by (channel, period), and where each channel starts."""
        tier = np.flatnonzero(self.is_tier)
        order = tier[np.lexsort((self.period[tier], self.channel[tier]))]
        return order, np.searchsorted(self.channel[order], np.arange(self.n + 1))

    @cached_property
    def _last_tier(self) -> np.ndarray:
        last = np.full(self.n, -1)
        np.maximum.at(last, self.channel[self.is_tier], self.tier[self.is_tier])
        return last

    def last_tiers(self, i: int) -> np.ndarray:
        """Positions of channel i's last tier column in each period."""
        own = self.of_channel(i)
        return own[self.tier[own] == self._last_tier[i]]

    def of_channel(self, i: int, p: int | None = None) -> np.ndarray:
        """Positions of channel i's media columns (in period p), in column order."""
        order, start = self._by_channel
        own = order[start[i]:start[i + 1]]
        if p is not None:
            own = own[self.period[own] == p]
        return np.sort(own)


def columns(scenario: Scenario, curve_tiers: Mapping[str, tuple[Tier, ...]]) -> Columns:
    chans, periods, P = scenario.channels, scenario.periods, scenario.n_periods
    ups, cpls = [], []
    for c in chans:
        if c.response is not None and isinstance(curve_tiers, CurveTiers):
            u, p = curve_tiers.arrays(c.name)  # kept as flat arrays, no Tier objects
        else:
            ts = curve_tiers.get(c.name, c.tiers) if c.response is not None else c.tiers
            u = np.array([t.up_to for t in ts], dtype=float)
            p = np.array([t.cpl for t in ts], dtype=float)
        ups.append(u)
        cpls.append(p)
    per_channel = np.array([u.size for u in ups], dtype=np.int64)
    up = np.concatenate(ups) if ups else np.zeros(0)
    cpl = np.concatenate(cpls) if cpls else np.zeros(0)
    channel = np.repeat(np.arange(len(chans)), per_channel)
    first = np.r_[0, np.cumsum(per_channel)[:-1]]  # position of each channel's first tier
    tier = np.arange(up.size) - np.repeat(first, per_channel)
    start = np.where(tier > 0, np.r_[0.0, up[:-1]], 0.0)
    width = up - start
    mult = np.array([[p.cpl_multiplier_of(c.name) for c in chans] for p in periods]) \
        if periods else np.ones((1, len(chans)))
    k = channel.size
    cols_channel = [np.tile(channel, P)]
    cols_period = [np.repeat(np.arange(P), k)]
    cols_tier = [np.tile(tier, P)]
    cols_start = [np.tile(start / P, P)]
    cols_cpl = [(np.tile(cpl, P) * mult[np.repeat(np.arange(P), k), np.tile(channel, P)])]
    cols_ub = [np.tile(width / P, P)]
    kinds = [ColKind.TIER] * (k * P)
    spend = [np.ones(k * P)]
    max_active = scenario.constraints.max_active_channels
    active_of = np.full(len(chans), -1)
    units_of = np.full(len(chans), -1)
    m = k * P
    extra: list[tuple[int, ColKind, float, float]] = []  # channel, kind, ub, spend
    for i, ch in enumerate(chans):
        if ch.fixed_cost > 0 or ch.effective_min_buy > 0 or max_active is not None:
            active_of[i] = m + len(extra)
            extra.append((i, ColKind.ACTIVE, 1.0, ch.fixed_cost))
    bounds = [scenario.spend_bounds(c) for c in chans]
    for i, ch in enumerate(chans):
        if ch.unit is not None:
            units_of[i] = m + len(extra)
            big = min(bounds[i][2], scenario.budget)
            extra.append((i, ColKind.UNITS, float(np.floor(big / ch.unit + 1e-9)), 0.0))
    if extra:
        cols_channel.append(np.array([e[0] for e in extra]))
        cols_period.append(np.full(len(extra), -1))
        cols_tier.append(np.full(len(extra), -1))
        cols_start.append(np.zeros(len(extra)))
        cols_cpl.append(np.full(len(extra), np.inf))
        cols_ub.append(np.array([e[2] for e in extra]))
        spend.append(np.array([e[3] for e in extra]))
        kinds += [e[1] for e in extra]
    return Columns(scenario, np.concatenate(cols_channel).astype(np.int64),
                   np.concatenate(cols_period).astype(np.int64),
                   np.concatenate(cols_tier).astype(np.int64), np.concatenate(cols_start),
                   np.concatenate(cols_cpl).astype(float), np.concatenate(cols_ub),
                   np.concatenate(spend), tuple(kinds), active_of, units_of)
