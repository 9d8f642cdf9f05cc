"""Invariants of the tiny demo: consistent people, classes, careers, identities and accounts."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from django.db.models import Count, F, Q, QuerySet
from django.test import Client, RequestFactory

from edugov.core.models import AuditLog, User
from edugov.core.roles import Role
from edugov.demo import DEMO_PASSWORD
from edugov.registry import models as m
from edugov.registry.choices import InstitutionKind, Ownership, RegionLevel
from edugov.registry.rules.identity import id_number_error, id_number_mismatch, student_no_error
from tests.demo.conftest import SEED, build_tiny

pytestmark = pytest.mark.usefixtures("tiny_demo", "db")

CURRENT = 2025


def current_enrolments() -> QuerySet[m.Enrolment]:
    return m.Enrolment.objects.filter(academic_year__is_current=True)


def test_years_current_and_previous_with_enrolments() -> None:
    years = dict(m.AcademicYear.objects.values_list("start_year", "is_current"))
    assert years == {2024: False, 2025: True}
    assert m.Enrolment.objects.filter(academic_year__start_year=2024).exists()
    assert m.Term.objects.count() == 4


def test_every_student_has_exactly_one_current_active_enrolment() -> None:
    students = m.Student.objects.count()
    assert 300 <= students <= 1500
    per_student = Counter(current_enrolments().filter(status="active")
                          .values_list("student_id", flat=True))
    assert len(per_student) == students and set(per_student.values()) == {1}
    assert not current_enrolments().exclude(status="active").exists()


def test_current_enrolments_are_in_classes_of_their_school_year_and_grade() -> None:
    assert not current_enrolments().filter(school_class__isnull=True).exists()
    assert not m.Enrolment.objects.exclude(school_class__institution=F("institution")).exists()
    assert not m.Enrolment.objects.exclude(school_class__academic_year=F("academic_year")).exists()
    assert not m.Enrolment.objects.exclude(school_class__grade=F("grade")).exists()


def test_class_sizes_sum_to_each_institutions_enrolment() -> None:
    sizes: defaultdict[int, int] = defaultdict(int)
    classes = m.SchoolClass.objects.filter(academic_year__is_current=True).annotate(
        size=Count("enrolments", filter=Q(enrolments__status="active")))
    for institution_id, size in classes.values_list("institution_id", "size"):
        assert size > 0
        sizes[institution_id] += size
    totals = dict(current_enrolments().filter(status="active").values_list("institution_id")
                  .annotate(n=Count("id")))
    assert dict(sizes) == totals


def test_current_institution_matches_current_enrolment_and_open_assignment() -> None:
    enrolled_at = dict(current_enrolments().values_list("student_id", "institution_id"))
    assert enrolled_at == dict(m.Student.objects.values_list("id", "current_institution_id"))
    holds = {staff: (institution, post) for staff, institution, post in
             m.Assignment.objects.filter(end__isnull=True).values_list(
                 "staff_id", "institution_id", "post")}
    assert holds == {staff: (institution, post) for staff, institution, post in
                     m.Staff.objects.values_list("id", "current_institution_id",
                                                 "current_post")}


def test_previous_year_is_one_grade_lower_for_the_same_students() -> None:
    rows = m.Enrolment.objects.filter(academic_year__start_year=2024).values_list(
        "student_id", "grade")
    current = dict(current_enrolments().values_list("student_id", "grade"))
    assert rows and all(current[student] == grade + 1 for student, grade in rows)
    # Entry grades came from feeder schools, so some students changed school.
    moved = m.Enrolment.objects.filter(academic_year__start_year=2024).exclude(
        institution=F("student__current_institution"))
    assert moved.exists()


def test_every_staff_member_has_one_open_assignment_and_no_overlaps() -> None:
    history: defaultdict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for staff_id, start, end in m.Assignment.objects.order_by("staff_id", "start").values_list(
            "staff_id", "start", "end"):
        history[staff_id].append((start, end))
    assert len(history) == m.Staff.objects.count()
    for spells in history.values():
        assert [end for _, end in spells].count(None) == 1 and spells[-1][1] is None
        for (start, end), (next_start, _) in pairwise(spells):
            assert end is not None and start <= end < next_start
    assert any(len(spells) > 1 for spells in history.values())


def test_id_numbers_are_valid_and_agree_with_sex_and_birth_date() -> None:
    people = [*m.Student.objects.values_list("id_number", "sex", "birth_date", "student_no"),
              *m.Staff.objects.values_list("id_number", "sex", "birth_date", "phone")]
    for number, sex, birth, _ in people:
        if number is None:
            continue
        assert id_number_error(number) is None, number
        assert id_number_mismatch(number, sex=sex, birth_date=birth) is None, number
    for student_no, number in m.Student.objects.values_list("student_no", "id_number"):
        assert student_no_error(student_no) is None, student_no
        assert student_no == f"G{number}" if number else student_no[0] in "JL"


def test_ages_fit_grades() -> None:
    snapshot = dt.date(CURRENT, 9, 1)
    rows = current_enrolments().values_list("grade", "student__birth_date", "institution__kind")
    for grade, birth, kind in rows:
        age = snapshot.year - birth.year - ((snapshot.month, snapshot.day) < (birth.month,
                                                                            birth.day))
        allowed = range(5, 10) if kind == InstitutionKind.SPECIAL else range(5, 8)
        assert age - grade in allowed, (grade, birth, kind)


def test_every_institution_kind_is_present() -> None:
    kinds = set(m.Institution.objects.values_list("kind", flat=True))
    assert kinds == set(InstitutionKind.values)


def test_regions_nest_with_township_codes() -> None:
    levels = Counter(m.Region.objects.values_list("level", flat=True))
    assert levels[RegionLevel.PROVINCE] == 1 and levels[RegionLevel.CITY] == 1
    assert levels[RegionLevel.COUNTY] == 2 and levels[RegionLevel.TOWNSHIP] >= 4
    assert all(len(code) == 9 for code in m.Region.objects.filter(
        level=RegionLevel.TOWNSHIP).values_list("code", flat=True))
    assert not m.Institution.objects.exclude(region__level=RegionLevel.TOWNSHIP).exists()


def test_kindergarten_shares_and_migrant_share_are_roughly_real() -> None:
    children = Counter()
    for ownership, inclusive in current_enrolments().filter(
            institution__kind=InstitutionKind.KINDERGARTEN).values_list(
            "institution__ownership", "institution__inclusive"):
        children["public" if ownership == Ownership.PUBLIC else
                 "inclusive" if inclusive else "other"] += 1
    total = sum(children.values())
    assert 0.3 <= children["public"] / total <= 0.75
    assert (children["public"] + children["inclusive"]) / total >= 0.7
    migrants = m.Student.objects.filter(hukou_type="migrant").count() / m.Student.objects.count()
    assert 0.03 <= migrants <= 0.35


def test_groups_and_pairings_have_leads_members_and_periods() -> None:
    group = m.EducationGroup.objects.first()
    assert group is not None
    assert group.members.filter(institution=group.lead).exists()
    assert group.members.count() >= 2
    assert m.Pairing.objects.exists()
    assert not m.Pairing.objects.filter(supporter=F("supported")).exists()


def test_demo_accounts_have_their_memberships_and_can_log_in() -> None:
    expected = {
        "city": (Role.CITY_BUREAU, RegionLevel.CITY),
        "county1": (Role.COUNTY_BUREAU, RegionLevel.COUNTY),
        "county2": (Role.COUNTY_BUREAU, RegionLevel.COUNTY),
    }
    for username, (role, level) in expected.items():
        membership = User.objects.get(username=username).memberships.get()
        assert membership.role == role and membership.region.level == level
    kinds = set()
    for n in range(1, 6):
        admin = User.objects.get(username=f"school{n}").memberships.get()
        teacher = User.objects.get(username=f"teacher{n}").memberships.get()
        assert admin.role == Role.SCHOOL_ADMIN and teacher.role == Role.TEACHER
        assert admin.institution == teacher.institution
        kinds.add(admin.institution.kind)
    assert len(kinds) == 5
    assert User.objects.get(username="parent1").memberships.get().role == Role.PARENT
    assert User.objects.get(username="operator1").memberships.get().role == (
        Role.TUTORING_OPERATOR)
    assert User.objects.get(username="admin").is_superuser
    request = RequestFactory().post("/")
    for username in ("admin", "city", "county2", "school1", "teacher3", "parent1", "operator1"):
        assert Client().login(request=request, username=username, password=DEMO_PASSWORD)


def test_teacher_accounts_point_at_a_teacher_of_their_school() -> None:
    user = User.objects.get(username="teacher1")
    staff = user.staff
    assert staff is not None, "a demo teacher account must point at its staff record"
    assert staff.current_institution == user.memberships.get().institution
    assert staff.current_post == "teacher"


def test_build_is_recorded_and_not_repeated(tiny_demo: str) -> None:
    assert "演示数据已生成" in tiny_demo and "teacher1" in tiny_demo
    assert DEMO_PASSWORD in tiny_demo and "管辖范围" in tiny_demo
    marker = AuditLog.objects.get(entity="demo")
    assert marker.details["scale"] == "tiny" and marker.details["seed"] == SEED
    assert marker.details["counts"]["students"] == m.Student.objects.count()
    again = build_tiny(f"--seed={SEED}")
    assert "演示数据已存在" in again and DEMO_PASSWORD in again
    assert AuditLog.objects.filter(entity="demo").count() == 1
