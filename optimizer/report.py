"""Render results as JSON (stable schema), CSV, Markdown and rich tables. Never solves.

The JSON schema is documented in docs/json-schema.md; fields are only ever added.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.table import Table

from . import fmt
from ._version import __version__
from .compare import Comparison
from .frontier import Frontier, TargetPlan
from .kpis import CHANNEL_COLUMNS
from .status import Status
from .planner import PlanResult
from .ranging import Ranging
from .repair import Suggestion

if TYPE_CHECKING:
    from .htmlreport import ReportData

SCHEMA_VERSION = 1
OPTIONAL_CHANNEL_COLUMNS = ("fixed_cost", "units")  # only in scenarios that use them
JSON_CONSTRAINT_FIELDS = ("constraint", "kind", "channel", "group", "source", "sense", "limit",
                          "activity", "binding", "shadow_price", "unit")


def _clean(value: Any) -> Any:
    """JSON-safe scalars: NaN and infinities become null, numpy types become Python ones."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame | None, name_col: str = "name") -> list[dict[str, Any]]:
    if frame is None:
        return []
    out = []
    for name, row in frame.iterrows():
        rec = {name_col: name}
        rec.update({k: _clean(row[k]) for k in (*CHANNEL_COLUMNS, *OPTIONAL_CHANNEL_COLUMNS,
                                                 "why") if k in row})
        out.append(rec)
    return out


def plan_dict(result: PlanResult, repairs: tuple[Suggestion, ...] = ()) -> dict[str, Any]:
    """The plan as a JSON-ready dict (schema: docs/json-schema.md)."""
    sc = result.scenario
    constraints = [] if result.constraints is None else [
        {("name" if k == "constraint" else k): _clean(row[k]) for k in JSON_CONSTRAINT_FIELDS}
        for _, row in result.constraints.iterrows()]
    return {
        "schema_version": SCHEMA_VERSION,
        "package_version": result.package_version,
        "status": str(result.status),
        "scenario": {
            "name": sc.name, "file": str(sc.source) if sc.source else None,
            "input_hash": sc.input_hash, "period": sc.period, "currency": sc.currency,
            "budget": sc.budget, "use_full_budget": sc.use_full_budget,
        },
        "solver": result.solver,
        "objective": sc.objective,
        "objective_value": _clean(result.objective_value),
        "target": None if sc.target is None else {"metric": sc.target[0],
                                                  "amount": sc.target[1]},
        "mip": _mip_dict(result),
        "curves": None if result.curve_fit is None else {
            "bound": result.curve_fit.bound, "tolerance": result.curve_fit.tolerance,
            "lower": result.curve_fit.lower, "upper": result.curve_fit.upper,
            "segments": result.curve_fit.segments, "met": result.curve_fit.met},
        "periods": _periods_list(result),
        "notes": solution_notes(result),
        "channels": _records(result.channels),
        "totals": None if result.totals is None else {k: _clean(v) for k, v in result.totals.items()},
        "binding": [c for c in constraints if c["binding"]],
        "constraints": constraints,
        "current": {
            "channels": _records(result.current_channels),
            "totals": {k: _clean(v) for k, v in result.current_totals.items()},
            "violations": list(result.current_violations),
        },
        "conflicts": list(result.conflicts),
        "repairs": [{"constraint": r.constraint, "text": r.text, "field": r.field,
                     "current": _clean(r.current), "proposed": _clean(r.proposed)}
                    for r in repairs],
        "warnings": list(result.warnings),
        "message": result.message,
    }


def _mip_dict(result: PlanResult) -> dict[str, Any] | None:
    if not result.is_mip:
        return None
    return {"gap": _clean(result.mip_gap), "proven_optimal": result.is_optimal,
            "shadow_prices": "lp_with_integers_fixed"}


def _periods_list(result: PlanResult) -> list[dict[str, Any]] | None:
    if not result.scenario.periods:
        return None
    out = []
    for p in result.scenario.periods:
        rec: dict[str, Any] = {"name": p.name}
        if result.periods is not None and result.period_spend is not None:
            rec.update({k: _clean(v) for k, v in result.periods.loc[p.name].items()})
            rec["spend_by_channel"] = {str(ch): _clean(v)
                                       for ch, v in result.period_spend.loc[p.name].items()}
        out.append(rec)
    return out


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    rows = [{k: _clean(v) for k, v in row.items()} for row in comparison.table.to_dict("records")]
    spend = [{"channel": ch, "scenario": col, "spend": _clean(comparison.spend.at[ch, col])}
             for ch in comparison.spend.index for col in comparison.spend.columns]
    return {"schema_version": SCHEMA_VERSION, "package_version": __version__,
            "comparison": rows, "spend": spend,
            "plans": [plan_dict(r) for r in comparison.results]}


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- CSV


