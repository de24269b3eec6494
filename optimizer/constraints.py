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
from .lp import LinearProgram, RowKind, channel_spend
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
}
HOMOGENEOUS = {RowKind.FLOOR, RowKind.BLENDED_FLOOR, RowKind.GROUP_MIN, RowKind.GROUP_MAX}


def _row_spend(lp: LinearProgram, x: np.ndarray, n: int) -> tuple[np.ndarray, float]:
    spend = channel_spend(lp, x, n)
    return spend, float(spend.sum())


def activities(scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> np.ndarray:
    """Each row's value in the unit of its limit (spend, leads, ratio, share)."""
    n = len(scenario.channels)
    spend, total = _row_spend(lp, x, n)
    ax = lp.A @ x
    value_ch = np.bincount(lp.col_channel, weights=x * lp.col_value_per_dollar, minlength=n)
    out = np.empty(lp.n_rows)
    for r, kind in enumerate(lp.row_kind):
        ch = lp.row_channel[r]
        if kind is RowKind.MIN_SPEND:
            out[r] = -ax[r]
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
    for r, kind in enumerate(lp.row_kind):
        ch = lp.row_channel[r]
        if kind is RowKind.MIN_SPEND:
            shadow[r] = y[r]
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
            involved = spend[ch] if kind is RowKind.FLOOR else total
            tight = tight and (involved > 1e-6 or abs(y[r]) > 1e-9)
        binding[r] = bool(tight)
    shadow = np.where(np.abs(shadow) < 1e-9, 0.0, shadow)
    return pd.DataFrame({
        "constraint": [lp.row_name(r, names_c, names_g) for r in range(lp.n_rows)],
        "kind": [str(k) for k in lp.row_kind],
        # object dtype keeps None for "no channel" (a string dtype would make it NaN)
        "channel": pd.Series([names_c[c] if c >= 0 else None for c in lp.row_channel],
                             dtype=object),
        "group": pd.Series([names_g[g] if g >= 0 else None for g in lp.row_group], dtype=object),
        "source": list(lp.row_source),
        "sense": ["==" if e else (">=" if k in (RowKind.MIN_SPEND, RowKind.FLOOR,
                                                RowKind.BLENDED_FLOOR, RowKind.GROUP_MIN)
                                  else "<=") for e, k in zip(lp.is_eq, lp.row_kind)],
        "limit": lp.row_limit,
        "activity": act,
        "binding": binding,
        "shadow_price": shadow,
        "unit": [UNITS[k] for k in lp.row_kind],
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
    return str(kind)


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
    return f"{kind} is broken"


def current_violations(scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> tuple[str, ...]:
    """Plain-words list of the constraints that the plan `x` breaks."""
    broken = broken_rows(lp, x)
    if not broken.any():
        return ()
    act = activities(scenario, lp, x)
    return tuple(violation(scenario, lp, r, act[r]) for r in np.flatnonzero(broken))
