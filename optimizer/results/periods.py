"""Per-period tables of a plan with `periods`: media spend by channel, and KPIs."""

from __future__ import annotations

import numpy as np

from ..lp.program import LinearProgram, channel_spend, period_sum
from ..scenario.model import Scenario
from .tables import Table

PERIOD_COLUMNS = ("budget", "spend", "share", "leads", "sqls", "customers", "value",
                  "net_value", "cpl", "cpa", "clv_to_cpa")


def period_tables(scenario: Scenario, lp: LinearProgram, x: np.ndarray
                  ) -> tuple[Table, Table]:
    """(period x channel media spend, per-period KPIs), both indexed by period name."""
    names = tuple(p.name for p in scenario.periods)
    spend = period_sum(lp, x)
    leads_pc = period_sum(lp, x / lp.col_cpl)
    ltc = np.array([c.lead_to_close for c in scenario.channels])
    clv = np.array([c.clv for c in scenario.channels])
    lts = np.array([c.lead_to_sql if c.lead_to_sql is not None else np.nan
                    for c in scenario.channels])
    # customers of each period's spend, as the accounting counts them
    counted = leads_pc * ltc if lp.col_counted is None else \
        period_sum(lp, x / lp.col_cpl * lp.col_counted) * ltc
    customers = counted.sum(axis=1)
    value = counted @ clv
    media = spend.sum(axis=1)
    total = float(channel_spend(lp, x).sum())
    leads = leads_pc.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kpis = {
            "budget": np.array([p.budget if p.budget is not None else np.nan
                                for p in scenario.periods], dtype=float),
            "spend": media,
            # of total spend, fixed costs included (as max_period_share reads it)
            "share": media / total if total > 0 else np.zeros(len(names)),
            "leads": leads,
            "sqls": leads_pc @ lts,
            "customers": customers,
            "value": value,
            "net_value": value - media,
            "cpl": np.where(leads > 0, media / leads, np.nan),
            "cpa": np.where(customers > 0, media / np.where(customers > 0, customers, 1),
                            np.nan),
            "clv_to_cpa": np.where(media > 0, value / np.where(media > 0, media, 1), np.nan),
        }
    by_channel = Table(names, "period", {name: spend[:, i]
                                         for i, name in enumerate(scenario.channel_names)})
    return by_channel, Table(names, "period", kpis)
