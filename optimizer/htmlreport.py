"""A single self-contained HTML report: inline CSS and SVG charts, no script, no network.

Two views as the seed articles recommend: an operational one (CPL, conversion, leads by
channel) and a strategic one (CPA, CLV, CLV:CPA, ROI, net value).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from . import charts, fmt
from . import report as text
from ._version import __version__
from .compare import Comparison
from .frontier import Frontier
from .planner import PlanResult
from .ranging import Ranging
from .repair import Suggestion


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows; only `result` is required."""

    result: PlanResult
    comparison: Comparison | None = None
    frontier: Frontier | None = None
    ranging: Ranging | None = None
    repairs: tuple[Suggestion, ...] = ()


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2733;background:#f6f8fa}
header{background:#1f6fb2;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.9;font-size:14px}nav{padding:8px 28px;background:#e8eef4;font-size:14px}
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


def _table(headers: list[str], rows: list[list[str]], text_cols: tuple[int, ...] = ()) -> str:
    head = "".join(f'<th class="text">{escape(h)}</th>' if i in text_cols else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="text">{escape(c)}</td>' if i in text_cols
                         else f"<td>{escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _chart(chart_id: str, fig) -> str:
    return f'<figure class="chart" id="chart-{chart_id}">{charts.to_svg(fig)}</figure>'


def _list(items) -> str:
    return "<ul>" + "".join(f"<li>{escape(str(i))}</li>" for i in items) + "</ul>"


def render_html(data: ReportData) -> str:
    r = data.result
    sc = r.scenario
    cur = sc.currency
    ok = r.channels is not None
    status = f'<span class="pill{"" if ok else " bad"}">{escape(str(r.status))}</span>'
    sections: list[tuple[str, str, str]] = []  # (id, title, html)

    # summary
    parts = []
    if ok and r.totals is not None:
        parts.append(_table(["", "Optimal", "Current"],
                            text.totals_cells(r.totals, r.current_totals, cur)))
        binding = r.binding
        if not binding.empty:
            parts.append("<h3>Binding constraints and shadow prices</h3>")
            parts.append(_table(["Constraint", "Limit", "Shadow price"],
                                [[b.constraint, fmt.plain(b.limit),
                                  f"{fmt.money(b.shadow_price, cur, 2)} {b.unit}"]
                                 for b in binding.itertuples()], (0, 2)))
    else:
        parts.append('<h3 class="bad">No plan satisfies every constraint</h3>' + _list(r.conflicts))
        if data.repairs:
            parts.append("<h3>Any one of these changes makes it feasible</h3>")
            parts.append("<ol>" + "".join(f"<li>{escape(s.text)}</li>" for s in data.repairs) + "</ol>")
    if r.current_violations:
        parts.append("<h3>The current plan breaks</h3>" + _list(r.current_violations))
    if r.warnings:
        parts.append("<h3>Warnings</h3>" + _list(r.warnings))
    notes = text.solution_notes(r)
    if notes:
        parts.append("<h3>How this optimum was found</h3>" + _list(notes))
    sections.append(("summary", "Summary", "".join(parts)))

    # allocation
    frame = r.channels if ok else r.current_channels
    if ok:
        rows = [[str(n), fmt.money(c.spend, cur), fmt.money(c.current_spend, cur),
                 fmt.money(c.change, cur), fmt.pct(c.share), str(c.why)]
                for n, c in frame.iterrows()]
    else:  # no plan: show the current one only, never a clipped allocation
        rows = [[str(n), "—", fmt.money(c.current_spend, cur), "—", "—", "no feasible plan"]
                for n, c in frame.iterrows()]
    sections.append(("allocation", "Current vs optimal spend",
                     _chart("spend", charts.spend_chart(r)) +
                     _table(["Channel", "Optimal", "Current", "Change", "Share", "Why"], rows, (0, 5))))

    headers, spend_rows, kpi_rows = text.period_cells(r)
    if spend_rows:
        sections.append(("periods", "Periods",
                         "<h3>Media spend by period</h3>" + _table(headers, spend_rows, (0,)) +
                         "<h3>Per-period KPIs</h3>" +
                         _table(text.PERIOD_HEADERS, kpi_rows, (0,))))

    # operational view
    rows = [[str(n), fmt.money(c.cpl, cur, 2), fmt.money(c.marginal_cpl, cur, 2),
             fmt.pct(sc.channel(str(n)).lead_to_close, 2), fmt.num(c.leads, 1),
             fmt.num(c.sqls, 1), fmt.num(c.customers, 2)] for n, c in frame.iterrows()]
    sections.append(("operational", "Operational view: cost and volume of leads",
                     _chart("operational", charts.operational_chart(r)) +
                     _table(["Channel", "CPL", "Marginal CPL", "Lead-to-close", "Leads", "SQLs",
                             "Customers"], rows, (0,))))

    # strategic view
    rows = [[str(n), fmt.money(c.cpa, cur), fmt.money(c.clv, cur), fmt.ratio(c.clv_to_cpa),
             fmt.pct(c.roi), fmt.money(c.value, cur), fmt.money(c.net_value, cur)]
            for n, c in frame.iterrows()]
    sections.append(("strategic", "Strategic view: what customers cost and are worth",
                     _chart("strategic", charts.strategic_chart(r)) +
                     _table(["Channel", "CPA", "CLV", "CLV:CPA", "ROI", "Value", "Net value"],
                            rows, (0,))))

    if data.comparison is not None:
        cmp_ = data.comparison
        rows, spend_rows = text.comparison_cells(cmp_)
        sections.append(("comparison", "Scenario comparison",
                         _chart("comparison", charts.comparison_chart(cmp_)) +
                         _table(text.COMPARISON_HEADERS, rows, (0, 1)) +
                         "<h3>Spend by channel and scenario</h3>" +
                         _table(["Channel", *map(str, cmp_.spend.columns)], spend_rows, (0,))))

    if data.frontier is not None:
        front = data.frontier
        sat = (f"Saturation at {fmt.money(front.saturation_budget, cur)}: "
               if front.saturation_budget is not None else "") + front.saturation_reason
        sections.append(("frontier", "Budget frontier",
                         _chart("frontier", charts.frontier_chart(front)) +
                         f'<p class="note">{escape(sat)}</p>' +
                         _table(text.FRONTIER_HEADERS, text.frontier_cells(front, cur), (1, 8))))

    if data.ranging is not None:
        inputs, cons = text.range_cells(data.ranging)
        sections.append(("sensitivity", "Sensitivity",
                         "<h3>How far each input can move before the plan changes shape</h3>" +
                         _table(text.RANGE_HEADERS[0], inputs, (0, 1)) +
                         "<h3>Where each shadow price holds</h3>" +
                         _table(text.RANGE_HEADERS[1], cons, (0, 2))))

    sections.append(("inputs", "Inputs", _inputs(data)))

    nav = "".join(f'<a href="#{sid}">{escape(title.split(":")[0])}</a>' for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{escape(title)}</h2>{html}</section>'
                   for sid, title, html in sections)
    meta = " · ".join(escape(p) for p in [
        f"budget {fmt.money(sc.budget, cur)}", *( [f"period {sc.period}"] if sc.period else []),
        f"solver {r.solver}", f"inputs {sc.input_hash}", f"chanopt {__version__}"])
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(sc.name)} — chanopt report</title><style>{CSS}</style></head>"
            f"<body><header><h1>{escape(sc.name)} {status}</h1><p>{meta}</p></header>"
            f"<nav>{nav}</nav><main>{body}</main></body></html>\n")


