"""The tornado: each input moved one at a time from the base scenario, re-optimised at
both ends (the budget and every channel's CPL, lead-to-close and CLV, by -X%/+X%, or across
its 90% interval where the input is uncertain)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..backends import SolveOptions
from ..scenario.grid import Cell, id_width, percent_text
from ..scenario.model import Scenario
from .sweep import DRAWN, Plan, _document
from .sweep_cells import Base, run_task

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class TornadoInput:
    path: tuple[str, ...]
    low: Any  # the override that lowers the input
    high: Any
    how: str  # "-10% / +10%" or "90% interval"

    @property
    def name(self) -> str:
        return ".".join(self.path)


def tornado_inputs(scenario: Scenario, change: float = 0.1) -> list[TornadoInput]:
    """Each input moved one at a time: the budget and every channel's CPL, lead-to-close and
    CLV, by -change/+change, or across its 90% interval where the input is uncertain."""
    down, up = percent_text(-change * 100), percent_text(change * 100)
    how = f"{down} / {up}"
    out = [TornadoInput(("budget",), down, up, how)]
    for ch in scenario.channels:
        uncertain = {u.field: u for u in ch.uncertainty}
        for field in DRAWN:
            u = uncertain.get(field)
            if u is None:
                out.append(TornadoInput(("channels", ch.name, field), down, up, how))
                continue
            lo, hi = u.interval(0.9)
            if field == "cpl":
                point = ch.cpl
                out.append(TornadoInput(("channels", ch.name, field),
                                        percent_text((lo / point - 1) * 100),
                                        percent_text((hi / point - 1) * 100), "90% interval"))
            else:
                out.append(TornadoInput(("channels", ch.name, field), lo, hi, "90% interval"))
    return out


def tornado_cells(inputs: Sequence[TornadoInput]) -> list[Cell]:
    width = id_width(len(inputs))
    cells = [Cell("base", ())]
    for i, item in enumerate(inputs):
        for side, value in (("low", item.low), ("high", item.high)):
            cells.append(Cell(f"t{i:0{width}d}.{side}", ((item.name, item.path, value),)))
    return cells


def tornado_table(plan: Plan, inputs: Sequence[TornadoInput],
                  rows: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per input: the optimal net value with it lowered and raised (`rows`: the rows of
    `tornado_cells(inputs)` by cell id), the range between them, and the spend the two plans
    put differently (half the sum of the absolute differences of spend per channel: the
    dollars reallocated), largest range first."""
    base = rows["base"]
    spend_cols = [f"spend[{c}]" for c in plan.base.channels]
    width = id_width(len(inputs))
    table = []
    for i, item in enumerate(inputs):
        low, high = rows[f"t{i:0{width}d}.low"], rows[f"t{i:0{width}d}.high"]
        lo_spend = np.array([low[c] for c in spend_cols])
        hi_spend = np.array([high[c] for c in spend_cols])
        entry: dict[str, Any] = {
            "input": item.name, "how": item.how, "low": item.low, "high": item.high,
            "status_low": low["status"], "status_high": high["status"],
            "net_value_base": base["net_value"], "net_value_low": low["net_value"],
            "net_value_high": high["net_value"],
            "range": abs(high["net_value"] - low["net_value"]),
            "spend_moved": float(np.abs(hi_spend - lo_spend).sum() / 2),
        }
        for c, lo_v, hi_v in zip(plan.base.channels, lo_spend, hi_spend, strict=True):
            entry[f"spend_low[{c}]"] = float(lo_v)
            entry[f"spend_high[{c}]"] = float(hi_v)
        table.append(entry)
    table.sort(key=lambda e: (-e["range"] if math.isfinite(e["range"]) else math.inf,
                              e["input"]))
    return table


def tornado(scenario: str | Path | Mapping[str, Any] | Scenario, change: float = 0.1, *,
            variant: str | None = None, options: SolveOptions | None = None) -> pd.DataFrame:
    """The tornado of `scenario`: each input moved by -change/+change (or across its 90%
    interval when uncertain), one at a time, re-optimised (see `tornado_table`)."""
    import pandas as pd

    doc, base_scenario, folder = _document(scenario, variant)
    plan = Plan(Base(doc, base_scenario, "<tornado>", folder, options or SolveOptions()), None)
    inputs = tornado_inputs(base_scenario, change)
    rows = {r["cell"]: r for r in run_task(plan.base, tornado_cells(inputs))}
    return pd.DataFrame(tornado_table(plan, inputs, rows))
