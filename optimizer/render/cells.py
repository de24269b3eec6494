"""Records -> formatted cells: one formatter per quantity, one for shadow prices.

Every view lays these cells out (terminal, Markdown, HTML); none formats a number itself.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .. import fmt

if TYPE_CHECKING:
    from ..scenario.model import Scenario

Record = dict[str, Any]
Rows = list[list[str]]

CHANNEL_HEADERS = ["Channel", "Spend", "Current", "Change", "Share", "Leads", "Customers",
                   "CPL", "Marginal CPL", "CPA", "CLV:CPA", "Net value", "ROI"]
COMPARISON_HEADERS = ["Scenario", "Status", "Budget", "Spend", "Customers", "Blended CPA",
                      "CLV:CPA", "Net value", "vs current", "Objective"]
PERIOD_HEADERS = ["Period", "Budget", "Spend", "Share", "Leads", "Customers", "CPA", "CLV:CPA",
                  "Net value"]
FRONTIER_HEADERS = ["Budget", "Status", "Spend", "Net value", "Customers", "Blended CPA",
                    "CLV:CPA", "Next $ earns", "Next $ goes to"]
RANGE_HEADERS = (["Channel", "Input", "Value", "Plan keeps its shape from", "to"],
                 ["Constraint", "Limit", "Shadow price", "Price holds from", "to"])
BINDING_HEADERS = ["Constraint", "Limit", "Shadow price"]
OBJECTIVE_LABELS = {"net_value": "maximise net value (expected CLV minus spend)",
                    "customers": "maximise customers", "leads": "maximise leads",
                    "value": "maximise expected CLV", "min_spend": "the cheapest plan reaching"}


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def shadow_price(value: float | None, unit: str, currency: str,
                 objective: str = "net_value") -> str:
    """A shadow price with its unit: money per unit of the limit, or (customers and leads
    objectives) a count per unit."""
    if objective in ("customers", "leads"):
        return f"{fmt.num(value, 4)} {unit}"
    return f"{fmt.money(value, currency, 2)} {unit}"


def channel_cells(channels: list[Record], cur: str) -> Rows:
    return [[str(r["name"]), fmt.money(r["spend"], cur), fmt.money(r["current_spend"], cur),
             fmt.money(r["change"], cur), fmt.pct(r["share"]), fmt.num(r["leads"], 1),
             fmt.num(r["customers"], 2), fmt.money(r["cpl"], cur, 2),
             fmt.money(r["marginal_cpl"], cur, 2), fmt.money(r["cpa"], cur),
             fmt.ratio(r["clv_to_cpa"]), fmt.money(r["net_value"], cur), fmt.pct(r["roi"])]
            for r in channels]


def _totals_cells(totals: Record, cur: str) -> Rows:
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


def totals_cells(optimal: Record, current: Record, cur: str) -> Rows:
    """Rows of label, optimal, current for the totals of a plan."""
    return [[a, b, c] for (a, b), (_, c) in zip(_totals_cells(optimal, cur),
                                                 _totals_cells(current, cur), strict=True)]


def binding_cells(plan: Record, cur: str) -> Rows:
    return [[b["name"], fmt.plain(b["limit"]),
             shadow_price(b["shadow_price"], b["unit"], cur, plan["objective"])]
            for b in plan["binding"]]


def objective_cell(kind: str, value: float | None, cur: str) -> str:
    if not kind:
        return ""
    label = {"net_value": "net value", "min_spend": "min spend"}.get(kind, kind)
    if missing(value):
        return label
    shown = fmt.num(value, 2) if kind in ("customers", "leads") else fmt.money(value, cur)
    return f"{label} {shown}"


def objective_text(scenario: Scenario, value: float | None) -> str:
    """The objective and its optimum in words ("maximise customers: 84.2")."""
    label = OBJECTIVE_LABELS[scenario.objective]
    if scenario.objective == "min_spend" and scenario.target is not None:
        metric, amount = scenario.target
        shown = fmt.money(amount, scenario.currency) if metric == "value" else fmt.num(amount)
        label = f"{label} {shown} {metric}"
    if value is None:
        return label
    shown = (fmt.num(value, 2) if scenario.objective in ("customers", "leads")
             else fmt.money(value, scenario.currency))
    what = "spend" if scenario.objective == "min_spend" else "optimum"
    return f"{label}: {what} {shown}"


def spend_matrix(spend: list[Record]) -> tuple[list[str], list[str], dict[tuple[str, str], Any]]:
    """(channels, scenarios, {(channel, scenario): spend}) from the long spend records."""
    channels = list(dict.fromkeys(r["channel"] for r in spend))
    scenarios = list(dict.fromkeys(r["scenario"] for r in spend))
    return channels, scenarios, {(r["channel"], r["scenario"]): r["spend"] for r in spend}


def comparison_cells(rows: list[Record], spend: list[Record], cur: str
                     ) -> tuple[list[str], Rows, Rows]:
    """(spend headers, formatted comparison rows, channels x scenarios spend rows)."""
    table = [[str(r["scenario"]), str(r["status"]), fmt.money(r["budget"], cur),
              fmt.money(r["spend"], cur), fmt.num(r["customers"], 2),
              fmt.money(r["blended_cpa"], cur), fmt.ratio(r["blended_clv_to_cpa"]),
              fmt.money(r["net_value"], cur),
              fmt.signed_money(r["net_value_vs_current"], cur)
              if not missing(r["net_value_vs_current"]) else "n/a",
              objective_cell(r["objective"], r["objective_value"], cur)] for r in rows]
    channels, scenarios, value = spend_matrix(spend)
    by_channel = [[str(ch)] + [fmt.money(value.get((ch, s)), cur) for s in scenarios]
                  for ch in channels]
    return ["Channel", *map(str, scenarios)], table, by_channel


def period_cells(plan: Record, cur: str) -> tuple[list[str], Rows, Rows]:
    """(spend headers, period x channel spend rows, per-period KPI rows)."""
    periods = plan.get("periods") or []
    if not periods or "spend_by_channel" not in periods[0]:
        return [], [], []
    channels = list(periods[0]["spend_by_channel"])
    headers = ["Period", *channels]
    spend_rows = [[str(p["name"])] + [fmt.money(p["spend_by_channel"][c], cur) for c in channels]
                  for p in periods]
    kpi_rows = [[str(p["name"]), "—" if missing(p["budget"]) else fmt.money(p["budget"], cur),
                 fmt.money(p["spend"], cur), fmt.pct(p["share"]), fmt.num(p["leads"], 1),
                 fmt.num(p["customers"], 2), fmt.money(p["cpa"], cur), fmt.ratio(p["clv_to_cpa"]),
                 fmt.money(p["net_value"], cur)] for p in periods]
    return headers, spend_rows, kpi_rows


def label(value: object) -> str:
    """A channel name, or a dash for none."""
    return "—" if value is None else str(value)


def frontier_cells(points: list[Record], cur: str) -> Rows:
    return [[fmt.money(r["budget"], cur), str(r["status"]), fmt.money(r["spend"], cur),
             fmt.money(r["net_value"], cur), fmt.num(r["customers"], 2),
             fmt.money(r["blended_cpa"], cur), fmt.ratio(r["blended_clv_to_cpa"]),
             fmt.money(r["marginal_net_value"], cur, 2), label(r["next_dollar_channel"])]
            for r in points]


def saturation_text(data: Record, cur: str) -> str:
    if data["saturation_budget"] is None:
        return str(data["saturation_reason"])
    return (f"Saturation at {fmt.money(data['saturation_budget'], cur)}: "
            f"{data['saturation_reason']}")


def range_cells(data: Record, cur: str) -> tuple[Rows, Rows]:
    """Formatted rows of the input ranges and of the constraint price ranges."""
    def end(value: float | None) -> float:  # null in a record is an unlimited end
        return math.inf if value is None else value

    inputs = [[r["channel"], r["input"], *(fmt.channel_input(r["input"], end(r[k]), cur)
                                           for k in ("value", "low", "high"))]
              for r in data["inputs"]]
    cons = []
    for r in data["constraints"]:
        ranged = r["low"] is not None  # pacing and period shares are not ranged
        cons.append([r["constraint"], fmt.plain(r["limit"]),
                     f"{fmt.money(r['shadow_price'], cur, 2)} {r['unit']}",
                     fmt.plain(r["low"]) if ranged else "n/a",
                     ("unlimited" if r["high"] is None else fmt.plain(r["high"])) if ranged
                     else "n/a"])
    return inputs, cons


# ------------------------------------------------------------------ risk and estimates

RISK_HEADERS = ["Plan", "Net value P10", "P50", "P90", "Customers P10", "P50", "P90",
                "CLV:CPA P10", "P50", "P90", "P(blended floor)", "P(all channel floors)",
                "P(beats current)"]
ESTIMATE_HEADERS = ["Channel", "Spend", "Leads", "CPL (90%)", "Customers",
                    "Lead-to-close (90%)", "CLV (90%)", "CLV method"]
FIT_HEADERS = ["Channel", "Periods", "L", "k", "R²", "Used", "Note"]
DROPPED_HEADERS = ["File", "Reason", "Rows", "Examples"]


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
    lines = [f"Robust plan: {robust['method']}. KPIs above are at the point estimates; each "
             f"CLV:CPA floor holds with probability >= {robust['confidence']:.0%} on the draws."]
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
    return lines


def robust_floor_cells(data: Record) -> Rows:
    def show(p: float | None) -> str:
        return "not funded" if missing(p) else fmt.pct(p)

    return [[str(r["floor"]), show(r.get("robust")), show(r.get("plain"))]
            for r in data["robust"]["floors"]]


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


# ------------------------------------------------------------------------------ headline


def _names(names: list[str], most: int = 3) -> str:
    if len(names) > most:
        names = [*names[:most], f"{len(names) - most} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def headline(plan: Record) -> str:
    """What to do and what it gains, from the plan against the current plan."""
    cur = plan["scenario"]["currency"]
    if not plan["channels"]:
        text = "No plan satisfies every constraint"
        if plan["conflicts"]:
            text += f": {plan['conflicts'][0]}"
        if plan["repairs"]:
            text += f". Smallest fix: {plan['repairs'][0]['text']}"
        return text
    moves = [(c["name"], c["change"] or 0.0) for c in plan["channels"]]
    step = 0.5  # below half a currency unit nothing moves
    down = sorted((m for m in moves if m[1] < -step), key=lambda m: m[1])
    up = sorted((m for m in moves if m[1] > step), key=lambda m: -m[1])
    moved, added = -sum(c for _, c in down), sum(c for _, c in up)
    if not down and not up:
        action = "Keep the current plan: it is already the best under these constraints"
    elif down and up:
        action = (f"Move {fmt.money(min(moved, added), cur)} from {_names([n for n, _ in down])} "
                  f"into {_names([n for n, _ in up])}")
        if added - moved > step:
            action += f", and spend {fmt.money(added - moved, cur)} more"
        elif moved - added > step:
            action += f", and spend {fmt.money(moved - added, cur)} less"
    elif up:
        action = f"Add {fmt.money(added, cur)} to {_names([n for n, _ in up])}"
    else:
        action = f"Cut {fmt.money(moved, cur)} from {_names([n for n, _ in down])}"
    return f"{action}: {_gains(plan, cur)}"


def _gains(plan: Record, cur: str) -> str:
    now, was = plan["totals"], plan["current"]["totals"]
    d_net = now["net_value"] - was["net_value"]
    d_customers = now["customers"] - was["customers"]
    net = f"{fmt.signed_money(d_net, cur)} net value"
    if was["net_value"] > 0 and abs(d_net) >= 0.5:
        net += f" ({'+' if d_net > 0 else ''}{fmt.pct(d_net / was['net_value'], 0)})"
    customers = f"{fmt.signed_num(d_customers, 1)} expected customers"
    if plan["objective"] in ("customers", "leads"):
        if plan["objective"] == "leads":
            customers = f"{fmt.signed_num(now['leads'] - was['leads'], 0)} leads"
        return f"{customers}, {net}"
    if plan["objective"] == "min_spend":
        return (f"reaches the target for {fmt.money(now['spend'], cur)} "
                f"({fmt.signed_money(now['spend'] - was['spend'], cur)} of spend), {net}")
    return f"{net}, {customers}"
