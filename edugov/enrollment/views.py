"""Admissions pages (first part): the parent's applications and the 补录 claim.

Objects come from ``enrollment.selectors``, so anything outside the user's reach is 404.
Writes go through ``enrollment.services``; their Chinese messages are shown as they are.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from edugov.enrollment import selectors, services
from edugov.workflow.definitions import WorkflowError


@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    applications = selectors.applications_for(request.user).filter(
        guardian__in=selectors.children_of(request.user)).order_by("-created_at")
    rows = [(a, selectors.parent_result(a)) for a in applications]
    return render(request, "enrollment/my_applications.html", {
        "rows": rows, "children": selectors.children_of(request.user)})


@require_POST
@login_required
def claim_place(request: HttpRequest, pk: int, places_pk: int) -> HttpResponse:
    """补录: take a spare seat; 409 with the reason when it is gone or not allowed."""
    application = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    # Any school of the round; whether a seat is left is decided atomically by the service.
    places = get_object_or_404(selectors.round_places(application.round), pk=places_pk)
    try:
        services.claim_spare_place(actor=request.user,  # type: ignore[arg-type]
                                   application=application, institution=places.institution)
    except (ValidationError, WorkflowError, PermissionDenied) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return HttpResponse(text, status=409, content_type="text/plain; charset=utf-8")
    messages.success(request, f"已补录到 {places.institution.name}")
    return redirect("enrollment:my_applications")
