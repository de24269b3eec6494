"""What a sweep's rows say, as one record (JSON-safe): statuses, the range of the optimal
net value and its best and worst cells, the effect of each swept field, the spend per
channel across cells (P10/P50/P90 and how often the channel is funded, per grid cell when
the inputs are drawn), the constraints that bind most often, and the tornado.

A `Tally` takes the rows as they stream past (counts, best and worst, per-value sums: no
row is kept); quantiles then read one numeric column at a time (`Columns`, from the
written Parquet file), so summarising a sweep holds one byte per cell and one column of
floats, never the rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .sweep import Plan

Columns = Callable[[str], np.ndarray]
FUNDED = 0.005  # spend above half a cent: the channel is funded
MOST_GROUPS = 20  # draw groups shown in a summary (every row is in sweep.parquet)
MOST_BINDING = 10


def clean(value: Any) -> Any:
    """A JSON-safe scalar: NaN and infinities as None, numpy scalars as Python ones."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _key(value: Any) -> tuple[str, str]:
    return type(value).__name__, repr(value)


class Tally:
    """Everything the summary needs that rows can give one at a time."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.status: Counter[str] = Counter()
        self.binding: Counter[str] = Counter()
        self.optimal = bytearray()  # 1 per cell with an optimal plan, in cell order
        self.first_failure: dict[str, Any] | None = None
        self.best: dict[str, Any] | None = None
        self.worst: dict[str, Any] | None = None
        self.groups: list[str] = []  # with draws and a grid: the first grid cells' ids
        grid = plan.grid
        self.axes = list(grid.axes) if grid is not None and grid.mode != "random" else []
        self.index = {a.name: {_key(v): i for i, v in enumerate(a.values)} for a in self.axes}
        # per (field, value index): cells, optimal cells, sum, min and max of net value
        self.effects = {a.name: [[0, 0, 0.0, math.inf, -math.inf] for _ in a.values]
                        for a in self.axes}

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        draws = self.plan.draws
        for row in rows:
            i = len(self.optimal)
            status = row["status"]
            self.status[status] += 1
            ok = status == "optimal"
            self.optimal.append(ok)
            if draws and self.plan.grid is not None and i % draws == 0 and \
                    len(self.groups) < MOST_GROUPS:
                self.groups.append(row["cell"].rsplit(".", 1)[0])
            net = row["net_value"]
            for axis in self.axes:
                entry = self.effects[axis.name][self.index[axis.name][_key(row[axis.name])]]
                entry[0] += 1
                if ok:
                    entry[1] += 1
                    entry[2] += net
                    entry[3] = min(entry[3], net)
                    entry[4] = max(entry[4], net)
            if not ok:
                if self.first_failure is None:
                    self.first_failure = {"cell": row["cell"], "status": status,
                                          "why": row["message"] or row["conflicts"]}
                continue
            self.binding.update(t for t in row["binding"].split("; ") if t)
            if self.best is None or net > self.best["net_value"]:
                self.best = self._cell(row)
            if self.worst is None or net < self.worst["net_value"]:
                self.worst = self._cell(row)

    def _cell(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"cell": row["cell"], "net_value": float(row["net_value"]),
                "overrides": {k: clean(row[k]) for k in self.plan.override_columns}}


def summarise(plan: Plan, tally: Tally, column: Columns,
              tornado: Sequence[dict[str, Any]] = (), change: float | None = None
              ) -> dict[str, Any]:
    sc = plan.base.scenario
    optimal = np.frombuffer(bytes(tally.optimal), dtype=np.uint8).astype(bool)
    grid = plan.grid
    random_grid = grid is not None and grid.mode == "random"
    doc: dict[str, Any] = {
        "scenario": sc.name, "currency": sc.currency, "grid": grid.label if grid else None,
        "mode": grid.mode if grid else None, "cells": int(optimal.size),
        "draws": plan.draws, "seed": plan.seed if plan.draws or random_grid else None,
        "fields": [{"field": a.name, "values": len(a.values) if a.values else None,
                    "distribution": a.distribution} for a in (grid.axes if grid else ())],
        "status": dict(sorted(tally.status.items())),
        "net_value": _net_value(column("net_value")[optimal], tally),
        "effects": _effects(tally),
        "spend": _spend(plan, tally, column, optimal),
        "binding": _binding(tally),
        "tornado": {"change": change, "inputs": [{k: clean(v) for k, v in row.items()
                                                 if "[" not in k} for row in tornado]}
        if tornado else None,
    }
    if tally.first_failure is not None:
        doc["first_failure"] = tally.first_failure
    return doc


def _net_value(values: np.ndarray, tally: Tally) -> dict[str, Any] | None:
    if not values.size or tally.best is None or tally.worst is None:
        return None
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
    return {"min": float(values.min()), "p10": float(p10), "p50": float(p50),
            "p90": float(p90), "max": float(values.max()), "best": tally.best,
            "worst": tally.worst}


def _effects(tally: Tally) -> list[dict[str, Any]]:
    """Per swept field and value (product and zip grids): the cells with it, how many have
    a plan, and the mean, lowest and highest optimal net value among them."""
    out = []
    for axis in tally.axes:
        for value, (cells, ok, total, low, high) in zip(axis.values, tally.effects[axis.name],
                                                        strict=True):
            out.append({"field": axis.name, "value": clean(value), "cells": cells,
                        "optimal": ok, "mean_net_value": total / ok if ok else None,
                        "min_net_value": low if ok else None,
                        "max_net_value": high if ok else None})
    return out


def _spend(plan: Plan, tally: Tally, column: Columns, optimal: np.ndarray
           ) -> list[dict[str, Any]]:
    """Per group (all cells; or each grid cell's draws) and channel: P10/P50/P90 of the
    optimal spend and the share of optimal cells that fund the channel."""
    if plan.draws and plan.grid is not None:
        spans = [(name, k * plan.draws, (k + 1) * plan.draws)
                 for k, name in enumerate(tally.groups)]
    else:
        spans = [("all", 0, optimal.size)]
    out = []
    for name in plan.base.channels:
        spend = column(f"spend[{name}]")
        for group, start, stop in spans:
            values = spend[start:stop][optimal[start:stop]]
            if not values.size:
                continue
            p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
            out.append({"group": group, "channel": name, "p10": float(p10),
                        "p50": float(p50), "p90": float(p90),
                        "funded": float(np.mean(values > FUNDED)), "cells": int(values.size)})
    return out


def _binding(tally: Tally) -> list[dict[str, Any]]:
    total = sum(tally.optimal)
    ranked = sorted(tally.binding.items(), key=lambda kv: (-kv[1], kv[0]))[:MOST_BINDING]
    return [{"constraint": k, "cells": v, "share": v / total} for k, v in ranked]
