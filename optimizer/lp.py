"""Build the allocation linear program as arrays.

Columns are (channel, tier) spend segments: 0 <= x_j <= tier width. A channel's spend is the
sum of its columns; its leads are sum(x_j / cpl_j); its value is leads * lead_to_close * CLV.
Because tier CPLs never decrease, every constraint that rewards leads or value is met best by
filling cheaper tiers first, so the LP fills tiers in order (see `tier_order_violations`).

The objective is maximise c @ x with c_j = value-per-dollar_j - 1 (expected CLV minus spend).
Every row is written as `A x <= b` (sense "L") or `A x == b` (sense "E"); a ">=" constraint is
stored negated. Row metadata (kind, channel, group, limit, sign) maps duals back to shadow
prices per unit of the limit the user wrote. Labels never reach a solver: solvers see
positions only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import scipy.sparse as sp

from .model import Scenario


class RowKind(StrEnum):
    BUDGET = "budget"
    MIN_SPEND = "min_spend"
    MAX_SPEND = "max_spend"
    FLOOR = "clv_to_cpa_floor"
    BLENDED_FLOOR = "blended_clv_to_cpa_floor"
    MAX_LEADS = "max_leads"
    MAX_SQLS = "max_sqls"
    MAX_CUSTOMERS = "max_customers"
    GROUP_MIN = "group_min_share"
    GROUP_MAX = "group_max_share"


@dataclass(frozen=True)
class LinearProgram:
    """maximise c @ x  s.t.  A[L] x <= b[L],  A[E] x == b[E],  lb <= x <= ub."""

    c: np.ndarray
    A: sp.csr_matrix
    b: np.ndarray
    is_eq: np.ndarray  # bool per row
    lb: np.ndarray
    ub: np.ndarray
    # columns
    col_channel: np.ndarray  # int index into scenario.channels
    col_tier: np.ndarray
    col_start: np.ndarray  # cumulative channel spend where the column's tier begins
    col_cpl: np.ndarray
    col_value_per_dollar: np.ndarray
    col_customers_per_dollar: np.ndarray
    # rows
    row_kind: tuple[RowKind, ...]
    row_channel: np.ndarray  # -1 when not a channel row
    row_group: np.ndarray  # -1 when not a group row
    row_limit: np.ndarray  # the limit as the user wrote it (dollars, leads, ratio, share)
    row_source: tuple[str, ...]  # where a bound comes from (min_spend, max_change, tiers...)
    row_scale: np.ndarray  # rows are stored multiplied by this; a dual of the stored row
    # times row_scale is the dual of the row as the model states it

    @property
    def n_cols(self) -> int:
        return int(self.c.size)

    @property
    def n_rows(self) -> int:
        return int(self.b.size)

    def row_name(self, r: int, channel_names: tuple[str, ...], group_names: tuple[str, ...]) -> str:
        kind = self.row_kind[r]
        if self.row_channel[r] >= 0:
            return f"{kind}[{channel_names[self.row_channel[r]]}]"
        if self.row_group[r] >= 0:
            return f"{kind}[{group_names[self.row_group[r]]}]"
        return str(kind)

    def subset(self, rows: list[int] | np.ndarray) -> LinearProgram:
        """The LP with only `rows` (column bounds kept), row metadata sliced alike."""
        idx = np.asarray(rows, dtype=np.int64)
        return replace(self, A=self.A[idx], b=self.b[idx], is_eq=self.is_eq[idx],
                       row_kind=tuple(self.row_kind[r] for r in idx),
                       row_channel=self.row_channel[idx], row_group=self.row_group[idx],
                       row_limit=self.row_limit[idx],
                       row_source=tuple(self.row_source[r] for r in idx),
                       row_scale=self.row_scale[idx])


class _Rows:
    """Accumulates sparse rows as triplets; one `add_block` call per constraint family."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.b: list[np.ndarray] = []
        self.eq: list[np.ndarray] = []
        self.kind: list[RowKind] = []
        self.channel: list[np.ndarray] = []
        self.group: list[np.ndarray] = []
        self.limit: list[np.ndarray] = []
        self.source: list[str] = []
        self.count = 0

    def add_block(self, kind: RowKind, local_rows: np.ndarray, cols: np.ndarray,
                  vals: np.ndarray, b: np.ndarray, limit: np.ndarray, *,
                  channel: np.ndarray | None = None, group: np.ndarray | None = None,
                  eq: bool = False, sources: list[str] | None = None) -> None:
        n = int(b.size)
        if n == 0:
            return
        self.rows.append(local_rows + self.count)
        self.cols.append(cols)
        self.vals.append(vals)
        self.b.append(b.astype(float))
        self.eq.append(np.full(n, eq))
        self.kind.extend([kind] * n)
        self.channel.append(channel if channel is not None else np.full(n, -1))
        self.group.append(group if group is not None else np.full(n, -1))
        self.limit.append(limit.astype(float))
        self.source.extend(sources if sources is not None else [str(kind)] * n)
        self.count += n


