"""Channels: from a YAML list or a table, overridden by extending files and variants."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import values as V
from .fields import (
    CHANNEL_FIELDS,
    CHANNEL_KEYS,
    CHANNEL_NULLABLE,
    CHANNEL_RELATIVE,
    CHANNEL_REQUIRED,
    INFO_COLUMNS,
    RESPONSE_COLUMNS,
    TABLE_ALIASES,
    UNCERTAINTY_COLUMNS,
)
from .files import Table, read_table
from .located import INVALID, Collector, Doc, Loc, Located, named_items
from .model import Tier
from .response import parse_response, parse_uncertainty, uncertainty_from_columns

STRUCTURED = ("tiers", "response", "uncertainty")  # channel fields with their own parsers


def add_channels(doc: Doc, raw: object, loc: Loc, base_dir: Path, problems: Collector) -> None:
    if isinstance(raw, str):
        table = read_table(raw, base_dir, loc, problems)
        if table is not None:
            doc.inputs.append(table.path.resolve())
            _add_channel_rows(doc, table, problems)
        return
    if not isinstance(raw, list):
        problems.add(loc, "must be a list of channels (mappings with name, cpl, lead_to_close, "
                          "clv...) or the path of a CSV file")
        return
    for name, item, cloc in named_items(raw, loc, problems, "channel"):
        fields = _parse_channel_fields(item, cloc, problems, relative=False, full=True,
                                       key_namer=cloc.at)
        _insert_channel(doc, name, fields, cloc, problems)


def table_columns() -> tuple[str, ...]:
    """The columns a channel table reads (docs/scenario-format.md): every channel field
    that fits a cell, the flat response_* columns, the uncertainty and the informational
    columns that `chanopt estimate` writes."""
    fields = [k for k in CHANNEL_KEYS if k not in STRUCTURED]
    return tuple(dict.fromkeys([*fields, *TABLE_ALIASES, *RESPONSE_COLUMNS,
                                *UNCERTAINTY_COLUMNS, *INFO_COLUMNS]))


def is_bookkeeping(column: str) -> bool:
    """A column the planner keeps out of the plan: its header starts with # or _."""
    return column.startswith(("#", "_"))


def _check_header(header: list[str], floc: Loc, problems: Collector) -> bool:
    """Unknown columns: a did-you-mean each, or one message listing the columns a table
    reads (bookkeeping columns, starting with # or _, are fine). False when the table is no
    channel table at all (its rows are then not read)."""
    allowed = table_columns()
    known = [c for c in header if c in allowed or TIER_COLUMN.match(c) or is_bookkeeping(c)]
    if header and not known:  # not a channel table at all: say so, quote none of it
        problems.add(floc, (
            f"does not look like a channel table: none of its {len(header)} column"
            f"{'s' if len(header) != 1 else ''} is one a channel table reads (name, cpl, "
            "lead_to_close, clv, ...); check the path, or see docs/scenario-format.md"))
        return False
    unknown = []
    for col in header:
        if not col or is_bookkeeping(col) or col in allowed or TIER_COLUMN.match(col):
            continue
        if col == "tiers":
            problems.add(floc.at(f"column {V.show(col)}"), "tiers cannot be written in one cell; "
                         "give them as columns tier1_cpl, tier1_up_to, tier2_cpl, ... (the "
                         "last up_to may stay empty), or in YAML")
        elif V.did_you_mean(col, allowed):
            problems.add(floc.at(f"column {V.show(col)}"),
                         f"unknown column{V.did_you_mean(col, allowed)}")
        else:
            unknown.append(col)
    if unknown:
        cols = V.listing(unknown, quote=True)
        problems.add(floc.at(f"column{'s' if len(unknown) > 1 else ''} {cols}"), (
            f"unknown column{'s' if len(unknown) > 1 else ''}; to keep a bookkeeping column "
            f"(owner, start date) start its name with # (#{unknown[0][:30]}). The columns a "
            f"channel table reads are: {', '.join(allowed)}"))
    return True


