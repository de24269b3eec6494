"""Records -> rich renderables for a terminal. Cells are plain text (never markup), so a
name such as "[bold]" prints as written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, ConsoleOptions
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .cells import (
    BINDING_HEADERS,
    COHORT_HEADERS,
    COMPARISON_HEADERS,
    FRONTIER_HEADERS,
    PERIOD_HEADERS,
    TOTALS_HEADERS,
    Record,
    Rows,
    binding_cells,
    channel_cells,
    channel_headers,
    cohort_cells,
    comparison_cells,
    frontier_cells,
    period_cells,
    range_cells,
    range_headers,
    saturation_text,
    totals_cells,
)
from .uncertain import (
    DROPPED_HEADERS,
    ESTIMATE_HEADERS,
    FIT_HEADERS,
    LAG_HEADERS,
    PIPELINE_HEADERS,
    RISK_HEADERS,
    ROBUST_FLOOR_HEADERS,
    dropped_cells,
    estimate_cells,
    fit_cells,
    floor_probability_cells,
    lag_cells,
    pipeline_cells,
    risk_cells,
    risk_intro,
    robust_floor_cells,
    robust_lines,
)

Renderables = list[Any]


@dataclass
class Grid:
    """A titled table that fits the terminal without cutting a value: when its columns are
    wider than the terminal, the first column (the row label) is repeated and the others
    continue in further tables; a text column (`wrap`) wraps rather than splits."""

    title: str
    headers: list[str]
    rows: Rows
    left: set[int] = field(default_factory=set)
    wrap: set[int] = field(default_factory=set)

    def _width(self, k: int) -> int:
        return max(len(self.headers[k]), *(len(r[k]) for r in self.rows)) if self.rows \
            else len(self.headers[k])

    def _table(self, title: str, columns: list[int], width: int) -> Table:
        table = Table(title=Text(title), title_justify="left")
        fixed = sum(self._width(k) + 3 for k in columns if k not in self.wrap) + 1
        for k in columns:
            wraps = k in self.wrap
            table.add_column(Text(self.headers[k]), justify="left" if k in self.left else "right",
                             no_wrap=not wraps, overflow="fold",
                             max_width=max(12, width - fixed - 3) if wraps else None)
        for row in self.rows:
            table.add_row(*(Text(row[k]) for k in columns))
        return table

    def chunks(self, width: int) -> list[list[int]]:
        """Columns per table: the label, then as many as fit (wrapping columns count short)."""
        need = {k: (12 if k in self.wrap else self._width(k)) + 3 for k in range(len(self.headers))}
        out, current = [], [0]
        used = 1 + need[0]
        for k in range(1, len(self.headers)):
            if used + need[k] > width and len(current) > 1:
                out.append(current)
                current, used = [0], 1 + need[0]
            current.append(k)
            used += need[k]
        out.append(current)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Table]:
        parts = self.chunks(options.max_width)
        for n, columns in enumerate(parts):
            title = self.title if n == 0 else "(continued)"
            yield self._table(title, columns, options.max_width)


def grid(title: str, headers: list[str], rows: Rows, text_columns: int = 1,
         no_wrap_first: bool = False, left: tuple[int, ...] = (),
         wrap: tuple[int, ...] = ()) -> Grid:
    """A titled table: the first `text_columns` columns (and `left`) left-aligned, numbers
    right-aligned; `wrap` columns hold text that may wrap."""
    del no_wrap_first  # labels never wrap
    return Grid(title, headers, rows, {i for i in range(len(headers))
                                       if i < text_columns or i in left}, set(wrap))


def plan_tables(doc: Record) -> Renderables:
    """Allocation, notes, periods, reasons, totals, binding constraints, what the current
    plan breaks, warnings."""
    sc = doc["scenario"]
    cur = sc["currency"]
    out: Renderables = []
    title = f"{sc['name']} — {doc['status']} ({doc['solver']}, inputs {sc['input_hash']})"
    out.append(f"[bold]{escape(doc['headline'])}[/]")
    if not doc["channels"]:
        out.append(f"[bold red]{escape(title)}[/]")
        out.append("[bold]No plan satisfies every constraint:[/]")
        out.extend(f"  • {escape(c)}" for c in doc["conflicts"])
        out.extend(_repair_lines(doc, "", "[bold]Any one of these changes makes it feasible:[/]"))
    else:
        out.append(grid(title, channel_headers(doc["channels"]), channel_cells(doc["channels"], cur),
                        no_wrap_first=True))
        out.extend(f"[cyan]note:[/] {escape(n)}" for n in doc["notes"])
        headers, spend_rows, kpi_rows = period_cells(doc, cur)
        for heading, heads, rows in (("Spend by period (media)", headers, spend_rows),
                                     ("Periods", PERIOD_HEADERS, kpi_rows),
                                     ("When customers close (cohorts)", COHORT_HEADERS,
                                      cohort_cells(doc, cur))):
            if rows:
                out.append(grid(heading, heads, rows))
        out.append(grid("Why each channel got what it got", ["Channel", "Reason"],
                        [[str(c["name"]), c["why"]] for c in doc["channels"]], 2, wrap=(1,)))
        out.append(grid("Totals", TOTALS_HEADERS,
                        totals_cells(doc["totals"], doc["current"]["totals"], cur)))
        gain = "net value" if doc["objective"] == "net_value" else "objective"
        if not doc["binding"]:
            out.append("No constraint binds: the plan is limited only by profitability.")
        else:
            out.append(grid(f"Binding constraints (shadow price: the {gain} of relaxing "
                            "each limit)", BINDING_HEADERS, binding_cells(doc, cur)))
    if doc["current"]["violations"]:
        out.append("[yellow]The current plan breaks:[/]")
        out.extend(f"  • {escape(v)}" for v in doc["current"]["violations"])
    out.extend(f"[yellow]warning:[/] {escape(w)}" for w in doc["warnings"])
    return out


def comparison_tables(rows: list[Record], spend: list[Record], infeasible: list[Record],
                      cur: str) -> Renderables:
    """The comparison, spend by channel and scenario, and for each infeasible plan why it
    is and the changes that would each make it feasible."""
    spend_headers, cells, spend_rows = comparison_cells(rows, spend, cur)
    out: Renderables = [grid("Scenario comparison", COMPARISON_HEADERS, cells, 2),
                        grid("Spend by channel and scenario", spend_headers, spend_rows)]
    for bad in infeasible:
        out.append(f"[bold red]{escape(bad['scenario'])}[/] is infeasible:")
        out.extend(f"  • {escape(c)}" for c in bad["conflicts"])
        out.extend(_repair_lines(bad, "  ", "  Any one of these changes makes it feasible:"))
    return out


def _repair_lines(item: Record, indent: str, heading: str) -> list[str]:
    """An infeasible plan's ranked repairs, and the note when their search stopped early."""
    lines: list[str] = []
    if item["repairs"]:
        lines.append(heading)
        lines += [f"{indent}  {i}. {escape(r['text'])}" for i, r in enumerate(item["repairs"], 1)]
    if item.get("repairs_note"):
        lines.append(f"{indent}[cyan]note:[/] {escape(item['repairs_note'])}")
    return lines


