"""`chanopt estimate` (CRM exports -> a channel table) and `chanopt validate`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import OutputError, ScenarioError
from .common import EXIT_INVALID, EXIT_OK, EXIT_OUTPUT, emit, fail, fail_input
from .options import format_option


@click.command("estimate")
@click.option("--leads", "leads_file", required=True, type=click.Path(path_type=Path),
              help="Leads export (CSV): one row per lead with its channel and created date.")
@click.option("--spend", "spend_file", required=True, type=click.Path(path_type=Path),
              help="Spend table (CSV): channel, period, spend.")
@click.option("--deals", "deals_file", type=click.Path(path_type=Path),
              help="Closed deals (CSV), joined to leads by the mapping's deals.lead_id.")
@click.option("--period",
              help="Only leads and spend in 2018-01-01..2018-03-31, 2018Q1, 2018-02 or 2018.")
@click.option("--map", "map_file", type=click.Path(path_type=Path),
              help="Mapping YAML: column names, date format, channel aliases, stages, scoring, CLV.")
@click.option("--horizon-periods", type=click.IntRange(1, 1000),
              help="Spend periods the plan covers (scales fitted curves; default: those in the data).")
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The channel table to write (CSV), usable as a scenario's `channels:`.")
@click.option("--as-of", "as_of", metavar="DATE",
              help="The export date: leads still open then are censored there (default: the "
                   "latest date in the exports).")
@click.option("--pipeline", "pipeline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the pipeline of open leads (CSV), usable as a scenario's "
                   "`pipeline:`; needs close dates in the mapping.")
@click.option("--plan-start", "plan_start", metavar="DATE",
              help="First day of the plan the pipeline feeds (default: the period after "
                   "--as-of).")
@format_option
def estimate_cmd(leads_file: Path, spend_file: Path, deals_file: Path | None,
                 period: str | None, map_file: Path | None, horizon_periods: int | None,
                 output: Path, as_of: str | None, pipeline_file: Path | None,
                 plan_start: str | None, fmt: str, wide: bool) -> None:
    """Estimate CPL, lead-to-close, lead-to-SQL and CLV per channel, with their uncertainty,
    from CRM exports; write a channel table a scenario file uses as it is. With close dates
    mapped, each channel's close lag too (Kaplan-Meier, open leads censored), and with
    --pipeline the open leads a plan starting after the export still closes."""
    from ..estimation import estimate, load_mapping
    from ..render.bundle import estimate_view
    from ..writing import write_file

    inputs = [p for p in (leads_file, spend_file, deals_file, map_file) if p is not None]
    try:
        result = estimate(leads_file, spend_file, deals_file, mapping=load_mapping(map_file),
                          period=period, horizon_periods=horizon_periods, as_of=as_of,
                          pipeline=pipeline_file is not None, plan_start=plan_start)
    except ScenarioError as exc:
        fail_input(exc)
    if pipeline_file is not None and pipeline_file.resolve() == output.resolve():
        fail(f"--pipeline and -o are the same file ({output}); give two paths", EXIT_INVALID)
    try:
        write_file(output, result.to_csv(), inputs)
        if pipeline_file is not None:
            write_file(pipeline_file, result.pipeline_csv(), [*inputs, output])
    except OutputError as exc:
        fail(str(exc), EXIT_INVALID if exc.overwrites_input else EXIT_OUTPUT)
    emit(fmt, estimate_view(result), wide)
    click.echo(f"wrote {output} ({len(result.table)} channels)", err=True)
    if pipeline_file is not None and result.lags is not None and result.lags.pipeline is not None:
        click.echo(f"wrote {pipeline_file} ({len(result.lags.pipeline)} pipeline entries)",
                   err=True)
    sys.exit(EXIT_OK)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table",
              show_default=True)
def validate(file: Path, fmt: str) -> None:
    """Check FILE (and what it extends) without solving; list every problem at once."""
    from ..render.records import to_json
    from ..scenario import load_scenarios

    try:
        scenarios = load_scenarios(file)
    except ScenarioError as exc:
        if fmt == "json":
            click.echo(to_json({"valid": False, "problems": [
                {"file": p.file, "path": p.path, "message": p.message} for p in exc.problems]}),
                nl=False)
            sys.exit(EXIT_INVALID)
        fail_input(exc)
    if fmt == "json":
        click.echo(to_json({"valid": True, "scenarios": [
            {"name": s.name, "input_hash": s.input_hash, "channels": len(s.channels),
             "budget": s.budget} for s in scenarios]}), nl=False)
    else:
        base, variants = scenarios[0], scenarios[1:]
        click.echo(f"{file}: valid — '{base.name}', {len(base.channels)} channels, "
                   f"budget {base.budget:,.0f} {base.currency}, {len(variants)} what-if variant(s)"
                   + (f": {', '.join(v.name for v in variants)}" if variants else ""))
    sys.exit(EXIT_OK)
