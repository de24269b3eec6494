"""A HiGHS model kept alive between solves, for sequences that only swap vectors.

The budget frontier changes one row bound and re-solves; HiGHS then starts from the previous
optimal basis (warm start) instead of from scratch. Duals follow the same minimisation
convention as the one-shot adapter (checked in tests).
"""

from __future__ import annotations

import numpy as np

from ..lp import LinearProgram
from ..status import Status


def _status_map(highspy) -> dict:
    S = highspy.HighsModelStatus
    return {
        S.kOptimal: Status.OPTIMAL,
        S.kInfeasible: Status.INFEASIBLE,
        S.kUnbounded: Status.UNBOUNDED,
        S.kUnboundedOrInfeasible: Status.INFEASIBLE,
        S.kTimeLimit: Status.LIMIT_REACHED,
        S.kIterationLimit: Status.LIMIT_REACHED,
        S.kSolutionLimit: Status.LIMIT_REACHED,
        S.kObjectiveBound: Status.LIMIT_REACHED,
        S.kObjectiveTarget: Status.LIMIT_REACHED,
        S.kInterrupt: Status.LIMIT_REACHED,
    }


class HighsSession:
    """`lp` loaded once into highspy; change row bounds, re-solve warm."""

    def __init__(self, lp: LinearProgram) -> None:
        import highspy

        if lp.is_mip:
            raise ValueError("HighsSession solves linear programs; this one has integer "
                             "columns (use the one-shot backends, or with_integers_fixed)")
        self._highspy = highspy
        self._status = _status_map(highspy)
        self.lp = lp
        inf = highspy.kHighsInf
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")  # see backends/highs.py: measured faster here
        model = highspy.HighsLp()
        model.num_col_ = lp.n_cols
        model.num_row_ = lp.n_rows
        model.col_cost_ = -lp.c
        model.col_lower_ = lp.lb
        model.col_upper_ = np.where(np.isfinite(lp.ub), lp.ub, inf)
        model.row_lower_ = np.where(lp.is_eq, lp.b, -inf)
        model.row_upper_ = np.where(np.isfinite(lp.b), lp.b, inf)
        matrix = model.a_matrix_
        matrix.format_ = highspy.MatrixFormat.kRowwise
        matrix.num_col_ = lp.n_cols
        matrix.num_row_ = lp.n_rows
        matrix.start_ = lp.A.indptr.astype(np.int32)
        matrix.index_ = lp.A.indices.astype(np.int32)
        matrix.value_ = lp.A.data
        h.passModel(model)
        self._h = h
        self._inf = inf

    def set_row_upper(self, row: int, value: float) -> None:
        """New right-hand side for row `row` (both sides for an equality row); inf allowed."""
        upper = value if np.isfinite(value) else self._inf
        lower = upper if self.lp.is_eq[row] else -self._inf
        self._h.changeRowBounds(int(row), lower, upper)

    def basis(self) -> tuple[np.ndarray, np.ndarray]:
        """Status codes of columns and rows after a solve (HighsBasisStatus values:
        0 at lower, 1 basic, 2 at upper, 3 zero, 4 nonbasic)."""
        basis = self._h.getBasis()
        return (np.array([int(s) for s in basis.col_status]),
                np.array([int(s) for s in basis.row_status]))

    def solve(self) -> tuple[Status, np.ndarray | None, np.ndarray | None]:
        """(status, x, row duals) of the current model."""
        self._h.run()
        status = self._status.get(self._h.getModelStatus(), Status.ERROR)
        # "Unknown" on a degenerate infeasible LP (see backends/highs.py): start cold, then
        # cold with presolve, which settle it
        for presolve in ("off", "on"):
            if status is not Status.ERROR:
                break
            self._h.setOptionValue("presolve", presolve)
            self._h.clearSolver()
            self._h.run()
            status = self._status.get(self._h.getModelStatus(), Status.ERROR)
        self._h.setOptionValue("presolve", "off")
        if status is not Status.OPTIMAL:
            return status, None, None
        sol = self._h.getSolution()
        return status, np.asarray(sol.col_value), np.asarray(sol.row_dual)
