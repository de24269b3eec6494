"""`chanopt`: a thin command line over the library. The only code that prints.

Exit codes: 0 every plan optimal (or the file valid), 1 infeasible or no plan found,
2 invalid input (file, field or option).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console

from . import report
from ._version import __version__
from .backends import BACKENDS, MIP_REL_GAP
from .compare import Comparison, compare
from .errors import OutputError, ScenarioError
from .frontier import budget_for_target, budget_frontier
from .model import Scenario
from .outputs import write_outputs
from .planner import PlanResult, optimize
from .ranging import not_rangeable, ranging
from .repair import Suggestion
from .reader import load_scenarios

EXIT_OK, EXIT_INFEASIBLE, EXIT_INVALID = 0, 1, 2
FORMATS = ("table", "csv", "json", "markdown")

solver_option = click.option("--solver", type=click.Choice(sorted(BACKENDS)), default="highs",
                             show_default=True, help="LP backend: HiGHS in-process, or CBC via PuLP.")
format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                             show_default=True, help="What to print on standard output.")
out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                          help="Also write CSV, JSON and a Markdown report into this directory.")


def _console() -> Console:
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def _emit(fmt: str, *, json: Callable[[], dict], csv: Callable[[], str],
          markdown: Callable[[], str], tables: Callable[[], list]) -> None:
    """Print one result in the chosen --format (only the chosen one is rendered)."""
    if fmt == "json":
        click.echo(report.to_json(json()), nl=False)
    elif fmt == "csv":
        click.echo(csv(), nl=False)
    elif fmt == "markdown":
        click.echo(markdown(), nl=False)
    else:
        console = _console()
        for item in tables():
            console.print(item)


def _fail_input(exc: ScenarioError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_INVALID)


def _load(paths: tuple[Path, ...]) -> list[list[Scenario]]:
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_scenarios(path))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        _fail_input(ScenarioError(problems))
    return loaded


def _write(out_dir: Path, files: dict[str, str | bytes], scenarios: list[Scenario]) -> None:
    inputs = [p for s in scenarios for p in s.inputs]
    try:
        written = write_outputs(out_dir, files, inputs)
    except OutputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"wrote {', '.join(str(p) for p in written)}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chanopt")
def main() -> None:
    """Optimal marketing budget allocation across channels (a linear program)."""


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--variant", help="Plan this what-if variant of the file instead of its base.")
@solver_option
@format_option
@out_option
@click.option("--export-model", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the LP as .lp or .mps (needs --solver cbc).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
              help="Stop the solver after this many seconds; an unproven plan is reported as "
                   "limit_reached with its gap, never as optimal (exit 1).")
@click.option("--mip-gap", type=click.FloatRange(0, 1), default=MIP_REL_GAP, show_default=True,
              help="Relative gap at which a mixed-integer plan counts as proven optimal.")
@click.option("--robust", is_flag=True,
              help="Maximise expected net value over sampled inputs, each CLV:CPA floor held "
                   "with probability --confidence; shows the price of robustness.")
@click.option("--draws", type=click.IntRange(10, 1_000_000), default=1000, show_default=True,
              help="Sampled input sets for --robust.")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.9, show_default=True, help="Probability each floor must hold (--robust).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws (--robust).")
def plan(file: Path, variant: str | None, solver: str, fmt: str, out_dir: Path | None,
         export_model: Path | None, time_limit: float | None, mip_gap: float, robust: bool,
         draws: int, confidence: float, seed: int) -> None:
    """Optimal plan of FILE's base scenario (or --variant), compared with its what-ifs."""
    scenarios = _load((file,))[0]
    if variant is not None:
        scenarios = [_pick(file, scenarios, variant)]
    if robust:
        _robust_plan(scenarios, solver, fmt, out_dir, draws, confidence, seed)
    if export_model is not None:
        if solver != "cbc":
            click.echo("error: --export-model needs --solver cbc", err=True)
            sys.exit(EXIT_INVALID)
        if export_model.resolve() in {p for s in scenarios for p in s.inputs}:
            click.echo(f"error: refusing to overwrite input file {export_model}", err=True)
            sys.exit(EXIT_INVALID)
    head = optimize(scenarios[0], solver=solver, time_limit=time_limit,
                    export_model=str(export_model) if export_model else None,
                    mip_rel_gap=mip_gap)
    comparison = compare([head, *scenarios[1:]], solver=solver) if len(scenarios) > 1 else None
    repairs = head.suggest_repairs()
    plan_json = functools.cache(lambda: _plan_json(head, comparison, repairs))
    _emit(fmt, json=plan_json, csv=lambda: report.channels_csv(head),
          markdown=lambda: report.plan_markdown(head, comparison, repairs),
          tables=lambda: [*report.plan_tables(head, repairs),
                          *(report.comparison_tables(comparison) if comparison else [])])
    if out_dir is not None:
        files = {"plan.json": report.to_json(plan_json()),
                 "channels.csv": report.channels_csv(head),
                 "current_channels.csv": report.current_csv(head),
                 "constraints.csv": report.constraints_csv(head),
                 "report.md": report.plan_markdown(head, comparison, repairs)}
        if comparison is not None:
            files["comparison.csv"] = report.comparison_csv(comparison)
            files["spend_by_scenario.csv"] = report.spend_csv(comparison)
        files["plan.xlsx"] = _workbook(head, comparison, repairs)
        _write(out_dir, files, scenarios)
    sys.exit(head.status.exit_code)


