"""KPIs of an allocation, in the seed articles' vocabulary.

CPL = spend / leads, CPA = spend / customers, lead-to-close = customers / leads,
CLV:CPA = value / spend (= CLV / CPA for one channel), ROI = (value - spend) / spend.
A ratio whose denominator is zero is NaN (null in JSON), never an exception.
"""

from __future__ import annotations

import numpy as np

from ..lp.program import LinearProgram
from ..scenario.model import Scenario
from .tables import Table

CHANNEL_COLUMNS = (
    "spend", "current_spend", "change", "change_pct", "share", "leads", "sqls", "customers",
    "cpl", "marginal_cpl", "cpa", "clv", "clv_to_cpa", "value", "net_value", "roi",
)
OPTIONAL_CHANNEL_COLUMNS = ("fixed_cost", "units", "payback_months", "npv",
                            "pipeline_customers")  # only in scenarios that use them
TOTAL_KEYS = ("budget", "spend", "unspent", "leads", "sqls", "customers", "value",
              "net_value", "blended_cpl", "blended_cpa", "blended_clv_to_cpa", "roi")
OPTIONAL_TOTAL_KEYS = ("blended_payback_months", "npv", "pipeline_customers",
                       "pipeline_value")


def div(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    """num / den, NaN where |den| <= 1e-12."""
    num_arr = np.asarray(num, dtype=float)
    den_arr = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num_arr, den_arr).shape, np.nan)
    ok = np.abs(den_arr) > 1e-12
    np.divide(num_arr, den_arr, out=out, where=np.broadcast_to(ok, out.shape))
    return out


def evaluate(scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> Table:
    """Per-channel KPIs for column values `x` (index: channel name)."""
    chans = scenario.channels
    n = len(chans)
    cc = lp.col_channel
    spend = np.bincount(cc, weights=x * lp.col_spend, minlength=n)
    leads = np.bincount(cc, weights=x / lp.col_cpl, minlength=n)
    ltc = np.array([c.lead_to_close for c in chans])
    lts = np.array([np.nan if c.lead_to_sql is None else c.lead_to_sql for c in chans])
    clv = np.array([c.clv for c in chans])
    current = np.array([c.current_spend for c in chans])
    customers = leads * ltc if lp.col_counted is None else \
        np.bincount(cc, weights=x / lp.col_cpl * lp.col_counted, minlength=n) * ltc
    value = customers * clv
    total = spend.sum()
    columns = {
        "spend": spend,
        "current_spend": current,
        "change": spend - current,
        "change_pct": div(spend - current, current),
        "share": div(spend, total) if total > 0 else np.zeros(n),
        "leads": leads,
        "sqls": leads * lts,
        "customers": customers,
        "cpl": div(spend, leads),
        "marginal_cpl": marginal_cpl(lp, x, n),
        "cpa": div(spend, customers),
        "clv": clv,
        "clv_to_cpa": div(value, spend),
        "value": value,
        "net_value": value - spend,
        "roi": div(value - spend, spend),
    }
    if any(c.fixed_cost > 0 for c in chans):  # spend above includes it
        columns["fixed_cost"] = np.bincount(cc, weights=x * lp.col_spend * ~lp.is_tier,
                                            minlength=n)
    if any(c.unit is not None for c in chans):
        units = np.array([c.unit or np.nan for c in chans])
        columns["units"] = np.bincount(cc, weights=x * lp.is_tier, minlength=n) / units
    margin = np.array([np.nan if c.monthly_margin is None else c.monthly_margin for c in chans])
    if not np.isnan(margin).all():  # CAC payback months = CPA / monthly margin
        columns["payback_months"] = div(columns["cpa"], margin)
    if lp.col_npv is not None:
        columns["npv"] = np.bincount(cc, weights=x * lp.col_npv, minlength=n)
    if scenario.pipeline:
        from ..lp.timing import pipeline

        flow = pipeline(scenario)
        # what the accounting would count of them: inside the periods, or all of them
        columns["pipeline_customers"] = flow.in_window if scenario.accounting == "in_window" \
            else flow.in_window + flow.after
    return Table(scenario.channel_names, "channel", columns)


def marginal_cpl(lp: LinearProgram, x: np.ndarray, n: int, tol: float = 1e-6) -> np.ndarray:
    """CPL the channel's next dollar would pay: its first tier with room left (NaN if none)."""
    room = (x < lp.ub - tol * np.maximum(1.0, np.where(np.isfinite(lp.ub), lp.ub, 1.0))) \
        & lp.is_tier
    out = np.full(n, np.nan)
    # columns are ordered by period, channel, tier: the first column with room per channel
    # (the first period's, when there are several)
    idx = np.flatnonzero(room)
    if idx.size:
        chans, first = np.unique(lp.col_channel[idx], return_index=True)
        out[chans] = lp.col_cpl[idx[first]]
    return out


def totals(scenario: Scenario, channels: Table) -> dict[str, float]:
    """Portfolio totals with blended ratios (NaN where undefined)."""
    spend = float(channels["spend"].sum())
    leads = float(channels["leads"].sum())
    customers = float(channels["customers"].sum())
    value = float(channels["value"].sum())
    sqls_col = channels["sqls"]
    sqls = float(sqls_col.sum()) if not np.isnan(sqls_col).any() else float("nan")
    return {
        "budget": scenario.budget,
        "spend": spend,
        "unspent": scenario.budget - spend,
        "leads": leads,
        "sqls": sqls,
        "customers": customers,
        "value": value,
        "net_value": value - spend,
        "blended_cpl": float(div(spend, leads)),
        "blended_cpa": float(div(spend, customers)),
        "blended_clv_to_cpa": float(div(value, spend)),
        "roi": float(div(value - spend, spend)),
        **_optional_totals(scenario, channels, spend),
    }


def _optional_totals(scenario: Scenario, channels: Table, spend: float) -> dict[str, float]:
    """Totals of the timing and payback fields, for the scenarios that use them."""
    out: dict[str, float] = {}
    cols = channels.columns
    if "payback_months" in cols:  # total spend / sum of monthly margin x customers
        margin = np.array([c.monthly_margin or 0.0 for c in scenario.channels])
        out["blended_payback_months"] = float(div(spend, float(
            (margin * np.asarray(channels["customers"])).sum())))
    if "npv" in cols:
        out["npv"] = float(np.asarray(channels["npv"]).sum())
    if "pipeline_customers" in cols:
        clv = np.array([c.clv for c in scenario.channels])
        pipe = np.asarray(channels["pipeline_customers"])
        out["pipeline_customers"] = float(pipe.sum())
        out["pipeline_value"] = float((pipe * clv).sum())
    return out
