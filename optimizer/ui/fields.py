"""Which input of the page a scenario field belongs to: where a problem is marked, and which
input a repair sets."""

from __future__ import annotations

import re
from typing import Any

from ..errors import Problem
from . import state as S
from .whatif import Start


def problem_text(problem: Problem) -> str:
    at = f"{problem.path}: " if problem.path else ""
    return f"{at}{problem.message}"


def field_id(start: Start, overrides: dict[str, Any], problem: Problem) -> str | None:
    """The input a problem of the page's values belongs to (None: shown in the list)."""
    if problem.file != S.PAGE:
        return None
    path = problem.path
    if path == "budget":
        return "budget"
    if path.startswith("constraints."):
        key = path.split(".", 1)[1]
        if key in S.LIMITS:
            return S.limit_id(key)
        if key.startswith("groups["):
            found = re.match(r"groups\[(\d+)\]\.(min_share|max_share)$", key)
            if found:
                names = [g.name for g in start.scenario.constraints.groups]
                written = (overrides.get("constraints") or {}).get("groups") or []
                j = int(found.group(1))
                if j < len(written) and written[j]["name"] in names:
                    return S.group_id(names.index(written[j]["name"]), found.group(2))
        return None
    if path.startswith("channels['"):
        name, _, rest = path[len("channels['"):].partition("']")
        key = rest.lstrip(".").split(".")[0].split("[")[0]
        key = "cpl" if key == "tiers" else key
        names = [c.name for c in start.scenario.channels]
        if name in names and key in S.CHANNEL_COLUMNS:
            i = names.index(name)
            if key == "cpl" and start.scenario.channels[i].response is not None:
                return None  # a curve has no CPL input: the problem is listed at the top
            return S.cell_id(i, key)
    return None


def repair_input(start: Start, path: tuple[str, ...]) -> tuple[str, str] | None:
    """(kind, input id) of the input a repair's field is set through; None when the page
    has no input for it (the change is kept with the page's other changes)."""
    if path == ("budget",):
        return ("numeric", "budget")
    if len(path) == 2 and path[0] == "constraints" and path[1] in S.LIMITS:
        return ("limit", S.limit_id(path[1]))
    if len(path) == 4 and path[:2] == ("constraints", "groups"):
        names = [g.name for g in start.scenario.constraints.groups]
        if path[2] in names:
            return ("text", S.group_id(names.index(path[2]), path[3]))
    if len(path) == 3 and path[0] == "channels" and path[2] in S.CHANNEL_COLUMNS \
            and path[2] != "cpl":
        names = [c.name for c in start.scenario.channels]
        if path[1] in names:
            return ("text", S.cell_id(names.index(path[1]), path[2]))
    return None
