"""One function per constraint family; `FAMILIES` lists them in the order rows are written.

Each function reads the scenario and the columns (`Columns`) and writes its rows with their
kind, limit (as the user wrote it) and source. What a kind means (units, shadow-price sign,
wording, repairs) is in `lp/kinds.py`, nowhere here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .columns import Columns
from .kinds import RowKind
from .rows import RowWriter


def budget(cols: Columns, rows: RowWriter) -> None:
    """Total spend (media plus fixed costs) within the budget, and each period's budget."""
    sc = cols.scenario
    spends = cols.spends
    rows.block(RowKind.BUDGET, np.zeros(int(spends.sum()), dtype=np.int64),
               np.flatnonzero(spends), cols.spend[spends], np.array([sc.budget]),
               np.array([sc.budget]), eq=sc.use_full_budget,
               sources=["use_full_budget" if sc.use_full_budget else "budget"])
    for p, period in enumerate(sc.periods):
        if period.budget is not None:
            sel = np.flatnonzero(cols.in_period(p))
            rows.row(RowKind.PERIOD_BUDGET, sel, np.ones(sel.size), period.budget,
                     period.budget, period=p)


def spend_bounds(cols: Columns, rows: RowWriter) -> None:
    """Each channel's spend between its effective bounds (min_spend / max_change below,
    max_spend / max_change / the end of its tiers above)."""
    lower = np.array([b[0] for b in cols.bounds])
    upper = np.array([b[2] for b in cols.bounds])
    rows.per_channel(RowKind.MIN_SPEND, lower > 0, cols.channel, -cols.spend, -lower, lower,
                     [b[1] for b in cols.bounds])
    capped = np.isfinite(upper)
    positions = rows.per_channel(RowKind.MAX_SPEND, capped, cols.channel, cols.spend, upper,
                                 upper, [b[3] for b in cols.bounds])
    # where the bound is the end of the tiers, extending it widens the last tier too
    for row, i in zip(positions, np.flatnonzero(capped), strict=True):
        if cols.bounds[i][3] == "tiers":
            last = cols.last_tiers(int(i))
            rows.link(np.full(last.size, row), last, np.full(last.size, 1.0 / cols.scenario.n_periods))


def period_bounds(cols: Columns, rows: RowWriter) -> None:
    """Per-channel spend bounds inside one period (`periods[].channels`)."""
    sc = cols.scenario
    index = {c.name: i for i, c in enumerate(sc.channels)}
    for kind, minimum, sign in ((RowKind.PERIOD_MIN_SPEND, True, -1.0),
                                (RowKind.PERIOD_MAX_SPEND, False, 1.0)):
        for p, period in enumerate(sc.periods):
            for name, low, high in period.channel_bounds:
                limit = low if minimum else high
                if (minimum and limit <= 0) or (not minimum and not np.isfinite(limit)):
                    continue
                i = index[name]
                sel = cols.of_channel(i, p)
                rows.row(kind, sel, np.full(sel.size, sign), sign * limit, limit, channel=i,
                         period=p)


FLOOR_TOLERANCE = 1e-10  # relative: a ratio this close to its floor is at the floor


def _margin(floor_cost: np.ndarray, value: np.ndarray) -> np.ndarray:
    """floor x spend - value per column, 0 where the two agree to FLOOR_TOLERANCE of their
    size: a channel whose CLV:CPA equals the floor (152,732.57 against 152,732.56999999998
    in floating point) passes it, whatever the floor's size (the row is scaled later, and
    scaling rounding noise up would exclude the channel)."""
    margin = floor_cost - value
    noise = FLOOR_TOLERANCE * np.maximum(np.abs(floor_cost), np.abs(value))
    return np.where(np.abs(margin) <= noise, 0.0, margin)


def floors(cols: Columns, rows: RowWriter) -> None:
    """Per-channel CLV:CPA floors: sum_j x_j (floor * spend_j - value_j) <= 0, and the
    blended floor over every channel."""
    sc = cols.scenario
    value = np.where(cols.is_tier, cols.value, 0.0)
    own = np.array([np.nan if sc.floor_of(c) is None else sc.floor_of(c)
                    for c in sc.channels], dtype=float)
    has = ~np.isnan(own)
    if has.any():
        idx = np.flatnonzero(has)
        local = np.full(cols.n, -1)
        local[idx] = np.arange(idx.size)
        sel = has[cols.channel] & cols.spends
        rows.block(RowKind.FLOOR, local[cols.channel[sel]], np.flatnonzero(sel),
                   _margin(own[cols.channel[sel]] * cols.spend[sel], value[sel]),
                   np.zeros(idx.size), own[idx], channel=idx)
    blended = sc.constraints.min_blended_clv_to_cpa
    if blended is not None:
        spends = cols.spends
        rows.block(RowKind.BLENDED_FLOOR, np.zeros(int(spends.sum()), dtype=np.int64),
                   np.flatnonzero(spends), _margin(blended * cols.spend[spends], value[spends]),
                   np.zeros(1), np.array([blended]))