def build_lp(scenario: Scenario) -> LinearProgram:
    """Build the scenario's LP once, as arrays (vectorised over channels and tiers)."""
    chans = scenario.channels
    n = len(chans)
    widths: list[float] = []
    starts: list[float] = []
    cpls: list[float] = []
    col_channel: list[int] = []
    col_tier: list[int] = []
    for i, ch in enumerate(chans):
        prev = 0.0
        for k, tier in enumerate(ch.tiers):
            widths.append(tier.up_to - prev)
            starts.append(prev)
            cpls.append(tier.cpl)
            col_channel.append(i)
            col_tier.append(k)
            prev = tier.up_to
    cc = np.asarray(col_channel, dtype=np.int64)
    cpl = np.asarray(cpls, dtype=float)
    ub = np.asarray(widths, dtype=float)
    m = cc.size
    ltc = np.array([c.lead_to_close for c in chans], dtype=float)
    clv = np.array([c.clv for c in chans], dtype=float)
    lpd = 1.0 / cpl  # leads per dollar
    cpd = lpd * ltc[cc]  # customers per dollar
    vpd = cpd * clv[cc]  # value per dollar
    cols = np.arange(m)
    ones = np.ones(m)
    rows = _Rows()
    cons = scenario.constraints

    # budget
    rows.add_block(RowKind.BUDGET, np.zeros(m, dtype=np.int64), cols, ones,
                   np.array([scenario.budget]), np.array([scenario.budget]),
                   eq=scenario.use_full_budget,
                   sources=["use_full_budget" if scenario.use_full_budget else "budget"])

    # channel spend bounds (min_spend / max_change below, max_spend / max_change / tiers above)
    bounds = [scenario.spend_bounds(c) for c in chans]
    lower = np.array([b[0] for b in bounds])
    upper = np.array([b[2] for b in bounds])
    has_lo = lower > 0
    _channel_rows(rows, RowKind.MIN_SPEND, has_lo, cc, -1.0, -lower, lower,
                  [b[1] for b in bounds])
    has_hi = np.isfinite(upper)
    _channel_rows(rows, RowKind.MAX_SPEND, has_hi, cc, 1.0, upper, upper,
                  [b[3] for b in bounds])

    # per-channel CLV:CPA floors: sum_j x_j (floor - vpd_j) <= 0
    floors = np.array([np.nan if scenario.floor_of(c) is None else scenario.floor_of(c)
                       for c in chans], dtype=float)
    has_floor = ~np.isnan(floors)
    if has_floor.any():
        idx = np.flatnonzero(has_floor)
        local = np.full(n, -1)
        local[idx] = np.arange(idx.size)
        sel = has_floor[cc]
        rows.add_block(RowKind.FLOOR, local[cc[sel]], cols[sel], floors[cc[sel]] - vpd[sel],
                       np.zeros(idx.size), floors[idx], channel=idx)

    if cons.min_blended_clv_to_cpa is not None:
        f = cons.min_blended_clv_to_cpa
        rows.add_block(RowKind.BLENDED_FLOOR, np.zeros(m, dtype=np.int64), cols, f - vpd,
                       np.zeros(1), np.array([f]))

    # sales capacity
    for kind, cap, per_dollar in (
        (RowKind.MAX_LEADS, cons.max_leads, lambda: lpd),
        (RowKind.MAX_SQLS, cons.max_sqls,
         lambda: lpd * np.array([c.lead_to_sql or 0.0 for c in chans])[cc]),
        (RowKind.MAX_CUSTOMERS, cons.max_customers, lambda: cpd),
    ):
        if cap is not None:
            rows.add_block(kind, np.zeros(m, dtype=np.int64), cols, per_dollar(),
                           np.array([cap]), np.array([cap]))

    # channel-group shares of total spend
    index = {c.name: i for i, c in enumerate(chans)}
    for g, group in enumerate(cons.groups):
        member = np.zeros(n, dtype=bool)
        member[[index[name] for name in group.channels]] = True
        in_group = member[cc].astype(float)
        if group.min_share is not None:  # share*T - S_G <= 0
            rows.add_block(RowKind.GROUP_MIN, np.zeros(m, dtype=np.int64), cols,
                           group.min_share - in_group, np.zeros(1),
                           np.array([group.min_share]), group=np.array([g]))
        if group.max_share is not None:  # S_G - share*T <= 0
            rows.add_block(RowKind.GROUP_MAX, np.zeros(m, dtype=np.int64), cols,
                           in_group - group.max_share, np.zeros(1),
                           np.array([group.max_share]), group=np.array([g]))

    A = sp.csr_matrix((np.concatenate(rows.vals), (np.concatenate(rows.rows),
                                                  np.concatenate(rows.cols))),
                      shape=(rows.count, m))
    A.eliminate_zeros()
    # Floor rows carry value-per-dollar coefficients whose size follows CLV / CPL (1e-8 with a
    # $1 CLV): scale each to a largest coefficient of 1 so solver tolerances mean the same.
    scale = np.ones(rows.count)
    floors = np.flatnonzero([k in (RowKind.FLOOR, RowKind.BLENDED_FLOOR) for k in rows.kind])
    if floors.size:
        biggest = np.asarray(abs(A[floors]).max(axis=1).todense()).ravel()
        usable = biggest > 1e-12  # below that the row is noise: leave it as stated
        scale[floors] = np.where(usable, 1.0 / np.where(usable, biggest, 1.0), 1.0)
        A = (sp.diags(scale) @ A).tocsr()
    b = np.concatenate(rows.b) * scale
    return LinearProgram(
        c=vpd - 1.0, A=A, b=b, is_eq=np.concatenate(rows.eq),
        lb=np.zeros(m), ub=ub, col_channel=cc, col_tier=np.asarray(col_tier, dtype=np.int64),
        col_start=np.asarray(starts, dtype=float), col_cpl=cpl, col_value_per_dollar=vpd,
        col_customers_per_dollar=cpd, row_kind=tuple(rows.kind),
        row_channel=np.concatenate(rows.channel).astype(np.int64),
        row_group=np.concatenate(rows.group).astype(np.int64),
        row_limit=np.concatenate(rows.limit), row_source=tuple(rows.source), row_scale=scale)


