"""Invariants of the tiny demo: consistent people, classes, careers, identities and accounts."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from django.db.models import Count, F, Max, Q, QuerySet
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
YEARS = (2023, 2024, 2025)


def current_enrolments() -> QuerySet[m.Enrolment]:
    return m.Enrolment.objects.filter(academic_year__is_current=True)


def current_students() -> QuerySet[m.Student]:
    return m.Student.objects.filter(current_institution__isnull=False)


def test_three_years_with_terms_enrolments_and_classes() -> None:
    years = dict(m.AcademicYear.objects.values_list("start_year", "is_current"))
    assert years == {2023: False, 2024: False, 2025: True}
    assert m.Term.objects.count() == 6
    for year in YEARS:
        assert m.Enrolment.objects.filter(academic_year__start_year=year).exists()
        assert m.SchoolClass.objects.filter(academic_year__start_year=year).exists()


def test_every_current_student_has_exactly_one_current_active_enrolment() -> None:
    students = current_students().count()
    assert 300 <= students <= 1500
    per_student = Counter(current_enrolments().filter(status="active")
                          .values_list("student_id", flat=True))
    assert set(per_student) == set(current_students().values_list("id", flat=True))
    assert set(per_student.values()) == {1}
    assert not current_enrolments().exclude(status="active").exists()


def test_former_students_left_in_a_past_year() -> None:
    """Graduates and leavers: no school now, no current enrolment, enrolled until 2023 or
    2024 — e.g. the 高三 classes of both past years."""
    former = m.Student.objects.filter(current_institution__isnull=True)
    assert former.exists()
    assert not current_enrolments().filter(student__in=former).exists()
    last_years = set(former.annotate(last=Max("enrolments__academic_year__start_year"))
                     .values_list("last", flat=True))
    assert last_years == {2023, 2024}
    for year in (2023, 2024):
        graduates = m.Enrolment.objects.filter(academic_year__start_year=year, grade=12)
        assert graduates.exists() and not graduates.filter(
            student__current_institution__isnull=False).exists()


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
    assert enrolled_at == dict(current_students().values_list("id", "current_institution_id"))
    holds = {staff: (institution, post) for staff, institution, post in
             m.Assignment.objects.filter(end__isnull=True).values_list(
                 "staff_id", "institution_id", "post")}
    assert holds == {staff: (institution, post) for staff, institution, post in
                     m.Staff.objects.filter(current_institution__isnull=False).values_list(
                         "id", "current_institution_id", "current_post")}


def test_a_students_years_are_consecutive_a_grade_apart_with_consistent_entry_dates() -> None:
    history: defaultdict[int, list[tuple[int, int, int, dt.date]]] = defaultdict(list)
    for row in m.Enrolment.objects.order_by("student_id", "academic_year__start_year"
                                            ).values_list("student_id",
                                                          "academic_year__start_year",
                                                          "institution_id", "grade",
                                                          "entry_date"):
        history[row[0]].append(row[1:])
    assert len(history) == m.Student.objects.count()
    for years in history.values():
        assert years[0][2] >= -2  # nobody was enrolled before 小班
        for (year, school, grade, entered), (later, then, next_grade, next_entered) in (
                pairwise(years)):
            assert (later, next_grade) == (year + 1, grade + 1)
            if then == school:
                assert next_entered == entered  # one stay at the school
            else:
                assert next_entered == dt.date(later, 9, 1)  # joined that year
        first_year, _, first_grade, first_entered = years[0]
        if first_year > 2023 or first_grade == -2:
            assert first_entered == dt.date(first_year, 9, 1)  # a new entrant then
        assert first_entered <= dt.date(first_year, 9, 1)
    # Entry grades came from feeder schools, so some students changed school.
    moved = m.Enrolment.objects.filter(academic_year__start_year=2024).exclude(
        institution=F("student__current_institution"))
    assert moved.filter(student__current_institution__isnull=False).exists()
    # 2024's entrants (小班 and those from outside the county) have no 2023 enrolment.
    entrants = m.Enrolment.objects.filter(academic_year__start_year=2024, grade=-2)
    assert entrants.exists() and not m.Enrolment.objects.filter(
        academic_year__start_year=2023, student__in=entrants.values("student")).exists()


def test_past_years_have_every_grade_of_every_school_at_about_todays_size() -> None:
    """Each school teaches the same grades every year, and past years are complete: their
    leavers are there, not just the history of today's students."""
    grades: defaultdict[tuple[int, int], set[int]] = defaultdict(set)
    for year, school, grade in m.SchoolClass.objects.values_list(
            "academic_year__start_year", "institution_id", "grade"):
        grades[year, school].add(grade)
    schools = m.Institution.objects.values_list("id", flat=True)
    for school in schools:
        assert grades[2023, school] == grades[2024, school] == grades[2025, school]
    today = current_enrolments().count()
    for year in (2023, 2024):
        assert 0.9 * today <= m.Enrolment.objects.filter(
            academic_year__start_year=year).count() <= 1.15 * today


