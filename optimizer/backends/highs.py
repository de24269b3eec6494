"""HiGHS in-process through highspy: the one adapter for one-shot solves, warm sessions and
basis access, with one status table.

A `HighsSession` keeps the program loaded; changing a vector (a row bound, the costs, the
column bounds) and solving again starts from the previous optimal basis. HiGHS prints
nothing unless `SolveOptions.verbose` (then its log goes to standard error).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..lp.program import LinearProgram
from ..status import Status
from . import Solution, SolveOptions, _budgeted

_UNDECIDED = "unbounded or infeasible"


def _status_table(highspy: Any) -> dict[Any, Status | str]:
    S = highspy.HighsModelStatus
    return {
        S.kOptimal: Status.OPTIMAL,
        S.kInfeasible: Status.INFEASIBLE,
        S.kUnbounded: Status.UNBOUNDED,
        S.kUnboundedOrInfeasible: _UNDECIDED,  # settled by a feasibility solve
        S.kTimeLimit: Status.LIMIT_REACHED,
        S.kIterationLimit: Status.LIMIT_REACHED,
        S.kSolutionLimit: Status.LIMIT_REACHED,
        S.kObjectiveBound: Status.LIMIT_REACHED,
        S.kObjectiveTarget: Status.LIMIT_REACHED,
        S.kInterrupt: Status.LIMIT_REACHED,
    }  # anything else (unknown, load/solve errors, memory): Status.ERROR


def _new_highs(options: SolveOptions) -> Any:
    """A HiGHS instance that stays silent unless asked. The raw core class is used because
    highspy's `Highs()` logs its banner on stdout before any option can be set."""
    import highspy

    make: Any
    try:
        from highspy._core import _Highs as make
    except ImportError:  # pragma: no cover - other highspy layouts
        make = highspy.Highs
    h = make()
    h.setOptionValue("output_flag", bool(options.verbose))
    if options.verbose and os.name == "posix":
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("log_file", "/dev/stderr")
    # Presolve finds little to remove in this model family (tier bounds, a few dense rows)
    # and costs more than it saves: measured 1.5-2x slower at 20x10, 200x10 and 1000x20.
    h.setOptionValue("presolve", "off")
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    # HiGHS drops matrix entries below 1e-9 by default; a floor row scaled to a largest
    # coefficient of 1 can hold smaller ones that matter (a channel worth 1e-9 of the
    # others), and dropping them turned a feasible plan infeasible
    h.setOptionValue("small_matrix_value", 1e-12)
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    return h


