"""Records -> rich renderables for a terminal. Cells are plain text (never markup), so a
name such as "[bold]" prints as written."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .cells import (
    BINDING_HEADERS,
    CHANNEL_HEADERS,
    COMPARISON_HEADERS,
    DROPPED_HEADERS,
    ESTIMATE_HEADERS,
    FIT_HEADERS,
    FRONTIER_HEADERS,
    PERIOD_HEADERS,
    RANGE_HEADERS,
    RISK_HEADERS,
    Record,
    Rows,
    binding_cells,
    channel_cells,
    comparison_cells,
    dropped_cells,
    estimate_cells,
    fit_cells,
    floor_probability_cells,
    frontier_cells,
    period_cells,
    range_cells,
    risk_cells,
    risk_intro,
    robust_floor_cells,
    robust_lines,
    saturation_text,
    totals_cells,
)

Renderables = list[Any]


def grid(title: str, headers: list[str], rows: Rows, text_columns: int = 1,
         no_wrap_first: bool = False, left: tuple[int, ...] = ()) -> Table:
    """A titled table: the first `text_columns` columns (and `left`) left-aligned, numbers
    right-aligned."""
    table = Table(title=Text(title), title_justify="left")
    for i, h in enumerate(headers):
        table.add_column(Text(h), justify="left" if i < text_columns or i in left else "right",
                         no_wrap=no_wrap_first and i == 0)
    for row in rows:
        table.add_row(*(Text(c) for c in row))
    return table


def plan_tables(doc: Record) -> Renderables:
    """Allocation, notes, periods, reasons, totals, binding constraints, what the current
    plan breaks, warnings."""
    sc = doc["scenario"]
    cur = sc["currency"]
    out: Renderables = []
    title = f"{sc['name']} — {doc['status']} ({doc['solver']}, inputs {sc['input_hash']})"
    if not doc["channels"]:
        out.append(f"[bold red]{escape(title)}[/]")
        out.append("[bold]No plan satisfies every constraint:[/]")
        out.extend(f"  • {escape(c)}" for c in doc["conflicts"])
        if doc["repairs"]:
            out.append("[bold]Any one of these changes makes it feasible:[/]")
            out.extend(f"  {i}. {escape(r['text'])}" for i, r in enumerate(doc["repairs"], 1))
    else:
        out.append(grid(title, CHANNEL_HEADERS, channel_cells(doc["channels"], cur),
                        no_wrap_first=True))
        out.extend(f"[cyan]note:[/] {escape(n)}" for n in doc["notes"])
        headers, spend_rows, kpi_rows = period_cells(doc, cur)
        for heading, heads, rows in (("Spend by period (media)", headers, spend_rows),
                                     ("Periods", PERIOD_HEADERS, kpi_rows)):
            if rows:
                out.append(grid(heading, heads, rows))
        why = Table(title="Why each channel got what it got", title_justify="left")
        why.add_column("Channel", no_wrap=True)
        why.add_column("Reason")
        for c in doc["channels"]:
            why.add_row(Text(str(c["name"])), Text(c["why"]))
        out.append(why)
        out.append(grid("Totals", ["", "Optimal", "Current"],
                        totals_cells(doc["totals"], doc["current"]["totals"], cur)))
        gain = "net value" if doc["objective"] == "net_value" else "objective"
        if not doc["binding"]:
            out.append("No constraint binds: the plan is limited only by profitability.")
        else:
            out.append(grid(f"Binding constraints (shadow price = {gain} of relaxing by one "
                            "unit)", BINDING_HEADERS, binding_cells(doc, cur)))
    if doc["current"]["violations"]:
        out.append("[yellow]The current plan breaks:[/]")
        out.extend(f"  • {escape(v)}" for v in doc["current"]["violations"])
    out.extend(f"[yellow]warning:[/] {escape(w)}" for w in doc["warnings"])
    return out


def comparison_tables(rows: list[Record], spend: list[Record],
                      conflicts: list[tuple[str, tuple[str, ...]]], cur: str) -> Renderables:
    """The comparison, spend by channel and scenario, and why each infeasible plan is."""
    spend_headers, cells, spend_rows = comparison_cells(rows, spend, cur)
    out: Renderables = [grid("Scenario comparison", COMPARISON_HEADERS, cells, 2),
                        grid("Spend by channel and scenario", spend_headers, spend_rows)]
    for name, reasons in conflicts:
        if reasons:
            out.append(f"[bold red]{escape(name)}[/] is infeasible:")
            out.extend(f"  • {escape(c)}" for c in reasons)
    return out


def frontier_tables(data: Record) -> Renderables:
    cur = data["scenario"]["currency"]
    out: Renderables = [grid(f"Budget frontier — {data['scenario']['name']}", FRONTIER_HEADERS,
                             frontier_cells(data["points"], cur), 0, left=(1, 8)),
                        Text(saturation_text(data, cur))]
    target = data.get("target")
    if target is not None:
        out.append(f"[bold]{escape(target['explanation'])}[/]")
        if target["channels"]:
            out.append(grid("Cheapest plan reaching the target", CHANNEL_HEADERS,
                            channel_cells(target["channels"], cur)))
    return out


def sensitivity_tables(data: Record) -> Renderables:
    inputs, cons = range_cells(data, data["scenario"]["currency"])
    return [grid("How far each input can move before the plan changes shape", RANGE_HEADERS[0],
                 inputs, 2),
            grid("Binding constraints: shadow price and where it holds", RANGE_HEADERS[1],
                 cons, 1)]


def risk_tables(data: Record, currency: str = "USD") -> Renderables:
    headers, floor_rows = floor_probability_cells(data)
    return [Text(risk_intro(data)),
            grid("Risk profile (P10 / P50 / P90 over the draws)", RISK_HEADERS,
                 risk_cells(data, currency), no_wrap_first=True),
            grid("P(channel keeps its CLV:CPA floor)", headers, floor_rows)]


def robust_tables(data: Record, has_uncertainty: bool) -> Renderables:
    floors = grid("Probability each floor holds (on the draws)",
                  ["Floor", "Robust plan", "Plain optimum"], robust_floor_cells(data))
    return [*plan_tables(data), *(Text(line) for line in robust_lines(data, has_uncertainty)),
            floors]


def estimate_tables(data: Record) -> Renderables:
    out: Renderables = [grid("Channel estimates (90% intervals)", ESTIMATE_HEADERS,
                             estimate_cells(data), left=(7,), no_wrap_first=True)]
    dropped = grid("Rows not used", DROPPED_HEADERS, dropped_cells(data, short_names=True),
                   2, left=(3,))
    out.append(dropped if data["dropped"] else "Every row was used.")
    if data["fits"]:
        out.append(grid("Diminishing returns fits", FIT_HEADERS, fit_cells(data),
                        len(FIT_HEADERS)))
    out.extend(f"[yellow]note:[/] {escape(n)}" for n in data["notes"])
    return out
