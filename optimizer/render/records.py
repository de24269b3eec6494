"""Results -> records: every JSON document the package writes, under one schema version.

Records are plain dicts of JSON-safe values (NaN and infinities become null). Every view
(terminal, Markdown, HTML, workbook) formats cells from these records, so what a script
reads and what a person reads are the same numbers. The schema is documented in
docs/json-schema.md; fields are only ever added.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import fmt
from .._version import __version__
from ..results.constraints import CONSTRAINT_FIELDS
from ..results.kpis import CHANNEL_COLUMNS, OPTIONAL_CHANNEL_COLUMNS
from ..results.tables import Table
from .cells import headline, objective_text

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.compare import Comparison
    from ..analysis.frontier import Frontier, TargetPlan
    from ..analysis.ranging import Ranging
    from ..analysis.repair import Suggestion
    from ..analysis.risk import RiskProfile
    from ..analysis.robust import RobustPlan
    from ..estimation import EstimateResult
    from ..results.plan import PlanResult
    from ..scenario.model import Scenario

SCHEMA_VERSION = 1


def clean(value: Any) -> Any:
    """JSON-safe scalars: NaN and infinities become null, numpy types become Python ones."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def clean_dict(data: dict[str, Any]) -> dict[str, Any]:
    return {k: clean(v) for k, v in data.items()}


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [clean_dict(row) for row in frame.to_dict("records")]


def channel_records(table: Table | None, name_col: str = "name") -> list[dict[str, Any]]:
    if table is None:
        return []
    keys = [k for k in (*CHANNEL_COLUMNS, *OPTIONAL_CHANNEL_COLUMNS, "why", "why_detail")
            if k in table]
    out = []
    for name, row in table.rows():
        out.append({name_col: name, **{k: clean(row[k]) for k in keys}})
    return out


def header(**fields: Any) -> dict[str, Any]:
    """The fields every document starts with."""
    return {"schema_version": SCHEMA_VERSION, "package_version": __version__, **fields}


def plan_dict(result: PlanResult, repairs: tuple[Suggestion, ...] = ()) -> dict[str, Any]:
    """The plan as a JSON-ready dict (schema: docs/json-schema.md)."""
    sc = result.scenario
    constraints = [] if result.constraint_table is None else [
        {("name" if k == "constraint" else k): clean(row[k]) for k in CONSTRAINT_FIELDS}
        for _, row in result.constraint_table.rows()]
    fit = result.curve_fit
    data = {
        **header(status=str(result.status)),
        "scenario": {
            "name": sc.name, "file": str(sc.source) if sc.source else None,
            "input_hash": sc.input_hash, "period": sc.period, "currency": sc.currency,
            "budget": sc.budget, "use_full_budget": sc.use_full_budget,
        },
        "solver": result.solver,
        "objective": sc.objective,
        "objective_value": clean(result.objective_value),
        "target": None if sc.target is None else {"metric": sc.target[0],
                                                  "amount": sc.target[1]},
        "mip": None if not result.is_mip else {
            "gap": clean(result.mip_gap), "proven_optimal": result.is_optimal,
            "shadow_prices": "lp_with_integers_fixed"},
        "curves": None if fit is None else {
            "bound": fit.bound, "tolerance": fit.tolerance, "lower": fit.lower,
            "upper": fit.upper, "segments": fit.segments, "met": fit.met},
        "periods": _periods(result),
        "timing": timing_record(sc),
        "cohorts": cohort_records(result),
        "notes": solution_notes(result),
        "channels": channel_records(result.channel_table),
        "totals": None if result.totals is None else clean_dict(result.totals),
        "binding": [c for c in constraints if c["binding"]],
        "constraints": constraints,
        "current": {
            "channels": channel_records(result.current_table),
            "totals": clean_dict(result.current_totals),
            "violations": list(result.current_violations),
        },
        "conflicts": list(result.conflicts),
        "repairs": repair_records(repairs),
        "repairs_note": getattr(repairs, "note", None),
        "warnings": list(result.warnings),
        "message": result.message,
    }
    data["headline"] = headline(data)
    return data


def timing_record(sc: Scenario) -> dict[str, Any] | None:
    """How the scenario times customers (None when nothing does)."""
    if not sc.has_timing and not sc.has_payback_limits:
        return None
    return {
        "accounting": sc.accounting, "period_days": sc.period_days,
        "discount_rate": sc.discount_rate,
        "channels": [{"name": c.name, "close_lag": list(c.close_lag),
                      "carryover": list(c.carryover), "close_lag_tail": c.close_lag_tail,
                      "monthly_margin": c.monthly_margin} for c in sc.channels],
        "pipeline": [{"channel": e.channel, "age": e.age, "leads": e.leads, "spend": e.spend}
                     for e in sc.pipeline],
    }


