"""Changing one field of a scenario, named by its path in the file.

Paths are tuples: ("budget",), ("use_full_budget",), ("constraints", key),
("constraints", "groups", group, key), ("channels", channel, key). The key "tiers" of a
channel moves the end of its last tier. Repairs, and what-if tools, change scenarios through
here and name the field to the user with `field_text`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .model import Channel, Scenario, Tier

FieldPath = tuple[str, ...]


def field_text(path: FieldPath) -> str:
    """As a user finds it in the file: channels['PPC'].min_spend, constraints.max_leads."""
    if path[0] == "channels":
        return f"channels['{path[1]}'].{path[2]}"
    if path[:2] == ("constraints", "groups"):
        return f"constraints.groups['{path[2]}'].{path[3]}"
    return ".".join(path)


def with_field(scenario: Scenario, path: FieldPath, value: object) -> Scenario:
    """The scenario with the field at `path` set to `value` (None disables a limit)."""
    head = path[0]
    if path == ("budget",):
        return scenario.with_budget(float(value))  # type: ignore[arg-type]
    if path == ("use_full_budget",):
        return replace(scenario, use_full_budget=bool(value))
    if head == "constraints" and len(path) == 2:
        limit: dict[str, Any] = {path[1]: value}
        return replace(scenario, constraints=replace(scenario.constraints, **limit))
    if path[:2] == ("constraints", "groups"):
        share: dict[str, Any] = {path[3]: value}
        groups = tuple(replace(g, **share) if g.name == path[2] else g
                       for g in scenario.constraints.groups)
        return replace(scenario, constraints=replace(scenario.constraints, groups=groups))
    if head == "channels":
        name, key = path[1], path[2]

        def change(c: Channel) -> Channel:
            if key == "tiers":
                last = c.tiers[-1]
                end = max(float(value), last.up_to)  # type: ignore[arg-type]
                return replace(c, tiers=(*c.tiers[:-1], Tier(end, last.cpl)))
            field_change: dict[str, Any] = {key: value}
            return replace(c, **field_change)

        return replace(scenario, channels=tuple(change(c) if c.name == name else c
                                                for c in scenario.channels))
    raise KeyError(f"no such field: {field_text(path)}")
