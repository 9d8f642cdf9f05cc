"""Workforce pages: the county workforce office, a school's staffing, a teacher's own record.

Thin views over ``selectors`` (every object fetched from a scoped queryset, so out of scope
answers 404) and ``services`` (every write). Roles outside a page's audience get 403: the
office, rotation plans and the 师德 list are for county and city bureaus only.

Forms post back to themselves and redirect after a write (PRG); a service's refusal
(``ValidationError``, e.g. the 师德 veto) is shown on the form, its ``PermissionDenied`` as a
message. Spreadsheet imports are staged per user: upload → validation report (and the error
workbook) → confirm, which runs the all-or-nothing import service.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import IntegrityError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from edugov.core.models import User
from edugov.core.roles import REGISTRY_ROLES, Role
from edugov.core.scoping import scope_of, visible_to
from edugov.imports import workbooks
from edugov.imports.forms import CappedUpload, too_large_message
from edugov.imports.pipeline import Column
from edugov.imports.reading import SUFFIXES, UnusableInput
from edugov.imports.services import ImportOutcome
from edugov.registry.models import AcademicYear, Institution, Region, Staff
from edugov.registry.selectors import current_year, institutions_for, staff_for
from edugov.workflow.definitions import WorkflowError
from edugov.workflow.selectors import history_of
from edugov.workforce import services
from edugov.workforce.forms import (
    ConductCaseForm,
    HonourForm,
    ImportForm,
    OpeningForm,
    PoolDecisionForm,
    PostingApplicationForm,
    RoundForm,
    TitleApplicationForm,
    TitleReviewForm,
    honour_terms,
    veto_periods,
)
from edugov.workforce.models import (
    ROTATION,
    TITLE_APPLICATION,
    PostingApplication,
    PostingRound,
    TitleApplication,
)
from edugov.workforce.permissions import (
    BUREAU_ROLES,
    CONDUCT_ROLES,
    RECORD_ROLES,
    is_bureau,
    own_staff_id,
)
from edugov.workforce.rules.conduct import CATEGORIES, SANCTIONS
from edugov.workforce.rules.titles import TITLE_LABELS, next_title
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
    county_pool,
    openings_for,
    pool_for,
    posting_applications_for,
    round_openings,
    rounds_for,
)
from edugov.workforce.selectors.regions import county_of
from edugov.workforce.selectors.titles import PENDING as PENDING_TITLES
from edugov.workforce.selectors.titles import (
    honours_for,
    title_applications_for,
    title_checks,
)
from edugov.workforce.selectors.training import (
    behind_schedule,
    completion_by_school,
    standings_of,
    training_for,
)
from edugov.workforce.services import conduct, imports, posting, titles
from edugov.workforce.spreadsheets import BarredImporter, TrainingImporter

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
        "pending_titles": title_applications_for(user).filter(state__in=PENDING_TITLES).count(),
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
    is_open = posting_round.closed_at is None
    applications = posting_applications_for(user).filter(opening__round=posting_round)
    may_rank = is_open and scope_of(user).has_role(Role.SCHOOL_ADMIN, *BUREAU_ROLES)
    bureau = is_bureau(user)
    siblings = rounds_for(user).filter(county=posting_round.county_id,
                                       academic_year=posting_round.academic_year_id)
    pool = county_pool(user, posting_round).select_related("staff__current_institution")
    return render(request, "workforce/round_detail.html", {
        "round": posting_round,
        # Bureaus organise the round, so they see every post; schools see their own.
        "openings": (round_openings(user, posting_round) if bureau else openings_for(user).filter(
            round=posting_round)).order_by("institution__code", "subject"),
        "applications": applications.order_by("opening__institution__code", "school_rank",
                                               "preference"),
        "pool": pool.order_by("state", "staff__name"),
        "other_rounds": siblings.exclude(pk=posting_round.pk).order_by("number"),
        "can_apply": is_open,
        "can_manage": bureau and is_open,
        "can_decide": bureau,
        # The second round follows a closed first one, once (one round per number and year).
        "can_open_second": bureau and posting_round.number == 1 and not is_open
        and not siblings.filter(number=2).exists(),
        "pooled": pool.filter(state="pooled").count(),
        # Only the school offering the post ranks its applicants (not the applicant's school).
        "rankable": set(applications.filter(
            opening__in=openings_for(user), state__in=RANKABLE).values_list("pk", flat=True))
        if may_rank else set(),
        # 撤回报名: the applicant or their school's admin, while the round is open.
        "withdrawable": {a.pk for a in applications.filter(
            state__in=posting.WITHDRAWABLE).select_related("staff", "opening__round")
            if posting.may_withdraw(user, a)} if is_open else set(),
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
        "can_record_case": scope_of(user).has_role(*CONDUCT_ROLES),
        "can_award": scope_of(user).has_role(*RECORD_ROLES),
        "can_apply_title": scope_of(user).has_role(Role.SCHOOL_ADMIN, *BUREAU_ROLES),
        "rounds": open_rounds(user),
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
            "rounds": open_rounds(user),
        })
    return render(request, "workforce/me.html", context)


def open_rounds(user: User) -> Any:
    return rounds_for(user).filter(closed_at__isnull=True).order_by("county__code", "number")


# -- forms over the services ---------------------------------------------------------------

#: Posting applications a school may still rank.
RANKABLE = ("applied", "ranked")
#: Pool entries still awaiting the bureau (待岗, 待岗培训): 组织调剂 is open to both.
POOL_UNDECIDED = ("pooled", "training")
#: Pending 职称 applications listed on the review page (the oldest states first).
SHOWN_APPLICATIONS = 300
#: What the review page offers (a withdrawal is the applicant's, not the reviewer's).
REVIEW_DECISIONS = ("recommend", "approve", "reject")


def refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "您没有执行此操作的权限"


def put_on_form(form: Form, exc: ValidationError) -> None:
    """A service's refusal on the form: beside the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def submit(request: HttpRequest, form: Form, write: Callable[[dict[str, Any]], str],
           done: str | Callable[[], str], refused: str) -> HttpResponse | None:
    """Run ``write`` (a service call returning the success message) on a valid POSTed form and
    redirect to ``done`` (a callable is asked after the write, for what it created). A refusal
    (ValidationError, the workflow's error, a duplicate) stays on the re-shown form, so the
    user sees the reason beside what they entered; None means "render the page". A
    PermissionDenied is a message, then a redirect to ``refused``."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        message = write(form.cleaned_data)
    except ValidationError as exc:
        put_on_form(form, exc)
        return None
    except WorkflowError as exc:
        form.add_error(None, str(exc))
        return None
    except IntegrityError:
        form.add_error(None, "该记录已存在，请勿重复提交")
        return None
    except PermissionDenied as exc:
        messages.error(request, refusal_text(exc))
        return redirect(refused)
    messages.success(request, message)
    return redirect(done() if callable(done) else done)


def posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, so its errors show), else None."""
    return request.POST if request.method == "POST" else None


