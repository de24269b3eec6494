"""Solve a scenario: `optimize()` and its `PlanResult`.

A PlanResult is data: per-channel KPIs, totals, the constraint table and the current plan as
arrays (`Table`), with pandas DataFrames built on first access (`channels`, `constraints`,
`current_channels`, `periods`, `period_spend`) for notebooks. Renderers read the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import fmt
from .._version import __version__
from ..backends import MIP_REL_GAP, SolveOptions, solve
from ..errors import InfeasiblePlanError, SolverError
from ..lp.build import build_lp
from ..lp.curves import CurveFit, CurveTiers, Probe, linearise, probe
from ..lp.program import LinearProgram, fill_tiers, tier_order_violations
from ..scenario.model import Scenario
from ..status import Status
from .cohorts import cohort_table
from .constraints import constraint_table, current_violations, unspent_note
from .explain import explain_channels
from .kpis import evaluate, totals
from .periods import period_tables
from .tables import Table
from .ties import find_ties

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.repair import Suggestion


@dataclass(frozen=True, eq=False)
class PlanResult:
    """The optimal plan of one scenario, and the current plan evaluated in the same model.

    `channels` and `totals` are None unless a plan was found; the current plan is always
    evaluated, and the constraints it breaks are listed in `current_violations`.
    """

    scenario: Scenario
    status: Status
    solver: str
    channel_table: Table | None
    totals: dict[str, float] | None
    current_table: Table
    current_totals: dict[str, float]
    current_violations: tuple[str, ...]
    constraint_table: Table | None
    conflicts: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    message: str = ""
    tier_spend: np.ndarray | None = field(default=None, repr=False)
    """Value of every LP column (spend per tier segment, integer choices) in `lp` order."""
    package_version: str = __version__
    lp: LinearProgram | None = field(default=None, repr=False)
    objective_value: float | None = None
    """The optimum of the scenario's objective (net value, customers, leads, value, or spend
    for min_spend), None without a plan."""
    mip_gap: float | None = None
    """Relative gap between the plan and the best bound (mixed-integer scenarios; None for
    an LP, or when the solver does not report it)."""
    curve_fit: CurveFit | None = None
    period_kpi_table: Table | None = None
    period_spend_table: Table | None = None
    cohort_table: Table | None = None
    """When the plan's customers close (results/cohorts.py), for scenarios with timing."""
    options: SolveOptions = field(default_factory=SolveOptions, repr=False)
    curve_tiers: CurveTiers = field(default_factory=CurveTiers, repr=False)
    """The tiers that stood for each response curve in `lp` (empty without curves)."""
    unspent_note: str | None = None
    """Why budget stays unspent (None when it is all spent or the budget binds)."""

    # ------------------------------------------------------------ DataFrame views

    @cached_property
    def channels(self) -> pd.DataFrame | None:
        """Spend and KPIs per channel (index: channel), with the reason for each."""
        return None if self.channel_table is None else self.channel_table.to_frame()

    @cached_property
    def current_channels(self) -> pd.DataFrame:
        return self.current_table.to_frame()

    @cached_property
    def constraints(self) -> pd.DataFrame | None:
        """Every constraint: limit, activity, binding, shadow price and its unit."""
        return None if self.constraint_table is None else self.constraint_table.to_frame()

    @cached_property
    def periods(self) -> pd.DataFrame | None:
        """Per-period KPIs (index: period name), for scenarios with `periods`."""
        table = self.period_kpi_table
        return None if table is None else table.to_frame()

    @cached_property
    def cohorts(self) -> pd.DataFrame | None:
        """Leads arriving and customers closing per period and after the window, the
        pipeline's beside the plan's, for scenarios with timing (close lags, carry-over,
        a pipeline, in_window accounting or a discount rate)."""
        table = self.cohort_table
        return None if table is None else table.to_frame()

    @cached_property
    def period_spend(self) -> pd.DataFrame | None:
        """Media spend per period (rows) and channel (columns), for scenarios with `periods`."""
        table = self.period_spend_table
        return None if table is None else table.to_frame()

    @property
    def binding(self) -> pd.DataFrame:
        """The constraints that hold with equality at the optimum, with shadow prices."""
        import pandas as pd

        if self.constraints is None:
            return pd.DataFrame(columns=["constraint", "shadow_price"])
        return self.constraints[self.constraints["binding"].astype(bool)].reset_index(drop=True)

    @property
    def spend(self) -> pd.Series:
        """Optimal spend per channel (empty when there is no plan)."""
        import pandas as pd

        if self.channels is None:
            return pd.Series(dtype=float, name="spend")
        return self.channels["spend"]

    # ------------------------------------------------------------ facts

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
    def shadow_price_note(self) -> str | None:
        """How to read the shadow prices when they are not plain LP duals."""
        if self.is_mip and self.constraint_table is not None:
            return ("mixed-integer plan: shadow prices are those of the LP with the integer "
                    "choices (which channels are on, how many units) fixed at the optimum; "
                    "they hold only while those choices stay the same")
        return None

    def suggest_repairs(self) -> tuple[Suggestion, ...]:
        """For an infeasible plan: ranked changes to one constraint each, every one of which
        alone makes the plan feasible (empty when the plan is feasible)."""
        if self.status is not Status.INFEASIBLE:
            return ()
        from ..analysis.repair import suggest_repairs

        return suggest_repairs(self.scenario, options=self.options)

    def raise_for_status(self) -> PlanResult:
        """Return self if optimal; raise InfeasiblePlanError or SolverError otherwise."""
        if self.status is Status.INFEASIBLE:
            raise InfeasiblePlanError(self.scenario.name, self.conflicts)
        if self.status is not Status.OPTIMAL:
            raise SolverError(f"{self.scenario.name}: solver stopped with status "
                              f"'{self.status}': {self.message}")
        return self


