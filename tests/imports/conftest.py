"""Builders for import files (xlsx via XlsxWriter, csv in a chosen encoding) and rows."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from edugov.imports.entities import IMPORTERS
from tests.factories import id_number_for

STUDENT_HEADERS = [c.header for c in IMPORTERS["students"].columns]
STAFF_HEADERS = [c.header for c in IMPORTERS["staff"].columns]
CLASS_HEADERS = [c.header for c in IMPORTERS["classes"].columns]
INSTITUTION_HEADERS = [c.header for c in IMPORTERS["institutions"].columns]

Rows = Sequence[Sequence[Any]]


def write_xlsx(path: Path, headers: Sequence[str], rows: Rows) -> Path:
    """An .xlsx as Excel users make them: dates as real date cells, the rest as typed."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return path


def write_csv(path: Path, headers: Sequence[str], rows: Rows, encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if v is None else
                             v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return path


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def student_row(world: Any) -> Callable[..., list[Any]]:
    """A valid student row for school A (grade 3, class 2); overrides by column key."""
    keys = [c.key for c in IMPORTERS["students"].columns]
    serial = iter(range(100, 999))

    def make(**overrides: Any) -> list[Any]:
        sex = overrides.pop("_sex", "M")
        birth = overrides.pop("_birth", dt.date(2016, 5, 4))
        number = id_number_for(birth, next(serial), sex)
        values = {
            "student_no": f"G{number}", "name": "张小明", "sex": "男" if sex == "M" else "女",
            "birth_date": birth, "id_number": number, "institution_code": world.school_a.code,
            "grade": 3, "class_number": 2, "hukou_type": "本地", "hukou_region_code": "330102",
            "address": "测试市东城区幸福路8号", "entry_date": dt.date(2023, 9, 1),
        }
        values.update(overrides)
        return [values[k] for k in keys]

    return make


@pytest.fixture
def students_xlsx(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(rows: Rows, headers: Sequence[str] = STUDENT_HEADERS) -> Path:
        return write_xlsx(tmp_path / f"students{next(counter)}.xlsx", headers, rows)

    return make


@pytest.fixture
def staff_row(world: Any) -> Callable[..., list[Any]]:
    keys = [c.key for c in IMPORTERS["staff"].columns]
    serial = iter(range(700, 999))

    def make(**overrides: Any) -> list[Any]:
        sex = overrides.pop("_sex", "F")
        birth = overrides.pop("_birth", dt.date(1988, 2, 3))
        values = {
            "id_number": id_number_for(birth, next(serial), sex), "name": "李老师",
            "sex": "男" if sex == "M" else "女", "birth_date": birth, "phone": "13912345678",
            "education": "本科", "title": "一级教师", "certified": "是", "subject": "数学",
            "backbone_level": "县级", "establishment": "在编",
            "institution_code": world.school_a.code, "post": "专任教师",
            "start": dt.date(2020, 9, 1),
        }
        values.update(overrides)
        return [values[k] for k in keys]

    return make
