"""Smooth response curves: time to a plan and its true gap, against the exact optimum.

    python benchmarks/bench_curves.py [--sizes 20,100,500] [--tolerances 1e-3,1e-6,1e-9]
                                      [--baseline REV] [--timeout S] [--here]

Seeded separable problems: N channels, half `exponential`, half `hill` of shape 1, one
budget (60% of what every channel would spend unconstrained), every third channel capped
by max_spend, no CLV:CPA floor. "time" is what `optimize()` spends before its analysis: linearising the
curves to the tolerance (`fit_curves`), then building and solving the final program (CPU
seconds, median of 3). "true gap" is (exact - plan) / exact, where exact is the smooth
optimum from `curves_reference.py` (bisection on the budget's multiplier) and plan the
smooth objective of the plan's spends; "bound" is what the planner proved. Run against a
previous release (default 036bb36) in the same run, each case in its own process (the
previous release's cut off after `--timeout` seconds): `--here` measures only this checkout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from curves_reference import Curve, objective, optimum  # noqa: E402


def problem(n: int, seed: int = 3) -> tuple[object, list[Curve], float]:
    from optimizer.scenario.model import Channel, Constraints, Response, Scenario

    rng = np.random.default_rng(seed)
    channels, curves = [], []
    for i in range(n):
        kind = "exponential" if i % 2 == 0 else "hill"
        L, k = float(rng.uniform(200, 2000)), float(rng.uniform(10000, 80000))
        ltc, clv = float(rng.uniform(0.02, 0.08)), float(rng.uniform(3000, 20000))
        upper = float(rng.uniform(0.5, 2.0) * k) if i % 3 == 0 else float("inf")
        channels.append(Channel(name=f"c{i:04d}", tiers=(), lead_to_close=ltc, clv=clv,
                                max_spend=upper, response=Response(kind, L, k, 1.0)))
        curves.append(Curve(kind, L, k, ltc * clv, upper))
    free = optimum(curves, float("inf"))[1].sum()
    budget = float(0.6 * free)
    scenario = Scenario(name=f"curves {n}", budget=budget, channels=tuple(channels),
                        constraints=Constraints(min_clv_to_cpa=None))
    return scenario, curves, budget


def measure(n: int, tol: float, repeat: int) -> dict:
    from dataclasses import replace

    from optimizer.backends import SolveOptions, get_backend
    from optimizer.lp import build_lp
    from optimizer.results.plan import fit_curves

    scenario, curves, budget = problem(n)
    scenario = replace(scenario, curve_tolerance=tol)
    exact, _ = optimum(curves, budget)
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        tiers, fit = fit_curves(scenario, SolveOptions())
        lp = build_lp(scenario, tiers)
        out = get_backend("highs")(lp, SolveOptions())
        times.append(time.process_time() - t0)
    x = out.x
    spend = np.array([x[(lp.col_channel == i) & (lp.col_tier >= 0)].sum() for i in range(n)])
    plan = objective(curves, spend)
    return {"n": n, "tolerance": tol, "cpu_s": statistics.median(times),
            "true_gap": (exact - plan) / abs(exact), "bound": fit.bound, "met": fit.met,
            "tiers": int(sum(fit.segments.values())), "rounds": fit.rounds}


def run(python: str, cases: list[tuple[int, float]], timeout: float | None) -> dict:
    """Each case in its own process (of `python`), None where it ran past `timeout`."""
    from baseline import measured

    return {(n, tol): measured(python, __file__, ["--one", f"{n}:{tol!r}"], timeout)
            for n, tol in cases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,100,500")
    parser.add_argument("--tolerances", default="1e-3,1e-6,1e-9")
    parser.add_argument("--baseline", default="036bb36")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds per case of the previous release")
    parser.add_argument("--here", action="store_true", help="only this checkout")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, tol = args.one.split(":")
        print(json.dumps(measure(int(n), float(tol), 3 if int(n) <= 100 else 1)))
        return
    cases = [(int(n), float(t)) for t in args.tolerances.split(",")
             for n in args.sizes.split(",")]
    now = run(sys.executable, cases, None)
    before: dict = {}
    if not args.here:
        from baseline import baseline

        before = run(str(baseline(args.baseline)[1]), cases, args.timeout)
    print(f"{'N':>5} {'tolerance':>9} | {'before s':>9} {'true gap':>9} {'tiers':>7} | "
          f"{'now s':>8} {'true gap':>9} {'bound':>9} {'tiers':>6} {'rounds':>6}")
    for case in cases:
        r, b = now[case], before.get(case, "skip")
        if b == "skip":
            left = f"{'':>9} {'':>9} {'':>7}"
        elif b is None:
            left = f"{'>' + format(args.timeout, 'g') + ' s':>9} {'':>9} {'':>7}"
        else:
            left = f"{b['cpu_s']:>9.3f} {b['true_gap']:>9.1e} {b['tiers']:>7}"
        print(f"{r['n']:>5} {r['tolerance']:>9.0e} | {left} | {r['cpu_s']:>8.4f} "
              f"{r['true_gap']:>9.1e} {r['bound']:>9.1e} {r['tiers']:>6} {r['rounds']:>6}")


if __name__ == "__main__":
    main()
