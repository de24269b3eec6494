"""Repair an infeasible plan: the smallest change to one constraint that makes it feasible.

For each constraint in the conflict (see `infeasibility.conflicting_rows`), relax that
constraint alone, as little as possible, by the method its kind names in the kinds table:

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
from collections.abc import Callable
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from functools import partial

import numpy as np
import scipy.sparse as sp

from .. import fmt
from ..backends import SolveOptions, solve
from ..lp.build import build_lp
from ..lp.kinds import ROW_KINDS, Repair, RowKind
from ..lp.program import LinearProgram
from ..results.constraints import row_context
from ..scenario.edit import FieldPath, field_text, with_field
from ..scenario.model import Channel, Scenario
from ..status import Status
from .infeasibility import MAX_ROWS_FOR_ISOLATION, conflicting_rows, is_feasible
from .search import Repairs, bisect, bounded, out_of_time, stopped_note

CURRENT, PROPOSED = "\x00current\x00", "\x00proposed\x00"  # where values go in a phrase


@dataclass(frozen=True)
class Suggestion:
    """One change to one constraint that, applied alone, makes the plan feasible."""

    constraint: str  # the constraint's name, as in the constraints table
    text: str  # "lower Social Media Ads min_spend from $5,000 to $0"
    field: str  # where to make the change in the scenario file
    current: float | bool | None
    proposed: float | bool | None
    relative_change: float  # |proposed - current| / |current|, for ranking
    apply: Callable[[Scenario], Scenario] = dc_field(repr=False, compare=False)
    phrase: str = dc_field(default="", repr=False, compare=False)  # CURRENT/PROPOSED marked
    current_text: str = dc_field(default="", repr=False, compare=False)
    proposed_text: str = dc_field(default="", repr=False, compare=False)
    path: FieldPath = dc_field(default=(), repr=False, compare=False)
    """The field `apply` sets (`scenario/edit.py`); empty for changes made of steps."""
    steps: tuple[Suggestion, ...] = dc_field(default=(), repr=False, compare=False)
    """The single-field changes a change made of several applies, in order."""


def _fill(phrase: str, current: str, proposed: str) -> str:
    return phrase.replace(CURRENT, current).replace(PROPOSED, proposed)


def _suggest(constraint: str, phrase: str, path: FieldPath, current: float | None,
             proposed: float | None, shown: tuple[str, str],
             relative: float | None = None) -> Suggestion:
    """A suggestion that sets the field at `path`; its text is `phrase` with the current and
    proposed values as `shown`."""
    rel = relative if relative is not None else _rel(float(current or 0.0),
                                                     float(proposed or 0.0))
    return Suggestion(constraint, _fill(phrase, *shown), field_text(path), current, proposed,
                      rel, partial(_set, path=path, value=proposed), phrase, *shown, path=path)


def _set(scenario: Scenario, *, path: FieldPath, value: object) -> Scenario:
    return with_field(scenario, path, value)


def _phrase(scenario: Scenario, lp: LinearProgram, r: int) -> tuple[str, FieldPath]:
    """The repair wording and field of row r's kind, filled for this row."""
    info = ROW_KINDS[lp.row_kind[r]]
    context = row_context(scenario, lp, r)
    phrase = info.repair_text.format(current=CURRENT, proposed=PROPOSED, **context)
    return phrase, tuple(part.format(**context) for part in info.repair_field)


def suggest_repairs(scenario: Scenario, limit: int = 8, options: SolveOptions | None = None
                    ) -> tuple[Suggestion, ...]:
    """Ranked single-constraint repairs of an infeasible scenario (empty if it is feasible)."""
    with bounded((options or SolveOptions()).search_time) as search:
        found = _search(scenario, limit, options)
    return Repairs(found, stopped_note(search, "repair"))


def _search(scenario: Scenario, limit: int, options: SolveOptions | None
            ) -> tuple[Suggestion, ...]:
    lp = build_lp(scenario)
    if is_feasible(lp, options=options):
        return ()
    # the constraints to try: an irreducible conflict, or on large models (where isolating
    # one costs a solve per row) those that the elastic LP had to relax
    rows = (conflicting_rows(lp, options) if lp.n_rows <= MAX_ROWS_FOR_ISOLATION
            else [int(r) for r in np.flatnonzero(_elastic_slack(scenario, lp, options)[0])])
    found: list[Suggestion] = []
    for r in rows:
        if out_of_time() and found:
            break
        found += [s for s in _suggestions_for_row(scenario, lp, r, options)
                  if _feasible(s.apply(scenario), options)]
    unique = {s.text: s for s in found}
    ranked = sorted(unique.values(), key=lambda s: (s.relative_change, s.text))
    if not ranked:  # several independent conflicts: no single change is enough
        combined = _elastic(scenario, lp, options) or _combined(scenario, options)
        return (combined,) if combined is not None else ()
    return tuple(ranked[:limit])


