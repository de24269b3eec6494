"""The allocation program as arrays, with the metadata that maps rows and columns back to the
user's constraints and channels.

maximise c @ x  s.t.  A[L] x <= b[L],  A[E] x == b[E],  lb <= x <= ub, x[j] integer where
`integrality[j]`. Every ">=" constraint is stored negated. Rows are found by what they are
(`rows_of`, `budget_row`, `find` with a `RowKey`), never by their position or label; labels
never reach a solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .kinds import ROW_KINDS, ColKind, Moves, RowKind


class RowKey(NamedTuple):
    """What a row is, by names: the same constraint has the same key in a rebuilt LP."""

    kind: RowKind
    channel: str | None = None
    group: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class Names:
    channels: tuple[str, ...]
    groups: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()


@dataclass(frozen=True)
class LinearProgram:
    """The program's arrays (`c`, `A`, `b`, `is_eq`, `lb`, `ub`, `integrality`) and, per
    column and per row, where it comes from."""

    c: np.ndarray
    A: sp.csr_matrix
    b: np.ndarray
    is_eq: np.ndarray  # bool per row
    lb: np.ndarray
    ub: np.ndarray
    names: Names
    # columns
    col_kind: tuple[ColKind, ...]
    col_channel: np.ndarray  # index into names.channels
    col_period: np.ndarray  # period index (-1: the whole horizon)
    col_tier: np.ndarray  # -1 for columns that are not spend segments
    col_start: np.ndarray  # cumulative channel spend (in its period) where the tier begins
    col_cpl: np.ndarray  # inf for columns that buy no leads
    col_spend: np.ndarray  # dollars of spend per unit (1 tier, fixed cost, 0 units)
    col_value_per_dollar: np.ndarray  # value per unit (0 unless a tier)
    col_customers_per_dollar: np.ndarray
    integrality: np.ndarray  # 1 where the column is integer
    # rows
    row_kind: tuple[RowKind, ...]
    row_channel: np.ndarray  # -1 when not a channel row
    row_group: np.ndarray  # -1 when not a group row
    row_period: np.ndarray  # -1 when not a period row
    row_limit: np.ndarray  # the limit as the user wrote it (dollars, leads, ratio, share)
    row_source: tuple[str, ...]  # where a bound comes from (min_spend, max_change, tiers...)
    row_scale: np.ndarray  # rows are stored times this; duals times it are the model's
    objective: str = "net_value"
    n_periods: int = 1
    bound_link: sp.csr_matrix | None = None  # d ub_j / d limit_r: a limit that is also a bound
    col_margin_customers: np.ndarray | None = None  # monthly margin x customers per unit
    row_offset: np.ndarray | None = None  # what a row counts beyond A x (pipeline arrivals)
    col_counted: np.ndarray | None = None  # share of a column's customers counted (in_window)
    col_npv: np.ndarray | None = None  # discounted net value per unit (with a discount rate)
    _index: dict[RowKey, int] = field(default_factory=dict, init=False, compare=False,
                                      repr=False)

    @property
    def n_cols(self) -> int:
        return int(self.c.size)

    @property
    def n_rows(self) -> int:
        return int(self.b.size)

    @property
    def is_mip(self) -> bool:
        return bool(np.any(self.integrality))

    @property
    def is_tier(self) -> np.ndarray:
        return self.col_tier >= 0

    @property
    def margin_customers(self) -> np.ndarray:
        """Monthly margin x customers per unit of each column (0 without margins)."""
        if self.col_margin_customers is None:
            return np.zeros(self.n_cols)
        return self.col_margin_customers

    @property
    def col_leads_per_dollar(self) -> np.ndarray:
        return 1.0 / self.col_cpl

    # ---------------------------------------------------------------- finding rows

    def row_key(self, r: int) -> RowKey:
        ch, g, p = self.row_channel[r], self.row_group[r], self.row_period[r]
        return RowKey(self.row_kind[r], self.names.channels[ch] if ch >= 0 else None,
                      self.names.groups[g] if g >= 0 else None,
                      self.names.periods[p] if p >= 0 and self.names.periods else None)

    def find(self, key: RowKey) -> int | None:
        """The row with this key, or None (a rebuilt LP may not have it)."""
        if not self._index:
            self._index.update({self.row_key(r): r for r in range(self.n_rows)})
        return self._index.get(key)

    @cached_property
    def _kind_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row and per column the position of its kind in RowKind / ColKind."""
        rows = {k: i for i, k in enumerate(RowKind)}
        cols = {k: i for i, k in enumerate(ColKind)}
        return (np.array([rows[k] for k in self.row_kind], dtype=np.int16),
                np.array([cols[k] for k in self.col_kind], dtype=np.int16))

    def rows_of(self, kind: RowKind, channel: int | None = None) -> np.ndarray:
        """Positions of the rows of one kind (of one channel)."""
        mask = self._kind_codes[0] == list(RowKind).index(kind)
        if channel is not None:
            mask &= self.row_channel == channel
        return np.flatnonzero(mask)

    def cols_of(self, kind: ColKind) -> np.ndarray:
        """Mask of the columns of one kind."""
        return self._kind_codes[1] == list(ColKind).index(kind)

    @property
    def budget_row(self) -> int:
        """The total-budget row (every program has exactly one)."""
        return int(self.rows_of(RowKind.BUDGET)[0])

    def row_name(self, r: int) -> str:
        """`kind[channel, group, period]`, as in the constraints table."""
        ch, g, p = self.row_channel[r], self.row_group[r], self.row_period[r]
        parts = []
        if ch >= 0:
            parts.append(self.names.channels[ch])
        if g >= 0:
            parts.append(self.names.groups[g])
        if p >= 0:
            parts.append(self.names.periods[p] if self.names.periods else f"period {p + 1}")
        return f"{self.row_kind[r]}[{', '.join(parts)}]" if parts else str(self.row_kind[r])

    def limit_gradient(self, r: int) -> np.ndarray:
        """d(stored row r's coefficients) / d(its limit), per column (zero for a limit that
        is the right-hand side); see `Moves` in the kinds table."""
        moves = ROW_KINDS[self.row_kind[r]].moves
        out = np.zeros(self.n_cols)
        if moves is Moves.CHANNEL_SPEND:
            own = self.col_channel == self.row_channel[r]
            out[own] = self.col_spend[own]
        elif moves is Moves.TOTAL_SPEND:
            out[:] = self.col_spend
        elif moves is Moves.NEG_TOTAL_SPEND:
            out[:] = -self.col_spend
        elif moves in (Moves.NEG_MARGIN, Moves.NEG_MARGIN_ALL):
            margin = self.margin_customers
            own = self.col_channel == self.row_channel[r] if moves is Moves.NEG_MARGIN \
                else np.ones(self.n_cols, dtype=bool)
            out[own] = -margin[own]
        elif moves is Moves.NEG_PREVIOUS:
            before = self.is_tier & (self.col_channel == self.row_channel[r]) & \
                (self.col_period == self.row_period[r] - 1)
            out[before] = -1.0
        return out * self.row_scale[r]

    # ---------------------------------------------------------------- variants

    def subset(self, rows: list[int] | np.ndarray) -> LinearProgram:
        """The LP with only `rows` (column bounds kept), row metadata sliced alike."""
        idx = np.asarray(rows, dtype=np.int64)
        return replace(self, A=self.A[idx], b=self.b[idx], is_eq=self.is_eq[idx],
                       row_kind=tuple(self.row_kind[r] for r in idx),
                       row_channel=self.row_channel[idx], row_group=self.row_group[idx],
                       row_limit=self.row_limit[idx],
                       row_source=tuple(self.row_source[r] for r in idx),
                       row_scale=self.row_scale[idx], row_period=self.row_period[idx],
                       bound_link=None if self.bound_link is None else self.bound_link[idx],
                       row_offset=None if self.row_offset is None else self.row_offset[idx])

    def relaxation(self) -> LinearProgram:
        """The same program with every integer requirement dropped."""
        return replace(self, integrality=np.zeros(self.n_cols, dtype=np.int8))

    def with_integers_fixed(self, x: np.ndarray) -> LinearProgram:
        """The LP with each integer column fixed at its (rounded) value in `x`: the program
        whose duals are reported as the shadow prices of a mixed-integer plan."""
        ints = self.integrality.astype(bool)
        fixed = np.round(x[ints])
        lb, ub = self.lb.copy(), self.ub.copy()
        lb[ints] = fixed
        ub[ints] = fixed
        return replace(self, lb=lb, ub=ub, integrality=np.zeros(self.n_cols, dtype=np.int8))

    def with_row_bound(self, r: int, value: float, equality: bool | None = None
                       ) -> LinearProgram:
        """The LP with row r's right-hand side moved (inf: the row constrains nothing)."""
        b, is_eq = self.b.copy(), self.is_eq.copy()
        b[r] = value
        if equality is not None:
            is_eq[r] = equality
        return replace(self, b=b, is_eq=is_eq)


