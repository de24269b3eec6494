"""Start-up: wall time of `chanopt --help`, `import optimizer` and `chanopt plan` on the
bundled example, as real processes (median of N), beside a previous release.

    python benchmarks/bench_startup.py [--repeat N] [--baseline REV]

REV (default c0fed52, the release before the restructure) is checked out into a temporary
worktree with its own virtual environment (see baseline.py). Reported, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from baseline import ROOT, baseline

EXAMPLE = "scenarios/b2b_saas_q1.yaml"
TARGETS = {"chanopt --help": 0.3, "chanopt plan (example)": 0.6}


def wall(cmd: list[str], cwd: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(python: Path, cwd: Path, repeat: int) -> dict[str, float]:
    cli = [str(python), "-c", "from optimizer.cli import main; main()"]
    return {
        "import optimizer": wall([str(python), "-c", "import optimizer"], cwd, repeat),
        "chanopt --help": wall([*cli, "--help"], cwd, repeat),
        "chanopt plan (example)": wall([*cli, "plan", EXAMPLE], cwd, repeat),
        "chanopt plan --format json": wall([*cli, "plan", EXAMPLE, "--format", "json"], cwd,
                                           repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--baseline", default="c0fed52")
    args = parser.parse_args()
    tree, old_python = baseline(args.baseline)
    before = measure(old_python, tree, args.repeat)
    now = measure(Path(sys.executable), ROOT, args.repeat)
    print(f"median wall seconds over {args.repeat} runs (baseline {args.baseline})")
    print(f"{'':28} {'baseline':>9} {'now':>9} {'target':>8}")
    for key, value in now.items():
        target = TARGETS.get(key)
        shown = f"< {target:g}" if target else ""
        print(f"{key:28} {before[key]:9.3f} {value:9.3f} {shown:>8}")


if __name__ == "__main__":
    main()