def staff_page(user: User, staff: Staff) -> str:
    """Where a form about ``staff`` returns to: the teacher's own page, else their school's."""
    if own_staff_id(user) == staff.pk:
        return reverse("workforce:me")
    if staff.current_institution_id is not None:
        return reverse("workforce:school", kwargs={"pk": staff.current_institution_id})
    return reverse("workforce:office")


@for_roles(*CONDUCT_ROLES)
def conduct_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a teacher on the 师德 negative list (bureaus only)."""
    user = user_of(request)
    staff = get_object_or_404(staff_for(user), pk=pk)
    form = ConductCaseForm(posted(request))

    def write(data: dict[str, Any]) -> str:
        case = conduct.record_case(actor=user, staff=staff, **data)
        until = f"至{case.veto_until:%Y-%m-%d}" if case.veto_until else "长期"
        return (f"已登记：{staff.name}，违反“{CATEGORIES[case.category]}”，"
                f"{SANCTIONS[case.sanction]}；一票否决{until}")

    back = reverse("workforce:conduct_list")
    if (response := submit(request, form, write, back, back)) is not None:
        return response
    return render(request, "workforce/conduct_form.html", {
        "staff": staff, "form": form, "periods": veto_periods()})


@for_roles(*RECORD_ROLES)
def honour_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an honour (refused with the reason while a 师德 veto runs)."""
    user = user_of(request)
    staff = get_object_or_404(staff_for(user), pk=pk)
    form = HonourForm(posted(request), initial={"awarded": today()})

    def write(data: dict[str, Any]) -> str:
        honour = titles.award_honour(actor=user, staff=staff, **data)
        term = f"有效期至{honour.valid_until:%Y-%m-%d}" if honour.valid_until else "长期有效"
        return (f"已登记：{staff.name} {honour.get_tier_display()}"
                f"{honour.get_kind_display()}（{term}）")

    back = staff_page(user, staff)
    if (response := submit(request, form, write, back, back)) is not None:
        return response
    return render(request, "workforce/honour_form.html", {
        "staff": staff, "form": form, "terms": honour_terms(),
        "honours": honours_for(user).filter(staff=staff).order_by("-awarded")})


