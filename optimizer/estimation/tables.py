"""Estimation's inputs and outputs: reading CRM exports, counting unusable rows by reason,
and the result (a channel table in the columns a scenario reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, ScenarioError
from ..scenario import values as V
from .mapping import Mapping


@dataclass(frozen=True)
class LagResult:
    """The fitted close lags (one row per channel), the export date the open leads were
    censored at, and the pipeline of open leads when asked (scenario `pipeline:` rows:
    channel, age, leads; with open_leads and customers_to_come behind each)."""

    fits: pd.DataFrame
    as_of: str
    period_length: str
    pipeline: pd.DataFrame | None = None
    plan_start: str | None = None


@dataclass(frozen=True)
class EstimateResult:
    """`table`: the channel table (one row per channel, the columns a scenario reads);
    `dropped`: rows not used, by file and reason, with counts and examples; `fits`: the
    response-curve fits; `notes`: what else the reader of the estimates must know."""

    table: pd.DataFrame
    dropped: pd.DataFrame
    fits: pd.DataFrame
    rows: dict[str, int]  # rows read per file
    notes: tuple[str, ...] = ()
    date_formats: dict[str, str] = field(default_factory=dict)
    period: tuple[str, str] | None = None
    lags: LagResult | None = None

    def to_csv(self) -> str:
        """The channel table as CSV a scenario reads (render.csv writes it)."""
        from ..render.csv import estimate_csv

        return estimate_csv(self)

    def pipeline_csv(self) -> str:
        """The pipeline of open leads as CSV a scenario reads (`pipeline: pipeline.csv`)."""
        from ..render.csv import pipeline_csv

        return pipeline_csv(self)


class Drops:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, file: str, reason: str, mask: pd.Series | np.ndarray, examples: pd.Series
            ) -> None:
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if count:
            shown = [str(v) for v in pd.Series(np.asarray(examples)[mask]).head(3)]
            self.rows.append({"file": file, "reason": reason, "rows": count,
                              "examples": ", ".join(shown)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["file", "reason", "rows", "examples"])


def read_csv(path: str | Path, label: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError([Problem(label, "", "file not found")]) from None
    except pd.errors.EmptyDataError:
        raise ScenarioError([Problem(label, "", "the file is empty")]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def require(frame: pd.DataFrame, label: str, section: str, mapping: Mapping,
             keys: tuple[str, ...], problems: list[Problem]) -> None:
    columns = list(frame.columns)
    for key in keys:
        col = mapping.get(section, key)
        if col is not None and col not in columns:
            problems.append(Problem(label, f"column {col!r}",
                                    f"missing (mapping {section}.{key})"
                                    + (V.did_you_mean(str(col), columns)
                                       or f"; the file has: {', '.join(columns[:12])}")))
