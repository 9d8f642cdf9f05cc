"""Dashboard tables as data, so a page and its .xlsx export can never disagree.

A view builds its tables once (:class:`Table`); the template renders them and
``?export=xlsx`` writes the same rows, one sheet per table, with the computed time.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.utils import timezone

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Cell:
    text: str  # as shown on the page
    value: Any = None  # the raw number written to Excel (None: write the text)
    url: str = ""
    css: str = ""


@dataclass
class Table:
    title: str
    headers: Sequence[str]
    rows: list[list[Cell]] = field(default_factory=list)
    computed_at: dt.datetime | None = None
    note: str = ""


def sheet_name(title: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = re.sub(r"[\[\]:*?/\\]", "", title)[:28] or "表"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}_{n}", n + 1
    used.add(name)
    return name


def tables_xlsx(title: str, tables: Sequence[Table]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E8F0F9", "border": 1})
    heading = book.add_format({"bold": True, "font_size": 13})
    muted = book.add_format({"font_color": "#5F6B7A"})
    used: set[str] = set()
    for table in tables:
        sheet = book.add_worksheet(sheet_name(table.title, used))
        sheet.write(0, 0, f"{title} · {table.title}", heading)
        stamp = table.computed_at or timezone.now()
        sheet.write(1, 0, f"计算时间：{timezone.localtime(stamp):%Y-%m-%d %H:%M}"
                          + (f"　{table.note}" if table.note else ""), muted)
        for col, header in enumerate(table.headers):
            sheet.write(3, col, header, bold)
            sheet.set_column(col, col, 14 if col else 24)
        for r, row in enumerate(table.rows, start=4):
            for col, cell in enumerate(row):
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    sheet.write_number(r, col, cell.value)
                else:
                    sheet.write(r, col, cell.text)
        sheet.freeze_panes(4, 1)
    book.close()
    return buffer.getvalue()