def test_past_classes_are_led_by_teachers_of_the_school_that_year() -> None:
    classes = m.SchoolClass.objects.filter(academic_year__start_year__lt=CURRENT)
    led = classes.filter(head_teacher__isnull=False)
    assert led.count() >= 0.9 * classes.count()
    for year, school, teacher in led.values_list("academic_year__start_year",
                                                 "institution_id", "head_teacher_id"):
        on = dt.date(year, 9, 1)
        assert m.Assignment.objects.filter(
            Q(end__isnull=True) | Q(end__gte=on), staff_id=teacher, institution_id=school,
            post="teacher", start__lte=on).exists()


def test_every_staff_member_has_one_open_assignment_and_no_overlaps() -> None:
    history: defaultdict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for staff_id, start, end in m.Assignment.objects.order_by("staff_id", "start").values_list(
            "staff_id", "start", "end"):
        history[staff_id].append((start, end))
    assert len(history) == m.Staff.objects.count()
    current = set(m.Staff.objects.filter(current_institution__isnull=False).values_list(
        "id", flat=True))
    for staff_id, spells in history.items():
        open_spells = [end for _, end in spells].count(None)
        if staff_id in current:
            assert open_spells == 1 and spells[-1][1] is None
        else:  # left in the summer of 2024 or 2025, replaced by a new hire
            assert open_spells == 0
            assert spells[-1][1] in (dt.date(2024, 8, 31), dt.date(2025, 8, 31))
        for (start, end), (next_start, _) in pairwise(spells):
            assert end is not None and start <= end < next_start
    assert any(len(spells) > 1 for spells in history.values())
    assert len(current) < len(history)
    assert not m.Staff.objects.filter(current_institution__isnull=True).exclude(
        current_post="").exists()


def test_every_year_built_has_its_full_staff() -> None:
    """Posts held on each 1 September: leavers replaced by hires keep the count steady."""
    held = []
    for year in YEARS:
        on = dt.date(year, 9, 1)
        held.append(m.Assignment.objects.filter(Q(end__isnull=True) | Q(end__gte=on),
                                                start__lte=on).count())
    assert max(held) <= 1.05 * min(held)


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


def test_ages_fit_grades_in_every_year() -> None:
    rows = m.Enrolment.objects.values_list("academic_year__start_year", "grade",
                                           "student__birth_date", "institution__kind")
    for year, grade, birth, kind in rows:
        age = year - birth.year - ((birth.month, birth.day) > (9, 1))
        allowed = range(5, 10) if kind == InstitutionKind.SPECIAL else range(5, 8)
        assert age - grade in allowed, (year, grade, birth, kind)


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
    migrants = current_students().filter(hukou_type="migrant").count() / (
        current_students().count())
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
    assert marker.details["counts"]["students"] == current_students().count()
    assert marker.details["counts"]["former_students"] == m.Student.objects.filter(
        current_institution__isnull=True).count()
    again = build_tiny(f"--seed={SEED}")
    assert "演示数据已存在" in again and DEMO_PASSWORD in again
    assert AuditLog.objects.filter(entity="demo").count() == 1