def _inputs(data: ReportData) -> str:
    sc = data.result.scenario
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
    return (_table(["Channel", "CPL (tiers)", "Lead-to-close", "Lead-to-SQL", "CLV", "Current",
                    "Min", "Max", "CLV:CPA floor"], rows, (0, 1)) +
            _table(["Constraint", "Setting"], cons, (0, 1)) +
            f'<p class="note">Input hash <code>{escape(sc.input_hash)}</code>'
            f"{' — files read:</p><ul>' + files + '</ul>' if files else '</p>'}")


def _period_settings(p, cur: str) -> str:
    parts = [f"budget {fmt.money(p.budget, cur)}"] if p.budget is not None else []
    parts += [f"CPL x{p.cpl_multiplier:g}"] if p.cpl_multiplier != 1 else []
    parts += [f"{name} CPL x{m:g}" for name, m in p.channel_cpl_multipliers]
    parts += [f"capacity x{p.capacity_multiplier:g}"] if p.capacity_multiplier != 1 else []
    parts += [f"{name} {fmt.money(lo, cur)} to {fmt.money(hi, cur)}"
              for name, lo, hi in p.channel_bounds]
    return ", ".join(parts) or "as the whole plan"


def _opt(value: float | None) -> str:
    return "none" if value is None else fmt.plain(value)

