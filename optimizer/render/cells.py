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

CHANNEL_HEADERS = ["Channel", "Spend", "Current", "Change", "Share", "Leads",
                   "Expected customers", "CPL", "Marginal CPL", "CPA", "CLV:CPA", "Net value",
                   "ROI"]
COMPARISON_HEADERS = ["Scenario", "Status", "Budget", "Spend", "Expected customers",
                      "Blended CPA", "CLV:CPA", "Net value", "vs current", "Objective"]
PERIOD_HEADERS = ["Period", "Budget", "Spend", "Share", "Leads", "Expected customers", "CPA",
                  "CLV:CPA", "Net value"]
FRONTIER_HEADERS = ["Budget", "Status", "Spend", "Net value", "Expected customers",
                    "Blended CPA", "CLV:CPA", "Next $ earns", "Next $ goes to"]
RANGE_HEADERS = (["Channel", "Input", "Value", "Plan keeps its shape from", "to"],
                 ["Constraint", "Limit", "Shadow price", "Holds from", "to",
                  "Price over the range"])
BINDING_HEADERS = ["Constraint", "Limit", "Shadow price"]
OBJECTIVE_LABELS = {"net_value": "maximise net value (expected CLV minus spend)",
                    "customers": "maximise customers", "leads": "maximise leads",
                    "value": "maximise expected CLV", "min_spend": "the cheapest plan reaching",
                    "npv": "maximise NPV (discounted expected CLV minus discounted spend)"}


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def shadow_price(value: float | None, unit: str, currency: str,
                 objective: str = "net_value", kind: str | None = None) -> str:
    """A shadow price in words: signed, per a step of the limit a planner thinks in ("+$48
    per percentage point of max_share", "+$3,607 per extra SQL of capacity"), money or
    (customers and leads objectives) a count."""
    return " ".join(price_parts(value, unit, currency, objective, kind))


def price_parts(value: float | None, unit: str, currency: str, objective: str = "net_value",
                kind: str | None = None) -> tuple[str, str]:
    """(the amount, what it is per) of a shadow price; see `shadow_price`."""
    from ..lp.kinds import OBJECTIVE_UNITS, ROW_KINDS, RowKind

    per = ROW_KINDS[RowKind(kind)].price_per if kind else None
    if per is not None:
        unit = OBJECTIVE_UNITS[objective] + per[1]
    if missing(value):
        return "n/a", unit
    assert value is not None
    if per is not None:
        value = value * per[0]
    if objective in ("customers", "leads"):
        return fmt.signed_num(value, 4), unit
    return fmt.signed_money(value, currency, 2 if abs(value) < 100 else 0), unit


def limit_text(value: float | None, quantity: str, currency: str) -> str:
    """A limit in its unit: $250,000, 60.0%, 3.0:1, 400 SQLs."""
    if missing(value):
        return "n/a"
    assert value is not None
    if math.isinf(value):
        return "unlimited"
    shown = {"money": lambda: fmt.money(value, currency),
             "ratio": lambda: f"{fmt.plain(value)}:1",
             "share": lambda: fmt.pct(value), "change": lambda: fmt.pct(value),
             "leads": lambda: f"{fmt.num(value)} leads",
             "sqls": lambda: f"{fmt.num(value)} SQLs",
             "customers": lambda: f"{fmt.num(value)} customers",
             "channels": lambda: f"{fmt.num(value)} channels"}.get(quantity)
    return shown() if shown is not None else fmt.plain(value)


def has_sqls(channels: list[Record]) -> bool:
    """SQLs are shown when every channel knows its lead_to_sql."""
    return bool(channels) and all(not missing(r.get("sqls")) for r in channels)


def has_payback(channels: list[Record]) -> bool:
    """CAC payback is shown when a channel has a monthly margin."""
    return any("payback_months" in r for r in channels)


