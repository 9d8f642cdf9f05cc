"""Every read of admissions for a user, scoped through core.scoping.visible_to.

Schools see applications naming them and counties those naming their schools
(``Application.scope_institution``); parents see their own children's applications
through Guardian, which the registry scope does not cover (it gives parents nothing).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from edugov.core.scoping import visible_to
from edugov.enrollment import workflow as wf
from edugov.enrollment.models import AdmissionRound, Application, Guardian, SchoolPlaces
from edugov.registry.models import Region


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
