"""What every command shares: loading scenarios, printing a view in the chosen format,
writing files, failing with a message and an exit code.

Exit codes: 0 every plan optimal (or the file valid), 1 infeasible or no plan found,
2 invalid input (file, field or option).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from ..errors import OutputError, Problem, ScenarioError

if TYPE_CHECKING:
    from ..render.bundle import Files, View
    from ..scenario.model import Scenario

EXIT_OK, EXIT_INFEASIBLE, EXIT_INVALID, EXIT_OUTPUT = 0, 1, 2, 3


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def fail_input(exc: ScenarioError) -> NoReturn:
    fail(str(exc))


def load(paths: tuple[Path, ...]) -> list[list[Scenario]]:
    """Every scenario of every file; all problems of all files at once (exit 2)."""
    from ..scenario import load_scenarios

    loaded: list[list[Scenario]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            loaded.append(load_scenarios(path))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        fail_input(ScenarioError(problems))
    return loaded


def pick(file: Path, scenarios: list[Scenario], variant: str | None) -> Scenario:
    """The base scenario, or the named variant (exact, or a case-insensitive unambiguous
    prefix; exit 2 with the choices otherwise)."""
    from ..errors import ScenarioError
    from ..scenario.load import select_variant

    if variant is None:
        return scenarios[0]
    try:
        return select_variant(scenarios, variant, file)
    except ScenarioError as err:
        fail(f"{file}: {err.problems[0].message}")


def emit(fmt: str, view: View, wide: bool = False) -> None:
    """Print one result in the chosen --format (only that rendering is built). Tables fit
    the terminal (its width, else $COLUMNS, else 200 columns when output is redirected);
    `wide` prints them whole."""
    from ..render.records import to_json

    if fmt == "json":
        click.echo(to_json(view.json()), nl=False)
    elif fmt == "csv":
        click.echo(view.csv(), nl=False)
    elif fmt == "markdown":
        click.echo(view.markdown(), nl=False)
    else:
        from rich.console import Console

        width = None if sys.stdout.isatty() else _columns(200)
        console = Console(soft_wrap=False, width=100_000 if wide else width)
        for item in view.tables():
            console.print(item)


def _columns(default: int) -> int:
    try:
        return max(40, int(os.environ.get("COLUMNS", default)))
    except ValueError:
        return default


def write(out_dir: Path, files: Files, scenarios: list[Scenario]) -> None:
    """Write `files` into `out_dir`, never over an input of the run (exit 2 if asked to)."""
    from ..writing import write_outputs

    inputs = [p for s in scenarios for p in s.inputs]
    try:
        written = write_outputs(out_dir, files, inputs)
    except OutputError as exc:
        fail(str(exc), EXIT_INVALID if exc.overwrites_input else EXIT_OUTPUT)
    click.echo(_wrote(out_dir, written), err=True)


def _wrote(out_dir: Path, written: list[Path]) -> str:
    """'wrote 9 files to out/: report.html, ...', wrapped to the terminal's width."""
    import shutil
    import textwrap

    names = ", ".join(str(p.relative_to(out_dir)) if p.is_relative_to(out_dir) else str(p)
                      for p in written)
    width = shutil.get_terminal_size((100, 24)).columns
    text = f"wrote {len(written)} file{'s' if len(written) != 1 else ''} to {out_dir}: {names}"
    return "\n".join(textwrap.wrap(text, width=max(40, width - 1), subsequent_indent="  ",
                                    break_on_hyphens=False))
