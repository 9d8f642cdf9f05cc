"""Campus safety pages: hazards, inspections (phone-sized), the four lists, the county
overview, notifications and the public report form.

Objects come from ``safety.selectors`` (scoped: out of reach is 404); writes go through
``safety.services``, whose Chinese messages are shown as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from edugov.core.scoping import scope_of
from edugov.registry.models import Region
from edugov.safety import exports, forms, selectors, services
from edugov.safety import workflow as wf
from edugov.safety.choices import Domain, Grade
from edugov.safety.rules import indicators
from edugov.web.pagination import paginate
from edugov.workflow.definitions import WorkflowError
from edugov.workflow.selectors import history_of

FILTERS = ("state", "grade", "domain", "overdue", "school")


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


@login_required
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


@login_required
def hazard_list(request: HttpRequest) -> HttpResponse:
    hazards = selectors.filter_hazards(
        selectors.hazards_for(request.user), state=request.GET.get("state", ""),
        grade=request.GET.get("grade", ""), domain=request.GET.get("domain", ""),
        overdue=request.GET.get("overdue") == "1", institution=request.GET.get("school", ""))
    page = paginate(request, hazards.order_by("-reported_at", "-id"))
    query = "".join(f"{k}={request.GET[k]}&" for k in FILTERS if request.GET.get(k))
    return render(request, "safety/hazard_list.html", {
        "page": page, "query": query, "now": timezone.now(),
        "states": [(s, wf.HAZARD.label(s)) for s in wf.HAZARD.states],
        "grades": Grade.choices, "domains": Domain.choices, "current": request.GET,
    })


@login_required
def hazard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = get_object_or_404(selectors.hazards_for(request.user), pk=pk)
    scope = scope_of(request.user)
    roles = None if scope.everything else scope.roles
    actions = [t for t in wf.HAZARD.available(hazard.state, roles)
               if t.name != "assign" and not t.name.startswith(wf.ESCALATE_PREFIX)]
    can_assign = bool([t for t in wf.HAZARD.available(hazard.state, roles) if t.name == "assign"])
    return render(request, "safety/hazard_detail.html", {
        "hazard": hazard, "history": history_of(hazard), "actions": actions,
        "assign_form": forms.AssignForm(initial={"grade": hazard.grade}) if can_assign else None,
    })


@require_POST
@login_required
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
@login_required
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


@login_required
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


@login_required
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


@login_required
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


@login_required
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


@login_required
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


@login_required
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


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        services.mark_read(actor=request.user, notification_ids=ids)  # type: ignore[arg-type]
        return redirect("safety:notifications")
    page = paginate(request, selectors.notifications_for(request.user))
    return render(request, "safety/notifications.html", {"page": page, "query": ""})


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR, not X-Forwarded-For: a client can forge the header; behind a proxy the
    # proxy must set REMOTE_ADDR (gunicorn --forwarded-allow-ips) for limits to be per person.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _over_limit(request: HttpRequest) -> bool:
    """Count this post against its IP: at most N reports an hour (settings, default 5)."""
    limit = int(getattr(settings, "EDUGOV_SAFETY_REPORT_LIMIT", 5))
    key = f"safety:report:{_client_ip(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit


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