def optimize(scenario: Scenario, solver: str = "highs", *, time_limit: float | None = None,
             export_model: str | Path | None = None, mip_rel_gap: float = MIP_REL_GAP,
             options: SolveOptions | None = None) -> PlanResult:
    """Find the allocation that is best for the scenario's objective (by default expected CLV
    minus spend) under every constraint.

    `options` (or `solver`, `time_limit`, `mip_rel_gap`) say how to solve. Infeasibility is a
    result, not an exception: check `result.status` or call `result.raise_for_status()`. A
    mixed-integer solve stopped by the time limit returns its best plan with status
    `limit_reached` and its gap, never `optimal`. `export_model` writes the program solved
    as .lp or .mps.
    """
    options = options or SolveOptions(solver, time_limit, mip_rel_gap)
    curve_tiers, curve_fit = fit_curves(scenario, options)
    lp = build_lp(scenario, curve_tiers)
    if export_model is not None:
        from ..backends.export import write_model

        write_model(lp, export_model)
    out = solve(lp, options)
    duals, x_raw, reduced = out.duals, out.x, out.reduced_costs
    if lp.is_mip and x_raw is not None:
        x_raw, duals, reduced = fixed_integer_duals(lp, x_raw, options)
    current, current_x = current_plan(scenario, lp)
    common: dict[str, Any] = {
        "scenario": scenario, "solver": out.solver, "current_table": current,
        "current_totals": totals(scenario, current),
        "current_violations": _current_violations(scenario, lp, current_x),
        "message": out.message, "lp": lp, "mip_gap": out.mip_gap, "curve_fit": curve_fit,
        "options": options, "curve_tiers": curve_tiers}
    if x_raw is None:
        conflicts: tuple[str, ...] = ()
        if out.status is Status.INFEASIBLE:
            from ..analysis.infeasibility import explain_infeasible

            conflicts = explain_infeasible(scenario, lp, options)
        return PlanResult(status=out.status, channel_table=None, totals=None,
                          constraint_table=None, conflicts=conflicts, **common)
    x, channels, table = solution_tables(scenario, lp, x_raw, duals, reduced, options)
    kpi_tables = period_tables(scenario, lp, x) if scenario.periods else (None, None)
    cohorts = cohort_table(scenario, lp, x) if scenario.has_timing else None
    return PlanResult(cohort_table=cohorts, status=out.status, channel_table=channels,
                      totals=totals(scenario, channels), constraint_table=table, tier_spend=x,
                      warnings=_warnings(scenario, lp, x, out.status, out.mip_gap, curve_fit),
                      objective_value=objective_value(scenario, lp, x),
                      period_spend_table=kpi_tables[0], period_kpi_table=kpi_tables[1],
                      unspent_note=unspent_note(scenario, lp, x, table), **common)


