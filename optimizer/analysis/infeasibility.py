"""Explain an infeasible plan in plain words: which constraints conflict, with the numbers.

First, direct checks that each prove infeasibility on their own and name the amounts
("minimum spends total $25,000 but the budget is $20,000"). When none applies, a deletion
filter over the LP rows finds an irreducible set of constraints that cannot hold together
(every constraint in it is needed for the conflict) and lists it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from .. import fmt
from ..backends import SolveOptions, solve
from ..lp.curves import provisional_tiers
from ..lp.kinds import ROW_KINDS
from ..lp.program import LinearProgram
from ..results.constraints import describe
from ..scenario.model import Channel, Group, Scenario, Tier
from ..status import Status
from .search import bounded, out_of_time, stopped_note

MAX_ROWS_FOR_ISOLATION = 400


def explain_infeasible(scenario: Scenario, lp: LinearProgram,
                       options: SolveOptions | None = None) -> tuple[str, ...]:
    """Plain-words reasons why no plan satisfies every constraint."""
    found = direct_checks(scenario)
    if found:
        return tuple(found)
    if lp.n_rows > MAX_ROWS_FOR_ISOLATION:
        return (f"no plan satisfies every constraint, and the model has {lp.n_rows} "
                "constraints, too many to isolate the conflict quickly; relax floors, "
                "minimum spends or shares and re-run",)
    with bounded(None if options is None else options.search_time) as search:
        rows = conflicting_rows(lp, options)
    if not rows:
        return ("no plan satisfies every constraint, but no conflicting set could be isolated "
                "(numerical trouble); check for extreme values",)
    parts = [describe(scenario, lp, r) for r in rows]
    note = stopped_note(search, "conflict")
    stated = (f"{parts[0]}, which cannot hold" if len(parts) == 1 else
              "these constraints cannot all hold at once: " + "; ".join(parts))
    return (stated,) if note is None else (stated, note[0].upper() + note[1:])


def _ratio_at(channel: Channel, tiers: tuple[Tier, ...], spend: float) -> float:
    """Average CLV:CPA of the channel at `spend`, filling cheaper tiers first."""
    remaining, prev, leads = spend, 0.0, 0.0
    for tier in tiers:
        take = min(remaining, tier.up_to - prev)
        leads += take / tier.cpl
        remaining -= take
        prev = tier.up_to
        if remaining <= 0:
            break
    return leads * channel.lead_to_close * channel.clv / spend if spend > 0 else float("nan")


def _min_leads(tiers: tuple[Tier, ...], spend: float) -> float:
    """Fewest leads the LP can book for `spend` (dearest tiers first)."""
    widths = [t.up_to - (tiers[k - 1].up_to if k else 0.0) for k, t in enumerate(tiers)]
    remaining, leads = spend, 0.0
    for tier, width in zip(reversed(tiers), reversed(widths), strict=True):
        take = min(remaining, width)
        leads += take / tier.cpl
        remaining -= take
        if remaining <= 0:
            break
    return leads


def direct_checks(scenario: Scenario,
                  curve_tiers: Mapping[str, tuple[Tier, ...]] | None = None) -> list[str]:
    """Conflicts provable from the scenario alone, each with its amounts."""
    cur = scenario.currency
    curves = provisional_tiers(scenario) if curve_tiers is None else curve_tiers
    tiers = {c.name: curves.get(c.name, c.tiers) for c in scenario.channels}
    out: list[str] = []
    bounds = {c.name: scenario.spend_bounds(c) for c in scenario.channels}
    for ch in scenario.channels:
        lo, lo_src, hi, hi_src = bounds[ch.name]
        if lo > hi + 1e-9:
            out.append(f"{ch.name} must spend at least {fmt.money(lo, cur)} ({lo_src}) but at "
                       f"most {fmt.money(hi, cur)} ({_src(hi_src)})")
    lows = sum(b[0] for b in bounds.values())
    if lows > scenario.budget * (1 + 1e-9):
        sources = sorted({b[1] for b in bounds.values() if b[0] > 0})
        label = "minimum spends" if sources == ["min_spend"] else \
            f"minimum spends ({' and '.join(sources)})"
        out.append(f"{label} total {fmt.money(lows, cur)} but the budget is "
                   f"{fmt.money(scenario.budget, cur)}")
    if scenario.use_full_budget:
        highs = sum(b[2] for b in bounds.values())
        if highs < scenario.budget * (1 - 1e-9):
            out.append(f"use_full_budget requires spending the whole "
                       f"{fmt.money(scenario.budget, cur)} but the channels can take at most "
                       f"{fmt.money(highs, cur)} (max_spend, max_change and tiers)")
    for ch in scenario.channels:
        lo = bounds[ch.name][0]
        floor = scenario.floor_of(ch)
        if floor is not None and lo > 0:
            ratio = _ratio_at(ch, tiers[ch.name], lo)
            if ratio < floor - 1e-9:
                out.append(f"{ch.name} must spend at least {fmt.money(lo, cur)} "
                           f"({bounds[ch.name][1]}) but its CLV:CPA is {fmt.ratio(ratio)}, "
                           f"below the {fmt.plain(floor)} floor")
    cons = scenario.constraints
    per_lead = {"leads": lambda c: 1.0, "SQLs": lambda c: c.lead_to_sql or 0.0,
                "customers": lambda c: c.lead_to_close}
    for cap, what in ((cons.max_leads, "leads"), (cons.max_sqls, "SQLs"),
                      (cons.max_customers, "customers")):
        if cap is None:
            continue
        forced = sum(_min_leads(tiers[c.name], bounds[c.name][0]) * per_lead[what](c)
                     for c in scenario.channels)
        if forced > cap * (1 + 1e-9) + 1e-9:
            out.append(f"minimum spends bring at least {fmt.num(forced)} {what} but the "
                       f"capacity (max_{what.lower()}) is {fmt.num(cap)}")
    mins = [g for g in cons.groups if g.min_share is not None]
    if sum(g.min_share or 0.0 for g in mins) > 1 + 1e-9 and _disjoint(mins):
        out.append("the groups' min_share values add up to "
                   f"{fmt.pct(sum(g.min_share or 0.0 for g in mins))} of spend, more than 100%")
    return out


def _src(source: str) -> str:
    return "its last tier ends there" if source == "tiers" else source


def _disjoint(groups: list[Group]) -> bool:
    seen: set[str] = set()
    for g in groups:
        if seen & set(g.channels):
            return False
        seen |= set(g.channels)
    return True


def is_feasible(lp: LinearProgram, rows: np.ndarray | None = None,
                options: SolveOptions | None = None) -> bool:
    """Whether some x meets the column bounds and `rows` (a boolean mask; all rows if None)."""
    sub = lp if rows is None else lp.subset(np.flatnonzero(rows))
    return solve(replace(sub, c=np.zeros(sub.n_cols)), options).status is Status.OPTIMAL


def conflicting_rows(lp: LinearProgram, options: SolveOptions | None = None) -> list[int]:
    """An irreducible infeasible subset of rows (column bounds always kept), by deletion.

    Rows are tried for removal from the least to the most fundamental kind, so the set that
    remains speaks of budgets and minimums rather than incidental rows where it can.
    """
    keep = np.ones(lp.n_rows, dtype=bool)
    if is_feasible(lp, keep, options):
        return []
    order = sorted(range(lp.n_rows), key=lambda r: ROW_KINDS[lp.row_kind[r]].conflict_priority)
    for r in order:
        if out_of_time():  # what is kept still conflicts; it may not be the smallest set
            break
        keep[r] = False
        if is_feasible(lp, keep, options):
            keep[r] = True  # needed for the conflict
    return [int(r) for r in np.flatnonzero(keep)]
