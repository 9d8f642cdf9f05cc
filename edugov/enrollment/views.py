"""Admissions pages: the parent portal, the school verification queue, county round
management (windows, places, districts, points, lottery, assignment, publication, 统筹,
class lists) and the dashboard.

Objects come from ``enrollment.selectors``, so anything outside the user's reach is 404;
pages a role has no business on are 403. Writes go through ``enrollment.services``; their
Chinese messages are shown as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from edugov.core.ratelimit import over_limit
from edugov.core.roles import REGION_ROLES, Role
from edugov.core.scoping import scope_of, visible_to
from edugov.enrollment import forms, selectors, services, spreadsheets
from edugov.enrollment import workflow as wf
from edugov.enrollment.models import AdmissionRound, Application, PointsTable, SchoolPlaces
from edugov.enrollment.rules import points
from edugov.enrollment.rules.priority import CATEGORY_LABELS
from edugov.registry.models import Institution, Region
from edugov.workflow.definitions import WorkflowError
from edugov.workflow.selectors import history_of

View = Callable[..., HttpResponse]
VERIFIER_ROLES = (Role.SCHOOL_ADMIN, Role.COUNTY_BUREAU, Role.CITY_BUREAU)


def role_required(*roles: str) -> Callable[[View], View]:
    """Signed in (else to the login page) and holding one of ``roles`` (else 403)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not scope_of(request.user).has_role(*roles):
                raise PermissionDenied("您的角色无权访问此页面")
            return view(request, *args, **kwargs)
        return wrapped
    return decorate


parent_required = role_required(Role.PARENT)
verifier_required = role_required(*VERIFIER_ROLES)
bureau_required = role_required(*REGION_ROLES)


def attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run a service call; its refusal becomes an error message (PermissionDenied → 403)."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return False
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True


