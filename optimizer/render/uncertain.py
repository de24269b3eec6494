"""Records -> formatted cells for uncertain inputs: risk profiles, robust plans and the
estimates read from CRM exports (the same formatters as `cells`)."""

from __future__ import annotations

from typing import Any

from .. import fmt
from .cells import Record, Rows, missing

RISK_HEADERS = ["Plan", "Net value P10", "P50", "P90", "Customers P10", "P50", "P90",
                "CLV:CPA P10", "P50", "P90", "P(blended floor)", "P(all channel floors)",
                "P(beats current)"]
ESTIMATE_HEADERS = ["Channel", "Spend", "Leads", "CPL (90%)", "Customers",
                    "Lead-to-close (90%)", "CLV (90%)", "CLV method"]
FIT_HEADERS = ["Channel", "Periods", "L", "k", "R²", "Used", "Note"]
DROPPED_HEADERS = ["File", "Reason", "Rows", "Examples"]
LAG_HEADERS = ["Channel", "Closes", "Not closed", "Median days", "Close lag by period",
               "Fitted on"]
PIPELINE_HEADERS = ["Channel", "Open leads", "Ages", "Cohort leads", "Customers to come"]


def risk_cells(data: Record, cur: str) -> Rows:
    return [[str(r["plan"]),
             *(fmt.money(r[f"net_value_p{q}"], cur) for q in (10, 50, 90)),
             *(fmt.num(r[f"customers_p{q}"], 1) for q in (10, 50, 90)),
             *(fmt.ratio(r[f"blended_clv_to_cpa_p{q}"]) for q in (10, 50, 90)),
             fmt.pct(r["p_blended_floor"]), fmt.pct(r["p_all_channel_floors"]),
             fmt.pct(r["p_beats_current"])] for r in data["plans"]]


def floor_probability_cells(data: Record) -> tuple[list[str], Rows]:
    """Plans x funded channels: the probability each keeps its CLV:CPA floor."""
    plans = list(dict.fromkeys(r["plan"] for r in data["channel_floors"]))
    channels = list(dict.fromkeys(r["channel"] for r in data["channel_floors"]))
    p = {(r["plan"], r["channel"]): r["p_floor"] for r in data["channel_floors"]}
    funded = [c for c in channels if any(p.get((k, c)) is not None for k in plans)]
    rows = [[str(k)] + [fmt.pct(p[(k, c)]) if p.get((k, c)) is not None else "—"
                        for c in funded] for k in plans]
    return ["Plan", *map(str, funded)], rows


def risk_intro(data: Record) -> str:
    if data["uncertain_inputs"] == 0:
        return ("No channel input carries uncertainty (add `uncertainty:` to channels, or "
                "use a table written by `chanopt estimate`): every draw is the point estimate.")
    return (f"{data['draws']:,} draws (seed {data['seed']}) of {data['uncertain_inputs']} "
            "uncertain channel inputs; every plan is evaluated on the same draws.")


def robust_lines(data: Record, has_uncertainty: bool) -> list[str]:
    cur = data["scenario"]["currency"]
    robust = data["robust"]
    fitted = f"{robust['draws']:,}"
    lines = [f"Robust plan: {robust['method']}. KPIs above are at the point estimates. "
             f"Guaranteed on the {fitted} draws it was fitted on: each CLV:CPA floor holds "
             f"on at least {robust['confidence']:.0%} of them."]
    fresh = robust.get("fresh_draws") or 0
    worst = _worst_fresh(robust["floors"])
    if fresh and worst is not None:
        floor, p = worst
        held = "so the guarantee carries over" if p >= robust["confidence"] - 1e-12 else \
            "below the fitted level: a plan tuned to a sample does a little worse off it"
        lines.append(f"Checked on {fresh:,} fresh draws (not used by the fit): the least "
                     f"certain floor, {floor}, holds on {fmt.pct(p)} of them, {held}.")
    if not has_uncertainty:
        lines.append("No channel input carries uncertainty (add `uncertainty:` to channels, or "
                     "use a table written by `chanopt estimate`): every draw is the point "
                     "estimate, so the robust plan is the plain one.")
    if robust["price_of_robustness"] is not None:
        lines.append(
            f"Expected net value {fmt.money(robust['expected_net_value'], cur)} against "
            f"{fmt.money(robust['plain_expected_net_value'], cur)} for the plain optimum on the "
            f"same draws: the price of robustness is "
            f"{fmt.money(robust['price_of_robustness'], cur)}.")
    if robust.get("fresh_expected_net_value") is not None \
            and robust.get("fresh_plain_expected_net_value") is not None:
        lines.append(
            f"On the fresh draws: {fmt.money(robust['fresh_expected_net_value'], cur)} against "
            f"{fmt.money(robust['fresh_plain_expected_net_value'], cur)}.")
    return lines


