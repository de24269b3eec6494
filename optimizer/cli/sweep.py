"""`chanopt sweep`: the optimal plan of every cell of a grid of what-ifs (docs/sweeps.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..backends import SolveOptions
from .common import EXIT_INFEASIBLE, EXIT_INVALID, EXIT_OK, EXIT_OUTPUT, fail, fail_input
from .options import solve_options, variant_option

PROGRESS_FROM = 500  # cells: fewer finish before a bar would be worth drawing


def _percent(text: str) -> float | None:
    """--tornado "10%" (or 0.1, or "off") -> 0.1 / None."""
    cleaned = text.strip().lower()
    if cleaned in ("off", "none", "0", "0%"):
        return None
    try:
        value = float(cleaned[:-1]) / 100 if cleaned.endswith("%") else float(cleaned)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a percentage; give e.g. 10% or off") from None
    if not 0 < value < 1:
        raise click.BadParameter(f"{text!r}: give a change between 0% and 100%, or off")
    return value


@click.command("sweep")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--grid", "grid_file", type=click.Path(path_type=Path),
              help="The grid of what-ifs (YAML: grid, mode, samples, seed).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for sweep.parquet, sweep.csv, tornado.csv and the summary.")
@click.option("--executor", type=click.Choice(("serial", "processes", "dask")),
              default="serial", show_default=True,
              help="Where cells run: here, a local process pool, or Dask.")
@click.option("--workers", type=click.IntRange(1, 1024),
              help="Processes (or Dask workers to start); default: the CPU count.")
@click.option("--scheduler", help="Address of a running Dask scheduler (tcp://host:8786); "
                                  "without it --executor dask starts a LocalCluster.")
@click.option("--draws", type=click.IntRange(0, 10_000_000), default=0, show_default=True,
              help="Re-optimise on this many draws of the uncertain inputs (per grid cell).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the draws (the same as `chanopt risk --seed`).")
@click.option("--tornado", "tornado_text", default="10%", show_default=True,
              help="Move each input by this much, one at a time, for the tornado (off: none).")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table",
              show_default=True, help="What to print: the summary in words, or as JSON.")
@click.option("--progress/--no-progress", default=None,
              help="A progress bar on standard error (default: on a terminal, for long sweeps).")
@variant_option
@solve_options
def sweep_cmd(file: Path, grid_file: Path | None, out_dir: Path, executor: str,
              workers: int | None, scheduler: str | None, draws: int, seed: int,
              tornado_text: str, fmt: str, progress: bool | None, variant: str | None,
              options: SolveOptions) -> None:
    """The optimal plan of every cell of a grid of what-ifs (budgets, constraints, channel
    fields, relative changes), and of draws of the uncertain inputs, one row per cell, with
    a summary: the range of the optimal net value, each field's effect, spend per channel,
    the constraints that bind, and a tornado of the inputs that move the plan most."""
    import time

    from ..errors import OutputError, ScenarioError
    from ..render.records import to_json

    tornado = _percent(tornado_text)
    if scheduler is not None and executor != "dask":
        fail("--scheduler needs --executor dask")
    try:
        from ..analysis.sweep import make_plan

        plan = make_plan(file, grid_file, variant=variant, draws=draws, seed=seed,
                         options=options)
    except ScenarioError as exc:
        fail_input(exc)
    started = time.perf_counter()
    try:
        summary = _run(plan, out_dir, executor, workers, scheduler, tornado, progress)
    except OutputError as exc:
        fail(str(exc), EXIT_INVALID if exc.overwrites_input else EXIT_OUTPUT)
    except KeyboardInterrupt:
        click.echo("interrupted: no output was written", err=True)
        sys.exit(130)
    elapsed = time.perf_counter() - started
    if fmt == "json":
        click.echo(to_json(summary), nl=False)
    else:
        _print(summary)
    rate = summary["cells"] / elapsed if elapsed > 0 else float("inf")
    click.echo(_wrapped(f"{summary['cells']:,} cells in {elapsed:.1f} s ({rate:,.0f} cells/s, "
                        f"{executor}); wrote sweep.parquet, sweep.csv and the summary to "
                        f"{out_dir}"), err=True)
    optimal = summary["status"].get("optimal", 0)
    sys.exit(EXIT_OK if optimal == summary["cells"] else EXIT_INFEASIBLE)


def _run(plan: Any, out_dir: Path, executor: str, workers: int | None, scheduler: str | None,
         tornado: float | None, progress: bool | None) -> dict[str, Any]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from ..analysis.executors import ExecutorError
    from ..render.sweep import write_sweep

    show = progress if progress is not None else \
        (sys.stderr.isatty() and plan.size >= PROGRESS_FROM)
    columns = (TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} cells/s"), TimeRemainingColumn())
    with Progress(*columns, transient=True, disable=not show,
                  console=_stderr_console()) as bar:
        tasks: list[Any] = []  # the bar appears with the first report, which has the total

        def step(done: int, total: int) -> None:
            if not tasks:
                tasks.append(bar.add_task("sweep", total=total, rate="-"))
            speed = bar.tasks[0].speed
            bar.update(tasks[0], completed=done, total=total,
                       rate=f"{speed:,.0f}" if speed else "-")

        try:
            return write_sweep(plan, out_dir, executor=executor, workers=workers,
                               scheduler=scheduler, tornado=tornado, progress=step)
        except ExecutorError as exc:
            fail(str(exc))


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _wrapped(line: str) -> str:
    """`line` wrapped to the terminal (continuation lines indented)."""
    import shutil
    import textwrap

    width = max(40, shutil.get_terminal_size((100, 24)).columns - 1)
    return "\n".join(textwrap.wrap(line, width=width, subsequent_indent="  ",
                                   break_on_hyphens=False, break_long_words=False))


def _print(summary: dict[str, Any]) -> None:
    from ..render.sweep import headline_lines

    for line in headline_lines(summary):
        click.echo(_wrapped(line))
