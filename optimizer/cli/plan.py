"""`chanopt plan` and `chanopt compare`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import OutputError
from .common import EXIT_INFEASIBLE, EXIT_OK, EXIT_OUTPUT, emit, fail, load, pick, write
from .options import format_option, out_option, solve_options

if TYPE_CHECKING:
    from ..backends import SolveOptions
    from ..scenario.model import Scenario


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--variant", help="Plan this what-if variant of the file instead of its base.")
@solve_options
@format_option
@out_option
@click.option("--export-model", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the program as .lp or .mps (named by position: x0, c0).")
@click.option("--robust", is_flag=True,
              help="Maximise expected net value over sampled inputs, each CLV:CPA floor held "
                   "with probability --confidence; shows the price of robustness.")
@click.option("--draws", type=click.IntRange(10, 1_000_000), default=1000, show_default=True,
              help="Sampled input sets for --robust.")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.9, show_default=True, help="Probability each floor must hold (--robust).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws (--robust).")
def plan(file: Path, variant: str | None, options: SolveOptions, fmt: str, wide: bool,
         out_dir: Path | None, export_model: Path | None, robust: bool, draws: int,
         confidence: float, seed: int) -> None:
    """Optimal plan of FILE's base scenario (or --variant), compared with its what-ifs."""
    from ..analysis.compare import compare
    from ..render import bundle
    from ..results.plan import optimize

    scenarios = load((file,))[0]
    if variant is not None:
        scenarios = [pick(file, scenarios, variant)]
    if robust:
        _robust_plan(scenarios, options, fmt, wide, out_dir, draws, confidence, seed)
    if export_model is not None and export_model.resolve() in {p for s in scenarios
                                                                for p in s.inputs}:
        fail(f"refusing to overwrite input file {export_model}")
    try:
        head = optimize(scenarios[0], options=options, export_model=export_model)
    except OutputError as exc:
        fail(str(exc), EXIT_OUTPUT)
    comparison = compare([head, *scenarios[1:]], options=options) if len(scenarios) > 1 else None
    repairs = comparison.repairs.get(head.scenario.name, ()) if comparison is not None \
        else head.suggest_repairs()
    view = bundle.plan_view(head, comparison, repairs)
    emit(fmt, view, wide)
    if out_dir is not None:
        write(out_dir, bundle.plan_files(head, comparison, repairs, view), scenarios)
    sys.exit(head.status.exit_code)


def _robust_plan(scenarios: list[Scenario], options: SolveOptions, fmt: str, wide: bool,
                 out_dir: Path | None, draws: int, confidence: float, seed: int) -> None:
    from ..analysis.robust import robust_optimize
    from ..render import bundle

    try:
        rp = robust_optimize(scenarios[0], draws=draws, confidence=confidence, seed=seed,
                             options=options)
    except ValueError as exc:
        fail(str(exc))
    view = bundle.robust_view(rp)
    emit(fmt, view, wide)
    if out_dir is not None:
        write(out_dir, bundle.robust_files(rp, view), scenarios)
    sys.exit(rp.result.status.exit_code)


@click.command("compare")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@solve_options
@format_option
@out_option
def compare_cmd(files: tuple[Path, ...], options: SolveOptions, fmt: str, wide: bool,
                out_dir: Path | None) -> None:
    """Compare every scenario (base and variants) of one or more FILES side by side."""
    from ..analysis.compare import compare
    from ..render import bundle

    scenarios = [s for group in load(files) for s in group]
    comparison = compare(scenarios, options=options)
    view = bundle.comparison_view(comparison)
    emit(fmt, view, wide)
    if out_dir is not None:
        write(out_dir, bundle.comparison_files(comparison, view), scenarios)
    sys.exit(EXIT_OK if comparison.all_optimal else EXIT_INFEASIBLE)