def channels_csv(result: PlanResult) -> str:
    frame = result.channels if result.channels is not None else result.current_channels.iloc[0:0]
    return frame.reset_index().to_csv(index=False, float_format="%.6g")


def current_csv(result: PlanResult) -> str:
    return result.current_channels.reset_index().to_csv(index=False, float_format="%.6g")


def constraints_csv(result: PlanResult) -> str:
    if result.constraints is None:
        return "constraint,kind,channel,group,source,sense,limit,activity,binding,shadow_price,unit\n"
    return result.constraints.to_csv(index=False, float_format="%.6g")


def comparison_csv(comparison: Comparison) -> str:
    return comparison.table.to_csv(index=False, float_format="%.6g")


def spend_csv(comparison: Comparison) -> str:
    return comparison.spend.reset_index().to_csv(index=False, float_format="%.6g")


# --------------------------------------------------------------------------- Markdown


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    right = ["---:" if i else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(right) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


CHANNEL_HEADERS = ["Channel", "Spend", "Current", "Change", "Share", "Leads", "Customers",
                   "CPL", "Marginal CPL", "CPA", "CLV:CPA", "Net value", "ROI"]


def _channel_cells(frame: pd.DataFrame, cur: str) -> list[list[str]]:
    rows = []
    for name, r in frame.iterrows():
        rows.append([str(name), fmt.money(r.spend, cur), fmt.money(r.current_spend, cur),
                     fmt.money(r.change, cur), fmt.pct(r.share), fmt.num(r.leads, 1),
                     fmt.num(r.customers, 2), fmt.money(r.cpl, cur, 2),
                     fmt.money(r.marginal_cpl, cur, 2), fmt.money(r.cpa, cur),
                     fmt.ratio(r.clv_to_cpa), fmt.money(r.net_value, cur), fmt.pct(r.roi)])
    return rows


def totals_cells(optimal: dict[str, float], current: dict[str, float],
                 cur: str) -> list[list[str]]:
    """Rows of label, optimal, current for the totals of a plan."""
    return [[a, b, c] for (a, b), (_, c) in zip(_totals_cells(optimal, cur),
                                                 _totals_cells(current, cur))]


COMPARISON_HEADERS = ["Scenario", "Status", "Budget", "Spend", "Customers", "Blended CPA",
                      "CLV:CPA", "Net value", "vs current", "Objective"]


def comparison_cells(comparison: Comparison) -> tuple[list[list[str]], list[list[str]]]:
    """Formatted rows of the comparison table and of the channels x scenarios spend table."""
    cur = comparison.results[0].scenario.currency if comparison.results else "USD"
    rows = [[str(r.scenario), str(r.status), fmt.money(r.budget, cur), fmt.money(r.spend, cur),
             fmt.num(r.customers, 2), fmt.money(r.blended_cpa, cur),
             fmt.ratio(r.blended_clv_to_cpa), fmt.money(r.net_value, cur),
             fmt.money(r.net_value_vs_current, cur), _objective_cell(r.objective, r.objective_value, cur)]
            for r in comparison.table.itertuples()]
    spend = [[str(ch)] + [fmt.money(v, cur) for v in comparison.spend.loc[ch]]
             for ch in comparison.spend.index]
    return rows, spend


def _objective_cell(kind: str, value: float, cur: str) -> str:
    if not kind:
        return ""
    label = {"net_value": "net value", "min_spend": "min spend"}.get(kind, kind)
    if value != value:  # NaN: no plan
        return label
    shown = fmt.num(value, 2) if kind in ("customers", "leads") else fmt.money(value, cur)
    return f"{label} {shown}"


def _totals_cells(totals: dict[str, float], cur: str) -> list[list[str]]:
    return [["Spend", fmt.money(totals["spend"], cur)],
            ["Unspent budget", fmt.money(totals["unspent"], cur)],
            ["Leads", fmt.num(totals["leads"], 1)],
            ["Customers", fmt.num(totals["customers"], 2)],
            ["Value (expected CLV)", fmt.money(totals["value"], cur)],
            ["Net value", fmt.money(totals["net_value"], cur)],
            ["Blended CPL", fmt.money(totals["blended_cpl"], cur, 2)],
            ["Blended CPA", fmt.money(totals["blended_cpa"], cur)],
            ["Blended CLV:CPA", fmt.ratio(totals["blended_clv_to_cpa"])],
            ["ROI", fmt.pct(totals["roi"])]]


def _shadow(value: float, unit: str, cur: str, objective: str = "net_value") -> str:
    if objective in ("customers", "leads"):
        return f"{fmt.num(value, 4)} {unit}"
    return f"{fmt.money(value, cur, 2)} {unit}"


OBJECTIVE_LABELS = {"net_value": "maximise net value (expected CLV minus spend)",
                    "customers": "maximise customers", "leads": "maximise leads",
                    "value": "maximise expected CLV", "min_spend": "the cheapest plan reaching"}


def objective_text(result: PlanResult) -> str:
    """The objective and its optimum in words ("maximise customers: 84.2")."""
    sc = result.scenario
    label = OBJECTIVE_LABELS[sc.objective]
    if sc.objective == "min_spend" and sc.target is not None:
        metric, amount = sc.target
        shown = fmt.money(amount, sc.currency) if metric == "value" else fmt.num(amount)
        label = f"{label} {shown} {metric}"
    value = result.objective_value
    if value is None:
        return label
    shown = (fmt.num(value, 2) if sc.objective in ("customers", "leads")
             else fmt.money(value, sc.currency))
    what = "spend" if sc.objective == "min_spend" else "optimum"
    return f"{label}: {what} {shown}"


def solution_notes(result: PlanResult) -> list[str]:
    """What a reader must know about how this optimum was found (objective, integer
    choices, curve linearisation, what shadow prices mean)."""
    notes = []
    if result.scenario.objective != "net_value":
        notes.append(f"objective: {objective_text(result)}")
    if result.is_mip and result.channels is not None:
        if result.status is Status.OPTIMAL:
            gap = "" if result.mip_gap is None else f", gap {result.mip_gap:.2g}"
            notes.append(f"mixed-integer plan proven optimal by {result.solver}{gap}")
        note = result.shadow_price_note
        if note:
            notes.append(note)
    fit = result.curve_fit
    if fit is not None:
        notes.append(f"response curves linearised ({', '.join(f'{k}: {v} tiers' for k, v in fit.segments.items())}); "
                     f"no smooth plan beats this one by more than {fmt.pct(fit.bound, 3)} "
                     f"(tolerance {fmt.pct(fit.tolerance, 3)})")
    return notes


PERIOD_HEADERS = ["Period", "Budget", "Spend", "Share", "Leads", "Customers", "CPA", "CLV:CPA",
                  "Net value"]


def period_cells(result: PlanResult) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """(spend headers, period x channel spend rows, per-period KPI rows)."""
    cur = result.scenario.currency
    if result.period_spend is None or result.periods is None:
        return [], [], []
    spend = result.period_spend
    headers = ["Period", *map(str, spend.columns)]
    spend_rows = [[str(p)] + [fmt.money(v, cur) for v in spend.loc[p]] for p in spend.index]
    kpi_rows = [[str(p), fmt.money(r.budget, cur) if r.budget == r.budget else "—",
                 fmt.money(r.spend, cur), fmt.pct(r.share), fmt.num(r.leads, 1),
                 fmt.num(r.customers, 2), fmt.money(r.cpa, cur), fmt.ratio(r.clv_to_cpa),
                 fmt.money(r.net_value, cur)] for p, r in result.periods.iterrows()]
    return headers, spend_rows, kpi_rows


def plan_markdown(result: PlanResult, comparison: Comparison | None = None,
                  repairs: tuple[Suggestion, ...] = ()) -> str:
    sc = result.scenario
    cur = sc.currency
    out = [f"# Plan: {sc.name}", ""]
    meta = [f"status **{result.status}**", f"budget {fmt.money(sc.budget, cur)}",
            f"solver {result.solver}", f"inputs {sc.input_hash}",
            f"chanopt {result.package_version}"]
    if sc.period:
        meta.insert(1, f"period {sc.period}")
    out += [" · ".join(meta), ""]
    out += [f"- {n}" for n in solution_notes(result)] + ([""] if solution_notes(result) else [])
    if result.channels is not None and result.totals is not None:
        out += ["## Optimal allocation", "",
                _md_table(CHANNEL_HEADERS, _channel_cells(result.channels, cur)), ""]
        headers, spend_rows, kpi_rows = period_cells(result)
        if spend_rows:
            out += ["## Spend by period (media; fixed costs are per plan)", "",
                    _md_table(headers, spend_rows), "", "## Periods", "",
                    _md_table(PERIOD_HEADERS, kpi_rows), ""]
        out += ["## Why each channel got what it got", ""]
        out += [f"- **{name}**: {why}" for name, why in result.channels["why"].items()] + [""]
        rows = totals_cells(result.totals, result.current_totals, cur)
        out += ["## Totals", "", _md_table(["", "Optimal", "Current"], rows), ""]
        binding = result.binding
        out += ["## Binding constraints", ""]
        if binding.empty:
            out += ["None: the plan is limited only by profitability.", ""]
        else:
            out += [_md_table(["Constraint", "Limit", "Shadow price"],
                              [[r.constraint, fmt.plain(r.limit),
                                _shadow(r.shadow_price, r.unit, cur, sc.objective)]
                               for r in binding.itertuples()]), ""]
    else:
        out += ["## No feasible plan", ""] + [f"- {c}" for c in result.conflicts] + [""]
        if repairs:
            out += ["Any one of these changes makes the plan feasible:", ""]
            out += [f"{i}. {r.text}" for i, r in enumerate(repairs, 1)] + [""]
    out += ["## Current plan", "", _md_table(CHANNEL_HEADERS, _channel_cells(result.current_channels, cur)), ""]
    if result.current_violations:
        out += ["The current plan breaks these constraints:", ""]
        out += [f"- {v}" for v in result.current_violations] + [""]
    if result.warnings:
        out += ["## Warnings", ""] + [f"- {w}" for w in result.warnings] + [""]
    if comparison is not None:
        out += [comparison_markdown(comparison, heading_level=2)]
    return "\n".join(out).rstrip() + "\n"


def comparison_markdown(comparison: Comparison, heading_level: int = 1) -> str:
    h = "#" * heading_level
    rows, spend_rows = comparison_cells(comparison)
    return "\n".join([
        f"{h} Scenario comparison", "",
        _md_table(COMPARISON_HEADERS, rows), "",
        f"{h} Spend by channel and scenario", "",
        _md_table(["Channel", *map(str, comparison.spend.columns)], spend_rows), ""])


# --------------------------------------------------------------------------- rich tables


def plan_tables(result: PlanResult, repairs: tuple[Suggestion, ...] = ()) -> list[Any]:
    """Renderables for a terminal: allocation, totals, binding constraints, notes."""
    sc = result.scenario
    cur = sc.currency
    out: list[Any] = []
    title = f"{sc.name} — {result.status} ({result.solver}, inputs {sc.input_hash})"
    if result.channels is None:
        out.append(f"[bold red]{title}[/]")
        out.append("[bold]No plan satisfies every constraint:[/]")
        out.extend(f"  • {c}" for c in result.conflicts)
        if repairs:
            out.append("[bold]Any one of these changes makes it feasible:[/]")
            out.extend(f"  {i}. {r.text}" for i, r in enumerate(repairs, 1))
    else:
        table = Table(title=title, title_justify="left")
        for i, h in enumerate(CHANNEL_HEADERS):
            table.add_column(h, justify="left" if i == 0 else "right", no_wrap=i == 0)
        for row in _channel_cells(result.channels, cur):
            table.add_row(*row)
        out.append(table)
        out.extend(f"[cyan]note:[/] {n}" for n in solution_notes(result))
        headers, spend_rows, kpi_rows = period_cells(result)
        for title, heads, rows in (("Spend by period (media)", headers, spend_rows),
                                   ("Periods", PERIOD_HEADERS, kpi_rows)):
            if rows:
                pt = Table(title=title, title_justify="left")
                for i, h in enumerate(heads):
                    pt.add_column(h, justify="left" if i == 0 else "right")
                for row in rows:
                    pt.add_row(*row)
                out.append(pt)
        why = Table(title="Why each channel got what it got", title_justify="left")
        why.add_column("Channel", no_wrap=True)
        why.add_column("Reason")
        for name, reason in result.channels["why"].items():
            why.add_row(str(name), reason)
        out.append(why)
        totals = Table(title="Totals", title_justify="left")
        for h in ("", "Optimal", "Current"):
            totals.add_column(h, justify="right" if h else "left")
        assert result.totals is not None
        for row in totals_cells(result.totals, result.current_totals, cur):
            totals.add_row(*row)
        out.append(totals)
        binding = result.binding
        gain = "net value" if sc.objective == "net_value" else "objective"
        bt = Table(title=f"Binding constraints (shadow price = {gain} of relaxing by one unit)",
                   title_justify="left")
        for h in ("Constraint", "Limit", "Shadow price"):
            bt.add_column(h, justify="left" if h == "Constraint" else "right")
        for r in binding.itertuples():
            bt.add_row(r.constraint, fmt.plain(r.limit),
                       _shadow(r.shadow_price, r.unit, cur, sc.objective))
        if binding.empty:
            out.append("No constraint binds: the plan is limited only by profitability.")
        else:
            out.append(bt)
    if result.current_violations:
        out.append("[yellow]The current plan breaks:[/]")
        out.extend(f"  • {v}" for v in result.current_violations)
    for w in result.warnings:
        out.append(f"[yellow]warning:[/] {w}")
    return out


def comparison_tables(comparison: Comparison) -> list[Any]:
    rows, spend_rows = comparison_cells(comparison)
    table = Table(title="Scenario comparison", title_justify="left")
    for h in COMPARISON_HEADERS:
        table.add_column(h, justify="left" if h in ("Scenario", "Status") else "right")
    for row in rows:
        table.add_row(*row)
    spend = Table(title="Spend by channel and scenario", title_justify="left")
    spend.add_column("Channel")
    for col in comparison.spend.columns:
        spend.add_column(str(col), justify="right")
    for row in spend_rows:
        spend.add_row(*row)
    out: list[Any] = [table, spend]
    for r in comparison.results:
        if r.conflicts:
            out.append(f"[bold red]{r.name}[/] is infeasible:")
            out.extend(f"  • {c}" for c in r.conflicts)
    return out


# --------------------------------------------------------------------------- frontier


def frontier_dict(front: Frontier, target: TargetPlan | None = None) -> dict[str, Any]:
    sc = front.scenario
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "package_version": __version__,
        "scenario": {"name": sc.name, "input_hash": sc.input_hash, "currency": sc.currency,
                     "budget": sc.budget},
        "points": [{k: _clean(v) for k, v in row.items()}
                   for row in front.points.to_dict("records")],
        "spend": [{"budget": _clean(b), "channel": ch, "spend": _clean(front.spend.at[b, ch])}
                  for b in front.spend.index for ch in front.spend.columns],
        "saturation_budget": _clean(front.saturation_budget),
        "saturation_reason": front.saturation_reason,
    }
    if target is not None:
        data["target"] = target_dict(target)
    return data


