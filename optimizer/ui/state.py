"""The planner page's state as a what-if of the file it started from (no Shiny here).

What the page shows is planned from one mapping of overrides, written exactly as a what-if
file's keys (`budget`, `constraints`, `channels: {name: {field: value}}`), and applied to the
starting scenario's document the way `extends` applies a file (`scenario/merge.py:apply`).
"Save as what-if" writes the same mapping under `extends:`, so `chanopt plan` on the saved
file plans what the page showed (`whatif.py`, checked before anything is written).

Fields are compared with what the starting scenario holds, and only the differences become
overrides; text is read as YAML reads a value (`120` a number, `5%` a string the scenario
parsers read), so a bad value gets the message the CLI gives for the same text in a file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem
from ..scenario import values as V
from ..scenario.edit import FieldPath
from ..scenario.fields import CHANNEL_FIELDS, CONSTRAINT_FIELDS, TOP_FIELDS
from ..scenario.model import Channel, Scenario

PAGE = "page"
"""The file name problems of the page's own values are reported under."""

CHANNEL_COLUMNS = ("cpl", "lead_to_close", "clv", "current_spend", "min_spend", "max_spend")
"""The channel table's editable columns, in order (CPL holds every tier's CPL)."""
SHOCKS = ("cpl", "lead_to_close", "clv")
"""The per-channel shocks, in percent."""
LIMITS = ("min_clv_to_cpa", "min_blended_clv_to_cpa", "max_change", "max_leads", "max_sqls",
          "max_customers", "max_active_channels", "max_channel_share")
"""The scenario-wide constraints the page switches on and off and edits."""
TIER_SEP = "/"


def limit_id(key: str) -> str:
    """The input of a limit: `floor` for the channel CLV:CPA floor, `c_<key>` otherwise."""
    return "floor" if key == "min_clv_to_cpa" else f"c_{key}"


def cell_id(i: int, column: str) -> str:
    return f"ch{i}_{column}"


def shock_id(i: int, column: str) -> str:
    return f"shock{i}_{column}"


def group_id(j: int, key: str) -> str:
    return f"group{j}_{key}"


# ------------------------------------------------------------------------- reading text


def scalar(value: object) -> object:
    """A typed value as YAML would read it from a file: numbers become numbers."""
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
            number = float(text.replace("_", ""))
            return int(number) if number.is_integer() and "." not in text and "e" not in \
                text.lower() else number
        return text
    return value


def same(parse: Any, typed: object, start: float | None) -> bool:
    """Whether `typed` says what the starting value says (False when it does not parse)."""
    if start is None:
        return typed is None or (isinstance(typed, str) and not typed.strip())
    try:
        value = parse(scalar(typed), "value")
    except V.BadValue:
        return False
    return isinstance(value, (int, float)) and math.isclose(float(value), float(start),
                                                            rel_tol=1e-12, abs_tol=1e-12)


def tier_text(ch: Channel) -> str:
    """The CPL cell: the flat CPL, or every tier's CPL separated by " / "."""
    if ch.response is not None:
        return ""
    return f" {TIER_SEP} ".join(number_text(t.cpl) for t in ch.tiers)


def start_text(ch: Channel, column: str) -> str:
    """What a channel cell shows before any change."""
    if column == "cpl":
        return tier_text(ch)
    value = getattr(ch, column)
    return "" if value is None else number_text(value)


def number_text(value: float) -> str:
    return f"{value:.12g}"


# ------------------------------------------------------------------------- the state


@dataclass(frozen=True)
class PageState:
    """Everything the page's inputs hold, as typed (text, numbers, None when switched off)."""

    budget: object
    limits: Mapping[str, object] = field(default_factory=dict)
    """Per limit in LIMITS: the value typed, or None when the limit is switched off."""
    groups: Mapping[str, tuple[object, object] | None] = field(default_factory=dict)
    """Per group of the starting scenario: (min_share, max_share) as typed, None when off."""
    channels: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    shocks: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Per channel and field in SHOCKS: the change in percent (0 or missing: none)."""
    extra: Mapping[FieldPath, object] = field(default_factory=dict)
    """Fields set by an applied repair that have no input on the page."""


class PageProblem(Exception):
    """A page value that no file could hold (tier CPLs of the wrong count)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def changes(start: Scenario, state: PageState) -> dict[str, Any]:
    """The overrides (what-if keys) that turn `start` into what the page shows; PageProblem
    for a value no scenario file could say."""
    out: dict[str, Any] = {}
    if state.budget is None or (isinstance(state.budget, str) and not state.budget.strip()):
        raise PageProblem(Problem(PAGE, "budget", "empty; give the total budget, e.g. 250000"))
    if not same(TOP_FIELDS["budget"], state.budget, start.budget):
        out["budget"] = scalar(state.budget)
    limits: dict[str, Any] = {}
    for key in LIMITS:
        if key not in state.limits:
            continue
        was, typed = getattr(start.constraints, key), state.limits[key]
        if typed is None:
            if was is not None:
                limits[key] = None
        elif not same(CONSTRAINT_FIELDS[key], typed, was):
            limits[key] = scalar(typed)
    groups = _groups(start, state)
    if groups is not None:
        limits["groups"] = groups
    if limits:
        out["constraints"] = limits
    channels: dict[str, dict[str, Any]] = {}
    for ch in start.channels:
        edits = _channel(ch, state.channels.get(ch.name, {}), state.shocks.get(ch.name, {}))
        if edits:
            channels[ch.name] = edits
    for path, value in state.extra.items():
        _set_extra(out, channels, start, path, value)
    if channels:
        out["channels"] = channels
    return out


