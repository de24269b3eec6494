"""What the planner page shows, computed from a state without Shiny: `plan_page` plans the
page's scenario and renders every output as HTML, from the same records (`plan_dict`,
`comparison_records`, `frontier_dict`, `risk_dict`) and cells as the other views."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import fmt
from ..errors import Problem, ScenarioError
from ..render import svg
from ..render.cells import (
    BINDING_HEADERS,
    COHORT_HEADERS,
    COHORT_NOTE,
    COMPARISON_HEADERS,
    TOTALS_HEADERS,
    binding_cells,
    cohort_cells,
    comparison_cells,
    totals_cells,
)
from ..render.html import table
from .state import PageProblem, PageState, changes
from .whatif import Start, page_scenario, resolved

if TYPE_CHECKING:
    from ..analysis.compare import Comparison
    from ..analysis.frontier import Frontier
    from ..analysis.repair import Suggestion
    from ..analysis.risk import RiskProfile
    from ..results.plan import PlanResult
    from ..scenario.model import Scenario

RISK_DRAWS = 2000
"""Draws of the uncertain inputs behind the page's risk fan (the CLI's `risk` takes 10,000)."""
FRONTIER_POINTS = 15
MAX_REPAIRS = 8
"""Repairs offered (each with its Apply button, `repair_<k>`)."""
PLAN_HEADERS = ["Channel", "Current", "Optimal", "Change", "Leads", "Customers", "CPA",
                "CLV:CPA", "Why"]


@dataclass(frozen=True, eq=False)
class Page:
    """One state of the page: its scenario and overrides, the plan and each output's HTML;
    `problems` instead when the inputs make no scenario."""

    overrides: dict[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    scenario: Scenario | None = None
    result: PlanResult | None = None
    repairs: tuple[Suggestion, ...] = ()
    frontier: Frontier | None = None
    risk: RiskProfile | None = None
    comparison: Comparison | None = None
    doc: dict[str, Any] = field(default_factory=dict)
    html: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """The inputs make a scenario and it was planned (feasible or not)."""
        return self.result is not None

    @property
    def net_value(self) -> str:
        return self.html.get("net_value", "")


def plan_page(start: Start, state: PageState, others: Sequence[PlanResult] = ()) -> Page:
    """Plan what the page's inputs say and render it; `others` are the file's variants,
    planned once, shown beside this plan."""
    from ..analysis.compare import compare
    from ..analysis.repair import suggest_repairs
    from ..analysis.risk import risk_profile
    from ..render import records
    from ..results.plan import optimize

    began = time.perf_counter()
    try:
        overrides = changes(start.scenario, state)
        if start.variant:
            overrides = resolved(start, overrides)
    except PageProblem as exc:
        return Page(problems=(exc.problem,), seconds=time.perf_counter() - began)
    try:
        scenario = page_scenario(start, overrides)
    except ScenarioError as exc:
        return Page(overrides, exc.problems, seconds=time.perf_counter() - began)
    result = optimize(scenario)
    repairs = () if result.channel_table is not None else suggest_repairs(
        scenario, limit=MAX_REPAIRS)
    frontier = None
    if result.channel_table is not None:
        frontier = frontier_of(scenario, start.scenario.budget)
    risk = None
    if result.channel_table is not None and any(c.uncertainty for c in scenario.channels):
        risk = risk_profile([result], draws=RISK_DRAWS)
    comparison = compare([result, *others]) if others else None
    doc = records.plan_dict(result, repairs)
    page = Page(overrides, (), scenario, result, repairs, frontier, risk, comparison, doc)
    return replace(page, html=render_outputs(page), seconds=time.perf_counter() - began)


_FRONTIERS: dict[tuple[str, float, float], Frontier] = {}


def frontier_of(scenario: Scenario, start_budget: float) -> Frontier:
    """The budget frontier from 25% to 200% of the starting budget (twice as far for every
    doubling the budget itself goes past it). It does not depend on the scenario's own
    budget, so moving only the budget redraws the mark, not the curve: frontiers are kept
    by the scenario's input hash with the budget left out (the last 32)."""
    from ..analysis.frontier import budget_frontier

    stop = 2.0 * start_budget
    while scenario.budget > stop:
        stop *= 2.0
    key = (scenario.with_budget(start_budget).input_hash, 0.25 * start_budget, stop)
    found = _FRONTIERS.get(key)
    if found is None:
        found = budget_frontier(scenario, start=key[1], stop=stop, points=FRONTIER_POINTS)
        if len(_FRONTIERS) >= 32:
            _FRONTIERS.pop(next(iter(_FRONTIERS)))
        _FRONTIERS[key] = found
    return replace(found, scenario=scenario)  # the points are shared, the budget is this one


