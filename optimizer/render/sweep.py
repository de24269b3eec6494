"""A sweep's files: rows streamed to sweep.parquet and sweep.csv while the cells run, then
tornado.csv, summary.md (with charts/*.png) and a self-contained summary.html.

Every file is staged beside its target and renamed into place only when the sweep has
finished (`writing.staged_outputs`): an interrupted sweep (Ctrl-C) or a failed one leaves
no partial file. Rows are written in cell order, one Parquet row group per task, so the
files are the same bytes whatever executor and number of workers ran the cells.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import fmt
from .csv import cell_text

if TYPE_CHECKING:
    import pyarrow as pa

    from ..analysis.sweep import Plan, Progress

FILES = ("sweep.parquet", "sweep.csv", "tornado.csv", "summary.md", "summary.html",
         "charts/tornado.png", "charts/spend.png")
MONEY = ("net_value", "blended_cpa")


def _money_column(name: str) -> bool:
    return name in MONEY or name.startswith(("spend[", "spend_low[", "spend_high[",
                                              "net_value_"))


# ------------------------------------------------------------------------ rows to files


def arrow_schema(plan: Plan) -> pa.Schema:
    import pyarrow as pa

    from ..analysis.sweep import RESULT_COLUMNS, TEXT_COLUMNS, columns, override_types

    kinds = {"float": pa.float64(), "bool": pa.bool_(), "string": pa.string()}
    types = override_types(plan)
    fields = []
    for name in columns(plan):
        if name in types:
            fields.append(pa.field(name, kinds[types[name]]))
        elif name in ("cell", "status", *TEXT_COLUMNS):
            fields.append(pa.field(name, pa.string()))
        else:
            assert name in RESULT_COLUMNS or name.startswith("spend[")
            fields.append(pa.field(name, pa.float64()))
    return pa.schema(fields)


def _value(kind: Any, value: Any) -> Any:
    import pyarrow as pa

    from ..analysis.sweep import stored

    names = {pa.string(): "string", pa.float64(): "float", pa.bool_(): "bool"}
    return stored(names[kind], value)


def rows_table(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows as an Arrow table of the sweep's schema (a Parquet row group, a DataFrame)."""
    import pyarrow as pa

    arrays = [pa.array([_value(f.type, r[f.name]) for r in rows], type=f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _csv_row(row: dict[str, Any], names: Sequence[str]) -> list[str]:
    out = []
    for name in names:
        value = row[name]
        if isinstance(value, float) and math.isnan(value):
            out.append("")
        else:
            out.append(cell_text(value, money=_money_column(name)))
    return out


def write_sweep(plan: Plan, out: str | Path, *, executor: str = "serial",
                workers: int | None = None, scheduler: str | None = None,
                tornado: float | None = 0.1, progress: Progress | None = None
                ) -> dict[str, Any]:
    """Run the sweep into `out` (see the module doc); the summary record."""
    import pyarrow.parquet as pq

    from ..analysis.sweep import columns, run_sweep
    from ..analysis.sweep_summary import Tally, summarise
    from ..analysis.tornado import tornado_cells, tornado_inputs, tornado_table
    from ..writing import staged_outputs

    read = [*plan.base.scenario.inputs]
    if plan.grid is not None and plan.grid.label:
        read.append(Path(plan.grid.label))
    names = [n for n in FILES if tornado is not None or "tornado" not in n]
    with staged_outputs(out, names, read) as tmp:
        schema = arrow_schema(plan)
        header = columns(plan)
        with pq.ParquetWriter(tmp["sweep.parquet"], schema) as table, \
                open(tmp["sweep.csv"], "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([cell_text(h) for h in header])
            inputs = tornado_inputs(plan.base.scenario, tornado) if tornado else []
            extra = tornado_cells(inputs) if inputs else []  # run on the same workers
            tornado_rows: dict[str, dict[str, Any]] = {}
            tally = Tally(plan)
            left = plan.size  # the sweep's own rows come first, then the tornado's
            for rows in run_sweep(plan, executor, workers, scheduler, progress, extra):
                own, rest = rows[:max(left, 0)], rows[max(left, 0):]
                left -= len(own)
                if own:
                    table.write_table(rows_table(own, schema))
                    writer.writerows(_csv_row(r, header) for r in own)
                    tally.add(own)
                tornado_rows.update((r["cell"], r) for r in rest)
        tor = tornado_table(plan, inputs, tornado_rows) if inputs else []

        def column(name: str) -> Any:  # one numeric column of the rows just written
            found = pq.read_table(tmp["sweep.parquet"], columns=[name]).column(0)
            return found.to_numpy(zero_copy_only=False)

        summary = summarise(plan, tally, column, tor, tornado)
        _write_rest(tmp, summary, tor)
    return summary


def _write_rest(tmp: dict[str, Path], summary: dict[str, Any], tor: list[dict[str, Any]]
                ) -> None:
    from . import charts

    images: dict[str, bytes] = {}
    figures = {}
    if summary["spend"]:
        figures["spend"] = charts.sweep_spend_chart(summary)
    if tor:
        figures["tornado"] = charts.tornado_chart(summary)
        tmp["tornado.csv"].write_text(tornado_csv(tor), encoding="utf-8")
    for name, fig in figures.items():
        images[name] = charts.to_png(fig)
        tmp[f"charts/{name}.png"].write_bytes(images[name])
    svgs = {name: charts.to_svg(fig, f"chanopt-sweep-{name}") for name, fig in figures.items()}
    tmp["summary.md"].write_text(summary_markdown(summary, [f"charts/{n}.png" for n in images]),
                                 encoding="utf-8")
    tmp["summary.html"].write_text(summary_html(summary, svgs), encoding="utf-8")


def tornado_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = list(rows[0])
    writer.writerow(names)
    writer.writerows(_csv_row(r, names) for r in rows)
    return buffer.getvalue()


# ------------------------------------------------------------------------ summary views


def _overrides_text(overrides: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {cell_text(v) if isinstance(v, float) else v}"
                     for k, v in overrides.items()) or "the scenario as it is"


def _status_text(doc: dict[str, Any]) -> str:
    return ", ".join(f"{n:,} {k}" for k, n in doc["status"].items())


def _what(doc: dict[str, Any]) -> str:
    parts = []
    if doc["fields"]:
        fields = ", ".join(f"{f['field']} ({f['values']} values)" if f["values"] else
                           f"{f['field']} ({f['distribution']})" for f in doc["fields"])
        parts.append(f"{doc['mode']} grid over {fields}")
    if doc["draws"]:
        parts.append(f"{doc['draws']:,} draws of the uncertain inputs (seed {doc['seed']})")
    return "; ".join(parts)


def headline_lines(doc: dict[str, Any]) -> list[str]:
    """The summary in sentences (terminal, Markdown and HTML say the same)."""
    cur = doc["currency"]
    lines = [f"{doc['cells']:,} cells of '{doc['scenario']}': {_what(doc)}.",
             f"Status: {_status_text(doc)}."]
    nv = doc["net_value"]
    if nv is not None:
        lines.append(f"Optimal net value from {fmt.money(nv['min'], cur)} to "
                     f"{fmt.money(nv['max'], cur)} (P10 {fmt.money(nv['p10'], cur)}, "
                     f"P50 {fmt.money(nv['p50'], cur)}, P90 {fmt.money(nv['p90'], cur)}).")
        lines.append(f"Best cell {nv['best']['cell']} ({_overrides_text(nv['best']['overrides'])}): "
                     f"{fmt.money(nv['best']['net_value'], cur)}.")
        lines.append(f"Worst cell {nv['worst']['cell']} "
                     f"({_overrides_text(nv['worst']['overrides'])}): "
                     f"{fmt.money(nv['worst']['net_value'], cur)}.")
    else:
        lines.append("No cell has a plan.")
    fail = doc.get("first_failure")
    if fail:
        lines.append(f"First cell without a plan: {fail['cell']} ({fail['status']}): "
                     f"{fail['why'] or 'no reason given'}.")
    tor = doc["tornado"]
    if tor and tor["inputs"]:
        top = [r for r in tor["inputs"] if r["range"] is not None][:3]
        said = "; ".join(f"{r['input']} ({r['how']}) {fmt.money(r['range'], cur)}" for r in top)
        lines.append(f"Inputs that move the optimal net value most, one at a time: {said}.")
    return lines


def _effect_rows(doc: dict[str, Any]) -> list[list[str]]:
    cur = doc["currency"]
    return [[e["field"], str(e["value"]), f"{e['optimal']:,} of {e['cells']:,}",
             fmt.money(e["mean_net_value"], cur), fmt.money(e["min_net_value"], cur),
             fmt.money(e["max_net_value"], cur)] for e in doc["effects"]]


EFFECT_HEADERS = ["field", "value", "cells with a plan", "mean net value", "lowest", "highest"]
SPEND_HEADERS = ["group", "channel", "P10 spend", "P50 spend", "P90 spend", "funded in"]
TORNADO_HEADERS = ["input", "moved by", "net value lowered", "net value raised", "range",
                   "spend moved"]
BINDING_HEADERS = ["constraint", "binds in"]


def _spend_rows(doc: dict[str, Any]) -> list[list[str]]:
    cur = doc["currency"]
    return [[s["group"], s["channel"], fmt.money(s["p10"], cur), fmt.money(s["p50"], cur),
             fmt.money(s["p90"], cur), fmt.pct(s["funded"], 0)] for s in doc["spend"]]


def _tornado_rows(doc: dict[str, Any]) -> list[list[str]]:
    cur = doc["currency"]
    tor = doc["tornado"]
    return [[r["input"], r["how"], fmt.money(r["net_value_low"], cur),
             fmt.money(r["net_value_high"], cur), fmt.money(r["range"], cur),
             fmt.money(r["spend_moved"], cur)] for r in (tor["inputs"] if tor else [])]


def _binding_rows(doc: dict[str, Any]) -> list[list[str]]:
    return [[b["constraint"], fmt.pct(b["share"], 0)] for b in doc["binding"]]


def _sections(doc: dict[str, Any]) -> list[tuple[str, str, list[str], list[list[str]]]]:
    """(id, title, headers, rows) of each table of the summary."""
    out = []
    if doc["effects"]:
        out.append(("effects", "Each swept value: the cells with it", EFFECT_HEADERS,
                    _effect_rows(doc)))
    if doc["spend"]:
        out.append(("spend", "Optimal spend per channel across the cells", SPEND_HEADERS,
                    _spend_rows(doc)))
    if doc["binding"]:
        out.append(("binding", "Constraints that bind most often", BINDING_HEADERS,
                    _binding_rows(doc)))
    if doc["tornado"]:
        out.append(("tornado", "Tornado: one input at a time, re-optimised", TORNADO_HEADERS,
                    _tornado_rows(doc)))
    return out


def summary_markdown(doc: dict[str, Any], images: Sequence[str] = ()) -> str:
    from .markdown import esc, table

    out = [f"# Sweep: {esc(doc['scenario'])}", ""]
    out += [esc(line) for line in headline_lines(doc)]
    out.append("")
    for _, title, headers, rows in _sections(doc):
        out += [f"## {title}", "", table(headers, rows), ""]
    for image in images:
        out += [f"![{Path(image).stem}]({image})", ""]
    out.append("Every cell's row: sweep.parquet and sweep.csv.")
    return "\n".join(out) + "\n"


def summary_html(doc: dict[str, Any], svgs: dict[str, str]) -> str:
    from .html import CSS, table

    parts = [f"<header><h1>Sweep: {escape(doc['scenario'])}</h1></header><main>",
             '<section id="summary"><h2>Summary</h2>' +
             "".join(f"<p>{escape(line)}</p>" for line in headline_lines(doc)) + "</section>"]
    for key, title, headers, rows in _sections(doc):
        chart = svgs.get(key, "")
        figure = f'<figure class="chart" id="chart-{key}">{chart}</figure>' if chart else ""
        parts.append(f'<section id="{key}"><h2>{escape(title)}</h2>{figure}'
                     f"{table(headers, rows, (0, 1))}</section>")
    parts.append('<p class="note">Every cell\'s row: sweep.parquet and sweep.csv.</p></main>')
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Sweep: {escape(doc['scenario'])}</title><style>{CSS}</style></head><body>"
            + "".join(parts) + "</body></html>\n")
