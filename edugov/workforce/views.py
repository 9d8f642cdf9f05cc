"""Workforce pages: the county workforce office, a school's staffing, a teacher's own record.

Thin views over ``selectors`` (every object fetched from a scoped queryset, so out of scope
answers 404) and ``services`` (every write). Roles outside a page's audience get 403: the
office, rotation plans and the 师德 list are for county and city bureaus only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from edugov.core.models import User
from edugov.core.roles import REGISTRY_ROLES, Role
from edugov.core.scoping import scope_of
from edugov.registry.models import Institution, Staff
from edugov.registry.selectors import current_year, institutions_for, staff_for
from edugov.workflow.definitions import WorkflowError
from edugov.workflow.selectors import history_of
from edugov.workforce import services
from edugov.workforce.models import ROTATION
from edugov.workforce.permissions import BUREAU_ROLES, RECORD_ROLES
from edugov.workforce.rules.training import cycle_on
from edugov.workforce.selectors import plans_for, proposals_for
from edugov.workforce.selectors.conduct import (
    barred_for,
    conduct_cases_for,
    hire_checks_for,
)
from edugov.workforce.selectors.establishment import establishment_table, school_subject_gaps
from edugov.workforce.selectors.points import annual_scores
from edugov.workforce.selectors.posting import (
    openings_for,
    pool_for,
    posting_applications_for,
    rounds_for,
)
from edugov.workforce.selectors.regions import county_of
from edugov.workforce.selectors.titles import honours_for, title_applications_for
from edugov.workforce.selectors.training import (
    behind_schedule,
    completion_by_school,
    standings_of,
    training_for,
)

View = Callable[..., HttpResponse]


def for_roles(*roles: str) -> Callable[[View], View]:
    """Signed in (else the login page) and holding one of ``roles`` (else 403)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not scope_of(request.user).has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def user_of(request: HttpRequest) -> User:
    return cast(User, request.user)


def today() -> dt.date:
    return dt.date.today()


# -- the county workforce office ---------------------------------------------------------

