"""A single self-contained HTML report: inline CSS and SVG charts, no script, no network.

Two views as the seed articles recommend: an operational one (CPL, conversion, leads by
channel) and a strategic one (CPA, CLV, CLV:CPA, ROI, net value).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from .. import fmt
from .._version import __version__
from . import charts
from .cells import (
    BINDING_HEADERS,
    COHORT_HEADERS,
    COHORT_NOTE,
    COMPARISON_HEADERS,
    FRONTIER_HEADERS,
    PERIOD_HEADERS,
    TOTALS_HEADERS,
    Record,
    Rows,
    binding_cells,
    cohort_cells,
    comparison_cells,
    frontier_cells,
    period_cells,
    range_cells,
    range_headers,
    saturation_text,
    totals_cells,
)
from .uncertain import RISK_HEADERS, floor_probability_cells, risk_cells, risk_intro

if TYPE_CHECKING:
    from ..scenario.model import Period, Scenario
    from .bundle import ReportData


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2733;background:#f6f8fa}
header{background:#1f6fb2;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.9;font-size:14px}header p.headline{margin-top:8px;font-size:16px;opacity:1;font-weight:600}nav{padding:8px 28px;background:#e8eef4;font-size:14px}
nav a{margin-right:16px;color:#1f6fb2;text-decoration:none}main{padding:8px 28px 40px;max-width:1200px}
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:16px 20px;margin:16px 0}
h2{font-size:18px;margin:0 0 10px}h3{font-size:15px;margin:14px 0 8px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 10px}
th,td{padding:4px 10px;border-bottom:1px solid #e6ebf0;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f0f4f8}td.text,th.text{text-align:left}
figure.chart{margin:8px 0;max-width:900px}figure.chart svg{width:100%;height:auto}
.bad{color:#b3261e}.note{color:#5a6b7b;font-size:13px}.pill{display:inline-block;padding:1px 8px;
border-radius:10px;background:#e3f1e6;color:#1b5e20;font-size:12px}.pill.bad{background:#fbe4e4}
"""


def table(headers: list[str], rows: Rows, text_cols: tuple[int, ...] = ()) -> str:
    head = "".join(f'<th class="text">{escape(h)}</th>' if i in text_cols else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="text">{escape(c)}</td>' if i in text_cols
                         else f"<td>{escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _chart(chart_id: str, fig: Any) -> str:
    return f'<figure class="chart" id="chart-{chart_id}">{charts.to_svg(fig, f"chanopt-{chart_id}")}</figure>'


def _list(items: list[str] | tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li>{escape(str(i))}</li>" for i in items) + "</ul>"


def render_html(data: ReportData) -> str:
    """The whole report as one self-contained page (records from `data.records()`)."""
    doc = data.plan_doc()
    sc = doc["scenario"]
    cur = sc["currency"]
    ok = bool(doc["channels"])
    pill = f'<span class="pill{"" if ok else " bad"}">{escape(str(doc["status"]))}</span>'
    sections: list[tuple[str, str, str]] = [("summary", "Summary", _summary(doc, cur))]
    sections += _plan_sections(data, doc, cur)
    if data.comparison is not None:
        headers, rows, spend_rows = comparison_cells(doc["comparison"], doc["spend_by_scenario"],
                                                     cur)
        sections.append(("comparison", "Scenario comparison",
                         _chart("comparison", charts.comparison_chart(data.comparison)) +
                         table(COMPARISON_HEADERS, rows, (0, 1)) +
                         "<h3>Spend by channel and scenario</h3>" +
                         table(headers, spend_rows, (0,)) + _infeasible(doc)))
    front = data.frontier_doc()
    if front is not None and data.frontier is not None:
        sections.append(("frontier", "Budget frontier",
                         _chart("frontier", charts.frontier_chart(data.frontier)) +
                         f'<p class="note">{escape(saturation_text(front, cur))}</p>' +
                         table(FRONTIER_HEADERS, frontier_cells(front["points"], cur), (1, 8))))
    sections += _risk_section(data, cur)
    sens = data.sensitivity_doc()
    if sens is not None:
        inputs, cons = range_cells(sens, cur)
        sections.append(("sensitivity", "Sensitivity",
                         "<h3>How far each input can move before the plan changes shape</h3>" +
                         table(range_headers(cons)[0], inputs, (0, 1)) +
                         "<h3>Where each shadow price holds</h3>" +
                         table(range_headers(cons)[1], cons, (0, 2))))
    sections.append(("inputs", "Inputs", _inputs(data.result.scenario)))
    nav = "".join(f'<a href="#{sid}">{escape(title.split(":")[0])}</a>'
                  for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{escape(title)}</h2>{html}</section>'
                   for sid, title, html in sections)
    meta = " · ".join(escape(p) for p in [
        f"budget {fmt.money(sc['budget'], cur)}", *([f"period {sc['period']}"] if sc["period"]
                                                     else []),
        f"solver {doc['solver']}", f"inputs {sc['input_hash']}", f"chanopt {__version__}"])
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(sc['name'])} — chanopt report</title><style>{CSS}</style></head>"
            f"<body><header><h1>{escape(sc['name'])} {pill}</h1><p>{meta}</p>"
            f'<p class="headline" id="headline">{escape(doc["headline"])}</p></header>'

            f"<nav>{nav}</nav><main>{body}</main></body></html>\n")


