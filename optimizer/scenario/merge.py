"""Assembling a scenario from its files: `extends` chains, what-if variants and overrides,
each value keeping where it was written (provenance)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import values as V
from .build import finish
from .channels import add_channels, apply_channel_overrides
from .constraints import apply_constraints, drop_from_groups
from .fields import BASE_KEYS, EXTENDING_KEYS, TOP_FIELDS, VARIANT_KEYS
from .files import read_yaml
from .located import INVALID, Collector, Doc, Loc, Located, check_keys
from .model import Scenario
from .structured import apply_structured


def resolve_file(path: Path, raw: dict[str, Any], problems: Collector,
                 chain: tuple[Path, ...], label: str | None = None) -> Doc:
    """The file's base scenario as a Doc, following `extends` recursively."""
    loc = Loc(label or str(path), "")
    known = set(EXTENDING_KEYS)
    if len(raw) > 3 and not any(str(k) in known for k in raw):
        # not a scenario at all (a config file, /etc/passwd): say so, quote none of it
        problems.add(loc, f"does not look like a scenario file: none of its {len(raw)} keys "
                          "is a scenario key (name, budget, channels, ...); check the path")
        problems.check()
    parent_raw = raw.get("extends")
    if parent_raw is None:
        check_keys(raw, BASE_KEYS, loc, problems)
        doc = Doc()
        if path.exists():
            doc.inputs.append(path.resolve())
        apply(doc, raw, loc, path.parent, problems, extending=False)
        return doc
    check_keys(raw, EXTENDING_KEYS, loc, problems)
    if not isinstance(parent_raw, str):
        problems.add(loc.at("extends"), f"must be the path of another scenario file, got "
                                        f"{V.show(parent_raw)}")
        return Doc()
    if "\x00" in parent_raw:
        problems.add(loc.at("extends"), "the path contains a NUL character")
        problems.check()
    parent = (path.parent / parent_raw).resolve()
    if parent in chain or parent == path.resolve():
        cycle = " -> ".join(str(p) for p in (*chain, path.resolve(), parent))
        problems.add(loc.at("extends"), f"files extend each other in a cycle: {cycle}")
        problems.check()
    parent_data = read_yaml(parent, problems)
    if not parent_data:
        if not problems.problems:
            problems.add(loc.at("extends"), f"{V.show(parent_raw)} is empty")
        problems.check()  # nothing to build on: the reason, not "missing" for every field
    doc = copy.deepcopy(resolve_file(parent, parent_data, problems, chain=(*chain, path.resolve())))
    if path.exists():
        doc.inputs.append(path.resolve())
    apply(doc, raw, loc, path.parent, problems, extending=True)
    return doc


def finish_all(doc: Doc, raw: dict[str, Any], loc: Loc, problems: Collector,
               source: Path | None) -> list[Scenario]:
    """The base scenario and each of the file's what-if variants."""
    scenarios: list[Scenario] = []
    base = finish(doc, loc, problems, source)
    if base is not None:
        scenarios.append(base)
    variants = raw.get("scenarios") or []
    if not isinstance(variants, list):
        problems.add(loc.at("scenarios"), "must be a list of what-if variants, each with a name")
        return scenarios
    seen: set[str] = set()
    base_dir = source.parent if source is not None else Path.cwd()
    for i, variant in enumerate(variants):
        vloc = loc.at("scenarios").at(i)
        if not isinstance(variant, dict):
            problems.add(vloc, f"each variant must be a mapping with a name, got {V.show(variant)}")
            continue
        vname = variant.get("name")
        if not isinstance(vname, str) or not vname.strip():
            problems.add(vloc.at("name"), "every variant needs a name (shown in comparisons)")
            continue
        try:
            vname = V.label(vname, "variant name")
        except V.BadValue as exc:
            problems.add(vloc.at("name"), str(exc))
            continue
        vloc = Loc(loc.file, f"scenarios['{vname}']")
        if vname in seen or (base is not None and vname == base.name):
            problems.add(vloc.at("name"), f"the name {V.show(vname)} is used twice; names identify "
                                          "scenarios in comparisons, make each unique")
        seen.add(vname)
        check_keys(variant, VARIANT_KEYS, vloc, problems)
        vdoc = doc.copy()
        apply(vdoc, variant, vloc, base_dir, problems, extending=True)
        result = finish(vdoc, vloc, problems, source)
        if result is not None:
            scenarios.append(replace(result, variant_of=base.name if base else None))
    return scenarios


