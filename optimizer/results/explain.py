"""Why each channel got what it got, derived from the solution: what binds, the prices of
the binding rows (duals) and the reduced costs of the channel's next dollar.

- A tie (an alternative optimum, `ties.py`) is said as such, never as a reason.
- A funded channel at one of its own caps (max_spend, the end of its tiers, its floor, its
  share...) says so: binding, with its next dollar breaking it, is reason enough. A minimum
  holds a channel up only when its price says so.
- Otherwise the reason is the shared row (the budget, a group share, a capacity, a period's
  budget...) whose price charges the channel's next dollar most; if none does and that
  dollar loses money, the next tier is the reason.
- An unfunded channel is "earning less" only when its next dollar's reduced cost is strictly
  worse; then the row that charges it most is named.

Each reason carries its code, the constraints it rests on and any tie partners, so that the
tests check the claim, not the words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .. import fmt
from ..lp.kinds import ROW_KINDS, ColKind, RowKind, Scope
from ..lp.program import LinearProgram, channel_spend, next_dollar
from ..scenario.model import Channel, Scenario
from .constraints import best_ratio, describe, row_context
from .tables import Table
from .ties import Ties

TOL = 1e-6
_ORDER = {kind: k for k, kind in enumerate(ROW_KINDS)}
BETTER = {"net_value": "earn more", "customers": "bring more customers",
          "leads": "bring more leads", "value": "bring more value",
          "min_spend": "reach the target more cheaply", "npv": "earn more NPV"}
SAME = {"net_value": "net value", "customers": "number of customers", "leads": "number of leads",
        "value": "expected value", "min_spend": "spend", "npv": "NPV"}


@dataclass(frozen=True)
class Reason:
    text: str
    code: str  # see docs/json-schema.md (why_detail)
    constraints: tuple[str, ...] = ()
    ties_with: tuple[str, ...] = ()
    moves: str = ""  # in a tie: "in" (this channel can take spend) or "out" (give it up)

    def record(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "constraints": list(self.constraints),
                                  "ties_with": list(self.ties_with)}
        if self.moves:
            out["moves"] = self.moves
        return out


@dataclass(frozen=True)
class _Context:
    scenario: Scenario
    lp: LinearProgram
    x: np.ndarray
    table: Table
    prices: np.ndarray | None  # per stored row, d objective / d b (maximisation), or None
    reduced: np.ndarray | None  # per column, maximisation reduced cost, or None
    ties: Ties
    marginal_cpl: np.ndarray
    columns: sp.csc_matrix  # A by columns, to read a channel's next dollar
    next_cols: dict[int, np.ndarray]  # per channel its next dollar's columns (next_dollar)

    @property
    def better(self) -> str:
        return BETTER[self.scenario.objective]


def explain_channels(scenario: Scenario, lp: LinearProgram, x: np.ndarray, table: Table,
                     marginal_cpl: np.ndarray, duals: np.ndarray | None = None,
                     reduced: np.ndarray | None = None, ties: Ties | None = None
                     ) -> list[Reason]:
    """One reason per channel, in scenario order. `duals` and `reduced` are the solver's
    (minimisation convention, stored rows)."""
    ctx = _Context(scenario, lp, x, table, None if duals is None else -duals,
                   None if reduced is None else -reduced, ties or Ties(()), marginal_cpl,
                   lp.A.tocsc(), _by_channel(lp, next_dollar(lp, x)))
    spend = channel_spend(lp, x)
    binding = np.flatnonzero(table["binding"].astype(bool))
    own: dict[int, list[int]] = {}
    for r in (int(r) for r in binding):
        if ROW_KINDS[lp.row_kind[r]].scope is Scope.OWN and lp.row_channel[r] >= 0:
            own.setdefault(int(lp.row_channel[r]), []).append(r)
    out = []
    for i, ch in enumerate(scenario.channels):
        rows = sorted(own.get(i, []), key=lambda r: (_ORDER[lp.row_kind[r]], r))
        funded = spend[i] > TOL * max(1.0, scenario.budget)
        out.append(_funded(ctx, i, ch, rows, binding) if funded
                   else _unfunded(ctx, i, ch, binding))
    return out


def _by_channel(lp: LinearProgram, mask: np.ndarray) -> dict[int, np.ndarray]:
    cols = np.flatnonzero(mask)
    out: dict[int, list[int]] = {}
    for j, i in zip(cols.tolist(), lp.col_channel[cols].tolist(), strict=True):
        out.setdefault(int(i), []).append(j)
    return {i: np.asarray(v, dtype=np.int64) for i, v in out.items()}


# ------------------------------------------------------------------------------ ties


def _tie(ctx: _Context, i: int) -> Reason | None:
    ties = ctx.ties.of(i)
    if not ties:
        return None
    names = ctx.scenario.channel_names
    cur = ctx.scenario.currency
    same = SAME[ctx.scenario.objective]
    tie = ties[0]
    group = [tie.channel, *tie.partners]
    others = [names[k] for k in group if k != i]
    if not tie.partners:  # the channel against unspent budget
        text = (f"ties with leaving budget unspent: up to {fmt.money(tie.amount, cur)} more "
                f"on {names[tie.channel]} gives the same {same}")
        return Reason(text, "tie", (), ("unspent budget",), "in")
    if tie.constant_total:
        text = (f"ties with {_join(others)}: any split of {fmt.money(tie.total, cur)} between "
                f"them gives the same {same}")
    else:
        text = (f"ties with {_join(others)}: moving up to {fmt.money(tie.amount, cur)} into "
                f"{names[tie.channel]} gives the same {same}")
    return Reason(text, "tie", (), tuple(others), "in" if i == tie.channel else "out")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ------------------------------------------------------------------------------ funded


def _funded(ctx: _Context, i: int, ch: Channel, own: list[int], binding: np.ndarray
            ) -> Reason:
    tie = _tie(ctx, i)
    if tie is not None:
        return tie
    lp, price = ctx.lp, ctx.table["shadow_price"]
    cols = _next_columns(ctx, i)
    block = ctx.columns[:, cols].tocsr() if cols.size and own else None
    for r in own:  # its own caps: binding, and its next dollar would break it
        if block is None or np.any(block[r].toarray() > 1e-12):
            return _from_row(ctx, i, r, "own_limit")
    for r in own:  # a minimum holds it up only when its price says so
        if abs(price[r]) > 1e-9:
            return _from_row(ctx, i, r, "own_minimum")
    units = _units(ctx, i, ch)
    if units is not None:
        return units
    contributions = _contributions(ctx, i, binding)
    charged = [r for r, t in contributions if t > 1e-12]
    if charged:
        return _from_row(ctx, i, charged[0], "shared")
    if _next_dollar_loses(ctx, i):
        return Reason(f"funded until its next tier (CPL "
                      f"{fmt.money(ctx.marginal_cpl[i], ctx.scenario.currency, 2)}) would return "
                      "less than it costs", "next_tier_loses")
    pushed = [r for r, t in contributions if t < -1e-12]
    if pushed:
        return Reason(f"funded to meet this constraint: {describe(ctx.scenario, lp, pushed[-1])}",
                      "pushed", (lp.row_name(pushed[-1]),))
    shared = [int(r) for r in binding if ROW_KINDS[lp.row_kind[r]].scope is not Scope.OWN]
    if shared:
        return Reason(f"funded as far as this allows: {describe(ctx.scenario, lp, shared[0])}",
                      "binding", (lp.row_name(shared[0]),))
    return Reason("funded as far as its own returns allow", "unlimited")


def _units(ctx: _Context, i: int, ch: Channel) -> Reason | None:
    """A channel bought in whole units: its spend is an integer choice."""
    if ch.unit is None or not ctx.lp.is_mip:
        return None
    cols = np.flatnonzero((ctx.lp.col_channel == i) &
                          ctx.lp.cols_of(ColKind.UNITS))
    if not cols.size:
        return None
    n = round(ctx.x[cols[0]])
    cur = ctx.scenario.currency
    return Reason(f"bought in {n} whole unit{'s' if n != 1 else ''} of {fmt.money(ch.unit, cur)}, "
                  "the best whole number (an integer choice)", "units")


def _from_row(ctx: _Context, i: int, r: int, code: str) -> Reason:
    template = ROW_KINDS[ctx.lp.row_kind[r]].reason or "limited by this: {describe}"
    text = template.format(describe=describe(ctx.scenario, ctx.lp, r),
                           **row_context(ctx.scenario, ctx.lp, r, marginal=ctx.marginal_cpl[i]))
    return Reason(text, code, (ctx.lp.row_name(r),))


def _next_columns(ctx: _Context, i: int) -> np.ndarray:
    """Channel i's next dollar: per period, its first tier column with room."""
    return ctx.next_cols.get(i, _NONE)


