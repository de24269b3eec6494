"""Values kept with the place they were written, and the collector of problems.

Every value read from a file stays `Located` (file and field path) until the scenario is
complete, so a problem found after `extends` and what-if overrides are merged still points at
the line the user wrote. Problems are gathered and raised together as one `ScenarioError`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from . import values as V
from .model import Period


@dataclass(frozen=True)
class Loc:
    file: str
    path: str

    def at(self, key: str | int) -> Loc:
        if isinstance(key, int):
            return Loc(self.file, f"{self.path}[{key}]")
        return Loc(self.file, f"{self.path}.{key}" if self.path else key)


@dataclass
class Located:
    value: Any
    loc: Loc


class _Invalid(enum.Enum):
    """An enum member: the same object after `copy.deepcopy` (documents are copied for
    every variant, and a fresh `object()` would no longer be recognised)."""

    INVALID = "invalid"


INVALID = _Invalid.INVALID
"""Value of a field whose problem is already reported: later checks skip it quietly."""


@dataclass
class GroupSpec:
    name: str
    channels: list[Located]
    min_share: float | None
    max_share: float | None
    loc: Loc


@dataclass
class PeriodSpec:
    period: Period
    channels: list[Located]  # channel names in per-period bounds and multipliers, to check
    loc: Loc


@dataclass
class Doc:
    """A scenario being assembled: located values, not yet cross-checked."""

    top: dict[str, Located] = field(default_factory=dict)
    channels: dict[str, dict[str, Located]] = field(default_factory=dict)
    channel_locs: dict[str, Loc] = field(default_factory=dict)
    constraints: dict[str, Located] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)

    def copy(self) -> Doc:
        """A copy that applying overrides to leaves this one as it is (what-if variants and
        sweep cells each start from one). Applying replaces `Located` values and never
        changes one in place, except channel groups (which `remove_channels` edits): those
        are copied one by one; the rest a level down (a tenth of deepcopy's time)."""
        from dataclasses import replace

        constraints = dict(self.constraints)
        groups = constraints.get("groups")
        if groups is not None:  # a group's member list is replaced, never edited in place
            constraints["groups"] = Located([replace(g) for g in groups.value], groups.loc)
        return Doc(dict(self.top), {name: dict(fields) for name, fields in self.channels.items()},
                   dict(self.channel_locs), constraints, list(self.inputs))


class Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(loc.file, loc.path, message))

    def check(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems)


def named_items(raw: list[Any], loc: Loc, problems: Collector, noun: str,
                allowed: tuple[str, ...] | None = None
                ) -> Iterator[tuple[str, dict[str, Any], Loc]]:
    """(name, mapping, location by name) for each mapping of a list of named things
    (channels, groups); items that are not mappings or have no name are problems."""
    for i, item in enumerate(raw):
        iloc = loc.at(i)
        if not isinstance(item, dict):
            problems.add(iloc, f"each {noun} must be a mapping, got {V.show(item)}")
            continue
        if allowed is not None:
            check_keys(item, allowed, iloc, problems)
        raw_name = item.get("name")
        try:
            name = V.label(raw_name, "name")
        except V.BadValue as exc:
            problems.add(iloc.at("name"), str(exc) if raw_name not in (None, "")
                         and not isinstance(raw_name, (dict, list))
                         else f"every {noun} needs a name")
            continue
        yield name, item, Loc(loc.file, f"{loc.path}['{name}']")


def check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], loc: Loc,
               problems: Collector, noun: str = "allowed keys") -> None:
    """An "unknown key" problem, with a did-you-mean, for every key not in `allowed`."""
    for key in raw:
        if key not in allowed:
            hint = V.did_you_mean(str(key), allowed) or f"; {noun}: {', '.join(allowed)}"
            problems.add(loc.at(str(key)), f"unknown key{hint}")