def _robust_plan(scenarios: list[Scenario], solver: str, fmt: str, out_dir: Path | None,
                 draws: int, confidence: float, seed: int) -> None:
    from . import riskreport
    from .robust import robust_optimize

    try:
        rp = robust_optimize(scenarios[0], draws=draws, confidence=confidence, seed=seed,
                             solver=solver)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    data = functools.cache(lambda: riskreport.robust_dict(rp))
    lines = riskreport.robust_lines(rp)
    floor_rows = riskreport.robust_floor_cells(rp)
    floors_md = report._md_table(["Floor", "P(holds), robust", "P(holds), plain"], floor_rows)
    markdown = (report.plan_markdown(rp.result) + "\n## Robustness\n\n" +
                "\n".join(f"- {line}" for line in lines) + "\n\n" + floors_md + "\n")

    def tables() -> list:
        from rich.table import Table

        floors = Table(title="Probability each floor holds (on the draws)", title_justify="left")
        for h in ("Floor", "Robust plan", "Plain optimum"):
            floors.add_column(h, justify="left" if h == "Floor" else "right")
        for row in floor_rows:
            floors.add_row(*row)
        return [*report.plan_tables(rp.result), *lines, floors]

    _emit(fmt, json=data, csv=lambda: report.channels_csv(rp.result),
          markdown=lambda: markdown, tables=tables)
    if out_dir is not None:
        _write(out_dir, {"robust_plan.json": report.to_json(data()),
                         "robust_channels.csv": report.channels_csv(rp.result),
                         "robust_report.md": markdown}, scenarios)
    sys.exit(rp.result.status.exit_code)


def _workbook(head: PlanResult, comparison: Comparison | None,
              repairs: tuple[Suggestion, ...] = ()) -> bytes:
    from .htmlreport import ReportData
    from .workbook import workbook_bytes

    return workbook_bytes(ReportData(head, comparison, repairs=repairs))


def _plan_json(head: PlanResult, comparison: Comparison | None,
               repairs: tuple[Suggestion, ...] = ()) -> dict:
    data = report.plan_dict(head, repairs)
    if comparison is not None:
        extra = report.comparison_dict(comparison)
        data["comparison"] = extra["comparison"]
        data["spend_by_scenario"] = extra["spend"]
        data["variants"] = extra["plans"][1:]
    return data