def _channel_rows(rows: _Rows, kind: RowKind, mask: np.ndarray, cc: np.ndarray, coef: float,
                  b: np.ndarray, limit: np.ndarray, sources: list[str]) -> None:
    """One row per channel in `mask`: coef * (channel spend) <= b."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return
    local = np.full(mask.size, -1)
    local[idx] = np.arange(idx.size)
    sel = mask[cc]
    rows.add_block(kind, local[cc[sel]], np.flatnonzero(sel), np.full(int(sel.sum()), coef),
                   b[idx], limit[idx], channel=idx, sources=[sources[i] for i in idx])


def channel_spend(lp: LinearProgram, x: np.ndarray, n_channels: int) -> np.ndarray:
    return np.bincount(lp.col_channel, weights=x, minlength=n_channels)


def fill_tiers(lp: LinearProgram, spend: np.ndarray) -> np.ndarray:
    """Column values for per-channel `spend`, filling each channel's cheapest tiers first.

    Spend beyond a channel's last tier is left out (the caller reports it).
    """
    return np.clip(spend[lp.col_channel] - lp.col_start, 0.0, lp.ub)


def tier_order_violations(lp: LinearProgram, x: np.ndarray, tol: float = 1e-6) -> list[int]:
    """Channels whose spend sits in a dearer tier while a cheaper tier has room left.

    The LP only does this when spending more leads is harmful (a sales-capacity cap binds
    while spend is forced by min_spend, use_full_budget or a group share): it then models
    unwanted leads as not bought. Callers report it as a warning.
    """
    bad: set[int] = set()
    for j in range(1, lp.n_cols):
        if lp.col_channel[j] != lp.col_channel[j - 1]:
            continue
        if x[j] > tol * max(1.0, lp.ub[j - 1]) and \
                x[j - 1] < lp.ub[j - 1] - tol * max(1.0, lp.ub[j - 1]) and \
                lp.col_cpl[j] > lp.col_cpl[j - 1]:
            bad.add(int(lp.col_channel[j]))
    return sorted(bad)