def cohort_records(result: PlanResult) -> list[dict[str, Any]] | None:
    """The cohort table's rows (results/cohorts.py), None without timing."""
    table = result.cohort_table
    if table is None:
        return None
    out = []
    for name, row in table.rows():
        rec = {"period": str(name), **{k: clean(row[k]) for k in table.columns
                                       if k != "counted"}}
        rec["counted"] = bool(row["counted"])
        out.append(rec)
    return out


def timing_notes(result: PlanResult) -> list[str]:
    """What the accounting counts, what closes after the window, the pipeline, the discount
    and lag distributions cut short, in numbers from the cohort table."""
    from ..scenario.timing import LAG_TAIL, length_words

    sc, table = result.scenario, result.cohort_table
    out: list[str] = []
    length = length_words(sc.period_days)
    cut = [f"{c.name} after {len(c.close_lag)} {length}{'s' if len(c.close_lag) != 1 else ''} "
           f"({fmt.pct(c.close_lag_tail, 2)} left out)"
           for c in sc.channels if c.close_lag_tail > 0]
    if cut:
        out.append(f"close lag distributions cut where at most {fmt.pct(LAG_TAIL, 1)} of "
                   f"customers would still close, the rest renormalised: {'; '.join(cut)}")
    if table is None:
        return out
    last = sc.periods[-1].name if sc.periods else "the plan's period"
    customers = np.asarray(table["customers"])
    after, total = float(customers[-1]), float(customers.sum())
    if sc.accounting == "in_window":
        out.append(f"accounting in_window: customers count only if they close by the end of "
                   f"{last}; {fmt.num(after, 2)} of the {fmt.num(total, 2)} customers this plan's "
                   "leads bring close later and are not counted")
    elif after > 1e-9:
        out.append(f"{fmt.num(after, 2)} of this plan's {fmt.num(total, 2)} customers close "
                   f"after {last}; they count (accounting cohort)")
    pipe = np.asarray(table["pipeline_customers"])
    if sc.pipeline:
        inside = float(pipe[:-1].sum())
        out.append(f"the pipeline (leads and spend from before the plan) brings "
                   f"{fmt.num(inside, 2)} customers inside the periods and "
                   f"{fmt.num(float(pipe[-1]), 2)} after; they use sales capacity and are not "
                   "credited to this plan")
    if sc.discount_rate is not None and result.totals is not None:
        out.append(f"NPV at {fmt.pct(sc.discount_rate, 1)} a year (spend discounted by the "
                   f"{length} it is paid, value by the {length} customers close): "
                   f"{fmt.money(result.totals['npv'], sc.currency)}")
    return out


def _periods(result: PlanResult) -> list[dict[str, Any]] | None:
    if not result.scenario.periods:
        return None
    kpis, spend = result.period_kpi_table, result.period_spend_table
    out = []
    for k, p in enumerate(result.scenario.periods):
        rec: dict[str, Any] = {"name": p.name}
        if kpis is not None and spend is not None:
            rec.update({name: clean(values[k]) for name, values in kpis.columns.items()})
            rec["spend_by_channel"] = {str(ch): clean(values[k])
                                       for ch, values in spend.columns.items()}
        out.append(rec)
    return out


def solution_notes(result: PlanResult) -> list[str]:
    """What a reader must know about how this optimum was found (objective, integer
    choices, curve linearisation, what shadow prices mean)."""
    notes = [] if result.unspent_note is None else [result.unspent_note]
    if result.scenario.objective != "net_value":
        notes.append(f"objective: {objective_text(result.scenario, result.objective_value)}")
    notes += timing_notes(result)
    if result.is_mip and result.channel_table is not None:
        if result.is_optimal:
            gap = "" if result.mip_gap is None else f", gap {result.mip_gap:.2g}"
            notes.append(f"mixed-integer plan proven optimal by {result.solver}{gap}")
        note = result.shadow_price_note
        if note:
            notes.append(note)
    fit = result.curve_fit
    if fit is not None:
        tiers = ", ".join(f"{k}: {v} tiers" for k, v in fit.segments.items())
        notes.append(f"response curves linearised ({tiers}); no smooth plan beats this one by "
                     f"more than {fmt.pct(fit.bound, 3)} (tolerance {fmt.pct(fit.tolerance, 3)})")
    return notes


def comparison_records(comparison: Comparison) -> tuple[list[dict[str, Any]],
                                                       list[dict[str, Any]]]:
    """(one row per plan, spend per channel and plan in long form)."""
    spend = comparison.spend_table
    return ([clean_dict(row) for row in comparison.rows],
            [{"channel": ch, "scenario": col, "spend": clean(spend[col][i])}
             for i, ch in enumerate(spend.index) for col in spend.columns])