@for_roles(*BUREAU_ROLES)
def office(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    year = current_year()
    rows = establishment_table(institutions_for(user), year.pk) if year else []
    _by_school, overall = completion_by_school(user, today())
    return render(request, "workforce/office.html", {
        "year": year, "rows": rows,
        "norm_total": sum(r.norm for r in rows),
        "established_total": sum(r.established for r in rows),
        "shortage_total": sum(r.shortage for r in rows),
        "surplus_total": sum(r.surplus for r in rows),
        "plans": plans_for(user).select_related("academic_year")
        .order_by("-academic_year__start_year"),
        "rounds": rounds_for(user).order_by("-academic_year__start_year", "number"),
        "training": overall, "cycle": cycle_on(today()),
        "cases": conduct_cases_for(user).count(),
    })


@for_roles(*BUREAU_ROLES)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    plan = get_object_or_404(plans_for(user), pk=pk)
    proposals = proposals_for(user).filter(plan=plan).order_by("source__code", "staff__name")
    county_staff = staff_for(user).filter(
        current_institution__region__path__startswith=plan.county.path)
    locked = county_staff.filter(pk__in=[int(k) for k in plan.locked])
    excluded = county_staff.filter(pk__in=plan.excluded)
    return render(request, "workforce/plan_detail.html", {
        "plan": plan, "proposals": proposals, "result": plan.result,
        "locked": [(s, plan.locked[str(s.pk)]) for s in locked], "excluded": excluded,
        "schools": institutions_for(user).filter(region__path__startswith=plan.county.path)
        .order_by("code"),
        "states": ROTATION.states,
    })


def _staff_in_scope(request: HttpRequest) -> Staff:
    return get_object_or_404(staff_for(request.user), pk=request.POST.get("staff") or 0)


def _school_in_scope(request: HttpRequest) -> Institution:
    return get_object_or_404(institutions_for(request.user),
                             pk=request.POST.get("destination") or 0)


@require_POST
@for_roles(*BUREAU_ROLES)
def plan_action(request: HttpRequest, pk: int) -> HttpResponse:
    """lock / unlock / exclude / include a teacher, solve (re-solve), notify."""
    user = user_of(request)
    plan = get_object_or_404(plans_for(user), pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "lock":
            services.set_lock(actor=user, plan=plan, staff=_staff_in_scope(request),
                              destination=_school_in_scope(request))
        elif action == "unlock":
            services.set_lock(actor=user, plan=plan, staff=_staff_in_scope(request),
                              destination=None)
        elif action in ("exclude", "include"):
            services.set_excluded(actor=user, plan=plan, staff=_staff_in_scope(request),
                                  excluded=action == "exclude")
        elif action == "solve":
            plan = services.solve_plan(actor=user, plan=plan)
            outcome = plan.result.get("message") or plan.result["status"]
            messages.success(request, f"求解完成：{outcome}")
        elif action == "notify":
            messages.success(request, f"已通知 {services.notify(actor=user, plan=plan)} 人")
        else:
            messages.error(request, "未知操作")
    except (ValidationError, WorkflowError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    return redirect("workforce:plan_detail", pk=plan.pk)


@for_roles(*BUREAU_ROLES, Role.SCHOOL_ADMIN, Role.TEACHER)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    posting_round = get_object_or_404(rounds_for(user), pk=pk)
    return render(request, "workforce/round_detail.html", {
        "round": posting_round,
        "openings": openings_for(user).filter(round=posting_round).order_by("institution__code"),
        "applications": posting_applications_for(user).filter(opening__round=posting_round)
        .order_by("opening__institution__code", "school_rank", "preference"),
        "pool": pool_for(user).filter(round=posting_round),
    })


@for_roles(*BUREAU_ROLES)
def conduct_list(request: HttpRequest) -> HttpResponse:
    """The negative list (restricted to bureaus), the barred list's size, recent checks."""
    user = user_of(request)
    return render(request, "workforce/conduct_list.html", {
        "cases": conduct_cases_for(user)[:200], "barred": barred_for(user).count(),
        "checks": hire_checks_for(user)[:50], "today": today(),
    })


@for_roles(*RECORD_ROLES)
def training(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    on = today()
    by_school, overall = completion_by_school(user, on)
    schools = {s.pk: s for s in institutions_for(user).filter(pk__in=list(by_school))}
    behind = behind_schedule(user, on)[:100]
    names = dict(staff_for(user).filter(pk__in=[p.staff for p in behind])
                 .values_list("pk", "name"))
    return render(request, "workforce/training.html", {
        "cycle": cycle_on(on), "overall": overall,
        "schools": sorted(((schools[k], v) for k, v in by_school.items() if k in schools),
                          key=lambda sv: sv[0].code),
        "behind": [(names.get(p.staff, p.staff), p) for p in behind],
        "records": training_for(user)[:50],
    })


# -- a school ------------------------------------------------------------------------------

@for_roles(*REGISTRY_ROLES)
def school(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    institution = get_object_or_404(institutions_for(user), pk=pk)
    year = current_year()
    return render(request, "workforce/school.html", {
        "school": institution,
        "staff": staff_for(user).filter(current_institution=institution).order_by(
            "current_post", "name"),
        "gaps": school_subject_gaps(institution, year.pk) if year else [],
        "proposals": proposals_for(user).filter(source=institution).exclude(
            state="withdrawn").order_by("state", "staff__name"),
        "incoming": proposals_for(user).filter(destination=institution).exclude(
            state="withdrawn").order_by("state", "staff__name"),
        "can_respond": scope_of(user).has_role(Role.SCHOOL_ADMIN, *BUREAU_ROLES),
    })


@require_POST
@for_roles(*REGISTRY_ROLES)
def proposal_respond(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    proposal = get_object_or_404(proposals_for(user), pk=pk)
    accept = request.POST.get("answer") == "confirm"
    try:
        services.respond(actor=user, proposal=proposal, accept=accept,
                         reason=request.POST.get("reason", ""))
        messages.success(request, "已确认" if accept else "已提出异议")
    except (ValidationError, WorkflowError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    target = request.POST.get("next", "")
    if target == "me":
        return redirect("workforce:me")
    return redirect("workforce:school", pk=proposal.source_id)


# -- a teacher's own record ----------------------------------------------------------------

@for_roles(*REGISTRY_ROLES)
def me(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    staff = staff_for(user).filter(pk=user.staff_id).first() if user.staff_id else None
    context: dict[str, Any] = {"staff": staff}
    if staff is not None:
        on = today()
        progress = standings_of(Staff.objects.filter(pk=staff.pk), on)
        year = current_year()
        county = county_of(staff.current_institution) if staff.current_institution else None
        scores = annual_scores(county, year.start_year - 1, [staff.pk]) if (
            county is not None and year is not None) else {}
        context.update({
            "progress": progress[0] if progress else None, "cycle": cycle_on(on),
            "records": training_for(user).filter(staff=staff),
            "honours": honours_for(user).filter(staff=staff),
            "applications": title_applications_for(user).filter(staff=staff),
            "proposals": proposals_for(user).filter(staff=staff),
            "score": scores.get(staff.pk), "points_year": year.start_year - 1 if year else None,
            "history": [(p, list(history_of(p))) for p in
                        title_applications_for(user).filter(staff=staff)],
        })
    return render(request, "workforce/me.html", context)