def _add_channel_rows(doc: Doc, table: Table, problems: Collector) -> None:
    """Channels from a table (CSV or a workbook sheet): one per row, columns are fields."""
    label = table.label
    header = [h.strip() for h in table.header]
    floc = Loc(label, "")
    aliases = TABLE_ALIASES
    if not _check_header(header, floc, problems):
        return
    if "name" not in header and "channel" not in header:
        problems.add(floc, "the table needs a `name` column naming each channel")
        return
    for line_no, row in table.rows:
        if len(row) > len(header) and any(str(v).strip() for v in row[len(header):]):
            problems.add(Loc(label, f"row {line_no}"), "has more cells than the header")
        cleaned: dict[str, Any] = {}
        for key, value in zip(header, row, strict=False):  # short or long rows: checked above
            key = aliases.get(key, key)
            text = value.strip() if isinstance(value, str) else value
            if not key or key == "tiers" or is_bookkeeping(key) or text == "" or text is None:
                continue
            # "none" sets a nullable field to null (max_change: none exempts the channel)
            cleaned[key] = None if isinstance(text, str) and text.lower() in ("none", "null") \
                else text
        tiers = _tier_columns(cleaned)
        if tiers:
            cleaned["tiers"] = tiers
        response = {RESPONSE_COLUMNS[k]: cleaned.pop(k) for k in list(cleaned)
                     if k in RESPONSE_COLUMNS}
        if response:
            cleaned["response"] = response
        for key in INFO_COLUMNS:
            cleaned.pop(key, None)
        flat = {k: cleaned.pop(k) for k in list(cleaned) if k in UNCERTAINTY_COLUMNS}
        if flat:
            cleaned["uncertainty"] = uncertainty_from_columns(flat)
        name = cleaned.pop("name", None)
        if name is None or str(name).strip() == "":
            if cleaned:
                problems.add(Loc(label, f"row {line_no}"), "has no channel name")
            continue
        try:
            name = V.label(name, "channel name")
        except V.BadValue as exc:
            problems.add(Loc(label, f"row {line_no}"), str(exc))
            continue
        rloc = Loc(label, f"row {line_no} ({name})")
        fields = _parse_channel_fields(cleaned, rloc, problems, relative=False, full=True,
                                       key_namer=_column_namer(rloc), check_keys=False)
        _insert_channel(doc, name, fields, rloc, problems)


TIER_COLUMN = re.compile(r"^tier([1-9][0-9]?)_(cpl|up_to)$")


def _tier_columns(cells: dict[str, Any]) -> list[dict[str, Any]]:
    """Tiers from `tier1_cpl`, `tier1_up_to`, `tier2_cpl`... (removed from `cells`), in
    order; the last tier's `up_to` may be empty (unlimited)."""
    found: dict[int, dict[str, Any]] = {}
    for key in [k for k in cells if TIER_COLUMN.match(k)]:
        match = TIER_COLUMN.match(key)
        assert match is not None
        found.setdefault(int(match.group(1)), {})[match.group(2)] = cells.pop(key)
    return [found[n] for n in sorted(found)]


def _column_namer(row: Loc) -> Callable[[str], Loc]:
    def name(key: str) -> Loc:
        return Loc(row.file, f"{row.path}, column {key}")
    return name


def _insert_channel(doc: Doc, name: str, fields: dict[str, Located] | None, loc: Loc,
                    problems: Collector) -> None:
    if name in doc.channels:
        problems.add(loc, f"duplicate channel name {V.show(name)} (first defined at "
                          f"{doc.channel_locs[name].file}: {doc.channel_locs[name].path}); "
                          "channel names must be unique")
        return
    if fields is None:
        return
    doc.channels[name] = fields
    doc.channel_locs[name] = loc