def target_dict(target: TargetPlan) -> dict[str, Any]:
    return {"kind": target.target, "amount": target.amount, "status": str(target.status),
            "budget": _clean(target.budget), "explanation": target.explanation,
            "channels": _records(target.channels),
            "totals": None if target.totals is None else {k: _clean(v) for k, v in target.totals.items()}}


def frontier_csv(front: Frontier) -> str:
    return front.points.to_csv(index=False, float_format="%.6g")


def frontier_cells(front: Frontier, cur: str) -> list[list[str]]:
    return [[fmt.money(r.budget, cur), str(r.status), fmt.money(r.spend, cur),
             fmt.money(r.net_value, cur), fmt.num(r.customers, 2), fmt.money(r.blended_cpa, cur),
             fmt.ratio(r.blended_clv_to_cpa), fmt.money(r.marginal_net_value, cur, 2),
             label(r.next_dollar_channel)] for r in front.points.itertuples()]


def label(value: object) -> str:
    """A channel name, or a dash for none."""
    return "—" if value is None else str(value)


FRONTIER_HEADERS = ["Budget", "Status", "Spend", "Net value", "Customers", "Blended CPA",
                    "CLV:CPA", "Next $ earns", "Next $ goes to"]


def _saturation_text(front: Frontier, cur: str) -> str:
    if front.saturation_budget is None:
        return front.saturation_reason
    return f"Saturation at {fmt.money(front.saturation_budget, cur)}: {front.saturation_reason}"


