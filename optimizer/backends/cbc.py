"""CBC through PuLP: the second backend (and the model that `export` writes).

The PuLP model is built from (variable, coefficient) pairs, one CSR row at a time, never by
repeated `+`. Variables and constraints are named by position (x0, c0): user strings never
become solver names.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..lp.program import LinearProgram
from ..status import Status
from . import Solution, SolveOptions


def _status_map() -> dict[tuple[int, int], Status]:
    """(PuLP status, PuLP solution status) -> Status; anything else is Status.ERROR."""
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


def build_pulp(lp: LinearProgram) -> tuple[Any, list[Any], list[Any]]:
    """The LP as a PuLP problem (minimise -c @ x, the same convention as the HiGHS adapter)."""
    import pulp

    prob = pulp.LpProblem("chanopt", pulp.LpMinimize)
    # PuLP >= 3.3 attaches variables to the model (its 4.0 API); older PuLP builds them alone.
    new_var = getattr(prob, "add_variable", None) or pulp.LpVariable
    xs = [new_var(f"x{j}", float(lp.lb[j]),
                  float(lp.ub[j]) if math.isfinite(lp.ub[j]) else None,
                  pulp.LpInteger if lp.integrality[j] else pulp.LpContinuous)
          for j in range(lp.n_cols)]
    prob.setObjective(pulp.LpAffineExpression([(xs[j], float(-lp.c[j]))
                                               for j in range(lp.n_cols)]))
    A = lp.A
    rows: list[Any] = []
    for r in range(lp.n_rows):
        if not math.isfinite(lp.b[r]) and not lp.is_eq[r]:
            rows.append(None)  # no finite bound: constrains nothing
            continue
        lo, hi = A.indptr[r], A.indptr[r + 1]
        expr = pulp.LpAffineExpression([(xs[j], float(v)) for j, v in
                                        zip(A.indices[lo:hi], A.data[lo:hi], strict=True)])
        sense = pulp.LpConstraintEQ if lp.is_eq[r] else pulp.LpConstraintLE
        row = pulp.LpConstraint(expr, sense, f"c{r}", float(lp.b[r]))
        prob.addConstraint(row)
        rows.append(row)
    return prob, xs, rows


def _cbc_solver(options: SolveOptions) -> Any:
    """PuLP's bundled CBC binary.

    PuLP 3.3 marks PULP_CBC_CMD as deprecated in favour of COIN_CMD with the `cbcbox` CBC
    build, but that build returned zero duals on LPs when we tried it (cbcbox 2.935), so the
    bundled binary is kept (and PuLP pinned below 4) until a replacement reports duals.
    """
    import pulp

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PULP_CBC_CMD is deprecated",
                                category=DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=bool(options.verbose), timeLimit=options.time_limit,
                                 gapRel=options.mip_rel_gap)


def solve(lp: LinearProgram, options: SolveOptions) -> Solution:
    import pulp

    prob, xs, rows = build_pulp(lp)
    prob.solve(_cbc_solver(options))
    status = _status_map().get((prob.status, prob.sol_status), Status.ERROR)
    message = f"CBC: {pulp.LpStatus[prob.status]} ({pulp.LpSolution[prob.sol_status]})"
    has_x = status is Status.OPTIMAL or (lp.is_mip and prob.sol_status ==
                                        pulp.LpSolutionIntegerFeasible)
    if not has_x:
        return Solution(status, None, None, None, message, "cbc")
    x = np.array([v.value() or 0.0 for v in xs])
    if lp.is_mip:
        # OPTIMAL means proven within gapRel; PuLP does not expose CBC's final bound
        return Solution(status, x, None, float(lp.c @ x), message, "cbc")
    duals = np.array([(row.pi or 0.0) if row is not None else 0.0 for row in rows])
    reduced = np.array([v.dj or 0.0 for v in xs])
    return Solution(status, x, duals, float(lp.c @ x), message, "cbc", reduced_costs=reduced)
