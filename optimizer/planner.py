"""Solve a scenario and map the solution back to tidy DataFrames."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import fmt
from ._version import __version__
from .backends import MIP_REL_GAP, SolveOptions, SolveOutput, get_backend
from .constraints import constraint_table, current_violations
from .curves import CurveFit, linearise
from .diagnose import explain_infeasible
from .errors import InfeasiblePlanError, SolverError
from .explain import explain_channels
from .kpis import evaluate, totals
from .lp import (LinearProgram, build_lp, channel_spend, fill_tiers, period_spend,
                 period_sum, tier_order_violations)
from .model import Scenario
from .repair import Suggestion, suggest_repairs
from .status import Status


@dataclass(frozen=True)
class PlanResult:
    """The optimal plan of one scenario, and the current plan evaluated in the same model.

    `channels` and `totals` are None unless a plan was found; the current plan is always
    evaluated, and the constraints it breaks are listed in `current_violations`.
    """

    scenario: Scenario
    status: Status
    solver: str
    channels: pd.DataFrame | None
    totals: dict[str, float] | None
    current_channels: pd.DataFrame
    current_totals: dict[str, float]
    current_violations: tuple[str, ...]
    constraints: pd.DataFrame | None
    conflicts: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    message: str = ""
    tier_spend: np.ndarray | None = field(default=None, repr=False, compare=False)
    """Spend per (channel, tier) column of the LP, in `lp` column order (None without a plan)."""
    package_version: str = __version__
    lp: LinearProgram | None = field(default=None, repr=False, compare=False)
    objective_value: float | None = None
    """The optimum of the scenario's objective (net value, customers, leads, value, or spend
    for min_spend), None without a plan."""
    mip_gap: float | None = None
    """Relative gap between the plan and the best bound (mixed-integer scenarios; None for
    an LP, or when the solver does not report it)."""
    curve_fit: CurveFit | None = None
    periods: pd.DataFrame | None = None
    """Per-period KPIs (index: period name), for scenarios with `periods`."""
    period_spend: pd.DataFrame | None = None
    """Media spend per period (rows) and channel (columns), for scenarios with `periods`."""

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def input_hash(self) -> str:
        return self.scenario.input_hash

    @property
    def is_optimal(self) -> bool:
        return self.status is Status.OPTIMAL

    @property
    def objective(self) -> float | None:
        """Net value (expected CLV minus spend) of the plan, whatever the objective."""
        return None if self.totals is None else self.totals["net_value"]

    @property
    def objective_kind(self) -> str:
        return self.scenario.objective

    @property
    def is_mip(self) -> bool:
        return self.scenario.is_mixed_integer

    @property
    def binding(self) -> pd.DataFrame:
        """The constraints that hold with equality at the optimum, with shadow prices."""
        if self.constraints is None:
            return pd.DataFrame(columns=["constraint", "shadow_price"])
        return self.constraints[self.constraints["binding"]].reset_index(drop=True)

    @property
    def spend(self) -> pd.Series:
        """Optimal spend per channel (empty when there is no plan)."""
        if self.channels is None:
            return pd.Series(dtype=float, name="spend")
        return self.channels["spend"]

    def suggest_repairs(self) -> tuple[Suggestion, ...]:
        """For an infeasible plan: ranked changes to one constraint each, every one of which
        alone makes the plan feasible (empty when the plan is feasible)."""
        if self.status is not Status.INFEASIBLE:
            return ()
        return suggest_repairs(self.scenario)

    @property
    def shadow_price_note(self) -> str | None:
        """How to read the shadow prices when they are not plain LP duals."""
        if self.is_mip and self.constraints is not None:
            return ("mixed-integer plan: shadow prices are those of the LP with the integer "
                    "choices (which channels are on, how many units) fixed at the optimum; "
                    "they hold only while those choices stay the same")
        return None

    def raise_for_status(self) -> PlanResult:
        """Return self if optimal; raise InfeasiblePlanError or SolverError otherwise."""
        if self.status is Status.INFEASIBLE:
            raise InfeasiblePlanError(self.scenario.name, self.conflicts)
        if self.status is not Status.OPTIMAL:
            raise SolverError(f"{self.scenario.name}: solver stopped with status "
                              f"'{self.status}': {self.message}")
        return self


def optimize(scenario: Scenario, solver: str = "highs", *, time_limit: float | None = None,
             export_model: str | None = None, mip_rel_gap: float = MIP_REL_GAP) -> PlanResult:
    """Find the allocation that is best for the scenario's objective (by default expected CLV
    minus spend) under every constraint.

    Infeasibility is a result, not an exception: check `result.status` or call
    `result.raise_for_status()`. A mixed-integer solve stopped by `time_limit` returns its
    best plan with status `limit_reached` and its gap, never `optimal`.
    """
    backend = get_backend(solver)
    options = SolveOptions(time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    curve_fit = None
    if scenario.has_curves:
        def optimum(candidate: Scenario) -> float | None:
            found = backend(build_lp(candidate), options)
            return found.objective if found.status is Status.OPTIMAL else None

        scenario, curve_fit = linearise(scenario, optimum)
    lp = build_lp(scenario)
    out = backend(lp, replace(options, export_model=export_model))
    duals = out.duals
    x_raw = out.x
    if lp.is_mip and x_raw is not None:
        x_raw, duals = fixed_integer_duals(lp, x_raw, backend)

    chans = scenario.channels
    current_x = fill_tiers(lp, np.array([c.current_spend for c in chans]),
                           np.array([c.fixed_cost for c in chans]),
                           np.array([c.unit or 0.0 for c in chans]))
    current = evaluate(scenario, lp, current_x)
    violations = list(current_violations(scenario, lp, current_x))
    for ch in chans:
        if ch.current_spend - ch.fixed_cost > ch.capacity * (1 + 1e-9):
            violations.append(f"{ch.name} spends {fmt.money(ch.current_spend, scenario.currency)}"
                              f", beyond its last tier ({fmt.money(ch.capacity, scenario.currency)});"
                              " the excess is counted as bringing no leads")
    common = dict(scenario=scenario, solver=out.solver, current_channels=current,
                  current_totals=totals(scenario, current),
                  current_violations=tuple(violations), message=out.message, lp=lp,
                  mip_gap=out.mip_gap, curve_fit=curve_fit)

    if x_raw is None:
        conflicts = explain_infeasible(scenario, lp) if out.status is Status.INFEASIBLE else ()
        return PlanResult(status=out.status, channels=None, totals=None, constraints=None,
                          conflicts=conflicts, **common)

    x, channels, table = plan_frames(scenario, lp, x_raw, duals)
    warnings = []
    if out.status is Status.LIMIT_REACHED:
        gap = "unknown" if out.mip_gap is None else fmt.pct(out.mip_gap, 2)
        warnings.append(f"the solver stopped at its limit before proving this plan optimal "
                        f"(gap {gap}); it is the best plan found, not necessarily the best")
    if curve_fit is not None and not curve_fit.met:
        warnings.append(f"response curves: the linearised plan is within "
                        f"{fmt.pct(curve_fit.bound, 3)} of the smooth optimum, above the "
                        f"{fmt.pct(curve_fit.tolerance, 3)} tolerance (segment limit reached)")
    for i in tier_order_violations(lp, x):
        warnings.append(
            f"{chans[i].name}: the plan buys a dearer tier while a cheaper one has "
            "room, because a sales-capacity cap binds while spend is forced (min_spend, "
            "use_full_budget or a group share); its leads are what the cap allows, fewer than "
            "the channel would really bring. Lower the forced spend or raise the cap.")
    per_period = by_period = None
    if scenario.periods:
        by_period, per_period = _period_tables(scenario, lp, x)
    return PlanResult(status=out.status, channels=channels, totals=totals(scenario, channels),
                      constraints=table, tier_spend=x, warnings=tuple(warnings),
                      objective_value=_objective_value(scenario, lp, x),
                      periods=per_period, period_spend=by_period, **common)


def _objective_value(scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> float:
    value = float(lp.c @ x)
    return -value if scenario.objective == "min_spend" else value


def plan_frames(scenario: Scenario, lp: LinearProgram, x_raw: np.ndarray,
                duals: np.ndarray | None) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """(column values without solver noise, per-channel KPIs with their `why`, the
    constraint table) of a solution of `lp`."""
    x = np.clip(x_raw, lp.lb, lp.ub)
    x[x < 1e-9] = 0.0  # solver noise (a billionth of a currency unit), not spend
    channels = evaluate(scenario, lp, x)
    table = constraint_table(scenario, lp, x, duals)
    channels["why"] = explain_channels(scenario, lp, x, table,
                                       channels["marginal_cpl"].to_numpy())
    return x, channels, table


def fixed_integer_duals(lp: LinearProgram, x: np.ndarray, backend
                        ) -> tuple[np.ndarray, np.ndarray | None]:
    """Re-solve the LP with the integer choices fixed: its x (same objective) and its duals,
    the only shadow prices a mixed-integer plan has."""
    fixed: SolveOutput = backend(lp.with_integers_fixed(x), SolveOptions())
    if fixed.status is not Status.OPTIMAL or fixed.x is None:
        return x, None
    return fixed.x, fixed.duals


def _period_tables(scenario: Scenario, lp: LinearProgram, x: np.ndarray
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(period x channel media spend, per-period KPIs)."""
    n = len(scenario.channels)
    names = [p.name for p in scenario.periods]
    spend = period_spend(lp, x, n)
    leads_pc = period_sum(lp, x / lp.col_cpl, n)
    ltc = np.array([c.lead_to_close for c in scenario.channels])
    clv = np.array([c.clv for c in scenario.channels])
    lts = np.array([c.lead_to_sql if c.lead_to_sql is not None else np.nan
                    for c in scenario.channels])
    customers = leads_pc @ ltc
    value = (leads_pc * ltc) @ clv
    media = spend.sum(axis=1)
    total = float(channel_spend(lp, x, n).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        frame = pd.DataFrame({
            "budget": [p.budget if p.budget is not None else np.nan for p in scenario.periods],
            "spend": media,
            # of total spend, fixed costs included (as max_period_share reads it)
            "share": media / total if total > 0 else np.zeros(len(names)),
            "leads": leads_pc.sum(axis=1),
            "sqls": leads_pc @ lts,
            "customers": customers,
            "value": value,
            "net_value": value - media,
            "cpl": np.where(leads_pc.sum(axis=1) > 0, media / leads_pc.sum(axis=1), np.nan),
            "cpa": np.where(customers > 0, media / np.where(customers > 0, customers, 1), np.nan),
            "clv_to_cpa": np.where(media > 0, value / np.where(media > 0, media, 1), np.nan),
        }, index=pd.Index(names, name="period"))
    table = pd.DataFrame(spend, index=pd.Index(names, name="period"),
                         columns=list(scenario.channel_names))
    return table, frame
