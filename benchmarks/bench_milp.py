"""Mixed-integer plans with months (issue #5): 20 channels x 3 months, fixed costs and
minimum buys on every channel, units on a quarter of them, max_active_channels, pacing and
per-month budgets; plus response-curve linearisation.

    python benchmarks/bench_milp.py [--seeds N] [--cbc] [--json]

Each row is one random scenario (`optimizer.scenario.synthetic.random_mip_scenario`), solved to
proven optimality (relative gap 1e-6). Reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from optimizer import Response, optimize
from optimizer.backends import SolveOptions, get_backend
from optimizer.lp import build_lp
from optimizer.scenario.model import Channel, Scenario, Tier
from optimizer.scenario.synthetic import random_mip_scenario


def time_milp(seed: int, solver: str, n_channels: int = 20, n_periods: int = 3) -> dict:
    scenario = random_mip_scenario(n_channels, 3, n_periods, seed)
    t0 = time.perf_counter()
    lp = build_lp(scenario)
    t1 = time.perf_counter()
    out = get_backend(solver)(lp, SolveOptions())
    t2 = time.perf_counter()
    result = optimize(scenario, solver=solver)
    t3 = time.perf_counter()
    return {"seed": seed, "solver": solver, "status": str(out.status),
            "gap": out.mip_gap, "columns": lp.n_cols, "rows": lp.n_rows,
            "integers": int(lp.integrality.sum()),
            "funded": int((result.spend > 0).sum()) if result.channels is not None else 0,
            "build_ms": 1e3 * (t1 - t0), "solve_ms": 1e3 * (t2 - t1),
            "optimize_ms": 1e3 * (t3 - t2)}


def time_curves(n_channels: int = 20) -> dict:
    """20 exponential-curve channels under one budget, linearised to 0.1%."""
    chans = tuple(Channel(name=f"c{i}", tiers=(Tier(float("inf"), 1.0),),
                          lead_to_close=0.02 + 0.003 * i, clv=5000 + 400 * i,
                          response=Response("exponential", 500 + 50 * i, 20000 + 3000 * i))
                  for i in range(n_channels))
    scenario = Scenario(name="curves", budget=600000, channels=chans)
    t0 = time.perf_counter()
    result = optimize(scenario)
    wall = time.perf_counter() - t0
    fit = result.curve_fit
    assert fit is not None
    return {"channels": n_channels, "status": str(result.status), "bound": fit.bound,
            "tiers": sum(fit.segments.values()), "rounds": fit.rounds, "ms": 1e3 * wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--cbc", action="store_true", help="also time the CBC backend")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [time_milp(seed, "highs") for seed in range(args.seeds)]
    if args.cbc:
        rows += [time_milp(seed, "cbc") for seed in range(min(args.seeds, 5))]
    curves = time_curves()
    if args.json:
        print(json.dumps({"milp": rows, "curves": curves}, indent=2))
        return
    print(f"{'seed':>4} {'solver':>6} {'status':>8} {'gap':>8} {'rows':>5} {'cols':>5} "
          f"{'ints':>5} {'funded':>6} {'build ms':>9} {'solve ms':>9} {'optimize ms':>11}")
    for r in rows:
        gap = "n/a" if r["gap"] is None else f"{r['gap']:.1e}"
        print(f"{r['seed']:>4} {r['solver']:>6} {r['status']:>8} {gap:>8} {r['rows']:>5} "
              f"{r['columns']:>5} {r['integers']:>5} {r['funded']:>6} {r['build_ms']:>9.1f} "
              f"{r['solve_ms']:>9.1f} {r['optimize_ms']:>11.1f}")
    for solver in ("highs", "cbc"):
        solves = [r["build_ms"] + r["solve_ms"] for r in rows if r["solver"] == solver]
        if solves:
            print(f"{solver}: build+solve median {statistics.median(solves):.1f} ms, "
                  f"max {max(solves):.1f} ms over {len(solves)} scenarios")
    print(f"curves: {curves['channels']} exponential channels -> {curves['tiers']} tiers in "
          f"{curves['rounds']} rounds, bound {curves['bound']:.2e}, {curves['ms']:.0f} ms "
          f"({curves['status']})")


if __name__ == "__main__":
    main()
