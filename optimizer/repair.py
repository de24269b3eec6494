"""Repair an infeasible plan: the smallest change to one constraint that makes it feasible.

For each constraint in the conflict (see `diagnose.conflicting_rows`), relax that constraint
alone, as little as possible:

- limits on the right-hand side (budget, min/max spend, capacities): an elastic LP with one
  slack on that row, minimised, gives the exact smallest relaxation;
- floors and group shares (the limit multiplies spend): bisection on the limit between its
  value and its fully relaxed value, each step a feasibility LP.

Each proposal is rounded in the relaxing direction to a value a planner would write, then
applied to the scenario and re-solved: only proposals that make the plan feasible on their
own are returned, ranked by the size of the change relative to the original limit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from . import fmt
from .backends import SolveOptions
from .backends.highs import solve as highs_solve
from .diagnose import MAX_ROWS_FOR_ISOLATION, conflicting_rows, is_feasible
from .lp import LinearProgram, RowKind, build_lp
from .model import Channel, Scenario, Tier
from .status import Status

BISECTION_STEPS = 40


@dataclass(frozen=True)
class Suggestion:
    """One change to one constraint that, applied alone, makes the plan feasible."""

    constraint: str  # the constraint's name, as in the constraints table
    text: str  # "lower Social Media Ads min_spend from $5,000 to $0"
    field: str  # where to make the change in the scenario file
    current: float | bool | None
    proposed: float | bool | None
    relative_change: float  # |proposed - current| / |current|, for ranking
    apply: Callable[[Scenario], Scenario] = field(repr=False, compare=False)


def suggest_repairs(scenario: Scenario, limit: int = 8) -> tuple[Suggestion, ...]:
    """Ranked single-constraint repairs of an infeasible scenario (empty if it is feasible)."""
    lp = build_lp(scenario)
    if is_feasible(lp):
        return ()
    # the constraints to try: an irreducible conflict, or on large models (where isolating
    # one costs a solve per row) those that the elastic LP had to relax
    rows = (conflicting_rows(lp) if lp.n_rows <= MAX_ROWS_FOR_ISOLATION
            else [int(r) for r in np.flatnonzero(_elastic_slack(scenario, lp)[0])])
    found: list[Suggestion] = []
    for r in rows:
        for suggestion in _suggestions_for_row(scenario, lp, r):
            if _feasible(suggestion.apply(scenario)):
                found.append(suggestion)
    unique = {s.text: s for s in found}
    ranked = sorted(unique.values(), key=lambda s: (s.relative_change, s.text))
    if not ranked:  # several independent conflicts: no single change is enough
        combined = _elastic(scenario, lp) or _combined(scenario)
        return (combined,) if combined is not None else ()
    return tuple(ranked[:limit])


def _elastic_slack(scenario: Scenario, lp: LinearProgram) -> tuple[np.ndarray, np.ndarray | None]:
    """(mask of rows relaxed, slack per row in the row's <= form) of the elastic LP."""
    n, m = lp.n_cols, lp.n_rows
    eq = np.flatnonzero(lp.is_eq)
    scale = np.maximum(np.abs(lp.b), 1.0)
    homogeneous = np.array([k not in RHS_KINDS for k in lp.row_kind])
    scale[homogeneous] = max(scenario.budget, 1.0)  # value-dollars on floors and shares
    cols = sp.hstack([sp.eye(m, format="csr") * -1.0,
                      sp.csr_matrix((np.ones(eq.size), (eq, np.arange(eq.size))),
                                    shape=(m, eq.size))]).tocsr()
    weights = np.r_[1.0 / scale, 1.0 / scale[eq]]
    elastic = replace(lp, c=np.r_[np.zeros(n), -weights], A=sp.hstack([lp.A, cols]).tocsr(),
                      integrality=np.r_[lp.integrality, np.zeros(m + eq.size, dtype=np.int8)],
                      lb=np.r_[lp.lb, np.zeros(m + eq.size)],
                      ub=np.r_[lp.ub, np.full(m + eq.size, np.inf)])
    out = highs_solve(elastic, SolveOptions())
    if out.status is not Status.OPTIMAL or out.x is None:
        return np.zeros(m, dtype=bool), None
    slack = out.x[n:n + m].copy()
    slack[eq] -= out.x[n + m:]
    return np.abs(slack) > 1e-7 * np.maximum(np.abs(lp.b), 1.0), slack


def _elastic(scenario: Scenario, lp: LinearProgram) -> Suggestion | None:
    """The smallest combined relaxation: one LP with a penalised slack on every constraint,
    each weighted by the size of its limit (so the penalty counts relative changes).

    Limits on the right-hand side become changes directly; floors and shares whose rows
    needed slack are then relaxed, one at a time, by the exact single-row search."""
    _, slack = _elastic_slack(scenario, lp)
    if slack is None:
        return None
    homogeneous = np.array([k not in RHS_KINDS for k in lp.row_kind])
    tol = 1e-7 * np.maximum(np.abs(lp.b), 1.0)
    steps: list[Suggestion] = []
    for r in np.flatnonzero((np.abs(slack) > tol) & ~homogeneous):
        steps.extend(_from_slack(scenario, lp, int(r), float(slack[r])))
    current = scenario
    for step in steps:
        current = step.apply(current)
    names = {lp.row_name(int(r), scenario.channel_names, scenario.group_names)
             for r in np.flatnonzero((np.abs(slack) > tol) & homogeneous)}
    for name in sorted(names):
        now = build_lp(current)
        if is_feasible(now):
            break
        labels = [now.row_name(r, current.channel_names, current.group_names)
                  for r in range(now.n_rows)]
        if name not in labels:
            continue
        found = _suggestions_for_row(current, now, labels.index(name))
        if found:
            steps.append(found[0])
            current = found[0].apply(current)
    if not steps or not _feasible(current):
        return None
    return _together(steps)


def _together(steps: list[Suggestion]) -> Suggestion:
    """One suggestion made of several; repeated changes to one field collapse into one
    (each step sets an absolute value, so the last one stands). A single step is itself."""
    merged: dict[str, Suggestion] = {}
    for step in steps:
        first = merged.get(step.field)
        if first is not None:
            start = re.search(r" from (.+?) to ", first.text)
            text = re.sub(r" from (.+?) to ", f" from {start.group(1)} to ", step.text, count=1) \
                if start else step.text
            step = replace(step, text=text, current=first.current,
                           relative_change=first.relative_change + step.relative_change)
        merged.pop(step.field, None)
        merged[step.field] = step
    steps = list(merged.values())
    if len(steps) == 1:
        return steps[0]

    def apply_all(s: Scenario, parts: tuple[Suggestion, ...] = tuple(steps)) -> Scenario:
        for part in parts:
            s = part.apply(s)
        return s

    return Suggestion(" + ".join(p.constraint for p in steps),
                      "change these together: " + "; ".join(p.text for p in steps),
                      "; ".join(p.field for p in steps), None, None,
                      sum(p.relative_change for p in steps), apply_all)


def _combined(scenario: Scenario, max_rounds: int = 25) -> Suggestion | None:
    """Changes to several constraints that together make the plan feasible: resolve one
    isolated conflict at a time with its smallest single change, until none is left."""
    steps: list[Suggestion] = []
    current = scenario
    for _ in range(max_rounds):
        lp = build_lp(current)
        if is_feasible(lp):
            break
        rows = conflicting_rows(lp) if lp.n_rows <= MAX_ROWS_FOR_ISOLATION else []
        if not rows:
            return None
        conflict = lp.subset(rows)  # this conflict alone: its repairs resolve it
        options = [s for r in range(conflict.n_rows)
                   for s in _suggestions_for_row(current, conflict, r)]
        if not options:
            return None
        best = min(options, key=lambda s: (s.relative_change, s.text))
        steps.append(best)
        current = best.apply(current)
    if not steps or not _feasible(current):
        return None
    return _together(steps)


# --------------------------------------------------------------------------- feasibility


def _feasible(scenario: Scenario) -> bool:
    return is_feasible(build_lp(scenario))


def _min_slack(lp: LinearProgram, r: int, sign: float) -> float | None:
    """Smallest e >= 0 such that row r holds as A_r x <= b_r + e (sign=+1) or, for an
    equality row, A_r x == b_r + sign * e. None if no e works."""
    col = sp.csr_matrix(([-sign], ([r], [0])), shape=(lp.n_rows, 1))
    elastic = replace(lp, c=np.r_[np.zeros(lp.n_cols), -1.0],
                      A=sp.hstack([lp.A, col]).tocsr(),
                      lb=np.r_[lp.lb, 0.0], ub=np.r_[lp.ub, np.inf],
                      integrality=np.r_[lp.integrality, 0].astype(np.int8))
    out = highs_solve(elastic, SolveOptions())
    if out.status is not Status.OPTIMAL or out.x is None:
        return None
    return float(out.x[-1])


def _support(lp: LinearProgram, r: int) -> np.ndarray:
    """Columns whose coefficient in row r moves with the row's limit."""
    if lp.row_kind[r] is RowKind.FLOOR:
        return (lp.col_channel == lp.row_channel[r]).astype(float)
    return np.ones(lp.n_cols)


def _best_parameter(lp: LinearProgram, r: int, relaxed: float) -> float | None:
    """For a floor or share row: the limit closest to its current value that is feasible,
    searching towards `relaxed` (None if even `relaxed` is infeasible)."""
    current = float(lp.row_limit[r])
    direction = -1.0 if lp.row_kind[r] is RowKind.GROUP_MAX else 1.0
    shift = _support(lp, r) * direction * lp.row_scale[r]  # d(stored coefficient)/d(limit)
    cols = np.flatnonzero(shift)
    step = sp.csr_matrix((shift[cols], (np.full(cols.size, r), cols)), shape=lp.A.shape)

    def feasible(value: float) -> bool:
        return is_feasible(replace(lp, A=(lp.A + (value - current) * step).tocsr()))

    if not feasible(relaxed):
        return None
    good, bad = relaxed, current
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (good + bad)
        if feasible(mid):
            good = mid
        else:
            bad = mid
    return good


# --------------------------------------------------------------------------- proposals


def _suggestions_for_row(scenario: Scenario, lp: LinearProgram, r: int) -> list[Suggestion]:
    kind = lp.row_kind[r]
    ch = scenario.channels[lp.row_channel[r]] if lp.row_channel[r] >= 0 else None
    limit = float(lp.row_limit[r])
    name = lp.row_name(r, scenario.channel_names, scenario.group_names)

    if kind is RowKind.BUDGET and lp.is_eq[r]:
        out = [Suggestion(name, "set use_full_budget: false (spend at most the budget)",
                          "use_full_budget", True, False, 0.5,
                          lambda s: replace(s, use_full_budget=False))]
        for sign in (1.0, -1.0):
            e = _min_slack(lp, r, sign)
            if e is not None and e > 0:
                out.extend(_from_slack(scenario, lp, r, sign * e))
        return out
    if kind in RHS_KINDS:
        e = _min_slack(lp, r, 1.0)
        return [] if e is None else _from_slack(scenario, lp, r, e)

    if kind is RowKind.FLOOR and ch is not None:
        best = _best_parameter(lp, r, 0.0)
        if best is None:
            return []
        new = math.floor(best * 100) / 100
        return [Suggestion(
            name, f"lower {_possessive(ch.name)} CLV:CPA floor from {fmt.plain(limit)} to {new:.2f} "
                  f"(min_clv_to_cpa on the channel)",
            f"channels['{ch.name}'].min_clv_to_cpa", limit, new, _rel(limit, new),
            lambda s, c=ch.name, v=new: _channel(s, c, min_clv_to_cpa=v))]

    if kind is RowKind.BLENDED_FLOOR:
        best = _best_parameter(lp, r, 0.0)
        if best is None:
            return []
        new = math.floor(best * 100) / 100
        return [Suggestion(name, f"lower min_blended_clv_to_cpa from {fmt.plain(limit)} to {new:.2f}",
                           "constraints.min_blended_clv_to_cpa", limit, new, _rel(limit, new),
                           lambda s, v=new: _constraints(s, min_blended_clv_to_cpa=v))]

    if kind in (RowKind.GROUP_MIN, RowKind.GROUP_MAX):
        group = scenario.constraints.groups[lp.row_group[r]]
        is_min = kind is RowKind.GROUP_MIN
        best = _best_parameter(lp, r, 0.0 if is_min else 1.0)
        if best is None:
            return []
        new = math.floor(best * 1000) / 1000 if is_min else math.ceil(best * 1000) / 1000
        key = "min_share" if is_min else "max_share"
        verb = "lower" if is_min else "raise"
        return [Suggestion(name, f"{verb} group {group.name} {key} from {fmt.pct(limit)} to {fmt.pct(new)}",
                           f"constraints.groups['{group.name}'].{key}", limit, new,
                           _rel(limit, new),
                           lambda s, g=group.name, k=key, v=new: _group(s, g, **{k: v}))]
    return []


RHS_KINDS = (RowKind.BUDGET, RowKind.MIN_SPEND, RowKind.MAX_SPEND, RowKind.MAX_LEADS,
             RowKind.MAX_SQLS, RowKind.MAX_CUSTOMERS)


def _from_slack(scenario: Scenario, lp: LinearProgram, r: int, e: float) -> list[Suggestion]:
    """The change to row r's limit that a slack of `e` (in the row's <= form) stands for."""
    kind = lp.row_kind[r]
    limit = float(lp.row_limit[r])
    name = lp.row_name(r, scenario.channel_names, scenario.group_names)
    if kind is RowKind.BUDGET:
        new = _round_money(limit + e, up=e > 0)
        if new <= 0:  # a budget of 0 is no plan
            return []
        return [_budget(name, "raise" if e > 0 else "lower", limit, new, scenario.currency)]
    if kind in (RowKind.MIN_SPEND, RowKind.MAX_SPEND):
        ch = scenario.channels[lp.row_channel[r]]
        lower = kind is RowKind.MIN_SPEND  # stored as -s <= -limit: relaxing lowers it
        new = max(_round_money(limit - e if lower else limit + e, up=not lower), 0.0)
        return [_spend_bound(scenario, name, ch, lp.row_source[r], lower, limit, new)]
    new = float(math.ceil(limit + e - 1e-7 * max(1.0, limit + e)))
    key = str(kind)
    return [Suggestion(name, f"raise {key} from {fmt.num(limit)} to {fmt.num(new)}",
                       f"constraints.{key}", limit, new, _rel(limit, new),
                       lambda s, k=key, v=new: _constraints(s, **{k: v}))]


def _budget(name: str, verb: str, old: float, new: float, cur: str) -> Suggestion:
    return Suggestion(name, f"{verb} the budget from {fmt.money(old, cur)} to {fmt.money(new, cur)}",
                      "budget", old, new, _rel(old, new), lambda s, v=new: s.with_budget(v))


def _spend_bound(scenario: Scenario, name: str, ch: Channel, source: str, lower: bool,
                 old: float, new: float) -> Suggestion:
    cur = scenario.currency
    if source == "max_change":
        now = ch.current_spend
        if now <= 1e-9:  # held at 0 because it has no current spend: exempt it
            return Suggestion(name, f"exempt {ch.name} from max_change (max_change: null on "
                                    "the channel; it has no current spend to change from)",
                              f"channels['{ch.name}'].max_change", scenario.max_change_of(ch),
                              None, 1.0, lambda s, c=ch.name: _channel(s, c, max_change=None))
        change = (1.0 - new / now) if lower else (new / now - 1.0)
        change = math.ceil(change * 100) / 100
        old_change = scenario.max_change_of(ch) or 0.0
        return Suggestion(name, f"let {ch.name} change by up to {fmt.pct(change, 0)} instead of "
                                f"{fmt.pct(old_change, 0)} (max_change on the channel)",
                          f"channels['{ch.name}'].max_change", old_change, change,
                          _rel(old_change, change),
                          lambda s, c=ch.name, v=change: _channel(s, c, max_change=v))
    if source == "tiers":
        return Suggestion(name, f"extend {_possessive(ch.name)} last tier from {fmt.money(old, cur)} to "
                                f"{fmt.money(new, cur)}",
                          f"channels['{ch.name}'].tiers", old, new, _rel(old, new),
                          lambda s, c=ch.name, v=new: _extend_tiers(s, c, v))
    key = "min_spend" if lower else "max_spend"
    verb = "lower" if lower else "raise"
    return Suggestion(name, f"{verb} {ch.name} {key} from {fmt.money(old, cur)} to {fmt.money(new, cur)}",
                      f"channels['{ch.name}'].{key}", old, new, _rel(old, new),
                      lambda s, c=ch.name, k=key, v=new: _channel(s, c, **{k: v}))


# --------------------------------------------------------------------------- applying


def _channel(s: Scenario, name: str, **changes: object) -> Scenario:
    return replace(s, channels=tuple(replace(c, **changes) if c.name == name else c
                                     for c in s.channels))


def _extend_tiers(s: Scenario, name: str, up_to: float) -> Scenario:
    def grow(c: Channel) -> Channel:
        last = c.tiers[-1]
        return replace(c, tiers=(*c.tiers[:-1], Tier(max(up_to, last.up_to), last.cpl)))
    return replace(s, channels=tuple(grow(c) if c.name == name else c for c in s.channels))


def _constraints(s: Scenario, **changes: object) -> Scenario:
    return replace(s, constraints=replace(s.constraints, **changes))


def _group(s: Scenario, name: str, **changes: object) -> Scenario:
    groups = tuple(replace(g, **changes) if g.name == name else g for g in s.constraints.groups)
    return _constraints(s, groups=groups)


def _round_money(value: float, up: bool) -> float:
    """Whole currency units, rounded in the direction that relaxes the constraint."""
    return float(math.ceil(value - 1e-9) if up else math.floor(value + 1e-9))


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _rel(old: float, new: float) -> float:
    return abs(new - old) / max(abs(old), 1e-9)
