"""Campus safety routes, mounted by edugov.api under /api/v1/safety.

Thin over ``safety.selectors`` (every read scoped: out of reach is 404) and
``safety.services`` (every write: one transaction, the shared workflow history, an audit
row). Lists use the project's pagination (ordered by pk) and errors the one error shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from edugov.core.api import ApiRequest
from edugov.core.pagination import Page, PageParams, given, paginate
from edugov.core.scoping import scope_of
from edugov.safety import selectors, services
from edugov.safety import workflow as wf
from edugov.safety.models import Hazard, Inspection
from edugov.workflow.definitions import WorkflowError

router = Router(tags=["校园安全"])

REGION_CODE = r"^\d{6}(\d{3}){0,2}$"
INSTITUTION_CODE = r"^\d{10}$"
HazardAction = Literal["assign", "dismiss", "accept", "submit", "verify", "return", "close",
                       "reopen"]
ListCode = Literal["responsibility", "inspection", "hazard", "rectification"]


# ---------------------------------------------------------------- schemas


class SchoolRef(Schema):
    code: str
    name: str


class HazardOut(Schema):
    id: int
    code: str | None
    institution: SchoolRef
    domain: str
    domain_label: str
    grade: str
    grade_label: str
    title: str
    source: str
    source_label: str
    state: str
    state_label: str
    reported_at: dt.datetime
    rectify_deadline: dt.datetime | None
    due_at: dt.datetime | None
    supervision_level: int
    supervision_level_label: str
    supervised: bool
    overdue: bool


class ActionOut(Schema):
    name: str
    label: str
    needs_reason: bool


class HazardDetail(HazardOut):
    description: str
    location: str
    reporter_contact: str = Field(description="举报人联系方式（已脱敏）")
    owner_name: str
    measures: str
    interim_controls: str
    submitted_at: dt.datetime | None
    closed_at: dt.datetime | None
    closed_on_time: bool | None
    rectification_days: float | None
    reopen_count: int
    inspection_id: int | None
    actions: list[ActionOut] = Field(description="当前用户此时可执行的操作")


class HistoryEntry(Schema):
    at: dt.datetime
    action: str
    from_label: str
    to_label: str
    actor: str
    reason: str
    evidence: str


class HistoryOut(Schema):
    hazard_id: int
    code: str | None
    institution: SchoolRef
    items: list[HistoryEntry]


class HazardActionIn(Schema):
    model_config = {"extra": "forbid"}

    action: HazardAction = Field(
        ..., description="assign 交办整改（需 owner_name、measures；重大隐患需 interim_controls），"
                         "dismiss 不予受理、return 退回整改、reopen 重新打开（需 reason），"
                         "accept 开始整改，submit 提交验收，verify 验收通过，close 销号")
    reason: str = Field("", max_length=500)
    evidence_note: str = Field("", max_length=500, description="整改情况说明（submit 时）")
    owner_name: str = Field("", max_length=64)
    measures: str = Field("", max_length=2000)
    grade: Literal["major", "significant", "general"] | None = None
    interim_controls: str = Field("", max_length=2000)


class HazardFilters(PageParams):
    state: str | None = Field(None, description="状态代码，或 open（未销号）")
    grade: Literal["major", "significant", "general"] | None = None
    domain: str | None = None
    institution: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    region: str | None = Field(None, pattern=REGION_CODE, description="行政区划代码（含下级）")
    overdue: bool = Field(False, description="仅整改期限已过且未销号的隐患")


class InspectionOut(Schema):
    id: int
    institution: SchoolRef
    template: str
    domain: str
    domain_label: str
    kind: str
    kind_label: str
    due_date: dt.date
    state: str
    state_label: str
    performed_at: dt.datetime | None


class ResultOut(Schema):
    item: str
    passed: bool
    reading: float | None
    reading_unit: str
    note: str
    hazard_id: int | None


class InspectionDetail(InspectionOut):
    note: str
    results: list[ResultOut]


class InspectionFilters(PageParams):
    state: Literal["planned", "missed", "completed"] | None = None
    domain: str | None = None
    institution: str | None = Field(None, pattern=INSTITUTION_CODE)
    region: str | None = Field(None, pattern=REGION_CODE)
    due_from: dt.date | None = None
    due_to: dt.date | None = None


class ListParams(PageParams):
    region: str | None = Field(None, pattern=REGION_CODE,
                               description="行政区划代码；缺省为本人管辖的最大区域")
    start: dt.date | None = Field(None, description="缺省为当年1月1日")
    end: dt.date | None = Field(None, description="缺省为今天")


class ListOut(Schema):
    code: str
    title: str
    region: str
    region_name: str
    start: dt.date
    end: dt.date
    headers: list[str]
    items: list[list[Any]]
    count: int
    page: int
    page_size: int


# ---------------------------------------------------------------- helpers


def in_region(prefix: str, code: str | None) -> Q:
    """Rows whose school's region is ``code`` or below it (paths contain every ancestor)."""
    return Q(**{f"{prefix}region__path__contains": f"/{code}/"}) if code else Q()


