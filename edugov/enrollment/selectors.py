"""Every read of admissions for a user, scoped through core.scoping.visible_to.

Schools see applications naming them and counties those naming their schools
(``Application.scope_institution``); parents see their own children's applications
through Guardian, which the registry scope does not cover (it gives parents nothing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, QuerySet
from django.utils import timezone

from edugov.core.scoping import visible_to
from edugov.enrollment import workflow as wf
from edugov.enrollment.models import (
    AdmissionRound,
    Application,
    ApplicationChoice,
    ClassPlacement,
    Guardian,
    SchoolPlaces,
)
from edugov.registry.models import Region

#: Applications that passed verification, whatever happened to them afterwards.
PASSED = (wf.VERIFIED, wf.ADMITTED, wf.UNPLACED, wf.CONFIRMED)


def rounds_for(user: Any) -> QuerySet[AdmissionRound]:
    """Rounds are public (parents browse them); every signed-in user sees all."""
    return AdmissionRound.objects.select_related("region", "academic_year")


def managed_rounds(user: Any) -> QuerySet[AdmissionRound]:
    """Rounds of the regions in the user's jurisdiction (county and city bureaus)."""
    return rounds_for(user).filter(region__in=visible_to(user, Region.objects.all()))


def children_of(user: Any) -> QuerySet[Guardian]:
    if not getattr(user, "is_authenticated", False):
        return Guardian.objects.none()
    return Guardian.objects.filter(user=user).order_by("child_name")


def applications_for(user: Any) -> QuerySet[Application]:
    """Applications the user may see: their jurisdiction's, plus their own children's."""
    base = Application.objects.all()
    scoped = visible_to(user, base)
    if getattr(user, "is_authenticated", False):
        scoped = scoped | base.filter(guardian__user=user)
    return Application.objects.filter(pk__in=scoped.values("pk")).select_related(
        "round", "guardian", "admitted_institution").prefetch_related("choices__institution")


def verification_queue(user: Any, round: AdmissionRound) -> QuerySet[Application]:
    return applications_for(user).filter(round=round, state=wf.SUBMITTED).order_by(
        "submitted_at", "number")


def places_for(user: Any, round: AdmissionRound) -> QuerySet[SchoolPlaces]:
    return visible_to(user, round.places.select_related("institution"))


def round_places(round: AdmissionRound) -> QuerySet[SchoolPlaces]:
    """A round's schools and plans: public, as the admission plan is published."""
    return round.places.select_related("institution").order_by("institution__code")


def spare_places(round: AdmissionRound) -> QuerySet[SchoolPlaces]:
    """Schools with free seats after publication, for 补录 (public once published)."""
    if round.published_at is None:
        return SchoolPlaces.objects.none()
    return round.places.select_related("institution").filter(
        admitted__lt=F("places")).order_by("institution__code")


def admitted_list(user: Any, round: AdmissionRound, institution_id: int
                  ) -> QuerySet[Application]:
    """A school's admitted list (admitted and confirmed), within the user's scope."""
    return applications_for(user).filter(
        round=round, admitted_institution_id=institution_id,
        state__in=[wf.ADMITTED, wf.CONFIRMED]).order_by("number")


def parent_result(application: Application) -> dict[str, Any]:
    """What a parent sees: the outcome only once the round is published."""
    round = application.round
    if round.published_at is None and application.state in (wf.ADMITTED, wf.UNPLACED):
        return {"state": "pending", "label": "录取结果待公布"}
    return {"state": application.state, "label": application.state_label,
            "school": application.admitted_institution,
            "choice": application.admitted_choice,
            "reasons": application.unplaced_reasons}


def own_applications(user: Any) -> QuerySet[Application]:
    """A parent's own children's applications (the parent portal)."""
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return Application.objects.filter(guardian__user=user).select_related(
        "round__academic_year", "guardian", "admitted_institution").prefetch_related(
        "choices__institution").order_by("-created_at")


