"""Scenario-wide constraints and channel groups."""

from __future__ import annotations

from . import values as V
from .fields import CONSTRAINT_FIELDS, CONSTRAINT_KEYS, CONSTRAINT_RELATIVE, GROUP_KEYS
from .located import Collector, Doc, GroupSpec, Loc, Located, check_keys, named_items


def apply_constraints(doc: Doc, raw: object, loc: Loc, problems: Collector) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        problems.add(loc, f"must be a mapping such as {{min_clv_to_cpa: 3}}, got {V.show(raw)}")
        return
    check_keys(raw, CONSTRAINT_KEYS, loc, problems)
    for key, parser in CONSTRAINT_FIELDS.items():
        if key not in raw:
            continue
        kloc = loc.at(key)
        value = raw[key]
        if value is None:
            doc.constraints[key] = Located(None, kloc)
            continue
        rel = V.relative(value) if key in CONSTRAINT_RELATIVE else None
        if rel is not None:
            prev = doc.constraints.get(key)
            if prev is None or prev.value is None:
                problems.add(kloc, f"{rel.text} needs a {key} to change; give a number")
            else:
                try:  # the changed limit is checked like a written one
                    doc.constraints[key] = Located(parser(rel.apply(prev.value), key), kloc)
                except V.BadValue as exc:
                    problems.add(kloc, f"{rel.text} of {prev.value:g}: {exc}")
            continue
        try:
            doc.constraints[key] = Located(parser(value, key), kloc)
        except V.BadValue as exc:
            problems.add(kloc, str(exc))
    if "groups" in raw:
        groups = parse_groups(raw["groups"], loc.at("groups"), problems)
        doc.constraints["groups"] = Located(groups, loc.at("groups"))


def parse_groups(raw: object, loc: Loc, problems: Collector) -> list[GroupSpec]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.add(loc, "must be a list of groups, each with name, channels and "
                          "min_share and/or max_share")
        return []
    groups: list[GroupSpec] = []
    names: set[str] = set()
    for name, item, gloc in named_items(raw, loc, problems, "group", GROUP_KEYS):
        if name in names:
            problems.add(gloc.at("name"), f"group name {V.show(name)} is used twice")
        names.add(name)
        shares: dict[str, float | None] = {}
        for key in ("min_share", "max_share"):
            value = item.get(key)
            if value is None:
                shares[key] = None
                continue
            try:
                shares[key] = V.rate(value, key)
            except V.BadValue as exc:
                problems.add(gloc.at(key), str(exc))
                shares[key] = None
        if "min_share" not in item and "max_share" not in item:
            problems.add(gloc, "give min_share and/or max_share (a share of total spend)")
        members = item.get("channels")
        if isinstance(members, str):
            members = [members]
        if not isinstance(members, list) or not members:
            problems.add(gloc.at("channels"), "must be a non-empty list of channel names")
            members = []
        lo, hi = shares["min_share"], shares["max_share"]
        if lo is not None and hi is not None and lo > hi:
            problems.add(gloc, f"min_share {lo:g} is above max_share {hi:g}; swap them")
        groups.append(GroupSpec(name, [Located(str(m), gloc.at("channels").at(j))
                                       for j, m in enumerate(members)], lo, hi, gloc))
    return groups


def drop_from_groups(doc: Doc, channel: str) -> None:
    groups = doc.constraints.get("groups")
    if groups is None:
        return
    for group in groups.value:
        group.channels = [m for m in group.channels if m.value != channel]