def apply(doc: Doc, raw: Mapping[str, Any], loc: Loc, base_dir: Path, problems: Collector,
          *, extending: bool) -> None:
    """Apply a base file (extending=False) or an override (extending file, variant) to doc."""
    _apply_top(doc, raw, loc, problems, extending)
    apply_structured(doc, raw, loc, problems, base_dir)
    if "constraints" in raw:
        apply_constraints(doc, raw["constraints"], loc.at("constraints"), problems)
    if "channels" in raw:
        _apply_channels(doc, raw["channels"], loc.at("channels"), base_dir, problems, extending)
    elif not extending:
        problems.add(loc.at("channels"), "missing; list the channels (or give a CSV path)")
    if "remove_channels" in raw:
        _remove_channels(doc, raw["remove_channels"], loc.at("remove_channels"), problems)
    if "add_channels" in raw:
        add_channels(doc, raw["add_channels"], loc.at("add_channels"), base_dir, problems)


def _apply_top(doc: Doc, raw: Mapping[str, Any], loc: Loc, problems: Collector,
               extending: bool) -> None:
    for key, parser in TOP_FIELDS.items():
        if key not in raw:
            continue
        kloc = loc.at(key)
        value = raw[key]
        if key == "budget" and extending:
            rel = V.relative(value)
            if rel is not None:
                prev = doc.top.get("budget")
                if prev is not None and prev.value is INVALID:
                    continue  # the base budget's problem is reported already
                if prev is None:
                    problems.add(kloc, f"{rel.text} needs a budget to change; give an amount")
                else:
                    try:  # the changed budget is checked like a written one
                        new = parser(rel.apply(prev.value), key)
                        doc.top["budget"] = Located(new, kloc)
                    except V.BadValue as exc:
                        problems.add(kloc, f"{rel.text} of {prev.value:,.0f}: {exc}")
                continue
        if value is None and key in {"period", "description"}:
            doc.top.pop(key, None)
            continue
        try:
            doc.top[key] = Located(parser(value, key), kloc)
        except V.BadValue as exc:
            problems.add(kloc, str(exc))
            doc.top[key] = Located(INVALID, kloc)  # reported once: not "missing" later


def _apply_channels(doc: Doc, chans: object, loc: Loc, base_dir: Path, problems: Collector,
                    extending: bool) -> None:
    if isinstance(chans, dict):
        if not extending:
            problems.add(loc, "must be a list of channels or the path of a CSV table; a "
                              "mapping of per-channel changes needs `extends`")
        else:
            apply_channel_overrides(doc, chans, loc, problems)
        return
    doc.channels.clear()
    doc.channel_locs.clear()
    add_channels(doc, chans, loc, base_dir, problems)


def _remove_channels(doc: Doc, names: object, loc: Loc, problems: Collector) -> None:
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list):
        problems.add(loc, "must be a list of channel names")
        return
    for i, name in enumerate(names):
        if not isinstance(name, str):
            problems.add(loc.at(i), f"must be a channel name, got {V.show(name)}")
            continue
        if name not in doc.channels:
            hint = V.did_you_mean(str(name), list(doc.channels))
            problems.add(loc.at(i), f"no channel named {V.show(name)}{hint}")
            continue
        del doc.channels[name]
        del doc.channel_locs[name]
        drop_from_groups(doc, name)