def frontier_markdown(front: Frontier, target: TargetPlan | None = None) -> str:
    cur = front.scenario.currency
    out = [f"# Budget frontier: {front.scenario.name}", "",
           _md_table(FRONTIER_HEADERS, frontier_cells(front, cur)), "",
           _saturation_text(front, cur), ""]
    if target is not None:
        out += ["## Target", "", target.explanation, ""]
        if target.channels is not None:
            out += [_md_table(CHANNEL_HEADERS, _channel_cells(target.channels, cur)), ""]
    return "\n".join(out)


def frontier_tables(front: Frontier, target: TargetPlan | None = None) -> list[Any]:
    cur = front.scenario.currency
    table = Table(title=f"Budget frontier — {front.scenario.name}", title_justify="left")
    for h in FRONTIER_HEADERS:
        table.add_column(h, justify="left" if h in ("Status", "Next $ goes to") else "right")
    for row in frontier_cells(front, cur):
        table.add_row(*row)
    out: list[Any] = [table, _saturation_text(front, cur)]
    if target is not None:
        out.append(f"[bold]{target.explanation}[/]")
        if target.channels is not None:
            plan = Table(title="Cheapest plan reaching the target", title_justify="left")
            for i, h in enumerate(CHANNEL_HEADERS):
                plan.add_column(h, justify="left" if i == 0 else "right")
            for row in _channel_cells(target.channels, cur):
                plan.add_row(*row)
            out.append(plan)
    return out


