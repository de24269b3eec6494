"""LP rows back as the user's constraints: activity, slack, binding, shadow price, words.

Everything kind-specific comes from the kinds table (`lp/kinds.py`): how a row's activity
is measured, how its dual becomes a shadow price per unit of the limit the user wrote, its
unit and sense, and its plain-words description and violation text.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import fmt
from ..lp.kinds import ROW_KINDS, ColKind, Measure, Price, RowKind, Scope, unit_of
from ..lp.program import LinearProgram, channel_spend, period_sum
from ..scenario.model import Channel, Scenario
from .tables import Table

CONSTRAINT_FIELDS = ("constraint", "kind", "channel", "group", "source", "sense", "limit",
                     "activity", "binding", "shadow_price", "unit", "label", "quantity")
SOURCE_WORDS = {"tiers": "end of its tiers"}


class _Sums:
    """Spend and value of a solution, computed once for every row."""

    def __init__(self, scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> None:
        n = len(scenario.channels)
        self.spend = channel_spend(lp, x)
        self.total = float(self.spend.sum())
        self.value = np.bincount(lp.col_channel, weights=x * lp.col_value_per_dollar,
                                 minlength=n)
        self.per_period = period_sum(lp, x)
        self.ax = lp.A @ x
        self.offset = lp.row_offset if lp.row_offset is not None else 0.0
        self.margin_customers = np.bincount(lp.col_channel, weights=x * lp.margin_customers,
                                            minlength=n)
        active = np.zeros(n)
        for j in np.flatnonzero([k is ColKind.ACTIVE for k in lp.col_kind]):
            active[lp.col_channel[j]] = x[j]
        self.active = active
        members = np.zeros((max(1, len(scenario.constraints.groups)), n), dtype=bool)
        index = {c.name: i for i, c in enumerate(scenario.channels)}
        for g, group in enumerate(scenario.constraints.groups):
            members[g, [index[name] for name in group.channels]] = True
        self.group_spend = members @ self.spend

    def previous(self, lp: LinearProgram) -> np.ndarray:
        """Per row: the spend of its channel in the period before (pacing rows), else 0."""
        p, ch = lp.row_period, lp.row_channel
        ok = (p >= 1) & (ch >= 0)
        out = np.zeros(lp.n_rows)
        out[ok] = self.per_period[p[ok] - 1, ch[ok]]
        return out


def _masks(lp: LinearProgram, attribute: str) -> dict[Any, np.ndarray]:
    values = [getattr(ROW_KINDS[k], attribute) for k in lp.row_kind]
    return {v: np.fromiter((w is v for w in values), bool, lp.n_rows) for v in set(values)}


def activities(scenario: Scenario, lp: LinearProgram, x: np.ndarray,
               sums: _Sums | None = None) -> np.ndarray:
    """Each row's value in the unit of its limit (spend, leads, ratio, share)."""
    s = sums or _Sums(scenario, lp, x)
    ch, p = np.maximum(lp.row_channel, 0), np.maximum(lp.row_period, 0)
    total = s.total
    with np.errstate(divide="ignore", invalid="ignore"):
        before = s.previous(lp)
        now = s.per_period[p, ch]
        change = np.where(before > 1e-9, now / np.where(before > 1e-9, before, 1.0) - 1.0,
                          np.where(now <= 1e-9, 0.0, np.inf))
        spend_ch = s.spend[ch]
        by_measure = {
            Measure.ROW: s.ax + s.offset,
            Measure.NEG_ROW: -s.ax,
            Measure.CHANNEL_SPEND: spend_ch,
            Measure.TARGET: -s.ax / lp.row_scale,
            Measure.CHANGE_UP: change,
            Measure.CHANGE_DOWN: -change,
            Measure.SHARE: _shares(lp, s, spend_ch, p),
            Measure.CHANNEL_RATIO: np.where(spend_ch > 1e-9, s.value[ch] /
                                            np.where(spend_ch > 1e-9, spend_ch, 1.0), np.nan),
            Measure.BLENDED_RATIO: np.full(lp.n_rows, s.value.sum() / total if total > 1e-9
                                           else np.nan),
            Measure.CHANNEL_PAYBACK: np.where(s.margin_customers[ch] > 1e-12, spend_ch /
                                              np.where(s.margin_customers[ch] > 1e-12,
                                                       s.margin_customers[ch], 1.0), np.nan),
            Measure.BLENDED_PAYBACK: np.full(lp.n_rows, total / s.margin_customers.sum()
                                             if s.margin_customers.sum() > 1e-12 else np.nan),
        }
    out = np.empty(lp.n_rows)
    for measure, mask in _masks(lp, "measure").items():
        out[mask] = by_measure[measure][mask]
    return out


