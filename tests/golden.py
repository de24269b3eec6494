"""Golden outputs: every command x every --format on every bundled scenario, run as a real
process from the repository root, byte for byte (the package version masked), plus the set
of files `--out` writes and the text of those files.

Regenerate after a deliberate change (and say so in the commit):

    python -m tests.golden --update
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SCENARIO_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "scenarios").glob("*.yaml"))
FORMATS = ("table", "json", "csv", "markdown")
COMMANDS = ("plan", "compare", "frontier", "sensitivity", "risk")
TEXT_SUFFIXES = (".json", ".csv", ".md")


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    out: bool = False  # the command writes --out DIR: record the files it writes


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def same(want: str, got: str, rel: float = 1e-9) -> bool:
    """Equal text, numbers equal up to machine noise: full-precision floats (JSON) differ
    in their last digits between machines (SIMD sums, libm), by `rel`, or by 1e-6 where
    the value is zero; a rounded number may then round the other way at an exact tie
    (3.125% shown as 3.12% or 3.13%), one unit of its last digit. The JSON of the same
    case still pins every value to `rel`."""
    if want == got:
        return True
    if NUMBER.sub("#", want) != NUMBER.sub("#", got):
        return False
    for a, b in zip(NUMBER.findall(want), NUMBER.findall(got), strict=True):
        if a != b and not _close(a, b, rel):
            return False
    return True


def _close(a: str, b: str, rel: float) -> bool:
    x, y = float(a), float(b)
    if abs(x - y) <= max(rel * max(abs(x), abs(y)), 1e-6):
        return True
    decimals = len(a.partition(".")[2])
    if "e" in a.lower() or "e" in b.lower() or decimals != len(b.partition(".")[2]):
        return False
    return abs(x - y) <= 10.0 ** -decimals * (1 + 1e-6)


def cases() -> list[Case]:
    found = []
    for path in SCENARIO_FILES:
        stem = Path(path).stem
        for command in COMMANDS:
            for fmt in FORMATS:
                found.append(Case(f"{command}-{fmt}-{stem}", (command, path, "--format", fmt)))
        for fmt in ("table", "json"):
            found.append(Case(f"validate-{fmt}-{stem}", ("validate", path, "--format", fmt)))
        found.append(Case(f"plan-out-{stem}", ("plan", path, "--out", "{out}"), out=True))
    found.append(Case("report-out-b2b_saas_q1",
                      ("report", "scenarios/b2b_saas_q1.yaml", "--out", "{out}", "--points", "12"),
                      out=True))
    return found


def _version() -> str:
    text = (ROOT / "optimizer" / "_version.py").read_text()
    found = re.search(r"__version__\s*=\s*['\"]([^'\"]+)['\"]", text)
    assert found is not None
    return found.group(1)


def mask(text: str, out_dir: str | None = None) -> str:
    """Version and machine-specific paths replaced by placeholders."""
    text = re.sub(rf"(?<![\d.]){re.escape(_version())}(?![\d.])", "<version>", text)
    if out_dir is not None:
        text = text.replace(out_dir, "<out>")
    return text.replace(str(ROOT), "<root>")


def chanopt() -> list[str]:
    exe = Path(sys.executable).with_name("chanopt")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "optimizer"]


def run(case: Case) -> str:
    """What the user sees: exit code, stdout and stderr (and, for --out, the files)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["PYTHONHASHSEED"] = "0"
    out_dir = tempfile.mkdtemp(prefix="golden-") if case.out else None
    args = [a.replace("{out}", out_dir or "") for a in case.args]
    try:
        proc = subprocess.run([*chanopt(), *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        parts = [f"exit: {proc.returncode}", "--- stdout ---", proc.stdout,
                 "--- stderr ---", proc.stderr]
        if out_dir is not None:
            files = sorted(p.relative_to(out_dir).as_posix() for p in Path(out_dir).rglob("*")
                           if p.is_file())
            parts += ["--- files ---", *files]
            for name in files:
                if name.endswith(TEXT_SUFFIXES):
                    parts += [f"--- file {name} ---", (Path(out_dir) / name).read_text()]
        return mask("\n".join(parts), out_dir)
    finally:
        if out_dir is not None:
            shutil.rmtree(out_dir, ignore_errors=True)


def run_all(selected: list[Case], workers: int = 2) -> dict[str, str]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip([c.name for c in selected], pool.map(run, selected), strict=True))


def expected(case: Case) -> str | None:
    path = GOLDEN / f"{case.name}.txt"
    return path.read_text() if path.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite the golden files")
    parser.add_argument("-k", help="only cases whose name contains this")
    args = parser.parse_args()
    selected = [c for c in cases() if not args.k or args.k in c.name]
    outputs = run_all(selected)
    changed = [name for name, text in outputs.items()
               if not same(expected(next(c for c in selected if c.name == name)) or "", text)]
    if args.update:
        GOLDEN.mkdir(exist_ok=True)
        for name, text in outputs.items():
            (GOLDEN / f"{name}.txt").write_text(text)
    for name in changed:
        print(("updated " if args.update else "differs ") + name)
    print(f"{len(selected)} cases, {len(changed)} changed")


if __name__ == "__main__":
    main()
