"""Loading scenarios: a file (with what it extends and its variants) or an in-memory mapping."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from . import values as V
from .files import read_yaml
from .located import Collector, Loc
from .merge import finish_all, resolve_file
from .model import Scenario


def load_scenarios(path: str | Path) -> list[Scenario]:
    """The base scenario of a file followed by each of its what-if variants, validated."""
    path = Path(path)
    problems = Collector()
    raw = read_yaml(path, problems)
    problems.check()
    doc = resolve_file(path, raw, problems, chain=())
    scenarios = finish_all(doc, raw, Loc(str(path), ""), problems, source=path)
    problems.check()
    return scenarios


def load_scenario(path: str | Path, variant: str | None = None) -> Scenario:
    """One scenario of a file: its base, or the what-if variant named `variant`."""
    scenarios = load_scenarios(path)
    return scenarios[0] if variant is None else select_variant(scenarios, variant, path)


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
            choices = ", ".join(repr(s.name) for s in found)
            raise ScenarioError([Problem(str(path), "scenarios", (
                f"--variant {variant!r} fits {len(found)} variants: {choices}; give more of "
                "the name"))])
    hint = V.did_you_mean(variant, names) or ""
    listed = ", ".join(repr(n) for n in names) or "none"
    raise ScenarioError([Problem(str(path), "scenarios", (
        f"no variant named {variant!r}{hint}; the variants are: {listed}"))])


def scenario_from_dict(data: Mapping[str, Any], base_dir: str | Path | None = None,
                       label: str = "<dict>") -> list[Scenario]:
    """Like `load_scenarios` for an in-memory mapping (a notebook's what-if).

    Relative paths (`channels: table.csv`, `extends`) resolve against `base_dir`.
    """
    problems = Collector()
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    doc = resolve_file(base / label, dict(data), problems, chain=(), label=label)
    scenarios = finish_all(doc, dict(data), Loc(label, ""), problems, source=None)
    problems.check()
    return scenarios
