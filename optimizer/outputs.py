"""Write output files atomically, never over an input file. Used by the CLI only."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import OutputError


def write_outputs(directory: str | Path, files: Mapping[str, str],
                  inputs: Iterable[Path]) -> list[Path]:
    """Write each text file into `directory` (created if needed), atomically.

    Refuses, before writing anything, when a target is one of `inputs` (the scenario file,
    the files it extends, its CSV tables).
    """
    out_dir = Path(directory)
    protected = {Path(p).resolve() for p in inputs}
    targets = [(out_dir / name).resolve() for name in files]
    clash = [t for t in targets if t in protected]
    if clash:
        raise OutputError(f"refusing to write {clash[0]}: it is an input of this run; choose "
                          "another --out directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for (name, text), target in zip(files.items(), targets):
        atomic_write(target, text)
        written.append(out_dir / name)
    return written


def atomic_write(target: Path, text: str) -> None:
    """Write to a temporary file beside `target`, then rename over it in one step."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
