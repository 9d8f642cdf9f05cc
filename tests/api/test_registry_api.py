"""Registry routes: filters, labels, pagination, histories, the institution PATCH, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from edugov.core.models import AuditLog
from edugov.registry import models as m
from edugov.registry import services
from tests import factories as f
from tests.api.conftest import session_client

pytestmark = pytest.mark.django_db


def items(client, url: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_pagination_shape_and_limits(personas, api_world):
    client = session_client(personas.city_bureau)
    first = client.get("/api/v1/institutions?page_size=1").json()
    assert set(first) == {"items", "count", "page", "page_size"}
    assert (first["count"], first["page"], first["page_size"]) == (4, 1, 1)
    second = client.get("/api/v1/institutions?page_size=1&page=2").json()
    assert first["items"][0]["code"] != second["items"][0]["code"]
    every = [i["code"] for p in range(1, 5)
             for i in items(client, f"/api/v1/institutions?page_size=1&page={p}")]
    assert len(set(every)) == 4  # ordered by pk: pages neither repeat nor skip rows
    assert client.get("/api/v1/institutions?page=99").json()["items"] == []
    assert client.get("/api/v1/institutions?page_size=500").status_code == 200
    assert client.get("/api/v1/institutions?page_size=501").status_code == 422
    assert client.get("/api/v1/institutions?page=0").status_code == 422


def test_labels_beside_codes(personas, api_world):
    client = session_client(personas.county_a)
    school = client.get(f"/api/v1/institutions/{api_world.school_a.code}").json()
    assert (school["kind"], school["kind_label"]) == ("primary", "小学")
    assert (school["ownership"], school["ownership_label"]) == ("public", "公办")
    assert school["region"] == {"code": "980101", "name": "东城区"}
    assert (school["student_count"], school["staff_count"], school["class_count"]) == (1, 1, 1)
    student = items(client, "/api/v1/students")[0]
    assert (student["sex_label"], student["hukou_type_label"]) == ("男", "本地")
    assert (student["grade"], student["grade_label"]) == (3, "三年级")
    region = items(client, "/api/v1/regions")[0]
    assert region == {"code": "980101", "name": "东城区", "level": "county",
                      "level_label": "县（区）", "parent_code": "980100"}


def test_institution_filters(personas, api_world):
    f.InstitutionFactory(code="3198010103", name="东城幼儿园", kind="kindergarten",
                         inclusive=True, ownership="private", region=api_world.county_a)
    client = session_client(personas.city_bureau)

    def codes(query: str) -> set[str]:
        return {i["code"] for i in items(client, f"/api/v1/institutions?{query}")}

    assert codes("region=980101") == {"3198010101", "3198010102", "3198010103"}
    assert codes("region=980100") == codes("") and len(codes("")) == 5
    assert codes("kind=kindergarten") == {"3198010103"}
    assert codes("ownership=private&inclusive=true") == {"3198010103"}
    assert codes("q=第二") == {"3198010102", "3198010202"}
    assert codes("q=31980102") == {"3198010201", "3198010202"}
    # Filters narrow the caller's jurisdiction; they never widen it.
    county_a = session_client(personas.county_a)
    assert items(county_a, "/api/v1/institutions?region=980102") == []


def test_student_filters(personas, api_world):
    school = api_world.school_a
    girl = f.StudentFactory(name="东城女生", sex="F", hukou_type="migrant", left_behind=True,
                            current_institution=school)
    f.EnrolmentFactory(student=girl, academic_year=api_world.year, institution=school, grade=5)
    client = session_client(personas.city_bureau)

    def names(query: str) -> set[str]:
        return {i["name"] for i in items(client, f"/api/v1/students?{query}")}

    female = items(client, "/api/v1/students?sex=F")
    assert "东城女生" in {i["name"] for i in female} and {i["sex"] for i in female} == {"F"}
    assert "东城女生" not in names("sex=M")
    assert names("grade=5") == {"东城女生"}
    assert names("grade=3") == {"东城学生甲", "西城学生乙"}
    assert names("hukou_type=migrant&left_behind=true") == {"东城女生"}
    assert names(f"institution={school.code}") == {"东城学生甲", "东城女生"}
    assert names("region=980102") == {"西城学生乙"}
    assert names("q=女生") == {"东城女生"}
    assert names(f"q={api_world.student_b.student_no}") == {"西城学生乙"}


def test_staff_detail_history_and_tenure_across_a_post_change(personas, api_world):
    staff = api_world.staff_a
    helper = m.Institution.objects.get(code="3198010102")
    # Teacher at school A since 2019-09-01 (the world), two years at another school,
    # back at A, then a post change at A: tenure runs from the return, across the change.
    services.assign_staff(actor=personas.county_a, staff=staff, institution=helper,
                          post="teacher", start=dt.date(2021, 9, 1))
    services.assign_staff(actor=personas.county_a, staff=staff, institution=api_world.school_a,
                          post="teacher", start=dt.date(2022, 9, 1))
    services.assign_staff(actor=personas.county_a, staff=staff, institution=api_world.school_a,
                          post="principal", start=dt.date(2024, 9, 1))
    detail = session_client(personas.county_a).get(f"/api/v1/staff/{staff.pk}").json()
    assert [(a["institution"]["code"], a["post"], a["start"], a["end"])
            for a in detail["assignments"]] == [
        ("3198010101", "teacher", "2019-09-01", "2021-08-31"),
        ("3198010102", "teacher", "2021-09-01", "2022-08-31"),
        ("3198010101", "teacher", "2022-09-01", "2024-08-31"),
        ("3198010101", "principal", "2024-09-01", None),
    ]
    assert detail["assignments"][0]["days"] == (dt.date(2021, 8, 31) - dt.date(2019, 9, 1)).days
    tenure = detail["tenure"]
    days = (timezone.localdate() - dt.date(2022, 9, 1)).days
    assert tenure == {"institution": {"code": "3198010101", "name": "东城实验小学"},
                      "since": "2022-09-01", "days": days, "years": round(days / 365.25, 1)}
    assert (detail["post"], detail["post_label"]) == ("principal", "校长/园长")


def test_student_detail_enrolment_history(personas, api_world):
    student = api_world.student_a
    old_year = f.AcademicYearFactory(start_year=2024, is_current=False)
    f.EnrolmentFactory(student=student, academic_year=old_year,
                       institution=api_world.school_a, grade=2, status="active")
    detail = session_client(personas.school_admin_a).get(
        f"/api/v1/students/{student.pk}").json()
    assert [(e["academic_year"], e["grade_label"], e["institution"]["code"])
            for e in detail["enrolments"]] == [(2024, "二年级", "3198010101"),
                                               (2025, "三年级", "3198010101")]
    assert detail["enrolments"][1]["school_class"] == {"id": api_world.class_a.pk,
                                                       "name": "三年级(1)班"}


def test_history_outside_jurisdiction_is_omitted(personas, api_world):
    """A student who moved from county B to A: county A sees only the A enrolment."""
    student = api_world.student_a
    old_year = f.AcademicYearFactory(start_year=2024, is_current=False)
    f.EnrolmentFactory(student=student, academic_year=old_year,
                       institution=api_world.school_b, grade=2)
    county_a = session_client(personas.county_a).get(f"/api/v1/students/{student.pk}").json()
    assert [e["academic_year"] for e in county_a["enrolments"]] == [2025]
    city = session_client(personas.city_bureau).get(f"/api/v1/students/{student.pk}").json()
    assert [e["academic_year"] for e in city["enrolments"]] == [2024, 2025]


def test_classes_size_year_and_filters(personas, api_world):
    school = api_world.school_a
    klass = api_world.class_a
    for status in ("active", "active", "transferred"):
        student = f.StudentFactory(current_institution=school)
        f.EnrolmentFactory(student=student, academic_year=api_world.year, institution=school,
                           school_class=klass, status=status)
    old_year = f.AcademicYearFactory(start_year=2024, is_current=False)
    old = f.SchoolClassFactory(institution=school, academic_year=old_year, grade=2, number=1)
    client = session_client(personas.county_a)
    detail = client.get(f"/api/v1/classes/{klass.pk}").json()
    assert (detail["size"], detail["academic_year"], detail["name"]) == (3, 2025, "三年级(1)班")
    assert [c["id"] for c in items(client, "/api/v1/classes")] == [klass.pk]
    assert [c["id"] for c in items(client, "/api/v1/classes?academic_year=2024")] == [old.pk]
    assert items(client, "/api/v1/classes?academic_year=2010") == []
    assert client.get(f"/api/v1/classes/{old.pk}").json()["size"] == 0
    assert items(client, "/api/v1/classes?grade=4") == []


def test_groups_and_pairings_filters(personas, api_world):
    client = session_client(personas.city_bureau)
    assert [g["name"] for g in items(client, "/api/v1/groups?institution=3198010202")] == [
        "西城教育集团"]
    assert items(client, "/api/v1/groups?region=980101")[0]["member_count"] == 2
    m.Pairing.objects.filter(pk=api_world.pairing_b.pk).update(end=dt.date(2025, 1, 1))
    assert [p["id"] for p in items(client, "/api/v1/pairings?active=true")] == [
        api_world.pairing_a.pk]
    assert [p["id"] for p in items(client, "/api/v1/pairings?active=false")] == [
        api_world.pairing_b.pk]
    assert [p["supporter"]["code"] for p in items(client, "/api/v1/pairings?region=980102")] == [
        "3198010202"]


def test_academic_years_for_every_signed_in_user(personas, api_world):
    years = items(session_client(personas.parent), "/api/v1/academic-years?current=true")
    assert years == [{"start_year": 2025, "name": "2025–2026学年", "start": "2025-09-01",
                      "end": "2026-08-31", "is_current": True}]


def test_me_reports_roles_and_scope(personas, world):
    me = session_client(personas.school_admin_a).get("/api/v1/me").json()
    assert me["roles"] == ["school_admin"]
    assert me["memberships"] == [{"role": "school_admin", "role_label": "学校管理员",
                                  "region": None,
                                  "institution": {"code": "3198010101", "name": "东城实验小学"}}]
    assert me["scope"] == {"everything": False, "regions": [], "institutions": ["3198010101"],
                           "can_write": True, "can_unmask": True}
    teacher = session_client(personas.teacher_a).get("/api/v1/me").json()["scope"]
    assert (teacher["can_write"], teacher["can_unmask"]) == (False, False)
    assert session_client(personas.superuser).get("/api/v1/me").json()["scope"]["everything"]


def test_patch_institution_updates_and_audits(personas, api_world):
    code = api_world.school_a.code
    response = session_client(personas.school_admin_a).patch(
        f"/api/v1/institutions/{code}",
        {"teaching_area_m2": "6200.50", "books": 45000, "status": "suspended"},
        content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["teaching_area_m2"], body["books"], body["status_label"]) == (
        6200.5, 45000, "停办")
    school = m.Institution.objects.get(code=code)
    assert (school.books, str(school.teaching_area_m2), school.sports_area_m2) == (
        45000, "6200.50", 8000)  # untouched fields keep their values
    log = AuditLog.objects.get(entity="registry.institution")
    assert (log.user, log.action) == (personas.school_admin_a, "update")
    assert log.details["changes"] == {"books": ["0", "45000"],
                                      "status": ["active", "suspended"],
                                      "teaching_area_m2": ["5000.00", "6200.50"]}


@pytest.mark.parametrize("body, field, kind", [
    ({"name": "改名"}, "name", "extra_forbidden"),
    ({"books": None}, "books", "value_error"),
    ({"books": "many"}, "books", "int_parsing"),
    ({"equipment_value_yuan": "1.234"}, "equipment_value_yuan", "decimal_max_places"),
    ({}, "", "value_error"),
])
def test_patch_institution_rejects(body, field, kind, personas, api_world):
    response = session_client(personas.county_a).patch(
        f"/api/v1/institutions/{api_world.school_a.code}", body,
        content_type="application/json")
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [(d["field"], d["type"]) for d in details] == [(field, kind)]
    assert not AuditLog.objects.filter(entity="registry.institution").exists()


def query_count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/students", "/api/v1/staff", "/api/v1/classes",
                                 "/api/v1/institutions", "/api/v1/groups", "/api/v1/pairings",
                                 "/api/v1/regions"])
def test_lists_have_no_n_plus_one(url, personas, api_world):
    client = session_client(personas.city_bureau)
    small = query_count(client, f"{url}?page_size=1")
    school = api_world.school_a
    for n in range(12):
        student = f.StudentFactory(current_institution=school)
        f.EnrolmentFactory(student=student, academic_year=api_world.year, institution=school)
        f.StaffFactory(current_institution=school)
        other = f.InstitutionFactory(region=api_world.county_a)
        f.SchoolClassFactory(institution=other, academic_year=api_world.year)
        m.Pairing.objects.create(supporter=school, supported=other, start=dt.date(2024, 9, 1))
        lead = m.EducationGroup.objects.create(name=f"集团{n}", kind="loose", lead=other)
        m.GroupMembership.objects.create(group=lead, institution=other,
                                         joined=dt.date(2024, 9, 1))
        f.RegionFactory(code=f"9801{n + 10:02d}", parent=api_world.city)
    assert query_count(client, f"{url}?page_size=50") == small


@pytest.mark.parametrize("url", ["/api/v1/students/{student}", "/api/v1/staff/{staff}"])
def test_details_query_count_is_bounded(url, personas, api_world):
    client = session_client(personas.county_a)
    target = url.format(student=api_world.student_a.pk, staff=api_world.staff_a.pk)
    assert query_count(client, target) <= 8