@for_roles(*BUREAU_ROLES, Role.SCHOOL_ADMIN, Role.TEACHER)
def title_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """A 职称 application: a teacher for themselves, a school or bureau for its teacher."""
    user = user_of(request)
    staff = get_object_or_404(staff_for(user), pk=pk)
    if not scope_of(user).has_role(Role.SCHOOL_ADMIN, *BUREAU_ROLES) \
            and own_staff_id(user) != staff.pk:
        raise PermissionDenied("教师只能为本人申报职称")
    wanted = next_title(staff.title)
    form = TitleApplicationForm(posted(request), initial={"title": wanted, "year": today().year})

    def write(data: dict[str, Any]) -> str:
        if TitleApplication.objects.filter(staff=staff, year=data["year"]).exists():
            raise ValidationError({"year": f"该教师{data['year']}年度已申报职称"})
        application = titles.apply_for_title(
            actor=user, staff=staff, title=data["title"], year=data["year"],
            evidence={"note": data["note"]} if data["note"] else None, on=today())
        return (f"{staff.name}已申报{TITLE_LABELS[application.title]}"
                f"（{application.year}年度），待学校推荐")

    back = staff_page(user, staff)
    if (response := submit(request, form, write, back, back)) is not None:
        return response
    return render(request, "workforce/title_form.html", {
        "staff": staff, "form": form, "wanted": TITLE_LABELS[wanted] if wanted else None,
        # What would stop the next step today, shown before the user fills anything in.
        "refusals": titles.title_refusals(staff, wanted, today()) if wanted else [],
        "applications": title_applications_for(user).filter(staff=staff).order_by("-year")})


@for_roles(*BUREAU_ROLES, Role.SCHOOL_ADMIN, Role.TEACHER)
def posting_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """竞聘上岗: apply for a post of an open round (a teacher for themselves)."""
    user = user_of(request)
    posting_round = get_object_or_404(rounds_for(user), pk=pk)
    for_self = not scope_of(user).has_role(Role.SCHOOL_ADMIN, *BUREAU_ROLES)
    own = staff_for(user).filter(pk=own_staff_id(user) or 0).first() if for_self else None
    openings = round_openings(user, posting_round).order_by("institution__code", "subject")
    choices = None if for_self else staff_for(user).filter(
        current_institution__region__path__startswith=posting_round.county.path).order_by(
            "current_institution__code", "name")
    form = PostingApplicationForm(posted(request), openings=openings, staff=choices)
    done = reverse("workforce:round_detail", kwargs={"pk": posting_round.pk})

    def write(data: dict[str, Any]) -> str:
        staff = own if own is not None else data["staff"]
        opening = data["opening"]
        if PostingApplication.objects.filter(opening=opening, staff=staff).exists():
            raise ValidationError({"opening": f"{staff.name}已报名该岗位"})
        posting.apply(actor=user, opening=opening, staff=staff, preference=data["preference"],
                      on=today())
        return f"{staff.name}已报名：{opening.institution.name} {opening.get_subject_display()}"

    if not (for_self and own is None) and (
            response := submit(request, form, write, done, done)) is not None:
        return response
    return render(request, "workforce/posting_apply.html", {
        "round": posting_round, "form": form, "for_self": for_self, "own": own,
        "unlinked": for_self and own is None})


