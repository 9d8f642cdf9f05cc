"""Health pages: the school PE office (imports, results, follow-up queue), the bureau
dashboard (rankings and trends), a student's report card, the parent letter, and the
parent's view of their children.

Objects come from ``health.selectors`` (scoped: anything out of reach is 404); writes go
through ``health.services``. 学籍号 are shown masked.

An upload with bad rows leaves its error workbook (the imports app's: bad rows only, bad
cells red with the reason as a comment) in the default storage under a random name that
only the uploading session knows; files older than a session's lifetime are removed.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from edugov.core.roles import REGISTRY_ROLES, Role
from edugov.core.scoping import scope_of
from edugov.health import selectors, services
from edugov.health.models import FitnessLevel
from edugov.health.rules.rates import LABELS, rank
from edugov.imports.reading import SUFFIXES, UnusableInput
from edugov.registry.models import AcademicYear, Student
from edugov.registry.selectors import current_year, institutions_for
from edugov.workflow.definitions import WorkflowError

#: Years a dashboard shows as a trend.
TREND_YEARS = 3
SHOWN_ERRORS = 200
#: Error workbooks of web uploads: where they are kept, and how many per session.
ERROR_DIR = "health/errors"
ERROR_SESSION_KEY = "health_error_workbooks"
ERRORS_PER_SESSION = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {"fitness": "体质健康测试成绩", "vision": "视力筛查记录", "retest": "体质健康补测成绩"}


def require_registry_role(request: HttpRequest) -> None:
    if not scope_of(request.user).has_role(*REGISTRY_ROLES):
        raise PermissionDenied("您的角色不能查看学生健康数据")


def chosen_year(request: HttpRequest) -> AcademicYear:
    wanted = request.GET.get("year") or request.POST.get("year")
    year = (AcademicYear.objects.filter(start_year=int(wanted)).first()
            if wanted and wanted.isdigit() else current_year())
    if year is None:
        raise Http404("尚未设置学年")
    return year


@login_required
def office(request: HttpRequest) -> HttpResponse:
    """体育办公室: upload the year's files, see what was imported, open the queue."""
    require_registry_role(request)
    year = chosen_year(request)
    schools = institutions_for(request.user).order_by("code")[:500]
    context: dict[str, Any] = {"year": year, "years": AcademicYear.objects.all(),
                               "schools": schools}
    if request.method == "POST":
        context["report"], context["error_workbook"] = _upload(request, year)
    results = selectors.results_for(request.user).filter(academic_year=year)
    context["summary"] = _table(selectors.fitness_summary(
        request.user, years=[year.start_year], by=["school"]))
    context["vision"] = _table(selectors.vision_summary(
        request.user, years=[year.start_year], by=["school"]))
    context["weak"] = selectors.weak_points(results)
    context["open_follow_ups"] = selectors.follow_ups_for(request.user).exclude(
        state="closed").count()
    return render(request, "health/office.html", context)


Uploaded = tuple[services.HealthImport | None, str | None]


