"""Reads for users (scoped) and the registry → rules loaders (one query per table)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, Q, QuerySet

from edugov.core.models import User
from edugov.core.scoping import visible_to
from edugov.registry.choices import Education, InstitutionKind, Ownership, Post
from edugov.registry.models import Assignment, Enrolment, Institution, Region, Staff
from edugov.workforce.models import RotationPlan, RotationProposal
from edugov.workforce.rules.eligibility import (
    Eligibility,
    EligibilityRules,
    Spell,
    StaffFacts,
    assess,
)
from edugov.workforce.rules.establishment import SchoolStaffing, subject_need
from edugov.workforce.rules.rotation import Problem, RotationRules, School, Teacher

#: School kind → the level its 差异系数 is computed in (combined schools: see docs).
ROTATION_LEVELS: dict[str, str] = {
    InstitutionKind.PRIMARY: "primary",
    InstitutionKind.TEACHING_POINT: "primary",
    InstitutionKind.JUNIOR: "junior",
    InstitutionKind.NINE_YEAR: "junior",
}
#: 高于规定学历: 小学 专科及以上, 初中 本科及以上 (教督〔2017〕6号 indicator 1).
QUALIFIED = {
    "primary": {Education.POSTGRADUATE, Education.BACHELOR, Education.ASSOCIATE},
    "junior": {Education.POSTGRADUATE, Education.BACHELOR},
}
GRADE_LEVEL = [(range(-2, 1), "kindergarten"), (range(1, 7), "primary"),
               (range(7, 10), "junior"), (range(10, 13), "senior")]


def plans_for(user: User) -> QuerySet[RotationPlan]:
    return RotationPlan.objects.filter(
        county__in=visible_to(user, Region.objects.all())).select_related("county")


def proposals_for(user: User) -> QuerySet[RotationProposal]:
    """Proposals of the user's schools, sending or receiving (both are notified)."""
    schools = visible_to(user, Institution.objects.all())
    return RotationProposal.objects.filter(
        Q(source__in=schools) | Q(destination__in=schools)
    ).select_related("staff", "source__region", "destination", "plan")


def students_by_level(schools: QuerySet[Institution], year_id: int) -> dict[int, Counter]:
    rows = (Enrolment.objects.filter(institution__in=schools, academic_year_id=year_id,
                                     status="active")
            .values("institution_id", "grade").annotate(n=Count("id")))
    result: dict[int, Counter] = {}
    for row in rows:
        level = next(name for grades, name in GRADE_LEVEL if row["grade"] in grades)
        result.setdefault(row["institution_id"], Counter())[level] += row["n"]
    return result


def eligibility_in(county: Region, on: dt.date,
                   rules: EligibilityRules | None = None,
                   exempt: tuple[int, ...] = ()) -> list[Eligibility]:
    """Eligibility of every staff member of the county's schools, from Assignment history."""
    staff = Staff.objects.filter(current_institution__region__path__startswith=county.path)
    spells = [Spell(*row) for row in Assignment.objects.filter(staff__in=staff).values_list(
        "staff_id", "institution_id", "post", "start", "end")]
    facts = [StaffFacts(pk, sex, born, established == "on", backbone != "none")
             for pk, sex, born, established, backbone in staff.values_list(
                 "pk", "sex", "birth_date", "establishment", "backbone_level")]
    return assess(spells, facts, on, rules=rules, exempt=exempt)


def rotation_problem(county: Region, year_id: int, on: dt.date, *,
                     rules: RotationRules | None = None,
                     locked: dict[int, int] | None = None,
                     excluded: frozenset[int] = frozenset(),
                     priority: dict[int, float] | None = None) -> Problem:
    """The county's public 小学/初中 and their 专任教师 as the optimiser's plain data."""
    schools_qs = Institution.objects.filter(
        region__path__startswith=county.path, ownership=Ownership.PUBLIC,
        kind__in=list(ROTATION_LEVELS), status="active")
    students = students_by_level(schools_qs, year_id)
    schools, level_of = [], {}
    for pk, kind, locality, rating, boarding in schools_qs.values_list(
            "pk", "kind", "locality", "rating", "boarding"):
        level = ROTATION_LEVELS[kind]
        level_of[pk] = level
        by_level = students.get(pk, Counter())
        staffing = SchoolStaffing(str(pk), dict(by_level), boarding=boarding,
                                  rural=locality == "rural")
        # 薄弱学校: unrated schools outside the town centres (a local list may replace it).
        weak = rating == "none" and locality != "urban"
        schools.append(School(pk, level, sum(by_level.values()),
                              receiving=locality == "rural" or weak,
                              need=subject_need(staffing) if by_level else {}))
    eligible = {e.staff: e for e in eligibility_in(county, on) if e.eligible}
    teachers = [
        Teacher(pk, school, subject or "other", backbone=backbone != "none",
                qualified=education in QUALIFIED[level_of[school]], eligible=pk in eligible,
                years=eligible[pk].years if pk in eligible else 0,
                priority=(priority or {}).get(pk, 0.0))
        for pk, school, subject, backbone, education in Staff.objects.filter(
            current_institution__in=schools_qs, current_post=Post.TEACHER,
        ).values_list("pk", "current_institution_id", "subject", "backbone_level", "education")
    ]
    return Problem(schools, teachers, rules or RotationRules(), locked=locked or {},
                   excluded=excluded)


def largest_county_problem(rules: RotationRules) -> tuple[Problem, str]:
    """For the benchmark: the demo county with the most staff."""
    from edugov.registry.models import AcademicYear

    year = AcademicYear.objects.get(is_current=True)
    counties = Region.objects.filter(level="county")
    county = max(counties, key=lambda c: Staff.objects.filter(
        current_institution__region__path__startswith=c.path).count())
    return (rotation_problem(county, year.pk, year.start, rules=rules),
            f"demo database, county {county.code} {county.name}")