def form_errors(request: HttpRequest, exc: ValidationError, form: Any) -> None:
    """Attach a service's field errors to the form, the rest as messages."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# ---------------------------------------------------------------- parent portal

#: Sign-ups a single IP may make an hour: enough for a family, too few for a script.
SIGNUPS_PER_HOUR = 10


def signup(request: HttpRequest) -> HttpResponse:
    """家长注册 with phone and ID number; signed in afterwards (no visit to any office)."""
    if request.user.is_authenticated:
        return redirect("enrollment:my_applications")
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_limit(request, bucket="parent-signup", limit=SIGNUPS_PER_HOUR):
            return HttpResponse("注册过于频繁，请一小时后再试", status=429,
                                content_type="text/plain; charset=utf-8")
        data = form.cleaned_data
        try:
            user = services.register_parent(phone=data["phone"], id_number=data["id_number"],
                                            name=data["name"], password=data["password"])
        except ValidationError as exc:
            form_errors(request, exc, form)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"注册成功，欢迎您，{data['name']}")
            return redirect("enrollment:my_applications")
    return render(request, "enrollment/signup.html", {"form": form})



@parent_required
def my_applications(request: HttpRequest) -> HttpResponse:
    applications = selectors.own_applications(request.user)
    rows = [(a, selectors.parent_result(a)) for a in applications]
    return render(request, "enrollment/my_applications.html", {
        "rows": rows, "children": selectors.children_of(request.user),
        "open_rounds": selectors.open_rounds()})


@parent_required
def register_child(request: HttpRequest) -> HttpResponse:
    form = forms.ChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.register_child(actor=request.user,  # type: ignore[arg-type]
                                    id_number=data["id_number"], name=data["name"],
                                    sex=data["sex"], birth_date=data["birth_date"],
                                    relation=data["relation"])
        except ValidationError as exc:
            form_errors(request, exc, form)
        else:
            messages.success(request, f"已登记子女：{data['name']}")
            return redirect("enrollment:my_applications")
    return render(request, "enrollment/child_form.html", {"form": form})


@parent_required
def apply(request: HttpRequest, round_pk: int) -> HttpResponse:
    """Fill one application for a registered child; save as draft or submit at once."""
    round = get_object_or_404(selectors.rounds_for(request.user), pk=round_pk)
    children = selectors.children_of(request.user)
    form = forms.ApplicationForm(request.POST or None, round=round)
    child_pk = request.POST.get("child") or request.GET.get("child")
    if request.method == "POST" and form.is_valid():
        guardian = get_object_or_404(children, pk=child_pk or 0)
        try:
            application = services.create_application(
                actor=request.user, guardian=guardian,  # type: ignore[arg-type]
                round=round, choices=form.schools(), **form.fields_for_service())
            if "submit" in request.POST:
                services.submit(actor=request.user,  # type: ignore[arg-type]
                                application=application)
        except ValidationError as exc:
            form_errors(request, exc, form)
        else:
            messages.success(request, "申请已提交，请等待学校审核" if "submit" in request.POST
                             else "申请已保存为草稿，请在报名截止前提交")
            return redirect("enrollment:application_detail", pk=application.pk)
    return render(request, "enrollment/application_form.html", {
        "form": form, "round": round, "children": children, "child_pk": str(child_pk or "")})


@parent_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(selectors.own_applications(request.user), pk=pk)
    round = application.round
    result = selectors.parent_result(application)
    steps = [(s.at, wf.APPLICATION.states.get(s.to_state, s.to_state), s.reason)
             for s in history_of(application)]
    returned = application.state in (wf.RETURNED, wf.REJECTED)
    names = {p.institution.code: p.institution.name for p in selectors.round_places(round)}
    reasons = [(names.get(r.get("school", ""), r.get("school", "")), r.get("reason", ""))
               for r in result.get("reasons") or []]
    return render(request, "enrollment/application_detail.html", {
        "app": application, "round": round, "result": result, "steps": steps,
        "last_reason": steps[-1][2] if returned and steps else "", "reasons": reasons,
        "editable": application.state in (wf.DRAFT, wf.RETURNED, wf.REJECTED),
        "can_withdraw": application.state in (wf.DRAFT, wf.SUBMITTED, wf.RETURNED,
                                              wf.REJECTED, wf.VERIFIED),
        "admitted": result["state"] == wf.ADMITTED,
        "spare": selectors.spare_places(round) if result["state"] == wf.UNPLACED else [],
        "evidence_labels": dict(forms.EVIDENCE_KINDS),
    })


@parent_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """补正: correct a draft, returned or rejected application and submit it again."""
    application = get_object_or_404(selectors.own_applications(request.user), pk=pk)
    round = application.round
    form = forms.ApplicationForm(request.POST or None, round=round,
                                 initial=forms.ApplicationForm.initial_from(application))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_application(actor=request.user,  # type: ignore[arg-type]
                                        application=application, choices=form.schools(),
                                        **form.fields_for_service())
            if "submit" in request.POST:
                services.submit(actor=request.user,  # type: ignore[arg-type]
                                application=application)
        except (ValidationError, WorkflowError) as exc:
            if isinstance(exc, WorkflowError):
                form.add_error(None, str(exc))
            else:
                form_errors(request, exc, form)
        else:
            messages.success(request, "申请已重新提交" if "submit" in request.POST
                             else "修改已保存")
            return redirect("enrollment:application_detail", pk=application.pk)
    return render(request, "enrollment/application_form.html", {
        "form": form, "round": round, "app": application})


PARENT_ACTIONS = {
    "submit": (services.submit, "申请已提交，请等待学校审核"),
    "withdraw": (services.withdraw, "申请已撤回"),
    "accept": (services.accept, "已接受录取，请按通知到校报到"),
    "decline": (services.decline, "已放弃该学位"),
}


@require_POST
@parent_required
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    application = get_object_or_404(selectors.own_applications(request.user), pk=pk)
    if action not in PARENT_ACTIONS:
        return HttpResponse("未知操作", status=404, content_type="text/plain; charset=utf-8")
    service, success = PARENT_ACTIONS[action]
    attempt(request, lambda: service(actor=request.user,  # type: ignore[arg-type]
                                     application=application), success)
    return redirect("enrollment:application_detail", pk=application.pk)


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


# ---------------------------------------------------------------- school verification


@verifier_required
def review_queue(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or wf.SUBMITTED
    if state not in wf.APPLICATION.states:
        state = wf.SUBMITTED
    rounds = selectors.rounds_for(request.user)
    round = None
    if request.GET.get("round", "").isdigit():
        round = rounds.filter(pk=request.GET["round"]).first()
    queue = selectors.review_queue(request.user, state=state, round=round)[:500]
    return render(request, "enrollment/review_queue.html", {
        "queue": queue, "state": state, "states": wf.APPLICATION.states,
        "rounds": rounds, "round": round})


@verifier_required
def review_application(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(selectors.reviewable(request.user), pk=pk)
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("decision") == "confirm":
            attempt(request, lambda: services.confirm(actor=request.user,  # type: ignore[arg-type]
                                                       application=application),
                    "已确认入学，学籍已注册")
            return redirect("enrollment:review_application", pk=application.pk)
        if form.is_valid():
            data = form.cleaned_data
            done = attempt(request, lambda: services.review(
                actor=request.user, application=application,  # type: ignore[arg-type]
                decision=data["decision"], reason=data["reason"].strip()),
                dict(form.fields["decision"].choices)[data["decision"]]  # type: ignore[attr-defined]
                + f"：{application.number}")
            if done:
                return redirect(f"{reverse('enrollment:review_queue')}"
                                f"?round={application.round_id}")
    return render(request, "enrollment/review_detail.html", {
        "app": application, "form": form, "history": history_of(application),
        "evidence_labels": dict(forms.EVIDENCE_KINDS), "categories": CATEGORY_LABELS,
        "mine": _named_schools(request.user, application)})


def _named_schools(user: Any, application: Application) -> list[int]:
    """The application's schools inside the user's jurisdiction (highlighted)."""
    ids = [c.institution_id for c in application.choices.all()]
    return list(visible_to(user, Institution.objects.filter(pk__in=ids))
                .values_list("pk", flat=True))


# ---------------------------------------------------------------- dashboard


@verifier_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Applications by state and over-subscription by school, per round, in scope."""
    rounds = list(selectors.rounds_for(request.user)[:20])
    round = next((r for r in rounds if str(r.pk) == request.GET.get("round")),
                 rounds[0] if rounds else None)
    demand = selectors.school_demand(request.user, round) if round else []
    states = selectors.states_count(request.user, round) if round else []
    return render(request, "enrollment/dashboard.html", {
        "rounds": rounds, "round": round, "demand": demand, "states": states,
        "total": sum(n for _s, _l, n in states),
        "oversubscribed": sum(1 for d in demand if d.oversubscribed)})


