"""The Excel workbook written next to the other outputs, as finance expects it: money in the
scenario's currency format and to the cent, rates and shares as percents, bold headers with
an autofilter, frozen panes, a chart of current vs optimal spend, and an Inputs sheet that
a scenario reads back (`channels: plan.xlsx#Inputs`).

Cells are written by openpyxl one by one: text is always stored as text (a channel named
"=HYPERLINK(...)" is never a formula), structured cells as JSON, solver noise rounded away.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import re
from typing import TYPE_CHECKING, Any

from .. import fmt
from .csv import FORMULA_START, MONEY_COLUMNS
from .records import solution_notes

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.worksheet.worksheet import Worksheet

    from .bundle import ReportData

PERCENT_COLUMNS = frozenset({
    "share", "change_pct", "roi", "lead_to_close", "lead_to_sql", "lead_to_close_low",
    "lead_to_close_high", "lead_to_sql_low", "lead_to_sql_high", "p_blended_floor",
    "p_all_channel_floors", "p_beats_current", "max_change", "min_share", "max_share"})
COUNT_COLUMNS = frozenset({"leads", "sqls", "customers", "units"})
RATIO_COLUMNS = frozenset({"clv_to_cpa", "blended_clv_to_cpa", "min_clv_to_cpa"})
MONEY_SHEET_COLUMNS = MONEY_COLUMNS | {"tier1_cpl", "tier2_cpl", "tier3_cpl", "tier4_cpl",
                                       "tier1_up_to", "tier2_up_to", "tier3_up_to"}


def _money_format(currency: str) -> str:
    symbol = fmt.SYMBOLS.get(currency.upper())
    if symbol:
        return f'"{symbol}"#,##0.00;-"{symbol}"#,##0.00'
    return f'#,##0.00 "{currency}";-#,##0.00 "{currency}"'


def _number_format(column: str, currency: str) -> str | None:
    if column in MONEY_SHEET_COLUMNS or (column.startswith("tier") and column.endswith("cpl")):
        return _money_format(currency)
    if column in PERCENT_COLUMNS:
        return "0.00%"
    if column in COUNT_COLUMNS:
        return "#,##0.00"
    if column in RATIO_COLUMNS:
        return "0.00"
    return None


def cell_value(value: Any, money: bool, exact: bool = False) -> Any:
    """What a cell stores: money to the cent, other numbers without solver noise (12
    significant digits), NaN and infinities empty, structured values as JSON. `exact`
    (inputs) keeps every digit."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if exact:
            return value
        if money:
            return round(value, 2) + 0.0
        if value == 0:
            return 0.0
        digits = math.floor(math.log10(abs(value))) + 1
        return round(value, max(0, 12 - digits)) + 0.0
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _write_sheet(sheet: Worksheet, frame: pd.DataFrame, currency: str, exact: bool = False
                 ) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = [str(c) for c in frame.columns]
    for j, title in enumerate(columns, start=1):  # headers may be names: text, never formulas
        _text(sheet.cell(1, j), str(title)).font = Font(bold=True)
    formats = [_number_format(c, currency) for c in columns]
    money = [c in MONEY_SHEET_COLUMNS or c.startswith("tier") for c in columns]
    for k, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, (value, is_money, number_format) in enumerate(
                zip(row, money, formats, strict=True), start=1):
            cell = sheet.cell(k, j)
            shown = cell_value(value, is_money, exact)
            if isinstance(shown, str):
                _text(cell, shown)
                continue
            cell.value = shown
            if number_format is not None and isinstance(cell.value, int | float):
                cell.number_format = number_format
    for j, col in enumerate(columns, start=1):
        shown = [len(str(v)) for v in frame.iloc[:200, j - 1]]
        sheet.column_dimensions[get_column_letter(j)].width = min(max([len(col), *shown]) + 2,
                                                                   60)
    if frame.shape[0]:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{frame.shape[0] + 1}"
    sheet.freeze_panes = "B2"


def _spend_chart(sheet: Worksheet, frame: pd.DataFrame, currency: str) -> None:
    """Current vs optimal spend per channel, beside the Allocation table."""
    from openpyxl.chart import BarChart, Reference

    columns = [str(c) for c in frame.columns]
    if "spend" not in columns or "current_spend" not in columns or not frame.shape[0]:
        return
    n = frame.shape[0]
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Current vs optimal spend"
    chart.y_axis.title = f"Spend ({currency})"
    chart.y_axis.numFmt = _money_format(currency).split(";")[0].replace(".00", "")
    chart.y_axis.majorGridlines = None
    for name in ("current_spend", "spend"):
        col = columns.index(name) + 1
        chart.add_data(Reference(sheet, min_col=col, min_row=1, max_row=n + 1),
                       titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=n + 1))
    chart.height, chart.width = max(7.5, 1.2 * n), 18
    sheet.add_chart(chart, f"A{n + 4}")


def _sheets(data: ReportData) -> dict[str, pd.DataFrame]:
    import pandas as pd

    from ..scenario.table import channel_frame

    r = data.result
    sheets: dict[str, pd.DataFrame] = {}
    if r.channels is not None:
        sheets["Allocation"] = r.channels.reset_index()
    if r.period_spend is not None and r.periods is not None:
        sheets["Spend by period"] = r.period_spend.reset_index()
        sheets["Periods"] = r.periods.reset_index()
    if r.cohorts is not None:
        sheets["Cohorts"] = r.cohorts.reset_index()
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
    sheets["Inputs"] = channel_frame(r.scenario)
    sc = r.scenario
    notes = solution_notes(r)
    sheets["About"] = pd.DataFrame({
        "field": ["scenario", "status", "solver", "input_hash", "budget", "currency", "period",
                  "package_version", "objective", "inputs sheet", *(["note"] * len(notes))],
        "value": [sc.name, str(r.status), r.solver, sc.input_hash, sc.budget, sc.currency,
                  sc.period or "", r.package_version, sc.objective,
                  "the channels as a table: a scenario reads it with channels: "
                  "<this file>#Inputs", *notes]})
    return sheets


def workbook_bytes(data: ReportData) -> bytes:
    """An .xlsx with one sheet each: allocation (and its chart), current plan, comparison,
    spend by scenario, constraints and shadow prices, frontier, sensitivity, inputs."""
    from openpyxl import Workbook

    currency = data.result.scenario.currency
    book = Workbook()
    book.remove(book.active)
    for name, frame in _sheets(data).items():
        sheet = book.create_sheet(name[:31])
        _write_sheet(sheet, frame, currency, exact=name == "Inputs")
        if name == "Allocation":
            _spend_chart(sheet, frame, currency)
    book.properties.created = book.properties.modified = FIXED_TIME
    book.properties.creator = "chanopt"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _text(cell: Any, text: str) -> Any:
    """A text cell that Excel never evaluates: stored as a string, and text that starts
    like a formula (=, +, -, @, tab, CR) carries Excel's leading-quote flag, so editing
    the cell keeps it text too."""
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


FIXED_TIME = datetime.datetime(2000, 1, 1)  # workbook metadata: the same bytes every run


def _fixed_zip(data: bytes) -> bytes:
    """The workbook's zip with every member dated 1980-01-01 (openpyxl stamps the time of
    writing), so identical plans give byte-identical files."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' on save
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z",
                                 content)
            target.writestr(member, content)
    return out.getvalue()