# -------------------------------------------------------------------- reading solutions


def channel_spend(lp: LinearProgram, x: np.ndarray) -> np.ndarray:
    """Spend per channel: media spend over all periods plus fixed costs."""
    return np.bincount(lp.col_channel, weights=x * lp.col_spend,
                       minlength=len(lp.names.channels))


def next_dollar(lp: LinearProgram, x: np.ndarray) -> np.ndarray:
    """Mask of each channel's next dollar under plan x: per channel and period, its first
    tier column with room left."""
    finite = np.where(np.isfinite(lp.ub), lp.ub, 1.0)
    room = lp.is_tier & ((lp.ub - x) > 1e-6 * np.maximum(1.0, finite))
    key = lp.col_period * len(lp.names.channels) + lp.col_channel
    order = np.flatnonzero(room)
    _, first = np.unique(key[order], return_index=True)
    out = np.zeros(lp.n_cols, dtype=bool)
    out[order[first]] = True
    return out


def period_sum(lp: LinearProgram, values: np.ndarray) -> np.ndarray:
    """Per-column `values` of the spend columns summed per (period, channel), shape
    (n_periods, n_channels): media spend for x, leads for x / col_cpl."""
    n = len(lp.names.channels)
    tier = lp.is_tier
    flat = lp.col_period[tier] * n + lp.col_channel[tier]
    return np.bincount(flat, weights=values[tier],
                       minlength=lp.n_periods * n).reshape(lp.n_periods, n)