# ---------------------------------------------------------------- county round management


def managed_round(request: HttpRequest, pk: int) -> AdmissionRound:
    return get_object_or_404(selectors.managed_rounds(request.user), pk=pk)


def region_schools(round: AdmissionRound) -> Any:
    return Institution.objects.filter(region__path__startswith=round.region.path,
                                      status="active").order_by("code")


@bureau_required
def round_list(request: HttpRequest) -> HttpResponse:
    return render(request, "enrollment/round_list.html", {
        "rounds": selectors.managed_rounds(request.user)})


@bureau_required
def round_create(request: HttpRequest) -> HttpResponse:
    regions = visible_to(request.user, Region.objects.filter(level__in=["city", "county"]))
    tables = PointsTable.objects.filter(region__in=regions)
    form = forms.RoundForm(request.POST or None, regions=regions, tables=tables)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["class_size"] = data["class_size"] or None
        try:
            round = services.create_round(actor=request.user, **data)  # type: ignore[arg-type]
        except ValidationError as exc:
            form_errors(request, exc, form)
        else:
            messages.success(request, f"已创建招生批次：{round.name}")
            return redirect("enrollment:round_detail", pk=round.pk)
    return render(request, "enrollment/round_form.html", {"form": form})


@bureau_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round = managed_round(request, pk)
    draw = getattr(round, "lottery", None)
    places_form = forms.PlacesForm(schools=region_schools(round))
    return render(request, "enrollment/round_detail.html", {
        "round": round, "draw": draw, "demand": selectors.school_demand(request.user, round),
        "states": selectors.states_count(request.user, round),
        "map": services.current_map(round), "coverage": services.coverage_report(round),
        "places_form": places_form, "placements": {
            p.institution_id: p for p in round.class_placements.all()},
        "unplaced": selectors.unplaced(request.user, round).count(),
        "categories": [CATEGORY_LABELS.get(c, c) for c in round.categories]})


