"""Arrays -> one `Solution` type, from either backend.

`highs` is HiGHS in-process through highspy (one-shot solves and warm sessions that keep
the model loaded and re-solve after a vector changes, with basis access); `cbc` is CBC
through PuLP. Both map their own status codes through one explicit table to `Status`.
Nothing is imported at import time: highspy and PuLP load when a backend is first used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..status import Status

if TYPE_CHECKING:
    import numpy as np

    from ..lp.program import LinearProgram

MIP_REL_GAP = 1e-6
"""Relative gap at which a mixed-integer solve counts as proven optimal (both backends)."""

SOLVERS = ("cbc", "highs")


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: the backend and its limits. One object travels from the CLI (or the
    caller) to every program a command solves: a plan and its variants, frontier points,
    diagnosis and repairs."""

    solver: str = "highs"
    time_limit: float | None = None  # seconds; an unproven plan is limit_reached
    mip_rel_gap: float = MIP_REL_GAP
    verbose: bool = False  # the solver's own log, on standard error
    search_time: float | None = 5.0  # seconds for a plan's conflict and repair search
    presolve: bool | None = None  # None: the backend's choice (HiGHS: off for LPs, on for MILPs)

    def __post_init__(self) -> None:
        if self.solver.lower() not in SOLVERS:
            raise ValueError(f"unknown solver {self.solver!r}; choose one of "
                             f"{', '.join(SOLVERS)}")
        object.__setattr__(self, "solver", self.solver.lower())

    @property
    def unlimited(self) -> SolveOptions:
        """The same backend without a time limit (for the LP that prices a MIP plan)."""
        from dataclasses import replace

        return replace(self, time_limit=None)


@dataclass(frozen=True)
class Solution:
    status: Status
    x: np.ndarray | None  # column values (None unless a solution exists)
    duals: np.ndarray | None  # per LP row, d(min -c@x)/d b, the minimisation convention
    objective: float | None  # max c @ x
    message: str
    solver: str
    mip_gap: float | None = None  # relative gap of a mixed-integer solve (0 when proven)
    dual_bound: float | None = None  # best bound on max c @ x proven by a MIP solver
    reduced_costs: np.ndarray | None = None  # per column, minimisation convention


SolveOutput = Solution  # the name used before 0.2


Backend = Callable[["LinearProgram", SolveOptions], Solution]


def _highs(lp: LinearProgram, options: SolveOptions) -> Solution:
    from .highs import solve

    return solve(lp, options)


def _cbc(lp: LinearProgram, options: SolveOptions) -> Solution:
    from .cbc import solve

    return solve(lp, options)


BACKENDS: dict[str, Backend] = {"highs": _highs, "cbc": _cbc}


def get_backend(name: str) -> Backend:
    try:
        return BACKENDS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(BACKENDS)}") from None


def solve(lp: LinearProgram, options: SolveOptions | None = None) -> Solution:
    """Solve `lp` with the backend and limits of `options` (HiGHS by default).

    The objective is handed to the solver scaled by a power of two to a largest coefficient
    near 1, so that optimality tolerances mean the same whatever its unit (customers per
    dollar are ~1e-5: CBC stopped up to 5% short of the optimum on those); the objective,
    duals and reduced costs come back in the program's own units.

    When the solver fails ("error"), or calls a program with a finite budget unbounded
    (which it cannot be: every dollar column sits in the budget row), the program is solved
    again with its rows and columns equilibrated (powers of two, so nothing is rounded) and
    the answer mapped back; extreme but valid inputs ($1e-6 CPLs beside $1e15 budgets) then
    solve like ordinary ones."""
    options = options or SolveOptions()
    out = _objective_scaled(lp, options)
    if out.status is Status.ERROR or (out.status is Status.UNBOUNDED and _budgeted(lp)):
        retry = _equilibrated(lp, options)
        if retry.status is not Status.ERROR:
            return retry
    return out


def _objective_scaled(lp: LinearProgram, options: SolveOptions) -> Solution:
    from dataclasses import replace

    scale = _objective_scale(lp)
    if scale == 1.0:
        return BACKENDS[options.solver](lp, options)
    out = BACKENDS[options.solver](replace(lp, c=lp.c * scale), options)
    return _unscaled(out, lp, scale)


def _objective_scale(lp: LinearProgram) -> float:
    """The power of two that brings the largest objective coefficient near 1."""
    import numpy as np

    biggest = float(np.max(np.abs(lp.c))) if lp.n_cols else 0.0
    return 2.0 ** -round(np.log2(biggest)) if biggest > 0 and np.isfinite(biggest) else 1.0