def _infeasible(doc: Record) -> str:
    """Each infeasible variant: why, and the changes that would each make it feasible."""
    parts = []
    for bad in doc.get("infeasible", []):
        if bad["scenario"] == doc["scenario"]["name"]:
            continue  # the head plan's own conflicts are in its summary
        parts.append(f'<h3 class="bad">{escape(bad["scenario"])} is infeasible</h3>' +
                     _list(bad["conflicts"]))
        parts += _repair_parts(bad, "<p>Any one of these changes makes it feasible:</p>")
    return "".join(parts)


def _repair_parts(item: Record, heading: str) -> list[str]:
    """An infeasible plan's ranked repairs, and the note when their search stopped early."""
    parts: list[str] = []
    if item["repairs"]:
        parts.append(heading + "<ol>" + "".join(f"<li>{escape(r['text'])}</li>"
                                                 for r in item["repairs"]) + "</ol>")
    if item.get("repairs_note"):
        parts.append(f'<p class="note">Note: {escape(item["repairs_note"])}.</p>')
    return parts


def _summary(doc: Record, cur: str) -> str:
    parts = []
    if doc["channels"] and doc["totals"] is not None:
        parts.append(table(TOTALS_HEADERS,
                            totals_cells(doc["totals"], doc["current"]["totals"], cur)))
        if doc["binding"]:
            parts.append("<h3>Binding constraints and shadow prices</h3>")
            parts.append(table(BINDING_HEADERS, binding_cells(doc, cur), (0, 2)))
    else:
        parts.append('<h3 class="bad">No plan satisfies every constraint</h3>' +
                     _list(doc["conflicts"]))
        parts += _repair_parts(doc, "<h3>Any one of these changes makes it feasible</h3>")
    if doc["current"]["violations"]:
        parts.append("<h3>The current plan breaks</h3>" + _list(doc["current"]["violations"]))
    if doc["warnings"]:
        parts.append("<h3>Warnings</h3>" + _list(doc["warnings"]))
    if doc["notes"]:
        parts.append("<h3>How this optimum was found</h3>" + _list(doc["notes"]))
    return "".join(parts)


def _plan_sections(data: ReportData, doc: Record, cur: str) -> list[tuple[str, str, str]]:
    r = data.result
    ok = bool(doc["channels"])
    frame = doc["channels"] if ok else doc["current"]["channels"]
    if ok:
        rows = [[str(c["name"]), fmt.money(c["spend"], cur), fmt.money(c["current_spend"], cur),
                 fmt.signed_money(c["change"], cur), fmt.pct(c["share"]), str(c["why"])]
                for c in frame]
    else:  # no plan: show the current one only, never a clipped allocation
        rows = [[str(c["name"]), "—", fmt.money(c["current_spend"], cur), "—", "—",
                 "no feasible plan"] for c in frame]
    out = [("allocation", "Current vs optimal spend",
            _chart("spend", charts.spend_chart(r)) +
            table(["Channel", "Optimal", "Current", "Change", "Share", "Why"], rows, (0, 5)))]
    out.append(("response", "Channel response: leads against spend",
                _chart("response", charts.response_chart(r)) +
                '<p class="note">Each channel\'s leads for its spend (its tiers, or its '
                'response curve); dashed: current spend, solid: optimal spend.</p>'))
    headers, spend_rows, kpi_rows = period_cells(doc, cur)
    if spend_rows:
        out.append(("periods", "Periods",
                    "<h3>Media spend by period</h3>" + table(headers, spend_rows, (0,)) +
                    "<h3>Per-period KPIs</h3>" + table(PERIOD_HEADERS, kpi_rows, (0,))))
    cohorts = cohort_cells(doc, cur)
    if cohorts:
        out.append(("cohorts", "When customers close",
                    f'<p class="note">{escape(COHORT_NOTE)}</p>' +
                    table(COHORT_HEADERS, cohorts, (0,))))
    sc = r.scenario
    rows = [[str(c["name"]), fmt.money(c["cpl"], cur, 2), fmt.money(c["marginal_cpl"], cur, 2),
             fmt.pct(sc.channel(str(c["name"])).lead_to_close, 2), fmt.num(c["leads"], 1),
             fmt.num(c["sqls"], 1), fmt.num(c["customers"], 2)] for c in frame]
    out.append(("operational", "Operational view: cost and volume of leads",
                _chart("operational", charts.operational_chart(r)) +
                table(["Channel", "CPL", "Marginal CPL", "Lead-to-close", "Leads", "SQLs",
                        "Expected customers"], rows, (0,))))
    rows = [[str(c["name"]), fmt.money(c["cpa"], cur), fmt.money(c["clv"], cur),
             fmt.ratio(c["clv_to_cpa"]), fmt.pct(c["roi"]), fmt.money(c["value"], cur),
             fmt.money(c["net_value"], cur)] for c in frame]
    out.append(("strategic", "Strategic view: what customers cost and are worth",
                _chart("strategic", charts.strategic_chart(r)) +
                table(["Channel", "CPA", "CLV", "CLV:CPA", "ROI", "Value", "Net value"], rows,
                       (0,))))
    return out


