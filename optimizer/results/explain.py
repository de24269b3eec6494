"""Why each channel got what it got, in plain words, from what binds at the optimum.

A funded channel's reason is the first binding limit on it that has a non-zero price: its
own limits first (in the kinds table's order), then what it shares (its groups, portfolio
limits, the budget). Each limit reads as the `reason` template of its kind. An unfunded
channel says why it earns nothing, or what took the money.
"""

from __future__ import annotations

import numpy as np

from .. import fmt
from ..lp.kinds import ROW_KINDS, RowKind, Scope
from ..lp.program import LinearProgram, channel_spend
from ..scenario.model import Channel, Scenario
from .constraints import row_context
from .tables import Table

TOL = 1e-6
_ORDER = {kind: k for k, kind in enumerate(ROW_KINDS)}


def explain_channels(scenario: Scenario, lp: LinearProgram, x: np.ndarray,
                     constraints: Table, marginal_cpl: np.ndarray) -> list[str]:
    """One sentence per channel, in scenario order."""
    spend = channel_spend(lp, x)
    binding = np.flatnonzero(constraints["binding"].astype(bool))
    price = constraints["shadow_price"]
    on = _Binding(lp, binding, scenario)
    out = []
    for i, ch in enumerate(scenario.channels):
        rows = on.rows(i, ch.name)
        if spend[i] <= TOL * max(1.0, scenario.budget):
            out.append(_unfunded(scenario, lp, ch, rows, binding))
            continue
        own = [r for r in rows if ROW_KINDS[lp.row_kind[r]].scope is Scope.OWN]
        shared = [r for r in rows if r not in own]
        priced = ([r for r in own if abs(price[r]) > 1e-9] or
                  [r for r in shared if abs(price[r]) > 1e-9] or own + shared)
        if priced:
            r = priced[0]
            out.append(ROW_KINDS[lp.row_kind[r]].reason.format(
                **row_context(scenario, lp, r, marginal=marginal_cpl[i])))
        else:
            out.append(f"funded until its next tier (CPL "
                       f"{fmt.money(marginal_cpl[i], scenario.currency, 2)}) would return "
                       "less than it costs")
    return out


class _Binding:
    """The binding rows, sorted once by whom they limit."""

    def __init__(self, lp: LinearProgram, binding: np.ndarray, scenario: Scenario) -> None:
        self.own: dict[int, list[int]] = {}
        self.group: list[tuple[set[str], int]] = []
        self.shared: dict[Scope, list[int]] = {Scope.PORTFOLIO: [], Scope.BUDGET: []}
        groups = scenario.constraints.groups
        for r in (int(r) for r in binding):
            scope = ROW_KINDS[lp.row_kind[r]].scope
            if scope is Scope.OWN:
                self.own.setdefault(int(lp.row_channel[r]), []).append(r)
            elif scope is Scope.GROUP and lp.row_group[r] >= 0:
                self.group.append((set(groups[lp.row_group[r]].channels), r))
            elif scope in self.shared:
                self.shared[scope].append(r)
        for rows in self.own.values():
            rows.sort(key=lambda r: (_ORDER[lp.row_kind[r]], r))

    def rows(self, i: int, name: str) -> list[int]:
        """Binding rows that limit channel i, in the order reasons are tried: its own (kinds
        table order), its groups', the portfolio's, the budget."""
        return (self.own.get(i, []) + [r for members, r in self.group if name in members] +
                self.shared[Scope.PORTFOLIO] + self.shared[Scope.BUDGET])


def _unfunded(scenario: Scenario, lp: LinearProgram, ch: Channel, rows: list[int],
              binding: np.ndarray) -> str:
    cur = scenario.currency
    ratio0 = ch.first_ratio
    floor = scenario.floor_of(ch)
    _, _, hi, hi_src = scenario.spend_bounds(ch)
    groups = [lp.names.groups[lp.row_group[r]] for r in rows
              if ROW_KINDS[lp.row_kind[r]].scope is Scope.GROUP]
    caps = [str(lp.row_kind[r]) for r in rows
            if ROW_KINDS[lp.row_kind[r]].scope is Scope.PORTFOLIO]
    if floor is not None and ratio0 < floor - 1e-12:
        extra = " (and below 1: it would lose money)" if ratio0 < 1 else ""
        return (f"excluded: CLV:CPA {fmt.ratio(ratio0)} is below the {fmt.plain(floor)} "
                f"floor{extra}")
    if ratio0 <= 1:
        return f"excluded: CLV:CPA {fmt.ratio(ratio0)} is below 1, every dollar would lose money"
    if hi <= TOL:
        return ("held at $0 by max_change (it has no current spend)" if hi_src == "max_change"
                else f"held at $0 by its {hi_src}")
    if groups:
        return f"not funded: limited by the group share of {', '.join(groups)}"
    if caps:
        return f"not funded: {caps[0]} is used by channels that earn more per unit"
    if any(lp.row_kind[r] is RowKind.MAX_ACTIVE for r in binding):
        limit = scenario.constraints.max_active_channels
        return (f"not funded: max_active_channels allows {limit} channels, and the ones "
                "chosen earn more together")
    if ch.fixed_cost > 0 or ch.effective_min_buy > 0:
        what = " and ".join(
            ([f"its {fmt.money(ch.fixed_cost, cur)} fixed cost"] if ch.fixed_cost else [])
            + ([f"its {fmt.money(ch.effective_min_buy, cur)} minimum buy"]
               if ch.effective_min_buy else []))
        return f"not funded: {what} would not pay off against the other channels"
    return "not funded: other channels earn more per dollar and took the budget"