# --------------------------------------------------------------------------- sensitivity


def sensitivity_dict(rng: Ranging) -> dict[str, Any]:
    sc = rng.scenario
    return {"schema_version": SCHEMA_VERSION, "package_version": __version__,
            "scenario": {"name": sc.name, "input_hash": sc.input_hash, "currency": sc.currency},
            "inputs": [{k: _clean(v) for k, v in row.items()}
                       for row in rng.inputs.drop(columns=["spend"]).to_dict("records")],
            "constraints": [{k: _clean(v) for k, v in row.items()}
                            for row in rng.constraints.to_dict("records")]}


def range_cells(rng: Ranging) -> tuple[list[list[str]], list[list[str]]]:
    """Formatted rows of the input ranges and of the constraint price ranges."""
    cur = rng.scenario.currency
    inputs = [[r.channel, r.input, *(fmt.channel_input(r.input, v, cur)
                                      for v in (r.value, r.low, r.high))]
              for r in rng.inputs.itertuples()]
    cons = [[r.constraint, fmt.plain(r.limit), f"{fmt.money(r.shadow_price, cur, 2)} {r.unit}",
             fmt.plain(r.low), "unlimited" if math.isinf(r.high) else fmt.plain(r.high)]
            for r in rng.constraints.itertuples()]
    return inputs, cons