@require_POST
@bureau_required
def round_places(request: HttpRequest, pk: int) -> HttpResponse:
    round = managed_round(request, pk)
    form = forms.PlacesForm(request.POST, schools=region_schools(round))
    if form.is_valid():
        data = form.cleaned_data
        attempt(request, lambda: services.set_places(
            actor=request.user, round=round,  # type: ignore[arg-type]
            institution=data["institution"], classes_planned=data["classes_planned"],
            class_size=data["class_size"], reserved=data["reserved"] or 0,
            reserved_note=data["reserved_note"], lottery_only=data["lottery_only"]),
            f"已保存 {data['institution'].name} 的招生计划")
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("enrollment:round_detail", pk=round.pk)


ROUND_ACTIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "commit_lottery": (services.commit_lottery, "已生成并公布摇号承诺值（SHA-256）"),
    "draw_lottery": (services.draw_lottery, "电脑摇号已完成，种子已公开"),
    "run_assignment": (services.run_assignment, "志愿录取已完成"),
    "publish": (services.publish, "录取结果已公布"),
}


@require_POST
@bureau_required
def round_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    round = managed_round(request, pk)
    if action not in ROUND_ACTIONS:
        return HttpResponse("未知操作", status=404, content_type="text/plain; charset=utf-8")
    service, success = ROUND_ACTIONS[action]
    attempt(request, lambda: service(actor=request.user, round=round), success)
    return redirect("enrollment:round_detail", pk=round.pk)