# ------------------------------------------------------------------------------ outputs


def render_outputs(page: Page) -> dict[str, str]:
    """Every output's HTML (or text) by its element id."""
    assert page.result is not None
    doc, cur = page.doc, page.result.scenario.currency
    totals = doc["totals"]
    out = {"headline": doc["headline"],
           "net_value": "—" if totals is None else fmt.money(totals["net_value"], cur),
           "plan_table": _plan_table(doc, cur),
           "kpis": _kpis(doc, cur),
           "binding": _binding(doc, cur),
           "spend_chart": _spend_chart(page.result),
           "frontier_chart": _frontier(page.frontier, page.result.scenario),
           "response_chart": _responses(page.result),
           "comparison": _comparison(page.comparison, cur),
           "risk": _risk(page.risk, cur),
           "cohorts": _cohorts(doc, cur),
           "infeasible": _infeasible(doc)}
    return out


def _plan_table(doc: dict[str, Any], cur: str) -> str:
    if not doc["channels"]:
        rows = [[str(c["name"]), fmt.money(c["current_spend"], cur), "—", "—", "—", "—", "—",
                 "—", "no feasible plan"] for c in doc["current"]["channels"]]
    else:
        rows = [[str(c["name"]), fmt.money(c["current_spend"], cur), fmt.money(c["spend"], cur),
                 fmt.signed_money(c["change"], cur), fmt.num(c["leads"], 1),
                 fmt.num(c["customers"], 2), fmt.money(c["cpa"], cur),
                 fmt.ratio(c["clv_to_cpa"]), str(c["why"])] for c in doc["channels"]]
    return table(PLAN_HEADERS, rows, (0, 8))


def _kpis(doc: dict[str, Any], cur: str) -> str:
    if doc["totals"] is None:
        return ""
    parts = [table(TOTALS_HEADERS, totals_cells(doc["totals"], doc["current"]["totals"], cur))]
    for note in doc["notes"]:
        parts.append(f'<p class="note">{escape(note)}</p>')
    if doc["current"]["violations"]:
        parts.append('<p class="note">The current plan breaks: ' +
                     escape("; ".join(doc["current"]["violations"])) + "</p>")
    return "".join(parts)


def _binding(doc: dict[str, Any], cur: str) -> str:
    if doc["totals"] is None:
        return ""
    if not doc["binding"]:
        return '<p class="note">No constraint binds: every limit has room to spare.</p>'
    return table(BINDING_HEADERS, binding_cells(doc, cur), (0, 2))


def _cohorts(doc: dict[str, Any], cur: str) -> str:
    """When the plan's customers close, period by period and after the window (scenarios
    with timing; empty otherwise and for an infeasible plan). The notes it supports are in
    the KPIs' notes."""
    rows = cohort_cells(doc, cur)
    if not rows or doc["totals"] is None:
        return ""
    return f'<p class="note">{escape(COHORT_NOTE)}</p>' + table(COHORT_HEADERS, rows, (0,))


def _spend_chart(result: PlanResult) -> str:
    now = result.current_table
    names = [str(n) for n in now.index]
    best = None if result.channel_table is None else [float(v) for v in
                                                        result.channel_table["spend"]]
    chart = svg.spend_bars(names, [float(v) for v in now["spend"]], best,
                           result.scenario.currency)
    return f'<figure class="chart">{chart}<figcaption>{svg.LEGEND}</figcaption></figure>'