def fit_curves(scenario: Scenario, options: SolveOptions) -> tuple[CurveTiers, CurveFit | None]:
    """The response curves' tiers, refined to the scenario's curve_tolerance (none without
    curves)."""
    if not scenario.has_curves:
        return CurveTiers(), None

    def optimum(tiers: CurveTiers) -> Probe | None:
        lp = build_lp(scenario, tiers)
        found = solve(lp, options)
        if found.status is not Status.OPTIMAL or found.x is None or found.objective is None:
            return None
        return probe(scenario, lp, found.objective, found.x, found.reduced_costs)

    return linearise(scenario, optimum)


def current_plan(scenario: Scenario, lp: LinearProgram) -> tuple[Table, np.ndarray]:
    """The current plan (current_spend) in the model's columns, and its KPIs."""
    chans = scenario.channels
    x = fill_tiers(lp, np.array([c.current_spend for c in chans]),
                   np.array([c.fixed_cost for c in chans]),
                   np.array([c.unit or 0.0 for c in chans]))
    return evaluate(scenario, lp, x), x


def _current_violations(scenario: Scenario, lp: LinearProgram, x: np.ndarray
                        ) -> tuple[str, ...]:
    violations = list(current_violations(scenario, lp, x))
    cur = scenario.currency
    for ch in scenario.channels:
        if ch.current_spend - ch.fixed_cost > ch.capacity * (1 + 1e-9):
            violations.append(f"{ch.name} spends {fmt.money(ch.current_spend, cur)}, beyond its "
                              f"last tier ({fmt.money(ch.capacity, cur)}); the excess is "
                              "counted as bringing no leads")
    return tuple(violations)


def _warnings(scenario: Scenario, lp: LinearProgram, x: np.ndarray, status: Status,
              gap: float | None, curve_fit: CurveFit | None) -> tuple[str, ...]:
    warnings = []
    if status is Status.LIMIT_REACHED:
        shown = "unknown" if gap is None else fmt.pct(gap, 2)
        warnings.append(f"the solver stopped at its limit before proving this plan optimal "
                        f"(gap {shown}); it is the best plan found, not necessarily the best")
    if curve_fit is not None and not curve_fit.met:
        warnings.append(f"response curves: the linearised plan is within "
                        f"{fmt.pct(curve_fit.bound, 3)} of the smooth optimum, above the "
                        f"{fmt.pct(curve_fit.tolerance, 3)} tolerance after {curve_fit.rounds} rounds "
                        "of refinement")
    for i in tier_order_violations(lp, x):
        warnings.append(
            f"{scenario.channels[i].name}: the plan buys a dearer tier while a cheaper one has "
            "room, because a sales-capacity cap binds while spend is forced (min_spend, "
            "max_change, use_full_budget or a group share); its leads are what the cap allows, fewer than "
            "the channel would really bring. Lower the forced spend or raise the cap.")
    return tuple(warnings)


def objective_value(scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> float:
    value = float(lp.c @ x)
    return -value if scenario.objective == "min_spend" else value


def solution_tables(scenario: Scenario, lp: LinearProgram, x_raw: np.ndarray,
                    duals: np.ndarray | None, reduced: np.ndarray | None = None,
                    options: SolveOptions | None = None) -> tuple[np.ndarray, Table, Table]:
    """(column values without solver noise, per-channel KPIs with their `why` and its
    basis `why_detail`, the constraint table) of a solution of `lp`. With `options`, ties
    (alternative optima) are looked for with that backend."""
    x = np.clip(x_raw, lp.lb, lp.ub)
    x[x < 1e-9] = 0.0  # solver noise (a billionth of a currency unit), not spend
    channels = evaluate(scenario, lp, x)
    table = constraint_table(scenario, lp, x, duals, reduced=reduced)
    ties = None
    if options is not None and reduced is not None:
        ties = find_ties(lp.with_integers_fixed(x) if lp.is_mip else lp, x, reduced, options)
    reasons = explain_channels(scenario, lp, x, table, channels["marginal_cpl"], duals,
                               reduced, ties)
    channels = channels.with_column("why", [r.text for r in reasons])
    return x, channels.with_column("why_detail", [r.record() for r in reasons]), table


def fixed_integer_duals(lp: LinearProgram, x: np.ndarray, options: SolveOptions
                        ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Re-solve the LP with the integer choices fixed: its x (same objective), its duals and
    reduced costs, the only prices a mixed-integer plan has."""
    fixed = solve(lp.with_integers_fixed(x), options.unlimited)
    if fixed.status is not Status.OPTIMAL or fixed.x is None:
        return x, None, None
    return fixed.x, fixed.duals, fixed.reduced_costs
