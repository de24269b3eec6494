"""Writing the program as an .lp or .mps file (through PuLP, whichever backend solves it)."""

from __future__ import annotations

from pathlib import Path

from ..lp.program import LinearProgram
from .cbc import build_pulp


def write_model(lp: LinearProgram, path: str | Path) -> None:
    """`path` ends in .mps (MPS), anything else is written in LP format. Variables and rows
    are named by position (x0, c0). PuLP writes into a private folder; the file is then
    put in place like every output (atomically, never through a link)."""
    import tempfile

    from ..writing import write_file

    prob, _, _ = build_pulp(lp)
    mps = str(path).lower().endswith(".mps")
    with tempfile.TemporaryDirectory(prefix="chanopt-model-") as folder:
        scratch = Path(folder) / ("model.mps" if mps else "model.lp")
        if mps:
            prob.writeMPS(str(scratch))
        else:
            prob.writeLP(str(scratch))
        write_file(path, scratch.read_bytes())
