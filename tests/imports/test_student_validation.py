"""Every kind of bad student row is reported with its row, column (name and letter) and reason."""

from __future__ import annotations

import datetime as dt

import pytest

from edugov.imports.services import import_students
from edugov.registry.models import Student
from tests.factories import id_number_for


def errors_of(path, actor=None):  # type: ignore[no-untyped-def]
    outcome = import_students(actor=actor, path=path, dry_run=True)
    return [(e.row, e.letter, e.column, e.reason) for e in outcome.errors]


@pytest.fixture
def check(students_xlsx):  # type: ignore[no-untyped-def]
    def run(*rows, actor=None):  # type: ignore[no-untyped-def]
        return errors_of(students_xlsx(rows), actor)

    return run


def test_valid_rows_have_no_errors(check, student_row):
    assert check(student_row(), student_row(_sex="F")) == []


def test_bad_id_check_digit(check, student_row):
    row = student_row()
    number = row[4]
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert check(student_row(), student_row(id_number=bad, student_no="L330102201605040012")) == [
        (3, "E", "身份证号", "身份证号校验码错误")]


def test_birth_date_not_matching_id(check, student_row):
    assert check(student_row(birth_date=dt.date(2016, 5, 5))) == [
        (2, "D", "出生日期", "出生日期与身份证号不一致")]


def test_sex_not_matching_id(check, student_row):
    assert check(student_row(sex="女")) == [(2, "C", "性别", "性别与身份证号不一致")]


def test_unknown_institution_code(check, student_row):
    assert check(student_row(institution_code="3199999999")) == [
        (2, "F", "学校标识码", "学校标识码不存在或不在管辖范围内")]


def test_institution_outside_jurisdiction_reads_like_unknown(check, student_row, world, personas):
    rows = (student_row(), student_row(institution_code=world.school_b.code))
    assert check(*rows, actor=personas.county_a) == [
        (3, "F", "学校标识码", "学校标识码不存在或不在管辖范围内")]
    assert check(*rows, actor=personas.city_bureau) == []


def test_duplicate_student_no_in_file_names_both_rows(check, student_row):
    first = student_row()
    second = student_row(student_no=first[0], id_number=None)
    reason = "学籍号在文件中重复出现（第2、4行）"
    assert check(first, student_row(), second) == [
        (2, "A", "学籍号", reason), (4, "A", "学籍号", reason)]


def test_duplicate_id_number_in_file(check, student_row):
    first = student_row()
    second = student_row(id_number=first[4], student_no="L330102201605040099")
    reason = "身份证号在文件中重复出现（第2、3行）"
    assert check(first, second) == [(2, "E", "身份证号", reason), (3, "E", "身份证号", reason)]


def test_student_no_of_another_student(check, student_row, world):
    taken = world.student_a.student_no
    row = student_row(student_no=taken)
    assert (2, "A", "学籍号", "学籍号已属于另一名学生（身份证号不一致）") in check(row)


def test_student_no_of_another_student_with_l_prefix(check, student_row, world):
    Student.objects.filter(pk=world.student_a.pk).update(student_no="L330102201603010001")
    assert check(student_row(student_no="L330102201603010001")) == [
        (2, "A", "学籍号", "学籍号已属于另一名学生（身份证号不一致）")]


def test_id_number_of_another_student(check, student_row, world):
    existing = world.student_a
    row = student_row(id_number=existing.id_number, student_no="L330102201603010002",
                      birth_date=existing.birth_date,
                      sex="男" if existing.sex == "M" else "女")
    assert check(row) == [(2, "E", "身份证号", "身份证号已被另一名学生使用")]


def test_missing_required_field(check, student_row):
    assert check(student_row(name=None), student_row(grade="")) == [
        (2, "B", "姓名", "必填项为空"), (3, "G", "年级", "必填项为空")]


def test_unparseable_date(check, student_row):
    assert check(student_row(entry_date="2023年13月")) == [
        (2, "L", "入学日期", "日期「2023年13月」无法识别，应为YYYY-MM-DD")]
    assert check(student_row(entry_date="2023-02-30")) == [
        (2, "L", "入学日期", "日期2023-02-30不存在")]


def test_bad_enum_values(check, student_row):
    assert check(student_row(hukou_type="外地")) == [
        (2, "I", "户籍类型", "「外地」不是有效的户籍类型，应为：本地、随迁")]
    assert check(student_row(sex="男孩")) == [
        (2, "C", "性别", "「男孩」不是有效的性别，应为：男、女")]


def test_bad_grade_and_class(check, student_row):
    errors = check(student_row(grade="十三年级"), student_row(grade=13),
                   student_row(class_number="甲"))
    assert [(r, c) for r, c, *_ in errors] == [(2, "G"), (3, "G"), (4, "H")]
    assert errors[1][3] == "年级应在-2到12之间"


def test_grade_and_class_spellings(check, student_row):
    assert check(student_row(grade="三年级"), student_row(grade="3", class_number="(2)班"),
                 student_row(grade=3.0, class_number=2.0)) == []


def test_g_student_no_must_carry_the_id_number(check, student_row):
    other = id_number_for(dt.date(2016, 5, 4), 900, "M")
    assert check(student_row(student_no=f"G{other}")) == [
        (2, "A", "学籍号", "G字头学籍号应与身份证号一致")]


def test_long_number_stored_as_excel_number(check, student_row):
    row = student_row()
    row[4] = float(row[4][:17] + "0") if row[4][-1] != "X" else 3.3e17
    [(line, letter, _column, reason)] = check(row)
    assert (line, letter) == (2, "E") and "文本格式" in reason


def test_every_bad_cell_of_a_row_is_reported(check, student_row):
    errors = check(student_row(name="", sex="?", institution_code="123"))
    assert [c for _, c, _, _ in errors] == ["B", "C", "F"]