def _frontier(front: Frontier | None, scenario: Scenario) -> str:
    if front is None:
        return ""
    pts = front.points
    budgets = pts["budget"].to_numpy(dtype=float)
    values = pts["net_value"].to_numpy(dtype=float)
    chart = svg.line_chart(budgets, values, scenario.currency, mark_x=scenario.budget,
                           mark_label=f"this budget {fmt.money(scenario.budget, scenario.currency)}",
                           label="optimal net value against the budget")
    sat = front.saturation_budget
    note = ("" if sat is None else
            f" Past {fmt.money(sat, scenario.currency)} another dollar earns nothing more.")
    return (f'<figure class="chart">{chart}<figcaption>Optimal net value for budgets from '
            f'{fmt.money(budgets.min(), scenario.currency)} to '
            f'{fmt.money(budgets.max(), scenario.currency)}; the blue line marks this budget.'
            f'{escape(note)}</figcaption></figure>')


def _responses(result: PlanResult) -> str:
    from ..render.charts import chart_end, leads_at

    sc = result.scenario
    now = dict(zip(result.current_table.index, result.current_table["spend"], strict=True))
    best = None if result.channel_table is None else dict(
        zip(result.channel_table.index, result.channel_table["spend"], strict=True))
    parts = []
    for ch in sc.channels:
        marks = [float(now[ch.name])] + ([float(best[ch.name])] if best else [])
        spend = np.linspace(0.0, chart_end(sc, ch, max(marks)), 80)
        chart = svg.line_chart(spend, leads_at(ch, spend), sc.currency,
                               mark_x=None if best is None else float(best[ch.name]),
                               mark_label="optimal", dashed_x=marks[0], dashed_label="current",
                               y_money=False, label=f"{ch.name}: leads against spend",
                               size=(300, 170))
        parts.append(f'<figure class="chart small"><figcaption>{escape(ch.name)}</figcaption>'
                     f'{chart}</figure>')
    return ('<div class="responses">' + "".join(parts) + '</div><p class="note">Leads for '
            'each spend (tiers or curve); dashed grey: current spend, blue: optimal.</p>')


def _comparison(comparison: Comparison | None, cur: str) -> str:
    if comparison is None:
        return '<p class="note">The file has no variants to compare.</p>'
    from ..render.records import comparison_records

    rows, spend = comparison_records(comparison)
    headers, cells, by_channel = comparison_cells(rows, spend, cur)
    return (table(COMPARISON_HEADERS, cells, (0, 1, 9)) + "<h4>Spend by plan</h4>" +
            table(headers, by_channel, (0,)))


def _risk(profile: RiskProfile | None, cur: str) -> str:
    if profile is None:
        return ""
    s = profile.summary
    names = [f"{p} ({k})" if k == "current" else str(p)
             for p, k in zip(s["scenario"], s["kind"], strict=True)]
    p10, p50, p90 = (s[f"net_value_p{q}"].to_numpy(dtype=float).tolist() for q in (10, 50, 90))
    chart = svg.fan(names, p10, p50, p90, cur)
    p_floor = s["p_all_channel_floors"].to_numpy(dtype=float)
    lines = [f"{n}: P10 {fmt.money(a, cur)}, P50 {fmt.money(b, cur)}, P90 {fmt.money(c, cur)}"
             + ("" if not math.isfinite(f) else f"; every channel floor holds on "
                f"{fmt.pct(f)} of draws")
             for n, a, b, c, f in zip(names, s["net_value_p10"], s["net_value_p50"],
                                      s["net_value_p90"], p_floor, strict=True)]
    return (f'<figure class="chart">{chart}<figcaption>Net value over {profile.draws:,} '
            f'draws of the uncertain inputs (seed {profile.seed}).</figcaption></figure>'
            "<ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>")


def _infeasible(doc: dict[str, Any]) -> str:
    if doc["channels"]:
        return ""
    parts = ['<h3 class="bad">No plan satisfies every constraint</h3><ul>' +
             "".join(f"<li>{escape(c)}</li>" for c in doc["conflicts"]) + "</ul>"]
    if doc["repairs"]:
        parts.append("<p>Any one of these changes makes it feasible:</p><ol>")
        for k, r in enumerate(doc["repairs"]):
            parts.append(f'<li>{escape(r["text"])} <button type="button" '
                         f'class="btn btn-sm btn-outline-primary action-button" '
                         f'id="repair_{k}">Apply</button></li>')
        parts.append("</ol>")
    if doc.get("repairs_note"):
        parts.append(f'<p class="note">Note: {escape(doc["repairs_note"])}.</p>')
    return "".join(parts)
