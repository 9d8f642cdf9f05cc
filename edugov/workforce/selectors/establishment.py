"""编制 against staff, per school (the county office's table and a school's needs)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from edugov.registry.choices import Establishment, Post
from edugov.registry.models import Institution, Staff
from edugov.workforce.rules.establishment import (
    SchoolStaffing,
    StaffingNorms,
    SubjectGap,
    establishment,
    subject_gaps,
)
from edugov.workforce.selectors.rotation import students_by_level


@dataclass(frozen=True)
class SchoolEstablishment:
    institution: Institution
    students: int
    norm: int  # 编制 by the norms, whole posts
    established: int  # 在编 staff in post

    @property
    def shortage(self) -> int:
        return max(0, self.norm - self.established)

    @property
    def surplus(self) -> int:
        return max(0, self.established - self.norm)


def _staffing(school: Institution, by_level: Counter) -> SchoolStaffing:
    return SchoolStaffing(str(school.pk), dict(by_level), boarding=school.boarding,
                          rural=school.locality == "rural")


def establishment_table(schools: QuerySet[Institution], year_id: int,
                        norms: StaffingNorms | None = None) -> list[SchoolEstablishment]:
    """Every school of ``schools`` (already scoped by the caller), three queries."""
    schools = schools.filter(status="active").order_by("code")
    students = students_by_level(schools, year_id)
    staffed = dict(Staff.objects.filter(current_institution__in=schools,
                                        establishment=Establishment.ON)
                   .values("current_institution").annotate(n=Count("pk"))
                   .values_list("current_institution", "n"))
    rows = []
    for school in schools:
        by_level = students.get(school.pk, Counter())
        norm = establishment(_staffing(school, by_level), norms) if by_level else 0.0
        rows.append(SchoolEstablishment(school, sum(by_level.values()),
                                        int(-(-norm // 1)), staffed.get(school.pk, 0)))
    return rows


def school_subject_gaps(school: Institution, year_id: int,
                        norms: StaffingNorms | None = None) -> list[SubjectGap]:
    by_level = students_by_level(Institution.objects.filter(pk=school.pk), year_id).get(
        school.pk, Counter())
    actual = Counter(Staff.objects.filter(current_institution=school, current_post=Post.TEACHER)
                     .values_list("subject", flat=True))
    return subject_gaps(_staffing(school, by_level), {s or "other": n for s, n in actual.items()},
                        norms)


def subject_gaps_by_school(schools: QuerySet[Institution], year_id: int,
                           norms: StaffingNorms | None = None) -> dict[int, list[SubjectGap]]:
    """``school_subject_gaps`` for many schools (already scoped by the caller), three queries."""
    schools = schools.order_by()
    students = students_by_level(schools, year_id)
    actual: dict[int, Counter] = {}
    for school, subject, n in (Staff.objects.filter(current_institution__in=schools,
                                                    current_post=Post.TEACHER)
                               .values("current_institution", "subject").annotate(n=Count("pk"))
                               .values_list("current_institution", "subject", "n")):
        actual.setdefault(school, Counter())[subject or "other"] += n
    return {school.pk: subject_gaps(_staffing(school, students.get(school.pk, Counter())),
                                    dict(actual.get(school.pk, Counter())), norms)
            for school in schools}
