"""Estimation, risk draws and robust plans (issue #4).

    python benchmarks/bench_estimate_risk.py [--rows N] [--json]

- `estimate` on a synthetic CRM export of 1,000,000 leads (20 channels, 12 months, dates as
  dd-mm-yyyy with a time, mixed-case labels), 30,000 deals and a 240-row spend table, and
  again with the deals' won dates mapped (close lags and the pipeline of open leads);
- 10,000 risk draws of a 20-channel plan (every channel with uncertain CPL, lead-to-close
  and CLV), optimal and current plans;
- a robust plan over 1,000 sampled scenarios (20 channels x 10 tiers, channel and blended
  floors).
Reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_risk import uncertain  # the scenario with every input uncertain

from optimizer import optimize
from optimizer.analysis.risk import risk_profile
from optimizer.analysis.robust import robust_optimize
from optimizer.estimation import estimate, load_mapping


def write_export(folder: Path, rows: int, seed: int = 0) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(seed)
    channels = np.array([f"Channel {i:02d}" for i in range(20)])
    spellings = np.array([c.lower().replace(" ", "_") for c in channels])
    idx = rng.integers(0, 20, rows)
    label = np.where(rng.random(rows) < 0.5, channels[idx], spellings[idx])
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    created = day.strftime("%d-%m-%Y") + " " + pd.Series(rng.integers(0, 24, rows)).astype(str) \
        .str.zfill(2).to_numpy() + ":15"
    ids = np.char.add("L", np.arange(rows).astype(str))
    leads = folder / "leads.csv"
    pd.DataFrame({"lead_id": ids, "channel": label, "created": created}).to_csv(leads, index=False)
    won = rng.choice(rows, size=rows // 33, replace=False)
    deals = folder / "deals.csv"
    lag = pd.to_timedelta(rng.gamma(2.0, 22.5, won.size).astype(int), unit="D")
    won_on = (day[won] + lag).strftime("%d-%m-%Y")  # read only by the close-lag case
    pd.DataFrame({"lead_id": ids[won], "value": rng.lognormal(9, 0.6, won.size).round(2),
                  "won_on": won_on}).to_csv(deals, index=False)
    months = pd.period_range("2024-01", periods=12, freq="M").astype(str)
    spend = folder / "spend.csv"
    pd.DataFrame([{"channel": c, "period": m, "spend": float(rng.uniform(5e4, 2e5))}
                  for c in channels for m in months]).to_csv(spend, index=False)
    return leads, spend, deals


def time_estimate(rows: int) -> dict:
    """The export estimated twice: as before, and with the deals' won dates mapped (close
    lags fitted per channel, leads not closed by 2025-01-31 censored, the pipeline of open
    leads for a plan from February)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        leads, spend, deals = write_export(folder, rows)
        mapping = folder / "map.yaml"
        mapping.write_text("deals: {value: value, value_multiplier: 3}\n")
        t0 = time.perf_counter()
        result = estimate(leads, spend, deals, mapping=load_mapping(mapping))
        wall = time.perf_counter() - t0
        mapping.write_text("deals: {value: value, value_multiplier: 3, closed: won_on}\n")
        t0 = time.perf_counter()
        timed = estimate(leads, spend, deals, mapping=load_mapping(mapping),
                         as_of="2025-01-31", pipeline=True)
        lag_wall = time.perf_counter() - t0
    assert timed.lags is not None and timed.lags.pipeline is not None
    return {"rows": rows, "channels": len(result.table), "seconds": wall,
            "with_lags_seconds": lag_wall, "pipeline_entries": len(timed.lags.pipeline)}


def time_risk(draws: int = 10_000, repeat: int = 5) -> dict:
    sc = uncertain(20, 10)
    result = optimize(sc)
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        risk_profile([result], draws=draws, seed=1)
        walls.append(time.perf_counter() - t0)
    return {"channels": 20, "draws": draws, "plans": 2, "median_s": float(np.median(walls))}


def time_robust(draws: int = 1000) -> dict:
    sc = uncertain(20, 10)
    t0 = time.perf_counter()
    rp = robust_optimize(sc, draws=draws, confidence=0.9, seed=1)
    wall = time.perf_counter() - t0
    return {"channels": 20, "tiers": 10, "draws": draws, "status": str(rp.result.status),
            "price_of_robustness": rp.price_of_robustness, "seconds": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = {"estimate": time_estimate(args.rows), "risk": time_risk(), "robust": time_robust()}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    e, r, b = out["estimate"], out["risk"], out["robust"]
    print(f"estimate: {e['rows']:,} lead rows -> {e['channels']} channels in {e['seconds']:.2f} s;"
          f" with close lags and the pipeline ({e['pipeline_entries']} entries) "
          f"{e['with_lags_seconds']:.2f} s")
    print(f"risk: {r['draws']:,} draws, {r['channels']} channels, {r['plans']} plans: "
          f"median {r['median_s'] * 1000:.0f} ms")
    print(f"robust: {b['draws']:,} sampled scenarios, {b['channels']}x{b['tiers']}: "
          f"{b['seconds']:.2f} s ({b['status']}, price of robustness "
          f"{b['price_of_robustness']:,.0f})")


if __name__ == "__main__":
    main()
