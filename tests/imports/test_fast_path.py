"""The bulk fast path (whole-column twins) never disagrees with the row-by-row path.

Three levels: each twin against its scalar parser on generated cells; the students'
check_columns against check_row on generated identity combinations; and whole workbooks
through both paths, which must give the same rows and errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from edugov.imports import pipeline
from edugov.imports.entities import IMPORTERS
from edugov.imports.pipeline import INVALID, Context, validate, validate_columns
from edugov.imports.reading import open_table
from edugov.imports.rules.cells import CellError
from edugov.registry.rules.identity import with_check_digit
from tests.factories import id_number_for

STUDENTS = IMPORTERS["students"]
SEED = 20251130

#: Cells per column kind, as a reader hands them over: text, numbers and dates.
TEXTS = ["张小明", " 张小明", "张小明\u3000", "", "   ", "abc", "ABC", "x" * 64, "x" * 65,
         "ǆ", "ß", "٣", "３", "3", "03", "-1", "+3", "3.0", "3班", "(3)班", "100", "0",
         "一年级", "高三", "初一", "小班", "男", "女", "本地", "随迁", "M", "1234567890",
         "123456789", "12345678901", "330102", "330102001", "330102001001", "33010",
         "2015-01-01", "2015-1-1", "2015/01/01", "20150101", "2015-02-30", "0000-01-01",
         "1899-12-31", "2015-13-01", "2015-01-01 ", "２０１５-01-01", "\u00a0男"]
NUMBERS = [3.0, 3.5, -1.0, 0.0, 12.0, 13.0, 99.0, 100.0, 1234567890.0, 123456789.0,
           330102.0, 1e15, 1.5e17, 20150101.0, 42000.0, 1e300]
DATES = [dt.datetime(2015, 1, 1), dt.datetime(2015, 1, 1, 13, 5), dt.datetime(1900, 3, 1),
         dt.datetime(1969, 12, 31, 23, 59), dt.datetime(2099, 12, 31)]


def arrow_cells(values: list[Any]) -> pa.Array:
    if all(isinstance(v, dt.datetime) for v in values):
        return pa.array(values, type=pa.timestamp("ms"))
    return pa.array(values)


def scalar(parse: Any, value: Any) -> Any:
    try:
        return parse(value)
    except CellError:
        return INVALID


@pytest.mark.parametrize("column", STUDENTS.columns, ids=lambda c: c.key)
@pytest.mark.parametrize("cells", [TEXTS, NUMBERS, DATES], ids=["text", "number", "date"])
def test_each_twin_accepts_only_what_its_parser_reads_the_same(column: Any, cells: list) -> None:
    values, accepted = column.fast(arrow_cells(cells))
    parsed = values.to_pylist()
    for cell, ok, value in zip(cells, accepted, parsed, strict=True):
        if ok:
            expected = scalar(column.parse, cell)
            assert expected is not INVALID, f"{column.key}: twin accepted {cell!r}"
            assert value == expected, f"{column.key}: {cell!r} → {value!r} ≠ {expected!r}"


def test_twins_accept_the_everyday_cells() -> None:
    """So the fast path is really taken on ordinary files (else the tests above are moot)."""
    by_key = {c.key: c for c in STUDENTS.columns}
    everyday = {"name": ["张小明"], "sex": ["男"], "grade": [3.0], "class_number": [2.0],
                "institution_code": ["1234567890"], "hukou_region_code": ["330102"],
                "birth_date": [dt.datetime(2015, 1, 1)], "entry_date": ["2023-09-01"]}
    for key, cells in everyday.items():
        assert by_key[key].fast(arrow_cells(cells))[1].all(), key


def identity_cases(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Rows mixing valid and subtly broken 学籍号/身份证号/sex/birth/entry combinations."""
    cases = []
    for serial in range(count):
        birth = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(4000))
        sex = rng.choice("MF")
        number = id_number_for(birth, serial, sex)
        kind = rng.choice("GGJL")
        if kind == "G":
            student_no = "G" + number
        else:
            body = f"{number[:6]}{birth:%Y%m%d}{serial % 1000:03d}"
            student_no = kind + (with_check_digit(body) if kind == "J" else body + "7")
        row = {"student_no": student_no, "id_number": number, "sex": sex, "birth_date": birth,
               "entry_date": birth + dt.timedelta(days=rng.choice([-1, 0, 1, 2000]))}
        spoil = rng.randrange(8)
        if spoil == 1:
            row["id_number"] = number[:-1] + rng.choice("0123456789X")
        elif spoil == 2:
            row["sex"] = "F" if sex == "M" else "M"
        elif spoil == 3:
            row["birth_date"] = birth + dt.timedelta(days=1)
        elif spoil == 4:
            row["student_no"] = student_no[:-1] + rng.choice("0123456789")
        elif spoil == 5:
            row["student_no"] = rng.choice("GJLX") + student_no[1:]
        elif spoil == 6:
            row["id_number"] = number[:10] + "1332" + number[14:]
        cases.append(row)
    return cases


