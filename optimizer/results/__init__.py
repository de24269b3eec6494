"""Solutions -> results: `optimize()` and `PlanResult` (plan.py), KPIs, the constraint table
with shadow prices and words (constraints.py), per-channel reasons (explain.py), period
tables, all kept as arrays (`Table`) with DataFrame views."""

from .plan import PlanResult, optimize
from .tables import Table

__all__ = ["PlanResult", "Table", "optimize"]
