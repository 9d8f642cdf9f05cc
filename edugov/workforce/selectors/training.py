"""Reads of the training ledger and each teacher's standing in the 360-hour cycle."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Min, QuerySet, Sum

from edugov.core.scoping import visible_to
from edugov.registry.choices import Post
from edugov.registry.models import Assignment, Staff
from edugov.workforce.models import TrainingRecord
from edugov.workforce.rules.training import (
    Completion,
    Progress,
    TrainingRules,
    completion,
    cycle_on,
    standings,
)


def training_for(user: Any) -> QuerySet[TrainingRecord]:
    return visible_to(user, TrainingRecord.objects.select_related("staff"))


def teachers_for(user: Any) -> QuerySet[Staff]:
    """专任教师 (and principals, who teach too) currently in post in the user's scope."""
    return visible_to(user, Staff.objects.filter(
        current_post__in=[Post.TEACHER, Post.PRINCIPAL]))


def hours_between(staff_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, float]:
    rows = (TrainingRecord.objects.filter(staff_id__in=list(staff_ids), date__gte=start,
                                          date__lte=end)
            .values("staff_id").annotate(total=Sum("hours")))
    return {r["staff_id"]: float(r["total"]) for r in rows}


def joined_on(staff_ids: Iterable[int]) -> dict[int, dt.date]:
    """First day of service: the earliest assignment (tenure is a query, DESIGN §3)."""
    rows = (Assignment.objects.filter(staff_id__in=list(staff_ids))
            .values("staff_id").annotate(first=Min("start")))
    return {r["staff_id"]: r["first"] for r in rows}


def standings_of(staff: QuerySet[Staff], on: dt.date,
                 rules: TrainingRules | None = None) -> list[Progress]:
    """Each teacher's hours in the cycle running on ``on`` (three queries in all)."""
    cycle = cycle_on(on, rules)
    ids = list(staff.values_list("pk", flat=True))
    joined = joined_on(ids)
    everyone = {pk: joined.get(pk, cycle.start) for pk in ids}
    return standings(hours_between(ids, cycle.start, on), on, joined=everyone, rules=rules)


def completion_by_school(user: Any, on: dt.date, rules: TrainingRules | None = None,
                         ) -> tuple[dict[int, Completion], Completion]:
    """Completion per current school and over the whole scope."""
    teachers = teachers_for(user)
    school_of = dict(teachers.values_list("pk", "current_institution_id"))
    rows = standings_of(teachers, on, rules)
    grouped: dict[int, list[Progress]] = defaultdict(list)
    for row in rows:
        grouped[school_of[row.staff]].append(row)
    return {school: completion(r) for school, r in grouped.items()}, completion(rows)


def behind_schedule(user: Any, on: dt.date, rules: TrainingRules | None = None,
                    ) -> list[Progress]:
    """Teachers below the pro-rata expectation, largest shortfall first."""
    rows = [r for r in standings_of(teachers_for(user), on, rules) if r.behind]
    return sorted(rows, key=lambda r: (-r.shortfall, r.staff))
