"""Where the page starts and how its changes are kept: the starting file's document (its
base or a variant), the page's scenario (the overrides applied as an extending file's are),
and "Save as what-if" (a file that `extends` the starting one with exactly those changes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from ..scenario import values as V
from ..scenario.located import Collector, Doc, Loc
from ..scenario.model import Scenario
from .state import PAGE, scaled


@dataclass(frozen=True)
class Start:
    """Where the page starts: the file, its base document or a variant's, and the scenario."""

    path: Path
    doc: Doc
    scenario: Scenario
    variant: str | None = None
    variant_raw: Mapping[str, Any] | None = None
    """The variant's entry as written in the file (its overrides of the base)."""


def load_start(path: Path, variant: str | None = None) -> Start:
    """The file's base scenario or its variant, read once (ScenarioError as the CLI's)."""
    from ..scenario.files import read_yaml
    from ..scenario.load import scenario_document

    doc, scenario = scenario_document(path, variant)
    raw_item = None
    if variant is not None:
        problems = Collector()
        raw = read_yaml(path, problems)
        problems.check()
        raw_item = next(item for item in raw.get("scenarios") or []
                        if isinstance(item, dict) and item.get("name") == scenario.name)
    return Start(path, doc, scenario, variant and scenario.name, raw_item)


def page_scenario(start: Start, overrides: Mapping[str, Any]) -> Scenario:
    """The scenario the page shows: the overrides applied to the starting document as an
    extending file's are (ScenarioError naming the page's fields)."""
    from ..scenario.build import finish
    from ..scenario.merge import apply

    problems = Collector()
    doc = start.doc.copy()
    loc = Loc(PAGE, "")
    apply(doc, dict(overrides), loc, start.path.parent, problems, extending=True)
    made = finish(doc, loc, problems, start.scenario.source)
    problems.check()
    if made is None:  # finish reports why; never reached without a problem
        raise ScenarioError([Problem(PAGE, "", "the page's values make no scenario")])
    return replace(made, name=start.scenario.name)


def whatif_document(start: Start, overrides: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The what-if file's mapping: `extends` the starting file, named, with the overrides
    (from a variant: its entries, then the page's, resolved into one mapping)."""
    doc: dict[str, Any] = {"extends": start.path.name, "name": name}
    base = dict(start.variant_raw or {})
    base.pop("name", None)
    if start.variant:
        doc["description"] = f"Starts from the variant {start.variant!r} of {start.path.name}"
    merged = _merge(base, resolved(start, overrides) if start.variant else dict(overrides))
    doc.update(merged)
    return doc


def resolved(start: Start, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Relative channel changes as the values they give on the variant's channels (a
    variant's own entries and a change of them cannot both stay relative in one file); the
    page plans these values, so the saved file plans exactly what the page showed."""
    out = dict(overrides)
    chans = overrides.get("channels")
    if not isinstance(chans, Mapping):
        return out
    fixed: dict[str, Any] = {}
    for name, edits in chans.items():
        ch = start.scenario.channel(name)
        item = dict(edits)
        for key, value in edits.items():
            rel = V.relative(value)
            if rel is None:
                continue
            if key == "cpl" and ch.response is None and len(ch.tiers) > 1:
                item.pop("cpl")
                item["tiers"] = [{"up_to": t.up_to, "cpl": scaled(t.cpl, rel.factor)}
                                 if math.isfinite(t.up_to) else
                                 {"cpl": scaled(t.cpl, rel.factor)} for t in ch.tiers]
            elif key == "cpl" and ch.response is None:
                item["cpl"] = scaled(ch.tiers[0].cpl, rel.factor)
            elif getattr(ch, key, None) is not None:
                item[key] = scaled(getattr(ch, key), rel.factor)
        fixed[name] = item
    out["channels"] = fixed
    return out


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """`top` over `base`: mappings merged key by key, channels' cost fields replaced as a
    whole (cpl, tiers and response exclude each other), everything else replaced."""
    out = dict(base)
    for key, value in top.items():
        was = out.get(key)
        if key == "channels" and isinstance(was, Mapping) and isinstance(value, Mapping):
            merged = dict(was)
            for name, edits in value.items():
                merged[name] = _edited(merged.get(name) or {}, edits)
            out[key] = merged
        elif key == "constraints" and isinstance(was, Mapping) and isinstance(value, Mapping):
            out[key] = {**was, **value}
        else:
            out[key] = value
    added = {str(c.get("name")): c for c in out.get("add_channels") or []
             if isinstance(c, Mapping)}
    if added and isinstance(out.get("channels"), Mapping):
        # a channel the variant adds is changed in its own entry (channel overrides are
        # applied before channels are added)
        chans = dict(out["channels"])
        entries = []
        for entry in out["add_channels"]:
            name = str(entry.get("name")) if isinstance(entry, Mapping) else ""
            edits = chans.pop(name, None)
            entries.append(_edited(entry, edits) if edits else entry)
        out["add_channels"] = entries
        if chans:
            out["channels"] = chans
        else:
            out.pop("channels")
    return out


def _edited(entry: Mapping[str, Any], edits: Mapping[str, Any]) -> dict[str, Any]:
    """A channel's entry with the edits over it; a new cost (cpl, tiers or response)
    replaces the old one, as the reader lets only one stand."""
    out = dict(entry)
    if {"cpl", "tiers", "response"} & set(edits):
        for key in ("cpl", "tiers", "response"):
            out.pop(key, None)
    out.update(edits)
    return out


FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def whatif_path(start: Start, name: str) -> Path:
    """Where "Save as what-if" writes: `<name>.yaml` beside the starting file, the name
    reduced to letters, digits, '.', '_' and '-' (never a folder, never another place)."""
    stem = FILE_NAME.sub("_", name.strip()).strip("._-")[:80] or "what_if"
    return start.path.parent / f"{stem}.yaml"


def whatif_yaml(document: Mapping[str, Any], start: Start, target: Path | None) -> str:
    """The file's text (`target` None: the mapping alone, as the page previews it)."""
    import yaml

    head = "" if target is None else (
        f"# What-if saved by the chanopt planner from {start.path.name}"
        f"{' (variant ' + repr(start.variant) + ')' if start.variant else ''}.\n"
        f"# Run:  chanopt plan {target.name}\n")
    body = yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=100)
    return head + body


def save_whatif(start: Start, overrides: Mapping[str, Any], name: str, shown: Scenario
                ) -> Path:
    """Write the what-if beside the starting file and return its path. Before writing, the
    file's mapping is read back as `chanopt plan` reads the file: it must give the scenario
    the page planned (`shown`, by input hash), else nothing is written. Never overwrites:
    OutputError when the file exists."""
    from ..errors import OutputError
    from ..scenario.load import scenario_from_dict
    from ..writing import create_file

    label = V.label(name, "name")
    target = whatif_path(start, label)
    document = whatif_document(start, overrides, label)
    again = scenario_from_dict(document, base_dir=target.parent, label=target.name,
                               root=target.parent)[0]
    if again.input_hash != replace(shown, name=label).input_hash:
        raise OutputError(f"not saved: {target.name} would not plan what the page shows "
                          "(start from the file's base scenario and make the changes there)")
    return create_file(target, whatif_yaml(document, start, target))
