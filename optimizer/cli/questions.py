"""`chanopt frontier`, `sensitivity`, `risk` and `report`: questions asked of one plan."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import EXIT_INFEASIBLE, EXIT_OK, emit, fail, load, pick, write
from .options import format_option, out_option, solve_options, variant_option

if TYPE_CHECKING:
    from ..backends import SolveOptions


@click.command("frontier")
@click.argument("file", type=click.Path(path_type=Path))
@variant_option
@click.option("--from", "start", type=float, help="Lowest budget (default: a quarter of the file's).")
@click.option("--to", "stop", type=float, help="Highest budget (default: past the saturation budget).")
@click.option("--points", type=click.IntRange(2, 100000), default=25, show_default=True)
@click.option("--target-customers", type=float,
              help="Also find the smallest budget reaching this many customers.")
@click.option("--target-value", type=float,
              help="Also find the smallest budget reaching this expected CLV.")
@solve_options
@format_option
@out_option
def frontier_cmd(file: Path, variant: str | None, start: float | None, stop: float | None,
                 points: int, target_customers: float | None, target_value: float | None,
                 options: SolveOptions, fmt: str, wide: bool, out_dir: Path | None) -> None:
    """Optimal net value, customers and CPA across total budgets, and what the next dollar earns."""
    from ..analysis.frontier import budget_for_target, budget_frontier
    from ..render import bundle

    scenarios = load((file,))[0]
    scenario = pick(file, scenarios, variant)
    if target_customers is not None and target_value is not None:
        fail("give --target-customers or --target-value, not both")
    try:
        front = budget_frontier(scenario, start=start, stop=stop, points=points, options=options)
    except ValueError as exc:
        fail(str(exc))
    target = None
    if target_customers is not None or target_value is not None:
        target = budget_for_target(scenario, customers=target_customers, value=target_value,
                                   options=options)
    view = bundle.frontier_view(front, target)
    emit(fmt, view, wide)
    if out_dir is not None:
        write(out_dir, bundle.frontier_files(front, view), scenarios)
    ok = target is None or target.status.exit_code == 0
    sys.exit(EXIT_OK if ok else EXIT_INFEASIBLE)


@click.command("sensitivity")
@click.argument("file", type=click.Path(path_type=Path))
@variant_option
@solve_options
@format_option
@out_option
def sensitivity_cmd(file: Path, variant: str | None, options: SolveOptions, fmt: str,
                    wide: bool, out_dir: Path | None) -> None:
    """How far each channel's CPL, lead-to-close and CLV can move before the optimal plan
    changes shape, and over which range each binding constraint's shadow price holds
    (HiGHS only: ranging reads the optimal basis)."""
    from ..analysis.ranging import not_rangeable, ranging
    from ..render import bundle

    scenarios = load((file,))[0]
    scenario = pick(file, scenarios, variant)
    refused = not_rangeable(scenario, options)
    if refused is not None:
        fail(f"exact ranging does not apply to '{scenario.name}': {refused}. Compare what-if "
             "variants instead (chanopt compare)")
    try:
        rng = ranging(scenario, options)
    except ValueError as exc:
        fail(f"{exc}; run `chanopt plan` for the conflicts and repairs", EXIT_INFEASIBLE)
    view = bundle.sensitivity_view(rng)
    emit(fmt, view, wide)
    if out_dir is not None:
        write(out_dir, bundle.sensitivity_files(rng, view), scenarios)
    sys.exit(EXIT_OK)


@click.command("risk")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--draws", type=click.IntRange(1, 10_000_000), default=10_000, show_default=True,
              help="Sampled input sets.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed: the same seed gives the same draws and the same numbers.")
@solve_options
@format_option
@out_option
def risk_cmd(file: Path, draws: int, seed: int, options: SolveOptions, fmt: str, wide: bool,
             out_dir: Path | None) -> None:
    """P10/P50/P90 of net value, customers and blended CLV:CPA for the optimal plan, the
    current plan and each variant, the probability that each CLV:CPA floor holds and that
    the optimal plan beats the current one, over sampled channel estimates."""
    from rich.progress import Progress

    from ..analysis.risk import risk_profile
    from ..render import bundle
    from ..results.plan import optimize

    scenarios = load((file,))[0]
    results = [optimize(s, options=options) for s in scenarios]
    show = sys.stderr.isatty() and draws * len(results) >= 200_000
    with Progress(transient=True, disable=not show) as bar:
        task = bar.add_task("sampling", total=None)
        try:
            profile = risk_profile(results, draws=draws, seed=seed,
                                   progress=lambda done, total: bar.update(
                                       task, completed=done, total=total))
        except ValueError as exc:
            fail(str(exc))
    view = bundle.risk_view(profile, scenarios[0].currency)
    emit(fmt, view, wide)
    if out_dir is not None:
        write(out_dir, bundle.risk_files(profile, view), scenarios)
    sys.exit(EXIT_OK if results[0].is_optimal else EXIT_INFEASIBLE)


@click.command("report")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for report.html, report.xlsx, report.md (+ charts/*.png), plan.json.")
@click.option("--variant", help="Report on this what-if variant of the file instead of its base.")
@click.option("--points", type=click.IntRange(2, 100000), default=25, show_default=True,
              help="Budget frontier points.")
@solve_options
def report_cmd(file: Path, out_dir: Path, variant: str | None, points: int,
               options: SolveOptions) -> None:
    """A self-contained HTML report (and Excel workbook, Markdown with PNG charts, JSON):
    current vs optimal plan, comparison of every scenario, frontier, explanations and
    sensitivities, with the inputs and their hash."""
    from ..analysis.compare import compare
    from ..analysis.frontier import budget_frontier
    from ..analysis.ranging import not_rangeable, ranging
    from ..render.bundle import ReportData, report_files
    from ..results.plan import optimize

    scenarios = load((file,))[0]
    head_scenario = pick(file, scenarios, variant)
    head = optimize(head_scenario, options=options)
    others = [s for s in scenarios if s is not head_scenario]
    comparison = compare([head, *others], options=options) if others else None
    front = rng = risk = None
    if head.is_optimal:
        front = budget_frontier(head_scenario, points=points, options=options)
        if not_rangeable(head_scenario, options) is None:
            rng = ranging(head_scenario, options)
    plans = comparison.results if comparison is not None else (head,)
    if head_scenario.has_uncertainty and any(r.is_optimal for r in plans):
        from ..analysis.risk import risk_profile

        risk = risk_profile([r for r in plans if r.is_optimal or r is head])
    repairs = comparison.repairs.get(head.scenario.name, ()) if comparison is not None \
        else head.suggest_repairs()
    data = ReportData(head, comparison, front, rng, repairs, risk)
    write(out_dir, report_files(data), scenarios)
    sys.exit(head.status.exit_code)
