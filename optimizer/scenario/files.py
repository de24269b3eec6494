"""Reading scenario inputs: the only code that opens a scenario file, a file it extends or a
channel table (CSV, or a sheet of an .xlsx workbook)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import values as V
from .located import Collector, Loc


@dataclass(frozen=True)
class Table:
    """A channel table as read: its label in messages, header and numbered rows."""

    label: str
    path: Path
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (line or row number, cells)


def read_yaml(path: Path, problems: Collector) -> dict[str, Any]:
    """The mapping a YAML file holds ({} with a problem added when it cannot be used)."""
    loc = Loc(str(path), "")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.add(loc, "file not found; check the path (relative paths start from the "
                          "current directory, or from the file that names them)")
        return {}
    except OSError as exc:
        problems.add(loc, f"cannot be read: {exc.strerror}")
        return {}
    try:
        data = yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.add(Loc(str(path), where), f"not valid YAML: {exc.problem}")
        return {}
    except yaml.YAMLError as exc:
        problems.add(loc, f"not valid YAML: {exc}")
        return {}
    if not isinstance(data, dict):
        problems.add(loc, "must be a YAML mapping with keys such as name, budget and channels")
        return {}
    return data


def _loader() -> type[yaml.SafeLoader]:
    return yaml.SafeLoader


def read_table(spec: str, base_dir: Path, loc: Loc, problems: Collector) -> Table | None:
    """`table.csv`, `table.xlsx` (first sheet) or `table.xlsx#Sheet name`, relative to
    `base_dir` (None with a problem added when it cannot be read)."""
    if spec.split("#", 1)[0].lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(spec, base_dir, loc, problems)
    return _read_csv(base_dir / spec, loc, problems)


def _read_csv(path: Path, loc: Loc, problems: Collector) -> Table | None:
    """A CSV table in UTF-8 (a byte-order mark is fine), separated by commas, or by
    semicolons with decimal commas as European Excel writes it ("45,50", "1.234,5")."""
    try:
        data = path.read_bytes()
    except OSError:
        problems.add(loc, f"channel table {str(path)!r} not found; paths are relative to the "
                          "YAML file that names them")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add(Loc(str(path), ""), (
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it "
            "as \"CSV UTF-8\" (Excel: File > Save As > CSV UTF-8)"))
        return None
    lines = text.splitlines()
    delimiter = _delimiter(lines[0] if lines else "")
    reader = csv.reader(lines, delimiter=delimiter)
    header = next(reader, [])
    rows = [(line, list(row)) for line, row in enumerate(reader, start=2)]
    if delimiter == ";":  # European Excel: decimal commas, points between thousands
        rows = [(line, [_decimal_point(cell) for cell in row]) for line, row in rows]
    return Table(str(path), path, header, rows)


def _delimiter(header: str) -> str:
    """',' unless the header splits into more fields on ';' (or a tab)."""
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > counts[","] else ","


_EUROPEAN = re.compile(r"^(?P<pre>[^\d\-.,]*)(?P<num>-?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?|-?\d+,\d+|"
                       r"-?\d+)(?P<post>\s*%?[^\d.,]*)$")


def _decimal_point(cell: str) -> str:
    """'45,50' -> '45.50', '1.234,5' -> '1234.5', '€ 1.200' -> '€ 1200'; other text as is."""
    match = _EUROPEAN.match(cell.strip())
    if not match:
        return cell
    number = match["num"].replace(".", "").replace(",", ".")
    return f"{match['pre']}{number}{match['post']}"


def _read_xlsx(spec: str, base_dir: Path, loc: Loc, problems: Collector) -> Table | None:
    from openpyxl import load_workbook

    file_part, _, sheet_name = spec.partition("#")
    path = base_dir / file_part
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        problems.add(loc, f"cannot read workbook {str(path)!r} ({exc.__class__.__name__}); paths "
                          "are relative to the YAML file that names them")
        return None
    try:
        if sheet_name and sheet_name not in book.sheetnames:
            hint = V.did_you_mean(sheet_name, book.sheetnames) or f"; sheets: {book.sheetnames}"
            problems.add(loc, f"{path.name} has no sheet {sheet_name!r}{hint}")
            return None
        sheet = book[sheet_name] if sheet_name else book.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        header = ["" if h is None else str(h) for h in next(cells, ())]
        raw_rows = [(k, list(row)) for k, row in enumerate(cells, start=2)]
        title = sheet.title
    finally:
        book.close()
    empty = [(k, j) for k, row in raw_rows for j, v in enumerate(row) if v is None]
    for k, j, formula in _unsaved_formulas(path, title, empty):
        problems.add(Loc(f"{path}[{title}]", f"cell {_column_letter(j)}{k}"), (
            f"a formula ({V.short_text(formula)}) with no saved value (a workbook written by "
            "a script stores formulas, not results); open and save it in Excel or "
            "LibreOffice so the values are stored, or write values instead of formulas"))
    rows = [(k, ["" if v is None else v for v in row]) for k, row in raw_rows]
    return Table(f"{path}[{title}]", path, header, rows)


def _unsaved_formulas(path: Path, sheet: str, empty: list[tuple[int, int]]
                      ) -> list[tuple[int, int, str]]:
    """Of the cells read as empty, (row, column, formula) of those holding a formula: a
    value never computed, which must not be read as blank."""
    if not empty:
        return []
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        wanted = set(empty)
        found = []
        for k, row in enumerate(book[sheet].iter_rows(min_row=2, values_only=True), start=2):
            for j, v in enumerate(row):
                if (k, j) in wanted and isinstance(v, str) and v.startswith("="):
                    found.append((k, j, v))
        return found
    finally:
        book.close()


def _column_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(j + 1))