def apply_channel_overrides(doc: Doc, raw: dict[str, Any], loc: Loc,
                             problems: Collector) -> None:
    for name, changes in raw.items():
        cloc = Loc(loc.file, f"{loc.path}['{name}']")
        if name not in doc.channels:
            hint = V.did_you_mean(str(name), list(doc.channels))
            problems.add(cloc, f"no channel named {V.show(name)}{hint}; to add a channel use "
                               "add_channels")
            continue
        if not isinstance(changes, dict):
            problems.add(cloc, f"must be a mapping of fields to change, got {V.show(changes)}")
            continue
        if "name" in changes:
            problems.add(cloc.at("name"), "channels cannot be renamed by an override; remove "
                                          "it and add it under the new name")
        parsed = _parse_channel_fields({k: v for k, v in changes.items() if k != "name"}, cloc,
                                       problems, relative=True, full=False, key_namer=cloc.at)
        if parsed is None:
            continue
        _merge_channel(doc.channels[name], parsed, problems)


def _merge_channel(base: dict[str, Located], changes: dict[str, Located],
                   problems: Collector) -> None:
    for key, item in changes.items():
        rel = item.value if isinstance(item.value, V.Relative) else None
        if rel is not None:
            _change_by(base, key, item, rel, problems)
            continue
        if key == "cpl" and "tiers" in base:
            problems.add(item.loc, "this channel has tiers; give new `tiers`, or change "
                                   "every tier's CPL at once with a relative change like \"+25%\"")
            continue
        if key in ("tiers", "response", "cpl"):
            for other in ("cpl", "tiers", "response"):
                if other != key:
                    base.pop(other, None)
        base[key] = item


def _change_by(base: dict[str, Located], key: str, item: Located, rel: V.Relative,
               problems: Collector) -> None:
    """A relative change ("+25%") of an inherited field, checked like a written value."""
    too_big = f"above {V.MAX_AMOUNT:.0e}, the largest amount chanopt plans with"
    if key == "cpl" and rel.factor <= 0:
        problems.add(item.loc, f"{rel.text} takes cpl to {rel.factor * 100:g}% of its value; "
                               "a lead always costs something (CPL above 0): give a change "
                               "above -100%")
        return
    if key == "cpl" and "tiers" in base:
        if base["tiers"].value is INVALID:
            return
        tiers = tuple(Tier(t.up_to, t.cpl * rel.factor) for t in base["tiers"].value)
        if max(t.cpl for t in tiers) > V.MAX_AMOUNT:
            problems.add(item.loc, f"{rel.text} takes a tier's cpl {too_big}")
            return
        base["tiers"] = Located(tiers, item.loc)
        return
    prev = base.get(key)
    if prev is not None and prev.value is INVALID:
        return
    if prev is None or prev.value is None:
        problems.add(item.loc, f"{rel.text} needs a {key} to change, and the channel has "
                               "none; give an absolute value")
        return
    new = rel.apply(prev.value)
    if new > V.MAX_AMOUNT:
        problems.add(item.loc, f"{rel.text} takes {key} from {prev.value:g} to {new:g}, {too_big}")
    elif key in {"lead_to_close", "lead_to_sql"} and new > 1:
        problems.add(item.loc, f"{rel.text} takes {key} from {prev.value:g} to {new:g}, "
                               "above 1; a rate cannot exceed 100%")
    elif new < 0:
        problems.add(item.loc, f"{rel.text} makes {key} negative")
    else:
        base[key] = Located(new, item.loc)


def _parse_channel_fields(raw: Mapping[str, Any], loc: Loc, problems: Collector, *,
                          relative: bool, full: bool, key_namer: Callable[[str], Loc],
                          check_keys: bool = True) -> dict[str, Located] | None:
    """Parse a channel's fields. Returns None when required fields are missing."""
    if check_keys:
        allowed = CHANNEL_KEYS if full else tuple(k for k in CHANNEL_KEYS if k != "name")
        for key in raw:
            if key not in allowed:
                hint = V.did_you_mean(str(key), allowed) or f"; channel fields: {', '.join(allowed)}"
                problems.add(key_namer(str(key)), f"unknown key{hint}")
    fields: dict[str, Located] = {}
    for key, value in raw.items():
        if key in CHANNEL_FIELDS or key in STRUCTURED:
            fields[key] = _parse_field(key, value, key_namer(key), problems, relative)
    if not full:
        return fields
    return fields if _has_required(raw, loc, problems) else None