def school(hazard_or_inspection: Hazard | Inspection) -> dict[str, str]:
    institution = hazard_or_inspection.institution
    return {"code": institution.code, "name": institution.name}


def hazard_out(hazard: Hazard, now: dt.datetime) -> dict[str, Any]:
    deadline = hazard.rectify_deadline
    return {
        "id": hazard.pk, "code": hazard.code, "institution": school(hazard),
        "domain": hazard.domain, "domain_label": hazard.get_domain_display(),
        "grade": hazard.grade, "grade_label": hazard.get_grade_display(),
        "title": hazard.title, "source": hazard.source,
        "source_label": hazard.get_source_display(), "state": hazard.state,
        "state_label": hazard.state_label, "reported_at": hazard.reported_at,
        "rectify_deadline": deadline, "due_at": hazard.due_at,
        "supervision_level": hazard.supervision_level,
        "supervision_level_label": hazard.get_supervision_level_display(),
        "supervised": hazard.supervised,
        "overdue": deadline is not None and deadline < now and hazard.state in wf.OPEN_STATES,
    }


def available_actions(user: Any, hazard: Hazard) -> list[dict[str, Any]]:
    scope = scope_of(user)
    roles = None if scope.everything else scope.roles
    return [{"name": t.name, "label": t.label, "needs_reason": t.needs_reason}
            for t in wf.HAZARD.available(hazard.state, roles)
            if not t.name.startswith(wf.ESCALATE_PREFIX)]


def hazard_detail_out(user: Any, hazard: Hazard) -> dict[str, Any]:
    return {
        **hazard_out(hazard, timezone.now()), "description": hazard.description,
        "location": hazard.location, "reporter_contact": hazard.masked_contact,
        "owner_name": hazard.owner_name, "measures": hazard.measures,
        "interim_controls": hazard.interim_controls, "submitted_at": hazard.submitted_at,
        "closed_at": hazard.closed_at, "closed_on_time": hazard.closed_on_time,
        "rectification_days": hazard.rectification_days, "reopen_count": hazard.reopen_count,
        "inspection_id": hazard.inspection_id, "actions": available_actions(user, hazard),
    }


def ensure_role_may(user: Any, action: str) -> None:
    """403 when none of the caller's roles may ever take ``action`` (a teacher assigning);
    a wrong state or a missing reason is the request's problem (422, from the service)."""
    scope = scope_of(user)
    allowed = wf.HAZARD.transition(action).roles
    if not scope.everything and allowed and not (allowed & scope.roles):
        raise PermissionDenied(f"您的角色不能执行“{wf.HAZARD.transition(action).label}”")


def inspection_out(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.pk, "institution": school(inspection),
        "template": str(inspection.template), "domain": inspection.domain,
        "domain_label": inspection.get_domain_display(), "kind": inspection.kind,
        "kind_label": inspection.get_kind_display(), "due_date": inspection.due_date,
        "state": inspection.state, "state_label": inspection.state_label,
        "performed_at": inspection.performed_at,
    }


# ---------------------------------------------------------------- hazards


@router.get("/hazards", response=Page[HazardOut], summary="隐患列表")
def list_hazards(request: ApiRequest, filters: Query[HazardFilters]) -> dict[str, Any]:
    now = timezone.now()
    hazards = selectors.filter_hazards(
        selectors.hazards_for(request.auth), state=filters.state or "",
        grade=filters.grade or "", domain=filters.domain or "",
        institution=filters.institution or "", overdue=filters.overdue, now=now,
    ).filter(in_region("institution__", filters.region))
    page = paginate(hazards, filters)
    page["items"] = [hazard_out(h, now) for h in page["items"]]
    return page


