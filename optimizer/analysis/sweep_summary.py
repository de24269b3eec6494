"""What a sweep's rows say, as one record (JSON-safe): statuses, the range of the optimal
net value and its best and worst cells, the effect of each swept field, the spend per
channel across cells (P10/P50/P90 and how often the channel is funded, per grid cell when
the inputs are drawn), the constraints that bind most often, and the tornado.

Columns are read one at a time (`Columns`), so summarising a sweep written to Parquet
holds one column in memory, never every row.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .sweep import Plan

Columns = Callable[[str], pd.Series]
FUNDED = 0.005  # spend above half a cent: the channel is funded
MOST_GROUPS = 20  # draw groups shown in a summary (every row is in sweep.parquet)
MOST_BINDING = 10


def _clean(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def summarise(plan: Plan, column: Columns, tornado: Sequence[dict[str, Any]] = (),
              change: float | None = None) -> dict[str, Any]:
    sc = plan.base.scenario
    status = column("status").astype(str)
    optimal = (status == "optimal").to_numpy()
    net = column("net_value").to_numpy(dtype=float)
    cells = column("cell").astype(str)
    doc: dict[str, Any] = {
        "scenario": sc.name, "currency": sc.currency, "grid": plan.grid.label if plan.grid else None,
        "mode": plan.grid.mode if plan.grid else None, "cells": len(status),
        "draws": plan.draws, "seed": plan.seed if plan.draws or
        (plan.grid is not None and plan.grid.mode == "random") else None,
        "fields": [{"field": a.name, "values": len(a.values) if a.values else None,
                    "distribution": a.distribution} for a in (plan.grid.axes if plan.grid else ())],
        "status": {k: int(v) for k, v in sorted(Counter(status).items())},
        "net_value": _net_value(net, optimal, cells, plan, column),
        "effects": _effects(plan, column, net, optimal),
        "spend": _spend(plan, column, optimal, cells),
        "binding": _binding(column("binding").astype(str), optimal),
        "tornado": {"change": change, "inputs": [{k: _clean(v) for k, v in row.items()
                                                 if "[" not in k} for row in tornado]}
        if tornado else None,
    }
    failed = ~optimal
    if failed.any():
        messages = column("message").astype(str).to_numpy()
        conflicts = column("conflicts").astype(str).to_numpy()
        first = int(np.flatnonzero(failed)[0])
        doc["first_failure"] = {"cell": str(cells.iloc[first]), "status": str(status.iloc[first]),
                                "why": messages[first] or conflicts[first]}
    return doc


def _overrides(plan: Plan, column: Columns, i: int) -> dict[str, Any]:
    return {name: _clean(column(name).iloc[i]) for name in plan.override_columns}


def _net_value(net: np.ndarray, optimal: np.ndarray, cells: pd.Series, plan: Plan,
               column: Columns) -> dict[str, Any] | None:
    if not optimal.any():
        return None
    values = net[optimal]
    where = np.flatnonzero(optimal)
    best = int(where[np.argmax(values)])  # the first cell of the largest value
    worst = int(where[np.argmin(values)])
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
    return {"min": float(values.min()), "p10": float(p10), "p50": float(p50),
            "p90": float(p90), "max": float(values.max()),
            "best": {"cell": str(cells.iloc[best]), "net_value": float(net[best]),
                     "overrides": _overrides(plan, column, best)},
            "worst": {"cell": str(cells.iloc[worst]), "net_value": float(net[worst]),
                      "overrides": _overrides(plan, column, worst)}}


def _effects(plan: Plan, column: Columns, net: np.ndarray, optimal: np.ndarray
             ) -> list[dict[str, Any]]:
    """Per swept field and value (product and zip grids): the cells with it, how many have
    a plan, and the mean, lowest and highest optimal net value among them."""
    if plan.grid is None or plan.grid.mode == "random":
        return []
    from .sweep import override_types, stored

    kinds = override_types(plan)
    out = []
    for axis in plan.grid.axes:
        values = column(axis.name)
        for value in axis.values:
            held = stored(kinds[axis.name], value)
            mask = (values.isna() if held is None else values == held).to_numpy()
            ok = mask & optimal
            found = net[ok]
            out.append({"field": axis.name, "value": _clean(value), "cells": int(mask.sum()),
                        "optimal": int(ok.sum()),
                        "mean_net_value": float(found.mean()) if found.size else None,
                        "min_net_value": float(found.min()) if found.size else None,
                        "max_net_value": float(found.max()) if found.size else None})
    return out


def _spend(plan: Plan, column: Columns, optimal: np.ndarray, cells: pd.Series
           ) -> list[dict[str, Any]]:
    """Per group (all cells; or each grid cell's draws) and channel: P10/P50/P90 of the
    optimal spend and the share of optimal cells that fund the channel."""
    if plan.draws and plan.grid is not None:
        groups = cells.str.rsplit(".", n=1).str[0].to_numpy()
    else:
        groups = np.full(len(cells), "all")
    names = list(dict.fromkeys(groups))[:MOST_GROUPS]
    out = []
    for name in plan.base.channels:
        spend = column(f"spend[{name}]").to_numpy(dtype=float)
        for group in names:
            mask = optimal & (groups == group)
            values = spend[mask]
            if not values.size:
                continue
            p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
            out.append({"group": str(group), "channel": name, "p10": float(p10),
                        "p50": float(p50), "p90": float(p90),
                        "funded": float(np.mean(values > FUNDED)), "cells": int(values.size)})
    return out


def _binding(binding: pd.Series, optimal: np.ndarray) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    for text in binding[optimal]:
        counts.update(t for t in text.split("; ") if t)
    total = int(optimal.sum())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MOST_BINDING]
    return [{"constraint": k, "cells": v, "share": v / total} for k, v in ranked]
