"""Records -> Markdown documents (plans, comparisons, frontiers, sensitivities, risk,
estimates, the report)."""

from __future__ import annotations

import re

from .. import fmt
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
    file_name,
    fit_cells,
    floor_probability_cells,
    lag_cells,
    pipeline_cells,
    risk_cells,
    risk_intro,
    robust_floor_cells,
    robust_lines,
)

CHART_TITLES = {"response": "Channel response: leads against spend",
                "risk": "Net value under uncertainty (P10 to P90)",
                "spend": "Current vs optimal spend", "operational": "Operational view",
                "strategic": "Strategic view", "comparison": "Net value by scenario",
                "frontier": "Budget frontier"}


_SPECIAL = re.compile(r"([\\`*\[\]{}<>|!#~]|(?<!\w)_|_(?!\w))")


def esc(text: object) -> str:
    """Text from the user's files (names, and the sentences that quote them) as Markdown
    shows it literally: a `|` adds no table cell, `<script>` is no HTML, `[x](javascript:)`
    and `![img](http://...)` are no link or image, a line break ends no row."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).splitlines()))


def table(headers: list[str], rows: Rows, left: tuple[int, ...] = (0,)) -> str:
    """A Markdown table, numbers right-aligned; the columns in `left` hold text."""
    right = ["---" if i in left else "---:" for i in range(len(headers))]
    lines = ["| " + " | ".join(esc(h) for h in headers) + " |",
             "| " + " | ".join(right) + " |"]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def plan_markdown(doc: Record) -> str:
    """A plan document (`records.plan_document`), with its comparison when it has one."""
    sc = doc["scenario"]
    cur = sc["currency"]
    out = [f"# Plan: {esc(sc['name'])}", ""]
    meta = [f"status **{doc['status']}**", f"budget {fmt.money(sc['budget'], cur)}",
            f"solver {doc['solver']}", f"inputs {sc['input_hash']}",
            f"chanopt {doc['package_version']}"]
    if sc["period"]:
        meta.insert(1, f"period {esc(sc['period'])}")
    out += [" · ".join(meta), "", f"**{esc(doc['headline'])}**", ""]
    out += [f"- {esc(n)}" for n in doc["notes"]] + ([""] if doc["notes"] else [])
    if doc["channels"] and doc["totals"] is not None:
        out += _optimal_sections(doc, cur)
    else:
        out += ["## No feasible plan", ""] + [f"- {esc(c)}" for c in doc["conflicts"]] + [""]
        out += _repair_lines(doc, "Any one of these changes makes the plan feasible:")
    out += ["## Current plan", "",
            table(channel_headers(doc["current"]["channels"]), channel_cells(doc["current"]["channels"], cur)), ""]
    if doc["current"]["violations"]:
        out += ["The current plan breaks these constraints:", ""]
        out += [f"- {esc(v)}" for v in doc["current"]["violations"]] + [""]
    if doc["warnings"]:
        out += ["## Warnings", ""] + [f"- {esc(w)}" for w in doc["warnings"]] + [""]
    if "comparison" in doc:
        others = [r for r in doc.get("infeasible", [])
                  if r["scenario"] != doc["scenario"]["name"]]
        out += [comparison_markdown(doc["comparison"], doc["spend_by_scenario"], cur, 2,
                                    others)]
    return "\n".join(out).rstrip() + "\n"


def _optimal_sections(doc: Record, cur: str) -> list[str]:
    out = ["## Optimal allocation", "", table(channel_headers(doc["channels"]), channel_cells(doc["channels"], cur)),
           ""]
    headers, spend_rows, kpi_rows = period_cells(doc, cur)
    if spend_rows:
        out += ["## Spend by period (media; fixed costs are per plan)", "",
                table(headers, spend_rows), "", "## Periods", "",
                table(PERIOD_HEADERS, kpi_rows), ""]
    cohorts = cohort_cells(doc, cur)
    if cohorts:
        out += ["## When customers close (cohorts)", "", table(COHORT_HEADERS, cohorts), ""]
    out += ["## Why each channel got what it got", ""]
    out += [f"- **{esc(c['name'])}**: {esc(c['why'])}" for c in doc["channels"]] + [""]
    rows = totals_cells(doc["totals"], doc["current"]["totals"], cur)
    out += ["## Totals", "", table(TOTALS_HEADERS, rows), ""]
    out += ["## Binding constraints", ""]
    if not doc["binding"]:
        out += ["None: the plan is limited only by profitability.", ""]
    else:
        out += [table(BINDING_HEADERS, binding_cells(doc, cur)), ""]
    return out


def comparison_markdown(rows: list[Record], spend: list[Record], cur: str,
                        heading_level: int = 1, infeasible: list[Record] | None = None) -> str:
    h = "#" * heading_level
    spend_headers, cells, spend_rows = comparison_cells(rows, spend, cur)
    out = [f"{h} Scenario comparison", "", table(COMPARISON_HEADERS, cells), "",
           f"{h} Spend by channel and scenario", "", table(spend_headers, spend_rows), ""]
    for bad in infeasible or []:
        out += [f"{h}# {esc(bad['scenario'])} is infeasible", "",
                *(f"- {esc(c)}" for c in bad["conflicts"]), ""]
        out += _repair_lines(bad, "Any one of these changes makes it feasible:")
    return "\n".join(out)


def _repair_lines(item: Record, heading: str) -> list[str]:
    """An infeasible plan's ranked repairs, and the note when their search stopped early."""
    lines: list[str] = []
    if item["repairs"]:
        lines += [heading, "", *(f"{i}. {esc(r['text'])}"
                                 for i, r in enumerate(item["repairs"], 1)), ""]
    if item.get("repairs_note"):
        lines += [f"Note: {esc(item['repairs_note'])}.", ""]
    return lines


