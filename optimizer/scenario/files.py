"""Reading scenario inputs: the only code that opens a scenario file, a file it extends or a
channel table (CSV, or a sheet of an .xlsx workbook).

Every input goes through `read_input`, which bounds what a file can cost: only regular files
(no devices, pipes or folders), at most `ReadPolicy.max_bytes` each, optionally confined to
one folder (`ReadPolicy.root`, for a served UI). A YAML document may not expand through its
aliases to more than `MAX_YAML_NODES` values or nest deeper than `MAX_YAML_DEPTH`; a table
may not hold more than `MAX_TABLE_ROWS` rows or a cell more than `MAX_CELL_CHARS`
characters. Messages quote at most a short excerpt of what a file holds.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import values as V
from .located import Collector, Loc

DEFAULT_MAX_BYTES = 50 * 2**20  # 50 MiB per input file; CHANOPT_MAX_INPUT_BYTES overrides
MAX_YAML_NODES = 1_000_000  # values a YAML document may hold once its aliases are expanded
MAX_YAML_DEPTH = 64  # nesting of mappings and lists in a YAML document
MAX_TABLE_ROWS = 200_000  # rows of a channel table
MAX_CELL_CHARS = 10_000  # characters of one table cell


def _default_max_bytes() -> int:
    try:
        return max(1, int(os.environ.get("CHANOPT_MAX_INPUT_BYTES", DEFAULT_MAX_BYTES)))
    except ValueError:
        return DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class ReadPolicy:
    """What reading an input may cost: bytes per file, and the folder reads are confined
    to (None: anywhere the process may read)."""

    max_bytes: int = field(default_factory=_default_max_bytes)
    root: Path | None = None


_POLICY: ContextVar[ReadPolicy | None] = ContextVar("chanopt_read_policy", default=None)


@contextmanager
def reading(policy: ReadPolicy | None) -> Iterator[None]:
    """Apply `policy` to every input read inside the block (a loader's whole run)."""
    token = _POLICY.set(policy or _POLICY.get() or ReadPolicy())
    try:
        yield
    finally:
        _POLICY.reset(token)


def _policy() -> ReadPolicy:
    return _POLICY.get() or ReadPolicy()


def read_input(path: Path, loc: Loc, problems: Collector, what: str) -> bytes | None:
    """The bytes of input file `path` (`what`: "scenario file", "channel table"...), or
    None with one problem added: not found, outside the allowed folder, not a regular
    file, too large, or unreadable."""
    policy = _policy()
    # the problem sits at the file itself (a scenario file), or at the field naming it
    subject = "file" if loc.file == str(path) and not loc.path else \
        f"{what} {V.short_text(str(path), 120)}"
    if "\x00" in str(path):
        problems.add(loc, f"the path of the {what} contains a NUL character")
        return None
    if policy.root is not None:
        root = policy.root.resolve()
        if not path.resolve().is_relative_to(root):
            problems.add(loc, f"{subject} is outside {root}, the folder inputs are "
                              "confined to; give a path inside it")
            return None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        problems.add(loc, f"{subject} not found; check the path (relative paths start "
                          "from the file that names them)")
        return None
    except OSError as exc:
        problems.add(loc, f"{subject} cannot be read: {exc.strerror}")
        return None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, " \
            "pipe or socket)"
        problems.add(loc, f"{subject} is {kind}; give the path of a file")
        return None
    limit = policy.max_bytes
    too_big = (f"{subject} is larger than {_size(limit)}, the limit for one input; "
               "set CHANOPT_MAX_INPUT_BYTES to raise it")
    if info.st_size > limit:
        problems.add(loc, too_big)
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)  # files that report size 0 (/proc) are bounded too
    except OSError as exc:
        problems.add(loc, f"{subject} cannot be read: {exc.strerror}")
        return None
    if len(data) > limit:
        problems.add(loc, too_big)
        return None
    return data


