"""HiGHS, in-process through scipy.optimize.linprog (LP) or scipy.optimize.milp (MILP),
on the prebuilt arrays."""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from ..lp import LinearProgram
from ..status import Status
from . import SolveOptions, SolveOutput

# scipy's linprog status codes (scipy.optimize.OptimizeResult.status for method="highs").
STATUS_MAP: dict[int, Status] = {
    0: Status.OPTIMAL,
    1: Status.LIMIT_REACHED,  # iteration or time limit
    2: Status.INFEASIBLE,
    3: Status.UNBOUNDED,
    4: Status.ERROR,  # numerical difficulties
}


def solve(lp: LinearProgram, options: SolveOptions) -> SolveOutput:
    if options.export_model:
        raise ValueError("writing the model to a file needs the cbc backend (--solver cbc)")
    if lp.is_mip:
        return _solve_mip(lp, options)
    ub_rows = ~lp.is_eq & np.isfinite(lp.b)  # a row with no finite bound constrains nothing
    A_ub = lp.A[ub_rows] if ub_rows.any() else None
    A_eq = lp.A[lp.is_eq] if lp.is_eq.any() else None
    # Presolve finds little to remove in this model family (tier bounds, a few dense rows)
    # and costs more than it saves: measured 1.5-2x slower at 20x10, 200x10 and 1000x20.
    solver_options: dict[str, object] = {"presolve": False}
    if options.time_limit is not None:
        solver_options["time_limit"] = options.time_limit
    def run():
        return linprog(
            -lp.c,
            A_ub=A_ub, b_ub=lp.b[ub_rows] if A_ub is not None else None,
            A_eq=A_eq, b_eq=lp.b[lp.is_eq] if A_eq is not None else None,
            bounds=np.column_stack([lp.lb, lp.ub]),
            method="highs", options=solver_options,
        )

    res = run()
    if res.status == 4:
        # Without presolve, simplex can end "Unknown" on a degenerate infeasible LP (e.g.
        # every channel held at $0 under use_full_budget): presolve settles those.
        solver_options["presolve"] = True
        res = run()
    status = STATUS_MAP.get(res.status, Status.ERROR)
    if status is not Status.OPTIMAL:
        return SolveOutput(status, None, None, None, str(res.message), "highs")
    duals = np.zeros(lp.n_rows)
    if A_ub is not None:
        duals[ub_rows] = res.ineqlin.marginals
    if A_eq is not None:
        duals[lp.is_eq] = res.eqlin.marginals
    return SolveOutput(status, np.asarray(res.x), duals, float(lp.c @ res.x), str(res.message),
                       "highs")


def _solve_mip(lp: LinearProgram, options: SolveOptions) -> SolveOutput:
    """Branch and bound in HiGHS. Only a solve that closed the gap is OPTIMAL; a time-limited
    incumbent comes back as LIMIT_REACHED with its x and gap. Duals are left to the caller
    (they exist only for the LP with the integer choices fixed)."""
    finite = np.isfinite(lp.b)
    lower = np.where(lp.is_eq, lp.b, -np.inf)
    upper = np.where(finite, lp.b, np.inf)
    solver_options: dict[str, object] = {"mip_rel_gap": options.mip_rel_gap}
    if options.time_limit is not None:
        solver_options["time_limit"] = options.time_limit
    res = milp(-lp.c, integrality=lp.integrality, bounds=Bounds(lp.lb, lp.ub),
               constraints=[LinearConstraint(lp.A, lower, upper)], options=solver_options)
    status = STATUS_MAP.get(res.status, Status.ERROR)
    x = None if res.x is None else np.asarray(res.x)
    gap = getattr(res, "mip_gap", None)
    bound = getattr(res, "mip_dual_bound", None)
    if status is Status.OPTIMAL and gap is not None and gap > options.mip_rel_gap * 1.0001:
        status = Status.LIMIT_REACHED  # never call an unproven incumbent optimal
    objective = None if x is None else float(lp.c @ x)
    return SolveOutput(status, x, None, objective, str(res.message), "highs",
                       mip_gap=None if gap is None or x is None else float(gap),
                       dual_bound=None if bound is None else -float(bound))
