"""The budget frontier: the optimum as a function of the total budget, and its inverse.

The LP is built once; each point only swaps the budget bound and re-solves warm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .. import fmt
from ..backends import SolveOptions, solve
from ..backends.highs import HighsSession
from ..lp.build import build_lp
from ..lp.kinds import ROW_KINDS, Price
from ..lp.program import LinearProgram, channel_spend
from ..results.constraints import constraint_table, describe
from ..results.kpis import evaluate, totals
from ..results.tables import Table
from ..scenario.model import Scenario
from ..status import Status

POINT_COLUMNS = ("budget", "status", "spend", "unspent", "leads", "customers", "value",
                 "net_value", "blended_cpa", "blended_clv_to_cpa", "marginal_net_value",
                 "next_dollar_channel")


@dataclass(frozen=True)
class Frontier:
    """Optimal plans across budgets.

    `points`: one row per budget (columns POINT_COLUMNS); `spend`: budgets x channels.
    `saturation_budget`: the budget beyond which extra money earns nothing (None when more
    money keeps earning); `saturation_reason` says why in plain words.
    """

    scenario: Scenario
    points: pd.DataFrame
    spend: pd.DataFrame
    saturation_budget: float | None
    saturation_reason: str
    solver: str = "highs"


@dataclass(frozen=True)
class TargetPlan:
    """The cheapest plan that reaches a target of customers or value under all constraints."""

    scenario: Scenario
    target: str  # "customers" | "value"
    amount: float
    status: Status
    budget: float | None  # the smallest budget that reaches the target
    channel_table: Table | None
    totals: dict[str, float] | None
    explanation: str

    @property
    def channels(self) -> pd.DataFrame | None:
        return None if self.channel_table is None else self.channel_table.to_frame()


def _point(lp: LinearProgram, x: np.ndarray) -> dict[str, float]:
    """Totals of one frontier point straight from the column values (no DataFrames: this
    runs once per budget)."""
    spend = float(x.sum())
    leads = float(x @ (1.0 / lp.col_cpl))
    customers = float(x @ lp.col_customers_per_dollar)
    value = float(x @ lp.col_value_per_dollar)
    return {"spend": spend, "leads": leads, "customers": customers, "value": value,
            "net_value": value - spend,
            "blended_cpa": spend / customers if customers > 1e-12 else math.nan,
            "blended_clv_to_cpa": value / spend if spend > 1e-12 else math.nan}


def budget_frontier(scenario: Scenario, budgets: list[float] | np.ndarray | None = None, *,
                    start: float | None = None, stop: float | None = None,
                    points: int = 25, options: SolveOptions | None = None) -> Frontier:
    """Re-solve the scenario's LP across budgets (`budgets`, or `points` evenly spaced from
    `start` to `stop`; defaults span a quarter of the budget to past the saturation budget).

    With HiGHS one program is built and re-solved warm, swapping only the budget; with
    another backend (`options.solver`), or integer choices, curves or another objective,
    each budget is planned on its own with that backend."""
    options = options or SolveOptions()
    if scenario.is_mixed_integer or scenario.has_curves or scenario.objective != "net_value" \
            or options.solver != "highs":
        return _frontier_by_solves(scenario, budgets, start, stop, points, options)
    lp = build_lp(scenario)
    n = len(scenario.channels)
    names = list(scenario.channel_names)
    saturation, reason = _saturation(scenario, lp, options)
    budgets = _budgets(scenario, budgets, start, stop, points, saturation)
    budget_row = lp.budget_row
    session = HighsSession(lp, options)
    rows, spends = [], []
    for budget in budgets:
        session.set_row_upper(budget_row, budget)
        found = session.solve()
        status, x, duals = found.status, found.x, found.duals
        row: dict[str, object] = {"budget": float(budget), "status": str(status)}
        if status is not Status.OPTIMAL or x is None or duals is None:
            row.update(dict.fromkeys(POINT_COLUMNS[2:-1], math.nan))
            row["next_dollar_channel"] = None
            rows.append(row)
            spends.append(np.full(n, math.nan))
            continue
        x = np.clip(x, lp.lb, lp.ub)
        row.update(_point(lp, x))
        row["unspent"] = float(budget) - row["spend"]  # type: ignore[operator]
        marginal = float(-duals[budget_row])
        row["marginal_net_value"] = 0.0 if abs(marginal) < 1e-9 else marginal
        row["next_dollar_channel"] = _next_dollar(session, lp, x, budget, names,
                                                  marginal, scenario.use_full_budget)
        rows.append(row)
        spends.append(channel_spend(lp, x))
    table = pd.DataFrame(rows, columns=list(POINT_COLUMNS))
    # keep "no channel" as None (pandas' string dtype would turn it into NaN)
    table["next_dollar_channel"] = pd.Series([r["next_dollar_channel"] for r in rows],
                                             dtype=object)
    spend = pd.DataFrame(np.vstack(spends), columns=names,
                         index=pd.Index(budgets, name="budget"))
    return Frontier(scenario, table, spend, saturation, reason, options.solver)


def _budgets(scenario: Scenario, budgets: list[float] | np.ndarray | None,
             start: float | None, stop: float | None, points: int,
             saturation: float | None) -> np.ndarray:
    """The budgets to solve: those given, or `points` from a quarter of the file's budget to
    twice it (or past the saturation budget)."""
    if budgets is None:
        lo = scenario.budget * 0.25 if start is None else start
        hi = stop if stop is not None else max(
            2.0 * scenario.budget, 1.1 * saturation if saturation is not None else 0.0)
        if points < 2 or hi <= lo:
            raise ValueError("a frontier needs at least 2 points and --to above --from")
        budgets = np.linspace(lo, hi, points)
    budgets = np.asarray(budgets, dtype=float)
    if (budgets <= 0).any():
        raise ValueError("frontier budgets must be positive")
    return budgets


def _frontier_by_solves(scenario: Scenario, budgets: list[float] | np.ndarray | None,
                        start: float | None, stop: float | None, points: int,
                        options: SolveOptions) -> Frontier:
    """The frontier of a scenario that one warm-started LP cannot follow (integer choices,
    response curves re-linearised per budget, other objectives, another backend): a full
    solve per budget. The marginal value is the budget's shadow price (of the LP with
    integer choices fixed)."""
    from ..results.plan import optimize

    budgets = _budgets(scenario, budgets, start, stop, points, None)
    names = list(scenario.channel_names)
    rows, spends = [], []
    for budget in budgets:
        result = optimize(scenario.with_budget(float(budget)), options=options)
        row: dict[str, object] = {"budget": float(budget), "status": str(result.status)}
        if not result.is_optimal or result.totals is None or result.channel_table is None \
                or result.constraint_table is None or result.lp is None:
            row.update(dict.fromkeys(POINT_COLUMNS[2:-1], math.nan))
            spends.append(np.full(len(names), math.nan))
        else:
            row.update({k: result.totals[k] for k in POINT_COLUMNS[2:-2]})
            price = result.constraint_table["shadow_price"][result.lp.budget_row]
            row["marginal_net_value"] = float(price)
            spends.append(result.channel_table["spend"])
        row["next_dollar_channel"] = None
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(POINT_COLUMNS))
    table["next_dollar_channel"] = pd.Series([None] * len(rows), dtype=object)
    spend = pd.DataFrame(np.vstack(spends), columns=names, index=pd.Index(budgets, name="budget"))
    kind = ("integer choices" if scenario.is_mixed_integer else
            "response curves" if scenario.has_curves else
            f"objective {scenario.objective}" if scenario.objective != "net_value" else
            f"the {options.solver} backend (no warm re-solves)")
    return Frontier(scenario, table, spend, None,
                    f"not computed: with {kind} each budget is solved on its own, and the "
                    "saturation budget is not searched for", options.solver)


def _next_dollar(session: HighsSession, lp: LinearProgram, x: np.ndarray, budget: float,
                 names: list[str], marginal: float, forced: bool) -> str | None:
    """The channel whose spend grows most when the budget grows by a small step."""
    if marginal <= 1e-9 and not forced:
        return None  # the next dollar stays unspent
    step = max(1.0, 1e-4 * budget)
    session.set_row_upper(lp.budget_row, budget + step)
    found = session.solve()
    if found.status is not Status.OPTIMAL or found.x is None:
        return None
    delta = channel_spend(lp, found.x - x)
    best = int(np.argmax(delta))
    return names[best] if delta[best] > 1e-6 * step else None


def _without_budget(lp: LinearProgram) -> LinearProgram:
    """The same LP with the budget row left unbounded (an equality budget included)."""
    return lp.with_row_bound(lp.budget_row, math.inf, equality=False)


def _saturation(scenario: Scenario, lp: LinearProgram, options: SolveOptions
                ) -> tuple[float | None, str]:
    """Spend of the optimum with no budget limit: beyond it extra money earns nothing."""
    free = _without_budget(lp)
    found = solve(free, options)
    status, x, duals = found.status, found.x, found.duals
    if status is Status.UNBOUNDED:
        return None, ("extra money keeps earning: a channel with no spending limit returns "
                      "more than it costs, so no budget saturates the plan")
    if status is not Status.OPTIMAL or x is None or duals is None:
        return None, "the plan is infeasible at every budget (see `chanopt plan`)"
    x = np.clip(x, lp.lb, lp.ub)
    spend = float(x.sum())
    table = constraint_table(scenario, free, x, duals)
    # what caps spending: every binding limit but the budget and the minimums
    tight = [r for r in np.flatnonzero(table["binding"].astype(bool))
             if r != lp.budget_row and ROW_KINDS[lp.row_kind[r]].price is not Price.POS]
    if tight:
        what = "; ".join(describe(scenario, lp, int(r)) for r in tight[:6])
        more = f" (and {len(tight) - 6} more)" if len(tight) > 6 else ""
        return spend, f"beyond this budget extra money earns nothing: {what}{more}"
    return spend, ("beyond this budget extra money earns nothing: every further dollar "
                   "would return less than it costs")


def budget_for_target(scenario: Scenario, *, customers: float | None = None,
                      value: float | None = None, solver: str = "highs",
                      options: SolveOptions | None = None) -> TargetPlan:
    """The smallest budget (and its plan) that reaches `customers` or `value` under every
    constraint of the scenario except the budget itself."""
    options = options or SolveOptions(solver)
    if (customers is None) == (value is None):
        raise ValueError("give exactly one target: customers or value")
    kind, amount = ("customers", customers) if customers is not None else ("value", value)
    assert amount is not None
    lp = build_lp(scenario)
    per_dollar = lp.col_customers_per_dollar if kind == "customers" else lp.col_value_per_dollar
    free = _without_budget(lp)
    target_row = sp.csr_matrix(-per_dollar.reshape(1, -1))
    cheapest = replace(free, c=-np.ones(lp.n_cols), A=sp.vstack([lp.A, target_row]).tocsr(),
                       b=np.r_[free.b, -amount], is_eq=np.r_[free.is_eq, False],
                       row_scale=np.r_[lp.row_scale, 1.0])
    cur = scenario.currency

    def show(v: float) -> str:
        return f"{v:,.1f} customers" if kind == "customers" else f"{fmt.money(v, cur)} of value"

    out = solve(cheapest, options)
    if out.status is not Status.OPTIMAL or out.x is None:
        reachable = _max_reachable(free, per_dollar, options)
        if reachable is None:
            why = "the constraints conflict at every budget (see `chanopt plan`)"
        else:
            why = f"at most {show(reachable)} can be reached under the constraints"
        return TargetPlan(scenario, kind, amount, Status.INFEASIBLE, None, None, None,
                          f"no budget reaches {show(amount)}: {why}")
    x = np.clip(out.x, lp.lb, lp.ub)
    need = float(x.sum())
    sized = scenario.with_budget(max(need, 1e-9))
    frame = evaluate(sized, lp, x)
    return TargetPlan(sized, kind, amount, Status.OPTIMAL, need, frame, totals(sized, frame),
                      f"the smallest budget that reaches {show(amount)} is "
                      f"{fmt.money(need, cur, 2)}")


def _max_reachable(free: LinearProgram, per_dollar: np.ndarray, options: SolveOptions
                   ) -> float | None:
    """Most of `per_dollar` (customers or value) reachable with no budget limit."""
    found = solve(replace(free, c=per_dollar), options)
    if found.status is Status.OPTIMAL and found.x is not None:
        return float(per_dollar @ found.x)
    return None
