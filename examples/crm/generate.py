"""Write the made-up CRM export in this folder: leads.csv, deals.csv and spend.csv.

    python examples/crm/generate.py          # rewrites the three files, byte for byte

Nothing here is real data. Each channel has a true cost per lead (or, for Google Ads, a
saturating response of leads to spend), a true lead-to-close rate, a true mean deal
value (TRUTH below) and a true close lag (LAGS: gamma days from lead to won deal; deals won
after the export date EXPORTED are not in the export yet); leads, deals and spend are drawn
from them with a fixed seed, so
`chanopt estimate` can be checked against the truth it should recover. The export has the
blemishes real ones have: channel labels in several spellings, leads with no channel, a
deal whose lead is not in the export, and a few deals with no amount.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20270101
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
# channel: (cpl, lead_to_close, mean deal value, monthly spend, labels used in the CRM)
TRUTH: dict[str, tuple[float, float, float, float, tuple[str, ...]]] = {
    "Google Ads": (0.0, 0.030, 14000.0, 9000.0, ("Google Ads", "google ads", "GOOGLE ADS")),
    "LinkedIn Ads": (160.0, 0.050, 18000.0, 6000.0, ("LinkedIn Ads", "linkedin ads")),
    "Webinars": (120.0, 0.070, 12000.0, 4000.0, ("Webinars", "webinar")),
    "Email": (40.0, 0.020, 8000.0, 1500.0, ("Email", "email")),
    "Content/SEO": (55.0, 0.035, 9000.0, 3000.0, ("Content/SEO", "content/seo")),
}
# Google Ads: leads per month = L (1 - exp(-spend / k))
CURVE_L, CURVE_K = 160.0, 12000.0
# days from lead to won deal: gamma (mean days, shape) per channel
LAGS: dict[str, tuple[float, float]] = {
    "Google Ads": (20.0, 1.5), "LinkedIn Ads": (60.0, 2.0), "Webinars": (45.0, 2.0),
    "Email": (15.0, 1.0), "Content/SEO": (35.0, 1.5),
}
EXPORTED = "2027-01-31"  # the export date: deals won later are not in it yet


def _spend(rng: np.random.Generator) -> list[tuple[str, str, float]]:
    rows = []
    for name, (_, _, _, monthly, _) in TRUTH.items():
        for month in MONTHS:
            rows.append((name, month, float(round(monthly * rng.uniform(0.5, 1.6), -2))))
    return rows


def _leads_in(name: str, spend: float, rng: np.random.Generator) -> int:
    cpl = TRUTH[name][0]
    mean = CURVE_L * (1 - math.exp(-spend / CURVE_K)) if name == "Google Ads" else spend / cpl
    return int(rng.poisson(mean))


def build(seed: int = SEED) -> dict[str, list[list[object]]]:
    """The three tables as rows (header first)."""
    rng = np.random.default_rng(seed)
    lag_rng = np.random.default_rng([seed, 1])  # its own stream: the other draws stay put
    exported = np.datetime64(EXPORTED)
    spend = _spend(rng)
    leads: list[list[object]] = [["lead_id", "created_at", "source", "owner"]]
    deals: list[list[object]] = [["deal_id", "lead_id", "won_on", "amount"]]
    n = 0
    for name, month, amount in spend:
        _, close, value, _, labels = TRUTH[name]
        for _ in range(_leads_in(name, amount, rng)):
            n += 1
            lead_id = f"L{n:05d}"
            day = int(rng.integers(1, 29))
            # mostly the spend sheet's spelling, sometimes another one
            label = labels[0] if rng.random() < 0.8 else labels[int(rng.integers(1, len(labels)))]
            leads.append([lead_id, f"{month}-{day:02d}", label, f"rep{int(rng.integers(1, 6))}"])
            if rng.random() < close:
                rng.integers(0, 20)  # was the won day before lags were drawn: kept in step
                deal_value = float(round(rng.gamma(4.0, value / 4.0), 2))
                missing = rng.random() < 0.03
                mean, shape = LAGS[name]
                won = (np.datetime64(f"{month}-{day:02d}")
                       + np.timedelta64(int(lag_rng.gamma(shape, mean / shape)), "D"))
                if won <= exported:
                    deals.append([f"D{len(deals):04d}", lead_id, str(won),
                                  "" if missing else deal_value])
    for k in range(25):  # leads whose source was never filled in
        n += 1
        leads.append([f"L{n:05d}", f"2026-{1 + k % 12:02d}-15", "", "rep1"])
    deals.append([f"D{len(deals):04d}", "L99999", "2026-06-30", 11000.0])  # lead not exported
    return {"leads.csv": leads, "deals.csv": deals,
            "spend.csv": [["channel", "month", "spend"], *[list(r) for r in spend]]}


def write(folder: Path = HERE) -> None:
    for name, rows in build().items():
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)


if __name__ == "__main__":
    write()
