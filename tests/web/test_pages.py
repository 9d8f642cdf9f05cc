"""Home pages, registry lists and details: scoping, masking, filters, unmasking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from edugov.core.masking import mask_id_number
from edugov.core.models import AuditLog
from edugov.registry import models as m
from edugov.web.pagination import CappedPaginator
from tests import factories as f

LISTS = ["registry:institution_list", "registry:student_list", "registry:staff_list",
         "registry:class_list"]


def text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# Home pages ----------------------------------------------------------------------------

def test_anonymous_home_redirects_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_bureau_home_summarises_its_jurisdiction(client_for, world) -> None:  # type: ignore[no-untyped-def]
    # One class of 57 in county A: large (56+) but not huge (66+).
    for _ in range(56):
        s = f.StudentFactory(current_institution=world.school_a)
        f.EnrolmentFactory(student=s, academic_year=world.year, institution=world.school_a,
                           school_class=world.class_a)
    page = text(client_for("county_a").get("/"))
    assert "辖区概况" in page
    summary = client_for("county_a").get("/").context["summary"]
    assert summary.institutions == 1 and summary.students == 57 and summary.staff == 1
    assert summary.classes == 1
    assert {key: n for key, _label, n in summary.class_bands} == {
        "over45": 1, "over50": 1, "large": 1, "huge": 0}
    city = client_for("city_bureau").get("/").context["summary"]
    assert (city.institutions, city.students, city.classes) == (2, 58, 2)


def test_bureau_home_cost_does_not_grow_with_rows(client_for, world,  # type: ignore[no-untyped-def]
                                                  django_assert_max_num_queries) -> None:
    for _ in range(30):
        f.InstitutionFactory(region=world.county_a)
        f.StudentFactory(current_institution=world.school_a)
    client = client_for("city_bureau")
    with django_assert_max_num_queries(10):
        text(client.get("/"))


def test_school_admin_home_shows_grades_and_staff(client_for, world) -> None:  # type: ignore[no-untyped-def]
    response = client_for("school_admin_a").get("/")
    page = text(response)
    assert world.school_a.name in page and "三年级" in page
    summary = response.context["summary"]
    assert [(g.grade, g.classes, g.students) for g in summary.grades] == [(3, 1, 1)]
    assert summary.staff == 1


def test_teacher_home_lists_their_classes(client_for, head_teacher, world) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for("teacher_a").get("/"))
    assert "我的班级" in page
    assert reverse("registry:class_detail", args=[world.class_a.pk]) in page


def test_teacher_without_staff_record_is_told_why(client_for) -> None:  # type: ignore[no-untyped-def]
    assert "尚未关联教职工档案" in text(client_for("teacher_a").get("/"))


@pytest.mark.parametrize(("persona", "heading"), [("parent", "家长服务"),
                                                  ("tutoring_operator", "校外培训机构服务")])
def test_parent_and_operator_get_their_service_page(client_for, persona, heading) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for(persona).get("/"))
    assert heading in page
    assert reverse("registry:student_list") not in page  # no registry links in their nav


def test_nav_depends_on_roles(client_for) -> None:  # type: ignore[no-untyped-def]
    root = text(client_for("superuser").get("/"))
    assert reverse("admin:index") in root and reverse("registry:staff_list") in root
    teacher = text(client_for("teacher_a").get("/"))
    assert reverse("registry:student_list") in teacher
    assert reverse("admin:index") not in teacher
    assert "县（区）教育局 · 东城区" in text(client_for("county_a").get("/"))


# Scoping -------------------------------------------------------------------------------

@pytest.mark.parametrize("url_name", LISTS)
@pytest.mark.parametrize("persona", ["county_a", "school_admin_a", "teacher_a"])
def test_county_a_lists_never_show_county_b(client_for, world, url_name, persona) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for(persona).get(reverse(url_name)))
    for b_row in (world.school_b.name, world.student_b.name, world.staff_b.name,
                  world.student_b.student_no):
        assert b_row not in page


def test_city_lists_show_both_counties(client_for, world) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for("city_bureau").get(reverse("registry:student_list")))
    assert world.student_a.name in page and world.student_b.name in page


@pytest.mark.parametrize("persona", ["county_a", "school_admin_a"])
def test_county_b_objects_are_404(client_for, world, persona) -> None:  # type: ignore[no-untyped-def]
    client = client_for(persona)
    for name, obj in [("institution_detail", world.school_b), ("student_detail", world.student_b),
                      ("staff_detail", world.staff_b), ("class_detail", world.class_b)]:
        assert client.get(reverse(f"registry:{name}", args=[obj.pk])).status_code == 404


def test_region_filter_cannot_reach_outside_scope(client_for, world) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for("county_a").get(reverse("registry:student_list"),
                                           {"region": world.county_b.code}))
    assert world.student_b.name not in page


def test_institution_filter_cannot_reach_outside_scope(client_for, world) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for("county_a").get(reverse("registry:student_list"),
                                           {"institution": world.school_b.pk}))
    assert world.student_b.name not in page and world.school_b.name not in page


# Masking and unmasking -----------------------------------------------------------------

def test_lists_show_masked_id_numbers(client_for, world) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for("county_a").get(reverse("registry:student_list")))
    masked = mask_id_number(world.student_a.id_number)
    assert masked.startswith("330102") and "********" in masked
    assert masked in page and world.student_a.id_number not in page
    staff = text(client_for("county_a").get(reverse("registry:staff_list")))
    assert mask_id_number(world.staff_a.id_number) in staff
    assert world.staff_a.id_number not in staff


def test_detail_masks_address_and_phone(client_for, world) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for("county_a").get(
        reverse("registry:student_detail", args=[world.student_a.pk])))
    assert world.student_a.id_number not in page
    assert world.student_a.guardian_phone not in page and "138****5678" in page
    assert world.student_a.address not in page
    assert "显示完整信息" in page


def test_unmask_shows_clear_values_once_and_is_audited(client_for, world, personas) -> None:  # type: ignore[no-untyped-def]
    client = client_for("county_a")
    url = reverse("registry:student_unmask", args=[world.student_a.pk])
    response = client.post(url)
    page = text(response)
    assert world.student_a.id_number in page and world.student_a.address in page
    assert "no-store" in response["Cache-Control"]
    log = AuditLog.objects.get(action=AuditLog.Action.UNMASK)
    assert (log.user, log.entity, log.object_id) == (
        personas.county_a, "registry.student", str(world.student_a.pk))
    # The next plain visit is masked again.
    again = text(client.get(reverse("registry:student_detail", args=[world.student_a.pk])))
    assert world.student_a.id_number not in again


def test_staff_unmask_is_audited(client_for, world) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for("school_admin_a").post(
        reverse("registry:staff_unmask", args=[world.staff_a.pk])))
    assert world.staff_a.id_number in page
    assert AuditLog.objects.filter(action="unmask", entity="registry.staff").count() == 1


def test_teacher_cannot_unmask(client_for, world) -> None:  # type: ignore[no-untyped-def]
    client = client_for("teacher_a")
    detail = text(client.get(reverse("registry:student_detail", args=[world.student_a.pk])))
    assert "显示完整信息" not in detail
    response = client.post(reverse("registry:student_unmask", args=[world.student_a.pk]))
    assert response.status_code == 403
    assert world.student_a.id_number not in response.content.decode()
    assert not AuditLog.objects.exists()


def test_out_of_scope_unmask_is_404_and_not_audited(client_for, world) -> None:  # type: ignore[no-untyped-def]
    response = client_for("county_a").post(
        reverse("registry:student_unmask", args=[world.student_b.pk]))
    assert response.status_code == 404
    assert not AuditLog.objects.exists()


# Filters, search and pages -------------------------------------------------------------

def names(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {row.name for row in response.context["page"]}


def test_student_filters_and_search(client_for, world) -> None:  # type: ignore[no-untyped-def]
    migrant = f.StudentFactory(current_institution=world.school_a, name="随迁甲",
                               hukou_type="migrant", sex="F")
    f.EnrolmentFactory(student=migrant, academic_year=world.year, institution=world.school_a,
                       grade=5)
    client = client_for("city_bureau")
    url = reverse("registry:student_list")
    assert names(client.get(url, {"hukou_type": "migrant"})) == {"随迁甲"}
    assert names(client.get(url, {"grade": 5})) == {"随迁甲"}
    assert "随迁甲" not in names(client.get(url, {"grade": 3}))
    assert names(client.get(url, {"q": "随迁"})) == {"随迁甲"}
    assert names(client.get(url, {"q": world.student_b.student_no})) == {world.student_b.name}
    assert names(client.get(url, {"q": world.student_b.id_number})) == {world.student_b.name}
    assert names(client.get(url, {"region": world.county_b.code})) == {world.student_b.name}
    assert names(client.get(url, {"institution": world.school_a.pk})) == {
        world.student_a.name, "随迁甲"}


def test_institution_and_staff_filters(client_for, world) -> None:  # type: ignore[no-untyped-def]
    f.InstitutionFactory(region=world.county_a, name="东城幼儿园", kind="kindergarten",
                         inclusive=True)
    client = client_for("county_a")
    assert names(client.get(reverse("registry:institution_list"),
                            {"kind": "kindergarten"})) == {"东城幼儿园"}
    assert names(client.get(reverse("registry:institution_list"), {"q": "3198010101"})) == {
        world.school_a.name}
    assert names(client.get(reverse("registry:staff_list"), {"current_post": "teacher"})) == {
        world.staff_a.name}
    assert names(client.get(reverse("registry:staff_list"), {"current_post": "principal"})) == set()


def test_class_size_filter(client_for, world) -> None:  # type: ignore[no-untyped-def]
    for _ in range(46):
        s = f.StudentFactory(current_institution=world.school_b)
        f.EnrolmentFactory(student=s, academic_year=world.year, institution=world.school_b,
                           school_class=world.class_b)
    response = client_for("city_bureau").get(reverse("registry:class_list"), {"size": "over45"})
    assert [c.pk for c in response.context["page"]] == [world.class_b.pk]
    assert client_for("city_bureau").get(
        reverse("registry:class_list"), {"size": "large"}).context["page"].paginator.count == 0


def test_pagination_keeps_filters(client_for, world) -> None:  # type: ignore[no-untyped-def]
    for _ in range(55):
        f.StudentFactory(current_institution=world.school_a, hukou_type="migrant")
    client = client_for("county_a")
    first = client.get(reverse("registry:student_list"), {"hukou_type": "migrant"})
    assert len(first.context["page"]) == 50
    assert "?hukou_type=migrant&amp;page=2" in text(first)
    second = client.get(reverse("registry:student_list"), {"hukou_type": "migrant", "page": 2})
    assert len(second.context["page"]) == 5


def test_capped_paginator_counts_at_most_the_cap(world) -> None:  # type: ignore[no-untyped-def]
    for _ in range(7):
        f.StudentFactory(current_institution=world.school_a)
    paginator = CappedPaginator(m.Student.objects.order_by("pk"), 2)
    paginator.cap = 5
    assert paginator.count == 5 and paginator.capped and paginator.num_pages == 3
    exact = CappedPaginator(m.Student.objects.order_by("pk"), 2)
    assert exact.count == 9 and not exact.capped


# Details -------------------------------------------------------------------------------

def test_student_detail_shows_enrolment_history(client_for, world) -> None:  # type: ignore[no-untyped-def]
    last_year = f.AcademicYearFactory(start_year=2024, is_current=False)
    old_class = f.SchoolClassFactory(institution=world.school_a, academic_year=last_year,
                                     grade=2, number=4)
    f.EnrolmentFactory(student=world.student_a, academic_year=last_year,
                       institution=world.school_a, school_class=old_class, grade=2,
                       status="active")
    client = client_for("county_a")
    page = text(client.get(reverse("registry:student_detail", args=[world.student_a.pk])))
    assert "2024–2025" in page and "2025–2026" in page and "二年级" in page
    # Last year's class opens from the history link.
    assert client.get(reverse("registry:class_detail", args=[old_class.pk])).status_code == 200


def test_staff_detail_shows_assignment_history_with_tenure(client_for, world) -> None:  # type: ignore[no-untyped-def]
    m.Assignment.objects.filter(staff=world.staff_a).update(end=dt.date(2023, 8, 31))
    m.Assignment.objects.create(staff=world.staff_a, institution=world.school_a,
                                post="principal", start=dt.date(2023, 9, 1))
    response = client_for("county_a").get(
        reverse("registry:staff_detail", args=[world.staff_a.pk]))
    page = text(response)
    assert "2019-09-01" in page and "2023-08-31" in page and "至今" in page
    tenures = [years for _a, years in response.context["assignments"]]
    assert tenures[1] == 4.0  # 2019-09-01 → 2023-08-31


def test_institution_detail_shows_facilities_classes_staff_groups(client_for, world) -> None:  # type: ignore[no-untyped-def]
    group = m.EducationGroup.objects.create(name="东城教育集团", kind="close",
                                            lead=world.school_a)
    m.Pairing.objects.create(supporter=world.school_a, supported=world.school_a.__class__
                             .objects.create(code="3198010109", name="东城乡村小学",
                                             kind="primary", ownership="public",
                                             locality="rural", region=world.county_a),
                             start=dt.date(2024, 9, 1))
    response = client_for("county_a").get(
        reverse("registry:institution_detail", args=[world.school_a.pk]))
    page = text(response)
    for expected in ("办学条件", "5000.00", group.name, "东城乡村小学", "专任教师", "三年级"):
        assert expected in page, expected
    assert response.context["staff_total"] == 1 and response.context["students_total"] == 1


def test_class_detail_shows_roster(client_for, world) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for("teacher_a").get(
        reverse("registry:class_detail", args=[world.class_a.pk])))
    assert world.student_a.name in page
    assert mask_id_number(world.student_a.id_number) in page