def _unscaled(out: Solution, lp: LinearProgram, scale: float) -> Solution:
    """A solution of `lp` with its objective scaled by `scale`, in `lp`'s own units."""
    from dataclasses import replace

    if scale == 1.0:
        return out
    return replace(out, objective=None if out.x is None else float(lp.c @ out.x),
                   duals=None if out.duals is None else out.duals / scale,
                   reduced_costs=None if out.reduced_costs is None else out.reduced_costs / scale,
                   dual_bound=None if out.dual_bound is None else out.dual_bound / scale)


class WarmSolver:
    """Solves a run of programs, each from the basis the last one ended on (HiGHS): a
    program of the same shape as the last is loaded by changing only what differs (costs,
    bounds, right-hand sides, matrix entries), so a sweep of what-ifs re-solves in a
    fraction of a cold solve. The objective is scaled as `solve` scales it; a failure is
    solved again cold, with `solve`'s retries. CBC has no warm sessions here: each program
    is solved cold. The answers are optimal like `solve`'s; where a program has several
    optimal plans (ties), the one found may depend on the programs solved before it."""

    def __init__(self, options: SolveOptions | None = None) -> None:
        self.options = options or SolveOptions()
        self._session: object | None = None

    def solve(self, lp: LinearProgram) -> Solution:
        if self.options.solver != "highs":
            return solve(lp, self.options)
        from dataclasses import replace

        from .highs import HighsSession

        scale = _objective_scale(lp)
        scaled = lp if scale == 1.0 else replace(lp, c=lp.c * scale)
        session = self._session
        if not isinstance(session, HighsSession) or not session.update(scaled):
            session = self._session = HighsSession(scaled, self.options)
        out = session.solve()
        if out.status is Status.ERROR or (out.status is Status.UNBOUNDED and _budgeted(lp)):
            self._session = None  # its state is suspect: the next program starts afresh
            return solve(lp, self.options)
        return _unscaled(out, lp, scale)


def _budgeted(lp: LinearProgram) -> bool:
    """Whether a finite budget bounds every dollar column (so the LP cannot be unbounded)."""
    import numpy as np

    from ..lp.kinds import RowKind

    rows = lp.rows_of(RowKind.BUDGET)
    return bool(rows.size) and bool(np.isfinite(lp.b[rows[0]])) and bool((lp.lb > -np.inf).all())


def _equilibrated(lp: LinearProgram, options: SolveOptions) -> Solution:
    """Solve with rows and continuous columns scaled by powers of two towards coefficients
    of size 1 (two passes of geometric-mean scaling), then map the answer back."""
    from dataclasses import replace

    import numpy as np
    import scipy.sparse as sp

    A = abs(lp.A.tocsc()).astype(float)
    col = np.ones(lp.n_cols)
    row = np.ones(lp.n_rows)
    for _ in range(2):
        scaled = sp.diags(row) @ A @ sp.diags(col)
        col *= _pow2(_geometric(scaled.tocsc(), axis=0)) * (lp.integrality == 0) + \
            (lp.integrality != 0)
        scaled = sp.diags(row) @ A @ sp.diags(col)
        row *= _pow2(_geometric(scaled.tocsr(), axis=1))
    program = replace(lp, A=(sp.diags(row) @ lp.A @ sp.diags(col)).tocsr(), b=lp.b * row,
                      c=lp.c * col, lb=lp.lb / col, ub=lp.ub / col,
                      row_scale=lp.row_scale * row)
    out = _objective_scaled(program, options)
    x = None if out.x is None else out.x * col
    return replace(out, x=x, objective=None if x is None else float(lp.c @ x),
                   duals=None if out.duals is None else out.duals * row,
                   reduced_costs=None if out.reduced_costs is None else out.reduced_costs / col)


def _geometric(M: object, axis: int) -> np.ndarray:
    """1 / sqrt(largest x smallest nonzero |entry|) along `axis` (1 where there is none)."""
    import numpy as np

    dense_max = np.asarray(M.max(axis=axis).todense()).ravel()  # type: ignore[attr-defined]
    data = M.copy()  # type: ignore[attr-defined]
    data.data = 1.0 / data.data
    inv_min = np.asarray(data.max(axis=axis).todense()).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = 1.0 / np.sqrt(dense_max / inv_min)
    return np.where(np.isfinite(factor) & (factor > 0), factor, 1.0)


def _pow2(factor: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.asarray(2.0 ** np.round(np.log2(factor)))
