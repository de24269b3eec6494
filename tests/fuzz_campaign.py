"""The fuzz campaign of issue #11, as a script: N mutated scenario documents (the
mutations of tests/test_fuzz.py, drawn with a seeded random generator), each loaded from
a YAML file and planned (two scenarios at most), classified by outcome.

    python -m tests.fuzz_campaign 10000 --seed 1

Outcomes: `plan` (every scenario planned: optimal, infeasible or at a limit),
`message` (a ScenarioError), `solver error` (a plan with status error), `exception` (any
other exception, by type and place) and `hang` (no answer within 20 s).
"""

from __future__ import annotations

import argparse
import collections
import copy
import random
import signal
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import yaml

from optimizer import optimize
from optimizer.errors import ScenarioError
from optimizer.scenario.load import load_scenarios, scenario_from_dict
from optimizer.status import Status

from .test_fuzz import ODD_TEXT, SCENARIOS, SEEDS, _at, _paths

ODD_VALUES: list[Any] = [None, True, 0, -1, 10**400, float("nan"), float("inf"), 1e-300,
                         1e300, 1e15, 1e16, 4e33, 1e-7, 152732.57, [], {}, [[1]],
                         [{"name": "X"}], {"a": {"b": 1}}, *ODD_TEXT]


def mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 4)):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent, key = _at(doc, path[:-1]), path[-1]
        op = rng.choice(["drop", "rename", "retype", "retype", "retype", "copy", "many"])
        if op == "drop":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[str(key) + rng.choice(["s", "_", "X", " "])] = parent.pop(key)
        elif op == "retype":
            parent[key] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif op == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif op == "many" and rng.random() < 0.3 and isinstance(doc.get("channels"), list) \
                and doc["channels"] and isinstance(doc["channels"][0], dict):
            first = doc["channels"][0]
            doc["channels"] = [{**first, "name": f"{first.get('name')} {i}"}
                               for i in range(rng.choice([50, 2000]))]
    if rng.random() < 0.1:
        paths = [p for p in _paths(doc) if p]
        if paths:
            path = rng.choice(paths)
            deep: Any = _at(doc, path)
            for _ in range(rng.choice([2, 70, 2000])):
                deep = [deep]
            _at(doc, path[:-1])[path[-1]] = deep
    return doc


def _timeout(*_: object) -> None:
    raise TimeoutError


def run(n: int, seed: int, keep: Path | None = None) -> collections.Counter[str]:
    """Outcome counts; with `keep`, every document of a bad outcome is saved there."""
    rng = random.Random(seed)
    outcomes: collections.Counter[str] = collections.Counter()
    signal.signal(signal.SIGALRM, _timeout)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.yaml"
        for _ in range(n):
            doc = mutate(rng.choice(SEEDS), rng)
            signal.alarm(20)
            try:
                try:
                    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
                    scenarios = load_scenarios(path)
                except (yaml.YAMLError, RecursionError):
                    scenarios = scenario_from_dict(doc, base_dir=SCENARIOS)
                results = [optimize(s) for s in scenarios[:2]]
                bad = any(r.status is Status.ERROR for r in results)
                outcomes["solver error" if bad else "plan"] += 1
                if bad:
                    _keep(keep, doc, "solver-error", outcomes)
            except ScenarioError:
                outcomes["message"] += 1
            except TimeoutError:
                outcomes["hang"] += 1
                _keep(keep, doc, "hang", outcomes)
            except Exception as exc:  # the campaign's point: count what escapes
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                outcomes[f"exception {type(exc).__name__} at {Path(frame.filename).name}:"
                         f"{frame.lineno}"] += 1
                _keep(keep, doc, "exception", outcomes)
            finally:
                signal.alarm(0)
    return outcomes


def _keep(folder: Path | None, doc: dict[str, Any], kind: str,
          outcomes: collections.Counter[str]) -> None:
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{kind}-{sum(outcomes.values())}.yaml"
        try:
            (folder / name).write_text(yaml.safe_dump(doc, allow_unicode=True))
        except (yaml.YAMLError, RecursionError):
            (folder / name).write_text(repr(doc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="save documents of bad outcomes here")
    args = parser.parse_args()
    start = time.perf_counter()
    outcomes = run(args.n, args.seed, args.keep)
    print(f"{args.n:,} documents (seed {args.seed}) in {time.perf_counter() - start:.0f} s")
    for outcome, count in outcomes.most_common():
        print(f"{count:>7,}  {outcome}")


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")  # numpy overflow warnings on extreme inputs
    main()