def _homogeneous(lp: LinearProgram) -> np.ndarray:
    return np.array([ROW_KINDS[k].repair is not Repair.RHS for k in lp.row_kind])


def _elastic_slack(scenario: Scenario, lp: LinearProgram, options: SolveOptions | None
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """(mask of rows relaxed, slack per row in the row's <= form) of the elastic LP."""
    n, m = lp.n_cols, lp.n_rows
    eq = np.flatnonzero(lp.is_eq)
    scale = np.maximum(np.abs(lp.b), 1.0)
    scale[_homogeneous(lp)] = max(scenario.budget, 1.0)  # value-dollars on floors and shares
    cols = sp.hstack([sp.eye(m, format="csr") * -1.0,
                      sp.csr_matrix((np.ones(eq.size), (eq, np.arange(eq.size))),
                                    shape=(m, eq.size))]).tocsr()
    weights = np.r_[1.0 / scale, 1.0 / scale[eq]]
    elastic = replace(lp, c=np.r_[np.zeros(n), -weights], A=sp.hstack([lp.A, cols]).tocsr(),
                      integrality=np.r_[lp.integrality, np.zeros(m + eq.size, dtype=np.int8)],
                      lb=np.r_[lp.lb, np.zeros(m + eq.size)],
                      ub=np.r_[lp.ub, np.full(m + eq.size, np.inf)])
    out = solve(elastic, options)
    if out.status is not Status.OPTIMAL or out.x is None:
        return np.zeros(m, dtype=bool), None
    slack = out.x[n:n + m].copy()
    slack[eq] -= out.x[n + m:]
    return np.abs(slack) > 1e-7 * np.maximum(np.abs(lp.b), 1.0), slack


def _elastic(scenario: Scenario, lp: LinearProgram, options: SolveOptions | None
             ) -> Suggestion | None:
    """The smallest combined relaxation: one LP with a penalised slack on every constraint,
    each weighted by the size of its limit (so the penalty counts relative changes).

    Limits on the right-hand side become changes directly; floors and shares whose rows
    needed slack are then relaxed, one at a time, by the exact single-row search."""
    _, slack = _elastic_slack(scenario, lp, options)
    if slack is None:
        return None
    homogeneous = _homogeneous(lp)
    tol = 1e-7 * np.maximum(np.abs(lp.b), 1.0)
    steps: list[Suggestion] = []
    for r in np.flatnonzero((np.abs(slack) > tol) & ~homogeneous):
        steps.extend(_from_slack(scenario, lp, int(r), float(slack[r])))
    current = scenario
    for step in steps:
        current = step.apply(current)
    relaxed = sorted((int(r) for r in np.flatnonzero((np.abs(slack) > tol) & homogeneous)),
                     key=lp.row_name)
    keys = list(dict.fromkeys(lp.row_key(r) for r in relaxed))
    for key in keys:
        now = build_lp(current)
        if is_feasible(now, options=options):
            break
        row = now.find(key)
        if row is None:
            continue
        found = _suggestions_for_row(current, now, row, options)
        if found:
            steps.append(found[0])
            current = found[0].apply(current)
    if not steps or not _feasible(current, options):
        return None
    return _together(steps)


def _together(steps: list[Suggestion]) -> Suggestion:
    """One suggestion made of several; repeated changes to one field collapse into one
    (each step sets an absolute value, so the last one stands, from the first's current
    value). A single step is itself."""
    merged: dict[str, Suggestion] = {}
    for step in steps:
        first = merged.pop(step.field, None)
        if first is not None:
            step = replace(step, text=_fill(step.phrase, first.current_text,
                                            step.proposed_text),
                           current=first.current, current_text=first.current_text,
                           relative_change=first.relative_change + step.relative_change)
        merged[step.field] = step
    parts = tuple(merged.values())
    if len(parts) == 1:
        return parts[0]

    def apply_all(s: Scenario, parts: tuple[Suggestion, ...] = parts) -> Scenario:
        for part in parts:
            s = part.apply(s)
        return s

    return Suggestion(" + ".join(p.constraint for p in parts),
                      "change these together: " + "; ".join(p.text for p in parts),
                      "; ".join(p.field for p in parts), None, None,
                      sum(p.relative_change for p in parts), apply_all, steps=parts)


def _combined(scenario: Scenario, options: SolveOptions | None, max_rounds: int = 25
              ) -> Suggestion | None:
    """Changes to several constraints that together make the plan feasible: resolve one
    isolated conflict at a time with its smallest single change, until none is left."""
    steps: list[Suggestion] = []
    current = scenario
    for _ in range(max_rounds):
        if out_of_time():
            break
        lp = build_lp(current)
        if is_feasible(lp, options=options):
            break
        rows = conflicting_rows(lp, options) if lp.n_rows <= MAX_ROWS_FOR_ISOLATION else []
        if not rows:
            return None
        conflict = lp.subset(rows)  # this conflict alone: its repairs resolve it
        choices = [s for r in range(conflict.n_rows)
                   for s in _suggestions_for_row(current, conflict, r, options)]
        if not choices:
            return None
        best = min(choices, key=lambda s: (s.relative_change, s.text))
        steps.append(best)
        current = best.apply(current)
    if not steps or not _feasible(current, options):
        return None
    return _together(steps)


# --------------------------------------------------------------------------- feasibility


def _feasible(scenario: Scenario, options: SolveOptions | None) -> bool:
    return is_feasible(build_lp(scenario), options=options)


def _min_slack(lp: LinearProgram, r: int, sign: float, options: SolveOptions | None
               ) -> float | None:
    """Smallest e >= 0 such that row r holds as A_r x <= b_r + e (sign=+1) or, for an
    equality row, A_r x == b_r + sign * e. None if no e works."""
    col = sp.csr_matrix(([-sign], ([r], [0])), shape=(lp.n_rows, 1))
    elastic = replace(lp, c=np.r_[np.zeros(lp.n_cols), -1.0],
                      A=sp.hstack([lp.A, col]).tocsr(),
                      lb=np.r_[lp.lb, 0.0], ub=np.r_[lp.ub, np.inf],
                      integrality=np.r_[lp.integrality, 0].astype(np.int8))
    out = solve(elastic, options)
    if out.status is not Status.OPTIMAL or out.x is None:
        return None
    return float(out.x[-1])


def _best_parameter(lp: LinearProgram, r: int, relaxed: float, options: SolveOptions | None
                    ) -> float | None:
    """For a floor or share row: the limit closest to its current value that is feasible,
    searching towards `relaxed` (None if even `relaxed` is infeasible)."""
    current = float(lp.row_limit[r])
    shift = lp.limit_gradient(r)  # d(stored coefficient)/d(limit)
    cols = np.flatnonzero(shift)
    step = sp.csr_matrix((shift[cols], (np.full(cols.size, r), cols)), shape=lp.A.shape)

    def feasible(value: float) -> bool:
        return is_feasible(replace(lp, A=(lp.A + (value - current) * step).tocsr()),
                           options=options)

    if not feasible(relaxed):
        return None
    return bisect(feasible, relaxed, current)


# --------------------------------------------------------------------------- proposals


def _suggestions_for_row(scenario: Scenario, lp: LinearProgram, r: int,
                         options: SolveOptions | None) -> list[Suggestion]:
    info = ROW_KINDS[lp.row_kind[r]]
    if lp.row_kind[r] is RowKind.BUDGET and lp.is_eq[r]:
        out = [Suggestion(lp.row_name(r), "set use_full_budget: false (spend at most the budget)",
                          "use_full_budget", True, False, 0.5,
                          partial(_set, path=("use_full_budget",), value=False),
                          path=("use_full_budget",))]
        for sign in (1.0, -1.0):
            e = _min_slack(lp, r, sign, options)
            if e is not None and e > 0:
                out.extend(_from_slack(scenario, lp, r, sign * e))
        return out
    if info.repair is Repair.RHS:
        e = _min_slack(lp, r, 1.0, options)
        return [] if e is None else _from_slack(scenario, lp, r, e)
    if info.repair is Repair.PARAMETER and info.relaxed is not None:
        shared = len(lp.rows_of(lp.row_kind[r])) > 1 and not any(
            "{channel}" in part or "{group}" in part for part in info.repair_field)
        best = (_best_field_value(scenario, lp, r, info.relaxed, options) if shared
                else _best_parameter(lp, r, info.relaxed, options))
        if best is None:
            return []
        return [_parameter(scenario, lp, r, best)]
    return []


def _best_field_value(scenario: Scenario, lp: LinearProgram, r: int, relaxed: float,
                      options: SolveOptions | None) -> float | None:
    """Like `_best_parameter` for a limit that several rows share (one field of the file
    sets them all): bisection on the field itself, each step a rebuilt program."""
    _, path = _phrase(scenario, lp, r)

    def feasible(value: float) -> bool:
        return _feasible(with_field(scenario, path, value), options)

    if not feasible(relaxed):
        return None
    return bisect(feasible, relaxed, float(lp.row_limit[r]))


def _parameter(scenario: Scenario, lp: LinearProgram, r: int, best: float) -> Suggestion:
    """The floor or share that a bisection found, rounded in the relaxing direction."""
    info = ROW_KINDS[lp.row_kind[r]]
    limit = float(lp.row_limit[r])
    steps = round(1.0 / info.round_to)
    raising = info.relaxed is not None and info.relaxed > limit
    new = (math.ceil(best * steps) if raising else math.floor(best * steps)) / steps
    if info.round_to < 0.01:  # shares read as percentages
        shown = (fmt.pct(limit), fmt.pct(new))
    else:
        shown = (fmt.plain(limit), f"{new:.2f}")
    phrase, path = _phrase(scenario, lp, r)
    return _suggest(lp.row_name(r), phrase, path, limit, new, shown)


def _from_slack(scenario: Scenario, lp: LinearProgram, r: int, e: float) -> list[Suggestion]:
    """The change to row r's limit that a slack of `e` (in the row's <= form) stands for."""
    kind = lp.row_kind[r]
    limit = float(lp.row_limit[r])
    name = lp.row_name(r)
    cur = scenario.currency
    if kind is RowKind.BUDGET:
        new = _round_money(limit + e, up=e > 0)
        if new <= 0:  # a budget of 0 is no plan
            return []
        verb = "raise" if e > 0 else "lower"
        return [_suggest(name, f"{verb} the budget from {CURRENT} to {PROPOSED}",
                         ("budget",), limit, new, (fmt.money(limit, cur), fmt.money(new, cur)))]
    if kind in (RowKind.MIN_SPEND, RowKind.MAX_SPEND):
        ch = scenario.channels[lp.row_channel[r]]
        lower = kind is RowKind.MIN_SPEND  # stored as -s <= -limit: relaxing lowers it
        new = max(_round_money(limit - e if lower else limit + e, up=not lower), 0.0)
        return [_spend_bound(scenario, name, ch, lp.row_source[r], lower, limit, new)]
    new = float(math.ceil(limit + e - 1e-7 * max(1.0, limit + e)))
    phrase, path = _phrase(scenario, lp, r)
    return [_suggest(name, phrase, path, limit, new, (fmt.num(limit), fmt.num(new)))]


def _spend_bound(scenario: Scenario, name: str, ch: Channel, source: str, lower: bool,
                 old: float, new: float) -> Suggestion:
    cur = scenario.currency
    if source == "max_change":
        now = ch.current_spend
        if now <= 1e-9:  # held at 0 because it has no current spend: exempt it
            return _suggest(name, f"exempt {ch.name} from max_change (max_change: null on the "
                                  "channel; it has no current spend to change from)",
                            ("channels", ch.name, "max_change"), scenario.max_change_of(ch),
                            None, ("", ""), relative=1.0)
        change = math.ceil(((1.0 - new / now) if lower else (new / now - 1.0)) * 100) / 100
        old_change = scenario.max_change_of(ch) or 0.0
        return _suggest(name, f"let {ch.name} change by up to {PROPOSED} instead of "
                              f"{CURRENT} (max_change on the channel)",
                        ("channels", ch.name, "max_change"), old_change, change,
                        (fmt.pct(old_change, 0), fmt.pct(change, 0)))
    shown = (fmt.money(old, cur), fmt.money(new, cur))
    if source == "tiers":
        return _suggest(name, f"extend {fmt.possessive(ch.name)} last tier from {CURRENT} to "
                              f"{PROPOSED}", ("channels", ch.name, "tiers"), old, new, shown)
    key = "min_spend" if lower else "max_spend"
    verb = "lower" if lower else "raise"
    return _suggest(name, f"{verb} {ch.name} {key} from {CURRENT} to {PROPOSED}",
                    ("channels", ch.name, key), old, new, shown)


def _round_money(value: float, up: bool) -> float:
    """Whole currency units, rounded in the direction that relaxes the constraint."""
    return float(math.ceil(value - 1e-9) if up else math.floor(value + 1e-9))


def _rel(old: float, new: float) -> float:
    return abs(new - old) / max(abs(old), 1e-9)