def _size(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB" if n >= 2**20 else f"{n:,} bytes"


@dataclass(frozen=True)
class Table:
    """A channel table as read: its label in messages, header and numbered rows."""

    label: str
    path: Path
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (line or row number, cells)


SCENARIO_SHAPE = "must be a YAML mapping with keys such as name, budget and channels"


def read_yaml(path: Path, problems: Collector, what: str = "scenario file",
              shape: str = SCENARIO_SHAPE, empty_ok: bool = False) -> dict[str, Any]:
    """The mapping a YAML file holds ({} with a problem added when it cannot be used;
    `shape` says what the file must hold)."""
    loc = Loc(str(path), "")
    data = read_input(path, loc, problems, what)
    if data is None:
        return {}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add(loc, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                          f"{exc.start}); save the file as UTF-8")
        return {}
    if empty_ok and not text.strip():
        return {}
    return parse_yaml(text, loc, problems, shape)


def parse_yaml(text: str, loc: Loc, problems: Collector, shape: str = SCENARIO_SHAPE
               ) -> dict[str, Any]:
    """The mapping a YAML text holds, within the limits on aliases and nesting."""
    deep = f"nested too deeply (more than {MAX_YAML_DEPTH} levels of mappings and lists)"
    try:
        data = yaml.load(text, Loader=_loader())
    except yaml.YAMLError as exc:
        if "nesting depth" in str(exc):  # libyaml's own limit (1,000 levels)
            problems.add(loc, deep)
        else:
            _syntax(exc, loc, problems)
        return {}
    except RecursionError:
        problems.add(loc, deep)
        return {}
    if not isinstance(data, dict):
        problems.add(loc, shape)
        return {}
    trouble = too_big(data)
    if trouble:
        problems.add(loc, trouble)
        return {}
    return data


def _syntax(exc: yaml.YAMLError, loc: Loc, problems: Collector) -> None:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.add(Loc(loc.file, where), f"not valid YAML: {V.short_text(str(exc.problem), 200)}")
    else:
        problems.add(loc, f"not valid YAML: {V.short_text(str(exc), 200)}")


def too_big(data: object) -> str | None:
    """Why a loaded document is too large once its aliases are expanded, or None. Shared
    (aliased) parts are counted as often as they are used, without expanding them."""
    sizes: dict[int, int] = {}

    def size(node: object, depth: int) -> int:
        if depth > MAX_YAML_DEPTH:
            raise _Limit(f"nested too deeply (more than {MAX_YAML_DEPTH} levels of mappings "
                         "and lists)")
        if not isinstance(node, (dict, list)):
            return 1
        known = sizes.get(id(node))
        if known is not None:
            return known
        children = node.values() if isinstance(node, dict) else node
        total = 1 + sum(size(child, depth + 1) for child in children)
        if total > MAX_YAML_NODES:
            raise _Limit(f"expands to more than {MAX_YAML_NODES:,} values through its aliases "
                         "(*name) or size; a scenario needs far fewer (write the values out, "
                         "or split the file)")
        sizes[id(node)] = total
        return total

    try:
        size(data, 0)
    except _Limit as limit:
        return str(limit)
    return None


class _Limit(Exception):
    pass


def _loader() -> Any:
    """libyaml's safe loader when PyYAML was built with it (3x faster on a large file, the
    same marks in errors), else the pure-Python one."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_table(spec: str, base_dir: Path, loc: Loc, problems: Collector) -> Table | None:
    """`table.csv`, `table.xlsx` (first sheet) or `table.xlsx#Sheet name`, relative to
    `base_dir` (None with a problem added when it cannot be read)."""
    if spec.split("#", 1)[0].lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(spec, base_dir, loc, problems)
    return _read_csv(base_dir / spec, loc, problems)


def _read_csv(path: Path, loc: Loc, problems: Collector) -> Table | None:
    """A CSV table in UTF-8 (a byte-order mark is fine), separated by commas, or by
    semicolons with decimal commas as European Excel writes it ("45,50", "1.234,5")."""
    data = read_input(path, loc, problems, "channel table")
    if data is None:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add(Loc(str(path), ""), (
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it "
            "as \"CSV UTF-8\" (Excel: File > Save As > CSV UTF-8)"))
        return None
    lines = text.splitlines()
    if "\x00" in text:
        problems.add(Loc(str(path), ""), "holds NUL characters: not a text table (save it as "
                                         "CSV UTF-8)")
        return None
    delimiter = _delimiter(lines[0][:MAX_CELL_CHARS] if lines else "")
    if len(lines) > MAX_TABLE_ROWS + 1:
        problems.add(Loc(str(path), ""), f"has {len(lines) - 1:,} rows, above the limit of "
                                         f"{MAX_TABLE_ROWS:,} channels")
        return None
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader, [])
        rows = [(line, list(row)) for line, row in enumerate(reader, start=2)]
    except csv.Error as exc:
        why = (f"a cell longer than {csv.field_size_limit():,} characters; a channel table "
               "holds names and numbers") if "field larger" in str(exc) else \
            f"not a readable CSV table ({V.short_text(str(exc), 120)})"
        problems.add(Loc(str(path), f"line {reader.line_num}"), why)
        return None
    long = next(((line, j) for line, row in [(1, header), *rows]
                 for j, cell in enumerate(row) if len(cell) > MAX_CELL_CHARS), None)
    if long is not None:
        problems.add(Loc(str(path), f"line {long[0]}, column {long[1] + 1}"),
                     f"a cell longer than {MAX_CELL_CHARS:,} characters; a channel table "
                     "holds names and numbers")
        return None
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
    data = read_input(path, loc, problems, "workbook")
    if data is None:
        return None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        problems.add(loc, f"{V.short_text(str(path), 120)} is not a readable .xlsx workbook "
                          f"({exc.__class__.__name__}); save it from Excel or LibreOffice as "
                          "an Excel workbook")
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
    if len(raw_rows) > MAX_TABLE_ROWS:
        problems.add(Loc(f"{path}[{title}]", ""), f"has {len(raw_rows):,} rows, above the "
                                                 f"limit of {MAX_TABLE_ROWS:,} channels")
        return None
    for k, j, formula in _unsaved_formulas(data, title, empty):
        problems.add(Loc(f"{path}[{title}]", f"cell {_column_letter(j)}{k}"), (
            f"a formula ({V.short_text(formula)}) with no saved value (a workbook written by "
            "a script stores formulas, not results); open and save it in Excel or "
            "LibreOffice so the values are stored, or write values instead of formulas"))
    rows = [(k, ["" if v is None else v for v in row]) for k, row in raw_rows]
    return Table(f"{path}[{title}]", path, header, rows)


def _unsaved_formulas(data: bytes, sheet: str, empty: list[tuple[int, int]]
                      ) -> list[tuple[int, int, str]]:
    """Of the cells read as empty, (row, column, formula) of those holding a formula: a
    value never computed, which must not be read as blank."""
    if not empty:
        return []
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
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
