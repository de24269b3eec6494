"""Risk profiles and robust plans as JSON, CSV, Markdown and terminal tables (no I/O)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from . import fmt
from ._version import __version__
from .report import SCHEMA_VERSION, _clean, _md_table, plan_dict
from .risk import RiskProfile
from .robust import RobustPlan

RISK_HEADERS = ["Plan", "Net value P10", "P50", "P90", "Customers P10", "P50", "P90",
                "CLV:CPA P10", "P50", "P90", "P(blended floor)", "P(all channel floors)",
                "P(beats current)"]


def risk_dict(profile: RiskProfile) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "package_version": __version__,
            "draws": profile.draws, "seed": profile.seed,
            "uncertain_inputs": profile.uncertain_inputs,
            "plans": [{k: _clean(v) for k, v in row.items()}
                      for row in profile.summary.to_dict("records")],
            "channel_floors": [
                {"plan": plan, "channel": ch, "p_floor": _clean(p)}
                for plan, row in profile.channel_floors.iterrows() for ch, p in row.items()]}


def risk_csv(profile: RiskProfile) -> str:
    return profile.summary.to_csv(index=False, float_format="%.6g")


def _cells(profile: RiskProfile, cur: str) -> list[list[str]]:
    rows = []
    for r in profile.summary.itertuples():
        rows.append([str(r.plan),
                     *(fmt.money(getattr(r, f"net_value_p{q}"), cur) for q in (10, 50, 90)),
                     *(fmt.num(getattr(r, f"customers_p{q}"), 1) for q in (10, 50, 90)),
                     *(fmt.ratio(getattr(r, f"blended_clv_to_cpa_p{q}")) for q in (10, 50, 90)),
                     fmt.pct(r.p_blended_floor), fmt.pct(r.p_all_channel_floors),
                     fmt.pct(r.p_beats_current)])
    return rows


def _floor_cells(profile: RiskProfile) -> tuple[list[str], list[list[str]]]:
    frame = profile.channel_floors
    funded = [c for c in frame.columns if frame[c].notna().any()]
    rows = [[str(plan)] + [fmt.pct(row[c]) if row[c] == row[c] else "—" for c in funded]
            for plan, row in frame.iterrows()]
    return ["Plan", *map(str, funded)], rows


def _intro(profile: RiskProfile) -> str:
    if profile.uncertain_inputs == 0:
        return ("No channel input carries uncertainty (add `uncertainty:` to channels, or "
                "use a table written by `chanopt estimate`): every draw is the point estimate.")
    return (f"{profile.draws:,} draws (seed {profile.seed}) of {profile.uncertain_inputs} "
            "uncertain channel inputs; every plan is evaluated on the same draws.")


def risk_markdown(profile: RiskProfile, currency: str = "USD") -> str:
    headers, floor_rows = _floor_cells(profile)
    out = ["# Risk profile", "", _intro(profile), "",
           _md_table(RISK_HEADERS, _cells(profile, currency)), "",
           "## Probability that each funded channel keeps its CLV:CPA floor", "",
           _md_table(headers, floor_rows) if floor_rows and len(headers) > 1 else "No funded channel.",
           ""]
    return "\n".join(out)


def risk_tables(profile: RiskProfile, currency: str = "USD") -> list[Any]:
    table = Table(title="Risk profile (P10 / P50 / P90 over the draws)", title_justify="left")
    for i, h in enumerate(RISK_HEADERS):
        table.add_column(h, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for row in _cells(profile, currency):
        table.add_row(*row)
    headers, floor_rows = _floor_cells(profile)
    floors = Table(title="P(channel keeps its CLV:CPA floor)", title_justify="left")
    for i, h in enumerate(headers):
        floors.add_column(h, justify="left" if i == 0 else "right")
    for row in floor_rows:
        floors.add_row(*row)
    return [_intro(profile), table, floors]


# --------------------------------------------------------------------------- robust plans


def robust_dict(plan: RobustPlan) -> dict[str, Any]:
    data = plan_dict(plan.result)
    data["robust"] = {
        "draws": plan.draws, "confidence": plan.confidence, "seed": plan.seed,
        "method": plan.method,
        "expected_net_value": _clean(plan.expected_net_value),
        "plain_expected_net_value": _clean(plan.plain_expected_net_value),
        "price_of_robustness": _clean(plan.price_of_robustness),
        "plain_spend": {} if plan.plain.channels is None else {
            str(k): _clean(v) for k, v in plan.plain.channels["spend"].items()},
        "floors": [{k: _clean(v) for k, v in row.items()}
                   for row in plan.floors.to_dict("records")],
    }
    return data


def robust_lines(plan: RobustPlan) -> list[str]:
    cur = plan.result.scenario.currency
    lines = [f"Robust plan: {plan.method}. KPIs above are at the point estimates; each "
             f"CLV:CPA floor holds with probability >= {plan.confidence:.0%} on the draws."]
    if not plan.result.scenario.has_uncertainty:
        lines.append("No channel input carries uncertainty (add `uncertainty:` to channels, or "
                     "use a table written by `chanopt estimate`): every draw is the point "
                     "estimate, so the robust plan is the plain one.")
    if plan.price_of_robustness is not None:
        lines.append(
            f"Expected net value {fmt.money(plan.expected_net_value, cur)} against "
            f"{fmt.money(plan.plain_expected_net_value, cur)} for the plain optimum on the "
            f"same draws: the price of robustness is {fmt.money(plan.price_of_robustness, cur)}.")
    return lines


def robust_floor_cells(plan: RobustPlan) -> list[list[str]]:
    def show(p: float | None) -> str:
        return "not funded" if p is None or p != p else fmt.pct(p)

    return [[str(r["floor"]), show(r.get("robust")), show(r.get("plain"))]
            for r in plan.floors.to_dict("records")]


# --------------------------------------------------------------------------- estimates


def estimate_dict(result) -> dict[str, Any]:
    """`chanopt estimate --format json`: the table, rows read, rows not used by reason,
    curve fits and notes."""
    def records(frame):
        return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]

    return {"schema_version": SCHEMA_VERSION, "package_version": __version__,
            "period": list(result.period) if result.period else None,
            "rows_read": result.rows, "date_formats": result.date_formats,
            "channels": records(result.table), "dropped": records(result.dropped),
            "fits": records(result.fits), "notes": list(result.notes)}


ESTIMATE_HEADERS = ["Channel", "Spend", "Leads", "CPL (90%)", "Customers",
                    "Lead-to-close (90%)", "CLV (90%)", "CLV method"]


def _estimate_cells(result) -> list[list[str]]:
    rows = []
    for r in result.table.to_dict("records"):
        def interval(point, low, high, show):
            if point is None or point != point:
                return "—"
            if low is None or low != low:
                return show(point)
            return f"{show(point)} ({show(low)}–{show(high)})"

        cpl = ("curve" if r.get("cpl") is None or r.get("cpl") != r.get("cpl")
               else interval(r["cpl"], r.get("cpl_low"), r.get("cpl_high"),
                             lambda v: fmt.money(v, "USD", 2)))
        rows.append([str(r["name"]), fmt.money(r["current_spend"]), fmt.num(r["leads"]), cpl,
                     fmt.num(r["customers"]),
                     interval(r["lead_to_close"], r.get("lead_to_close_low"),
                              r.get("lead_to_close_high"), lambda v: fmt.pct(v, 1)),
                     interval(r.get("clv"), r.get("clv_low"), r.get("clv_high"), fmt.money),
                     str(r.get("clv_method", ""))])
    return rows


def _dropped_cells(result) -> list[list[str]]:
    return [[str(r["file"]), str(r["reason"]), fmt.num(r["rows"]), str(r["examples"])]
            for r in result.dropped.to_dict("records")]


def estimate_markdown(result) -> str:
    out = ["# Channel estimates", ""]
    read = ", ".join(f"{_file_name(f)}: {n:,} rows" for f, n in result.rows.items())
    out += [f"Read {read}." + (f" Period {result.period[0]} to {result.period[1]}."
                               if result.period else ""), ""]
    out += [_md_table(ESTIMATE_HEADERS, _estimate_cells(result)), ""]
    out += ["## Rows not used", ""]
    out += ([_md_table(["File", "Reason", "Rows", "Examples"], _dropped_cells(result))]
            if len(result.dropped) else ["None: every row was used."]) + [""]
    if len(result.fits):
        out += ["## Diminishing returns (leads per period = L (1 - exp(-spend / k)))", ""]
        out += [_md_table(["Channel", "Periods", "L", "k", "R²", "Used", "Note"],
                          _fit_cells(result)), ""]
    if result.notes:
        out += ["## Notes", ""] + [f"- {n}" for n in result.notes] + [""]
    return "\n".join(out)


def _fit_cells(result) -> list[list[str]]:
    return [[str(r["channel"]), str(r["periods"]),
             f"{fmt.num(r.get('max_leads_per_period'), 0)} ± {fmt.num(r.get('max_leads_se'), 0)}",
             f"{fmt.money(r.get('scale_per_period'))} ± {fmt.money(r.get('scale_se'))}",
             fmt.ratio(r.get("r2")), "yes" if r.get("used") else "no", str(r.get("note", ""))]
            for r in result.fits.to_dict("records")]


def _file_name(label: str) -> str:
    return label.replace("\\", "/").rsplit("/", 1)[-1]


def estimate_tables(result) -> list[Any]:
    out: list[Any] = []
    table = Table(title="Channel estimates (90% intervals)", title_justify="left")
    for i, h in enumerate(ESTIMATE_HEADERS):
        table.add_column(h, justify="left" if i in (0, 7) else "right", no_wrap=i == 0)
    for row in _estimate_cells(result):
        table.add_row(*row)
    out.append(table)
    dropped = Table(title="Rows not used", title_justify="left")
    for h in ("File", "Reason", "Rows", "Examples"):
        dropped.add_column(h, justify="right" if h == "Rows" else "left")
    for row in _dropped_cells(result):
        row[0] = _file_name(row[0])
        dropped.add_row(*row)
    out.append(dropped if len(result.dropped) else "Every row was used.")
    if len(result.fits):
        fits = Table(title="Diminishing returns fits", title_justify="left")
        for h in ("Channel", "Periods", "L", "k", "R²", "Used", "Note"):
            fits.add_column(h)
        for row in _fit_cells(result):
            fits.add_row(*row)
        out.append(fits)
    out.extend(f"[yellow]note:[/] {n}" for n in result.notes)
    return out
