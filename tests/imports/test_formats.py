"""Inputs: .xlsx, .csv in UTF-8 (with or without BOM) and GB18030; headers checked by name."""

from __future__ import annotations

import datetime as dt

import pytest

from edugov.imports.reading import UnusableInput
from edugov.imports.services import import_students
from edugov.registry.models import Student
from tests.imports.conftest import STUDENT_HEADERS, write_csv, write_xlsx


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings(tmp_path, student_row, encoding):
    rows = [student_row(), student_row(_sex="F", name="欧阳娜娜", address="西城区银杏路1号")]
    path = write_csv(tmp_path / "students.csv", STUDENT_HEADERS, rows, encoding=encoding)
    outcome = import_students(actor=None, path=path)
    assert (outcome.valid, outcome.invalid, outcome.created) == (2, 0, 2)
    assert Student.objects.get(student_no=rows[1][0]).address == "西城区银杏路1号"


def test_csv_errors_point_at_rows_and_columns(tmp_path, student_row):
    path = write_csv(tmp_path / "s.csv", STUDENT_HEADERS,
                     [student_row(), student_row(birth_date="2016/5/5")], encoding="gb18030")
    [error] = import_students(actor=None, path=path, dry_run=True).errors
    assert (error.row, error.letter, error.reason) == (3, "D", "出生日期与身份证号不一致")


def test_xlsx_text_dates_and_real_dates(students_xlsx, student_row):
    row = student_row(entry_date="2023-09-01")
    other = student_row(birth_date=None)
    other[3] = dt.date(2016, 5, 4).strftime("%Y%m%d")
    outcome = import_students(actor=None, path=students_xlsx([student_row(), row, other]))
    assert (outcome.invalid, outcome.created) == (0, 3)


def test_columns_may_come_in_any_order(tmp_path, student_row):
    order = list(reversed(range(len(STUDENT_HEADERS))))
    headers = [STUDENT_HEADERS[i] for i in order]
    row = student_row(sex="女")
    path = write_xlsx(tmp_path / "r.xlsx", headers, [[row[i] for i in order]])
    [error] = import_students(actor=None, path=path, dry_run=True).errors
    # 性别 is the 3rd template column, here the 10th: J.
    assert (error.letter, error.column) == ("J", "性别")


def test_wrong_headers_are_named(tmp_path, student_row):
    headers = [*STUDENT_HEADERS]
    headers[1] = "学生姓名"
    headers.remove("入学日期")
    path = write_xlsx(tmp_path / "h.xlsx", headers, [student_row()[:-1]])
    with pytest.raises(UnusableInput) as caught:
        import_students(actor=None, path=path)
    assert "缺少列：姓名、入学日期" in caught.value.message
    assert "无法识别的列：学生姓名" in caught.value.message


def test_headers_tolerate_spaces_and_required_marks(tmp_path, student_row):
    headers = [f" {h}* " if i == 0 else h for i, h in enumerate(STUDENT_HEADERS)]
    path = write_xlsx(tmp_path / "h.xlsx", headers, [student_row()])
    assert import_students(actor=None, path=path).created == 1


def test_unusable_files(tmp_path, world):
    with pytest.raises(UnusableInput, match="文件不存在"):
        import_students(actor=None, path=tmp_path / "missing.xlsx")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UnusableInput, match=r"仅支持 \.xlsx"):
        import_students(actor=None, path=tmp_path / "notes.txt")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UnusableInput, match="无法读取Excel文件"):
        import_students(actor=None, path=tmp_path / "broken.xlsx")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(UnusableInput, match="第1行应为列名"):
        import_students(actor=None, path=tmp_path / "empty.csv")


def test_blank_rows_are_skipped_but_numbering_follows_the_sheet(tmp_path, student_row):
    path = write_xlsx(tmp_path / "b.xlsx", STUDENT_HEADERS,
                      [student_row(), [None] * 12, student_row(sex="女")])
    outcome = import_students(actor=None, path=path, dry_run=True)
    assert outcome.total == 2 and [e.row for e in outcome.errors] == [4]
