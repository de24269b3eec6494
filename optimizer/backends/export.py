"""Writing the program as an .lp or .mps file (through PuLP, whichever backend solves it)."""

from __future__ import annotations

from pathlib import Path

from ..lp.program import LinearProgram
from .cbc import build_pulp


def write_model(lp: LinearProgram, path: str | Path) -> None:
    """`path` ends in .mps (MPS), anything else is written in LP format. Variables and rows
    are named by position (x0, c0)."""
    prob, _, _ = build_pulp(lp)
    if str(path).lower().endswith(".mps"):
        prob.writeMPS(str(path))
    else:
        prob.writeLP(str(path))