def _risk_section(data: ReportData, cur: str) -> list[tuple[str, str, str]]:
    """When inputs are uncertain: the fan of net value and the floor probabilities."""
    if data.risk is None:
        return []
    doc = data.risk_doc()
    assert doc is not None
    headers, floor_rows = floor_probability_cells(doc)
    return [("risk", "Risk: the plans under uncertain inputs",
             f'<p class="note">{escape(risk_intro(doc))}</p>' +
             _chart("risk", charts.risk_chart(data.risk, cur)) +
             table(RISK_HEADERS, risk_cells(doc, cur), (0,)) +
             "<h3>Probability each channel keeps its CLV:CPA floor</h3>" +
             table(headers, floor_rows, (0,)))]


def _inputs(sc: Scenario) -> str:
    cur = sc.currency
    rows = []
    for ch in sc.channels:
        tiers = ", ".join(f"{fmt.money(t.cpl, cur, 2)} to {fmt.money(t.up_to, cur)}"
                          for t in ch.tiers) if len(ch.tiers) > 1 else fmt.money(ch.cpl, cur, 2)
        if ch.response is not None:
            resp = ch.response
            tiers = (f"{resp.curve} curve: max {fmt.num(resp.max_leads)} leads, scale "
                     f"{fmt.money(resp.scale, cur)}"
                     + (f", shape {resp.shape:g}" if resp.curve == "hill" else ""))
        extras = [f"fixed cost {fmt.money(ch.fixed_cost, cur)}"] if ch.fixed_cost else []
        extras += [f"min buy {fmt.money(ch.min_buy, cur)}"] if ch.min_buy else []
        extras += [f"units of {fmt.money(ch.unit, cur)}"] if ch.unit else []
        if extras:
            tiers += "; " + ", ".join(extras)
        floor = sc.floor_of(ch)
        rows.append([ch.name, tiers, fmt.pct(ch.lead_to_close, 2),
                     fmt.pct(ch.lead_to_sql, 2) if ch.lead_to_sql is not None else "—",
                     fmt.money(ch.clv, cur), fmt.money(ch.current_spend, cur),
                     fmt.money(ch.min_spend, cur), fmt.money(ch.max_spend, cur),
                     fmt.plain(floor) if floor is not None else "none"])
    c = sc.constraints
    cons = [["use_full_budget", str(sc.use_full_budget).lower()],
            ["min_clv_to_cpa", _opt(c.min_clv_to_cpa)],
            ["min_blended_clv_to_cpa", _opt(c.min_blended_clv_to_cpa)],
            ["max_change", fmt.pct(c.max_change, 0) if c.max_change is not None else "none"],
            ["max_leads", _opt(c.max_leads)], ["max_sqls", _opt(c.max_sqls)],
            ["max_customers", _opt(c.max_customers)],
            ["objective", sc.objective + (f" (target {sc.target[0]} {fmt.plain(sc.target[1])})"
                                          if sc.target else "")]]
    cons += [[key, _opt(value)] for key, value in (
        ("max_active_channels", c.max_active_channels), ("max_period_change", c.max_period_change),
        ("max_period_share", c.max_period_share)) if value is not None]
    cons += [[f"period {p.name}", _period_settings(p, cur)] for p in sc.periods]
    cons += [[f"group {g.name}", f"{', '.join(g.channels)}: share "
              f"{fmt.pct(g.min_share) if g.min_share is not None else '0%'} to "
              f"{fmt.pct(g.max_share) if g.max_share is not None else '100%'}"]
             for g in c.groups]
    files = "".join(f"<li><code>{escape(str(p))}</code></li>" for p in sc.inputs)
    return (table(["Channel", "CPL (tiers)", "Lead-to-close", "Lead-to-SQL", "CLV", "Current",
                    "Min", "Max", "CLV:CPA floor"], rows, (0, 1)) +
            table(["Constraint", "Setting"], cons, (0, 1)) +
            f'<p class="note">Input hash <code>{escape(sc.input_hash)}</code>'
            f"{' — files read:</p><ul>' + files + '</ul>' if files else '</p>'}")


def _period_settings(p: Period, cur: str) -> str:
    parts = [f"budget {fmt.money(p.budget, cur)}"] if p.budget is not None else []
    parts += [f"CPL x{p.cpl_multiplier:g}"] if p.cpl_multiplier != 1 else []
    parts += [f"{name} CPL x{m:g}" for name, m in p.channel_cpl_multipliers]
    parts += [f"capacity x{p.capacity_multiplier:g}"] if p.capacity_multiplier != 1 else []
    parts += [f"{name} {fmt.money(lo, cur)} to {fmt.money(hi, cur)}"
              for name, lo, hi in p.channel_bounds]
    return ", ".join(parts) or "as the whole plan"


def _opt(value: float | None) -> str:
    return "none" if value is None else fmt.plain(value)

