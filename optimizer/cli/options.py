"""Option groups, defined once: how to solve (backend, time limit, MIP gap, solver log),
what to print and where to write. Every command that solves takes the whole solve group, and
the `SolveOptions` it builds reach every program the command solves."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..backends import MIP_REL_GAP, SOLVERS, SolveOptions

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "csv", "json", "markdown")


def solve_options(fn: F) -> F:
    """--solver, --time-limit, --mip-gap, --verbose and --search-time, passed on as
    `options`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, solver: str, time_limit: float | None, mip_gap: float,
                verbose: bool, search_time: float, **kwargs: Any) -> Any:
        return fn(*args, options=SolveOptions(solver, time_limit, mip_gap, verbose, search_time),
                  **kwargs)

    for option in reversed([
        click.option("--solver", type=click.Choice(SOLVERS), default="highs", show_default=True,
                     help="Backend: HiGHS in-process, or CBC via PuLP."),
        click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
                     help="Stop each solve after this many seconds; an unproven plan is "
                          "reported as limit_reached with its gap, never as optimal (exit 1)."),
        click.option("--mip-gap", type=click.FloatRange(0, 1), default=MIP_REL_GAP,
                     show_default=True,
                     help="Relative gap at which a mixed-integer plan counts as proven optimal."),
        click.option("--verbose", is_flag=True,
                     help="Show the solver's own log (on standard error)."),
        click.option("--search-time", type=click.FloatRange(min=0, min_open=True),
                     default=5.0, show_default=True,
                     help="Seconds for finding why a plan is infeasible and its repairs; "
                          "at the limit what was found is shown, with a note."),
    ]):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def format_option(fn: F) -> F:
    """--format, and --wide for terminal tables."""
    fn = click.option("--wide", is_flag=True,
                      help="Terminal tables in full width, whatever the terminal's (by default "
                           "columns that do not fit continue in further tables).")(fn)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                        show_default=True, help="What to print on standard output.")(fn)
out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                          help="Also write CSV, JSON and a Markdown report into this directory.")
variant_option = click.option("--variant",
                              help="Use this what-if variant of the file instead of its base.")
