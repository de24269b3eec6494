"""The Excel workbook written next to the other outputs (openpyxl through pandas)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

from .records import solution_notes

if TYPE_CHECKING:
    from .bundle import ReportData


def _inputs_frame(data: ReportData) -> pd.DataFrame:
    sc = data.result.scenario
    rows = []
    for ch in sc.channels:
        common = {"lead_to_close": ch.lead_to_close, "lead_to_sql": ch.lead_to_sql,
                  "clv": ch.clv, "current_spend": ch.current_spend, "min_spend": ch.min_spend,
                  "max_spend": None if ch.max_spend == float("inf") else ch.max_spend,
                  "clv_to_cpa_floor": sc.floor_of(ch)}
        for k, tier in enumerate(ch.tiers):
            rows.append({"channel": ch.name, "tier": k + 1, "cpl": tier.cpl,
                         "up_to": None if tier.up_to == float("inf") else tier.up_to, **common})
        if ch.response is not None:  # a curve, as written (the LP linearises it)
            r = ch.response
            rows.append({"channel": ch.name, "tier": None, "cpl": None, "up_to": None, **common,
                         "response_curve": r.curve, "response_max_leads": r.max_leads,
                         "response_scale": r.scale, "response_shape": r.shape})
    return pd.DataFrame(rows)


def workbook_bytes(data: ReportData) -> bytes:
    """An .xlsx with one sheet each: allocation, current plan, comparison, spend by scenario,
    constraints and shadow prices, frontier, sensitivity, inputs."""
    r = data.result
    sheets: dict[str, pd.DataFrame] = {}
    if r.channels is not None:
        sheets["Allocation"] = r.channels.reset_index()
    if r.period_spend is not None and r.periods is not None:
        sheets["Spend by period"] = r.period_spend.reset_index()
        sheets["Periods"] = r.periods.reset_index()
    sheets["Current plan"] = r.current_channels.reset_index()
    if data.comparison is not None:
        sheets["Comparison"] = data.comparison.table
        sheets["Spend by scenario"] = data.comparison.spend.reset_index()
    if r.constraints is not None:
        sheets["Constraints"] = r.constraints
    else:
        sheets["Conflicts"] = pd.DataFrame({"conflict": list(r.conflicts)})
        if data.repairs:
            sheets["Repairs"] = pd.DataFrame([{"constraint": s.constraint, "change": s.text,
                                               "field": s.field, "current": s.current,
                                               "proposed": s.proposed} for s in data.repairs])
    if data.frontier is not None:
        sheets["Frontier"] = data.frontier.points
    if data.ranging is not None:
        sheets["Sensitivity inputs"] = data.ranging.inputs
        sheets["Shadow price ranges"] = data.ranging.constraints
    sheets["Inputs"] = _inputs_frame(data)
    sc = r.scenario
    notes = solution_notes(r)
    sheets["About"] = pd.DataFrame({"field": ["scenario", "status", "solver", "input_hash",
                                              "budget", "currency", "period", "package_version",
                                              "objective", *(["note"] * len(notes))],
                                    "value": [sc.name, str(r.status), r.solver, sc.input_hash,
                                              sc.budget, sc.currency, sc.period or "",
                                              r.package_version, sc.objective, *notes]})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame = frame.copy()
            for col in frame.columns:  # Excel has no NaN/inf: leave such cells empty
                if frame[col].dtype.kind == "f":
                    frame[col] = frame[col].where(frame[col].abs() != float("inf"))
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for k, col in enumerate(frame.columns, start=1):
                width = max(len(str(col)), *(len(str(v)) for v in frame[col].head(200))) + 2
                sheet.column_dimensions[sheet.cell(1, k).column_letter].width = min(width, 60)
            sheet.freeze_panes = "B2"
    return buffer.getvalue()
