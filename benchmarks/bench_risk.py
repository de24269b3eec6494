"""Risk draws and robust plans at scale: CPU seconds and peak memory, this release beside
the previous one.

    python benchmarks/bench_risk.py [--draws 10000,100000] [--channels 200]
                                    [--robust 20x10000,200x10000] [--baseline REV] [--here]

The plan of `uncertain(channels, 10)` (the random scenario with every channel's CPL,
lead-to-close (beta, from 400 leads) and CLV uncertain) is optimised once, then
`risk_profile` samples it (the optimal and the current plan). Each size runs in its own
process so that its peak memory (max RSS) is its own. `--robust CxD`: `robust_optimize` of
`uncertain(C, 10)` over D draws at confidence 0.8 (channel floors and the blended floor's
CVaR block), including its fresh out-of-sample check.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def uncertain(n_channels: int, n_tiers: int, seed: int = 7):
    from dataclasses import replace

    from optimizer.scenario.model import Uncertainty
    from optimizer.scenario.synthetic import random_scenario

    sc = random_scenario(n_channels, n_tiers, seed)
    chans = []
    for c in sc.channels:
        leads = 400
        k = max(1, round(c.lead_to_close * leads))
        chans.append(replace(c, uncertainty=(
            Uncertainty("lead_to_close", "beta", k + 1, leads - k + 1),
            Uncertainty("clv", "interval", 0.7 * c.clv, 1.4 * c.clv),
            Uncertainty("cpl", "interval", 0.85 * c.cpl, 1.2 * c.cpl))))
    return replace(sc, channels=tuple(chans))


def one(draws: int, channels: int) -> dict:
    from optimizer import optimize
    from optimizer.analysis.risk import risk_profile

    result = optimize(uncertain(channels, 10))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.process_time()
    profile = risk_profile([result], draws=draws, seed=1)
    cpu = time.process_time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"draws": draws, "channels": channels, "cpu_s": cpu, "peak_mb": peak / 1024,
            "added_mb": (peak - base) / 1024,
            "p50": float(profile.summary["net_value_p50"].iloc[-1])}


def robust(channels: int, draws: int) -> dict:
    from optimizer.analysis.robust import robust_optimize

    sc = uncertain(channels, 10)
    t0 = time.process_time()
    rp = robust_optimize(sc, draws=draws, confidence=0.8, seed=1)
    cpu = time.process_time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"channels": channels, "draws": draws, "cpu_s": cpu, "peak_mb": peak / 1024,
            "status": str(rp.result.status), "expected": rp.expected_net_value}


def run(python: str, args: list[list[str]], timeout: float = 900) -> list[dict | None]:
    from baseline import measured

    return [measured(python, __file__, extra, timeout) for extra in args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", default="10000,100000")
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--robust", default="20x10000,200x10000")
    parser.add_argument("--baseline", default="036bb36")
    parser.add_argument("--here", action="store_true")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--one-robust", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.channels)))
        return
    if args.one_robust:
        c, d = (int(v) for v in args.one_robust.split("x"))
        print(json.dumps(robust(c, d)))
        return
    risk_args = [["--one", d, "--channels", str(args.channels)] for d in args.draws.split(",")]
    robust_args = [["--one-robust", spec] for spec in args.robust.split(",") if spec]
    now = run(sys.executable, risk_args + robust_args)
    before: list[dict | None] = [None] * len(now)
    if not args.here:
        from baseline import baseline

        before = run(str(baseline(args.baseline)[1]), risk_args + robust_args)
    print(f"risk_profile, {args.channels} channels x 3 uncertain inputs, 2 plans "
          "(CPU s, MB added)")
    print(f"{'draws':>8} | {'before s':>8} {'before MB':>9} | {'now s':>7} {'now MB':>7} | same P50")
    for r, b in zip(now[:len(risk_args)], before, strict=False):
        assert r is not None
        left = (f"{b['cpu_s']:>8.2f} {b['added_mb']:>9.0f}" if b
                else f"{'' if args.here else '(>900 s)':>8} {'':>9}")
        same = "" if b is None else ("yes" if abs(b["p50"] - r["p50"]) <= 1e-9 * abs(r["p50"])
                                     else f"no ({b['p50']:.6g} vs {r['p50']:.6g})")
        print(f"{r['draws']:>8} | {left} | {r['cpu_s']:>7.2f} {r['added_mb']:>7.0f} | {same}")
    print("robust_optimize, confidence 0.8 (CPU s, peak MB)")
    print(f"{'size':>12} | {'before s':>8} {'before MB':>9} | {'now s':>7} {'now MB':>7} | "
          "same expected value")
    for r, b in zip(now[len(risk_args):], before[len(risk_args):], strict=False):
        assert r is not None
        left = (f"{b['cpu_s']:>8.2f} {b['peak_mb']:>9.0f}" if b
                else f"{'' if args.here else '(>900 s)':>8} {'':>9}")
        same = "" if b is None else (
            "yes" if abs(b["expected"] - r["expected"]) <= 1e-6 * abs(r["expected"])
            else f"no ({b['expected']:.8g} vs {r['expected']:.8g})")
        size = f"{r['channels']}x{r['draws']}"
        print(f"{size:>12} | {left} | {r['cpu_s']:>7.2f} {r['peak_mb']:>7.0f} | {same}")


if __name__ == "__main__":
    main()