RANGE_HEADERS = (["Channel", "Input", "Value", "Plan keeps its shape from", "to"],
                 ["Constraint", "Limit", "Shadow price", "Price holds from", "to"])


def sensitivity_markdown(rng: Ranging) -> str:
    inputs, cons = range_cells(rng)
    return "\n".join([f"# Sensitivity: {rng.scenario.name}", "",
                      "## How far each input can move before the plan changes shape", "",
                      _md_table(RANGE_HEADERS[0], inputs), "",
                      "## Binding constraints: shadow price and where it holds", "",
                      _md_table(RANGE_HEADERS[1], cons), ""])


def sensitivity_tables(rng: Ranging) -> list[Any]:
    inputs, cons = range_cells(rng)
    out: list[Any] = []
    for title, headers, rows, text_cols in (
            ("How far each input can move before the plan changes shape", RANGE_HEADERS[0],
             inputs, 2),
            ("Binding constraints: shadow price and where it holds", RANGE_HEADERS[1], cons, 1)):
        table = Table(title=title, title_justify="left")
        for i, h in enumerate(headers):
            table.add_column(h, justify="left" if i < text_cols else "right")
        for row in rows:
            table.add_row(*row)
        out.append(table)
    return out


# --------------------------------------------------------------------------- full report


CHART_TITLES = {"spend": "Current vs optimal spend", "operational": "Operational view",
                "strategic": "Strategic view", "comparison": "Net value by scenario",
                "frontier": "Budget frontier"}


def report_markdown(data: ReportData, images: list[str]) -> str:
    """The plan's Markdown report with the PNG charts, frontier and sensitivity appended."""
    out = [plan_markdown(data.result, data.comparison, data.repairs), "## Charts", ""]
    for path in images:
        key = path.rsplit("/", 1)[-1].removesuffix(".png")
        out += [f"![{CHART_TITLES.get(key, key)}]({path})", ""]
    if data.frontier is not None:
        out += [frontier_markdown(data.frontier).replace("# Budget frontier", "## Budget frontier", 1)]
    if data.ranging is not None:
        out += [sensitivity_markdown(data.ranging).replace("# Sensitivity", "## Sensitivity", 1)
                .replace("\n## ", "\n### ")]
    return "\n".join(out).rstrip() + "\n"
