"""What one estimation has read so far (the run: mapping, file labels, period, rows left out,
notes, date formats) and the usable leads, shared by its steps."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import Problem, ScenarioError
from .dates import DateFormatError, parse_dates
from .labels import truthy
from .mapping import Mapping
from .tables import Drops


@dataclass
class Run:
    """What one estimation has read and found so far."""

    mapping: Mapping
    leads_label: str
    spend_label: str
    deals_label: str
    bounds: tuple[pd.Timestamp, pd.Timestamp] | None
    drops: Drops = field(default_factory=Drops)
    notes: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)

    def dates(self, column: pd.Series, label: str, name: str) -> pd.Series:
        try:
            parsed, self.formats[f"{label}:{name}"] = parse_dates(
                column, self.mapping.get("dates", "format"), what=f"{label}: column {name!r}")
        except DateFormatError as exc:
            raise ScenarioError([Problem(label, f"column {name!r}", str(exc))]) from None
        return parsed

    def won(self, rows: pd.DataFrame) -> pd.Series | None:
        """Which leads' rows are won: the `won` column, else a stage in `stages.won`; None
        when the mapping has neither."""
        col, stages = self.mapping.sections["leads"], self.mapping.sections["stages"]
        if col["won"] is not None:
            return truthy(rows[col["won"]])
        if col["stage"] is not None and stages["won"]:
            return rows[col["stage"]].str.strip().str.lower().isin(
                [s.lower() for s in stages["won"]])
        return None


@dataclass
class Leads:
    """The leads that can be used: one row each (id, channel, created), their source rows,
    and the leads' history (every usable lead, inside --period or not) for curve fits."""

    ids: pd.Series
    frame: pd.DataFrame
    src: pd.DataFrame
    history: pd.DataFrame