def _groups(start: Scenario, state: PageState) -> list[dict[str, Any]] | None:
    """The groups list when any group is switched off or its shares changed, else None."""
    groups, changed = [], False
    for g in start.constraints.groups:
        typed = state.groups.get(g.name, (g.min_share, g.max_share))
        if typed is None:
            changed = True
            continue
        item: dict[str, Any] = {"name": g.name, "channels": list(g.channels)}
        for key, was, value in zip(("min_share", "max_share"), (g.min_share, g.max_share),
                                   typed, strict=True):
            if same(V.rate, value, was):
                if was is not None:
                    item[key] = was
            else:
                changed = True
                if not (isinstance(value, str) and not value.strip()) and value is not None:
                    item[key] = scalar(value)
        groups.append(item)
    return groups if changed else None


def _channel(ch: Channel, typed: Mapping[str, object], shocks: Mapping[str, float]
             ) -> dict[str, Any]:
    edits: dict[str, Any] = {}
    for column in CHANNEL_COLUMNS:
        if column not in typed:
            continue
        value = typed[column]
        if column == "cpl":
            if ch.response is None and not _same_tiers(ch, value):
                edits.update(_tier_edit(ch, value))
            continue
        parse = CHANNEL_FIELDS[column]
        if not same(parse, value, getattr(ch, column)):
            blank = value is None or (isinstance(value, str) and not value.strip())
            edits[column] = None if blank else scalar(value)
    for column in SHOCKS:
        pct = shocks.get(column) or 0.0
        if not pct:
            continue
        factor = 1.0 + float(pct) / 100.0
        key = "tiers" if column == "cpl" and "tiers" in edits else column
        edited = edits.get(key)
        if key == "tiers" and isinstance(edited, list):
            edits["tiers"] = [{**t, "cpl": scaled(t["cpl"], factor)} for t in edited]
        elif isinstance(edited, (int, float)) and not isinstance(edited, bool):
            edits[column] = scaled(edited, factor)
        elif edited is None:
            edits[column] = f"{pct:+g}%"
        # an edited value that does not parse is left for the reader to report
    return edits


def scaled(value: object, factor: float) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(f"{value * factor:.12g}")
    return value


def _same_tiers(ch: Channel, typed: object) -> bool:
    parts = _tier_parts(typed)
    if len(parts) != len(ch.tiers):
        return False
    return all(same(CHANNEL_FIELDS["cpl"], p, t.cpl) for p, t in zip(parts, ch.tiers,
                                                                       strict=True))


def _tier_parts(typed: object) -> list[object]:
    if isinstance(typed, str):
        return [p.strip() for p in typed.split(TIER_SEP)]
    return [typed]


def _tier_edit(ch: Channel, typed: object) -> dict[str, Any]:
    """A new flat CPL, or every tier's CPL with the tiers' ends unchanged."""
    parts = _tier_parts(typed)
    if len(ch.tiers) == 1:
        return {"cpl": scalar(parts[0]) if len(parts) == 1 else typed}
    if len(parts) != len(ch.tiers):
        raise PageProblem(Problem(PAGE, f"channels['{ch.name}'].cpl", (
            f"{ch.name} has {len(ch.tiers)} tiers: give {len(ch.tiers)} CPLs separated by "
            f"\"{TIER_SEP}\" (now {typed!r})")))
    tiers: list[dict[str, Any]] = []
    for part, tier in zip(parts, ch.tiers, strict=True):
        item: dict[str, Any] = {"cpl": scalar(part)}
        if math.isfinite(tier.up_to):
            item = {"up_to": tier.up_to, **item}
        tiers.append(item)
    return {"tiers": tiers}


def _set_extra(out: dict[str, Any], channels: dict[str, dict[str, Any]], start: Scenario,
               path: FieldPath, value: object) -> None:
    if path[0] == "channels":
        name, key = path[1], path[2]
        edits = channels.setdefault(name, {})
        if key == "tiers":  # the end of the last tier moves (scenario/edit.py)
            ch = start.channel(name)
            tiers = edits.get("tiers") or [
                {"up_to": t.up_to, "cpl": t.cpl} if math.isfinite(t.up_to) else {"cpl": t.cpl}
                for t in ch.tiers]
            last = dict(tiers[-1])
            last["up_to"] = value
            edits.pop("cpl", None)
            edits["tiers"] = [*tiers[:-1], last]
        else:
            edits[key] = value
    elif path[0] == "constraints":
        out.setdefault("constraints", {})[path[1]] = value
    else:
        out[path[0]] = value