class HighsSession:
    """`lp` loaded once into HiGHS; change vectors, re-solve warm."""

    def __init__(self, lp: LinearProgram, options: SolveOptions | None = None) -> None:
        import highspy

        self.lp = lp
        self.is_mip = lp.is_mip
        self.options = options or SolveOptions()
        self._hs = highspy
        self._status = _status_table(highspy)
        self._inf = highspy.kHighsInf
        self._h = _new_highs(self.options)
        if self.is_mip:  # branch and bound gains from presolve (and scipy's milp used it)
            self._h.setOptionValue("presolve", "on")
        if self.options.presolve is not None:
            self._h.setOptionValue("presolve", "on" if self.options.presolve else "off")
        self._h.passModel(self._model(lp))

    def _model(self, lp: LinearProgram) -> Any:
        hs, inf = self._hs, self._inf
        model = hs.HighsLp()
        model.num_col_ = lp.n_cols
        model.num_row_ = lp.n_rows
        model.col_cost_ = -lp.c
        model.col_lower_ = np.where(np.isfinite(lp.lb), lp.lb, -inf)
        model.col_upper_ = np.where(np.isfinite(lp.ub), lp.ub, inf)
        model.row_lower_ = np.where(lp.is_eq, lp.b, -inf)
        model.row_upper_ = np.where(np.isfinite(lp.b), lp.b, inf)
        matrix = model.a_matrix_
        matrix.format_ = hs.MatrixFormat.kRowwise
        matrix.num_col_ = lp.n_cols
        matrix.num_row_ = lp.n_rows
        matrix.start_ = lp.A.indptr.astype(np.int32)
        matrix.index_ = lp.A.indices.astype(np.int32)
        matrix.value_ = lp.A.data
        if lp.is_mip:
            var = hs.HighsVarType
            model.integrality_ = [var.kInteger if flag else var.kContinuous
                                  for flag in lp.integrality]
        return model

    # ---------------------------------------------------------------- changes

    def set_row_upper(self, row: int, value: float) -> None:
        """New right-hand side for row `row` (both sides for an equality row); inf allowed."""
        upper = value if np.isfinite(value) else self._inf
        lower = upper if self.lp.is_eq[row] else -self._inf
        self._h.changeRowBounds(int(row), lower, upper)

    def set_coefficients(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        """New values of matrix entries (row, col), zero or not before."""
        for r, j, v in zip(rows.tolist(), cols.tolist(), values.tolist(), strict=True):
            self._h.changeCoeff(int(r), int(j), float(v))

    def set_costs(self, c: np.ndarray) -> None:
        """A new objective (maximised), same columns."""
        idx = np.arange(self.lp.n_cols, dtype=np.int32)
        self._h.changeColsCost(idx.size, idx, -np.asarray(c, dtype=float))

    def set_col_bounds(self, lb: np.ndarray, ub: np.ndarray) -> None:
        idx = np.arange(self.lp.n_cols, dtype=np.int32)
        inf = self._inf
        self._h.changeColsBounds(idx.size, idx, np.where(np.isfinite(lb), lb, -inf),
                                 np.where(np.isfinite(ub), ub, inf))

    def update(self, lp: LinearProgram) -> bool:
        """Load `lp` in place of the program loaded now, by changing only the vectors and
        matrix entries that differ, so that the next solve starts from the last basis.
        False (nothing changed) when `lp` has another shape: other rows, columns, matrix
        pattern or integer columns, which needs a new session."""
        old = self.lp
        if lp.n_cols != old.n_cols or lp.n_rows != old.n_rows or \
                not np.array_equal(lp.integrality, old.integrality):
            return False
        before, after = _canonical(old.A), _canonical(lp.A)  # entries in column order
        if not (np.array_equal(before.indptr, after.indptr)
                and np.array_equal(before.indices, after.indices)):
            return False
        inf = self._inf
        cols = np.flatnonzero(lp.c != old.c).astype(np.int32)
        if cols.size:
            self._h.changeColsCost(cols.size, cols, -lp.c[cols])
        cols = np.flatnonzero((lp.lb != old.lb) | (lp.ub != old.ub)).astype(np.int32)
        if cols.size:
            lb, ub = lp.lb[cols], lp.ub[cols]
            self._h.changeColsBounds(cols.size, cols, np.where(np.isfinite(lb), lb, -inf),
                                     np.where(np.isfinite(ub), ub, inf))
        rows = np.flatnonzero((lp.b != old.b) | (lp.is_eq != old.is_eq)).astype(np.int32)
        if rows.size:
            b = lp.b[rows]
            upper = np.where(np.isfinite(b), b, inf)
            self._h.changeRowsBounds(rows.size, rows, np.where(lp.is_eq[rows], upper, -inf),
                                     upper)
        entries = np.flatnonzero(after.data != before.data)
        if entries.size:
            row_of = np.repeat(np.arange(lp.n_rows), np.diff(after.indptr))
            self.set_coefficients(row_of[entries], after.indices[entries], after.data[entries])
        self.lp = lp
        return True

    # ---------------------------------------------------------------- solving

    def _run(self) -> Status | str:
        self._h.run()
        return self._status.get(self._h.getModelStatus(), Status.ERROR)

    def _status_after_retries(self) -> Status:
        status = self._run()
        # "Unknown" on a degenerate infeasible LP (seen without presolve, e.g. every channel
        # held at $0 under use_full_budget): start cold, then cold with presolve
        # "Unbounded" on a program whose finite budget bounds every dollar column is a
        # numerical failure (costs 1e9 apart, seen without presolve): retried the same way
        retried = False
        for presolve in ("off", "on"):
            if self.is_mip or not (status is Status.ERROR or
                                   (status is Status.UNBOUNDED and _budgeted(self.lp))):
                break
            self._h.setOptionValue("presolve", presolve)
            self._h.clearSolver()
            status = self._run()
            retried = True
        if retried:
            self._h.setOptionValue("presolve", "off")
        if status == _UNDECIDED:
            status = _feasibility(self.lp, self.options)
        assert isinstance(status, Status)
        return status

    def solve(self) -> Solution:
        status = self._status_after_retries()
        message = f"HiGHS: {self._h.modelStatusToString(self._h.getModelStatus())}"
        if self.is_mip:
            return self._mip_solution(status, message)
        if status is not Status.OPTIMAL:
            return Solution(status, None, None, None, message, "highs")
        sol = self._h.getSolution()
        x = np.asarray(sol.col_value)
        return Solution(status, x, np.asarray(sol.row_dual), float(self.lp.c @ x), message,
                        "highs", reduced_costs=np.asarray(sol.col_dual))

    def _mip_solution(self, status: Status, message: str) -> Solution:
        """Only a solve that closed the gap is OPTIMAL; a time-limited incumbent comes back
        as LIMIT_REACHED with its x and gap. Duals are left to the caller (they exist only
        for the LP with the integer choices fixed)."""
        info = self._h.getInfo()
        has_x = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
        gap = float(info.mip_gap) if has_x and np.isfinite(info.mip_gap) else None
        if status is Status.OPTIMAL and gap is not None and \
                gap > self.options.mip_rel_gap * 1.0001:
            status = Status.LIMIT_REACHED  # never call an unproven incumbent optimal
        if not has_x or status not in (Status.OPTIMAL, Status.LIMIT_REACHED):
            return Solution(status, None, None, None, message, "highs")
        x = np.asarray(self._h.getSolution().col_value)
        bound = float(info.mip_dual_bound)
        return Solution(status, x, None, float(self.lp.c @ x), message, "highs",
                        mip_gap=gap, dual_bound=-bound if np.isfinite(bound) else None)

    def basis(self) -> tuple[np.ndarray, np.ndarray]:
        """Status codes of columns and rows after a solve (HighsBasisStatus values:
        0 at lower, 1 basic, 2 at upper, 3 zero, 4 nonbasic)."""
        basis = self._h.getBasis()
        return (np.fromiter(map(int, basis.col_status), np.int64, len(basis.col_status)),
                np.fromiter(map(int, basis.row_status), np.int64, len(basis.row_status)))


def _canonical(A: Any) -> Any:
    """The matrix with each row's entries in column order (as built, a row may list its
    entries in another order, which says nothing about the program)."""
    if A.has_sorted_indices:
        return A
    out = A.sorted_indices()
    out.has_sorted_indices = True
    return out


def _feasibility(lp: LinearProgram, options: SolveOptions) -> Status:
    """HiGHS said "unbounded or infeasible": feasible with a zero objective means unbounded."""
    from dataclasses import replace

    probe = HighsSession(replace(lp, c=np.zeros(lp.n_cols)), options)
    found = probe._run()
    return Status.UNBOUNDED if found is Status.OPTIMAL else Status.INFEASIBLE


def solve(lp: LinearProgram, options: SolveOptions) -> Solution:
    """One solve of `lp`."""
    return HighsSession(lp, options).solve()
