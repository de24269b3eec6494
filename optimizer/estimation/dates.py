"""Dates as CRM exports write them: detected, or configured, never silently guessed wrong.

Detection tries each known format on the column's *distinct* values (fast on millions of
rows). The format that parses the most values wins; when a day-first and a month-first
format parse equally many (every day is 12 or less: "03-04-2018"), the column is ambiguous
and an error asks for the format. Values no format parses are returned as NaT for the
caller to count and report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# (strftime format, day-first?) -- day-first None when the format cannot be confused
FORMATS: tuple[tuple[str, bool | None], ...] = (
    ("%Y-%m-%d", None), ("%Y-%m-%d %H:%M", None), ("%Y-%m-%d %H:%M:%S", None),
    ("%Y-%m-%dT%H:%M:%S", None), ("%Y/%m/%d", None), ("%Y-%m", None),
    ("%d-%m-%Y", True), ("%d-%m-%Y %H:%M", True), ("%d-%m-%Y %H:%M:%S", True),
    ("%d/%m/%Y", True), ("%d/%m/%Y %H:%M", True), ("%d/%m/%Y %H:%M:%S", True),
    ("%d.%m.%Y", True),
    ("%m-%d-%Y", False), ("%m-%d-%Y %H:%M", False), ("%m-%d-%Y %H:%M:%S", False),
    ("%m/%d/%Y", False), ("%m/%d/%Y %H:%M", False), ("%m/%d/%Y %H:%M:%S", False),
)


class DateFormatError(ValueError):
    """The column's date format is ambiguous or unknown: configure it."""


def _parse(values: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(values, format=fmt, errors="coerce")


def parse_dates(column: pd.Series, fmt: str | None = None, *, what: str = "dates"
                ) -> tuple[pd.Series, str]:
    """(parsed datetimes, the format or formats used). Blank values become NaT.

    `fmt` None or "auto" detects; otherwise the given strftime format is used as is."""
    codes, distinct = pd.factorize(column.astype(str).str.strip())
    uniques = pd.Series(distinct)
    uniques = uniques[uniques != ""]

    def spread(parsed: pd.Series) -> pd.Series:
        """Parsed distinct values back onto every row (blank and NaN rows: NaT)."""
        values = np.full(len(distinct) + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
        values[parsed.index.to_numpy()] = parsed.to_numpy(dtype="datetime64[ns]")
        return pd.Series(values[codes], index=column.index)

    if fmt not in (None, "auto"):
        return spread(_parse(uniques, fmt)), fmt
    if uniques.empty:
        return spread(pd.Series(dtype="datetime64[ns]")), "none"
    parsed: dict[str, pd.Series] = {f: _parse(uniques, f) for f, _ in FORMATS}
    counts = {f: int(v.notna().sum()) for f, v in parsed.items()}
    # a column may mix formats that differ only by a time part: group them by family
    families: dict[str, tuple[list[str], bool | None]] = {}
    for f, dayfirst in FORMATS:
        family = f.split(" ")[0].split("T")[0]
        families.setdefault(family, ([], dayfirst))[0].append(f)
    best_total, best_family = -1, ""
    totals = {}
    for family, (members, _) in families.items():
        combined = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
        for f in members:
            combined = combined.fillna(parsed[f])
        totals[family] = combined
        n = int(combined.notna().sum())
        if n > best_total:
            best_total, best_family = n, family
    if best_total == 0:
        examples = ", ".join(repr(v) for v in uniques.head(3))
        raise DateFormatError(f"{what}: no known date format reads values such as {examples}; "
                              "give the format in the mapping (dates: {format: \"%d-%m-%Y\"})")
    dayfirst = families[best_family][1]
    if dayfirst is not None:
        twin = best_family.replace("%d", "@").replace("%m", "%d").replace("@", "%m")
        if twin in totals and int(totals[twin].notna().sum()) == best_total:
            examples = ", ".join(repr(v) for v in uniques.head(3))
            raise DateFormatError(
                f"{what}: dates such as {examples} read both day-first ({best_family}) and "
                f"month-first ({twin}); say which in the mapping, e.g. "
                f"dates: {{format: \"{best_family}\"}}")
    used = "/".join(f for f in families[best_family][0] if counts[f])
    return spread(totals[best_family]), used
