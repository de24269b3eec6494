"""Map LP rows back to the user's constraints: activity, slack, binding, shadow price.

The shadow price of a constraint is the change in optimal net value per unit increase of the
limit as the user wrote it (dollars of budget or spend, leads, SQLs, customers, 1.0 of a
CLV:CPA floor, 1.0 of a group share). Raising a budget or a cap helps (>= 0); raising a
minimum or a floor hurts (<= 0). Valid for small changes: the range over which it holds is
a sensitivity question (issue 3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import fmt
from .lp import OBJECTIVE_UNITS, LinearProgram, RowKind, channel_spend, period_spend
from .model import Scenario

UNITS = {
    RowKind.BUDGET: "per $1 of budget",
    RowKind.MIN_SPEND: "per $1 of minimum spend",
    RowKind.MAX_SPEND: "per $1 of maximum spend",
    RowKind.FLOOR: "per 1.0 of the CLV:CPA floor",
    RowKind.BLENDED_FLOOR: "per 1.0 of the blended CLV:CPA floor",
    RowKind.MAX_LEADS: "per lead of capacity",
    RowKind.MAX_SQLS: "per SQL of capacity",
    RowKind.MAX_CUSTOMERS: "per customer of capacity",
    RowKind.GROUP_MIN: "per 1.0 (100 points) of share",
    RowKind.GROUP_MAX: "per 1.0 (100 points) of share",
    RowKind.PERIOD_BUDGET: "per $1 of the period's budget",
    RowKind.PERIOD_MIN_SPEND: "per $1 of the period's minimum spend",
    RowKind.PERIOD_MAX_SPEND: "per $1 of the period's maximum spend",
    RowKind.PACING_UP: "per 1.0 (100 points) of allowed change between periods",
    RowKind.PACING_DOWN: "per 1.0 (100 points) of allowed change between periods",
    RowKind.PERIOD_SHARE: "per 1.0 (100 points) of period share",
    RowKind.ACTIVE: "none: links spend to the on/off choice",
    RowKind.MIN_BUY: "per $1 of minimum buy (while the channel stays on)",
    RowKind.UNITS: "none: whole units are an integer choice",
    RowKind.MAX_ACTIVE: "none: an integer limit (re-plan with one more or one fewer)",
    RowKind.TARGET: "per unit of the target",
}
HOMOGENEOUS = {RowKind.FLOOR, RowKind.BLENDED_FLOOR, RowKind.GROUP_MIN, RowKind.GROUP_MAX,
               RowKind.PACING_UP, RowKind.PACING_DOWN, RowKind.PERIOD_SHARE}
STRUCTURAL = {RowKind.ACTIVE, RowKind.UNITS, RowKind.MAX_ACTIVE}  # no shadow price
AT_LEAST = {RowKind.MIN_SPEND, RowKind.FLOOR, RowKind.BLENDED_FLOOR, RowKind.GROUP_MIN,
            RowKind.PERIOD_MIN_SPEND, RowKind.MIN_BUY, RowKind.TARGET}


def unit_of(lp: LinearProgram, kind: RowKind) -> str:
    """The shadow price's unit: objective units per unit of the limit (net value: dollars)."""
    text = UNITS[kind]
    if kind in STRUCTURAL or lp.objective == "net_value":
        return text
    return OBJECTIVE_UNITS[lp.objective] + text


def _row_spend(lp: LinearProgram, x: np.ndarray, n: int) -> tuple[np.ndarray, float]:
    spend = channel_spend(lp, x, n)
    return spend, float(spend.sum())