@require_POST
@for_roles(*BUREAU_ROLES, Role.SCHOOL_ADMIN)
def posting_rank(request: HttpRequest, pk: int) -> HttpResponse:
    """The school's ranks of its applicants (``rank_<application>`` fields), saved together."""
    user = user_of(request)
    posting_round = get_object_or_404(rounds_for(user), pk=pk)
    back = redirect("workforce:round_detail", pk=posting_round.pk)
    wanted: dict[int, int] = {}
    for key in request.POST:
        value = request.POST.get(key, "").strip()
        if not key.startswith("rank_") or not value:
            continue
        if not key[5:].isdigit() or not value.isdigit():
            messages.error(request, "排序应填写正整数")
            return back
        wanted[int(key[5:])] = int(value)
    if not wanted:
        messages.info(request, "未填写排序")
        return back
    try:
        # An application of another school's post, or of another round, is 404 (the service).
        changed = posting.rank_applicants(actor=user, posting_round=posting_round, ranks=wanted)
    except (ValidationError, WorkflowError, PermissionDenied) as exc:
        messages.error(request, f"排序未保存：{refusal_text(exc)}")
        return back
    messages.success(request, f"已保存{changed}名教师的排序" if changed else "排序未变化")
    return back


@require_POST
@for_roles(Role.SCHOOL_ADMIN, Role.TEACHER)
def posting_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤回报名 (the teacher, or their school's admin) before the round is settled."""
    user = user_of(request)
    application = get_object_or_404(posting_applications_for(user).select_related(
        "staff", "opening__round"), pk=pk)
    back = redirect("workforce:round_detail", pk=application.opening.round_id)
    try:
        posting.withdraw_application(actor=user, application=application,
                                     reason=request.POST.get("reason", "")[:500])
    except PermissionDenied as exc:
        raise PermissionDenied(refusal_text(exc)) from exc
    except (ValidationError, WorkflowError) as exc:
        messages.error(request, f"未能撤回：{refusal_text(exc)}")
        return back
    messages.success(request, f"已撤回{application.staff.name}的竞聘报名")
    return back


# -- 竞聘上岗 for the bureau: rounds, posts, closing, the county pool ----------------------

def counties_for(user: User) -> Any:
    return visible_to(user, Region.objects.filter(level="county")).order_by("code")


@for_roles(*BUREAU_ROLES)
def round_new(request: HttpRequest) -> HttpResponse:
    """Open a round (the second one prefilled from a closed first: ``?number=2&county=&year=``)."""
    user = user_of(request)
    counties = counties_for(user)
    years = AcademicYear.objects.order_by("-start_year")
    year = current_year()
    initial: dict[str, Any] = {"county": counties.first(), "academic_year": year, "number": 1}
    for key, field in (("county", "county"), ("year", "academic_year")):
        if (value := request.GET.get(key, "")).isdigit():
            initial[field] = value
    if request.GET.get("number") == "2":
        initial["number"] = 2
    form = RoundForm(posted(request), counties=counties, years=years, initial=initial)
    opened: list[PostingRound] = []

    def write(data: dict[str, Any]) -> str:
        opened.append(posting.open_round(actor=user, **data))
        return f"已开设：{opened[0]}。请为各校设置竞聘岗位"

    def done() -> str:
        return reverse("workforce:round_detail", kwargs={"pk": opened[0].pk})

    back = reverse("workforce:office")
    if (response := submit(request, form, write, done, back)) is not None:
        return response
    return render(request, "workforce/round_form.html", {"form": form})


@for_roles(*BUREAU_ROLES)
def opening_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A school's posts for a subject in an open round (the same school and subject again
    changes the number of posts)."""
    user = user_of(request)
    posting_round = get_object_or_404(rounds_for(user), pk=pk)
    schools = institutions_for(user).filter(
        region__path__startswith=posting_round.county.path, status="active").order_by("code")
    form = OpeningForm(posted(request), schools=schools)

    def write(data: dict[str, Any]) -> str:
        opening = posting.add_opening(actor=user, posting_round=posting_round, **data)
        return (f"已设置岗位：{opening.institution.name} {opening.get_subject_display()}"
                f" {opening.places}个")

    here = reverse("workforce:opening_new", kwargs={"pk": posting_round.pk})
    back = reverse("workforce:round_detail", kwargs={"pk": posting_round.pk})
    # Back to the form after each post: a bureau sets many schools' posts in a row.
    if (response := submit(request, form, write, here, back)) is not None:
        return response
    return render(request, "workforce/opening_form.html", {
        "round": posting_round, "form": form,
        "openings": round_openings(user, posting_round).order_by("institution__code",
                                                                 "subject")})


@require_POST
@for_roles(*BUREAU_ROLES)
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Settle the round by the schools' ranks (``services.posting.close_round``)."""
    user = user_of(request)
    posting_round = get_object_or_404(rounds_for(user), pk=pk)
    try:
        summary = posting.close_round(actor=user, posting_round=posting_round)
    except (ValidationError, WorkflowError, PermissionDenied) as exc:
        messages.error(request, f"未能结束本轮：{refusal_text(exc)}")
    else:
        pooled = f"，{summary['pooled']}人进入县域待岗" if posting_round.number == 1 else ""
        messages.success(request, f"本轮竞聘已结束：聘任{summary['placed']}人，"
                                  f"未聘{summary['unplaced']}人{pooled}")
    return redirect("workforce:round_detail", pk=posting_round.pk)