def repair_records(repairs: tuple[Suggestion, ...]) -> list[dict[str, Any]]:
    return [{"constraint": r.constraint, "text": r.text, "field": r.field,
             "current": clean(r.current), "proposed": clean(r.proposed)} for r in repairs]


def infeasible_records(comparison: Comparison) -> list[dict[str, Any]]:
    """Per infeasible plan of a comparison: why (the conflict) and its ranked repairs."""
    found = comparison.repairs
    return [{"scenario": r.name, "conflicts": list(r.conflicts),
             "repairs": repair_records(found.get(r.scenario.name, ())),
             "repairs_note": getattr(found.get(r.scenario.name), "note", None)}
            for r in comparison.results if r.conflicts]


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    rows, spend = comparison_records(comparison)
    return header(comparison=rows, spend=spend, infeasible=infeasible_records(comparison),
                  plans=[plan_dict(r, comparison.repairs.get(r.scenario.name, ()))
                         for r in comparison.results])


def plan_document(head: PlanResult, comparison: Comparison | None,
                  repairs: tuple[Suggestion, ...] = ()) -> dict[str, Any]:
    """`chanopt plan --format json`: the plan, and with variants the comparison."""
    data = plan_dict(head, repairs)
    if comparison is not None:
        data["comparison"], data["spend_by_scenario"] = comparison_records(comparison)
        data["infeasible"] = infeasible_records(comparison)
        data["variants"] = [plan_dict(r, comparison.repairs.get(r.scenario.name, ()))
                            for r in comparison.results[1:]]
    return data


def frontier_dict(front: Frontier, target: TargetPlan | None = None) -> dict[str, Any]:
    sc = front.scenario
    data = header(
        scenario={"name": sc.name, "input_hash": sc.input_hash, "currency": sc.currency,
                  "budget": sc.budget},
        points=frame_records(front.points),
        spend=[{"budget": clean(b), "channel": ch, "spend": clean(front.spend.at[b, ch])}
               for b in front.spend.index for ch in front.spend.columns],
        saturation_budget=clean(front.saturation_budget),
        saturation_reason=front.saturation_reason, solver=front.solver)
    if target is not None:
        data["target"] = target_dict(target)
    return data


def target_dict(target: TargetPlan) -> dict[str, Any]:
    return {"kind": target.target, "amount": target.amount, "status": str(target.status),
            "budget": clean(target.budget), "explanation": target.explanation,
            "channels": channel_records(target.channel_table),
            "totals": None if target.totals is None else clean_dict(target.totals)}


def sensitivity_dict(rng: Ranging) -> dict[str, Any]:
    sc = rng.scenario
    return header(
        scenario={"name": sc.name, "input_hash": sc.input_hash, "currency": sc.currency},
        inputs=frame_records(rng.inputs.drop(columns=["spend"])),
        constraints=frame_records(rng.constraints))


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def risk_dict(profile: RiskProfile) -> dict[str, Any]:
    return header(
        draws=profile.draws, seed=profile.seed, uncertain_inputs=profile.uncertain_inputs,
        plans=frame_records(profile.summary),
        channel_floors=[{"plan": plan, "channel": ch, "p_floor": clean(p)}
                        for plan, row in profile.channel_floors.iterrows()
                        for ch, p in row.items()])


def robust_dict(plan: RobustPlan) -> dict[str, Any]:
    data = plan_dict(plan.result)
    plain = plan.plain.channel_table
    data["robust"] = {
        "draws": plan.draws, "confidence": plan.confidence, "seed": plan.seed,
        "method": plan.method,
        "expected_net_value": clean(plan.expected_net_value),
        "plain_expected_net_value": clean(plan.plain_expected_net_value),
        "price_of_robustness": clean(plan.price_of_robustness),
        "fresh_draws": plan.fresh_draws,
        "fresh_expected_net_value": clean(plan.fresh_expected_net_value),
        "fresh_plain_expected_net_value": clean(plan.fresh_plain_expected_net_value),
        "plain_spend": {} if plain is None else {
            str(k): clean(v) for k, v in zip(plain.index, plain["spend"].tolist(), strict=True)},
        "floors": frame_records(plan.floors),
    }
    return data


def estimate_dict(result: EstimateResult) -> dict[str, Any]:
    """`chanopt estimate --format json`: the table, rows read, rows not used by reason,
    curve fits and notes."""
    lags = result.lags
    return header(period=list(result.period) if result.period else None,
                  rows_read=result.rows, date_formats=result.date_formats,
                  channels=frame_records(result.table), dropped=frame_records(result.dropped),
                  fits=frame_records(result.fits), notes=list(result.notes),
                  lags=None if lags is None else {
                      "as_of": lags.as_of, "period_length": lags.period_length,
                      "plan_start": lags.plan_start, "channels": frame_records(lags.fits),
                      "pipeline": None if lags.pipeline is None else
                      frame_records(lags.pipeline)})
