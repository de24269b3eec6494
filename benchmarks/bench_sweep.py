"""Sweeps: cells per second for each executor side by side in one run, how throughput grows
with workers, and peak memory against the number of cells.

    python benchmarks/bench_sweep.py [--cells 10000] [--big 200x1000] [--memory 1000,10000,40000]

Every case runs in its own process (`baseline.measured`) and writes its files as `chanopt
sweep --tornado off` does (sweep.parquet, sweep.csv, summary), timed by the wall clock from
the first cell to the last file renamed into place (executor start-up included).

- The bundled example (6 channels): a random grid of `--cells` cells over the budget
  (150k-400k), PPC's CPL (-20% to +20%), Email's lead-to-close (-30% to +30%) and the
  CLV:CPA floor (2, 2.5, 3, 3.5; about 1 cell in 8 is infeasible, and says why); serial, a process pool of 1 and 2 workers, a Dask
  LocalCluster of 1 and 2 workers. "cold" plans the first 1,000 cells with `optimize()`
  each (a fresh program and solve per cell, and everything a plan reports), for contrast.
- `--big CxN`: the synthetic scenario of C channels x 5 tiers with every constraint type,
  N cells over the budget, one channel's CPL and the floor.
- `--memory`: peak RSS of serial sweeps of growing size (rows stream to disk).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
B2B = ROOT / "scenarios" / "b2b_saas_q1.yaml"


def b2b_grid(cells: int) -> dict:
    return {"grid": {"budget": {"uniform": [150000, 400000]},
                     "channels": {"PPC": {"cpl": {"uniform": ["-20%", "+20%"]}},
                                  "Email": {"lead_to_close": {"uniform": ["-30%", "+30%"]}}},
                     "constraints": {"min_clv_to_cpa": [2, 2.5, 3, 3.5]}},
            "mode": "random", "samples": cells, "seed": 1}


def synthetic(channels: int) -> dict:
    """`random_scenario(channels, 5)` as a scenario mapping."""
    from optimizer.scenario.synthetic import random_scenario

    sc = random_scenario(channels, 5, seed=3)
    chans = []
    for c in sc.channels:
        item = {"name": c.name, "lead_to_close": c.lead_to_close, "clv": c.clv,
                "lead_to_sql": c.lead_to_sql, "current_spend": c.current_spend,
                "min_spend": c.min_spend,
                "tiers": [{"up_to": t.up_to, "cpl": t.cpl} if math.isfinite(t.up_to)
                          else {"cpl": t.cpl} for t in c.tiers]}
        if math.isfinite(c.max_spend):
            item["max_spend"] = c.max_spend
        chans.append(item)
    k = sc.constraints
    return {"name": sc.name, "budget": sc.budget, "channels": chans,
            "constraints": {"min_clv_to_cpa": k.min_clv_to_cpa,
                            "min_blended_clv_to_cpa": k.min_blended_clv_to_cpa,
                            "max_leads": k.max_leads, "max_sqls": k.max_sqls,
                            "max_customers": k.max_customers,
                            "groups": [{"name": g.name, "channels": list(g.channels),
                                        "min_share": g.min_share, "max_share": g.max_share}
                                       for g in k.groups]}}


def big_grid(cells: int, channel: str) -> dict:
    return {"grid": {"budget": {"uniform": ["-20%", "+20%"]},
                     "channels": {channel: {"cpl": {"uniform": ["-30%", "+30%"]}}},
                     "constraints": {"min_clv_to_cpa": [2.5, 3, 3.5]}},
            "mode": "random", "samples": cells, "seed": 1}


def one(kind: str, executor: str, workers: int, cells: int) -> dict:
    from optimizer.analysis.sweep import make_plan
    from optimizer.render.sweep import write_sweep

    if kind == "b2b":
        plan = make_plan(B2B, b2b_grid(cells))
    else:
        scenario = synthetic(int(kind))
        plan = make_plan(scenario, big_grid(cells, scenario["channels"][0]["name"]))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = write_sweep(plan, Path(tmp) / "out", executor=executor, workers=workers,
                              tornado=None)
        wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "executor": executor, "workers": workers, "cells": cells,
            "wall_s": wall, "cells_per_s": cells / wall, "peak_mb": peak,
            "optimal": summary["status"].get("optimal", 0)}


def cold(cells: int) -> dict:
    from optimizer.analysis.sweep import CellRunner, make_plan
    from optimizer.results.plan import optimize

    plan = make_plan(B2B, b2b_grid(cells))
    runner = CellRunner(plan.base)
    scenarios = [runner.scenario(c)[0] for c in plan.cells()]
    t0 = time.perf_counter()
    for s in scenarios:
        if s is not None:
            optimize(s)
    wall = time.perf_counter() - t0
    return {"kind": "b2b", "executor": "cold optimize()", "workers": 1, "cells": cells,
            "wall_s": wall, "cells_per_s": cells / wall, "peak_mb": math.nan, "optimal": 0}


def main() -> None:
    from baseline import measured

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10000)
    parser.add_argument("--big", default="200x1000")
    parser.add_argument("--memory", default="1000,10000,40000")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--cold", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, executor, workers, cells = args.one.split(":")
        print(json.dumps(one(kind, executor, int(workers), int(cells))))
        return
    if args.cold:
        print(json.dumps(cold(args.cold)))
        return
    n = args.cells
    cases = [f"b2b:serial:1:{n}", f"b2b:processes:1:{n}", f"b2b:processes:2:{n}",
             f"b2b:dask:1:{n}", f"b2b:dask:2:{n}"]
    if args.big:
        channels, cells = args.big.split("x")
        cases += [f"{channels}:serial:1:{cells}", f"{channels}:processes:2:{cells}",
                  f"{channels}:dask:2:{cells}"]
    results = [measured(sys.executable, __file__, ["--one", c]) for c in cases]
    results.append(measured(sys.executable, __file__, ["--cold", str(min(n, 1000))]))
    print("sweep throughput (wall clock, files written, executor start-up included)")
    print(f"{'scenario':>10} {'executor':>16} {'workers':>7} {'cells':>7} | {'s':>7} "
          f"{'cells/s':>8} {'peak MB':>8} {'optimal':>7}")
    for r in results:
        assert r is not None
        name = "b2b (6)" if r["kind"] == "b2b" else f"{r['kind']} ch"
        print(f"{name:>10} {r['executor']:>16} {r['workers']:>7} {r['cells']:>7} | "
              f"{r['wall_s']:>7.2f} {r['cells_per_s']:>8.0f} {r['peak_mb']:>8.0f} "
              f"{r['optimal']:>7}")
    if args.memory:
        print("peak memory of serial sweeps (rows stream to disk)")
        print(f"{'cells':>7} | {'s':>7} {'cells/s':>8} {'peak MB':>8}")
        for size in args.memory.split(","):
            r = measured(sys.executable, __file__, ["--one", f"b2b:serial:1:{size}"])
            assert r is not None
            print(f"{r['cells']:>7} | {r['wall_s']:>7.2f} {r['cells_per_s']:>8.0f} "
                  f"{r['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