@for_roles(*BUREAU_ROLES)
def pool_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A teacher in the county pool: 组织调剂 to a school of the county, or 待岗培训."""
    user = user_of(request)
    entry = get_object_or_404(pool_for(user).select_related(
        "round__county", "staff__current_institution"), pk=pk)
    county = entry.round.county
    schools = institutions_for(user).filter(region__path__startswith=county.path,
                                            status="active").order_by("code")
    form = PoolDecisionForm(posted(request), schools=schools)

    def write(data: dict[str, Any]) -> str:
        if data["decision"] == "allocate":
            posting.allocate(actor=user, entry=entry, institution=data["institution"],
                             reason=data["reason"])
            return f"已组织调剂：{entry.staff.name} → {data['institution'].name}"
        posting.send_to_training(actor=user, entry=entry, reason=data["reason"])
        return f"已安排待岗培训：{entry.staff.name}"

    back = reverse("workforce:round_detail", kwargs={"pk": entry.round_id})
    if (response := submit(request, form, write, back, back)) is not None:
        return response
    return render(request, "workforce/pool_form.html", {
        "entry": entry, "form": form, "history": labelled_history(entry, "进入县域待岗"),
        "open": entry.state in POOL_UNDECIDED})


def labelled_history(item: Any, created: str) -> list[tuple[Any, str, str]]:
    """(step, what was done, the state it led to) in Chinese, oldest first."""
    workflow = item.workflow
    names = {t.name: t.label for t in workflow.transitions}
    return [(step, created if step.transition == "create"
             else names.get(step.transition, step.transition), workflow.label(step.to_state))
            for step in history_of(item).order_by("at", "pk")]


# -- 职称 review -----------------------------------------------------------------------------

@for_roles(*BUREAU_ROLES)
def title_reviews(request: HttpRequest) -> HttpResponse:
    """Pending 职称 applications with what they are judged by (the 师德 veto, the training
    schedule, the ladder) as of today, and the decisions the user may take on each."""
    user = user_of(request)
    on = today()
    pending = list(title_applications_for(user).filter(state__in=PENDING_TITLES)
                   .select_related("staff__current_institution")
                   .order_by("state", "year", "staff__name")[:SHOWN_APPLICATIONS])
    checks = title_checks([(a.staff_id, a.staff.title, a.title) for a in pending], on)
    scope = scope_of(user)
    roles = None if scope.everything else scope.roles
    rows = [(a, check, [t for t in TITLE_APPLICATION.available(a.state, roles)
                        if t.name in REVIEW_DECISIONS])
            for a, check in zip(pending, checks, strict=True)]
    decided = (title_applications_for(user).filter(state__in=("approved", "rejected"))
               .select_related("staff__current_institution")
               .order_by("-state_changed_at", "-pk")[:20])
    return render(request, "workforce/title_reviews.html", {
        "rows": rows, "decided": decided, "on": on, "cycle": cycle_on(on),
        "more": len(pending) == SHOWN_APPLICATIONS})


@require_POST
@for_roles(*BUREAU_ROLES)
def title_review(request: HttpRequest, pk: int) -> HttpResponse:
    """One decision (recommend / approve / reject with the reason) through the service."""
    user = user_of(request)
    application = get_object_or_404(title_applications_for(user), pk=pk)
    back = redirect("workforce:title_reviews")
    form = TitleReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "未知操作或理由过长")
        return back
    transition = form.cleaned_data["transition"]
    label = TITLE_APPLICATION.transition(transition).label
    try:
        titles.review_title(actor=user, application=application, transition=transition,
                            reason=form.cleaned_data["reason"].strip(), on=today())
    except (ValidationError, WorkflowError, PermissionDenied) as exc:
        messages.error(request, f"{application.staff.name}：未能{label}。{refusal_text(exc)}")
        return back
    messages.success(request, f"{application.staff.name}（{TITLE_LABELS[application.title]}，"
                              f"{application.year}年度）：{label}")
    return back


# -- spreadsheet imports: upload → validation report → confirm ------------------------------

@dataclass(frozen=True)
class ImportKind:
    label: str
    roles: tuple[str, ...]
    columns: tuple[Column, ...]
    #: The page the imported rows show on.
    back: str


IMPORT_KINDS = {
    "barred": ImportKind(gettext_noop("禁止从教人员名单"), CONDUCT_ROLES, BarredImporter.columns,
                         "workforce:conduct_list"),
    "training": ImportKind(gettext_noop("培训学时"), RECORD_ROLES, TrainingImporter.columns,
                           "workforce:training"),
}
#: Errors listed on the report page; all of them are in the error workbook.
SHOWN_ERRORS = 500
STAGING = "workforce-imports"
#: Staged files nobody confirmed are removed at the user's next upload after this long.
STALE_AFTER = dt.timedelta(days=1)
TOKEN = re.compile(r"[0-9a-f]{32}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Staged:
    """An uploaded file waiting for its user to confirm the import (or fix and re-upload)."""

    token: str
    kind: str
    file_name: str
    path: Path
    region: int | None

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self.path.with_suffix(".json").unlink(missing_ok=True)


def import_kind(request: HttpRequest, kind: str) -> ImportKind:
    """The import named in the URL (404 if none), if the user's role may run it (else 403)."""
    found = IMPORT_KINDS.get(kind)
    if found is None:
        raise Http404
    if not scope_of(request.user).has_role(*found.roles):
        raise PermissionDenied
    return found


