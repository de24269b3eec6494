"""Results -> CSV text a spreadsheet opens as written.

Numbers are plain decimals (never scientific notation), money is to the cent, solver noise
(130000.0000000007, -1.16e-10) is gone, structured cells are JSON, and text that a
spreadsheet would run as a formula (=, +, -, @ at the start) is prefixed with ' so it stays
text.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..results.constraints import CONSTRAINT_FIELDS

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.compare import Comparison
    from ..analysis.frontier import Frontier
    from ..analysis.ranging import Ranging
    from ..analysis.risk import RiskProfile
    from ..estimation import EstimateResult
    from ..results.plan import PlanResult

# columns in currency: written to the cent
MONEY_COLUMNS = frozenset({
    "spend", "current_spend", "change", "cpl", "marginal_cpl", "cpa", "clv", "value",
    "net_value", "fixed_cost", "min_spend", "max_spend", "min_buy", "unit", "budget",
    "unspent", "blended_cpl", "blended_cpa", "cpl_low", "cpl_high", "clv_low", "clv_high",
    "expected_net_value", "net_value_p10", "net_value_p50", "net_value_p90",
    "net_value_mean", "net_value_vs_current"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def number_text(value: float, money: bool = False) -> str:
    """A float as a plain decimal: money to the cent, else 12 significant digits (at most 9
    decimals) with trailing zeros dropped; never scientific notation, never "-0"."""
    if not math.isfinite(value):
        return ""
    if money:
        text = f"{round(value, 2):.2f}"
        return "0.00" if text == "-0.00" else text
    digits = math.floor(math.log10(abs(value))) + 1 if value else 1
    text = np.format_float_positional(round(value, min(9, max(0, 12 - digits))), trim="-")
    return "0" if text in ("-0", "-0.") else text


def cell_text(value: Any, money: bool = False) -> str:
    """One CSV cell (see the module doc)."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return number_text(float(value), money)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def frame_csv(frame: pd.DataFrame, index: bool = False,
              money: frozenset[str] = MONEY_COLUMNS) -> str:
    """`frame` as CSV; the columns named in `money` are currency (to the cent)."""
    if index:
        frame = frame.reset_index()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = [str(c) for c in frame.columns]
    writer.writerow(cell_text(c) for c in columns)
    cents = [c in money for c in columns]
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(cell_text(v, m) for v, m in zip(row, cents, strict=True))
    return out.getvalue()


def channels_csv(result: PlanResult) -> str:
    frame = result.channels if result.channels is not None else result.current_channels.iloc[0:0]
    return frame_csv(frame, index=True)


def current_csv(result: PlanResult) -> str:
    return frame_csv(result.current_channels, index=True)


def constraints_csv(result: PlanResult) -> str:
    if result.constraints is None:
        return ",".join(CONSTRAINT_FIELDS) + "\n"
    return frame_csv(result.constraints)


def comparison_csv(comparison: Comparison) -> str:
    return frame_csv(comparison.table)


def spend_csv(comparison: Comparison) -> str:
    return frame_csv(comparison.spend, index=True)


def frontier_csv(front: Frontier) -> str:
    return frame_csv(front.points)


def sensitivity_inputs_csv(rng: Ranging) -> str:
    return frame_csv(rng.inputs, money=frozenset({"spend"}))  # value: a CPL, rate or CLV


def sensitivity_constraints_csv(rng: Ranging) -> str:
    return frame_csv(rng.constraints)


def risk_csv(profile: RiskProfile) -> str:
    return frame_csv(profile.summary)


def estimate_csv(result: EstimateResult) -> str:
    """The estimated channel table, an input: every digit kept (no rounding to cents)."""
    return frame_csv(result.table, money=frozenset())


def pipeline_csv(result: EstimateResult) -> str:
    """The open leads' pipeline: channel, age, leads (cohort-equivalent), what a scenario's
    `pipeline:` reads; open_leads and customers_to_come are bookkeeping columns (_)."""
    import pandas as pd

    empty = pd.DataFrame(columns=["channel", "age", "leads", "open_leads", "customers_to_come"])
    found = result.lags.pipeline if result.lags is not None else None
    frame = (empty if found is None else found).rename(columns={"open_leads": "_open_leads",
                                                 "customers_to_come": "_customers_to_come"})
    return frame_csv(frame, money=frozenset())