def capacities(cols: Columns, rows: RowWriter) -> None:
    """Sales capacity over the whole horizon, or per period as (limit / n) x multiplier."""
    sc = cols.scenario
    cons = sc.constraints
    tier = cols.is_tier
    if sc.pipeline or any(c.has_timing for c in sc.channels):
        return _timed_capacities(cols, rows)
    for kind, cap, per_dollar in ((RowKind.MAX_LEADS, cons.max_leads, lambda: cols.leads),
                                  (RowKind.MAX_SQLS, cons.max_sqls, lambda: cols.sqls),
                                  (RowKind.MAX_CUSTOMERS, cons.max_customers,
                                   lambda: cols.customers)):
        if cap is None:
            continue
        coef = per_dollar()
        if not sc.periods:
            rows.block(kind, np.zeros(int(tier.sum()), dtype=np.int64), np.flatnonzero(tier),
                       coef[tier], np.array([cap]), np.array([cap]))
            continue
        for p, period in enumerate(sc.periods):
            sel = np.flatnonzero(cols.in_period(p))
            limit = cap / sc.n_periods * period.capacity_multiplier
            rows.row(kind, sel, coef[sel], limit, limit, period=p)


def _timed_capacities(cols: Columns, rows: RowWriter) -> None:
    """Capacity per period s for what arrives (leads, SQLs: carry-over) or closes
    (customers: carry-over and close lag) in s, the pipeline's arrivals included (moved to
    the right-hand side, kept as the row's offset)."""
    from .timing import arrivals, kernel_matrix, pipeline

    sc = cols.scenario
    cons = sc.constraints
    tier = np.flatnonzero(cols.is_tier)
    ch, per = cols.channel[tier], cols.period[tier]
    flow = pipeline(sc)
    for kind, cap, per_dollar, which, before in (
            (RowKind.MAX_LEADS, cons.max_leads, cols.leads, "carryover", flow.leads),
            (RowKind.MAX_SQLS, cons.max_sqls, cols.sqls, "carryover", flow.sqls),
            (RowKind.MAX_CUSTOMERS, cons.max_customers, cols.eventual_customers, "timing",
             flow.customers)):
        if cap is None:
            continue
        kernel = kernel_matrix(sc.channels, which)  # once per capacity, not per period
        for s in range(sc.n_periods):
            mult = sc.periods[s].capacity_multiplier if sc.periods else 1.0
            limit = cap / sc.n_periods * mult
            coef = per_dollar[tier] * arrivals(kernel, ch, per, s)
            already = float(before[:, s].sum())
            rows.row(kind, tier, coef, limit - already, limit, period=s if sc.periods else -1)
            rows.offset(already)


def paybacks(cols: Columns, rows: RowWriter) -> None:
    """CAC payback: spend <= P x monthly_margin x customers, per channel with a margin and a
    limit (its own or the scenario's), and for the portfolio (every channel's spend against
    the margins of those that have one)."""
    sc = cols.scenario
    limits = np.array([np.nan if sc.payback_limit_of(c) is None else sc.payback_limit_of(c)
                       for c in sc.channels], dtype=float)
    spends = cols.spends
    has = ~np.isnan(limits)
    if has.any():
        idx = np.flatnonzero(has)
        local = np.full(cols.n, -1)
        local[idx] = np.arange(idx.size)
        sel = has[cols.channel] & spends
        coef = cols.spend[sel] - limits[cols.channel[sel]] * cols.margin_customers[sel]
        rows.block(RowKind.PAYBACK, local[cols.channel[sel]], np.flatnonzero(sel), coef,
                   np.zeros(idx.size), limits[idx], channel=idx)
    blended = sc.constraints.max_blended_payback_months
    if blended is not None:
        coef = cols.spend[spends] - blended * cols.margin_customers[spends]
        rows.block(RowKind.BLENDED_PAYBACK, np.zeros(int(spends.sum()), dtype=np.int64),
                   np.flatnonzero(spends), coef, np.zeros(1), np.array([blended]))


def group_shares(cols: Columns, rows: RowWriter) -> None:
    """Channel groups' shares of total spend: share*T - S_G <= 0 and S_G - share*T <= 0."""
    sc = cols.scenario
    index = {c.name: i for i, c in enumerate(sc.channels)}
    spends = cols.spends
    positions = np.flatnonzero(spends)
    for g, group in enumerate(sc.constraints.groups):
        member = np.zeros(cols.n, dtype=bool)
        member[[index[name] for name in group.channels]] = True
        in_group = member[cols.channel].astype(float)
        for kind, share, sign in ((RowKind.GROUP_MIN, group.min_share, 1.0),
                                  (RowKind.GROUP_MAX, group.max_share, -1.0)):
            if share is None:
                continue
            coef = sign * (share - in_group) * cols.spend
            rows.block(kind, np.zeros(positions.size, dtype=np.int64), positions,
                       coef[spends], np.zeros(1), np.array([share]), group=np.array([g]))