def staging_dir(user: Any) -> Path:
    # One folder per user: a token only ever finds its own user's uploads (others get 404).
    return Path(settings.MEDIA_ROOT) / STAGING / str(user.pk)


def stage(user: User, kind: str, upload: UploadedFile, region: Region | None) -> Staged:
    folder = staging_dir(user)
    folder.mkdir(parents=True, exist_ok=True)
    stale = dt.datetime.now().timestamp() - STALE_AFTER.total_seconds()
    for old in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):  # another request of the user's removed it
            if old.stat().st_mtime < stale:
                old.unlink()
    token = uuid.uuid4().hex
    # The name was checked by the form; it is kept for the user, never used as a path.
    file_name = upload.name or "upload"
    path = folder / f"{token}{Path(file_name).suffix.lower()}"
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    staged = Staged(token, kind, file_name, path, region.pk if region else None)
    meta = {"kind": kind, "file_name": file_name, "suffix": path.suffix, "region": staged.region}
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return staged


def staged_or_404(request: HttpRequest, kind: str, token: str) -> Staged:
    if not TOKEN.fullmatch(token):
        raise Http404
    meta_path = staging_dir(request.user) / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise Http404 from None
    path = meta_path.with_suffix(str(meta.get("suffix", "")))
    if meta.get("kind") != kind or path.suffix not in SUFFIXES or not path.is_file():
        raise Http404
    return Staged(token, kind, str(meta["file_name"]), path, meta.get("region"))


def run_import(user: User, staged: Staged, *, dry_run: bool) -> ImportOutcome:
    if staged.kind == "barred":
        region = Region.objects.filter(pk=staged.region).first() if staged.region else None
        return imports.import_barred(actor=user, path=staged.path, file_name=staged.file_name,
                                     region=region, dry_run=dry_run)
    return imports.import_training(actor=user, path=staged.path, file_name=staged.file_name,
                                   dry_run=dry_run, today=today())


