"""Cleaning CRM values: channel labels (one name per channel across files), truthy flags,
`--period` bounds, and lead-scoring rules."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, ScenarioError
from ..scenario import values as V
from .tables import Drops


def among(values: pd.Series, pool: object) -> pd.Series:
    """`values.isin(pool)` for ids, hashed by Arrow. pandas' own isin on Arrow strings
    converts every value of the pool in a Python loop (4 s for a pool of a million lead
    ids, 0.25 s here); anything Arrow cannot take as strings goes the object way."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        found = pc.is_in(_strings(values), value_set=_strings(pool)).fill_null(False)
        return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.Series(values.to_numpy(dtype=object), index=values.index, dtype=object).isin(
            pd.Series(np.asarray(pool, dtype=object), dtype=object))


def _strings(x: object) -> Any:
    import pyarrow as pa

    arr = x.array if isinstance(x, pd.Series) else np.asarray(x, dtype=object)
    return pa.array(arr, from_pandas=True).cast(pa.large_string())


def normalise(label: str) -> str:
    return re.sub(r"[\s_\-]+", " ", label.strip().lower())


def channel_names(tables: list[pd.Series], aliases: dict[str, str]) -> list[pd.Series]:
    """Canonical channel names for several columns at once (leads, spend), so that one
    channel gets one name everywhere: case, spaces and separators are ignored, aliases
    apply, and the name shown is the alias target, else the most frequent spelling over
    all the columns. Blank labels stay ''. Works on distinct labels (fast on millions)."""
    alias = {normalise(str(k)): str(v) for k, v in aliases.items()}
    coded = [pd.factorize(raw.astype(str).str.strip()) for raw in tables]
    frequency: dict[tuple[str, str], int] = {}
    for codes, uniques in coded:
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        for spelling, count in zip(uniques, counts, strict=True):
            if spelling:
                key = (normalise(spelling), spelling)
                frequency[key] = frequency.get(key, 0) + int(count)
    shown: dict[str, str] = {}
    for (label, spelling), _ in sorted(frequency.items(), key=lambda kv: (-kv[1], kv[0][1])):
        shown.setdefault(label, spelling)
    for label in list(shown):
        if label in alias:
            shown[label] = alias[label]
    # an alias target that is another label's spelling ("fb" -> "Paid Social" beside
    # "paid_social") names that channel too: one channel, the alias's spelling
    for target in alias.values():
        same = normalise(target)
        if same in shown and same not in alias:
            shown[same] = target
    out = []
    for (codes, uniques), raw in zip(coded, tables, strict=True):
        names = np.array([shown.get(normalise(u), "") if u else "" for u in uniques] + [""],
                         dtype=object)
        out.append(pd.Series(names[codes], index=raw.index))  # code -1 (NaN) -> ""
    return out


def truthy(series: pd.Series) -> pd.Series:
    return series.astype(str).str.strip().str.lower().isin(
        ("1", "true", "yes", "y", "t", "won", "x"))


def period_bounds(period: str | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """`2018-01-01..2018-03-31`, `2018Q1`, `2018-02` or `2018` as [start, end)."""
    if period is None:
        return None
    text = period.strip()
    try:
        if ".." in text:
            a, b = text.split("..", 1)
            return pd.Timestamp(a), pd.Timestamp(b) + pd.Timedelta(days=1)
        if re.fullmatch(r"\d{4}[Qq][1-4]", text):
            p = pd.Period(text.upper(), freq="Q")
        elif re.fullmatch(r"\d{4}-\d{2}", text):
            p = pd.Period(text, freq="M")
        elif re.fullmatch(r"\d{4}", text):
            p = pd.Period(text, freq="Y")
        else:
            raise ValueError(text)
        return p.start_time, (p + 1).start_time
    except ValueError:
        raise ScenarioError([Problem("--period", "", f"cannot read {period!r}; give "
                                     "2018-01-01..2018-03-31, 2018Q1, 2018-02 or 2018")]) from None


def inside(bounds: tuple[pd.Timestamp, pd.Timestamp] | None, dates: pd.Series,
            usable: np.ndarray, drops: Drops, label: str, what: str,
            examples: pd.Series) -> np.ndarray:
    """Mask of rows dated inside `--period`; usable rows outside it are counted (they still
    serve to fit response curves)."""
    if bounds is None:
        return np.ones(len(dates), dtype=bool)
    inside = ((dates >= bounds[0]) & (dates < bounds[1])).to_numpy()
    drops.add(label, f"{what} outside --period (used only to fit response curves)",
              usable & ~inside, examples)
    return inside


def score(src: pd.DataFrame, cfg: dict, label: str) -> tuple[pd.Series, str]:
    """SQL flags from lead-scoring rules: points per matching rule, SQL at the threshold."""
    score = pd.Series(0.0, index=src.index)
    problems = []
    for i, rule in enumerate(cfg["rules"]):
        col = rule["column"]
        if col not in src.columns:
            problems.append(Problem(label, f"column {col!r}", f"missing (scoring.rules[{i}])"
                                    + V.did_you_mean(str(col), list(src.columns))))
            continue
        values = src[col].astype(str).str.strip()
        if "equals" in rule and isinstance(rule["equals"], bool):
            # YAML reads yes/no/true/false as booleans: match any spelling of them
            hit = truthy(values) == rule["equals"]
        elif "equals" in rule:
            hit = values.str.lower() == str(rule["equals"]).lower()
        elif "in" in rule:
            hit = values.str.lower().isin([str(v).lower() for v in rule["in"]])
        elif "contains" in rule:
            hit = values.str.lower().str.contains(str(rule["contains"]).lower(), regex=False)
        else:
            hit = pd.to_numeric(values, errors="coerce") >= float(rule["at_least"])
        score += np.where(hit.fillna(False), float(rule["points"]), 0.0)
    if problems:
        raise ScenarioError(problems)
    threshold = float(cfg["threshold"])
    flags = score >= threshold
    return flags, (f"SQL flags from lead scoring: {len(cfg['rules'])} rules, threshold "
                   f"{threshold:g}; {int(flags.sum())} of {len(flags)} leads qualify")