def _shares(lp: LinearProgram, s: _Sums, spend_ch: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per row, the share of total spend of what it governs: its group's spend, else its
    channel's, else its period's media spend."""
    if s.total <= 1e-9:
        return np.full(lp.n_rows, np.nan)
    part = np.where(lp.row_group >= 0, s.group_spend[np.maximum(lp.row_group, 0)],
                    np.where(lp.row_channel >= 0, spend_ch, s.per_period[p].sum(axis=1)))
    return part / s.total


def shadow_prices(lp: LinearProgram, duals: np.ndarray | None, s: _Sums,
                  reduced: np.ndarray | None = None) -> np.ndarray:
    """d(objective) / d(limit as written) per row, from the duals of the stored rows, plus,
    for a limit that is also a column bound (the end of a channel's tiers), the reduced
    costs of those columns: a solver may put the price on either."""
    if duals is None:
        return np.full(lp.n_rows, np.nan)
    y = duals * lp.row_scale
    ch = np.maximum(lp.row_channel, 0)
    by_price = {
        Price.NONE: np.full(lp.n_rows, np.nan),
        Price.NEG: -y,
        Price.POS: y,
        Price.CHANNEL_SPEND: y * s.spend[ch],
        Price.TOTAL: y * s.total,
        Price.NEG_TOTAL: -y * s.total,
        Price.NEG_PREVIOUS: -y * s.previous(lp),
        Price.ACTIVE: y * s.active[ch],
        Price.NEG_MARGIN: -y * np.where(lp.row_channel >= 0, s.margin_customers[ch],
                                        s.margin_customers.sum()),
    }
    out = np.empty(lp.n_rows)
    for price, mask in _masks(lp, "price").items():
        out[mask] = by_price[price][mask]
    if reduced is not None and lp.bound_link is not None and lp.bound_link.nnz:
        out = out + lp.bound_link @ -reduced  # reduced costs: minimisation convention
    return np.where(np.abs(out) < 1e-9, 0.0, out)


def row_prices(scenario: Scenario, lp: LinearProgram, x: np.ndarray,
               duals: np.ndarray | None, reduced: np.ndarray | None = None) -> np.ndarray:
    """The constraint table's shadow_price column alone (what ranging asks of every
    re-solve, without the names and words of the whole table)."""
    return shadow_prices(lp, duals, _Sums(scenario, lp, x), reduced)


def binding_rows(lp: LinearProgram, x: np.ndarray, duals: np.ndarray | None, s: _Sums,
                 tol: float = 1e-7) -> np.ndarray:
    """Rows that hold with equality at the solution and limit it (see docs/model.md)."""
    y = duals * lp.row_scale if duals is not None else np.full(lp.n_rows, np.nan)
    slack = lp.b - s.ax
    size = abs(lp.A) @ np.abs(x)
    tight = lp.is_eq | (np.abs(slack) <= tol * (1.0 + np.abs(lp.b) + size))
    ch = np.maximum(lp.row_channel, 0)
    homogeneous = _masks(lp, "homogeneous").get(True, np.zeros(lp.n_rows, bool))
    prices = _masks(lp, "price")
    none = np.zeros(lp.n_rows, bool)
    own = prices.get(Price.CHANNEL_SPEND, none) | \
        (prices.get(Price.NEG_MARGIN, none) & (lp.row_channel >= 0))
    involved = np.where(own, s.spend[ch],
                        np.where(prices.get(Price.NEG_PREVIOUS, none), s.previous(lp),
                                 s.total))
    with np.errstate(invalid="ignore"):
        used = (involved > 1e-6) | (np.abs(y) > 1e-9)
    tight &= ~homogeneous | used
    tight &= ~_masks(lp, "definition").get(True, np.zeros(lp.n_rows, bool))
    on = prices.get(Price.ACTIVE, none)
    tight &= ~on | (s.active[ch] > 0.5)  # a minimum buy binds only a channel that is on
    return tight


def binding_names(scenario: Scenario, lp: LinearProgram, x: np.ndarray,
                  duals: np.ndarray | None, tol: float = 1e-7) -> list[str]:
    """The names of the binding rows (as the constraint table's `constraint` column), for
    callers that need only those (a sweep's cells)."""
    tight = binding_rows(lp, x, duals, _Sums(scenario, lp, x), tol)
    return [lp.row_name(int(r)) for r in np.flatnonzero(tight)]


def constraint_table(scenario: Scenario, lp: LinearProgram, x: np.ndarray,
                     duals: np.ndarray | None, tol: float = 1e-7,
                     reduced: np.ndarray | None = None) -> Table:
    """One row per constraint: limit, activity, slack, binding, shadow price."""
    s = _Sums(scenario, lp, x)
    names_c, names_g, names_p = lp.names.channels, lp.names.groups, lp.names.periods
    columns = {
        "constraint": [lp.row_name(r) for r in range(lp.n_rows)],
        "kind": [str(k) for k in lp.row_kind],
        "channel": [names_c[c] if c >= 0 else None for c in lp.row_channel],
        "group": [names_g[g] if g >= 0 else None for g in lp.row_group],
        "source": list(lp.row_source),
        "sense": ["==" if e else ROW_KINDS[k].sense
                  for e, k in zip(lp.is_eq, lp.row_kind, strict=True)],
        "limit": lp.row_limit,
        "activity": activities(scenario, lp, x, s),
        "binding": binding_rows(lp, x, duals, s, tol),
        "shadow_price": shadow_prices(lp, duals, s, reduced),
        "unit": [unit_of(k, lp.objective) for k in lp.row_kind],
        "label": [label(lp, r) for r in range(lp.n_rows)],
        "quantity": [ROW_KINDS[k].quantity.name.lower() for k in lp.row_kind],
    }
    if names_p:
        columns["period"] = [names_p[p] if p >= 0 else None for p in lp.row_period]
    return Table(tuple(range(lp.n_rows)), None, {k: _column(v) for k, v in columns.items()})


def label(lp: LinearProgram, r: int) -> str:
    """Row r's name in words ("LinkedIn Ads: maximum spend (max_spend)")."""
    ch, g, p = lp.row_channel[r], lp.row_group[r], lp.row_period[r]
    source = lp.row_source[r]
    text = ROW_KINDS[lp.row_kind[r]].label
    if source == str(lp.row_kind[r]):  # "maximum spend (max_spend)" says it twice
        text = text.replace(" ({source})", "")
    return text.format(
        channel=lp.names.channels[ch] if ch >= 0 else "",
        group=lp.names.groups[g] if g >= 0 else "",
        period=lp.names.periods[p] if p >= 0 and lp.names.periods else "the period",
        period_suffix=f" in {lp.names.periods[p]}" if p >= 0 and lp.names.periods else "",
        kind=str(lp.row_kind[r]), source=SOURCE_WORDS.get(source, source))


def _column(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


# ------------------------------------------------------------------------------- words


def _source_text(scenario: Scenario, ch: Channel | None, source: str, direction: str) -> str:
    if source == "max_change" and ch is not None:
        change = scenario.max_change_of(ch)
        return (f"max_change: at most {fmt.pct(change, 0)} {direction} its current "
                f"{fmt.money(ch.current_spend, scenario.currency)}")
    if source == "tiers":
        return "where its last tier ends"
    return source


SOURCE_LIMIT = {"max_spend": "its max_spend", "max_change": "its max_change limit",
                "tiers": "the end of its last tier"}
CAPACITY_WHAT = {RowKind.MAX_LEADS: "leads", RowKind.MAX_SQLS: "SQLs",
                 RowKind.MAX_CUSTOMERS: "customers"}


def row_context(scenario: Scenario, lp: LinearProgram, r: int, activity: float = math.nan,
                marginal: float = math.nan) -> dict[str, str]:
    """The preformatted fields that the kinds table's templates use for row r."""
    cur = scenario.currency
    kind, limit, source = lp.row_kind[r], float(lp.row_limit[r]), lp.row_source[r]
    ch = scenario.channels[lp.row_channel[r]] if lp.row_channel[r] >= 0 else None
    group = scenario.constraints.groups[lp.row_group[r]] if lp.row_group[r] >= 0 else None
    p = lp.row_period[r]
    name = ch.name if ch is not None else ""
    return {
        "channel": name, "channel_possessive": fmt.possessive(name),
        "group": group.name if group is not None else "",
        "period": scenario.periods[p].name if 0 <= p < len(scenario.periods) else "the period",
        "in_period": f"in {scenario.periods[p].name}" if 0 <= p < len(scenario.periods)
        else "in total",
        "period_suffix": f" in {scenario.periods[p].name}" if 0 <= p < len(scenario.periods)
        else "",
        "kind": str(kind), "source": source,
        "source_below": _source_text(scenario, ch, source, "below"),
        "source_above": _source_text(scenario, ch, source, "above"),
        "source_limit": SOURCE_LIMIT.get(source, source),
        "limit_money": fmt.money(limit, cur), "limit_pct": fmt.pct(limit),
        "limit_pct0": fmt.pct(limit, 0), "limit_plain": fmt.plain(limit),
        "limit_num": fmt.num(limit),
        "limit_metric": fmt.money(limit, cur) if source == "value" else fmt.num(limit),
        "activity_money": fmt.money(activity, cur), "activity_pct": fmt.pct(activity),
        "activity_ratio": fmt.ratio(activity), "activity_num": fmt.num(activity),
        "best": fmt.ratio(best_ratio(scenario, lp, int(lp.row_channel[r])))
        if ch is not None else "",
        "what": CAPACITY_WHAT.get(kind, ""),
        "group_capacity": fmt.money(_group_capacity(scenario, group.channels), cur)
        if group is not None else "",
        "marginal_cpl": fmt.money(marginal, cur, 2),
    }


def best_ratio(scenario: Scenario, lp: LinearProgram, i: int) -> float:
    """CLV:CPA of channel i's best dollar as the floors count it: its first dollar's, or,
    when timing makes the counted value differ by period (in_window accounting), the best
    over its periods' first dollars."""
    ch = scenario.channels[i]
    if scenario.accounting == "cohort" or lp.col_value_per_dollar.size == 0:
        return ch.first_ratio
    own = (lp.col_channel == i) & lp.is_tier
    return float(lp.col_value_per_dollar[own].max()) if own.any() else ch.first_ratio


def _group_capacity(scenario: Scenario, members: tuple[str, ...]) -> float:
    """Most the group's channels can spend together (their upper bounds)."""
    return float(sum(scenario.spend_bounds(scenario.channel(name))[2] for name in members))


def describe(scenario: Scenario, lp: LinearProgram, r: int) -> str:
    """A constraint in plain words, for conflict explanations."""
    info = ROW_KINDS[lp.row_kind[r]]
    template = info.describe_eq if lp.is_eq[r] and info.describe_eq else info.describe
    return template.format(**row_context(scenario, lp, r))


def violation(scenario: Scenario, lp: LinearProgram, r: int, activity: float) -> str:
    """How a plan breaks row r, in plain words (used for the current plan)."""
    info = ROW_KINDS[lp.row_kind[r]]
    template = info.violation_eq if lp.is_eq[r] and info.violation_eq else info.violation
    return template.format(describe=describe(scenario, lp, r),
                           **row_context(scenario, lp, r, activity))


def unspent_note(scenario: Scenario, lp: LinearProgram, x: np.ndarray, table: Table
                 ) -> str | None:
    """Why budget stays unspent, from the binding rows that block more spending (None when
    the budget is spent, or binds)."""
    cur = scenario.currency
    spend = float(channel_spend(lp, x).sum())
    left = scenario.budget - spend
    binding = table["binding"].astype(bool)
    if left <= 1e-6 * max(1.0, scenario.budget) or binding[lp.budget_row]:
        return None
    shared = [r for r in np.flatnonzero(binding)
              if r != lp.budget_row and ROW_KINDS[lp.row_kind[r]].scope is not Scope.OWN
              and not ROW_KINDS[lp.row_kind[r]].structural]
    priced = [r for r in shared if abs(table["shadow_price"][r]) > 1e-9]
    blocking = priced or shared
    reasons = [ROW_KINDS[lp.row_kind[r]].unspent.format(
        describe=describe(scenario, lp, int(r)), **row_context(scenario, lp, int(r)))
        for r in blocking]
    why = "; ".join(dict.fromkeys(reasons)) if reasons else (
        "every channel is at its limit or its next dollar would return less than it costs")
    return (f"{fmt.money(left, cur)} of the {fmt.money(scenario.budget, cur)} budget stays "
            f"unspent: {why}")


def broken_rows(lp: LinearProgram, x: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Mask of rows that `x` violates (relative tolerance)."""
    ax = lp.A @ x
    scale = 1.0 + np.abs(lp.b) + abs(lp.A) @ np.abs(x) * 1e-3
    excess = np.where(lp.is_eq, np.abs(ax - lp.b), ax - lp.b)
    return excess > tol * scale


def current_violations(scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> tuple[str, ...]:
    """Plain-words list of the constraints that the plan `x` breaks."""
    broken = broken_rows(lp, x)
    if not broken.any():
        return ()
    act = activities(scenario, lp, x)
    return tuple(violation(scenario, lp, int(r), act[r]) for r in np.flatnonzero(broken))
