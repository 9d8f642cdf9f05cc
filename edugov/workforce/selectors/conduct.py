"""Reads of the 师德 negative list, the barred list and appraisals.

The negative list and the barred list are restricted: only county and city bureau roles
read them (everyone else gets an empty queryset, which pages turn into 403 before)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet

from edugov.core.scoping import scope_of, visible_to
from edugov.workforce.models import Appraisal, BarredPerson, ConductCase, HireCheck
from edugov.workforce.permissions import CONDUCT_ROLES
from edugov.workforce.rules.conduct import Case
from edugov.workforce.selectors.regions import ancestor_paths


def conduct_cases_for(user: Any) -> QuerySet[ConductCase]:
    queryset = ConductCase.objects.select_related("staff", "institution")
    if not scope_of(user).has_role(*CONDUCT_ROLES):
        return queryset.none()
    return visible_to(user, queryset)


def barred_for(user: Any) -> QuerySet[BarredPerson]:
    """Entries imported in the user's regions or above them (a city's list binds its
    counties), for bureau roles only."""
    scope = scope_of(user)
    queryset = BarredPerson.objects.select_related("region")
    if not scope.has_role(*CONDUCT_ROLES):
        return queryset.none()
    if scope.everything:
        return queryset
    parts = [Q(region__path__startswith=p) | Q(region__path__in=ancestor_paths(p))
             for p in scope.region_paths]
    return queryset.filter(reduce(or_, parts)) if parts else queryset.none()


def hire_checks_for(user: Any) -> QuerySet[HireCheck]:
    queryset = HireCheck.objects.select_related("institution", "checked_by")
    if not scope_of(user).has_role(*CONDUCT_ROLES):
        return queryset.none()
    return visible_to(user, queryset)


def appraisals_for(user: Any) -> QuerySet[Appraisal]:
    return visible_to(user, Appraisal.objects.select_related("staff", "academic_year"))


def cases_of(staff_ids: Iterable[int]) -> dict[int, list[Case]]:
    """The negative list as plain data for the rules (unscoped: services call it after their
    own permission checks, to decide a veto)."""
    result: dict[int, list[Case]] = {}
    for staff, category, sanction, decided in ConductCase.objects.filter(
            staff_id__in=list(staff_ids)).values_list("staff_id", "category", "sanction",
                                                       "decided"):
        result.setdefault(staff, []).append(Case(staff, category, sanction, decided))
    return result