def activities(scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> np.ndarray:
    """Each row's value in the unit of its limit (spend, leads, ratio, share)."""
    n = len(scenario.channels)
    spend, total = _row_spend(lp, x, n)
    ax = lp.A @ x
    value_ch = np.bincount(lp.col_channel, weights=x * lp.col_value_per_dollar, minlength=n)
    per_period = period_spend(lp, x, n)
    out = np.empty(lp.n_rows)
    for r, kind in enumerate(lp.row_kind):
        ch, p = lp.row_channel[r], lp.row_period[r]
        if kind in (RowKind.MIN_SPEND, RowKind.PERIOD_MIN_SPEND, RowKind.MIN_BUY):
            out[r] = -ax[r] if kind is not RowKind.MIN_BUY else spend[ch]
        elif kind is RowKind.TARGET:
            out[r] = -ax[r] / lp.row_scale[r]
        elif kind in (RowKind.PACING_UP, RowKind.PACING_DOWN):
            before, now = per_period[p - 1, ch], per_period[p, ch]
            change = now / before - 1.0 if before > 1e-9 else (0.0 if now <= 1e-9 else np.inf)
            out[r] = change if kind is RowKind.PACING_UP else -change
        elif kind is RowKind.PERIOD_SHARE:
            out[r] = per_period[p].sum() / total if total > 1e-9 else np.nan
        elif kind is RowKind.FLOOR:
            out[r] = value_ch[ch] / spend[ch] if spend[ch] > 1e-9 else np.nan
        elif kind is RowKind.BLENDED_FLOOR:
            out[r] = value_ch.sum() / total if total > 1e-9 else np.nan
        elif kind in (RowKind.GROUP_MIN, RowKind.GROUP_MAX):
            members = set(scenario.constraints.groups[lp.row_group[r]].channels)
            in_group = sum(spend[i] for i, c in enumerate(scenario.channels) if c.name in members)
            out[r] = in_group / total if total > 1e-9 else np.nan
        else:
            out[r] = ax[r]
    return out


def broken_rows(lp: LinearProgram, x: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Mask of rows that `x` violates (relative tolerance)."""
    ax = lp.A @ x
    scale = 1.0 + np.abs(lp.b) + abs(lp.A) @ np.abs(x) * 1e-3
    excess = np.where(lp.is_eq, np.abs(ax - lp.b), ax - lp.b)
    return excess > tol * scale


def constraint_table(scenario: Scenario, lp: LinearProgram, x: np.ndarray,
                     duals: np.ndarray | None, tol: float = 1e-7) -> pd.DataFrame:
    """One row per constraint: limit, activity, slack, binding, shadow price."""
    n = len(scenario.channels)
    names_c = scenario.channel_names
    names_g = scenario.group_names
    spend, total = _row_spend(lp, x, n)
    ax = lp.A @ x
    slack_le = lp.b - ax
    act = activities(scenario, lp, x)
    y = duals * lp.row_scale if duals is not None else np.full(lp.n_rows, np.nan)
    shadow = np.empty(lp.n_rows)
    binding = np.zeros(lp.n_rows, dtype=bool)
    row_scale = abs(lp.A) @ np.abs(x)
    per_period = period_spend(lp, x, n)
    active = {int(lp.col_channel[j]): x[j] for j in range(lp.n_cols)
              if lp.col_kind[j] == "active"}
    for r, kind in enumerate(lp.row_kind):
        ch = lp.row_channel[r]
        if kind in STRUCTURAL:
            shadow[r] = np.nan
        elif kind in (RowKind.MIN_SPEND, RowKind.PERIOD_MIN_SPEND, RowKind.TARGET):
            shadow[r] = y[r]
        elif kind is RowKind.MIN_BUY:
            shadow[r] = y[r] * active.get(int(ch), 0.0)
        elif kind in (RowKind.PACING_UP, RowKind.PACING_DOWN):
            shadow[r] = -y[r] * per_period[lp.row_period[r] - 1, ch]
        elif kind is RowKind.PERIOD_SHARE:
            shadow[r] = -y[r] * total
        elif kind is RowKind.FLOOR:
            shadow[r] = y[r] * spend[ch]
        elif kind in (RowKind.BLENDED_FLOOR, RowKind.GROUP_MIN):
            shadow[r] = y[r] * total
        elif kind is RowKind.GROUP_MAX:
            shadow[r] = -y[r] * total
        else:
            shadow[r] = -y[r]
        tight = lp.is_eq[r] or abs(slack_le[r]) <= tol * (1.0 + abs(lp.b[r]) + row_scale[r])
        if kind in HOMOGENEOUS:
            involved = spend[ch] if kind is RowKind.FLOOR else (
                per_period[lp.row_period[r] - 1, ch]
                if kind in (RowKind.PACING_UP, RowKind.PACING_DOWN) else total)
            tight = tight and (involved > 1e-6 or abs(y[r]) > 1e-9)
        if kind in (RowKind.ACTIVE, RowKind.UNITS):
            tight = False  # definitions of the integer choices, not limits a plan runs into
        elif kind is RowKind.MIN_BUY:
            tight = tight and active.get(int(ch), 0.0) > 0.5  # only a channel that is on
        binding[r] = bool(tight)
    shadow = np.where(np.abs(shadow) < 1e-9, 0.0, shadow)
    names_p = tuple(p.name for p in scenario.periods)
    return pd.DataFrame({
        "constraint": [lp.row_name(r, names_c, names_g, names_p) for r in range(lp.n_rows)],
        "kind": [str(k) for k in lp.row_kind],
        # object dtype keeps None for "no channel" (a string dtype would make it NaN)
        "channel": pd.Series([names_c[c] if c >= 0 else None for c in lp.row_channel],
                             dtype=object),
        "group": pd.Series([names_g[g] if g >= 0 else None for g in lp.row_group], dtype=object),
        "source": list(lp.row_source),
        "sense": ["==" if e else (">=" if k in AT_LEAST else "<=")
                  for e, k in zip(lp.is_eq, lp.row_kind)],
        "limit": lp.row_limit,
        "activity": act,
        "binding": binding,
        "shadow_price": shadow,
        "unit": [unit_of(lp, k) for k in lp.row_kind],
        **({"period": pd.Series([names_p[p] if p >= 0 else None for p in lp.row_period],
                                dtype=object)} if names_p else {}),
    })


def describe(scenario: Scenario, lp: LinearProgram, r: int) -> str:
    """A constraint in plain words, for conflict explanations."""
    cur = scenario.currency
    kind, limit, source = lp.row_kind[r], lp.row_limit[r], lp.row_source[r]
    ch = scenario.channels[lp.row_channel[r]] if lp.row_channel[r] >= 0 else None
    group = scenario.constraints.groups[lp.row_group[r]] if lp.row_group[r] >= 0 else None
    if kind is RowKind.BUDGET:
        if lp.is_eq[r]:
            return f"use_full_budget: total spend must equal the {fmt.money(limit, cur)} budget"
        return f"total spend may not exceed the {fmt.money(limit, cur)} budget"
    if kind is RowKind.MIN_SPEND and ch is not None:
        return f"{ch.name} must spend at least {fmt.money(limit, cur)} ({_source(scenario, ch, source, 'below')})"
    if kind is RowKind.MAX_SPEND and ch is not None:
        return f"{ch.name} may spend at most {fmt.money(limit, cur)} ({_source(scenario, ch, source, 'above')})"
    if kind is RowKind.FLOOR and ch is not None:
        best = ch.lead_to_close * ch.clv / ch.cpl
        return (f"{ch.name} must keep CLV:CPA at or above {fmt.plain(limit)} "
                f"(its best, at the first dollar, is {fmt.ratio(best)})")
    if kind is RowKind.BLENDED_FLOOR:
        return f"blended CLV:CPA must be at least {fmt.plain(limit)} (min_blended_clv_to_cpa)"
    if kind is RowKind.MAX_LEADS:
        return f"at most {fmt.num(limit)} leads in total (max_leads)"
    if kind is RowKind.MAX_SQLS:
        return f"at most {fmt.num(limit)} SQLs in total (max_sqls)"
    if kind is RowKind.MAX_CUSTOMERS:
        return f"at most {fmt.num(limit)} customers in total (max_customers)"
    if kind is RowKind.GROUP_MIN and group is not None:
        return f"group {group.name} must take at least {fmt.pct(limit)} of total spend (min_share)"
    if kind is RowKind.GROUP_MAX and group is not None:
        return f"group {group.name} may take at most {fmt.pct(limit)} of total spend (max_share)"
    period = _period(scenario, lp, r)
    name = ch.name if ch is not None else ""
    if kind is RowKind.PERIOD_BUDGET:
        return f"spend in {period} may not exceed its {fmt.money(limit, cur)} budget"
    if kind is RowKind.PERIOD_MIN_SPEND:
        return f"{name} must spend at least {fmt.money(limit, cur)} in {period}"
    if kind is RowKind.PERIOD_MAX_SPEND:
        return f"{name} may spend at most {fmt.money(limit, cur)} in {period}"
    if kind in (RowKind.PACING_UP, RowKind.PACING_DOWN):
        way = "rise" if kind is RowKind.PACING_UP else "fall"
        return (f"{name}'s spend may {way} at most {fmt.pct(limit, 0)} from the period before "
                f"{period} (max_period_change)")
    if kind is RowKind.PERIOD_SHARE:
        return f"{period} may take at most {fmt.pct(limit)} of total spend (max_period_share)"
    if kind is RowKind.ACTIVE:
        return f"{name} spends only if it is switched on"
    if kind is RowKind.MIN_BUY:
        return (f"{name} spends either $0 or at least {fmt.money(limit, cur)} "
                f"({lp.row_source[r]})")
    if kind is RowKind.UNITS and ch is not None:
        return f"{name} is bought in whole units of {fmt.money(limit, cur)}"
    if kind is RowKind.MAX_ACTIVE:
        return f"at most {fmt.num(limit)} channels may be used (max_active_channels)"
    if kind is RowKind.TARGET:
        amount = fmt.money(limit, cur) if lp.row_source[r] == "value" else fmt.num(limit)
        return f"the plan must reach {amount} {lp.row_source[r]} (target)"
    return str(kind)


def _period(scenario: Scenario, lp: LinearProgram, r: int) -> str:
    p = lp.row_period[r]
    return scenario.periods[p].name if 0 <= p < len(scenario.periods) else "the period"


def _source(scenario: Scenario, ch, source: str, direction: str) -> str:
    if source == "max_change":
        change = scenario.max_change_of(ch)
        return (f"max_change: at most {fmt.pct(change, 0)} {direction} its current "
                f"{fmt.money(ch.current_spend, scenario.currency)}")
    if source == "tiers":
        return "where its last tier ends"
    return source


def violation(scenario: Scenario, lp: LinearProgram, r: int, activity: float) -> str:
    """How a plan breaks row r, in plain words (used for the current plan)."""
    cur = scenario.currency
    kind, limit = lp.row_kind[r], lp.row_limit[r]
    ch = scenario.channels[lp.row_channel[r]] if lp.row_channel[r] >= 0 else None
    group = scenario.constraints.groups[lp.row_group[r]] if lp.row_group[r] >= 0 else None
    name = ch.name if ch is not None else ""
    if kind is RowKind.BUDGET:
        if lp.is_eq[r]:
            return (f"spend totals {fmt.money(activity, cur)} but use_full_budget requires "
                    f"exactly {fmt.money(limit, cur)}")
        return f"spend totals {fmt.money(activity, cur)}, above the {fmt.money(limit, cur)} budget"
    if kind is RowKind.MIN_SPEND:
        return f"{name} spends {fmt.money(activity, cur)}, below its minimum of {fmt.money(limit, cur)} ({lp.row_source[r]})"
    if kind is RowKind.MAX_SPEND:
        return f"{name} spends {fmt.money(activity, cur)}, above its maximum of {fmt.money(limit, cur)} ({_source(scenario, ch, lp.row_source[r], 'above')})"
    if kind is RowKind.FLOOR:
        return f"{name} has CLV:CPA {fmt.ratio(activity)}, below the {fmt.plain(limit)} floor"
    if kind is RowKind.BLENDED_FLOOR:
        return f"blended CLV:CPA is {fmt.ratio(activity)}, below the {fmt.plain(limit)} floor"
    if kind in (RowKind.MAX_LEADS, RowKind.MAX_SQLS, RowKind.MAX_CUSTOMERS):
        what = {RowKind.MAX_LEADS: "leads", RowKind.MAX_SQLS: "SQLs",
                RowKind.MAX_CUSTOMERS: "customers"}[kind]
        return f"brings {fmt.num(activity)} {what}, above {kind} of {fmt.num(limit)}"
    if kind is RowKind.GROUP_MIN and group is not None:
        return f"group {group.name} takes {fmt.pct(activity)} of spend, below its min_share {fmt.pct(limit)}"
    if kind is RowKind.GROUP_MAX and group is not None:
        return f"group {group.name} takes {fmt.pct(activity)} of spend, above its max_share {fmt.pct(limit)}"
    period = _period(scenario, lp, r)
    if kind is RowKind.PERIOD_BUDGET:
        return f"spend in {period} is above its {fmt.money(limit, cur)} budget"
    if kind is RowKind.PERIOD_MIN_SPEND:
        return f"{name} spends {fmt.money(activity, cur)} in {period}, below its minimum of {fmt.money(limit, cur)}"
    if kind is RowKind.PERIOD_MAX_SPEND:
        return f"{name} spends {fmt.money(activity, cur)} in {period}, above its maximum of {fmt.money(limit, cur)}"
    if kind is RowKind.MIN_BUY:
        return f"{name} spends {fmt.money(activity, cur)}, below its minimum buy of {fmt.money(limit, cur)}"
    if kind is RowKind.UNITS:
        return f"{name}'s spend is not a whole number of {fmt.money(limit, cur)} units"
    if kind is RowKind.MAX_ACTIVE:
        return f"uses {fmt.num(activity)} channels, above max_active_channels {fmt.num(limit)}"
    return f"{describe(scenario, lp, r)}: broken"


def current_violations(scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> tuple[str, ...]:
    """Plain-words list of the constraints that the plan `x` breaks."""
    broken = broken_rows(lp, x)
    if not broken.any():
        return ()
    act = activities(scenario, lp, x)
    return tuple(violation(scenario, lp, r, act[r]) for r in np.flatnonzero(broken))