_NONE = np.zeros(0, dtype=np.int64)


def _contributions(ctx: _Context, i: int, binding: np.ndarray) -> list[tuple[int, float]]:
    """Shared binding rows with what their price charges channel i's next dollar (positive:
    holds it back), largest first."""
    if ctx.prices is None:
        return []
    cols = _next_columns(ctx, i)
    if not cols.size:
        return []
    lp = ctx.lp
    sub = np.asarray(ctx.columns[:, cols].sum(axis=1)).ravel() / cols.size
    out = []
    for r in (int(r) for r in binding):
        info = ROW_KINDS[lp.row_kind[r]]
        if info.scope is Scope.OWN or info.structural:
            continue
        t = float(ctx.prices[r] * sub[r])
        if abs(t) > 1e-12:
            out.append((r, t))
    # the most specific first: the budget charges every dollar alike, so it comes last
    return sorted(out, key=lambda rt: (rt[1] > 0 and _is_budget(lp, rt[0]), -rt[1]))


def _is_budget(lp: LinearProgram, r: int) -> bool:
    return ROW_KINDS[lp.row_kind[r]].scope is Scope.BUDGET


def _next_dollar_loses(ctx: _Context, i: int) -> bool:
    cols = _next_columns(ctx, i)
    return not cols.size or bool(np.all(ctx.lp.c[cols] <= 1e-12))


