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
    PERIOD_BUDGET = "period_budget"
    PERIOD_MIN_SPEND = "period_min_spend"
    PERIOD_MAX_SPEND = "period_max_spend"
    PACING_UP = "pacing_increase"
    PACING_DOWN = "pacing_decrease"
    PERIOD_SHARE = "period_max_share"
    ACTIVE = "active_link"  # media spend only on an active channel
    MIN_BUY = "min_buy"
    UNITS = "buy_units"
    MAX_ACTIVE = "max_active_channels"
    TARGET = "target"


class ColKind(StrEnum):
    TIER = "tier"  # dollars of media spend in one (period, channel, tier) segment
    ACTIVE = "active"  # 0/1: the channel is used (pays its fixed cost)
    UNITS = "units"  # whole buy units of the channel's media spend


@dataclass(frozen=True)
class LinearProgram:
    """maximise c @ x  s.t.  A[L] x <= b[L],  A[E] x == b[E],  lb <= x <= ub,
    x[j] integer where `integrality[j]` (a mixed-integer program when any is)."""

    c: np.ndarray
    A: sp.csr_matrix
    b: np.ndarray
    is_eq: np.ndarray  # bool per row
    lb: np.ndarray
    ub: np.ndarray
    # columns
    col_channel: np.ndarray  # int index into scenario.channels
    col_tier: np.ndarray  # -1 for columns that are not spend segments
    col_start: np.ndarray  # cumulative channel spend (in its period) where the tier begins
    col_cpl: np.ndarray  # inf for columns that buy no leads
    col_value_per_dollar: np.ndarray  # value per unit of the column (0 unless a tier)
    col_customers_per_dollar: np.ndarray
    # rows
    row_kind: tuple[RowKind, ...]
    row_channel: np.ndarray  # -1 when not a channel row
    row_group: np.ndarray  # -1 when not a group row
    row_limit: np.ndarray  # the limit as the user wrote it (dollars, leads, ratio, share)
    row_source: tuple[str, ...]  # where a bound comes from (min_spend, max_change, tiers...)
    row_scale: np.ndarray  # rows are stored multiplied by this; a dual of the stored row
    # times row_scale is the dual of the row as the model states it
    col_spend: np.ndarray | None = None  # dollars per unit (1 tier, fixed cost, 0 units)
    col_period: np.ndarray | None = None  # period index (-1: the whole horizon)
    col_kind: tuple[ColKind, ...] = ()
    integrality: np.ndarray | None = None  # 1 where the column is integer
    row_period: np.ndarray | None = None  # -1 when not a period row
    objective: str = "net_value"
    n_periods: int = 1

    def __post_init__(self) -> None:
        m, r = self.c.size, self.b.size
        for name, fill in (("col_spend", 1.0), ("col_period", 0), ("integrality", 0)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(m, fill))
        if not self.col_kind:
            object.__setattr__(self, "col_kind", (ColKind.TIER,) * m)
        if self.row_period is None:
            object.__setattr__(self, "row_period", np.full(r, -1, dtype=np.int64))

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

    def row_name(self, r: int, channel_names: tuple[str, ...], group_names: tuple[str, ...],
                 period_names: tuple[str, ...] = ()) -> str:
        kind = self.row_kind[r]
        parts = []
        if self.row_channel[r] >= 0:
            parts.append(channel_names[self.row_channel[r]])
        if self.row_group[r] >= 0:
            parts.append(group_names[self.row_group[r]])
        if self.row_period[r] >= 0:
            parts.append(period_names[self.row_period[r]] if period_names
                         else f"period {self.row_period[r] + 1}")
        return f"{kind}[{', '.join(parts)}]" if parts else str(kind)

    def subset(self, rows: list[int] | np.ndarray) -> LinearProgram:
        """The LP with only `rows` (column bounds kept), row metadata sliced alike."""
        idx = np.asarray(rows, dtype=np.int64)
        return replace(self, A=self.A[idx], b=self.b[idx], is_eq=self.is_eq[idx],
                       row_kind=tuple(self.row_kind[r] for r in idx),
                       row_channel=self.row_channel[idx], row_group=self.row_group[idx],
                       row_limit=self.row_limit[idx],
                       row_source=tuple(self.row_source[r] for r in idx),
                       row_scale=self.row_scale[idx], row_period=self.row_period[idx])

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
        self.period: list[np.ndarray] = []
        self.limit: list[np.ndarray] = []
        self.source: list[str] = []
        self.count = 0

    def add_block(self, kind: RowKind, local_rows: np.ndarray, cols: np.ndarray,
                  vals: np.ndarray, b: np.ndarray, limit: np.ndarray, *,
                  channel: np.ndarray | None = None, group: np.ndarray | None = None,
                  period: np.ndarray | None = None,
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
        self.period.append(period if period is not None else np.full(n, -1))
        self.limit.append(limit.astype(float))
        self.source.extend(sources if sources is not None else [str(kind)] * n)
        self.count += n

    def add_row(self, kind: RowKind, cols: np.ndarray, vals: np.ndarray, b: float,
                limit: float, **meta: object) -> None:
        """One row; `meta` values (channel, group, period) are scalars."""
        keep = vals != 0
        arrays = {k: np.array([v]) for k, v in meta.items() if k in ("channel", "group", "period")}
        rest = {k: v for k, v in meta.items() if k not in arrays}
        self.add_block(kind, np.zeros(int(keep.sum()), dtype=np.int64), cols[keep], vals[keep],
                       np.array([b]), np.array([limit]), **arrays, **rest)  # type: ignore[arg-type]


OBJECTIVE_UNITS = {"net_value": "", "customers": "customers ", "leads": "leads ",
                   "value": "value ", "min_spend": "spend saved "}


def build_lp(scenario: Scenario) -> LinearProgram:
    """Build the scenario's LP once, as arrays (vectorised over channels and tiers).

    Columns: for each period, each channel's tier segments (spend); then one 0/1 `active`
    column per channel that needs it (fixed cost, minimum buy, max_active_channels) and one
    integer `units` column per channel bought in units. Without periods or integer
    features this is exactly the plain planner's LP.
    """
    chans = scenario.channels
    n = len(chans)
    P = scenario.n_periods
    periods = scenario.periods
    widths: list[float] = []
    starts: list[float] = []
    cpls: list[float] = []
    col_channel: list[int] = []
    col_tier: list[int] = []
    col_period: list[int] = []
    for p in range(P):
        for i, ch in enumerate(chans):
            mult = periods[p].cpl_multiplier_of(ch.name) if periods else 1.0
            prev = 0.0
            for k, tier in enumerate(ch.tiers):
                widths.append((tier.up_to - prev) / P)
                starts.append(prev / P)
                cpls.append(tier.cpl * mult)
                col_channel.append(i)
                col_tier.append(k)
                col_period.append(p)
                prev = tier.up_to
    n_tier = len(widths)
    bounds = [scenario.spend_bounds(c) for c in chans]
    lower = np.array([b[0] for b in bounds])
    upper = np.array([b[2] for b in bounds])
    big_m = np.minimum(upper, scenario.budget)
    max_active = scenario.constraints.max_active_channels
    needs_active = [c.fixed_cost > 0 or c.effective_min_buy > 0 or max_active is not None
                    for c in chans]
    active_of = np.full(n, -1)
    units_of = np.full(n, -1)
    spend_w = [1.0] * n_tier
    lbs = [0.0] * n_tier
    kinds = [ColKind.TIER] * n_tier
    for i, ch in enumerate(chans):
        if needs_active[i]:
            active_of[i] = len(widths)
            widths.append(1.0)
            spend_w.append(ch.fixed_cost)
            kinds.append(ColKind.ACTIVE)
    for i, ch in enumerate(chans):
        if ch.unit is not None:
            units_of[i] = len(widths)
            widths.append(float(np.floor(big_m[i] / ch.unit + 1e-9)))
            spend_w.append(0.0)
            kinds.append(ColKind.UNITS)
    extra = len(widths) - n_tier
    col_channel += [i for i in range(n) if needs_active[i]] + \
                   [i for i, c in enumerate(chans) if c.unit is not None]
    col_tier += [-1] * extra
    col_period += [-1] * extra
    starts += [0.0] * extra
    cpls += [np.inf] * extra
    lbs += [0.0] * extra
    cc = np.asarray(col_channel, dtype=np.int64)
    cp = np.asarray(col_period, dtype=np.int64)
    cpl = np.asarray(cpls, dtype=float)
    ub = np.asarray(widths, dtype=float)
    sw = np.asarray(spend_w, dtype=float)
    m = cc.size
    tier = np.arange(m) < n_tier
    ltc = np.array([c.lead_to_close for c in chans], dtype=float)
    clv = np.array([c.clv for c in chans], dtype=float)
    lpd = 1.0 / cpl  # leads per dollar (0 for non-spend columns)
    cpd = lpd * ltc[cc]  # customers per dollar
    vpd = cpd * clv[cc]  # value per dollar
    cols = np.arange(m)
    rows = _Rows()
    cons = scenario.constraints
    spends = sw != 0  # columns that count as spend

    # budget (media spend plus fixed costs)
    rows.add_block(RowKind.BUDGET, np.zeros(int(spends.sum()), dtype=np.int64), cols[spends],
                   sw[spends], np.array([scenario.budget]), np.array([scenario.budget]),
                   eq=scenario.use_full_budget,
                   sources=["use_full_budget" if scenario.use_full_budget else "budget"])
    for p, period in enumerate(periods):
        if period.budget is not None:
            sel = tier & (cp == p)
            rows.add_row(RowKind.PERIOD_BUDGET, cols[sel], np.ones(int(sel.sum())),
                         period.budget, period.budget, period=p)

    # channel spend bounds (min_spend / max_change below, max_spend / max_change / tiers above)
    has_lo = lower > 0
    _channel_rows(rows, RowKind.MIN_SPEND, has_lo, cc, -sw, -lower, lower,
                  [b[1] for b in bounds])
    has_hi = np.isfinite(upper)
    _channel_rows(rows, RowKind.MAX_SPEND, has_hi, cc, sw, upper, upper,
                  [b[3] for b in bounds])
    index = {c.name: i for i, c in enumerate(chans)}
    for kind, pos in ((RowKind.PERIOD_MIN_SPEND, 1), (RowKind.PERIOD_MAX_SPEND, 2)):
        for p, period in enumerate(periods):
            for bound in period.channel_bounds:
                limit = bound[pos]
                if (pos == 1 and limit <= 0) or (pos == 2 and not np.isfinite(limit)):
                    continue
                i = index[bound[0]]
                sel = tier & (cp == p) & (cc == i)
                sign = -1.0 if pos == 1 else 1.0
                rows.add_row(kind, cols[sel], np.full(int(sel.sum()), sign), sign * limit,
                             limit, channel=i, period=p)

    # per-channel CLV:CPA floors: sum_j x_j (floor * spend_j - value_j) <= 0
    floors = np.array([np.nan if scenario.floor_of(c) is None else scenario.floor_of(c)
                       for c in chans], dtype=float)
    has_floor = ~np.isnan(floors)
    if has_floor.any():
        idx = np.flatnonzero(has_floor)
        local = np.full(n, -1)
        local[idx] = np.arange(idx.size)
        sel = has_floor[cc] & spends
        rows.add_block(RowKind.FLOOR, local[cc[sel]], cols[sel],
                       floors[cc[sel]] * sw[sel] - vpd[sel],
                       np.zeros(idx.size), floors[idx], channel=idx)

    if cons.min_blended_clv_to_cpa is not None:
        f = cons.min_blended_clv_to_cpa
        rows.add_block(RowKind.BLENDED_FLOOR, np.zeros(int(spends.sum()), dtype=np.int64),
                       cols[spends], f * sw[spends] - vpd[spends], np.zeros(1), np.array([f]))

    # sales capacity: the whole horizon, or per period ((limit / n) * capacity multiplier)
    for kind, cap, per_dollar in (
        (RowKind.MAX_LEADS, cons.max_leads, lambda: lpd),
        (RowKind.MAX_SQLS, cons.max_sqls,
         lambda: lpd * np.array([c.lead_to_sql or 0.0 for c in chans])[cc]),
        (RowKind.MAX_CUSTOMERS, cons.max_customers, lambda: cpd),
    ):
        if cap is None:
            continue
        coef = per_dollar()
        if not periods:
            rows.add_block(kind, np.zeros(n_tier, dtype=np.int64), cols[tier], coef[tier],
                           np.array([cap]), np.array([cap]))
            continue
        for p, period in enumerate(periods):
            sel = tier & (cp == p)
            limit = cap / P * period.capacity_multiplier
            rows.add_row(kind, cols[sel], coef[sel], limit, limit, period=p)

    # channel-group shares of total spend
    for g, group in enumerate(cons.groups):
        member = np.zeros(n, dtype=bool)
        member[[index[name] for name in group.channels]] = True
        in_group = member[cc].astype(float)
        if group.min_share is not None:  # share*T - S_G <= 0
            rows.add_block(RowKind.GROUP_MIN, np.zeros(int(spends.sum()), dtype=np.int64),
                           cols[spends], ((group.min_share - in_group) * sw)[spends],
                           np.zeros(1), np.array([group.min_share]), group=np.array([g]))
        if group.max_share is not None:  # S_G - share*T <= 0
            rows.add_block(RowKind.GROUP_MAX, np.zeros(int(spends.sum()), dtype=np.int64),
                           cols[spends], ((in_group - group.max_share) * sw)[spends],
                           np.zeros(1), np.array([group.max_share]), group=np.array([g]))

    # pacing between consecutive periods and per-period share of the total
    if periods and cons.max_period_change is not None:
        up, down = 1.0 + cons.max_period_change, max(0.0, 1.0 - cons.max_period_change)
        for p in range(1, P):
            for i in range(n):
                now = cols[tier & (cp == p) & (cc == i)]
                before = cols[tier & (cp == p - 1) & (cc == i)]
                both = np.r_[now, before]
                rows.add_row(RowKind.PACING_UP, both,
                             np.r_[np.ones(now.size), np.full(before.size, -up)], 0.0,
                             cons.max_period_change, channel=i, period=p)
                rows.add_row(RowKind.PACING_DOWN, both,
                             np.r_[-np.ones(now.size), np.full(before.size, down)], 0.0,
                             cons.max_period_change, channel=i, period=p)
    if periods and cons.max_period_share is not None:
        y = cons.max_period_share
        for p in range(P):
            coef = (tier & (cp == p)).astype(float) - y * sw
            rows.add_row(RowKind.PERIOD_SHARE, cols, coef, 0.0, y, period=p)

    # mixed-integer links: spend only when active, minimum buys, whole units, active count
    for i, ch in enumerate(chans):
        media = cols[tier & (cc == i)]
        ones = np.ones(media.size)
        if active_of[i] >= 0:
            rows.add_row(RowKind.ACTIVE, np.r_[media, active_of[i]], np.r_[ones, -big_m[i]],
                         0.0, big_m[i], channel=i)
            if ch.effective_min_buy > 0:
                rows.add_row(RowKind.MIN_BUY, np.r_[media, active_of[i]],
                             np.r_[-ones, ch.effective_min_buy], 0.0, ch.effective_min_buy,
                             channel=i, sources=["min_buy" if ch.min_buy >= ch.effective_min_buy
                                                 else "response curve"])
        if units_of[i] >= 0:
            rows.add_row(RowKind.UNITS, np.r_[media, units_of[i]], np.r_[ones, -ch.unit],
                         0.0, float(ch.unit), channel=i, eq=True)
    if max_active is not None:
        act = active_of[active_of >= 0]
        rows.add_row(RowKind.MAX_ACTIVE, act, np.ones(act.size), float(max_active),
                     float(max_active))

    # objective
    objective = scenario.objective
    per_unit = {"customers": cpd, "leads": lpd, "value": vpd}
    if objective == "min_spend":
        if scenario.target is None:
            raise ValueError("objective min_spend needs a target")
        metric, amount = scenario.target
        coef = per_unit[metric]
        rows.add_row(RowKind.TARGET, cols, -coef, -amount, amount, sources=[metric])
        c = -sw
    elif objective == "net_value":
        c = vpd - sw
    else:
        c = per_unit[objective].copy()

    A = sp.csr_matrix((np.concatenate(rows.vals), (np.concatenate(rows.rows),
                                                  np.concatenate(rows.cols))),
                      shape=(rows.count, m))
    A.eliminate_zeros()
    # Floor rows carry value-per-dollar coefficients whose size follows CLV / CPL (1e-8 with a
    # $1 CLV): scale each to a largest coefficient of 1 so solver tolerances mean the same.
    scale = np.ones(rows.count)
    floor_rows = np.flatnonzero([k in (RowKind.FLOOR, RowKind.BLENDED_FLOOR, RowKind.TARGET)
                                 for k in rows.kind])
    if floor_rows.size:
        biggest = np.asarray(abs(A[floor_rows]).max(axis=1).todense()).ravel()
        usable = biggest > 1e-12  # below that the row is noise: leave it as stated
        scale[floor_rows] = np.where(usable, 1.0 / np.where(usable, biggest, 1.0), 1.0)
        A = (sp.diags(scale) @ A).tocsr()
    b = np.concatenate(rows.b) * scale
    integrality = np.array([k is not ColKind.TIER for k in kinds], dtype=np.int8)
    return LinearProgram(
        c=c, A=A, b=b, is_eq=np.concatenate(rows.eq),
        lb=np.asarray(lbs), ub=ub, col_channel=cc, col_tier=np.asarray(col_tier, dtype=np.int64),
        col_start=np.asarray(starts, dtype=float), col_cpl=cpl, col_value_per_dollar=vpd,
        col_customers_per_dollar=cpd, row_kind=tuple(rows.kind),
        row_channel=np.concatenate(rows.channel).astype(np.int64),
        row_group=np.concatenate(rows.group).astype(np.int64),
        row_limit=np.concatenate(rows.limit), row_source=tuple(rows.source), row_scale=scale,
        col_spend=sw, col_period=cp, col_kind=tuple(kinds), integrality=integrality,
        row_period=np.concatenate(rows.period).astype(np.int64), objective=objective,
        n_periods=P)


def _channel_rows(rows: _Rows, kind: RowKind, mask: np.ndarray, cc: np.ndarray,
                  weights: np.ndarray, b: np.ndarray, limit: np.ndarray,
                  sources: list[str]) -> None:
    """One row per channel in `mask`: sum over its columns of weights_j * x_j <= b."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return
    local = np.full(mask.size, -1)
    local[idx] = np.arange(idx.size)
    sel = mask[cc] & (weights != 0)
    rows.add_block(kind, local[cc[sel]], np.flatnonzero(sel), weights[sel],
                   b[idx], limit[idx], channel=idx, sources=[sources[i] for i in idx])


def channel_spend(lp: LinearProgram, x: np.ndarray, n_channels: int) -> np.ndarray:
    """Spend per channel: media spend over all periods plus fixed costs."""
    return np.bincount(lp.col_channel, weights=x * lp.col_spend, minlength=n_channels)


def period_sum(lp: LinearProgram, values: np.ndarray, n_channels: int) -> np.ndarray:
    """Per-column `values` of the spend columns summed per (period, channel), shape
    (n_periods, n_channels): media spend for x, leads for x / col_cpl."""
    tier = lp.is_tier
    flat = lp.col_period[tier] * n_channels + lp.col_channel[tier]
    return np.bincount(flat, weights=values[tier],
                       minlength=lp.n_periods * n_channels).reshape(lp.n_periods, n_channels)


def period_spend(lp: LinearProgram, x: np.ndarray, n_channels: int) -> np.ndarray:
    """Media spend per (period, channel), shape (n_periods, n_channels)."""
    return period_sum(lp, x, n_channels)


def fill_tiers(lp: LinearProgram, spend: np.ndarray, fixed_cost: np.ndarray | None = None,
               unit: np.ndarray | None = None) -> np.ndarray:
    """Column values for per-channel `spend` (the whole horizon, fixed costs included),
    spread evenly over the periods and filling each channel's cheapest tiers first.

    Spend beyond a channel's last tier is left out (the caller reports it). An active
    column is 1 where the channel spends; a units column holds media spend / unit, which
    is fractional when the spend is not whole units (a broken constraint to report).
    """
    n = spend.size
    fixed = np.zeros(n) if fixed_cost is None else fixed_cost
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
    """Channels whose spend sits in a dearer tier while a cheaper tier has room left.

    The LP only does this when spending more leads is harmful (a sales-capacity cap binds
    while spend is forced by min_spend, use_full_budget or a group share): it then models
    unwanted leads as not bought. Callers report it as a warning.
    """
    bad: set[int] = set()
    for j in range(1, lp.n_cols):
        if lp.col_tier[j] < 1 or lp.col_channel[j] != lp.col_channel[j - 1] or \
                lp.col_period[j] != lp.col_period[j - 1]:
            continue
        if x[j] > tol * max(1.0, lp.ub[j - 1]) and \
                x[j - 1] < lp.ub[j - 1] - tol * max(1.0, lp.ub[j - 1]) and \
                lp.col_cpl[j] > lp.col_cpl[j - 1]:
            bad.add(int(lp.col_channel[j]))
    return sorted(bad)