def open_rounds(now: dt.datetime | None = None) -> list[AdmissionRound]:
    """Rounds whose registration window is open now (parents may apply)."""
    now = now or timezone.now()
    return list(AdmissionRound.objects.filter(
        registration_opens__lte=now, registration_closes__gt=now).select_related(
        "region", "academic_year").order_by("registration_closes"))


def review_queue(user: Any, *, state: str = wf.SUBMITTED,
                 round: AdmissionRound | None = None) -> QuerySet[Application]:
    """Applications in the user's jurisdiction (schools: those naming the school)."""
    qs = visible_to(user, Application.objects.all())
    qs = Application.objects.filter(pk__in=qs.values("pk")).filter(state=state)
    if round is not None:
        qs = qs.filter(round=round)
    return qs.select_related("round", "guardian", "admitted_institution").prefetch_related(
        "choices__institution").order_by("submitted_at", "number")


def reviewable(user: Any) -> QuerySet[Application]:
    """One application a school or bureau may open: in its jurisdiction, else 404."""
    qs = visible_to(user, Application.objects.all())
    return Application.objects.filter(pk__in=qs.values("pk")).select_related(
        "round__academic_year", "guardian", "admitted_institution").prefetch_related(
        "choices__institution")


@dataclass(frozen=True)
class SchoolDemand:
    """A school's plan against its demand (报名与学位对比)."""

    places: SchoolPlaces
    first_choice: int
    any_choice: int
    verified_first_choice: int

    @property
    def ratio(self) -> float | None:
        """First-choice applicants per place; over 1 is over-subscribed."""
        return self.first_choice / self.places.places if self.places.places else None

    @property
    def oversubscribed(self) -> bool:
        return self.places.places < self.first_choice


def school_demand(user: Any, round: AdmissionRound) -> list[SchoolDemand]:
    """Every school of the round the user's jurisdiction reaches, most contested first."""
    submitted = Application.objects.filter(round=round, submitted_at__isnull=False)
    choices = ApplicationChoice.objects.filter(application__in=submitted)
    first = dict(choices.filter(rank=1).values_list("institution").annotate(n=Count("id")))
    any_ = dict(choices.values_list("institution").annotate(n=Count("id")))
    verified = dict(choices.filter(rank=1, application__state__in=PASSED).values_list(
        "institution").annotate(n=Count("id")))
    rows = [SchoolDemand(p, first.get(p.institution_id, 0), any_.get(p.institution_id, 0),
                         verified.get(p.institution_id, 0))
            for p in places_for(user, round)]
    return sorted(rows, key=lambda r: (-(r.ratio or 0), r.places.institution.code))


def states_count(user: Any, round: AdmissionRound) -> list[tuple[str, str, int]]:
    """(state, label, count) of the round's applications in the user's jurisdiction."""
    qs = visible_to(user, Application.objects.filter(round=round))
    counts = dict(Application.objects.filter(pk__in=qs.values("pk")).values_list(
        "state").annotate(n=Count("id")))
    return [(state, label, counts.get(state, 0))
            for state, label in wf.APPLICATION.states.items()]


def unplaced(user: Any, round: AdmissionRound) -> QuerySet[Application]:
    return review_queue(user, state=wf.UNPLACED, round=round).order_by("number")


def class_lists(round: AdmissionRound, placement: ClassPlacement
                ) -> list[list[Application]]:
    """The placement's classes as applications (names for the printed lists)."""
    by_number = {a.number: a for a in round.applications.filter(
        number__in=[n for c in placement.result for n in c]).select_related("guardian")}
    return [[by_number[n] for n in members if n in by_number] for members in placement.result]


def placement_for(user: Any, round: AdmissionRound, institution_id: int
                  ) -> ClassPlacement | None:
    return visible_to(user, ClassPlacement.objects.filter(
        round=round, institution_id=institution_id)).first()
