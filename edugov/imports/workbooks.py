"""Workbooks we write: templates, exports (streamed), and error workbooks for bad rows."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from edugov.imports.entities import IMPORTERS
from edugov.imports.pipeline import RowError
from edugov.imports.reading import ERROR_COLUMN, open_table

DATE_FORMAT = "yyyy-mm-dd"
#: Excel's own "bad" style: light red fill, dark red text.
BAD_FILL, BAD_FONT = "#FFC7CE", "#9C0006"
#: Data-validation drop-downs cover this many rows of a template.
TEMPLATE_ROWS = 100_000


def write_template(entity: str, out: str | Path | IO[bytes]) -> None:
    """The import template: headers (required ones red), formats, drop-downs, a 说明 sheet."""
    importer = IMPORTERS[entity]
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                "font_color": "#C00000"})
    formats = {"text": book.add_format({"num_format": "@"}),
               "date": book.add_format({"num_format": DATE_FORMAT}),
               "number": book.add_format({})}
    sheet = book.add_worksheet(importer.label)
    for index, column in enumerate(importer.columns):
        sheet.write_string(0, index, column.header, required if column.required else header)
        sheet.set_column(index, index, column.width, formats[column.kind])
        if column.choices:
            # A suggestion list, not a lock: 年级 may also be typed as a number.
            sheet.data_validation(1, index, TEMPLATE_ROWS, index, {
                "validate": "list", "source": list(column.choices), "show_error": False})
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet("说明")
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    notes.write_row(0, 0, ["列名", "是否必填", "说明", "可选值"], bold)
    notes.set_column(0, 0, 24)
    notes.set_column(1, 1, 10)
    notes.set_column(2, 3, 50, wrap)
    for index, column in enumerate(importer.columns, start=1):
        notes.write_row(index, 0, [column.header, "必填" if column.required else "选填",
                                   column.note, "、".join(column.choices)])
    last = len(importer.columns) + 2
    notes.write(last, 0, "第1行为列名，请勿修改；红色列名为必填项。日期可填Excel日期或YYYY-MM-DD。"
                         "身份证号、学籍号等长号码请以文本格式填写。", wrap)
    book.close()


def write_table(out: str | Path, fmt: str, headers: Sequence[str], rows: Iterable[list[Any]],
                *, date_columns: frozenset[int] = frozenset(), title: str = "数据") -> int:
    """Stream ``rows`` to an xlsx (constant memory) or UTF-8 CSV (with BOM, for Excel)."""
    if fmt == "csv":
        with open(out, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            count = 0
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
                count += 1
        return count
    if fmt != "xlsx":
        raise ValueError(f"unknown export format {fmt!r}")
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    date_format = book.add_format({"num_format": DATE_FORMAT})
    sheet = book.add_worksheet(title)
    sheet.write_row(0, 0, headers, book.add_format({"bold": True}))
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            if index in date_columns and isinstance(value, dt.date):
                sheet.write_datetime(count, index, value, date_format)
            elif isinstance(value, str):
                sheet.write_string(count, index, value)
            else:
                sheet.write(count, index, value)
    book.close()
    return count


def _letter_index(letter: str) -> int:
    index = 0
    for char in letter:
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


def _error_text(errors: list[RowError]) -> str:
    return "；".join(str(e) for e in errors)


def write_errors(source: str | Path, errors: Sequence[RowError], out: str | Path) -> int:
    """The bad rows of ``source`` with an error column (xlsx: bad cells red + a comment).

    Only bad rows are written, in the source's columns, so a user fixes them and uploads
    the file again (the importer ignores the error column). The row count written.
    """
    by_row: dict[int, list[RowError]] = defaultdict(list)
    for error in errors:
        by_row[error.row].append(error)
    table = open_table(source)
    headers = list(table.headers)
    error_index = headers.index(ERROR_COLUMN) if ERROR_COLUMN in headers else len(headers)
    if error_index == len(headers):
        headers.append(ERROR_COLUMN)
    bad_rows = ((number, cells) for number, cells in table.rows if number in by_row)
    if str(out).lower().endswith(".csv"):
        return _write_error_csv(out, headers, bad_rows, by_row, error_index)
    return _write_error_xlsx(out, headers, bad_rows, by_row, error_index)


def _write_error_csv(out: str | Path, headers: list[str], rows: Iterable[tuple[int, list[Any]]],
                     by_row: dict[int, list[RowError]], error_index: int) -> int:
    count = 0
    with open(out, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for number, cells in rows:
            values = ["" if v is None else v for v in cells] + [""] * len(headers)
            values = values[:len(headers)]
            values[error_index] = _error_text(by_row[number])
            writer.writerow(values)
            count += 1
    return count


def _write_error_xlsx(out: str | Path, headers: list[str],
                      rows: Iterable[tuple[int, list[Any]]],
                      by_row: dict[int, list[RowError]], error_index: int) -> int:
    book = xlsxwriter.Workbook(str(out))
    bold = book.add_format({"bold": True})
    date = book.add_format({"num_format": DATE_FORMAT})
    bad = book.add_format({"bg_color": BAD_FILL, "font_color": BAD_FONT})
    bad_date = book.add_format({"bg_color": BAD_FILL, "font_color": BAD_FONT,
                                "num_format": DATE_FORMAT})
    sheet = book.add_worksheet("错误行")
    sheet.write_row(0, 0, headers, bold)
    sheet.set_column(error_index, error_index, 60)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, (number, cells) in enumerate(rows, start=1):
        reasons: dict[int, list[str]] = defaultdict(list)
        for error in by_row[number]:
            if error.letter:
                reasons[_letter_index(error.letter)].append(error.reason)
        for index in range(max(len(cells), max(reasons, default=-1) + 1)):
            if index == error_index:
                continue
            value = cells[index] if index < len(cells) else None
            is_date = isinstance(value, dt.date)
            style = (bad_date if is_date else bad) if index in reasons else \
                (date if is_date else None)
            if value is None or value == "":
                sheet.write_blank(count, index, None, style)
            elif is_date:
                sheet.write_datetime(count, index, value, style)
            elif isinstance(value, str):
                sheet.write_string(count, index, value, style)
            else:
                sheet.write(count, index, value, style)
            if index in reasons:
                sheet.write_comment(count, index, "\n".join(reasons[index]))
        sheet.write_string(count, error_index, _error_text(by_row[number]), bad)
    book.close()
    return count
