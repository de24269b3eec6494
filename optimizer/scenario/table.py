"""A scenario's channels as a channel table, in the columns a table reads (the workbook's
Inputs sheet, notebooks): `channels: plan.xlsx#Inputs` reads it back to the same channels.

Tiers are the columns tier1_cpl, tier1_up_to, tier2_cpl, ... (a single unlimited tier is
`cpl`); a response curve its response_* columns; an inherited max_change or floor an empty
cell, an exempted one (null) the text "none". Uncertainty is not written: it does not
change the plan (`chanopt risk` reads it from the scenario).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .model import INHERIT, Channel, Scenario

if TYPE_CHECKING:
    import pandas as pd

OPTIONAL = ("lead_to_sql", "min_spend", "max_spend", "max_change", "min_clv_to_cpa",
            "fixed_cost", "min_buy", "unit", "monthly_margin", "max_payback_months",
            "close_lag", "carryover")
DEFAULTS: dict[str, Any] = {"lead_to_sql": None, "min_spend": 0.0, "max_spend": math.inf,
                            "max_change": INHERIT, "min_clv_to_cpa": INHERIT,
                            "fixed_cost": 0.0, "min_buy": 0.0, "unit": None,
                            "monthly_margin": None, "max_payback_months": INHERIT,
                            "close_lag": (1.0,), "carryover": (1.0,)}
NULLABLE = ("max_change", "min_clv_to_cpa", "max_payback_months")


def channel_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """One mapping per channel, keys in table-column order; None is an empty cell."""
    rows = [_row(ch) for ch in scenario.channels]
    used = {k for row in rows for k, v in row.items() if v is not None}
    order = ["name", "cpl", *_tier_keys(rows), *[f"response_{k}" for k in
                                                  ("curve", "max_leads", "scale", "shape")],
             "lead_to_close", "clv", "current_spend", *OPTIONAL]
    return [{k: row.get(k) for k in order if k in used} for row in rows]


def channel_frame(scenario: Scenario) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(channel_rows(scenario))


def _row(ch: Channel) -> dict[str, Any]:
    row: dict[str, Any] = {"name": ch.name, "lead_to_close": ch.lead_to_close, "clv": ch.clv,
                           "current_spend": ch.current_spend}
    if ch.response is not None:
        r = ch.response
        row.update(response_curve=r.curve, response_max_leads=r.max_leads,
                   response_scale=r.scale)
        if r.curve == "hill":
            row["response_shape"] = r.shape
    elif len(ch.tiers) == 1 and math.isinf(ch.tiers[0].up_to):
        row["cpl"] = ch.tiers[0].cpl
    else:
        for k, tier in enumerate(ch.tiers, start=1):
            row[f"tier{k}_cpl"] = tier.cpl
            row[f"tier{k}_up_to"] = None if math.isinf(tier.up_to) else tier.up_to
    for key in OPTIONAL:
        value = getattr(ch, key)
        if value == DEFAULTS[key]:
            continue
        if isinstance(value, tuple):  # shares per period, as one cell (a gamma lag as shares)
            row[key] = "; ".join(repr(v) for v in value)
            continue
        row[key] = "none" if value is None and key in NULLABLE \
            else (None if isinstance(value, float) and math.isinf(value) else value)
    return row


def _tier_keys(rows: list[dict[str, Any]]) -> list[str]:
    most = max((int(k[4:k.index("_")]) for row in rows for k in row if k.startswith("tier")),
               default=0)
    return [f"tier{k}_{part}" for k in range(1, most + 1) for part in ("cpl", "up_to")]
