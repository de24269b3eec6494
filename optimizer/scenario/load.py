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
    if variant is None:
        return scenarios[0]
    names = [s.name for s in scenarios[1:]]
    for scenario in scenarios[1:]:
        if scenario.name == variant:
            return scenario
    hint = V.did_you_mean(variant, names) or f"; the file has {names or 'no variants'}"
    raise ScenarioError([Problem(str(path), "scenarios", f"no variant named {variant!r}{hint}")])


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