def pacing(cols: Columns, rows: RowWriter) -> None:
    """Spend of each channel may move at most max_period_change between periods: for
    period p >= 1 and channel i, an up row (S_ip - (1 + change) S_i,p-1 <= 0) then a down
    row ((1 - change) S_i,p-1 - S_ip <= 0), period by period, channel by channel."""
    sc = cols.scenario
    change = sc.constraints.max_period_change
    if not sc.periods or change is None:
        return
    up, down = 1.0 + change, max(0.0, 1.0 - change)
    n, P = cols.n, sc.n_periods
    tier = np.flatnonzero(cols.is_tier)
    ch, p = cols.channel[tier], cols.period[tier]
    now, before = p >= 1, p <= P - 2  # a column is "now" in its period, "before" in the next
    first_up = np.r_[2 * ((p[now] - 1) * n + ch[now]), 2 * (p[before] * n + ch[before])]
    at = np.r_[tier[now], tier[before]]
    count = int(now.sum())
    up_vals = np.r_[np.ones(count), np.full(at.size - count, -up)]
    down_vals = np.r_[-np.ones(count), np.full(at.size - count, down)]
    local = np.r_[first_up, first_up + 1]
    vals = np.r_[up_vals, down_vals]
    keep = vals != 0
    m = 2 * n * (P - 1)
    periods = np.repeat(np.arange(1, P), 2 * n)
    channels = np.tile(np.repeat(np.arange(n), 2), P - 1)
    kinds = [RowKind.PACING_UP, RowKind.PACING_DOWN] * (n * (P - 1))
    rows.block(RowKind.PACING_UP, local[keep], np.r_[at, at][keep], vals[keep], np.zeros(m),
               np.full(m, change), channel=channels, period=periods, kinds=kinds)


def period_shares(cols: Columns, rows: RowWriter) -> None:
    """No period takes more than max_period_share of total spend (fixed costs included)."""
    sc = cols.scenario
    y = sc.constraints.max_period_share
    if not sc.periods or y is None:
        return
    everything = np.arange(cols.m)
    for p in range(sc.n_periods):
        coef = cols.in_period(p).astype(float) - y * cols.spend
        rows.row(RowKind.PERIOD_SHARE, everything, coef, 0.0, y, period=p)


def integer_links(cols: Columns, rows: RowWriter) -> None:
    """Spend only when active, minimum buys, whole units, and the number of active channels."""
    sc = cols.scenario
    for i in (int(k) for k in np.flatnonzero((cols.active_of >= 0) | (cols.units_of >= 0))):
        ch = sc.channels[i]
        media = cols.of_channel(i)
        ones = np.ones(media.size)
        act = cols.active_of[i]
        if act >= 0:
            big = cols.big_m[i]
            rows.row(RowKind.ACTIVE, np.r_[media, act], np.r_[ones, -big], 0.0, big, channel=i)
            if ch.effective_min_buy > 0:
                source = "min_buy" if ch.min_buy >= ch.effective_min_buy else "response curve"
                rows.row(RowKind.MIN_BUY, np.r_[media, act], np.r_[-ones, ch.effective_min_buy],
                         0.0, ch.effective_min_buy, channel=i, source=source)
        if cols.units_of[i] >= 0 and ch.unit is not None:
            rows.row(RowKind.UNITS, np.r_[media, cols.units_of[i]], np.r_[ones, -ch.unit], 0.0,
                     float(ch.unit), channel=i, eq=True)
    limit = sc.constraints.max_active_channels
    if limit is not None:
        act = cols.active_of[cols.active_of >= 0]
        rows.row(RowKind.MAX_ACTIVE, act, np.ones(act.size), float(limit), float(limit))


def channel_shares(cols: Columns, rows: RowWriter) -> None:
    """No channel takes more than max_channel_share of total spend: S_i - share*T <= 0."""
    share = cols.scenario.constraints.max_channel_share
    if share is None:
        return
    positions = np.flatnonzero(cols.spends)
    coef = -share * cols.spend[positions]
    own = cols.channel[positions]
    for i in range(cols.n):
        rows.row(RowKind.CHANNEL_SHARE, positions, coef + (own == i) * cols.spend[positions],
                 0.0, share, channel=i)


FAMILIES: tuple[Callable[[Columns, RowWriter], None], ...] = (
    budget, spend_bounds, period_bounds, floors, capacities, group_shares, pacing,
    period_shares, integer_links, channel_shares, paybacks)
"""Every family, in the order rows are written (the target row of objective min_spend is
written last, with the objective: `lp/build.py`)."""
