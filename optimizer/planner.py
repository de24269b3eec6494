"""Solve a scenario and map the solution back to tidy DataFrames."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import fmt
from ._version import __version__
from .backends import SolveOptions, get_backend
from .constraints import constraint_table, current_violations
from .diagnose import explain_infeasible
from .errors import InfeasiblePlanError, SolverError
from .explain import explain_channels
from .kpis import evaluate, totals
from .lp import LinearProgram, build_lp, fill_tiers, tier_order_violations
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
        """Optimal net value (expected CLV minus spend)."""
        return None if self.totals is None else self.totals["net_value"]

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

    def raise_for_status(self) -> PlanResult:
        """Return self if optimal; raise InfeasiblePlanError or SolverError otherwise."""
        if self.status is Status.INFEASIBLE:
            raise InfeasiblePlanError(self.scenario.name, self.conflicts)
        if self.status is not Status.OPTIMAL:
            raise SolverError(f"{self.scenario.name}: solver stopped with status "
                              f"'{self.status}': {self.message}")
        return self


def optimize(scenario: Scenario, solver: str = "highs", *, time_limit: float | None = None,
             export_model: str | None = None) -> PlanResult:
    """Find the allocation that maximises expected CLV minus spend under every constraint.

    Infeasibility is a result, not an exception: check `result.status` or call
    `result.raise_for_status()`.
    """
    backend = get_backend(solver)
    lp = build_lp(scenario)
    out = backend(lp, SolveOptions(time_limit=time_limit, export_model=export_model))

    current_x = fill_tiers(lp, np.array([c.current_spend for c in scenario.channels]))
    current = evaluate(scenario, lp, current_x)
    violations = list(current_violations(scenario, lp, current_x))
    for ch in scenario.channels:
        if ch.current_spend > ch.capacity * (1 + 1e-9):
            violations.append(f"{ch.name} spends {fmt.money(ch.current_spend, scenario.currency)}"
                              f", beyond its last tier ({fmt.money(ch.capacity, scenario.currency)});"
                              " the excess is counted as bringing no leads")
    common = dict(scenario=scenario, solver=out.solver, current_channels=current,
                  current_totals=totals(scenario, current),
                  current_violations=tuple(violations), message=out.message, lp=lp)

    if out.status is not Status.OPTIMAL or out.x is None:
        conflicts = explain_infeasible(scenario, lp) if out.status is Status.INFEASIBLE else ()
        return PlanResult(status=out.status, channels=None, totals=None, constraints=None,
                          conflicts=conflicts, **common)

    x = np.clip(out.x, lp.lb, lp.ub)
    x[x < 1e-9] = 0.0  # solver noise (a billionth of a currency unit), not spend
    channels = evaluate(scenario, lp, x)
    table = constraint_table(scenario, lp, x, out.duals)
    channels["why"] = explain_channels(scenario, lp, x, table,
                                       channels["marginal_cpl"].to_numpy())
    warnings = []
    for i in tier_order_violations(lp, x):
        warnings.append(
            f"{scenario.channels[i].name}: the plan buys a dearer tier while a cheaper one has "
            "room, because a sales-capacity cap binds while spend is forced (min_spend, "
            "use_full_budget or a group share); its leads are what the cap allows, fewer than "
            "the channel would really bring. Lower the forced spend or raise the cap.")
    return PlanResult(status=out.status, channels=channels, totals=totals(scenario, channels),
                      constraints=table, tier_spend=x,
                      warnings=tuple(warnings), **common)