@csrf_exempt
@login_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    spec = import_kind(request, kind)
    # The size cap must be in place before anything reads the body, CSRF included.
    cast(list[FileUploadHandler], request.upload_handlers).insert(0, CappedUpload(request))
    return _import_upload(request, kind, spec)


@csrf_protect
def _import_upload(request: HttpRequest, kind: str, spec: ImportKind) -> HttpResponse:
    user = user_of(request)
    regions = visible_to(user, Region.objects.filter(
        level__in=("province", "city", "county"))).order_by("path")
    form = ImportForm(posted(request), request.FILES if request.method == "POST" else None,
                      kind=kind, regions=regions)
    if request.method == "POST":
        if getattr(request, "import_upload_too_large", False):
            # The handler dropped the file; say why instead of "this field is required".
            form.is_valid()
            form.errors["file"] = form.error_class([too_large_message()])
        elif form.is_valid():
            staged = stage(user, kind, form.cleaned_data["file"], form.cleaned_data.get("region"))
            try:
                run_import(user, staged, dry_run=True)
            except UnusableInput as exc:
                staged.discard()
                form.add_error("file", exc.message)
            except PermissionDenied as exc:
                staged.discard()
                form.add_error(None, refusal_text(exc))
            else:
                return redirect("workforce:import_report", kind=kind, token=staged.token)
    return render(request, "workforce/import_upload.html", {
        "kind": kind, "spec": spec, "form": form})


@login_required
def import_report(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    """The validation report of a staged file (validated again: the registry may have
    changed since the upload), with the confirm button when every row is valid."""
    spec = import_kind(request, kind)
    staged = staged_or_404(request, kind, token)
    try:
        outcome = run_import(user_of(request), staged, dry_run=True)
    except (UnusableInput, PermissionDenied) as exc:
        staged.discard()
        messages.error(request, exc.message if isinstance(exc, UnusableInput)
                       else refusal_text(exc))
        return redirect("workforce:import_upload", kind=kind)
    return render(request, "workforce/import_report.html", {
        "kind": kind, "spec": spec, "staged": staged, "outcome": outcome,
        "errors": outcome.errors[:SHOWN_ERRORS], "more": len(outcome.errors) > SHOWN_ERRORS})


@login_required
def import_errors(request: HttpRequest, kind: str, token: str) -> HttpResponseBase:
    """The bad rows of the staged file, bad cells marked, to fix and upload again."""
    spec = import_kind(request, kind)
    staged = staged_or_404(request, kind, token)
    try:
        outcome = run_import(user_of(request), staged, dry_run=True)
    except (UnusableInput, PermissionDenied):
        raise Http404 from None
    if not outcome.errors:
        raise Http404
    descriptor, out = tempfile.mkstemp(suffix=".xlsx", prefix="edugov-")
    os.close(descriptor)
    try:
        workbooks.write_errors(staged.path, outcome.errors, out)
        handle = open(out, "rb")  # noqa: SIM115  (FileResponse closes it)
    finally:
        os.unlink(out)
    return FileResponse(handle, as_attachment=True, content_type=XLSX,
                        filename=f"{spec.label}导入错误行.xlsx")


@require_POST
@login_required
def import_confirm(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    """Import the staged file: validated again and written all-or-nothing by the service."""
    spec = import_kind(request, kind)
    staged = staged_or_404(request, kind, token)
    report = redirect("workforce:import_report", kind=kind, token=token)
    try:
        outcome = run_import(user_of(request), staged, dry_run=False)
    except UnusableInput as exc:
        messages.error(request, exc.message)
        return report
    except PermissionDenied as exc:
        messages.error(request, refusal_text(exc))
        return report
    if not outcome.written:
        messages.error(request, f"{outcome.invalid}行数据有误，未写入任何数据")
        return report
    staged.discard()
    messages.success(request, f"已导入{spec.label}「{staged.file_name}」：新增{outcome.created}，"
                              f"更新{outcome.updated}，未变{outcome.unchanged}")
    return redirect(spec.back)
