"""Campus safety pages: hazards, inspections (phone-sized), the four lists, the county
overview, notifications and the public report form.

Objects come from ``safety.selectors`` (scoped: out of reach is 404); writes go through
``safety.services``, whose Chinese messages are shown as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from edugov.core.ratelimit import over_limit
from edugov.core.roles import REGISTRY_ROLES, REGISTRY_WRITE_ROLES
from edugov.core.scoping import scope_of
from edugov.registry.models import Institution, Region
from edugov.safety import exports, forms, paging, rows, selectors, services
from edugov.safety import workflow as wf
from edugov.safety.choices import Domain, Grade
from edugov.safety.rules import grid as grid_rules
from edugov.safety.rules import indicators
from edugov.web.pagination import paginate
from edugov.workflow.definitions import WorkflowError

FILTERS = ("state", "grade", "domain", "overdue", "school")
HAZARD_STATES = [(s, wf.HAZARD.label(s)) for s in wf.HAZARD.states]
View = Callable[..., HttpResponse]


def safety_page(view: View) -> View:
    """Signed in, and holding a bureau or school role (403 for parents and operators,
    whose scope reaches no school: the safety pages would only be empty for them)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_of(request.user).has_role(*REGISTRY_ROLES):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _error_text(exc: Exception) -> str:
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def _period(request: HttpRequest) -> selectors.Period:
    """The period asked for, or the calendar year so far."""
    today = timezone.localdate()
    form = forms.ListsForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return selectors.Period(form.cleaned_data["start"], form.cleaned_data["end"])
    return selectors.Period(dt.date(today.year, 1, 1), today)


def _region(request: HttpRequest) -> Region:
    code = request.GET.get("region", "")
    if code:
        return selectors.region_for(request.user, code)
    region = selectors.default_region(request.user)
    if region is None:
        raise Http404("您没有可查看的区域")
    return region


@safety_page
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = selectors.hazards_for(user).filter(owner_id=user.pk, state__in=wf.OPEN_STATES)
    today = timezone.localdate()
    due = selectors.inspections_for(user).filter(
        state__in=(wf.PLANNED, wf.MISSED), due_date__lte=today).order_by("due_date")[:20]
    return render(request, "safety/home.html", {
        "mine": mine.order_by("due_at")[:20], "due": due,
        "notices": selectors.notifications_for(user).filter(read_at__isnull=True)[:10],
        "is_bureau": scope_of(user).has_role("county_bureau", "city_bureau"),
    })


@safety_page
def hazard_list(request: HttpRequest) -> HttpResponse:
    """The county's everyday page, kept cheap (bench/safety.py measures it under load):
    one LIMITed values() query on the (reported_at, id) index, a briefly cached capped
    count, labels computed in Python, and a template without per-row lookups."""
    now = timezone.now()
    filters = {k: request.GET[k] for k in FILTERS if request.GET.get(k)}
    found = selectors.hazard_page_rows(request.user, filters, now=now)
    page = paging.cached_count_page(found, request.GET.get("page"),
                                    key=paging.count_key(scope_of(request.user), filters))
    page.object_list = selectors.label_hazard_rows(page.object_list, now=now)
    return render(request, "safety/hazard_list.html", {
        "page": page, "query": urlencode(filters) + "&" if filters else "",
        "rows_html": rows.hazard_rows_html(page.object_list, reverse("safety:hazard_list")),
        "states": HAZARD_STATES, "grades": Grade.choices, "domains": Domain.choices,
        "current": filters,
    })


@safety_page
def hazard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = get_object_or_404(selectors.hazards_for(request.user), pk=pk)
    scope = scope_of(request.user)
    roles = None if scope.everything else scope.roles
    actions = [t for t in wf.HAZARD.available(hazard.state, roles)
               if t.name != "assign" and not t.name.startswith(wf.ESCALATE_PREFIX)]
    can_assign = bool([t for t in wf.HAZARD.available(hazard.state, roles) if t.name == "assign"])
    return render(request, "safety/hazard_detail.html", {
        "hazard": hazard, "history": selectors.labelled_history(hazard), "actions": actions,
        "incidents": selectors.incidents_after(request.user, hazard),
        "assign_form": forms.AssignForm(initial={"grade": hazard.grade}) if can_assign else None,
    })


