"""Solver adapters. Each takes a `LinearProgram` and returns a `SolveOutput`.

Backends are looked up by name in a constant table; nothing is chosen or imported at import
time (PuLP is imported only when the `cbc` backend is used).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..lp import LinearProgram
from ..status import Status


@dataclass(frozen=True)
class SolveOutput:
    status: Status
    x: np.ndarray | None  # column values (None unless a solution exists)
    duals: np.ndarray | None  # per LP row, d(min -c@x)/d b, the minimisation convention
    objective: float | None  # max c @ x
    message: str
    solver: str
    mip_gap: float | None = None  # relative gap of a mixed-integer solve (0 when proven)
    dual_bound: float | None = None  # best bound on max c @ x proven by a MIP solver


MIP_REL_GAP = 1e-6
"""Relative gap at which a mixed-integer solve counts as proven optimal (both backends)."""


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float | None = None
    export_model: str | None = None  # path of an .lp or .mps file (cbc backend)
    mip_rel_gap: float = MIP_REL_GAP


Backend = Callable[[LinearProgram, SolveOptions], SolveOutput]


def _highs(lp: LinearProgram, options: SolveOptions) -> SolveOutput:
    from .highs import solve

    return solve(lp, options)


def _cbc(lp: LinearProgram, options: SolveOptions) -> SolveOutput:
    from .cbc import solve

    return solve(lp, options)


BACKENDS: dict[str, Backend] = {"highs": _highs, "cbc": _cbc}


def get_backend(name: str) -> Backend:
    try:
        return BACKENDS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(BACKENDS)}") from None
