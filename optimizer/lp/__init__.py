"""Scenario -> the program as arrays.

`kinds` is the one table of row and column kinds; `columns` lays out the columns;
`families` writes each family of rows; `build` assembles them; `program` is the array type
with its named rows; `curves` linearises response curves with a proven bound.
"""

from .build import build_lp
from .kinds import OBJECTIVE_UNITS, ROW_KINDS, ColKind, RowKind, unit_of
from .program import (
                      LinearProgram,
                      Names,
                      RowKey,
                      channel_spend,
                      fill_tiers,
                      period_sum,
                      tier_order_violations,
)

__all__ = ["OBJECTIVE_UNITS", "ROW_KINDS", "ColKind", "LinearProgram", "Names", "RowKey",
           "RowKind", "build_lp", "channel_spend", "fill_tiers", "period_sum",
           "tier_order_violations", "unit_of"]