def frontier_markdown(data: Record) -> str:
    cur = data["scenario"]["currency"]
    out = [f"# Budget frontier: {esc(data['scenario']['name'])}", "",
           table(FRONTIER_HEADERS, frontier_cells(data["points"], cur)), "",
           saturation_text(data, cur), ""]
    target = data.get("target")
    if target is not None:
        out += ["## Target", "", esc(target["explanation"]), ""]
        if target["channels"]:
            out += [table(channel_headers(target["channels"]), channel_cells(target["channels"], cur)), ""]
    return "\n".join(out)


def sensitivity_markdown(data: Record) -> str:
    inputs, cons = range_cells(data, data["scenario"]["currency"])
    return "\n".join([f"# Sensitivity: {esc(data['scenario']['name'])}", "",
                      "## How far each input can move before the plan changes shape", "",
                      table(range_headers(cons)[0], inputs), "",
                      "## Binding constraints: shadow price and where it holds", "",
                      table(range_headers(cons)[1], cons), ""])


def report_markdown(plan_doc: Record, images: list[str], frontier: Record | None,
                    sensitivity: Record | None, risk: Record | None = None) -> str:
    """The plan's Markdown report with the PNG charts, frontier, risk (when inputs are
    uncertain) and sensitivity appended."""
    out = [plan_markdown(plan_doc), "## Charts", ""]
    for path in images:
        key = path.rsplit("/", 1)[-1].removesuffix(".png")
        out += [f"![{CHART_TITLES.get(key, key)}]({path})", ""]
    if frontier is not None:
        out += [frontier_markdown(frontier).replace("# Budget frontier", "## Budget frontier", 1)]
    if risk is not None:
        out += [risk_markdown(risk, plan_doc["scenario"]["currency"])
                .replace("# Risk profile", "## Risk profile", 1).replace("\n## ", "\n### ")]
    if sensitivity is not None:
        out += [sensitivity_markdown(sensitivity).replace("# Sensitivity", "## Sensitivity", 1)
                .replace("\n## ", "\n### ")]
    return "\n".join(out).rstrip() + "\n"


def risk_markdown(data: Record, currency: str = "USD") -> str:
    headers, floor_rows = floor_probability_cells(data)
    out = ["# Risk profile", "", risk_intro(data), "",
           table(RISK_HEADERS, risk_cells(data, currency)), "",
           "## Probability that each funded channel keeps its CLV:CPA floor", "",
           table(headers, floor_rows) if floor_rows and len(headers) > 1
           else "No funded channel.", ""]
    return "\n".join(out)


def robust_markdown(data: Record, has_uncertainty: bool) -> str:
    lines = robust_lines(data, has_uncertainty)
    floors = table(ROBUST_FLOOR_HEADERS, robust_floor_cells(data))
    return (plan_markdown(data) + "\n## Robustness\n\n" +
            "\n".join(f"- {esc(line)}" for line in lines) + "\n\n" + floors + "\n")


def estimate_markdown(data: Record) -> str:
    out = ["# Channel estimates", ""]
    read = ", ".join(f"{file_name(f)}: {n:,} rows" for f, n in data["rows_read"].items())
    period = data["period"]
    out += [f"Read {read}." + (f" Period {period[0]} to {period[1]}." if period else ""), ""]
    out += [table(ESTIMATE_HEADERS, estimate_cells(data)), ""]
    out += ["## Rows not used", ""]
    out += ([table(DROPPED_HEADERS, dropped_cells(data))]
            if data["dropped"] else ["None: every row was used."]) + [""]
    if data["fits"]:
        out += ["## Diminishing returns (leads per period = L (1 - exp(-spend / k)))", ""]
        out += [table(FIT_HEADERS, fit_cells(data)), ""]
    lags = data.get("lags")
    if lags:
        out += [f"## Close lags (leads not closed by {lags['as_of']} censored, Kaplan-Meier)",
                "", f"Share of each channel's customers closing 0, 1, 2... "
                f"{lags['period_length']}s after the lead.", ""]
        out += [table(LAG_HEADERS, lag_cells(data), left=(0, 4, 5)), ""]
        if lags["pipeline"] is not None:
            out += [f"## Pipeline of open leads (plan starting {lags['plan_start']})", ""]
            rows = pipeline_cells(data)
            out += [table(PIPELINE_HEADERS, rows) if rows else
                    "No open lead can still close inside the fitted lags.", ""]
    if data["notes"]:
        out += ["## Notes", ""] + [f"- {esc(n)}" for n in data["notes"]] + [""]
    return "\n".join(out)