@require_POST
@safety_page
def hazard_act(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = get_object_or_404(selectors.hazards_for(request.user), pk=pk)
    try:
        services.act_on_hazard(actor=request.user,  # type: ignore[arg-type]
                               hazard=hazard, transition=request.POST.get("transition", ""),
                               reason=request.POST.get("reason", ""),
                               evidence={"note": request.POST.get("evidence", "")}
                               if request.POST.get("evidence") else None)
    except (ValidationError, WorkflowError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已{wf.HAZARD.label(hazard.state)}")
    return redirect("safety:hazard_detail", pk=hazard.pk)


@require_POST
@safety_page
def hazard_assign(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = get_object_or_404(selectors.hazards_for(request.user), pk=pk)
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请完整填写交办信息")
        return redirect("safety:hazard_detail", pk=hazard.pk)
    try:
        services.assign_hazard(actor=request.user,  # type: ignore[arg-type]
                               hazard=hazard, owner=None, **form.cleaned_data)
    except (ValidationError, WorkflowError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已交办整改")
    return redirect("safety:hazard_detail", pk=hazard.pk)


@safety_page
def hazard_new(request: HttpRequest) -> HttpResponse:
    form = forms.StaffReportForm(request.POST or None)
    form.fields["institution"].queryset = selectors.institutions_for(  # type: ignore[attr-defined]
        request.user)
    if request.method == "POST" and form.is_valid():
        try:
            hazard = services.report_hazard(actor=request.user,  # type: ignore[arg-type]
                                            **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"已上报隐患 {hazard.code}")
            return redirect("safety:hazard_detail", pk=hazard.pk)
    return render(request, "safety/hazard_new.html", {"form": form})


@safety_page
def inspection_list(request: HttpRequest) -> HttpResponse:
    inspections = selectors.inspections_for(request.user)
    state = request.GET.get("state", "todo")
    if state == "todo":
        inspections = inspections.filter(state__in=(wf.PLANNED, wf.MISSED),
                                         due_date__lte=timezone.localdate())
    elif state:
        inspections = inspections.filter(state=state)
    page = paginate(request, inspections.order_by("due_date", "id"))
    return render(request, "safety/inspection_list.html", {
        "page": page, "query": f"state={state}&", "state": state})


def _answers(request: HttpRequest, items: list[Any]) -> list[services.Answer]:
    """One answer per item from the phone form: pass/fail radio, reading, note, photo."""
    answers = []
    for item in items:
        verdict = request.POST.get(f"item-{item.pk}")
        if verdict not in ("pass", "fail"):
            raise ValidationError(f"请选择“{item.text}”是否合格")
        reading_text = request.POST.get(f"reading-{item.pk}", "").strip()
        try:
            reading = float(reading_text) if reading_text else None
        except ValueError as exc:
            raise ValidationError(f"“{item.text}”的读数应为数字") from exc
        photo = request.FILES.get(f"photo-{item.pk}")
        evidence = {"name": photo.name, "size": photo.size,
                    "content_type": photo.content_type} if photo else {}
        answers.append(services.Answer(item.pk, passed=verdict == "pass", reading=reading,
                                       note=request.POST.get(f"note-{item.pk}", "")[:200],
                                       evidence=evidence))
    return answers


@safety_page
def inspection_form(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    items = list(inspection.template.items.order_by("order"))
    if request.method == "POST":
        try:
            hazards = services.record_inspection(
                actor=request.user,  # type: ignore[arg-type]
                inspection=inspection, answers=_answers(request, items),
                note=request.POST.get("note", ""))
        except (ValidationError, WorkflowError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            text = f"检查已完成，发现隐患 {len(hazards)} 条" if hazards else "检查已完成，全部合格"
            messages.success(request, text)
            return redirect("safety:inspection_list")
    return render(request, "safety/inspection_form.html", {
        "inspection": inspection, "items": items, "results": inspection.results.all()})


@safety_page
def lists_page(request: HttpRequest) -> HttpResponse:
    region, period = _region(request), _period(request)
    code = request.GET.get("list", "hazard")
    if code not in selectors.LIST_TITLES:
        raise Http404("清单不存在")
    headers, rows = selectors.build_list(request.user, code, region, period)
    shown = 500
    return render(request, "safety/lists.html", {
        "region": region, "period": period, "code": code, "titles": selectors.LIST_TITLES,
        "headers": headers, "rows": rows[:shown], "total": len(rows), "shown": shown,
        "regions": selectors.regions_for(request.user).filter(level__in=("city", "county")),
        "query": request.GET.urlencode(),
    })


@safety_page
def lists_export(request: HttpRequest) -> HttpResponse:
    region, period = _region(request), _period(request)
    codes = [request.GET["list"]] if request.GET.get("list") else list(selectors.LIST_TITLES)
    tables = {}
    for code in codes:
        if code not in selectors.LIST_TITLES:
            raise Http404("清单不存在")
        headers, rows = selectors.build_list(request.user, code, region, period)
        tables[code] = (selectors.LIST_TITLES[code], headers, rows)
    content = exports.workbook(unit=region.name, period_label=period.label,
                               filled=timezone.localdate(), tables=tables)
    services.audit_export(actor=request.user,  # type: ignore[arg-type]
                          what="、".join(t[0] for t in tables.values()), region=region,
                          rows=sum(len(t[2]) for t in tables.values()))
    name = f"safety-lists-{region.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@safety_page
def overview(request: HttpRequest) -> HttpResponse:
    """The county (or city) overview: indicators, schools, domains × grades, major risks, gaps."""
    region, period = _region(request), _period(request)
    counts = selectors.safety_counts(request.user, region, period)
    schools = selectors.by_school(request.user, region, period)
    return render(request, "safety/overview.html", {
        "region": region, "period": period, "indicators": indicators.indicators(counts),
        "schools": schools[:100], "by_domain": selectors.hazards_by_domain_and_grade(
            request.user, region, period),
        "grade_labels": [label for _code, label in Grade.choices],
        "major_risks": selectors.major_risks(request.user).filter(
            institution__region__path__startswith=region.path)[:50],
        "gaps": selectors.describe_gaps(selectors.grid_gaps(request.user, region)[:50]),
        "max_found": max([s["found"] for s in schools] or [1]),
        "regions": selectors.regions_for(request.user).filter(level__in=("city", "county")),
    })


@safety_page
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        services.mark_read(actor=request.user, notification_ids=ids)  # type: ignore[arg-type]
        return redirect("safety:notifications")
    page = paginate(request, selectors.notifications_for(request.user))
    return render(request, "safety/notifications.html", {"page": page, "query": ""})


def _over_limit(request: HttpRequest) -> bool:
    """At most N public reports an hour per IP (settings, default 5)."""
    limit = int(getattr(settings, "EDUGOV_SAFETY_REPORT_LIMIT", 5))
    return over_limit(request, bucket="safety-report", limit=limit)


def public_report(request: HttpRequest) -> HttpResponse:
    """群众举报: anonymous, CSRF-protected, rate-limited per IP."""
    form = forms.PublicReportForm(request.POST or None)
    if request.method == "POST":
        if _over_limit(request):
            return render(request, "safety/public_report.html",
                          {"form": form, "limited": True}, status=429)
        if form.is_valid() and not form.cleaned_data["website"]:
            data = form.cleaned_data
            hazard = services.report_public_hazard(
                institution=data["institution"], domain=data["domain"], title=data["title"],
                description=data["description"], location=data["location"],
                contact=data["contact"])
            return render(request, "safety/public_report.html",
                          {"form": None, "done": hazard.code})
    return render(request, "safety/public_report.html", {"form": form})




# -- maintenance pages: grid, checklists, schedules, risk register, incidents -----------


def _save(request: HttpRequest, form: Any, write: Callable[[dict[str, Any]], str],
          back: str) -> HttpResponse | None:
    """Run ``write`` on a valid POSTed form; its message or the service's refusal is shown.
    Returns the redirect after a POST, None for a GET or an invalid form (page re-shown)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        messages.success(request, write(form.cleaned_data))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc) or "您没有执行此操作的权限")
    return redirect(back)


def _save_or_show(request: HttpRequest, form: Any, write: Callable[[dict[str, Any]], str],
                  back: str) -> HttpResponse | None:
    """Like ``_save``, but a refused value (a name already used, a bad grading) is shown
    on the form again with what was typed, rather than after a redirect."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        messages.success(request, write(form.cleaned_data))
    except ValidationError as exc:
        form.add_error(None, _error_text(exc))
        return None
    except PermissionDenied as exc:
        messages.error(request, _error_text(exc) or "您没有执行此操作的权限")
    return redirect(back)


def _scoped_schools(form: Any, user: Any) -> Any:
    form.fields["institution"].queryset = selectors.institutions_for(user)
    return form


@safety_page
def grid_page(request: HttpRequest) -> HttpResponse:
    """网格化: the responsible people in reach, appointing or replacing one, the gaps."""
    user = request.user
    form = _scoped_schools(forms.AppointForm(request.POST or None), user)
    form.fields["region"].queryset = selectors.regions_for(user).filter(
        level__in=("city", "county"))

    def appoint(data: dict[str, Any]) -> str:
        school_level = data["level"] in grid_rules.SCHOOL_LEVELS
        post = services.appoint(
            actor=request.user, level=data["level"],  # type: ignore[arg-type]
            person_name=data["person_name"], phone=data["phone"], duty=data["duty"],
            since=data["since"], institution=data["institution"] if school_level else None,
            region=None if school_level else data["region"])
        return f"已任命 {post}"

    if (done := _save(request, form, appoint, "safety:grid")) is not None:
        return done
    return render(request, "safety/grid.html", {
        "form": form, "posts": selectors.posts_in(user).order_by(
            "institution__code", "region__path", "level")[:500],
        "gaps": selectors.describe_gaps(selectors.grid_gaps(user)[:200]),
    })


@safety_page
def checklists_page(request: HttpRequest) -> HttpResponse:
    """清单化: the current checklists; the bureau publishes a new version (old ones kept)."""
    form = forms.TemplateForm(request.POST or None)

    def publish(data: dict[str, Any]) -> str:
        template = services.publish_template(
            actor=request.user, code=data["code"], domain=data["domain"],  # type: ignore[arg-type]
            name=data["name"], items=[services.ItemSpec(text, failure_grade=grade)
                                      for text, grade in data["items"]])
        return f"已发布 {template}"

    if (done := _save(request, form, publish, "safety:checklists")) is not None:
        return done
    return render(request, "safety/checklists.html", {
        "form": form, "templates": selectors.current_templates(),
        "is_bureau": scope_of(request.user).has_role("county_bureau", "city_bureau"),
    })


@safety_page
def schedules_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = _scoped_schools(forms.ScheduleForm(request.POST or None), user)
    form.fields["template_code"].choices = [(t.code, str(t)) for t in selectors.current_templates()]

    def create(data: dict[str, Any]) -> str:
        plan = services.create_schedule(actor=request.user, **data)  # type: ignore[arg-type]
        return f"已建立检查计划：{plan}"

    if (done := _save(request, form, create, "safety:schedules")) is not None:
        return done
    page = paginate(request, selectors.schedules_for(user).annotate(
        planned=Count("inspections")).order_by("institution__code", "pk"))
    return render(request, "safety/schedules.html", {
        "form": form, "page": page, "query": "", "can_plan": _keeps_registers(user)})


def _keeps_registers(user: Any) -> bool:
    """Shows the forms of the risk register and areas: school admins and bureaus keep them,
    teachers read them (the services check each school)."""
    return scope_of(user).has_role(*REGISTRY_WRITE_ROLES)


def _managed(user: Any, obj: Any) -> Any:
    """``obj`` (already in reach) if ``user`` keeps its school's registers, else 403."""
    if not services.manages(user, obj.institution):
        raise PermissionDenied
    return obj


@safety_page
def risks_page(request: HttpRequest) -> HttpResponse:
    """风险分级管控: the register in reach (重大 first), registering a risk, the retired ones."""
    user = request.user
    form = _scoped_schools(forms.RiskForm(request.POST or None), user)

    def register(data: dict[str, Any]) -> str:
        risk = services.register_risk(actor=request.user, **data)  # type: ignore[arg-type]
        return f"已登记风险点：{risk.title}（{risk.get_grade_display()}）"

    if (done := _save(request, form, register, "safety:risks")) is not None:
        return done
    retired = request.GET.get("show") == "retired"
    risks = selectors.risk_register(user, retired=retired).order_by(
        "-severity", "-likelihood", "institution__code", "pk")
    return render(request, "safety/risks.html", {
        "form": form, "page": paginate(request, risks), "retired": retired,
        "query": "show=retired&" if retired else "", "can_edit": _keeps_registers(user)})


@safety_page
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct, re-assess (复评) or retire (销册) one entry of the register."""
    risk = _managed(request.user, get_object_or_404(selectors.any_risk_for(request.user), pk=pk))
    initial = {f: getattr(risk, f) for f in forms.RiskEditForm.base_fields if f != "reviewed"}
    form = forms.RiskEditForm(request.POST or None, initial=initial)

    def update(data: dict[str, Any]) -> str:
        services.update_risk(actor=request.user, risk=risk, **data)  # type: ignore[arg-type]
        return f"已保存风险点：{risk.title}（{risk.get_grade_display()}）"

    if (done := _save_or_show(request, form, update, "safety:risks")) is not None:
        return done
    return render(request, "safety/risk_edit.html", {
        "risk": risk, "form": form, "retire_form": forms.RetireForm()})


@require_POST
@safety_page
def risk_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """销册 (``action=retire`` with a reason) or back into the register (``reinstate``)."""
    risk = _managed(request.user, get_object_or_404(selectors.any_risk_for(request.user), pk=pk))
    actor: Any = request.user
    _retire_or_reinstate(
        request,
        retire=lambda: services.retire_risk(actor=actor, risk=risk,
                                            reason=request.POST.get("reason", "")),
        reinstate=lambda: services.reinstate_risk(actor=actor, risk=risk),
        done={"retire": f"已销册：{risk.title}", "reinstate": f"已恢复在册：{risk.title}"},
        neither="请选择销册或恢复在册")
    return redirect("safety:risk_edit", pk=risk.pk)


@safety_page
def areas_page(request: HttpRequest) -> HttpResponse:
    """楼栋/区域: the areas of schools in reach with their owners; adding one."""
    user = request.user
    form = _scoped_schools(forms.AreaForm(request.POST or None), user)

    def add(data: dict[str, Any]) -> str:
        area = services.add_area(actor=request.user, **data)  # type: ignore[arg-type]
        return f"已添加区域：{area.institution.name} {area.name}"

    if (done := _save_or_show(request, form, add, "safety:areas")) is not None:
        return done
    retired = request.GET.get("show") == "retired"
    return render(request, "safety/areas.html", {
        "form": form, "page": paginate(request, selectors.areas_for(user, retired=retired)),
        "retired": retired, "query": "show=retired&" if retired else "",
        "can_edit": _keeps_registers(user)})


@safety_page
def area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename an area, change its owner (the earlier one steps down, kept), or stop using it."""
    area = _managed(request.user, get_object_or_404(selectors.any_area_for(request.user), pk=pk))
    owner = selectors.area_owner(area)
    form = forms.AreaEditForm(request.POST or None, initial={
        "name": area.name, "kind": area.kind, "owner_name": owner.person_name if owner else ""})

    def update(data: dict[str, Any]) -> str:
        services.update_area(actor=request.user, area=area, **data)  # type: ignore[arg-type]
        return f"已保存区域：{area.name}"

    if (done := _save_or_show(request, form, update, "safety:areas")) is not None:
        return done
    return render(request, "safety/area_edit.html", {"area": area, "owner": owner, "form": form})


@require_POST
@safety_page
def area_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """停用 (``action=retire``: its owner steps down) or back in use (``reinstate``)."""
    area = _managed(request.user, get_object_or_404(selectors.any_area_for(request.user), pk=pk))
    actor: Any = request.user
    _retire_or_reinstate(
        request,
        retire=lambda: services.retire_area(actor=actor, area=area),
        reinstate=lambda: services.reinstate_area(actor=actor, area=area),
        done={"retire": f"已停用区域：{area.name}",
              "reinstate": f"已恢复区域：{area.name}，请指定责任人"},
        neither="请选择停用或恢复")
    return redirect("safety:area_edit", pk=area.pk)


def _retire_or_reinstate(request: HttpRequest, *, retire: Callable[[], object],
                         reinstate: Callable[[], object], done: dict[str, str],
                         neither: str) -> None:
    """Run the POSTed ``action`` (retire or reinstate) and say how it went."""
    steps = {"retire": retire, "reinstate": reinstate}
    action = request.POST.get("action", "")
    if action not in steps:
        messages.error(request, neither)
        return
    try:
        steps[action]()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
        return
    messages.success(request, done[action])


def _incident_school(request: HttpRequest) -> Institution | None:
    """The school whose candidates the incident form offers: chosen in step one (GET
    ``school``) or posted with the form; a user reaching one school skips step one."""
    schools = selectors.institutions_for(request.user)
    posted = request.method == "POST"
    pk = request.POST.get("institution", "") if posted else request.GET.get("school", "")
    if pk.isdigit():
        return schools.filter(pk=pk).first()
    only = list(schools[:2])
    return only[0] if len(only) == 1 and not posted else None


@safety_page
def incidents_page(request: HttpRequest) -> HttpResponse:
    """Incidents in reach with their links; recording one in two steps: the school, then
    the incident with that school's hazards and inspections of the last 12 months to tick
    (those of the incident's category first)."""
    user = request.user
    school = _incident_school(request)
    page = paginate(request, selectors.incidents_with_links(user))
    context: dict[str, Any] = {"page": page, "query": "", "school": school}
    if school is None and request.method != "POST":
        step_one = forms.IncidentSchoolForm(initial={"domain": request.GET.get("domain", "")})
        step_one.fields["school"].queryset = selectors.institutions_for(  # type: ignore[attr-defined]
            user)
        return render(request, "safety/incidents.html", {**context, "step_one": step_one})
    domain = request.POST.get("domain") or request.GET.get("domain", "")
    form = _scoped_schools(forms.IncidentForm(
        request.POST or None, initial={"institution": school, "domain": domain or None}), user)
    form.set_candidates(*selectors.link_candidates(user, school, domain=domain))
    if school is not None:
        form.fields["institution"].widget = form.fields["institution"].hidden_widget()
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.record_incident(actor=user,  # type: ignore[arg-type]
                                                **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        except PermissionDenied as exc:
            messages.error(request, _error_text(exc) or "您没有执行此操作的权限")
            return redirect("safety:incidents")
        else:
            messages.success(request, f"已登记事故：{incident.title}")
            return redirect("safety:incident_detail", pk=incident.pk)
    only_school = selectors.institutions_for(user)[:2].count() == 1
    return render(request, "safety/incidents.html", {
        **context, "form": form, "only_school": only_school})


@safety_page
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(selectors.incidents_with_links(request.user), pk=pk)
    return render(request, "safety/incident_detail.html", {"incident": incident})


@safety_page
def incident_links(request: HttpRequest, pk: int) -> HttpResponse:
    """关联隐患/检查: tick what preceded the incident, untick a wrong link (nothing deleted)."""
    incident = get_object_or_404(selectors.incidents_for(request.user), pk=pk)
    # Bound on any POST: unticking every box is a valid answer (no links), not "no form".
    form = forms.IncidentLinksForm(request.POST if request.method == "POST" else None, initial={
        "hazards": list(incident.hazards.values_list("pk", flat=True)),
        "inspections": list(incident.inspections.values_list("pk", flat=True))})
    form.set_candidates(*selectors.link_candidates(
        request.user, incident.institution, domain=incident.domain, incident=incident))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.link_incident(actor=request.user,  # type: ignore[arg-type]
                                   incident=incident, hazards=list(data["hazards"]),
                                   inspections=list(data["inspections"]))
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        except PermissionDenied as exc:
            messages.error(request, _error_text(exc) or "您没有执行此操作的权限")
            return redirect("safety:incident_detail", pk=incident.pk)
        else:
            messages.success(request, f"已保存关联：隐患 {len(data['hazards'])} 条，"
                                      f"检查 {len(data['inspections'])} 次")
            return redirect("safety:incident_detail", pk=incident.pk)
    return render(request, "safety/incident_links.html", {"incident": incident, "form": form})


@safety_page
def schedule_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """生成检查: expand a schedule into inspections for a period; dates already planned are
    skipped, so planning again adds nothing twice. School admins and bureaus over it."""
    plan = _managed(request.user, get_object_or_404(
        selectors.schedules_for(request.user).select_related("institution__region"), pk=pk))
    today = timezone.localdate()
    start = max(plan.start, today) if today <= plan.end else plan.start
    form = forms.PlanForm(request.POST or None, initial={"start": start, "end": plan.end})
    if request.method == "POST" and form.is_valid():
        try:
            made = services.plan_inspections(actor=request.user,  # type: ignore[arg-type]
                                             plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已生成检查 {made} 次（{plan}）" if made else
                             f"该期间的检查均已生成，没有新增（{plan}）")
            return redirect("safety:schedules")
    planned = plan.inspections.aggregate(n=Count("id"), first=Min("due_date"),
                                         last=Max("due_date"))
    return render(request, "safety/schedule_plan.html", {
        "plan": plan, "form": form, "planned": planned})
