"""A previous release beside this one, for before/after numbers in the same run.

`baseline(rev)` checks `rev` out into a temporary git worktree with its own virtual
environment (created once, reused while it lasts) and returns the worktree and its Python.
`measured(python, script, args)` runs one case of a benchmark script in its own process
and reads the JSON it prints.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def baseline(rev: str) -> tuple[Path, Path]:
    """(worktree, python) of `rev`, installed with `pip install -e .`."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    tree = Path(tempfile.gettempdir()) / f"chanopt-baseline-{sha}"
    python = tree / ".venv" / "bin" / "python"
    if not (tree / "pyproject.toml").exists():
        subprocess.run(["git", "worktree", "add", "--detach", "--force", str(tree), sha],
                       cwd=ROOT, check=True, capture_output=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(tree / ".venv")], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(tree)], check=True)
    return tree, python


def measured(python: str | Path, script: str | Path, args: list[str],
             timeout: float | None = None) -> dict | None:
    """The JSON `python script *args` prints (one case in its own process, so that its
    time and peak memory are its own); None when it runs past `timeout` seconds."""
    try:
        done = subprocess.run([str(python), str(script), *args], capture_output=True,
                              text=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout)
