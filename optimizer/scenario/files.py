"""Reading scenario inputs: the only code that opens a scenario file, a file it extends or a
channel table (CSV, or a sheet of an .xlsx workbook)."""

from __future__ import annotations

import csv
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
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError:
        problems.add(loc, f"channel table {str(path)!r} not found; paths are relative to the "
                          "YAML file that names them")
        return None
    with handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        rows = [(line, list(row)) for line, row in enumerate(reader, start=2)]
    return Table(str(path), path, header, rows)


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
        rows = [(k, ["" if v is None else v for v in row]) for k, row in enumerate(cells, start=2)]
        return Table(f"{path}[{sheet.title}]", path, header, rows)
    finally:
        book.close()