def _worst_fresh(floors: list[dict[str, Any]]) -> tuple[str, float] | None:
    held = [(str(r["floor"]), float(r["robust_fresh"])) for r in floors
            if not missing(r.get("robust_fresh"))]
    return min(held, key=lambda fp: fp[1]) if held else None


def robust_floor_cells(data: Record) -> Rows:
    def show(p: float | None) -> str:
        return "not funded" if missing(p) else fmt.pct(p)

    return [[str(r["floor"]), show(r.get("robust")), show(r.get("robust_fresh")),
             show(r.get("plain")), show(r.get("plain_fresh"))]
            for r in data["robust"]["floors"]]


ROBUST_FLOOR_HEADERS = ["Floor", "Robust, fitted draws", "Robust, fresh draws",
                        "Plain, fitted draws", "Plain, fresh draws"]


def _interval(point: Any, low: Any, high: Any, show: Any) -> str:
    if missing(point):
        return "—"
    if missing(low):
        return str(show(point))
    return f"{show(point)} ({show(low)}–{show(high)})"


def estimate_cells(data: Record) -> Rows:
    rows = []
    for r in data["channels"]:
        cpl = ("curve" if missing(r.get("cpl")) else
               _interval(r["cpl"], r.get("cpl_low"), r.get("cpl_high"),
                         lambda v: fmt.money(v, "USD", 2)))
        rows.append([str(r["name"]), fmt.money(r["current_spend"]), fmt.num(r["leads"]), cpl,
                     fmt.num(r["customers"]),
                     _interval(r["lead_to_close"], r.get("lead_to_close_low"),
                               r.get("lead_to_close_high"), lambda v: fmt.pct(v, 1)),
                     _interval(r.get("clv"), r.get("clv_low"), r.get("clv_high"), fmt.money),
                     str(r.get("clv_method", ""))])
    return rows


def lag_shares(cell: str, unit: str, shown: int = 4) -> str:
    """"69%, 12%, 3%, 3% +7 months 13%" from a close_lag cell."""
    shares = [float(v) for v in cell.split(";")]
    head = ", ".join(fmt.pct(v, 0) for v in shares[:shown])
    rest = shares[shown:]
    if not rest:
        return head
    return f"{head} +{len(rest)} {unit}{'s' if len(rest) > 1 else ''} {fmt.pct(sum(rest), 0)}"


def lag_cells(data: Record) -> Rows:
    lags = data["lags"]
    return [[str(r["channel"]), "pooled" if r["pooled"] else fmt.num(r["closes"]),
             fmt.num(r["not_closed"]), fmt.num(r.get("median_days"), 0),
             lag_shares(str(r["close_lag"]), lags["period_length"]),
             "all channels" if r["pooled"] else "its own closes"]
            for r in lags["channels"]]


def pipeline_cells(data: Record) -> Rows:
    """One row per channel: open leads, the ages they span, the cohort-equivalent leads
    written to the pipeline and the customers still to come from them."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in data["lags"]["pipeline"] or []:
        by.setdefault(str(r["channel"]), []).append(r)
    rows = []
    for c, entries in by.items():
        ages = sorted(int(e["age"]) for e in entries)
        span = str(ages[0]) if ages[0] == ages[-1] else f"{ages[0]}–{ages[-1]}"
        rows.append([c, fmt.num(sum(e["open_leads"] for e in entries)), span,
                     fmt.num(sum(e["leads"] for e in entries), 1),
                     fmt.num(sum(e["customers_to_come"] for e in entries), 1)])
    return rows


def dropped_cells(data: Record, short_names: bool = False) -> Rows:
    return [[file_name(r["file"]) if short_names else str(r["file"]), str(r["reason"]),
             fmt.num(r["rows"]), str(r["examples"])] for r in data["dropped"]]


def fit_cells(data: Record) -> Rows:
    return [[str(r["channel"]), str(r["periods"]),
             f"{fmt.num(r.get('max_leads_per_period'), 0)} ± {fmt.num(r.get('max_leads_se'), 0)}",
             f"{fmt.money(r.get('scale_per_period'))} ± {fmt.money(r.get('scale_se'))}",
             fmt.ratio(r.get("r2")), "yes" if r.get("used") else "no", str(r.get("note", ""))]
            for r in data["fits"]]


def file_name(label: str) -> str:
    return label.replace("\\", "/").rsplit("/", 1)[-1]


