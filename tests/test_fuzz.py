"""Fuzzing the scenario format (issue #11): mutated documents (keys dropped, renamed and
retyped; extreme numbers; unicode; deep nesting; thousands of channels), read from YAML
files and from mappings, then planned. Any outcome but a plan or a ScenarioError fails,
as does a hang, a solver 'error' or a message that echoes more than an excerpt.

CI replays a fixed set of CHANOPT_FUZZ_EXAMPLES documents (default 2,000; the ci
hypothesis profile derandomizes); local runs explore new ones (raise the number to search
longer: CHANOPT_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py)."""

from __future__ import annotations

import copy
import csv
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import optimize
from optimizer.errors import ScenarioError
from optimizer.scenario.load import load_scenarios, scenario_from_dict
from optimizer.status import Status

from .conftest import SCENARIOS

EXAMPLES = int(os.environ.get("CHANOPT_FUZZ_EXAMPLES", "2000"))
SECONDS = 20  # per document: loading and planning up to two of its scenarios


def _inline(path: Path) -> dict[str, Any]:
    """A bundled scenario as one self-contained mapping (its channel table inlined)."""
    doc = yaml.safe_load(path.read_text())
    table = doc.get("channels")
    if isinstance(table, str):
        with (path.parent / table).open(newline="") as handle:
            doc["channels"] = [{k: v for k, v in row.items() if v not in ("", None)}
                               for row in csv.DictReader(handle)]
    doc.pop("extends", None)
    return doc


SEEDS = [_inline(p) for p in sorted(SCENARIOS.glob("*.yaml"))
         if not yaml.safe_load(p.read_text()).get("extends")]

ODD_TEXT = ["-100%", "+1e400%", "+50%", "5%", "3:1", "$20k", "1.5M", "=HYPERLINK(\"x\")",
            "\x00", "a\tb", "1e400", "nan", "-0", "Jan", "ñ\u202e", "", " ", "none", "null",
            "9" * 400, "0.000001", "../etc/passwd", "/dev/zero", "ch.xlsx#Nope"]

values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.just(10**400), st.just(-(10**400)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-300, 1e300, 1e15, 1e16, 4e33, 1e-7, 152732.57, 0.5, 3.0]),
    st.text(max_size=20), st.sampled_from(ODD_TEXT),
    st.lists(st.integers(), max_size=3), st.lists(st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
    st.just([{"name": "X"}]), st.just({"a": {"b": [1, {"c": None}]}}),
)


def _paths(obj: object, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if len(prefix) > 8:  # below a nested mutation: no need to mutate inside it
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


def _at(obj: Any, path: tuple) -> Any:
    for key in path:
        obj = obj[key]
    return obj


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _at(doc, path[:-1]), path[-1]
        op = draw(st.sampled_from(["drop", "rename", "retype", "retype", "retype", "copy",
                                   "many"]))
        if op == "drop":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(key)
        elif op == "retype":
            parent[key] = copy.deepcopy(draw(values))  # st.just objects are shared
        elif op == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif op == "many" and isinstance(doc.get("channels"), list) and doc["channels"]:
            first = doc["channels"][0]
            if isinstance(first, dict):
                doc["channels"] = [{**first, "name": f"{first.get('name')} {i}"}
                                   for i in range(draw(st.sampled_from([50, 600])))]
    if draw(st.integers(0, 9)) == 0:  # last, so nothing copies the deep value: nesting
        paths = [p for p in _paths(doc) if p]
        if paths:
            path = draw(st.sampled_from(paths))
            deep: Any = _at(doc, path)
            for _ in range(draw(st.sampled_from([2, 70, 2000]))):
                deep = [deep]
            _at(doc, path[:-1])[path[-1]] = deep
    return doc


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def stop(*_: object) -> None:
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _load(doc: dict[str, Any], as_file: bool) -> list:
    if not as_file:
        return scenario_from_dict(doc, base_dir=SCENARIOS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        try:
            text = yaml.safe_dump(doc, allow_unicode=True)
        except (yaml.YAMLError, RecursionError):
            return scenario_from_dict(doc, base_dir=SCENARIOS)
        path.write_text(text, encoding="utf-8")
        return load_scenarios(path)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents(), st.booleans())
def test_no_traceback_for_any_document(doc: dict[str, Any], as_file: bool) -> None:
    with _deadline(SECONDS):
        try:
            scenarios = _load(doc, as_file)
        except ScenarioError as err:
            for problem in err.problems:  # an excerpt at most, never the value in full
                assert len(problem.message) < 1500, problem.message[:300]
            return
        for scenario in scenarios[:2]:
            result = optimize(scenario)
            assert result.status is not Status.ERROR, (result.message, scenario.name)
