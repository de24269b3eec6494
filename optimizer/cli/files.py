"""Write output files atomically, never over an input file. Used by the CLI only."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import OutputError


def write_outputs(directory: str | Path, files: Mapping[str, str | bytes],
                  inputs: Iterable[Path]) -> list[Path]:
    """Write each file (text or bytes) into `directory` (created if needed), atomically.

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
    for (name, text), target in zip(files.items(), targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)  # charts/ for a report
        atomic_write(target, text)
        written.append(out_dir / name)
    return written


def atomic_write(target: Path, content: str | bytes) -> None:
    """Write to a temporary file beside `target`, then rename over it in one step."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # as a plain open() would create it
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