@bureau_required
def district_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a new version of the district map; show the coverage report."""
    round = managed_round(request, pk)
    form = forms.DistrictUploadForm(request.POST or None, request.FILES or None)
    report = services.coverage_report(round)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = spreadsheets.district_rows(upload, upload.name)
            _map, report = services.import_district_map(
                actor=request.user, round=round, rows=rows,  # type: ignore[arg-type]
                note=form.cleaned_data["note"])
        except ValidationError as exc:
            for message in exc.messages[:30]:
                form.add_error(None, message)
        else:
            messages.success(request, f"已导入学区划分第 {_map.version} 版，共 {len(rows)} 条规则")
    current = services.current_map(round)
    return render(request, "enrollment/district_upload.html", {
        "round": round, "form": form, "report": report, "map": current,
        "rules": current.rules.select_related("institution")[:500] if current else []})


@bureau_required
def points_table(request: HttpRequest, pk: int) -> HttpResponse:
    round = managed_round(request, pk)
    table = round.points_table
    initial = {"name": table.name if table else f"{round.region.name}随迁子女积分方案",
               "year": table.year if table else round.academic_year.start_year,
               "factors": json.dumps(table.factors if table else list(points.SAMPLE_TABLE),
                                     ensure_ascii=False, indent=1)}
    form = forms.PointsTableForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_points_table(actor=request.user,  # type: ignore[arg-type]
                                               region=round.region, year=data["year"],
                                               name=data["name"], factors=data["factors"])
            services.use_points_table(actor=request.user, round=round,  # type: ignore[arg-type]
                                      table=saved)
        except ValidationError as exc:
            form_errors(request, exc, form)
        else:
            messages.success(request, f"已保存积分方案：{saved.name}")
            return redirect("enrollment:points_table", pk=round.pk)
    factors = points.parse_table(table.factors) if table else []
    return render(request, "enrollment/points_table.html", {
        "round": round, "form": form, "table": table, "factors": factors})


@login_required
def draw_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable draw record for the notary: public (摇号结果实时公开)."""
    round = get_object_or_404(selectors.rounds_for(request.user), pk=pk)
    draw = getattr(round, "lottery", None)
    schools = []
    if draw is not None and draw.drawn_at is not None:
        for places in selectors.round_places(round).filter(lottery_only=True):
            record = services.school_draw_record(draw, places.institution)
            # Who the assignment admitted there (an applicant placed at a school ranked
            # higher leaves the seat to the next in the order).
            admitted = set(round.applications.filter(
                admitted_institution=places.institution,
                state__in=[wf.ADMITTED, wf.CONFIRMED]).values_list("number", flat=True))
            schools.append((places, record, admitted))
    return render(request, "enrollment/draw_record.html", {
        "round": round, "draw": draw, "schools": schools,
        "position": {n: i for i, n in enumerate(draw.order, start=1)} if draw else {}})


@bureau_required
def unplaced(request: HttpRequest, pk: int) -> HttpResponse:
    """统筹安排: place the unplaced in schools with free seats."""
    round = managed_round(request, pk)
    spare = SchoolPlaces.objects.filter(round=round).select_related("institution")
    schools = Institution.objects.filter(pk__in=[p.institution_id for p in spare if p.free])
    if request.method == "POST":
        application = get_object_or_404(selectors.unplaced(request.user, round),
                                        pk=request.POST.get("application") or 0)
        form = forms.AllocateForm(request.POST, schools=schools)
        if form.is_valid():
            school = form.cleaned_data["institution"]
            attempt(request, lambda: services.allocate(
                actor=request.user, application=application,  # type: ignore[arg-type]
                institution=school), f"已将 {application.number} 统筹安排到 {school.name}")
        else:
            messages.error(request, "请选择有空余学位的学校")
        return redirect("enrollment:unplaced", pk=round.pk)
    return render(request, "enrollment/unplaced.html", {
        "round": round, "rows": selectors.unplaced(request.user, round),
        "form": forms.AllocateForm(schools=schools),
        "spare": [p for p in spare if p.free]})


@verifier_required
def class_lists(request: HttpRequest, pk: int, institution_pk: int) -> HttpResponse:
    """均衡分班: run it (county) and print the class lists (county and the school)."""
    round = get_object_or_404(selectors.rounds_for(request.user), pk=pk)
    places = get_object_or_404(selectors.places_for(request.user, round),
                               institution_id=institution_pk)
    form = forms.PlacementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attempt(request, lambda: services.place_classes(
            actor=request.user, round=round,  # type: ignore[arg-type]
            institution=places.institution, seed=form.cleaned_data["seed"] or None),
            "均衡分班已完成，班级已写入学籍")
        return redirect("enrollment:class_lists", pk=round.pk, institution_pk=institution_pk)
    placement = selectors.placement_for(request.user, round, institution_pk)
    classes = selectors.class_lists(round, placement) if placement else []
    confirmed = round.applications.filter(state=wf.CONFIRMED,
                                          admitted_institution_id=institution_pk).count()
    return render(request, "enrollment/class_lists.html", {
        "round": round, "places": places, "placement": placement, "classes": classes,
        "confirmed": confirmed, "form": form,
        "can_place": scope_of(request.user).has_role(*REGION_ROLES)})