def channel_headers(channels: list[Record]) -> list[str]:
    """CHANNEL_HEADERS, with an SQLs column after Leads when they are known, and CAC
    payback last when channels have margins."""
    out = list(CHANNEL_HEADERS)
    if has_sqls(channels):
        at = CHANNEL_HEADERS.index("Leads") + 1
        out = [*CHANNEL_HEADERS[:at], "SQLs", *CHANNEL_HEADERS[at:]]
    if has_payback(channels):
        out.append("Payback (months)")
    return out


def channel_cells(channels: list[Record], cur: str) -> Rows:
    sqls, payback = has_sqls(channels), has_payback(channels)
    return [[str(r["name"]), fmt.money(r["spend"], cur), fmt.money(r["current_spend"], cur),
             fmt.signed_money(r["change"], cur), fmt.pct(r["share"]), fmt.num(r["leads"], 1),
             *([fmt.num(r["sqls"], 1)] if sqls else []),
             fmt.num(r["customers"], 2), fmt.money(r["cpl"], cur, 2),
             fmt.money(r["marginal_cpl"], cur, 2), fmt.money(r["cpa"], cur),
             fmt.ratio(r["clv_to_cpa"]), fmt.money(r["net_value"], cur), fmt.pct(r["roi"]),
             *([fmt.num(r.get("payback_months"), 1)] if payback else [])]
            for r in channels]


# (label, key, how it is shown, how its change is shown)
_TOTALS: list[tuple[str, str, Any, Any]] = [
    ("Spend", "spend", lambda v, c: fmt.money(v, c), lambda v, c: fmt.signed_money(v, c)),
    ("Unspent budget", "unspent", lambda v, c: fmt.money(v, c),
     lambda v, c: fmt.signed_money(v, c)),
    ("Leads", "leads", lambda v, c: fmt.num(v, 1), lambda v, c: fmt.signed_num(v, 1)),
    ("SQLs", "sqls", lambda v, c: fmt.num(v, 1), lambda v, c: fmt.signed_num(v, 1)),
    ("Expected customers", "customers", lambda v, c: fmt.num(v, 2),
     lambda v, c: fmt.signed_num(v, 2)),
    ("Value (expected CLV)", "value", lambda v, c: fmt.money(v, c),
     lambda v, c: fmt.signed_money(v, c)),
    ("Net value", "net_value", lambda v, c: fmt.money(v, c),
     lambda v, c: fmt.signed_money(v, c)),
    ("Blended CPL", "blended_cpl", lambda v, c: fmt.money(v, c, 2),
     lambda v, c: fmt.signed_money(v, c, 2)),
    ("Blended CPA", "blended_cpa", lambda v, c: fmt.money(v, c),
     lambda v, c: fmt.signed_money(v, c)),
    ("Blended CLV:CPA", "blended_clv_to_cpa", lambda v, c: fmt.ratio(v),
     lambda v, c: fmt.signed_num(v, 2)),
    ("ROI", "roi", lambda v, c: fmt.pct(v), lambda v, c: _signed_points(v)),
    # shown only in scenarios that have them
    ("NPV (discounted net value)", "npv", lambda v, c: fmt.money(v, c),
     lambda v, c: fmt.signed_money(v, c)),
    ("Blended CAC payback (months)", "blended_payback_months", lambda v, c: fmt.num(v, 1),
     lambda v, c: fmt.signed_num(v, 1)),
    ("Pipeline customers (not this plan's)", "pipeline_customers",
     lambda v, c: fmt.num(v, 2), lambda v, c: fmt.signed_num(v, 2)),
]
OPTIONAL_TOTALS = ("npv", "blended_payback_months", "pipeline_customers")
TOTALS_HEADERS = ["", "Optimal", "Current", "Change"]


def _signed_points(value: float) -> str:
    return f"{fmt.signed_num(100 * value, 1)} pts"


def totals_cells(optimal: Record, current: Record, cur: str) -> Rows:
    """Rows of label, optimal, current and the change for the totals of a plan (SQLs only
    when known)."""
    rows = []
    for label, key, show, change in _TOTALS:
        a, b = optimal.get(key), current.get(key)
        if (key == "sqls" and missing(a)) or (key in OPTIONAL_TOTALS and key not in optimal):
            continue
        delta = "n/a" if a is None or b is None or missing(a) or missing(b) \
            else change(a - b, cur)
        rows.append([label, show(a, cur), show(b, cur), delta])
    return rows