@pytest.mark.parametrize("with_ids", [True, False])
def test_check_columns_vouches_only_for_rows_check_row_passes(with_ids: bool) -> None:
    rng = random.Random(SEED)
    cases = identity_cases(rng, 3000)
    if not with_ids:
        for case in cases:
            case["id_number"] = None
    columns = {
        "student_no": pa.array([c["student_no"] for c in cases]),
        "id_number": pa.array([c["id_number"] for c in cases], type=pa.string()),
        "sex": pa.array([c["sex"] for c in cases]),
        "birth_date": pa.array([c["birth_date"] for c in cases], type=pa.date32()),
        "entry_date": pa.array([c["entry_date"] for c in cases], type=pa.date32()),
    }
    vouched = STUDENTS.check_columns(columns)
    assert vouched is not None
    fields = STUDENTS.row_type._fields
    ctx = Context(actor=None, year=None)
    for case, ok in zip(cases, vouched, strict=True):
        number = case["id_number"]
        cell_ok = number is None or scalar(STUDENTS.columns[4].parse, number) is not INVALID
        row = STUDENTS.row_type(**{f: case.get(f) for f in fields if f != "row"}, row=2)
        passes = cell_ok and not STUDENTS.check_row(row, ctx)
        # On canonical cells the twin is exact: never looser, and not needlessly stricter.
        assert ok == passes, f"check_columns says {ok}, check_row {passes}: {case}"
    assert 0 < vouched.sum() < len(cases)


def both_paths(path: Path, year: Any) -> tuple[Any, Any]:
    fast = validate_columns(STUDENTS, path, Context(actor=None, year=year))
    slow = validate(STUDENTS, open_table(path), Context(actor=None, year=year))
    return fast, slow


