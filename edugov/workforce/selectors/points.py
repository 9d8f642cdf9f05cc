"""积分制: each teacher's itemised annual score from the county's items and the records
(evidence, training ledger, honours, assignment history, negative list)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from edugov.core.scoping import visible_to
from edugov.registry.models import Assignment, Region, Staff
from edugov.workforce.models import ConductCase, Honour, PointsEvidence, PointsItem
from edugov.workforce.rules.points import Facts, Item, Score, score
from edugov.workforce.rules.titles import HeldHonour, rural_years
from edugov.workforce.selectors.regions import regions_reaching
from edugov.workforce.selectors.training import hours_between


def year_span(year: int) -> tuple[dt.date, dt.date]:
    """Points years are academic years: 1 Sep ``year`` – 31 Aug the year after."""
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


def items_of(county: Region, year: int) -> list[Item]:
    return [Item(code, label, source, float(per_unit), None if cap is None else float(cap))
            for code, label, source, per_unit, cap in PointsItem.objects.filter(
                county=county, year=year).order_by("id").values_list(
                    "code", "label", "source", "per_unit", "cap")]


def points_items_for(user: Any) -> QuerySet[PointsItem]:
    """Items of the counties a bureau user covers, or of the county a school user's school
    lies in (schools apply their county's scheme)."""
    return PointsItem.objects.filter(county__in=regions_reaching(user))


def points_evidence_for(user: Any) -> QuerySet[PointsEvidence]:
    return visible_to(user, PointsEvidence.objects.select_related("item", "staff"))


def _facts(county: Region, year: int, ids: list[int]) -> dict[int, Facts]:
    start, end = year_span(year)
    evidence: dict[int, dict[str, float]] = defaultdict(dict)
    for staff, code, units in PointsEvidence.objects.filter(
            item__county=county, item__year=year, staff_id__in=ids).values_list(
                "staff_id", "item__code", "units"):
        evidence[staff][code] = float(units)
    hours = hours_between(ids, start, end)
    tiers: dict[int, list[str]] = defaultdict(list)
    for staff, kind, tier, awarded, until in Honour.objects.filter(staff_id__in=ids).values_list(
            "staff_id", "kind", "tier", "awarded", "valid_until"):
        if HeldHonour(kind, tier, awarded, until).valid_on(end):
            tiers[staff].append(tier)
    spells: dict[int, list[tuple[dt.date, dt.date | None, bool]]] = defaultdict(list)
    for staff, s, e, locality, rating in Assignment.objects.filter(
            staff_id__in=ids, start__lte=end).values_list(
                "staff_id", "start", "end", "institution__locality", "institution__rating"):
        spells[staff].append((s, min(e, end) if e else end,
                              locality == "rural" or (rating == "none" and locality != "urban")))
    cases: dict[int, int] = defaultdict(int)
    for staff in ConductCase.objects.filter(staff_id__in=ids, decided__gte=start,
                                            decided__lte=end).values_list("staff_id", flat=True):
        cases[staff] += 1
    return {pk: Facts(evidence=evidence.get(pk, {}), training_hours=hours.get(pk, 0.0),
                      honour_tiers=tuple(tiers.get(pk, ())),
                      rural_years=rural_years(spells.get(pk, []), end),
                      conduct_cases=cases.get(pk, 0)) for pk in ids}


def county_teacher_ids(county: Region) -> list[int]:
    return list(Staff.objects.filter(
        Q(current_institution__region__path__startswith=county.path)).values_list(
            "pk", flat=True))


def annual_scores(county: Region, year: int,
                  staff_ids: Iterable[int] | None = None) -> dict[int, Score]:
    """Itemised scores (six queries whatever the number of teachers)."""
    items = items_of(county, year)
    ids = sorted(staff_ids) if staff_ids is not None else county_teacher_ids(county)
    facts = _facts(county, year, ids)
    return {pk: score(pk, items, facts[pk]) for pk in ids}


def points_priority(county: Region, year: int) -> dict[int, float]:
    """The tie-breaker hook for rotation and posting: total points per teacher (empty when
    the county has no scheme for the year)."""
    if not PointsItem.objects.filter(county=county, year=year).exists():
        return {}
    return {pk: s.total for pk, s in annual_scores(county, year).items()}