def binding_cells(plan: Record, cur: str) -> Rows:
    return [[b["label"], limit_text(b["limit"], b["quantity"], cur),
             shadow_price(b["shadow_price"], b["unit"], cur, plan["objective"], b["kind"])]
            for b in plan["binding"]]


def objective_cell(kind: str, value: float | None, cur: str) -> str:
    if not kind:
        return ""
    label = {"net_value": "net value", "min_spend": "min spend"}.get(kind, kind)
    if missing(value):
        return f"{label} n/a"  # no plan, so no optimum (never a bare label that reads as one)
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


COHORT_HEADERS = ["Period", "Spend", "Leads arriving", "Customers closing",
                  "Pipeline customers", "Value", "Discounted value", "Counted"]
COHORT_NOTE = ("Leads arriving and customers closing per period, the pipeline's beside the "
               "plan's; the last row closes after the plan's periods.")


def cohort_cells(plan: Record, cur: str) -> Rows:
    """When the plan's leads arrive and its customers close, period by period and after
    the window (empty without timing)."""
    return [[str(r["period"]), "—" if missing(r["spend"]) else fmt.money(r["spend"], cur),
             fmt.num(r["leads"], 1), fmt.num(r["customers"], 2),
             fmt.num(r["pipeline_customers"], 2), fmt.money(r["value"], cur),
             fmt.money(r["discounted_value"], cur), "yes" if r["counted"] else "no"]
            for r in plan.get("cohorts") or []]


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
    """Formatted rows of the input ranges and of the constraint price ranges. An end that
    was not proven exact reads "or beyond" (the range holds at least that far)."""
    def end(value: float | None) -> float:  # null in a record is an unlimited end
        return math.inf if value is None else value

    def mark(text: str, exact: bool | None) -> str:
        return text if exact is None or exact or text == "unlimited" else f"{text} or beyond"

    inputs = [[r["channel"], r["input"], fmt.channel_input(r["input"], r["value"], cur),
               mark(fmt.channel_input(r["input"], end(r["low"]), cur), r.get("low_exact")),
               mark(fmt.channel_input(r["input"], end(r["high"]), cur), r.get("high_exact"))]
              for r in data["inputs"]]
    objective = data.get("objective", "net_value")
    cons = []
    for r in data["constraints"]:
        quantity, kind = r.get("quantity", ""), r.get("kind")
        ranged = r["low"] is not None  # pacing and period shares are not ranged
        ends = ["n/a", "n/a"]
        if ranged:
            ends = [mark(limit_text(r["low"], quantity, cur), r.get("low_exact")),
                    mark(limit_text(end(r["high"]), quantity, cur), r.get("high_exact"))]
        at = [r.get("price_at_low"), r.get("price_at_high")]
        varies = not any(missing(p) for p in at) and abs(at[0] - at[1]) > 1e-9 * max(
            1.0, abs(at[0]), abs(at[1]))
        moving = ""
        if varies:
            low, high = (price_parts(p, r["unit"], cur, objective, kind)[0] for p in at)
            moving = f"{low} at {ends[0]} to {high} at {ends[1]}"
        cons.append([r.get("label", r["constraint"]), limit_text(r["limit"], quantity, cur),
                     shadow_price(r["shadow_price"], r["unit"], cur, objective, kind),
                     *ends, moving])
    if not any(row[-1] for row in cons):  # every price is constant over its range
        cons = [row[:-1] for row in cons]
    return inputs, cons


def range_headers(cons: Rows) -> tuple[list[str], list[str]]:
    """RANGE_HEADERS, without "Price over the range" when no price moves."""
    width = len(cons[0]) if cons else len(RANGE_HEADERS[1]) - 1
    return RANGE_HEADERS[0], RANGE_HEADERS[1][:width]


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
