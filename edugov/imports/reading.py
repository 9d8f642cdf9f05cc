"""Reading an uploaded table (.xlsx/.xls with python-calamine, .csv in UTF-8 or GB18030).

Big workbooks are first read whole-column by fastexcel (:func:`open_columns`) for the
bulk fast path; the row reader here is the reference every file can fall back to.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastexcel
import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
SUFFIXES = EXCEL_SUFFIXES | {".csv"}
#: Our own error workbooks add this column; ignoring it lets a user fix and re-upload one.
ERROR_COLUMN = "错误原因"
Cells = list[Any]


class UnusableInput(Exception):
    """The file as a whole cannot be read as the expected table (CLI exit status 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The header row (row 1) and an iterator of (spreadsheet row number, cells)."""

    headers: list[str]
    rows: Iterator[tuple[int, Cells]]
    #: Data rows the file holds (an upper bound: blank rows are skipped later).
    total: int


@dataclass
class ColumnTable:
    """A sheet as Arrow columns by (normalised) header; data starts on spreadsheet row 2."""

    columns: dict[str, pa.Array]
    #: Header → 0-based column index in the sheet (for the letters errors name).
    positions: dict[str, int]
    total: int


def open_columns(path: str | Path) -> ColumnTable | None:
    """The first sheet of an .xlsx as typed columns, or None where only the row reader
    is sure to read it as the user sees it: a column mixing types (text and numbers),
    repeated or blank headers, or a table not starting at A1."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx" or not path.is_file():
        return None
    try:
        # header_row=0 with skip_rows=0 pins the header to row 1 (fastexcel otherwise
        # starts at the first non-empty row, which would shift our row numbers).
        sheet = fastexcel.read_excel(str(path)).load_sheet(
            0, header_row=0, skip_rows=0, dtype_coercion="strict", schema_sample_rows=None)
        infos = sheet.selected_columns  # (available_columns() recomputes dtypes: 0.4 s)
        table = sheet.to_arrow()
    except Exception:  # any failure means: read it row by row instead
        return None
    names = [normalise_header(info.name) for info in infos]
    if (any(info.column_name_from != "looked_up" for info in infos)
            or [info.absolute_index for info in infos] != list(range(len(infos)))
            or len(set(names)) != len(names) or "" in names):
        return None
    columns = {name: table.column(i) for i, name in enumerate(names) if name != ERROR_COLUMN}
    positions = {name: i for i, name in enumerate(names)}
    return ColumnTable(columns=columns, positions=positions, total=table.num_rows)


def normalise_header(value: Any) -> str:
    # Users mark required columns with * and paste headers with full-width spaces.
    return str(value if value is not None else "").replace("\u3000", " ").strip().strip("*＊ ")


def open_table(path: str | Path) -> Table:
    """Open ``path`` by its suffix; raise :class:`UnusableInput` saying why it can't be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnusableInput("仅支持 .xlsx、.xls 或 .csv 文件")
    if not path.is_file():
        raise UnusableInput(f"文件不存在：{path}")
    table = _open_excel(path) if suffix in EXCEL_SUFFIXES else _open_csv(path)
    if not any(table.headers):
        raise UnusableInput("第1行应为列名，但为空")
    return table


def _open_excel(path: Path) -> Table:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise UnusableInput(f"无法读取Excel文件（{type(exc).__name__}），请确认文件未损坏") from exc
    start = sheet.start
    if start is None:
        raise UnusableInput("工作表为空")
    if start == (0, 0):
        rows: Iterator[Cells] = iter(sheet.iter_rows())
    else:
        # iter_rows() drops leading empty columns, which would shift the column letters we
        # report; the rare sheet not starting at A1 takes the slower absolute read.
        rows = iter(sheet.to_python(skip_empty_area=False))
    headers = [normalise_header(h) for h in next(rows, [])]
    total = max(sheet.total_height - 1, 0)
    return Table(headers=headers, rows=_numbered(rows), total=total)


def _numbered(rows: Iterator[Cells]) -> Iterator[tuple[int, Cells]]:
    return ((number, cells) for number, cells in enumerate(rows, start=2))


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, which bureaus' Excel writes by default."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnusableInput("无法识别CSV文件的编码，请保存为UTF-8或GB18030（GBK）编码") from exc


def _open_csv(path: Path) -> Table:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnusableInput(f"无法读取文件：{exc.strerror}") from exc
    content = decode_csv(data)
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        headers = [normalise_header(h) for h in next(reader, [])]
    except csv.Error as exc:
        raise UnusableInput(f"CSV格式错误：{exc}") from exc
    total = max(content.count("\n") - 1, 0)
    return Table(headers=headers, rows=_csv_rows(reader), total=total)


def _csv_rows(reader: Any) -> Iterator[tuple[int, Cells]]:
    try:
        yield from _numbered(reader)
    except csv.Error as exc:
        raise UnusableInput(f"CSV格式错误（第{reader.line_num}行附近）：{exc}") from exc