@contextlib.contextmanager
def monkeypatch_plan_columns() -> Any:
    """The fast path without its all-new shortcut: rows are built and planned one by one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(STUDENTS), "plan_columns", lambda self, values, ctx: None)
        yield


def test_a_clean_workbook_gives_the_same_rows_either_way(world, student_row, students_xlsx):
    rows = [student_row(grade=g, class_number=c, entry_date=entry)
            for g, c, entry in [(1, 1, dt.date(2023, 9, 1)), (3, 2, None), (9, 10, None)]]
    path = students_xlsx(rows)
    fast, slow = both_paths(path, world.year)
    assert fast is not None, "a clean workbook should take the fast path"
    assert fast.plan is not None and fast.valid == slow.valid == 3
    assert fast.errors == slow.errors == []
    with monkeypatch_plan_columns():
        rowwise = validate_columns(STUDENTS, path, Context(actor=None, year=world.year))
    assert rowwise is not None and rowwise.plan is None
    assert rowwise.valid_rows == slow.valid_rows


def test_a_workbook_with_file_wide_errors_reports_them_alike(world, student_row,
                                                             students_xlsx):
    twin = student_row()
    rows = [twin, list(twin), student_row(institution_code="9999999999")]
    fast, slow = both_paths(students_xlsx(rows), world.year)
    assert fast is not None
    assert [str(e) for e in fast.errors] == [str(e) for e in slow.errors]
    assert slow.errors and fast.valid_rows == slow.valid_rows


@pytest.mark.parametrize("override", [
    {"entry_date": "2023-02-30"}, {"grade": "十三年级"}, {"sex": "M"},
    {"id_number": "330102201605041231"}, {"name": " 张小明"}, {"class_number": "(2)班"},
    {"birth_date": "2016/05/04"},
], ids=str)
def test_a_doubtful_cell_sends_the_file_row_by_row(world, student_row, students_xlsx,
                                                    override):
    path = students_xlsx([student_row(**override), student_row()])
    assert validate_columns(STUDENTS, path, Context(actor=None, year=world.year)) is None


def test_mixed_types_in_a_column_send_the_file_row_by_row(world, student_row, students_xlsx):
    path = students_xlsx([student_row(class_number=2), student_row(class_number="3")])
    assert pipeline.validate_columns(STUDENTS, path, Context(actor=None, year=world.year)) is None


def test_a_sheet_not_starting_on_row_1_goes_row_by_row(world, student_row, tmp_path):
    import xlsxwriter

    path = tmp_path / "offset.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(2, 0, [c.header for c in STUDENTS.columns])
    sheet.write_row(3, 0, [v.isoformat() if isinstance(v, dt.date) else v
                           for v in student_row()])
    book.close()
    assert validate_columns(STUDENTS, path, Context(actor=None, year=world.year)) is None


def test_the_cycle_collector_is_paused_during_an_import_only(world, student_row,
                                                             students_xlsx, monkeypatch):
    import gc

    from edugov.imports.services import import_students

    seen = []
    write = STUDENTS.write
    monkeypatch.setattr(type(STUDENTS), "write",
                        lambda self, plan, ctx: (seen.append(gc.isenabled()), write(plan, ctx))[1])
    assert gc.isenabled()
    outcome = import_students(actor=None, path=students_xlsx([student_row()]), year=2025)
    assert outcome.written and seen == [False]
    assert gc.isenabled()


def registry_rows(numbers: list[str]) -> tuple[set, set, set]:
    """What an import wrote, without ids and timestamps: students, enrolments, classes."""
    from edugov.registry.models import Enrolment, SchoolClass, Student

    students = set(Student.objects.filter(student_no__in=numbers).values_list(
        "student_no", "id_number", "name", "sex", "birth_date", "hukou_type",
        "hukou_region_code", "address", "current_institution__code", "guardian_phone",
        "left_behind", "disabled", "hardship"))
    enrolments = set(Enrolment.objects.filter(student__student_no__in=numbers).values_list(
        "student__student_no", "academic_year__start_year", "institution__code", "grade",
        "school_class__grade", "school_class__number", "status", "entry_date"))
    classes = set(SchoolClass.objects.filter(enrolments__student__student_no__in=numbers)
                  .values_list("institution__code", "academic_year__start_year", "grade",
                               "number"))
    return students, enrolments, classes


def test_the_all_new_shortcut_writes_what_the_row_plan_writes(world, student_row,
                                                              students_xlsx):
    """Same file, imported by the column plan and (after undoing it) by the row plan."""
    from edugov.imports.services import import_students
    from edugov.registry.models import Enrolment, SchoolClass, Student

    rows = [student_row(grade=g, class_number=c, entry_date=e, address=a,
                        hukou_region_code=r, institution_code=school.code)
            for g, c, e, a, r, school in [
                (1, 7, dt.date(2025, 9, 1), "新区1号", "330102", world.school_a),
                (3, None, None, None, None, world.school_a),
                (3, 7, dt.date(2023, 9, 1), "老街2号", "330102001", world.school_b),
                (9, 2, None, "江边3号", None, world.school_b)]]
    path = students_xlsx(rows)
    numbers = [r[0] for r in rows]
    before = set(SchoolClass.objects.values_list("pk", flat=True))
    with pytest.MonkeyPatch.context() as patch:  # the row plan must not be used here
        patch.setattr(type(STUDENTS), "plan", lambda *a: pytest.fail("row plan used"))
        first = import_students(actor=None, path=path, year=2025)
    assert first.written and first.created == 4 and first.extra == {"classes_created": 3}
    by_columns = registry_rows(numbers)
    Enrolment.objects.filter(student__student_no__in=numbers).delete()
    Student.objects.filter(student_no__in=numbers).delete()
    SchoolClass.objects.exclude(pk__in=before).delete()
    with monkeypatch_plan_columns():
        second = import_students(actor=None, path=path, year=2025)
    assert (second.created, second.extra) == (first.created, first.extra)
    assert registry_rows(numbers) == by_columns
    assert len(by_columns[0]) == 4 and len(by_columns[1]) == 4