@router.get("/hazards/{int:hazard_id}", response=HazardDetail, summary="隐患详情")
def get_hazard(request: ApiRequest, hazard_id: int) -> Any:
    hazard = get_object_or_404(selectors.hazards_for(request.auth), pk=hazard_id)
    return hazard_detail_out(request.auth, hazard)


@router.get("/hazards/{int:hazard_id}/history", response=HistoryOut,
            summary="隐患办理记录（流程历史）")
def get_hazard_history(request: ApiRequest, hazard_id: int) -> Any:
    hazard = get_object_or_404(selectors.hazards_for(request.auth), pk=hazard_id)
    return {"hazard_id": hazard.pk, "code": hazard.code, "institution": school(hazard),
            "items": selectors.labelled_history(hazard)}


@router.post("/hazards/{int:hazard_id}/actions", response=HazardDetail,
             summary="隐患办理：交办、整改、验收、销号、退回、重新打开、不予受理",
             description="经共享流程服务执行，写入办理记录和审计日志。角色不允许的操作为 403；"
                         "当前状态不允许或缺少理由等为 422。")
def act_on_hazard(request: ApiRequest, hazard_id: int, payload: HazardActionIn) -> Any:
    user = request.auth
    hazard = get_object_or_404(selectors.hazards_for(user), pk=hazard_id)
    ensure_role_may(user, payload.action)
    try:
        if payload.action == "assign":
            services.assign_hazard(actor=user, hazard=hazard, owner=None,
                                   owner_name=payload.owner_name, measures=payload.measures,
                                   grade=payload.grade, interim_controls=payload.interim_controls)
        else:
            evidence = {"note": payload.evidence_note} if payload.evidence_note else None
            services.act_on_hazard(actor=user, hazard=hazard, transition=payload.action,
                                   reason=payload.reason, evidence=evidence)
    except WorkflowError as exc:
        raise ValidationError({"action": str(exc)}) from exc
    hazard.refresh_from_db()
    return hazard_detail_out(user, hazard)


# ---------------------------------------------------------------- inspections


@router.get("/inspections", response=Page[InspectionOut], summary="安全检查列表")
def list_inspections(request: ApiRequest, filters: Query[InspectionFilters]) -> dict[str, Any]:
    found = selectors.inspections_for(request.auth).filter(
        in_region("institution__", filters.region))
    lookups = {"state": filters.state, "domain": filters.domain,
               "institution__code": filters.institution, "due_date__gte": filters.due_from,
               "due_date__lte": filters.due_to}
    found = found.filter(**given(lookups))
    return paginate(found, filters, out=inspection_out)


@router.get("/inspections/{int:inspection_id}", response=InspectionDetail,
            summary="安全检查详情（逐项结果）")
def get_inspection(request: ApiRequest, inspection_id: int) -> Any:
    inspection = get_object_or_404(selectors.inspections_for(request.auth), pk=inspection_id)
    results = inspection.results.select_related("item", "hazard").order_by("item__order")
    return {**inspection_out(inspection), "note": inspection.note, "results": [
        {"item": r.item.text, "passed": r.passed, "reading": r.reading,
         "reading_unit": r.item.reading_unit, "note": r.note,
         "hazard_id": getattr(getattr(r, "hazard", None), "pk", None)} for r in results]}


# ---------------------------------------------------------------- the four lists


@router.get("/lists/{code}", response=ListOut, summary="四个清单（责任、排查、隐患、整改）",
            description="与导出的 Excel 同列；region 为须在管辖范围内的区域（否则 404）。")
def get_list(request: ApiRequest, code: ListCode, params: Query[ListParams]) -> Any:
    user = request.auth
    region = (selectors.region_for(user, params.region) if params.region
              else selectors.default_region(user))
    if region is None:
        raise Http404("您没有可查看的区域")
    today = timezone.localdate()
    period = selectors.Period(params.start or dt.date(today.year, 1, 1), params.end or today)
    if period.end < period.start:
        raise ValidationError({"end": "结束日期不能早于开始日期"})
    headers, rows = selectors.build_list(user, code, region, period)
    offset = (params.page - 1) * params.page_size
    return {"code": code, "title": selectors.LIST_TITLES[code], "region": region.code,
            "region_name": region.name, "start": period.start, "end": period.end,
            "headers": headers, "items": [list(r) for r in rows[offset:offset + params.page_size]],
            "count": len(rows), "page": params.page, "page_size": params.page_size}