def fill_tiers(lp: LinearProgram, spend: np.ndarray, fixed_cost: np.ndarray | None = None,
               unit: np.ndarray | None = None) -> np.ndarray:
    """Column values for per-channel `spend` (the whole horizon, fixed costs included),
    spread evenly over the periods and filling each channel's cheapest tiers first.

    Spend beyond a channel's last tier is left out (the caller reports it). An active
    column is 1 where the channel spends; a units column holds media spend / unit, which
    is fractional when the spend is not whole units (a broken constraint to report).
    """
    fixed = np.zeros(spend.size) if fixed_cost is None else fixed_cost
    media = np.where(spend > 0, np.maximum(spend - fixed, 0.0), 0.0)
    x = np.zeros(lp.n_cols)
    tier = lp.is_tier
    x[tier] = np.clip(media[lp.col_channel[tier]] / lp.n_periods - lp.col_start[tier], 0.0,
                      lp.ub[tier])
    for j in np.flatnonzero(~tier):
        ch = lp.col_channel[j]
        if lp.col_kind[j] is ColKind.ACTIVE:
            x[j] = 1.0 if spend[ch] > 0 else 0.0
        elif unit is not None and unit[ch] > 0:
            x[j] = media[ch] / unit[ch]
    return x


def tier_order_violations(lp: LinearProgram, x: np.ndarray, tol: float = 1e-6) -> list[int]:
    """Channels whose spend sits in a dearer tier while any cheaper tier before it (in the
    same period) has room left.

    The LP only does this when spending more leads is harmful (a sales-capacity cap binds
    while spend is forced by min_spend, use_full_budget or a group share): it then models
    unwanted leads as not bought. Callers report it as a warning.
    """
    tier = np.flatnonzero(lp.col_tier >= 0)
    if tier.size == 0:
        return []
    finite = np.isfinite(lp.ub[tier])
    room = tol * np.maximum(1.0, np.where(finite, lp.ub[tier], 1.0))
    used = x[tier] > room
    has_room = ~finite | (x[tier] < np.where(finite, lp.ub[tier], 0.0) - room)
    cpl = lp.col_cpl[tier]
    # tiers of one (channel, period) are consecutive columns: split where the group changes
    group = lp.col_channel[tier] * (lp.n_periods + 1) + lp.col_period[tier]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    bad: set[int] = set()
    for lo, hi in zip(starts, np.r_[starts[1:], tier.size], strict=True):
        open_cpl = np.where(has_room[lo:hi], cpl[lo:hi], np.inf)
        cheapest_before = np.r_[np.inf, np.minimum.accumulate(open_cpl)[:-1]]
        if np.any(used[lo:hi] & (cpl[lo:hi] > cheapest_before * (1 + 1e-12))):
            bad.add(int(lp.col_channel[tier[lo]]))
    return sorted(bad)
