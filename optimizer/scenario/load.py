"""Loading scenarios: a file (with what it extends and its variants) or an in-memory mapping."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from . import values as V
from .files import ReadPolicy, read_yaml, reading, too_big
from .located import Collector, Doc, Loc
from .merge import finish_all, resolve_file
from .model import Scenario


def load_scenarios(path: str | Path, *, root: str | Path | None = None,
                   max_bytes: int | None = None) -> list[Scenario]:
    """The base scenario of a file followed by each of its what-if variants, validated.

    `root` confines every read (the file, what it extends, its channel tables) to one
    folder; `max_bytes` bounds each input file (default 50 MiB, or
    $CHANOPT_MAX_INPUT_BYTES). Only regular files are read."""
    path = Path(path)
    problems = Collector()
    with reading(_policy(root, max_bytes)):
        raw = read_yaml(path, problems)
        problems.check()
        doc = resolve_file(path, raw, problems, chain=())
        scenarios = finish_all(doc, raw, Loc(str(path), ""), problems, source=path)
    problems.check()
    return scenarios


def load_scenario(path: str | Path, variant: str | None = None, *,
                  root: str | Path | None = None, max_bytes: int | None = None) -> Scenario:
    """One scenario of a file: its base, or the what-if variant named `variant` (`root`
    and `max_bytes` as for `load_scenarios`)."""
    scenarios = load_scenarios(path, root=root, max_bytes=max_bytes)
    return scenarios[0] if variant is None else select_variant(scenarios, variant, path)


def _policy(root: str | Path | None, max_bytes: int | None) -> ReadPolicy | None:
    if root is None and max_bytes is None:
        return None
    base = ReadPolicy()
    return ReadPolicy(max_bytes=base.max_bytes if max_bytes is None else max_bytes,
                      root=None if root is None else Path(root))


def select_variant(scenarios: list[Scenario], variant: str, path: str | Path) -> Scenario:
    """The what-if variant named `variant`: its exact name, else the one variant whose
    name starts with it, ignoring case ("growth" for "Growth mode ($400k)"). ScenarioError
    when none matches or the prefix fits several (with the names to choose from)."""
    variants = scenarios[1:]
    names = [s.name for s in variants]
    for test in (lambda n: n == variant, lambda n: n.casefold() == variant.casefold(),
                 lambda n: n.casefold().startswith(variant.casefold().strip())):
        found = [s for s in variants if test(s.name)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            choices = V.listing([s.name for s in found], quote=True)
            raise ScenarioError([Problem(str(path), "scenarios", (
                f"--variant {variant!r} fits {len(found)} variants: {choices}; give more of "
                "the name"))])
    hint = V.did_you_mean(variant, names) or ""
    listed = V.listing(names, quote=True) or "none"
    raise ScenarioError([Problem(str(path), "scenarios", (
        f"no variant named {variant!r}{hint}; the variants are: {listed}"))])


def scenario_from_dict(data: Mapping[str, Any], base_dir: str | Path | None = None,
                       label: str = "<dict>", *, root: str | Path | None = None,
                       max_bytes: int | None = None) -> list[Scenario]:
    """Like `load_scenarios` for an in-memory mapping (a notebook's what-if).

    Relative paths (`channels: table.csv`, `extends`) resolve against `base_dir`.
    """
    problems = Collector()
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    if not isinstance(data, Mapping):
        problems.add(Loc(label, ""), "must be a mapping with keys such as name, budget and "
                                     "channels")
        problems.check()
    trouble = too_big(data)
    if trouble:
        problems.add(Loc(label, ""), trouble)
        problems.check()
    with reading(_policy(root, max_bytes)):
        doc = resolve_file(base / label, dict(data), problems, chain=(), label=label)
        scenarios = finish_all(doc, dict(data), Loc(label, ""), problems, source=None)
    problems.check()
    return scenarios


def scenario_document(path: str | Path | None = None, variant: str | None = None, *,
                      data: Mapping[str, Any] | None = None, base_dir: str | Path | None = None,
                      label: str = "<dict>") -> tuple[Doc, Scenario]:
    """The assembled document of a file's base scenario, or of its what-if `variant`, with
    that scenario: what a sweep applies each cell's overrides to (`Doc.copy()` then
    `merge.apply`, as a variant is applied). `data` (with `base_dir` and `label`) stands for
    an in-memory mapping instead of a file. ScenarioError as `load_scenarios` raises it."""
    from .merge import apply

    problems = Collector()
    if data is not None:
        trouble = too_big(data)
        if trouble:
            problems.add(Loc(label, ""), trouble)
            problems.check()
        raw = dict(data)
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
        doc = resolve_file(folder / label, raw, problems, chain=(), label=label)
        loc, source = Loc(label, ""), None
    elif path is not None:
        path = Path(path)
        raw = read_yaml(path, problems)
        problems.check()
        doc = resolve_file(path, raw, problems, chain=())
        loc, folder, source = Loc(str(path), ""), path.parent, path
    else:
        raise TypeError("scenario_document() needs a path or data")
    # read and resolved once: the scenarios come from the same document
    scenarios = finish_all(doc, raw, loc, problems, source=source)
    problems.check()
    if variant is None:
        return doc, scenarios[0]
    chosen = select_variant(scenarios, variant, path or label)
    for item in raw.get("scenarios") or []:
        if isinstance(item, dict) and V.label(item.get("name"), "name") == chosen.name:
            vdoc = doc.copy()
            apply(vdoc, item, Loc(loc.file, f"scenarios['{chosen.name}']"), folder, problems,
                  extending=True)
            problems.check()
            return vdoc, chosen
    raise AssertionError(f"variant {chosen.name!r} was loaded but is not in the file")