def frontier_tables(data: Record) -> Renderables:
    cur = data["scenario"]["currency"]
    out: Renderables = [grid(f"Budget frontier — {data['scenario']['name']}", FRONTIER_HEADERS,
                             frontier_cells(data["points"], cur), 0, left=(1, 8)),
                        Text(saturation_text(data, cur))]
    target = data.get("target")
    if target is not None:
        out.append(f"[bold]{escape(target['explanation'])}[/]")
        if target["channels"]:
            out.append(grid("Cheapest plan reaching the target",
                            channel_headers(target["channels"]),
                            channel_cells(target["channels"], cur)))
    return out


def sensitivity_tables(data: Record) -> Renderables:
    inputs, cons = range_cells(data, data["scenario"]["currency"])
    return [grid("How far each input can move before the plan changes shape", range_headers(cons)[0],
                 inputs, 2),
            grid("Binding constraints: shadow price and where it holds", range_headers(cons)[1],
                 cons, 1)]


def risk_tables(data: Record, currency: str = "USD") -> Renderables:
    headers, floor_rows = floor_probability_cells(data)
    return [Text(risk_intro(data)),
            grid("Risk profile (P10 / P50 / P90 over the draws)", RISK_HEADERS,
                 risk_cells(data, currency), no_wrap_first=True),
            grid("P(channel keeps its CLV:CPA floor)", headers, floor_rows)]


def robust_tables(data: Record, has_uncertainty: bool) -> Renderables:
    floors = grid("Probability each floor holds (on the draws)",
                  ROBUST_FLOOR_HEADERS, robust_floor_cells(data))
    return [*plan_tables(data), *(Text(line) for line in robust_lines(data, has_uncertainty)),
            floors]


def estimate_tables(data: Record) -> Renderables:
    out: Renderables = [grid("Channel estimates (90% intervals)", ESTIMATE_HEADERS,
                             estimate_cells(data), left=(7,), wrap=(7,), no_wrap_first=True)]
    dropped = grid("Rows not used", DROPPED_HEADERS, dropped_cells(data, short_names=True),
                   2, left=(3,))
    out.append(dropped if data["dropped"] else "Every row was used.")
    if data["fits"]:
        out.append(grid("Diminishing returns fits", FIT_HEADERS, fit_cells(data),
                        len(FIT_HEADERS), wrap=(6,)))
    lags = data.get("lags")
    if lags:
        out.append(grid(f"Close lags (leads not closed by {lags['as_of']} censored; share of "
                        f"customers closing 0, 1, 2... {lags['period_length']}s after the "
                        "lead)", LAG_HEADERS, lag_cells(data), 1, left=(4, 5), wrap=(4, 5)))
        if lags["pipeline"] is not None:
            rows = pipeline_cells(data)
            out.append(grid(f"Pipeline of open leads for a plan starting {lags['plan_start']}"
                            " (ages in periods before it)", PIPELINE_HEADERS, rows) if rows else
                       "Pipeline: no open lead can still close inside the fitted lags.")
    out.extend(f"[yellow]note:[/] {escape(n)}" for n in data["notes"])
    return out
