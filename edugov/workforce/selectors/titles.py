"""Reads of 职称 history, applications and honours (scoped through the teacher's school), and
the checks an application is judged by, for many applications at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from edugov.core.scoping import visible_to
from edugov.registry.models import Assignment, Staff
from edugov.workforce.models import Honour, TitleApplication, TitleRecord
from edugov.workforce.rules.conduct import ConductRules, veto_reason
from edugov.workforce.rules.titles import TitleRules, application_refusals, rural_years
from edugov.workforce.rules.training import Progress, TrainingRules
from edugov.workforce.selectors.conduct import cases_of
from edugov.workforce.selectors.training import standings_of

#: Applications still waiting for a decision (the school's recommendation or the 评审).
PENDING = ("submitted", "recommended")


def title_applications_for(user: Any) -> QuerySet[TitleApplication]:
    return visible_to(user, TitleApplication.objects.select_related("staff"))


def title_history_for(user: Any) -> QuerySet[TitleRecord]:
    return visible_to(user, TitleRecord.objects.select_related("staff"))


def honours_for(user: Any) -> QuerySet[Honour]:
    return visible_to(user, Honour.objects.select_related("staff"))


@dataclass(frozen=True)
class TitleCheck:
    """What a promotion is judged by on a day: the 师德 veto, the teacher's standing in the
    training cycle, and every reason it may not go ahead (empty: it may)."""

    veto: str | None
    training: Progress | None
    refusals: list[str]

    @property
    def passed(self) -> bool:
        return not self.refusals


def title_checks(requests: Sequence[tuple[int, str, str]], on: dt.date, *,
                 conduct: ConductRules | None = None, titles: TitleRules | None = None,
                 training: TrainingRules | None = None) -> list[TitleCheck]:
    """For each (staff id, current title, wanted title): the checks of a promotion on ``on``
    — the ladder, the 师德 veto, the training schedule, rural years. Unscoped (callers pass
    staff they have already found in scope); five queries whatever the number."""
    ids = sorted({staff for staff, _, _ in requests})
    cases = cases_of(ids)
    standing = {p.staff: p for p in standings_of(Staff.objects.filter(pk__in=ids), on, training)}
    spells: dict[int, list[tuple[dt.date, dt.date | None, bool]]] = defaultdict(list)
    for staff, start, end, locality, rating in Assignment.objects.filter(
            staff_id__in=ids).values_list("staff_id", "start", "end", "institution__locality",
                                          "institution__rating"):
        # Weak schools as the optimiser infers them: unrated, outside the town centres.
        spells[staff].append((start, end, locality == "rural"
                              or (rating == "none" and locality != "urban")))
    checks = []
    for staff, current, wanted in requests:
        veto = veto_reason(cases.get(staff, []), on, "晋升职称", conduct)
        progress = standing.get(staff)
        checks.append(TitleCheck(veto, progress, application_refusals(
            current, wanted, veto=veto, training_behind=progress is not None and progress.behind,
            rural_years=rural_years(spells.get(staff, []), on), rules=titles)))
    return checks