@main.command("compare")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@solver_option
@format_option
@out_option
def compare_cmd(files: tuple[Path, ...], solver: str, fmt: str, out_dir: Path | None) -> None:
    """Compare every scenario (base and variants) of one or more FILES side by side."""
    loaded = _load(files)
    scenarios = [s for group in loaded for s in group]
    comparison = compare(scenarios, solver=solver)
    _emit(fmt, json=lambda: report.comparison_dict(comparison),
          csv=lambda: report.comparison_csv(comparison),
          markdown=lambda: report.comparison_markdown(comparison),
          tables=lambda: report.comparison_tables(comparison))
    if out_dir is not None:
        _write(out_dir, {"comparison.json": report.to_json(report.comparison_dict(comparison)),
                         "comparison.csv": report.comparison_csv(comparison),
                         "spend_by_scenario.csv": report.spend_csv(comparison),
                         "report.md": report.comparison_markdown(comparison),
                         "comparison.xlsx": _workbook(comparison.results[0], comparison)},
               scenarios)
    sys.exit(EXIT_OK if comparison.all_optimal else EXIT_INFEASIBLE)


@main.command("frontier")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--variant", help="Use this what-if variant of the file instead of its base.")
@click.option("--from", "start", type=float, help="Lowest budget (default: a quarter of the file's).")
@click.option("--to", "stop", type=float, help="Highest budget (default: past the saturation budget).")
@click.option("--points", type=click.IntRange(2, 100000), default=25, show_default=True)
@click.option("--target-customers", type=float, help="Also find the smallest budget reaching this many customers.")
@click.option("--target-value", type=float, help="Also find the smallest budget reaching this expected CLV.")
@solver_option
@format_option
@out_option
def frontier_cmd(file: Path, variant: str | None, start: float | None, stop: float | None,
                 points: int, target_customers: float | None, target_value: float | None,
                 solver: str, fmt: str, out_dir: Path | None) -> None:
    """Optimal net value, customers and CPA across total budgets, and what the next dollar earns."""
    scenarios = _load((file,))[0]
    scenario = _pick(file, scenarios, variant)
    if target_customers is not None and target_value is not None:
        click.echo("error: give --target-customers or --target-value, not both", err=True)
        sys.exit(EXIT_INVALID)
    try:
        front = budget_frontier(scenario, start=start, stop=stop, points=points)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    target = None
    if target_customers is not None or target_value is not None:
        target = budget_for_target(scenario, customers=target_customers, value=target_value,
                                   solver=solver)
    _emit(fmt, json=lambda: report.frontier_dict(front, target),
          csv=lambda: report.frontier_csv(front),
          markdown=lambda: report.frontier_markdown(front, target),
          tables=lambda: report.frontier_tables(front, target))
    if out_dir is not None:
        _write(out_dir, {"frontier.json": report.to_json(report.frontier_dict(front, target)),
                         "frontier.csv": report.frontier_csv(front),
                         "frontier.md": report.frontier_markdown(front, target)}, scenarios)
    ok = target is None or target.status.exit_code == 0
    sys.exit(EXIT_OK if ok else EXIT_INFEASIBLE)


@main.command("risk")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--draws", type=click.IntRange(1, 10_000_000), default=10_000, show_default=True,
              help="Sampled input sets.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed: the same seed gives the same draws and the same numbers.")
@solver_option
@format_option
@out_option
def risk_cmd(file: Path, draws: int, seed: int, solver: str, fmt: str,
             out_dir: Path | None) -> None:
    """P10/P50/P90 of net value, customers and blended CLV:CPA for the optimal plan, the
    current plan and each variant, the probability that each CLV:CPA floor holds and that
    the optimal plan beats the current one, over sampled channel estimates."""
    from rich.progress import Progress

    from . import riskreport
    from .risk import risk_profile

    scenarios = _load((file,))[0]
    results = [optimize(s, solver=solver) for s in scenarios]
    show = sys.stderr.isatty() and draws * len(results) >= 200_000
    with Progress(transient=True, disable=not show) as bar:
        task = bar.add_task("sampling", total=None)
        profile = risk_profile(results, draws=draws, seed=seed,
                               progress=lambda done, total: bar.update(task, completed=done,
                                                                       total=total))
    cur = scenarios[0].currency
    _emit(fmt, json=lambda: riskreport.risk_dict(profile), csv=lambda: riskreport.risk_csv(profile),
          markdown=lambda: riskreport.risk_markdown(profile, cur),
          tables=lambda: riskreport.risk_tables(profile, cur))
    if out_dir is not None:
        _write(out_dir, {"risk.json": report.to_json(riskreport.risk_dict(profile)),
                         "risk.csv": riskreport.risk_csv(profile),
                         "risk.md": riskreport.risk_markdown(profile, cur)}, scenarios)
    sys.exit(EXIT_OK if results[0].is_optimal else EXIT_INFEASIBLE)


