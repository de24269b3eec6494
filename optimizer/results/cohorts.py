"""The cohort table of a plan: when its leads arrive and its customers close, period by
period and after the last, beside the pipeline's, undiscounted and discounted.

Rows are the plan's periods (or one row, "plan", without `periods`) and a last row "after"
for the customers that close after the window. Columns:

- spend: media spend in the period (fixed costs are not in any period);
- leads: leads arriving in the period from the plan's spend (carry-over included);
- customers: the plan's customers closing in the period;
- pipeline_customers: the pipeline's customers closing in the period;
- value: customers x CLV (undiscounted); discounted_value: the same at (1+r)^(-t years);
- counted: whether the accounting counts the row's customers (the "after" row only under
  `cohort`).
"""

from __future__ import annotations

import numpy as np

from ..lp.program import LinearProgram, period_sum
from ..lp.timing import kernel_matrix, pipeline
from ..scenario.model import Scenario
from .tables import Table

COHORT_COLUMNS = ("spend", "leads", "customers", "pipeline_customers", "value",
                  "discounted_value", "counted")
AFTER = "after"


def cohort_table(scenario: Scenario, lp: LinearProgram, x: np.ndarray) -> Table:
    """Per period (and after the window): arrivals and closes of the plan and pipeline."""
    chans = scenario.channels
    T = scenario.n_periods
    spend = period_sum(lp, x)  # (T, n)
    bought = period_sum(lp, x / lp.col_cpl)  # leads bought by each period's spend
    carry = kernel_matrix(chans, "carryover")
    timing = kernel_matrix(chans, "timing")
    D = timing.shape[1]
    horizon = T + D  # every close happens before period T + D - 1
    ltc = np.array([c.lead_to_close for c in chans])
    clv = np.array([c.clv for c in chans])
    arriving = np.zeros((horizon, len(chans)))
    closing = np.zeros((horizon, len(chans)))
    for t in range(T):
        arriving[t:t + carry.shape[1]] += bought[t][None, :] * carry.T
        closing[t:t + D] += (bought[t] * ltc)[None, :] * timing.T
    flow = pipeline(scenario)
    pipe_in = flow.customers.T  # (T, n)
    value = closing @ clv
    discounted = value * scenario.discount(np.arange(horizon))
    names = [p.name for p in scenario.periods] or ["plan"]
    after_counted = scenario.accounting == "cohort"
    columns = {
        "spend": np.r_[spend.sum(axis=1), np.nan],
        "leads": np.r_[arriving[:T].sum(axis=1), arriving[T:].sum()],
        "customers": np.r_[closing[:T].sum(axis=1), closing[T:].sum()],
        "pipeline_customers": np.r_[pipe_in.sum(axis=1), flow.after.sum()],
        "value": np.r_[value[:T], value[T:].sum()],
        "discounted_value": np.r_[discounted[:T], discounted[T:].sum()],
        "counted": np.r_[np.ones(T), 1.0 if after_counted else 0.0],
    }
    return Table((*names, AFTER), "period", columns)