def _upload(request: HttpRequest, year: AcademicYear) -> Uploaded:
    """Run the chosen import on the uploaded file: its report, and the token of its error
    workbook when rows were bad."""
    upload = request.FILES.get("file")
    kind = request.POST.get("kind")
    school = institutions_for(request.user).filter(pk=request.POST.get("school") or 0).first()
    if upload is None or kind not in ("fitness", "vision") or school is None:
        messages.error(request, "请选择学校、数据类型和文件")
        return None, None
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in SUFFIXES:
        messages.error(request, "仅支持 .xlsx、.xls 或 .csv 文件")
        return None, None
    retest = kind == "fitness" and bool(request.POST.get("retest"))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"upload{suffix}"
        with open(path, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        errors_out = Path(directory) / "errors.xlsx"
        options: dict[str, Any] = {
            "actor": request.user, "path": path, "school": school, "year": year,
            "skip_invalid": bool(request.POST.get("skip_invalid")),
            "dry_run": bool(request.POST.get("dry_run")), "errors_out": errors_out}
        try:
            report = (services.import_fitness(**options, retest=retest) if kind == "fitness"
                      else services.import_vision(**options))
        except UnusableInput as error:
            messages.error(request, error.message)
            return None, None
        except PermissionDenied as error:
            messages.error(request, str(error))
            return None, None
        token = (_keep_error_workbook(request, errors_out, KINDS["retest" if retest else kind])
                 if report.errors else None)
    what = "补测成绩" if retest else ""
    if report.written:
        messages.success(request, f"已导入{what}{report.written}人"
                         + (f"，新建跟进{report.follow_ups}项" if report.follow_ups else ""))
    elif report.errors:
        messages.error(request, f"{report.refused_rows}行数据有误，未写入任何数据")
    else:
        messages.info(request, "校验通过（仅校验，未写入）")
    return report, token


def _keep_error_workbook(request: HttpRequest, workbook: Path, label: str) -> str:
    """Store ``workbook`` for the uploading session to download; the token naming it."""
    _remove_stale_error_workbooks()
    token = uuid.uuid4().hex
    with open(workbook, "rb") as handle:
        name = default_storage.save(f"{ERROR_DIR}/{token}.xlsx", File(handle))
    kept: dict[str, dict[str, str]] = dict(request.session.get(ERROR_SESSION_KEY, {}))
    kept[token] = {"name": name, "filename": f"{label}导入错误行.xlsx"}
    for old in list(kept)[:-ERRORS_PER_SESSION]:
        default_storage.delete(kept.pop(old)["name"])
    request.session[ERROR_SESSION_KEY] = kept
    return token


def _remove_stale_error_workbooks() -> None:
    """Workbooks of sessions that have ended: nobody can download them any more."""
    if not default_storage.exists(ERROR_DIR):
        return
    cutoff = timezone.now() - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    for name in default_storage.listdir(ERROR_DIR)[1]:
        path = f"{ERROR_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)


@login_required
def error_workbook(request: HttpRequest, token: str) -> FileResponse:
    """The error workbook of an upload made in this session (anyone else's: 404)."""
    require_registry_role(request)
    entry = request.session.get(ERROR_SESSION_KEY, {}).get(token)
    if entry is None or not default_storage.exists(entry["name"]):
        raise Http404("错误行文件不存在或已过期，请重新上传")
    return FileResponse(default_storage.open(entry["name"], "rb"), as_attachment=True,
                        content_type=XLSX, filename=entry["filename"])


def _table(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict("records")


@login_required
def results(request: HttpRequest) -> HttpResponse:
    require_registry_role(request)
    year = chosen_year(request)
    rows = selectors.results_for(request.user).filter(academic_year=year).order_by(
        "institution__code", "grade", "school_class__number", "student__name")
    level = request.GET.get("level")
    if level:
        rows = rows.filter(level=level)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "health/results.html", {"page": page, "year": year,
                                                   "level": level,
                                                   "levels": FitnessLevel.choices})


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    require_registry_role(request)
    items = selectors.follow_ups_for(request.user)
    state = request.GET.get("state", "open")
    items = items.exclude(state="closed") if state == "open" else items.filter(state=state) \
        if state else items
    page = Paginator(items.order_by("due_at", "id"), 50).get_page(request.GET.get("page"))
    roles = scope_of(request.user).roles
    actions = {item.pk: item.workflow.available(item.state, roles) for item in page}
    return render(request, "health/follow_ups.html", {"page": page, "actions": actions,
                                                      "state": state})


@require_POST
@login_required
def follow_up_move(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.follow_ups_for(request.user), pk=pk)
    try:
        services.move_follow_up(actor=request.user,  # type: ignore[arg-type]
                                item=item, transition=request.POST.get("transition", ""),
                                reason=request.POST.get("reason", ""))
    except WorkflowError as error:
        messages.error(request, str(error))
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
    messages.success(request, f"{item.student.name}：{item.state_label}")
    return redirect("health:follow_ups")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Rankings of the units one level down (counties for the city, schools for a county)
    on this year's rates, with the previous years alongside as the trend."""
    require_registry_role(request)
    year = chosen_year(request)
    years = list(range(year.start_year - TREND_YEARS + 1, year.start_year + 1))
    scope = scope_of(request.user)
    by_county = scope.everything or (Role.CITY_BUREAU.value in scope.roles)
    unit = "county" if by_county else "school"
    fitness = selectors.fitness_summary(request.user, years=years, by=["year", unit])
    vision = selectors.vision_summary(request.user, years=years, by=["year", unit])
    context = {
        "year": year, "years": years,
        "unit_label": gettext("县（区）") if by_county else gettext("学校"),
        "fitness": _ranked(fitness, unit, year.start_year, years, "pass_rate",
                           ["test_rate", "pass_rate", "good_rate", "excellent_rate",
                            "mean_total"], higher_is_better=True),
        "vision": _ranked(vision, unit, year.start_year, years, "myopia_rate",
                          ["myopia_rate", "high_myopia_rate", "new_myopia_rate",
                           "low_vision_rate"], higher_is_better=False),
        "fitness_by_grade": _table(selectors.fitness_summary(
            request.user, years=[year.start_year], by=["grade", "sex"])),
        "vision_by_grade": _table(selectors.vision_summary(
            request.user, years=[year.start_year], by=["grade"])),
        "labels": LABELS,
    }
    return render(request, "health/dashboard.html", context)


def _ranked(frame: pd.DataFrame, unit: str, year: int, years: list[int], key: str,
            columns: list[str], *, higher_is_better: bool) -> list[dict[str, Any]]:
    """This year's rows ranked on ``key``, each with ``key`` for every trend year."""
    if frame.empty:
        return []
    current = frame[frame["year"] == year].copy()
    current["rank"] = rank(current, key, higher_is_better=higher_is_better)
    trend = frame.pivot_table(index=unit, columns="year", values=key, aggfunc="first")
    rows = []
    for record in current.sort_values(["rank", unit], na_position="last").to_dict("records"):
        rows.append({"unit": record[unit], "rank": record["rank"],
                     "values": [record.get(c) for c in columns],
                     "trend": [trend.loc[record[unit]].get(y) if record[unit] in trend.index
                               else None for y in years]})
    return rows


@login_required
def student_report(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        student = selectors.student_for(request.user, pk)
    except Student.DoesNotExist:
        raise Http404 from None
    card = selectors.report_card(student)
    return render(request, "health/report.html", {"card": card})


@login_required
def parent_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """致家长的一封信: printable, only when follow-up is advised."""
    try:
        student = selectors.student_for(request.user, pk)
    except Student.DoesNotExist:
        raise Http404 from None
    card = selectors.report_card(student)
    if not card.advice_needed:
        raise Http404("该生本学年无需告知家长的健康情况")
    return render(request, "health/letter.html", {"card": card})


@login_required
def my_children(request: HttpRequest) -> HttpResponse:
    cards = [selectors.report_card(child) for child in selectors.children_of(request.user)]
    return render(request, "health/my_children.html", {"cards": cards})
