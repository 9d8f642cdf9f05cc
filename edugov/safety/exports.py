"""The four lists as an .xlsx workbook in the layout a county submits.

Each sheet: a merged title row (「东城区校园安全隐患清单」), a line naming the unit, the
period and the date filled in, the header row, then the rows. Written with XlsxWriter in
constant-memory mode, so a city's year of hazards streams out without holding cells.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

import xlsxwriter

from edugov.safety.rules import lists

COLUMNS: Mapping[str, tuple[lists.Column, ...]] = {
    "responsibility": lists.RESPONSIBILITY_COLUMNS, "inspection": lists.INSPECTION_COLUMNS,
    "hazard": lists.HAZARD_COLUMNS, "rectification": lists.RECTIFICATION_COLUMNS,
}


def workbook(*, unit: str, period_label: str, filled: dt.date,
             tables: Mapping[str, tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """``tables``: list code → (title, headers, rows), one sheet each in the given order."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    title_fmt = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    meta_fmt = book.add_format({"font_size": 10})
    head_fmt = book.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7",
                                "align": "center", "valign": "vcenter", "text_wrap": True})
    cell_fmt = book.add_format({"border": 1, "valign": "top"})
    for code, (title, headers, rows) in tables.items():
        sheet = book.add_worksheet(title)
        for n, column in enumerate(COLUMNS[code]):
            sheet.set_column(n, n, column.width)
        last = len(headers) - 1
        sheet.merge_range(0, 0, 0, last, f"{unit}校园安全{title}", title_fmt)
        sheet.merge_range(1, 0, 1, last, f"填报单位：{unit}    统计时段：{period_label}    "
                                         f"填报日期：{filled:%Y年%m月%d日}", meta_fmt)
        sheet.write_row(2, 0, headers, head_fmt)
        for r, row in enumerate(rows, start=3):
            sheet.write_row(r, 0, ["" if v is None else v for v in row], cell_fmt)
        sheet.freeze_panes(3, 0)
    book.close()
    return buffer.getvalue()
