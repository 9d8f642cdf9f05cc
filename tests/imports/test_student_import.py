"""Student import writes: upsert by 学籍号, enrolment per year, classes, atomicity, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from edugov.core.models import AuditLog
from edugov.imports.reading import UnusableInput
from edugov.imports.services import import_students
from edugov.registry.models import AcademicYear, Enrolment, SchoolClass, Student
from tests.factories import AcademicYearFactory


def registry_state():  # type: ignore[no-untyped-def]
    return (sorted(Student.objects.values_list("student_no", "name", "id_number", "updated_at",
                                              "current_institution")),
            sorted(Enrolment.objects.values_list("student__student_no", "academic_year",
                                                 "institution", "grade", "school_class",
                                                 "status", "entry_date")),
            SchoolClass.objects.count())


def test_import_creates_students_enrolments_and_classes(students_xlsx, student_row, world,
                                                        personas):
    path = students_xlsx([student_row(), student_row(_sex="F", class_number=None),
                          student_row(grade="四年级", class_number=1)])
    outcome = import_students(actor=personas.county_a, path=path)
    assert outcome.written and (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    assert outcome.extra == {"classes_created": 2}
    new = Student.objects.exclude(pk__in=[world.student_a.pk, world.student_b.pk])
    assert new.count() == 3
    assert set(new.values_list("current_institution", flat=True)) == {world.school_a.pk}
    first = new.get(name="张小明", sex="M", enrolments__grade=3)
    enrolment = first.enrolments.get()
    assert (enrolment.academic_year, enrolment.institution, enrolment.grade) == (
        world.year, world.school_a, 3)
    assert str(enrolment.school_class) == "三年级(2)班"
    assert enrolment.entry_date == dt.date(2023, 9, 1) and enrolment.status == "active"
    assert first.hukou_type == "local" and first.hukou_region_code == "330102"


def test_existing_class_is_reused(students_xlsx, student_row, world):
    import_students(actor=None, path=students_xlsx([student_row(grade=3, class_number=1)]))
    assert SchoolClass.objects.filter(institution=world.school_a).count() == 1
    assert Enrolment.objects.filter(school_class=world.class_a).count() == 2


def test_reimport_changes_nothing(students_xlsx, student_row):
    path = students_xlsx([student_row(), student_row(_sex="F")])
    import_students(actor=None, path=path)
    before = registry_state()
    again = import_students(actor=None, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert registry_state() == before


def test_changed_rows_update_student_and_enrolment(students_xlsx, student_row):
    row = student_row()
    import_students(actor=None, path=students_xlsx([row]))
    changed = list(row)
    changed[1], changed[6], changed[7] = "张晓明", 4, 3
    outcome = import_students(actor=None, path=students_xlsx([changed]))
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 0)
    student = Student.objects.get(student_no=row[0])
    assert student.name == "张晓明"
    assert (student.enrolments.get().grade, student.enrolments.get().school_class.number) == (4, 3)


def test_existing_student_moves_school_within_reach(students_xlsx, student_row, world, personas):
    student = world.student_a
    row = student_row(student_no=student.student_no, id_number=student.id_number,
                      birth_date=student.birth_date, sex="男" if student.sex == "M" else "女",
                      name=student.name)
    second = list(row)
    second[5] = world.school_b.code
    outcome = import_students(actor=personas.city_bureau, path=students_xlsx([second]))
    assert outcome.updated == 1
    student.refresh_from_db()
    assert student.current_institution == world.school_b
    assert student.enrolments.get(academic_year=world.year).institution == world.school_b


def test_student_enrolled_out_of_reach_is_not_taken_over(students_xlsx, student_row, world,
                                                         personas):
    other = world.student_b
    row = student_row(student_no=other.student_no, id_number=other.id_number,
                      birth_date=other.birth_date, sex="男" if other.sex == "M" else "女")
    outcome = import_students(actor=personas.county_a, path=students_xlsx([row]))
    assert [(e.row, e.column, e.reason) for e in outcome.errors] == [
        (2, "学籍号", "该学生当前在管辖范围外的学校就读，请先办理转学")]
    assert not outcome.written


def test_nothing_written_when_any_row_is_bad(students_xlsx, student_row):
    before = registry_state()
    outcome = import_students(actor=None, path=students_xlsx(
        [student_row(), student_row(sex="女"), student_row()]))
    assert (outcome.valid, outcome.invalid, outcome.written) == (2, 1, False)
    assert registry_state() == before
    assert not AuditLog.objects.filter(action="import").exists()


def test_skip_invalid_writes_only_valid_rows(students_xlsx, student_row):
    good, bad = student_row(), student_row(sex="女")
    outcome = import_students(actor=None, path=students_xlsx([good, bad, student_row()]),
                              skip_invalid=True)
    assert outcome.written and (outcome.valid, outcome.invalid, outcome.created) == (2, 1, 2)
    assert Student.objects.filter(student_no=good[0]).exists()
    assert not Student.objects.filter(student_no=bad[0]).exists()


def test_dry_run_writes_nothing_but_counts(students_xlsx, student_row):
    before = registry_state()
    outcome = import_students(actor=None, path=students_xlsx([student_row()]), dry_run=True)
    assert (outcome.written, outcome.created) == (False, 1)
    assert registry_state() == before


def test_one_audit_row_per_import(students_xlsx, student_row, personas):
    path = students_xlsx([student_row(), student_row(), student_row()])
    import_students(actor=personas.county_a, path=path, file_name="东城区学生.xlsx", via="web")
    [log] = AuditLog.objects.filter(action="import")
    assert (log.user, log.entity) == (personas.county_a, "registry.student")
    assert log.details["file"] == "东城区学生.xlsx"
    assert (log.details["created"], log.details["updated"], log.details["unchanged"]) == (3, 0, 0)
    assert log.details["via"] == "web" and log.details["year"] == 2025


def test_cli_operator_audit_has_no_user(students_xlsx, student_row):
    import_students(actor=None, path=students_xlsx([student_row()]))
    log = AuditLog.objects.get(action="import")
    assert log.user is None and log.details["via"] == "cli"


def test_past_year_does_not_move_current_school(students_xlsx, student_row, world):
    AcademicYearFactory(start_year=2024, is_current=False)
    student = world.student_a
    row = student_row(student_no=student.student_no, id_number=student.id_number,
                      birth_date=student.birth_date, sex="男" if student.sex == "M" else "女",
                      name=student.name, institution_code=world.school_b.code, grade=2)
    import_students(actor=None, path=students_xlsx([row]), year=2024)
    student.refresh_from_db()
    assert student.current_institution == world.school_a
    past = student.enrolments.get(academic_year__start_year=2024)
    assert (past.institution, past.grade) == (world.school_b, 2)


def test_unknown_year_is_unusable(students_xlsx, student_row):
    with pytest.raises(UnusableInput, match="2030–2031学年不存在"):
        import_students(actor=None, path=students_xlsx([student_row()]), year=2030)


def test_no_current_year_is_unusable(students_xlsx, student_row):
    AcademicYear.objects.update(is_current=False)
    with pytest.raises(UnusableInput, match="尚未设置当前学年"):
        import_students(actor=None, path=students_xlsx([student_row()]))


@pytest.mark.parametrize("who", ["teacher_a", "parent", "tutoring_operator"])
def test_roles_without_write_access_cannot_import(students_xlsx, student_row, personas, who):
    with pytest.raises(PermissionDenied):
        import_students(actor=getattr(personas, who), path=students_xlsx([student_row()]))


def test_school_admin_imports_into_own_school_only(students_xlsx, student_row, world, personas):
    outcome = import_students(actor=personas.school_admin_a, path=students_xlsx(
        [student_row(), student_row(institution_code=world.school_b.code)]), skip_invalid=True)
    assert (outcome.created, outcome.invalid) == (1, 1)
