"""What a scenario file may say: the field tables every parser reads, and the contract of
channel tables (CSV/XLSX columns), shared with `optimizer.estimation`, which writes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import timing as T
from . import values as V

Parser = Callable[[object, str], Any]


def months(raw: object, what: str) -> float:
    """A payback limit in months: a number above 0."""
    value = V.number(raw, what)
    if not 0 < value <= 1200:
        raise V.BadValue(f"{what} is {V.show(raw)}; give months above 0 (e.g. 12)")
    return value


TOP_FIELDS: dict[str, Parser] = {
    "name": V.label,
    "description": V.text,
    "period": V.text,
    "currency": V.text,
    "budget": lambda raw, what: V.money(raw, what, positive=True),
    "use_full_budget": V.boolean,
}

CHANNEL_FIELDS: dict[str, Parser] = {
    "cpl": lambda raw, what: V.money(raw, what, positive=True),
    "lead_to_close": V.rate,
    "lead_to_sql": V.rate,
    "clv": V.money,
    "current_spend": V.money,
    "min_spend": V.money,
    "max_spend": V.money,
    "max_change": V.fraction,
    "min_clv_to_cpa": V.ratio,
    "description": V.text,
    "fixed_cost": V.money,
    "min_buy": V.money,
    "unit": lambda raw, what: V.money(raw, what, positive=True),
    "close_lag": T.close_lag,
    "carryover": T.carryover,
    "monthly_margin": lambda raw, what: V.money(raw, what, positive=True),
    "max_payback_months": months,
}
CHANNEL_KEYS = ("name", "tiers", "response", "uncertainty", *CHANNEL_FIELDS)
CHANNEL_NULLABLE = {"lead_to_sql", "max_spend", "max_change", "min_clv_to_cpa", "description",
                    "unit", "response", "monthly_margin", "max_payback_months"}
CHANNEL_RELATIVE = {"cpl", "lead_to_close", "lead_to_sql", "clv", "current_spend",
                    "min_spend", "max_spend", "fixed_cost", "min_buy"}
RESPONSE_KEYS = ("curve", "max_leads", "scale", "shape")
RESPONSE_COLUMNS = {f"response_{k}": k for k in RESPONSE_KEYS}  # flat form in tables
# uncertainty in tables, as `chanopt estimate` writes it: counts give a Beta for the rate,
# *_low/*_high a 90% interval; the informational columns are accepted and not used
UNCERTAINTY_COLUMNS = ("leads", "customers", "sqls", "cpl_low", "cpl_high",
                       "lead_to_close_low", "lead_to_close_high", "lead_to_sql_low",
                       "lead_to_sql_high", "clv_low", "clv_high")
INFO_COLUMNS = ("mqls", "mql_to_sql", "clv_method", "clv_deals", "close_lag_method", "note")
CHANNEL_REQUIRED = ("lead_to_close", "clv")

CONSTRAINT_FIELDS: dict[str, Parser] = {
    "min_clv_to_cpa": V.ratio,
    "min_blended_clv_to_cpa": V.ratio,
    "max_change": V.fraction,
    "max_leads": V.count,
    "max_sqls": V.count,
    "max_customers": V.count,
    "max_active_channels": V.count,
    "max_period_change": V.fraction,
    "max_period_share": lambda raw, what: V.fraction(raw, what, upper=1.0),
    "max_channel_share": lambda raw, what: V.fraction(raw, what, upper=1.0),
    "max_payback_months": months,
    "max_blended_payback_months": months,
}
CONSTRAINT_KEYS = (*CONSTRAINT_FIELDS, "groups")
CONSTRAINT_RELATIVE = {"max_leads", "max_sqls", "max_customers"}
GROUP_KEYS = ("name", "channels", "min_share", "max_share")

STRUCTURED_TOP = ("objective", "target", "periods", "curve_tolerance", "period_length",
                  "accounting", "discount_rate", "pipeline")
BASE_KEYS = (*TOP_FIELDS, *STRUCTURED_TOP, "channels", "constraints", "scenarios", "extends")
EXTENDING_KEYS = (*BASE_KEYS, "add_channels", "remove_channels")
VARIANT_KEYS = ("name", "description", "budget", "use_full_budget", "constraints", "channels",
                "add_channels", "remove_channels", *STRUCTURED_TOP)
PERIOD_KEYS = ("name", "budget", "cpl_multiplier", "capacity_multiplier", "channels")
PERIOD_CHANNEL_KEYS = ("min_spend", "max_spend")
PIPELINE_KEYS = ("channel", "age", "leads", "spend")

TABLE_ALIASES = {"channel": "name"}
TABLE_COLUMNS = ("name", "cpl", *RESPONSE_COLUMNS, "lead_to_close", "lead_to_sql", "clv",
                 "current_spend", "min_spend", "max_spend", "leads", "customers", "sqls",
                 "mqls", "mql_to_sql", "cpl_low", "cpl_high", "lead_to_close_low",
                 "lead_to_close_high", "lead_to_sql_low", "lead_to_sql_high", "clv_low",
                 "clv_high", "clv_method", "clv_deals", "close_lag", "close_lag_method",
                 "note")
"""Columns of a channel table, in the order `chanopt estimate` writes them. A table may also
carry any other channel field as a column (except `tiers`, which needs YAML)."""
