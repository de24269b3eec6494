"""Side-by-side comparison of scenarios: one row per plan, current plan first."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ..backends import SolveOptions
from ..results.plan import PlanResult, optimize
from ..results.tables import Table
from ..scenario.model import Scenario
from ..status import Status

if TYPE_CHECKING:
    import pandas as pd

    from .repair import Suggestion

SUMMARY_COLUMNS = ("budget", "spend", "unspent", "leads", "customers", "value", "net_value",
                   "blended_cpl", "blended_cpa", "blended_clv_to_cpa", "roi")


@dataclass(frozen=True, eq=False)
class Comparison:
    """`rows`: one dict per plan (current plans first); `spend_table`: channels x plans.
    `table` and `spend` are the same as DataFrames."""

    results: tuple[PlanResult, ...]
    rows: tuple[dict[str, Any], ...]
    spend_table: Table

    @property
    def all_optimal(self) -> bool:
        return all(r.is_optimal for r in self.results)

    @cached_property
    def table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.rows))

    @cached_property
    def spend(self) -> pd.DataFrame:
        frame = self.spend_table.to_frame()
        return frame

    @cached_property
    def repairs(self) -> dict[str, tuple[Suggestion, ...]]:
        """Per infeasible plan (by scenario name), its ranked repairs, computed once."""
        return {r.scenario.name: r.suggest_repairs() for r in self.results
                if r.status is Status.INFEASIBLE}


def _current_signature(result: PlanResult) -> tuple[tuple[str, float], ...]:
    return tuple((c.name, c.current_spend) for c in result.scenario.channels)


def compare(items: Iterable[Scenario | PlanResult], solver: str = "highs", *,
            options: SolveOptions | None = None) -> Comparison:
    """Solve (if needed, with `options` or `solver`) and tabulate scenarios side by side.

    The current plan appears once per distinct set of current spends (normally once, first).
    """
    options = options or SolveOptions(solver)
    results = tuple(item if isinstance(item, PlanResult) else optimize(item, options=options)
                    for item in items)
    rows: list[dict[str, Any]] = []
    spend_cols: dict[str, dict[str, float]] = {}
    seen: list[tuple[tuple[str, float], ...]] = []
    for result in results:
        if result.scenario.variant_of is not None and seen:
            continue  # a variant shares its file's current plan
        sig = _current_signature(result)
        if sig not in seen:
            seen.append(sig)
            label = "current plan" if len(seen) == 1 else f"current plan ({result.name})"
            rows.append(_row(label, "current", result, result.current_totals, current=True))
            spend_cols[label] = dict(zip(result.scenario.channel_names,
                                         result.current_table["spend"].tolist(), strict=True))
    baseline = results[0].current_totals["net_value"] if results else math.nan
    for result in results:
        rows.append(_row(result.name, "optimal", result, result.totals, current=False))
        names = result.scenario.channel_names
        values = (result.channel_table["spend"].tolist() if result.channel_table is not None
                  else [math.nan] * len(names))
        spend_cols[_unique(result.name, spend_cols)] = dict(zip(names, values, strict=True))
    for row in rows:
        row["net_value_vs_current"] = row["net_value"] - baseline
    order: list[str] = []
    for column in spend_cols.values():
        order.extend(name for name in column if name not in order)
    spend = Table(tuple(order), "channel", {
        label: np.array([column.get(name, math.nan) for name in order], dtype=float)
        for label, column in spend_cols.items()})
    return Comparison(results=results, rows=tuple(rows), spend_table=spend)


def _unique(name: str, taken: dict[str, Any]) -> str:
    label, k = name, 2
    while label in taken:
        label, k = f"{name} ({k})", k + 1
    return label


def _row(label: str, plan: str, result: PlanResult, totals: dict[str, float] | None, *,
         current: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"scenario": label, "plan": plan,
                           "status": "evaluated" if current else str(result.status)}
    for key in SUMMARY_COLUMNS:
        row[key] = totals[key] if totals is not None else math.nan
    row["budget"] = result.scenario.budget  # an infeasible plan still had a budget
    if current:
        broken = result.current_violations
        row["binding"] = f"breaks {len(broken)} constraint(s)" if broken else ""
    elif result.constraint_table is not None:
        table = result.constraint_table
        row["binding"] = ", ".join(str(c) for c, b in zip(table["constraint"], table["binding"],
                                                          strict=True) if b)
    else:
        row["binding"] = "; ".join(result.conflicts)
    row["solver"] = "" if current else result.solver
    row["input_hash"] = result.input_hash
    # objectives differ between scenarios: say which each optimum is of
    row["objective"] = "" if current else result.objective_kind
    row["objective_value"] = math.nan if current or result.objective_value is None \
        else result.objective_value
    return row
