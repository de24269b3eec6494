"""Median build+solve time of the allocation LP, a 200-point frontier, ranging, `chanopt plan`.

    python benchmarks/bench_solve.py [--repeat N] [--json]

Sizes: 20 channels x 10 tiers and 1,000 channels x 20 tiers, every constraint type on
(channel and blended CLV:CPA floors, min/max spend, max_change, the three sales capacities,
three channel groups with min and max shares). Reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from optimizer import budget_frontier, optimize, ranging
from optimizer.backends import SolveOptions, get_backend
from optimizer.lp import build_lp
from optimizer.scenario.synthetic import random_scenario
from optimizer.status import Status

ROOT = Path(__file__).resolve().parents[1]
SIZES = [(20, 10, 200), (1000, 20, 15)]  # channels, tiers, default repeats


def time_build_solve(n_channels: int, n_tiers: int, repeat: int, solver: str) -> dict:
    scenario = random_scenario(n_channels, n_tiers, seed=7)
    backend = get_backend(solver)
    build, solve = [], []
    status = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        lp = build_lp(scenario)
        t1 = time.perf_counter()
        out = backend(lp, SolveOptions())
        t2 = time.perf_counter()
        build.append(t1 - t0)
        solve.append(t2 - t1)
        status = out.status
    total = [b + s for b, s in zip(build, solve, strict=True)]
    t0 = time.perf_counter()
    full = optimize(scenario, solver=solver)
    end_to_end = time.perf_counter() - t0
    return {"size": f"{n_channels}x{n_tiers}", "solver": solver, "repeat": repeat,
            "status": str(status), "columns": lp.n_cols, "rows": lp.n_rows, "nnz": lp.A.nnz,
            "binding": int(full.binding.shape[0]) if status is Status.OPTIMAL else 0,
            "median_build_ms": 1e3 * statistics.median(build),
            "median_solve_ms": 1e3 * statistics.median(solve),
            "median_build_solve_ms": 1e3 * statistics.median(total),
            "optimize_end_to_end_ms": 1e3 * end_to_end}


def time_frontier(repeat: int = 5) -> dict:
    """A 200-point budget frontier of the 20x10 scenario (warm-started re-solves)."""
    scenario = random_scenario(20, 10, seed=7)
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        front = budget_frontier(scenario, points=200)
        walls.append(time.perf_counter() - t0)
    return {"size": "20x10", "points": len(front.points), "repeat": repeat,
            "median_ms": 1e3 * statistics.median(walls)}


def time_ranging(repeat: int = 5) -> dict:
    """Ranging of every channel's CPL, lead_to_close and CLV, and of every binding
    constraint's shadow price, on the 20x10 scenario."""
    scenario = random_scenario(20, 10, seed=7)
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = ranging(scenario)
        walls.append(time.perf_counter() - t0)
    return {"size": "20x10", "inputs": len(result.inputs), "constraints": len(result.constraints),
            "repeat": repeat, "median_ms": 1e3 * statistics.median(walls)}


def time_cli(repeat: int = 5) -> dict:
    cmd = [sys.executable, "-m", "optimizer", "plan", str(ROOT / "scenarios" / "b2b_saas_q1.yaml")]
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
    return {"command": "chanopt plan scenarios/b2b_saas_q1.yaml", "repeat": repeat,
            "median_wall_s": statistics.median(walls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, help="repeats per size (default: 200 / 15)")
    parser.add_argument("--cbc", action="store_true", help="also time the CBC backend")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for n, t, default in SIZES:
        rows.append(time_build_solve(n, t, args.repeat or default, "highs"))
        if args.cbc:
            rows.append(time_build_solve(n, t, min(3, args.repeat or 3), "cbc"))
    front = time_frontier()
    ranges = time_ranging()
    cli = time_cli()
    if args.json:
        print(json.dumps({"solve": rows, "frontier": front, "ranging": ranges, "cli": cli},
                         indent=2))
        return
    print(f"{'size':>9} {'solver':>6} {'status':>8} {'rows':>6} {'cols':>6} {'nnz':>8} "
          f"{'build ms':>9} {'solve ms':>9} {'total ms':>9} {'optimize ms':>11}")
    for r in rows:
        print(f"{r['size']:>9} {r['solver']:>6} {r['status']:>8} {r['rows']:>6} {r['columns']:>6} "
              f"{r['nnz']:>8} {r['median_build_ms']:>9.2f} {r['median_solve_ms']:>9.2f} "
              f"{r['median_build_solve_ms']:>9.2f} {r['optimize_end_to_end_ms']:>11.1f}")
    print(f"frontier of {front['points']} points on {front['size']}: median {front['median_ms']:.1f} ms "
          f"over {front['repeat']} runs")
    print(f"ranging of {ranges['inputs']} channel inputs and {ranges['constraints']} binding "
          f"constraints on {ranges['size']}: median {ranges['median_ms']:.1f} ms")
    print(f"{cli['command']}: median wall {cli['median_wall_s']:.2f} s over {cli['repeat']} runs")


if __name__ == "__main__":
    main()