@main.command("estimate")
@click.option("--leads", "leads_file", required=True, type=click.Path(path_type=Path),
              help="Leads export (CSV): one row per lead with its channel and created date.")
@click.option("--spend", "spend_file", required=True, type=click.Path(path_type=Path),
              help="Spend table (CSV): channel, period, spend.")
@click.option("--deals", "deals_file", type=click.Path(path_type=Path),
              help="Closed deals (CSV), joined to leads by the mapping's deals.lead_id.")
@click.option("--period", help="Only leads and spend in 2018-01-01..2018-03-31, 2018Q1, 2018-02 or 2018.")
@click.option("--map", "map_file", type=click.Path(path_type=Path),
              help="Mapping YAML: column names, date format, channel aliases, stages, scoring, CLV.")
@click.option("--horizon-periods", type=click.IntRange(1, 1000),
              help="Spend periods the plan covers (scales fitted curves; default: those in the data).")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The channel table to write (CSV), usable as a scenario's `channels:`.")
@format_option
def estimate_cmd(leads_file: Path, spend_file: Path, deals_file: Path | None,
                 period: str | None, map_file: Path | None, horizon_periods: int | None,
                 output: Path, fmt: str) -> None:
    """Estimate CPL, lead-to-close, lead-to-SQL and CLV per channel, with their uncertainty,
    from CRM exports; write a channel table a scenario file uses as it is."""
    from . import riskreport
    from .estimate import estimate, load_mapping
    from .outputs import atomic_write

    inputs = [p for p in (leads_file, spend_file, deals_file, map_file) if p is not None]
    if output.resolve() in {p.resolve() for p in inputs}:
        click.echo(f"error: refusing to overwrite input file {output}", err=True)
        sys.exit(EXIT_INVALID)
    try:
        result = estimate(leads_file, spend_file, deals_file, mapping=load_mapping(map_file),
                          period=period, horizon_periods=horizon_periods)
    except ScenarioError as exc:
        _fail_input(exc)
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(output, result.to_csv())
    _emit(fmt, json=lambda: riskreport.estimate_dict(result), csv=result.to_csv,
          markdown=lambda: riskreport.estimate_markdown(result),
          tables=lambda: riskreport.estimate_tables(result))
    click.echo(f"wrote {output} ({len(result.table)} channels)", err=True)
    sys.exit(EXIT_OK)


@main.command("sensitivity")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--variant", help="Use this what-if variant of the file instead of its base.")
@format_option
@out_option
def sensitivity_cmd(file: Path, variant: str | None, fmt: str, out_dir: Path | None) -> None:
    """How far each channel's CPL, lead-to-close and CLV can move before the optimal plan
    changes shape, and over which range each binding constraint's shadow price holds."""
    scenarios = _load((file,))[0]
    scenario = _pick(file, scenarios, variant)
    try:
        rng = ranging(scenario)
    except ValueError as exc:
        click.echo(f"error: {exc}; run `chanopt plan` for the conflicts and repairs", err=True)
        sys.exit(EXIT_INFEASIBLE)
    inputs_csv = rng.inputs.to_csv(index=False, float_format="%.6g")
    _emit(fmt, json=lambda: report.sensitivity_dict(rng), csv=lambda: inputs_csv,
          markdown=lambda: report.sensitivity_markdown(rng),
          tables=lambda: report.sensitivity_tables(rng))
    if out_dir is not None:
        _write(out_dir, {"sensitivity.json": report.to_json(report.sensitivity_dict(rng)),
                         "sensitivity_inputs.csv": inputs_csv,
                         "sensitivity_constraints.csv":
                             rng.constraints.to_csv(index=False, float_format="%.6g"),
                         "sensitivity.md": report.sensitivity_markdown(rng)}, scenarios)
    sys.exit(EXIT_OK)


