"""The data center's pages (/metrics/): dashboards with drill-down, charts, the 优质均衡
check, adding an indicator, and .xlsx exports of every table (``?export=xlsx``).

Pages read through metrics.dashboards / selectors (scoped: out of jurisdiction is 404);
registry roles see them, parents and tutoring operators get 403. Reads keep the snapshot
fresh (tasks.keep_fresh); every figure shows when it was computed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edugov.core.models import User
from edugov.core.roles import REGION_ROLES, REGISTRY_ROLES
from edugov.core.scoping import scope_of
from edugov.metrics import charts, dashboards, selectors, services, tasks
from edugov.metrics.equity_check import county_equity
from edugov.metrics.exports import XLSX_CONTENT_TYPE, Cell, Table, tables_xlsx
from edugov.metrics.forms import IndicatorForm
from edugov.metrics.rules.equity import RESOURCE_INDICATORS, threshold
from edugov.registry.models import AcademicYear, Region

View = Callable[..., HttpResponse]


def metrics_page(view: View) -> View:
    """Signed in, a registry role, and anything out of jurisdiction answers 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_of(request.user).has_role(*REGISTRY_ROLES):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            raise Http404(_("对象不存在，或不在您的管辖范围内")) from exc

    return wrapped


def signed_in(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # metrics_page let only signed-in users in
    return request.user


def bureau_only(request: HttpRequest) -> None:
    if not scope_of(request.user).has_role(*REGION_ROLES):
        raise PermissionDenied


def chosen_year(request: HttpRequest) -> int:
    """?year=, else the current academic year, else this calendar year."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    current = AcademicYear.objects.filter(is_current=True).first()
    return current.start_year if current else timezone.localdate().year


def respond(request: HttpRequest, template: str, title: str, tables: list[Table],
            context: dict[str, Any]) -> HttpResponse:
    """The page, or with ?export=xlsx its tables as a workbook."""
    if request.GET.get("export") == "xlsx":
        response = HttpResponse(tables_xlsx(title, tables), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{_quote(title)}.xlsx")
        return response
    query = request.GET.copy()
    query["export"] = "xlsx"
    return render(request, template, {**context, "title": title, "tables": tables,
                                      "export_url": f"?{query.urlencode()}"})


def _quote(text: str) -> str:
    return quote(text)


# -- home -------------------------------------------------------------------------------


@metrics_page
def home(request: HttpRequest) -> HttpResponse:
    """Straight to the user's own region (or school)."""
    scope = scope_of(request.user)
    year = chosen_year(request)
    if scope.everything:
        top = Region.objects.filter(parent__isnull=True).order_by("code").first()
        if top is not None:
            return redirect(reverse("metrics:region", args=[top.code]) + f"?year={year}")
    if scope.region_paths:
        code = scope.region_paths[0].strip("/").split("/")[-1]
        return redirect(reverse("metrics:region", args=[code]) + f"?year={year}")
    school = selectors.institutions_for(request.user).order_by("code").first()
    if school is None:
        raise Http404(_("没有可查看的数据"))
    return redirect(reverse("metrics:school", args=[school.code]) + f"?year={year}")


# -- boards -----------------------------------------------------------------------------


def indicator_table(title: str, rows: list[dashboards.Row], link: Callable[[Any], str],
                    computed_at: Any) -> Table:
    table = Table(title, [_("指标"), _("数值"), _("目标"), _("完成率"), _("较上年"),
                          _("排名"), _("连续第一"), _("计算时间")], computed_at=computed_at)
    for row in rows:
        stamp = "—" if row.computed_at is None else \
            f"{timezone.localtime(row.computed_at):%Y-%m-%d %H:%M}"
        table.rows.append([
            Cell(row.indicator.name, url=link(row.indicator)),
            Cell(row.value_text, row.value, css="num"),
            Cell(row.target_text, row.target, css="num"),
            Cell(row.completion_text, None if row.completion is None else
                 round(row.completion * 100, 1), css="num"),
            Cell(row.change_text, row.change, css="num"),
            Cell(f"{row.rank}/{row.peers}" if row.rank else "—", row.rank, css="num"),
            Cell(f"{row.streak}年" if row.streak > 1 else "—", row.streak, css="num"),
            Cell(stamp, css="nowrap"),
        ])
    return table


@metrics_page
def region(request: HttpRequest, code: str) -> HttpResponse:
    year = chosen_year(request)
    tasks.keep_fresh(year)
    board = dashboards.region_board(request.user, code=code, year=year)
    suffix = f"?year={year}"
    tables = [indicator_table(
        _("指标一览"), board.rows,
        lambda ind: reverse("metrics:region_indicator", args=[code, ind.code]) + suffix,
        board.computed_at)]
    if board.children:
        tables.append(Table(_("下级区域"), [_("行政区划代码"), _("名称")], [
            [Cell(r.code), Cell(r.name, url=reverse("metrics:region", args=[r.code]) + suffix)]
            for r in board.children], computed_at=board.computed_at))
    if board.schools:
        tables.append(Table(_("学校"), [_("学校标识码"), _("名称")], [
            [Cell(s.code), Cell(s.name, url=reverse("metrics:school", args=[s.code]) + suffix)]
            for s in board.schools], computed_at=board.computed_at))
    title = f"{board.region.name} {year}学年 数据中心"
    parent = selectors.regions_for(request.user).filter(
        pk=board.region.parent_id or 0).first()
    return respond(request, "metrics/region.html", title, tables, {
        "board": board, "year": year, "is_county": board.region.level == "county",
        "parent": parent,
        "can_edit": scope_of(request.user).has_role(*REGION_ROLES)})


@metrics_page
def school(request: HttpRequest, code: str) -> HttpResponse:
    year = chosen_year(request)
    tasks.keep_fresh(year)
    board = dashboards.school_board(request.user, code=code, year=year)
    tables = [indicator_table(_("指标一览（排名：本县同类学校）"), board.rows,
                              lambda ind: "", board.computed_at)]
    title = f"{board.school.name} {year}学年 数据中心"
    return respond(request, "metrics/school.html", title, tables,
                   {"board": board, "year": year})


def ranking_chart(title: str, rows: list[tuple[str, str, float | None, int | None]],
                  indicator: Any, *, highlight: str = "", target: float | None = None,
                  ) -> charts.BarChart:
    return charts.bar_chart(title, [(name, value, dashboards.show(indicator, value), rank)
                                    for _code, name, value, rank in rows],
                            highlight=highlight, target=target)


@metrics_page
def region_indicator(request: HttpRequest, code: str, indicator: str) -> HttpResponse:
    year = chosen_year(request)
    tasks.keep_fresh(year)
    board = dashboards.indicator_board(request.user, code=code, indicator_code=indicator,
                                       year=year)
    ind, suffix = board.indicator, f"?year={year}"
    children = [(c, n, v, r) for c, n, v, r, _k in board.children]
    child_chart = ranking_chart(_("下级排名"), children, ind, target=board.row.target)
    sibling_chart = ranking_chart(
        _("同级排名"), [(r.code, r.name, r.value, r.rank) for r in board.siblings], ind,
        highlight=board.region.name) if board.siblings else None
    trend_chart = charts.line_chart(_("历年趋势"), [
        (f"{y}", v, dashboards.show(ind, v)) for y, v in board.trend])

    def child_url(child_code: str, kind: str) -> str:
        name = "metrics:region_indicator" if kind == "region" else "metrics:school"
        args = [child_code, ind.code] if kind == "region" else [child_code]
        return reverse(name, args=args) + suffix

    tables = [
        Table(_("下级排名"), [_("排名"), _("代码"), _("名称"), ind.name], [
            [Cell(str(r or "—"), r, css="num"), Cell(c),
             Cell(n, url=child_url(c, k)), Cell(dashboards.show(ind, v), v, css="num")]
            for c, n, v, r, k in board.children], computed_at=board.computed_at),
        Table(_("历年趋势"), [_("学年"), ind.name], [
            [Cell(str(y), y), Cell(dashboards.show(ind, v), v, css="num")]
            for y, v in board.trend], computed_at=board.computed_at),
    ]
    cv, schools = selectors.school_spread(ind, board.region, year)
    tables.append(Table(_("校际差异系数（按在校生数加权）"), [_("学校数"), _("差异系数")], [
        [Cell(str(schools), schools, css="num"),
         Cell("—" if cv is None else f"{cv:.3f}", cv, css="num")]],
        computed_at=board.computed_at))
    if board.siblings:
        tables.insert(1, Table(_("同级排名"), [_("排名"), _("代码"), _("名称"), ind.name], [
            [Cell(str(r.rank or "—"), r.rank, css="num"), Cell(r.code), Cell(r.name),
             Cell(dashboards.show(ind, r.value), r.value, css="num")]
            for r in board.siblings], computed_at=board.computed_at))
    title = f"{board.region.name} {ind.name} {year}学年"
    return respond(request, "metrics/indicator.html", title, tables, {
        "board": board, "year": year, "row": board.row, "child_chart": child_chart,
        "sibling_chart": sibling_chart, "trend_chart": trend_chart})


# -- 优质均衡 ---------------------------------------------------------------------------

LEVEL_NAMES = {"primary": "小学", "junior": "初中"}


def equity_tables(check: Any, now: Any) -> list[Table]:
    tables = []
    for level, verdict in check.verdicts.items():
        level_name = LEVEL_NAMES.get(level, level)
        cv = Table(f"{level_name}校际差异系数", [_("指标"), _("差异系数"), _("标准"), _("结论")],
                   computed_at=now)
        for code, (name, _p, _j) in RESOURCE_INDICATORS.items():
            value = verdict.cv.get(code)
            limit = 0.50 if level == "primary" else 0.45
            cv.rows.append([Cell(name), Cell("—" if value is None else f"{value:.3f}", value,
                                             css="num"),
                            Cell(f"≤{limit:.2f}", limit, css="num"),
                            Cell(_("未达标") if code in verdict.cv_failed else _("达标"),
                                 css="alert" if code in verdict.cv_failed else "ok")])
        tables.append(cv)
        failing = Table(f"{level_name}未达标学校", [_("学校标识码"), _("学校"), _("未达标指标"),
                                                  _("实际值"), _("标准值"), _("达到标准的"),
                                                  _("差距")], computed_at=now)
        for school in verdict.failing_schools:
            for code, share in school.failed.items():
                limit = threshold(code, level)
                failing.rows.append([
                    Cell(school.school), Cell(school.name), Cell(RESOURCE_INDICATORS[code][0]),
                    Cell(f"{share * limit:,.2f}", round(share * limit, 2), css="num"),
                    Cell(f"{limit:,.2f}", limit, css="num"),
                    Cell(f"{share * 100:.0f}%", round(share * 100, 1), css="num"),
                    Cell(f"{(1 - share) * limit:,.2f}", round((1 - share) * limit, 2),
                         css="num")])
        failing.note = f"共{len(verdict.failing_schools)}所学校未达标（至少6项达标且其余不低于85%）"
        tables.append(failing)
    return tables


@metrics_page
def equity(request: HttpRequest, code: str) -> HttpResponse:
    year = chosen_year(request)
    check = county_equity(request.user, county_code=code, year=year)
    now = timezone.now()
    title = f"{check.county.name} {year}学年 义务教育优质均衡资源配置校验"
    return respond(request, "metrics/equity.html", title, equity_tables(check, now),
                   {"check": check, "year": year, "computed_at": now})


# -- adding an indicator and recomputing --------------------------------------------------


@metrics_page
def indicator_new(request: HttpRequest) -> HttpResponse:
    """A bureau defines an indicator by formula; a bad formula is refused with where and
    why; a good one is stored, computed at once, and its page shown."""
    bureau_only(request)
    year = chosen_year(request)
    form = IndicatorForm(request.POST or None)
    formula_error = None
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.save_indicator(actor=signed_in(request),
                                                **form.service_fields())
        except ValidationError as exc:
            formula_error = form.take_errors(exc)
        else:
            services.compute_and_store(actor=signed_in(request), year=year)
            code = home_region_code(request)
            if code:
                return redirect(reverse("metrics:region_indicator", args=[code, indicator.code])
                                + f"?year={year}")
            return redirect("metrics:home")
    return render(request, "metrics/indicator_form.html",
                  {"form": form, "formula_error": formula_error, "year": year,
                   "measures": form.measure_help()})


def home_region_code(request: HttpRequest) -> str:
    scope = scope_of(request.user)
    if scope.region_paths:
        return scope.region_paths[0].strip("/").split("/")[-1]
    top = Region.objects.filter(parent__isnull=True).order_by("code").first()
    return top.code if top else ""


@require_POST
@metrics_page
def recompute(request: HttpRequest) -> HttpResponse:
    """Recompute now (bureaus): enqueued, so a slow catalog never holds the request."""
    bureau_only(request)
    raw = request.POST.get("year", "")
    year = int(raw) if raw.isdigit() else chosen_year(request)
    # Debounced: pressing twice, or during an automatic refresh, computes once.
    if tasks.schedule_recompute(year):
        messages.success(request, _("已安排重新计算，稍后刷新即可看到新的计算时间"))
    else:
        messages.info(request, _("重新计算已在进行中"))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("metrics:home")
    return redirect(target)
