"""The layout stays what docs/architecture.md describes: small modules, short functions,
one stage per folder, and only the CLI prints or uses click."""

from __future__ import annotations

import ast

from .conftest import ROOT

PACKAGE = ROOT / "optimizer"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
STAGES = {"scenario", "lp", "backends", "results", "analysis", "estimation", "render", "cli",
          "ui"}


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_modules_are_small():
    big = {p.relative_to(ROOT).as_posix(): n for p in modules()
           if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not big


def test_functions_are_short():
    long = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert not long


def test_the_folders_are_the_pipeline():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == STAGES


def test_only_the_cli_prints_or_uses_click():
    offenders = []
    for path in modules():
        if path.parent.name == "cli":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} print")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                if any(n == "click" or n.startswith("click.") for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} click")
    assert not offenders