def _parse_field(key: str, value: object, kloc: Loc, problems: Collector, relative: bool
                 ) -> Located:
    """One channel field, or INVALID (its problem reported)."""
    parsed: object
    if key == "tiers":
        parsed = _parse_tiers(value, kloc, problems)
    elif key == "uncertainty" and value is not None:
        parsed = parse_uncertainty(value, kloc, problems)
    elif key == "response" and value is not None:
        parsed = parse_response(value, kloc, problems)
    elif value is None:
        if key in CHANNEL_NULLABLE:
            return Located(None, kloc)
        problems.add(kloc, "cannot be null; give a value or leave the key out")
        return Located(INVALID, kloc)
    else:
        rel = V.relative(value) if relative and key in CHANNEL_RELATIVE else None
        if rel is not None:
            return Located(rel, kloc)
        try:
            return Located(CHANNEL_FIELDS[key](value, key), kloc)
        except V.BadValue as exc:
            problems.add(kloc, str(exc))
            return Located(INVALID, kloc)
    return Located(INVALID if parsed is None else parsed, kloc)


def _has_required(raw: Mapping[str, Any], loc: Loc, problems: Collector) -> bool:
    """Exactly one of cpl, tiers and response, and lead_to_close and clv."""
    ok = True
    given = [k for k in ("cpl", "tiers", "response") if raw.get(k) is not None]
    if len(given) > 1:
        problems.add(loc, f"give one of cpl (a flat cost per lead), tiers or response, not "
                          f"{' and '.join(given)}")
    elif not given:
        problems.add(loc, "missing cpl (cost per lead, e.g. 50), tiers or response")
        ok = False
    for key in CHANNEL_REQUIRED:
        if key not in raw:
            example = {"lead_to_close": "0.05 or \"5%\"", "clv": "12000"}[key]
            problems.add(loc, f"missing {key} (e.g. {example})")
            ok = False
    return ok


def _parse_tiers(raw: object, loc: Loc, problems: Collector) -> tuple[Tier, ...] | None:
    if not isinstance(raw, list) or not raw:
        problems.add(loc, "must be a non-empty list of {up_to: cumulative spend, cpl: ...}")
        return None
    tiers: list[Tier] = []
    ok = True
    for i, item in enumerate(raw):
        tloc = loc.at(i)
        if not isinstance(item, dict):
            problems.add(tloc, f"each tier must be a mapping {{up_to, cpl}}, got {V.show(item)}")
            ok = False
            continue
        for key in item:
            if key not in ("up_to", "cpl"):
                hint = V.did_you_mean(str(key), ("up_to", "cpl")) or "; a tier has up_to and cpl"
                problems.add(tloc.at(str(key)), f"unknown key{hint}")
                ok = False
        try:
            cpl = V.money(item.get("cpl"), "cpl", positive=True)
        except V.BadValue as exc:
            problems.add(tloc.at("cpl"), str(exc) if "cpl" in item else "missing cpl")
            ok = False
            continue
        up = item.get("up_to")
        if up is None:
            if i != len(raw) - 1:
                problems.add(tloc.at("up_to"), "only the last tier may leave up_to out "
                                               "(unlimited)")
                ok = False
            up_to = math.inf
        else:
            try:
                up_to = V.money(up, "up_to", positive=True)
            except V.BadValue as exc:
                problems.add(tloc.at("up_to"), str(exc))
                ok = False
                continue
        if tiers and up_to <= tiers[-1].up_to:
            problems.add(tloc.at("up_to"), f"up_to {up_to:,.0f} is not above the previous "
                                           f"tier's {tiers[-1].up_to:,.0f}; up_to is cumulative "
                                           "spend and must increase")
            ok = False
        if tiers and cpl < tiers[-1].cpl:
            problems.add(tloc.at("cpl"), f"cpl {cpl:g} is below the previous tier's "
                                         f"{tiers[-1].cpl:g}; tier CPLs must not decrease "
                                         "(diminishing returns), otherwise the model is not "
                                         "concave. Order tiers by spend with rising CPL, or "
                                         "merge them")
            ok = False
        tiers.append(Tier(up_to, cpl))
    return tuple(tiers) if ok else None