@main.command("report")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for report.html, report.xlsx, report.md (+ charts/*.png), plan.json.")
@click.option("--variant", help="Report on this what-if variant of the file instead of its base.")
@click.option("--points", type=click.IntRange(2, 100000), default=25, show_default=True,
              help="Budget frontier points.")
@solver_option
def report_cmd(file: Path, out_dir: Path, variant: str | None, points: int, solver: str) -> None:
    """A self-contained HTML report (and Excel workbook, Markdown with PNG charts, JSON):
    current vs optimal plan, comparison of every scenario, frontier, explanations and
    sensitivities, with the inputs and their hash."""
    from . import charts
    from .htmlreport import ReportData, render_html
    from .workbook import workbook_bytes

    scenarios = _load((file,))[0]
    head_scenario = _pick(file, scenarios, variant)
    head = optimize(head_scenario, solver=solver)
    others = [s for s in scenarios if s is not head_scenario]
    comparison = compare([head, *others], solver=solver) if others else None
    front = rng = None
    if head.is_optimal:
        front = budget_frontier(head_scenario, points=points)
        rng = ranging(head_scenario) if not_rangeable(head_scenario) is None else None
    data = ReportData(head, comparison, front, rng, head.suggest_repairs())
    figures = {"spend": charts.spend_chart(head), "operational": charts.operational_chart(head),
               "strategic": charts.strategic_chart(head)}
    if comparison is not None:
        figures["comparison"] = charts.comparison_chart(comparison)
    if front is not None:
        figures["frontier"] = charts.frontier_chart(front)
    images = {f"charts/{name}.png": charts.to_png(fig) for name, fig in figures.items()}
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    files: dict[str, str | bytes] = {
        "report.html": render_html(data),
        "report.xlsx": workbook_bytes(data),
        "report.md": report.report_markdown(data, list(images)),
        "plan.json": report.to_json(_plan_json(head, comparison, data.repairs)),
        **images}
    _write(out_dir, files, scenarios)
    sys.exit(head.status.exit_code)


def _pick(file: Path, scenarios: list[Scenario], variant: str | None) -> Scenario:
    """The base scenario, or the named variant (exit 2 with the choices if unknown)."""
    if variant is None:
        return scenarios[0]
    for scenario in scenarios[1:]:
        if scenario.name == variant:
            return scenario
    names = ", ".join(repr(s.name) for s in scenarios[1:]) or "none"
    click.echo(f"error: {file}: no variant named {variant!r} (variants: {names})", err=True)
    sys.exit(EXIT_INVALID)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table",
              show_default=True)
def validate(file: Path, fmt: str) -> None:
    """Check FILE (and what it extends) without solving; list every problem at once."""
    try:
        scenarios = load_scenarios(file)
    except ScenarioError as exc:
        if fmt == "json":
            click.echo(report.to_json({"valid": False, "problems": [
                {"file": p.file, "path": p.path, "message": p.message} for p in exc.problems]}),
                nl=False)
            sys.exit(EXIT_INVALID)
        _fail_input(exc)
        return
    if fmt == "json":
        click.echo(report.to_json({"valid": True, "scenarios": [
            {"name": s.name, "input_hash": s.input_hash, "channels": len(s.channels),
             "budget": s.budget} for s in scenarios]}), nl=False)
    else:
        base, variants = scenarios[0], scenarios[1:]
        click.echo(f"{file}: valid — '{base.name}', {len(base.channels)} channels, "
                   f"budget {base.budget:,.0f} {base.currency}, {len(variants)} what-if variant(s)"
                   + (f": {', '.join(v.name for v in variants)}" if variants else ""))
    sys.exit(EXIT_OK)