# ------------------------------------------------------------------------------ unfunded


def _unfunded(ctx: _Context, i: int, ch: Channel, binding: np.ndarray) -> Reason:
    sc, lp = ctx.scenario, ctx.lp
    ratio0 = best_ratio(sc, lp, i)
    floor = sc.floor_of(ch)
    _, _, hi, hi_src = sc.spend_bounds(ch)
    if floor is not None and ratio0 < floor - 1e-12:
        extra = " (and below 1: it would lose money)" if ratio0 < 1 else ""
        return Reason(f"excluded: CLV:CPA {fmt.ratio(ratio0)} is below the {fmt.plain(floor)} "
                      f"floor{extra}", "excluded_floor")
    if sc.objective == "net_value" and ratio0 <= 1:
        return Reason(f"excluded: CLV:CPA {fmt.ratio(ratio0)} is below 1, every dollar would "
                      "lose money", "excluded_loses")
    if hi <= TOL:
        text = ("held at $0 by max_change (it has no current spend)" if hi_src == "max_change"
                else f"held at $0 by its {hi_src}")
        return Reason(text, "held_zero")
    off = _switched_off(ctx, i, ch, binding)
    if off is not None:
        return off
    tie = _tie(ctx, i)
    if tie is not None:
        return tie
    cols = _next_columns(ctx, i)
    if ctx.reduced is None or not cols.size:
        return Reason(f"not funded: other channels {ctx.better} per dollar", "earns_less")
    rc = float(np.max(ctx.reduced[cols]))
    scale = max(1.0, float(np.max(np.abs(lp.c))))
    if rc < -1e-9 * scale:  # strictly worse: name what charges its next dollar most
        contributions = _contributions(ctx, i, binding)
        charged = [r for r, t in contributions if t > 1e-12]
        if charged:
            return _charged(ctx, charged[0])
        return Reason("not funded: every dollar here would return less than it costs",
                      "next_tier_loses")
    if i in ctx.ties.unchecked:
        return Reason(f"not funded: its next dollar would {ctx.better.split()[0]} as much as in "
                      "the channels chosen (a possible tie, not examined)", "tie_unchecked")
    limits = [lp.row_name(int(r)) for r in binding
              if _covers(lp, int(r), cols) and ROW_KINDS[lp.row_kind[r]].scope is not Scope.OWN]
    return Reason(f"not funded: it would {ctx.better.split()[0]} as much per dollar as the "
                  "channels chosen, but the binding limits leave it no room", "no_room",
                  tuple(limits))


def _covers(lp: LinearProgram, r: int, cols: np.ndarray) -> bool:
    return bool(np.any(lp.A[r, cols].toarray() != 0))


def _charged(ctx: _Context, r: int) -> Reason:
    lp = ctx.lp
    info = ROW_KINDS[lp.row_kind[r]]
    name = lp.row_name(r)
    if info.scope is Scope.BUDGET:
        return Reason(f"not funded: other channels {ctx.better} per dollar and took the budget",
                      "earns_less", (name,))
    context = row_context(ctx.scenario, lp, r)
    if info.scope is Scope.GROUP:
        return Reason(f"not funded: limited by group {context['group']}'s share of total spend",
                      "earns_less", (name,))
    return Reason(f"not funded: {describe(ctx.scenario, lp, r)}, and other channels "
                  f"{ctx.better} per unit of it", "earns_less", (name,))


def _switched_off(ctx: _Context, i: int, ch: Channel, binding: np.ndarray) -> Reason | None:
    """A mixed-integer plan's on/off choice for a channel it does not use."""
    lp = ctx.lp
    active = np.flatnonzero((lp.col_channel == i) &
                            lp.cols_of(ColKind.ACTIVE))
    if not active.size or ctx.x[active[0]] > 0.5:
        return None
    cur = ctx.scenario.currency
    if any(lp.row_kind[r] is RowKind.MAX_ACTIVE for r in binding):
        limit = ctx.scenario.constraints.max_active_channels
        return Reason(f"not funded: max_active_channels allows {limit} channels, and the ones "
                      f"chosen {ctx.better} together", "off_choice",
                      (str(RowKind.MAX_ACTIVE),))
    what = " and ".join(
        ([f"its {fmt.money(ch.fixed_cost, cur)} fixed cost"] if ch.fixed_cost else []) +
        ([f"its {fmt.money(ch.effective_min_buy, cur)} minimum buy"] if ch.effective_min_buy
         else []))
    return Reason(f"not funded: {what or 'switching it on'} would not pay off against the "
                  "other channels", "off_choice")
