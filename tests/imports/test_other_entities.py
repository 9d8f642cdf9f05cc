"""Institutions, classes and staff: upsert keys, scope rules, denormalised columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from edugov.imports.services import import_classes, import_institutions, import_staff
from edugov.registry.models import Assignment, Institution, SchoolClass, Staff
from tests.imports.conftest import (
    CLASS_HEADERS,
    INSTITUTION_HEADERS,
    STAFF_HEADERS,
    write_csv,
    write_xlsx,
)


def institution_row(code="3198010188", region="980101", **overrides):  # type: ignore[no-untyped-def]
    values = dict(zip(INSTITUTION_HEADERS, [
        code, "东城第二幼儿园", "幼儿园", "公办", "是", "市级示范/二级", "城区", region,
        "正常办学", "否", "否", "东城区花园路2号", "0571-88888888", dt.date(2001, 9, 1),
        "3200.5", 1800, 450000, 6, 12000, 2, 2], strict=True))
    values.update(overrides)
    return list(values.values())


@pytest.fixture
def institutions_file(tmp_path):  # type: ignore[no-untyped-def]
    return lambda *rows: write_xlsx(tmp_path / "institutions.xlsx", INSTITUTION_HEADERS, rows)


def test_institution_created_and_reimport_unchanged(institutions_file, world, personas):
    path = institutions_file(institution_row())
    outcome = import_institutions(actor=personas.county_a, path=path)
    assert (outcome.created, outcome.invalid) == (1, 0)
    school = Institution.objects.get(code="3198010188")
    assert (school.kind, school.inclusive, school.rating, school.region) == (
        "kindergarten", True, "city", world.county_a)
    assert school.teaching_area_m2 == Decimal("3200.50") and school.books == 12000
    again = import_institutions(actor=personas.county_a, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_institution_update_of_facility_figures(institutions_file, world):
    row = institution_row(code=world.school_a.code, **{"名称": world.school_a.name,
                                                       "办学类型": "小学", "是否普惠": "否"})
    outcome = import_institutions(actor=None, path=institutions_file(row))
    assert outcome.updated == 1
    world.school_a.refresh_from_db()
    assert world.school_a.sports_area_m2 == Decimal("1800.00")


def test_institution_region_and_scope_rules(institutions_file, world, personas):
    outcome = import_institutions(actor=personas.county_a, path=institutions_file(
        institution_row(region="980102"),
        institution_row(code=world.school_b.code),
        institution_row(code="3198010177", region="999999"),
        institution_row(code="3198010166", **{"办学类型": "小学"})), dry_run=True)
    assert [(e.row, e.column, e.reason) for e in outcome.errors] == [
        (2, "所在区划代码", "所在区划代码不存在或不在管辖范围内"),
        (3, "学校标识码", "学校标识码已被管辖范围外的学校使用"),
        (4, "所在区划代码", "所在区划代码不存在或不在管辖范围内"),
        (5, "是否普惠", "仅幼儿园可认定为普惠性"),
    ]


def test_school_admin_updates_own_school_but_cannot_create(institutions_file, world, personas):
    own = institution_row(code=world.school_a.code, **{"办学类型": "小学", "是否普惠": "否"})
    outcome = import_institutions(actor=personas.school_admin_a,
                                  path=institutions_file(own, institution_row()), dry_run=True)
    assert [(e.row, e.reason) for e in outcome.errors] == [
        (3, "所在区划代码不存在或不在管辖范围内")]


def test_classes_created_with_head_teacher_and_reimport_unchanged(tmp_path, world):
    teacher = world.staff_a
    path = write_csv(tmp_path / "classes.csv", CLASS_HEADERS, [
        [world.school_a.code, "三年级", 2, "三年级（2）班", teacher.id_number],
        [world.school_a.code, 3, 1, "", ""],
    ])
    outcome = import_classes(actor=None, path=path)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 0, 1)
    new = SchoolClass.objects.get(institution=world.school_a, grade=3, number=2)
    assert (new.name, new.head_teacher, new.academic_year) == ("三年级（2）班", teacher, world.year)
    again = import_classes(actor=None, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_class_errors(tmp_path, world):
    path = write_csv(tmp_path / "classes.csv", CLASS_HEADERS, [
        [world.school_a.code, 3, 5, "", world.staff_b.id_number],
        [world.school_a.code, "三年级", 5, "", ""],
    ])
    errors = import_classes(actor=None, path=path, dry_run=True).errors
    assert [(e.row, e.letter, e.reason) for e in errors] == [
        (2, "C", "同一学校、年级的班号在文件中重复出现（第2、3行）"),
        (2, "E", "班主任身份证号未找到对应的本校在职教职工"),
        (3, "C", "同一学校、年级的班号在文件中重复出现（第2、3行）"),
    ]


@pytest.fixture
def staff_file(tmp_path):  # type: ignore[no-untyped-def]
    return lambda *rows: write_xlsx(tmp_path / "staff.xlsx", STAFF_HEADERS, rows)


def test_staff_created_with_assignment(staff_file, staff_row, world, personas):
    row = staff_row()
    outcome = import_staff(actor=personas.school_admin_a, path=staff_file(row))
    assert outcome.created == 1
    staff = Staff.objects.get(id_number=row[0])
    assert (staff.current_institution, staff.current_post, staff.title, staff.certified,
            staff.subject, staff.backbone_level) == (
        world.school_a, "teacher", "first", True, "math", "county")
    [assignment] = staff.assignments.all()
    assert (assignment.institution, assignment.start, assignment.end) == (
        world.school_a, dt.date(2020, 9, 1), None)
    again = import_staff(actor=personas.school_admin_a, path=staff_file(row))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def existing_staff_row(staff_row, staff, **overrides):  # type: ignore[no-untyped-def]
    return staff_row(id_number=staff.id_number, birth_date=staff.birth_date,
                     sex="男" if staff.sex == "M" else "女", **overrides)


def test_new_start_closes_the_open_assignment(staff_file, staff_row, world):
    staff = world.staff_a
    row = existing_staff_row(staff_row, staff, institution_code=world.school_b.code,
                             post="校长", start=dt.date(2025, 9, 1))
    outcome = import_staff(actor=None, path=staff_file(row))
    assert outcome.updated == 1
    staff.refresh_from_db()
    assert (staff.current_institution, staff.current_post) == (world.school_b, "principal")
    history = list(staff.assignments.order_by("start").values_list("institution", "start", "end"))
    assert history == [(world.school_a.pk, dt.date(2019, 9, 1), dt.date(2025, 8, 31)),
                       (world.school_b.pk, dt.date(2025, 9, 1), None)]
    assert import_staff(actor=None, path=staff_file(row)).unchanged == 1


def test_same_start_corrects_the_assignment(staff_file, staff_row, world):
    staff = world.staff_a
    row = existing_staff_row(staff_row, staff, post="行政人员", start=dt.date(2019, 9, 1))
    import_staff(actor=None, path=staff_file(row))
    assert list(Assignment.objects.filter(staff=staff).values_list("post", "end")) == [
        ("admin", None)]
    staff.refresh_from_db()
    assert staff.current_post == "admin"


def test_staff_errors(staff_file, staff_row, world, personas):
    earlier = existing_staff_row(staff_row, world.staff_a, start=dt.date(2018, 9, 1))
    elsewhere = existing_staff_row(staff_row, world.staff_b)
    outcome = import_staff(actor=personas.county_a, path=staff_file(
        earlier, elsewhere, staff_row(sex="男"), staff_row(education="博士")), dry_run=True)
    assert [(e.row, e.letter, e.reason) for e in outcome.errors] == [
        (2, "N", "任职开始日期早于该教职工现任职的开始日期（2019-09-01）"),
        (3, "A", "该教职工当前在管辖范围外的学校任职，请由原单位办理调动"),
        (4, "C", "性别与身份证号不一致"),
        (5, "F", "「博士」不是有效的学历，应为：研究生、本科、专科、高中及以下"),
    ]
