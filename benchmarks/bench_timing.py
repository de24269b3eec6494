"""Build+solve with close lags and carry-over on every channel (issue #13's speed target).

    python benchmarks/bench_timing.py [--runs 15]

`random_scenario(20, 10, seed=7)` with 12 months, a 6-period close lag and a 3-period
carry-over on every channel (so every capacity row is per month over arrivals and closes),
in_window accounting and a 12% discount rate with objective npv. CPU seconds of `build_lp`
plus the HiGHS solve of its arrays, median over the runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace


def scenario():
    from optimizer.scenario.model import Period
    from optimizer.scenario.synthetic import random_scenario

    sc = random_scenario(20, 10, seed=7)
    lag = (0.3, 0.25, 0.2, 0.12, 0.08, 0.05)
    carry = (0.6, 0.3, 0.1)
    channels = tuple(replace(c, close_lag=lag, carryover=carry) for c in sc.channels)
    periods = tuple(Period(f"M{p + 1}", cpl_multiplier=1 + 0.05 * (p % 3)) for p in range(12))
    return replace(sc, channels=channels, periods=periods, accounting="in_window",
                   discount_rate=0.12, objective="npv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from optimizer.backends import SolveOptions, get_backend
    from optimizer.lp import build_lp

    sc = scenario()
    builds, solves = [], []
    for _ in range(args.runs):
        t0 = time.process_time()
        lp = build_lp(sc)
        t1 = time.process_time()
        out = get_backend("highs")(lp, SolveOptions())
        t2 = time.process_time()
        builds.append(t1 - t0)
        solves.append(t2 - t1)
    total = [b + s for b, s in zip(builds, solves, strict=True)]
    print(f"20 channels x 12 months, 6-period lags and 3-period carry-over: {lp.n_rows} rows, "
          f"{lp.n_cols} columns, {lp.A.nnz} entries, status {out.status}")
    print(f"median over {args.runs} runs: build {1000 * statistics.median(builds):.1f} ms, "
          f"solve {1000 * statistics.median(solves):.1f} ms, "
          f"build+solve {1000 * statistics.median(total):.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
