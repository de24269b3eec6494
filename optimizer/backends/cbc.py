"""CBC through PuLP: the second backend, also used to write the model as .lp/.mps.

The PuLP model is built from (variable, coefficient) pairs, one CSR row at a time, never by
repeated `+`. Variables and constraints are named by position (x0, c0): user strings never
become solver names.
"""

from __future__ import annotations

import math

import numpy as np

from ..lp import LinearProgram
from ..status import Status
from . import SolveOptions, SolveOutput


def _status_map() -> dict[tuple[int, int], Status]:
    import pulp

    return {
        (pulp.LpStatusOptimal, pulp.LpSolutionOptimal): Status.OPTIMAL,
        # CBC stopped at a limit with a feasible solution: not optimal.
        (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible): Status.LIMIT_REACHED,
        (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound): Status.LIMIT_REACHED,
        (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible): Status.INFEASIBLE,
        (pulp.LpStatusInfeasible, pulp.LpSolutionNoSolutionFound): Status.INFEASIBLE,
        (pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded): Status.UNBOUNDED,
    }


def build_pulp(lp: LinearProgram):  # -> pulp.LpProblem
    """The LP as a PuLP problem (minimise -c @ x, the same convention as the HiGHS adapter)."""
    import pulp

    prob = pulp.LpProblem("chanopt", pulp.LpMinimize)
    xs = [pulp.LpVariable(f"x{j}", lowBound=float(lp.lb[j]),
                          upBound=float(lp.ub[j]) if math.isfinite(lp.ub[j]) else None)
          for j in range(lp.n_cols)]
    prob.setObjective(pulp.LpAffineExpression([(xs[j], float(-lp.c[j]))
                                               for j in range(lp.n_cols)]))
    A = lp.A
    for r in range(lp.n_rows):
        lo, hi = A.indptr[r], A.indptr[r + 1]
        expr = pulp.LpAffineExpression([(xs[j], float(v))
                                        for j, v in zip(A.indices[lo:hi], A.data[lo:hi])])
        sense = pulp.LpConstraintEQ if lp.is_eq[r] else pulp.LpConstraintLE
        prob.addConstraint(pulp.LpConstraint(expr, sense, f"c{r}", float(lp.b[r])))
    return prob, xs


def solve(lp: LinearProgram, options: SolveOptions) -> SolveOutput:
    import pulp

    prob, xs = build_pulp(lp)
    if options.export_model:
        path = str(options.export_model)
        if path.lower().endswith(".mps"):
            prob.writeMPS(path)
        else:
            prob.writeLP(path)
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=options.time_limit)
    prob.solve(solver)
    status = _status_map().get((prob.status, prob.sol_status), Status.ERROR)
    message = f"CBC: {pulp.LpStatus[prob.status]} ({pulp.LpSolution[prob.sol_status]})"
    if status is not Status.OPTIMAL:
        return SolveOutput(status, None, None, None, message, "cbc")
    x = np.array([v.value() or 0.0 for v in xs])
    duals = np.array([prob.constraints[f"c{r}"].pi or 0.0 for r in range(lp.n_rows)])
    return SolveOutput(status, x, duals, float(lp.c @ x), message, "cbc")
