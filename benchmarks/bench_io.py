"""A 1000-channel x 20-tier scenario file through the CLI, and the JSON it prints.

    python benchmarks/bench_io.py [--channels 1000] [--tiers 20] [--baseline REV] [--here]

Writes the `random_scenario` (seed 7, every constraint type) as YAML and runs
`chanopt plan FILE --format json` as a real process, recording its CPU seconds (user +
system of the child, median of 3) beside the previous release's on the same file; then
times, in process, the parts: reading the file (`load_scenario`), `optimize`, and
`plan_dict` (the JSON record, `input_hash` included).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_file(n: int, k: int, path: Path) -> None:
    import yaml

    from optimizer.scenario.synthetic import random_scenario

    sc = random_scenario(n, k, seed=7)
    cons = sc.constraints

    def num(v: float) -> float | None:
        return None if v is None or math.isinf(v) else v

    chans = []
    for c in sc.channels:
        ch = {"name": c.name, "lead_to_close": c.lead_to_close, "clv": c.clv,
              "current_spend": c.current_spend, "lead_to_sql": c.lead_to_sql,
              "tiers": [{"up_to": num(t.up_to), "cpl": t.cpl} if math.isfinite(t.up_to)
                        else {"cpl": t.cpl} for t in c.tiers]}
        if c.min_spend:
            ch["min_spend"] = c.min_spend
        if math.isfinite(c.max_spend):
            ch["max_spend"] = c.max_spend
        chans.append(ch)
    doc = {"name": sc.name, "budget": sc.budget, "channels": chans,
           "constraints": {"min_clv_to_cpa": cons.min_clv_to_cpa,
                           "min_blended_clv_to_cpa": cons.min_blended_clv_to_cpa,
                           "max_change": cons.max_change, "max_leads": cons.max_leads,
                           "max_sqls": cons.max_sqls, "max_customers": cons.max_customers,
                           "groups": [{"name": g.name, "channels": list(g.channels),
                                       "min_share": g.min_share, "max_share": g.max_share}
                                      for g in cons.groups]}}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def cli_cpu(python: str, path: Path, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([python, "-m", "optimizer", "plan", str(path), "--format", "json"],
                       capture_output=True, check=True, cwd=tempfile.gettempdir())
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def parts(path: Path) -> dict[str, float]:
    from optimizer import load_scenario, optimize
    from optimizer.render.records import plan_dict

    t0 = time.process_time()
    sc = load_scenario(path)
    t1 = time.process_time()
    result = optimize(sc)
    t2 = time.process_time()
    json.dumps(plan_dict(result))
    t3 = time.process_time()
    return {"read_s": t1 - t0, "optimize_s": t2 - t1, "plan_dict_s": t3 - t2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--tiers", type=int, default=20)
    parser.add_argument("--baseline", default="036bb36")
    parser.add_argument("--here", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    path = args.file or Path(tempfile.gettempdir()) / f"chanopt-{args.channels}x{args.tiers}.yaml"
    if args.file is None:
        write_file(args.channels, args.tiers, path)
    now = {"cli_cpu_s": cli_cpu(sys.executable, path), **parts(path)}
    if args.here:
        print(json.dumps(now))
        return
    sys.path.insert(0, str(HERE))
    from baseline import baseline

    _, python = baseline(args.baseline)
    out = subprocess.run([str(python), __file__, "--here", "--file", str(path)],
                         capture_output=True, text=True, check=True, env={**os.environ})
    before = json.loads(out.stdout)
    if args.json:
        print(json.dumps({"now": now, "before": before}, indent=2))
        return
    print(f"{args.channels} channels x {args.tiers} tiers ({path.stat().st_size / 1e6:.1f} MB "
          f"of YAML), CPU seconds        before      now")
    for key, label in (("cli_cpu_s", "chanopt plan --format json"),
                       ("read_s", "  reading the file"), ("optimize_s", "  optimize"),
                       ("plan_dict_s", "  plan_dict (JSON record)")):
        print(f"{label:<44} {before[key]:>8.2f} {now[key]:>8.2f}")


if __name__ == "__main__":
    main()
