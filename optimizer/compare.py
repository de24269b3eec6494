"""Side-by-side comparison of scenarios: one row per plan, current plan first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .model import Scenario
from .planner import PlanResult, optimize

SUMMARY_COLUMNS = ("budget", "spend", "unspent", "leads", "customers", "value", "net_value",
                   "blended_cpl", "blended_cpa", "blended_clv_to_cpa", "roi")


@dataclass(frozen=True)
class Comparison:
    """`table`: one row per plan (current plans first); `spend`: channels x plans."""

    results: tuple[PlanResult, ...]
    table: pd.DataFrame
    spend: pd.DataFrame

    @property
    def all_optimal(self) -> bool:
        return all(r.is_optimal for r in self.results)


def _current_signature(result: PlanResult) -> tuple:
    return tuple((c.name, c.current_spend) for c in result.scenario.channels)


def compare(items: Iterable[Scenario | PlanResult], solver: str = "highs") -> Comparison:
    """Solve (if needed) and tabulate scenarios side by side.

    The current plan appears once per distinct set of current spends (normally once, first).
    """
    results = tuple(item if isinstance(item, PlanResult) else optimize(item, solver=solver)
                    for item in items)
    rows: list[dict] = []
    spend_cols: dict[str, pd.Series] = {}
    seen: list[tuple] = []
    for result in results:
        if result.scenario.variant_of is not None and seen:
            continue  # a variant shares its file's current plan
        sig = _current_signature(result)
        if sig not in seen:
            seen.append(sig)
            label = "current plan" if len(seen) == 1 else f"current plan ({result.name})"
            rows.append(_row(label, "current", result, result.current_totals, current=True))
            spend_cols[label] = result.current_channels["spend"]
    baseline = results[0].current_totals["net_value"] if results else np.nan
    for result in results:
        rows.append(_row(result.name, "optimal", result, result.totals, current=False))
        spend_cols[_unique(result.name, spend_cols)] = (
            result.channels["spend"] if result.channels is not None
            else pd.Series(np.nan, index=result.current_channels.index))
    table = pd.DataFrame(rows)
    table["net_value_vs_current"] = table["net_value"] - baseline
    order: list[str] = []
    for series in spend_cols.values():
        order.extend(name for name in series.index if name not in order)
    spend = pd.DataFrame({k: v.reindex(order) for k, v in spend_cols.items()}, index=order)
    spend.index.name = "channel"
    return Comparison(results=results, table=table, spend=spend)


def _unique(name: str, taken: dict) -> str:
    label, k = name, 2
    while label in taken:
        label, k = f"{name} ({k})", k + 1
    return label


def _row(label: str, plan: str, result: PlanResult, totals: dict | None, *, current: bool) -> dict:
    row: dict = {"scenario": label, "plan": plan,
                 "status": "evaluated" if current else str(result.status)}
    for key in SUMMARY_COLUMNS:
        row[key] = totals[key] if totals is not None else np.nan
    if current:
        broken = result.current_violations
        row["binding"] = f"breaks {len(broken)} constraint(s)" if broken else ""
    elif result.constraints is not None:
        row["binding"] = ", ".join(result.binding["constraint"])
    else:
        row["binding"] = "; ".join(result.conflicts)
    row["solver"] = "" if current else result.solver
    row["input_hash"] = result.input_hash
    # objectives differ between scenarios: say which each optimum is of
    row["objective"] = "" if current else result.objective_kind
    row["objective_value"] = np.nan if current or result.objective_value is None \
        else result.objective_value
    return row
