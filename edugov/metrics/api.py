"""Data center routes, mounted at /api/v1/metrics: thin over selectors and services.

Scoping is the selectors' (core.scoping.visible_to): a region or school outside the
caller's jurisdiction answers 404. Rankings of sibling regions are the one published
exception (see metrics.selectors). Writes go through metrics.services: a role that may
not write answers 403, a refused workflow step (wrong state, missing reason) 422.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from edugov.core.pagination import Page, PageParams, paginate
from edugov.core.roles import REGION_ROLES
from edugov.metrics import selectors, services
from edugov.metrics.equity_check import county_equity
from edugov.metrics.models import DataValue
from edugov.metrics.workflow import ENTERING
from edugov.workflow.definitions import WorkflowError

router = Router(tags=["数据中心"])


def caller(request: HttpRequest) -> Any:
    """The authenticated user: the API's auth sets ``auth``; a bare router test sets user."""
    return getattr(request, "auth", None) or request.user


class IndicatorOut(Schema):
    code: str
    name: str
    formula: str
    factor: float
    unit: str
    direction: str
    decimals: int
    levels: list[str]
    policy_source: str
    builtin: bool


class ValueFilters(PageParams):
    year: int = Field(..., description="学年起始年份")
    indicator: str | None = Field(None, description="指标代码")
    region: str | None = Field(None, description="行政区划代码（含下级）")


class ValueOut(Schema):
    indicator: str
    unit_type: str
    code: str
    name: str
    year: int
    value: float | None


class TargetFilters(PageParams):
    year: int | None = Field(None, description="学年起始年份")
    indicator: str | None = Field(None, description="指标代码")


class TargetOut(Schema):
    indicator: str
    region: str
    year: int
    value: float


class TargetIn(Schema):
    model_config = {"extra": "forbid"}

    indicator: str = Field(..., description="指标代码")
    region: str = Field(..., description="行政区划代码")
    year: int = Field(..., ge=2000, le=2100, description="学年起始年份")
    value: float


class DataValueFilters(PageParams):
    year: int | None = Field(None, description="学年起始年份")
    measure: str | None = Field(None, description="度量，如 places.added")
    state: Literal["draft", "submitted", "approved"] | None = Field(
        None, description="draft 填报中，submitted 待审核，approved 已审核（锁定）")


class DataValueOut(Schema):
    id: int
    measure: str
    unit_type: str
    code: str
    name: str
    year: int
    value: float
    note: str
    state: str
    state_label: str
    entered_at: dt.datetime


class DataValueIn(Schema):
    model_config = {"extra": "forbid"}

    measure: str = Field(..., description="汇总数据度量，如 places.added")
    year: int = Field(..., ge=2000, le=2100)
    value: float = Field(..., ge=0)
    region: str | None = Field(None, description="行政区划代码（与 institution 二选一）")
    institution: str | None = Field(None, description="学校标识码（与 region 二选一）")
    note: str = Field("", max_length=255)


class TransitionIn(Schema):
    model_config = {"extra": "forbid"}

    transition: Literal["submit", "approve", "return", "reopen"] = Field(
        ..., description="submit 提交审核，approve 审核通过并锁定，return 退回修改，"
                         "reopen 解锁更正（需理由；带 value 即同时更正数值）")
    reason: str = Field("", max_length=500)
    value: float | None = Field(None, ge=0, description="解锁更正后的新数值")


class AssessmentOut(Schema):
    indicator: str
    region: str
    year: int
    value: float | None
    target: float | None
    completion: float | None
    completion_text: str
    previous: float | None
    change: float | None
    change_unit: str
    rank: int | None
    peers: int
    streak: int


class RankedOut(Schema):
    code: str
    name: str
    value: float | None
    rank: int | None


class RankingOut(Schema):
    indicator: str
    year: int
    peers: int
    items: list[RankedOut]


class EquitySchoolOut(Schema):
    school: str
    name: str
    met: list[str]
    failed: dict[str, float]
    passed: bool


class EquityLevelOut(Schema):
    level: str
    passed: bool
    cv: dict[str, float | None]
    cv_failed: dict[str, float]
    schools: list[EquitySchoolOut]


class EquityOut(Schema):
    county: str
    year: int
    passed: bool
    levels: list[EquityLevelOut]


@router.get("/indicators", response=Page[IndicatorOut], summary="指标目录")
def list_indicators(request: HttpRequest, params: Query[PageParams]) -> Any:
    return paginate(selectors.indicators_for(caller(request)), params)


@router.get("/indicators/{code}", response=IndicatorOut, summary="指标详情")
def get_indicator(request: HttpRequest, code: str) -> Any:
    return selectors.indicator_for(caller(request), code)


@router.get("/values", response=Page[ValueOut], summary="指标值（最新计算快照）")
def list_values(request: HttpRequest, filters: Query[ValueFilters]) -> Any:
    qs = selectors.results_for(caller(request), year=filters.year)
    if filters.indicator:
        qs = qs.filter(indicator__code=filters.indicator)
    if filters.region:
        region = selectors.region_for(caller(request), filters.region)
        qs = qs.filter(region__path__startswith=region.path) | qs.filter(
            institution__region__path__startswith=region.path)
    page = paginate(qs, filters)
    page["items"] = [ValueOut(
        indicator=r.indicator.code, unit_type="region" if r.region_id else "institution",
        code=(r.region or r.institution).code, name=(r.region or r.institution).name,
        year=r.year, value=r.value) for r in page["items"]]
    return page


@router.get("/targets", response=Page[TargetOut], summary="目标值")
def list_targets(request: HttpRequest, filters: Query[TargetFilters]) -> Any:
    qs = selectors.targets_for(caller(request))
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.indicator:
        qs = qs.filter(indicator__code=filters.indicator)
    return paginate(qs, filters, out=target_out)


def target_out(target: Any) -> TargetOut:
    return TargetOut(indicator=target.indicator.code, region=target.region.code,
                     year=target.year, value=target.value)


@router.post("/targets", response=TargetOut, summary="设定目标值（市/县教育局，辖区内）")
def set_target(request: HttpRequest, payload: TargetIn) -> Any:
    user = caller(request)
    services.ensure_role(user, REGION_ROLES, "设定目标")
    target = services.set_target(
        actor=user, indicator=selectors.indicator_for(user, payload.indicator),
        region=selectors.region_for(user, payload.region), year=payload.year,
        value=payload.value)
    return target_out(target)


def data_value_out(item: DataValue) -> DataValueOut:
    unit = item.region or item.institution
    assert unit is not None
    return DataValueOut(
        id=item.pk, measure=item.measure, unit_type="region" if item.region_id else
        "institution", code=unit.code, name=unit.name, year=item.year,
        value=float(item.value), note=item.note, state=item.state,
        state_label=item.state_label, entered_at=item.entered_at)


@router.get("/data-values", response=Page[DataValueOut], summary="汇总数据（填报与审核）")
def list_data_values(request: HttpRequest, filters: Query[DataValueFilters]) -> Any:
    qs = selectors.data_values_for(caller(request)).select_related("region", "institution")
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.measure:
        qs = qs.filter(measure=filters.measure)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return paginate(qs, filters, out=data_value_out)


@router.post("/data-values", response=DataValueOut,
             summary="填报汇总数据（草稿；已提交或锁定的须走流程）")
def enter_data_value(request: HttpRequest, payload: DataValueIn) -> Any:
    user = caller(request)
    services.ensure_role(user, ENTERING, "填报汇总数据")
    if (payload.region is None) == (payload.institution is None):
        raise ValidationError("请指定 region（行政区划代码）或 institution（学校标识码）之一")
    region = selectors.region_for(user, payload.region) if payload.region else None
    institution = selectors.institutions_for(user).get(code=payload.institution) \
        if payload.institution else None
    item = services.enter_data_value(
        actor=user, measure=payload.measure, year=payload.year, value=payload.value,
        region=region, institution=institution, note=payload.note)
    return data_value_out(item)


@router.post("/data-values/{value_id}/transition", response=DataValueOut,
             summary="汇总数据流程：提交、审核锁定、退回、解锁更正")
def move_data_value(request: HttpRequest, value_id: int, payload: TransitionIn) -> Any:
    user = caller(request)
    item = selectors.data_values_for(user).select_related("region", "institution").get(
        pk=value_id)
    try:
        if payload.transition == "reopen" and payload.value is not None:
            item = services.correct_data_value(actor=user, item=item, value=payload.value,
                                               reason=payload.reason)
        else:
            item = services.move_data_value(actor=user, item=item,
                                            transition=payload.transition,
                                            reason=payload.reason)
    except WorkflowError as exc:
        raise ValidationError({"transition": str(exc)}) from exc
    return data_value_out(item)


@router.get("/assessments/{indicator}/{region}", response=AssessmentOut,
            summary="目标完成、同比变化、排名与连续第一")
def get_assessment(request: HttpRequest, indicator: str, region: str, year: int) -> Any:
    user = caller(request)
    a = selectors.assess(user, indicator=selectors.indicator_for(user, indicator),
                         region_code=region, year=year)
    return AssessmentOut(
        indicator=a.indicator.code, region=a.region.code, year=a.year, value=a.value,
        target=a.target, completion=a.completion, completion_text=a.completion_text,
        previous=a.previous, change=a.change, change_unit=a.change_unit, rank=a.rank,
        peers=a.peers, streak=a.streak)


@router.get("/rankings/{indicator}", response=RankingOut, summary="排名（下级区域或同类学校）")
def get_ranking(request: HttpRequest, indicator: str, year: int, parent: str,
                units: str = "regions", kind: str | None = None) -> Any:
    ind = selectors.indicator_for(caller(request), indicator)
    if units == "institutions":
        rows, peers = selectors.institution_ranking(caller(request), indicator=ind,
                                                    region_code=parent, year=year, kind=kind)
    else:
        rows = selectors.region_ranking(caller(request), indicator=ind, parent_code=parent,
                                        year=year)
        peers = sum(r.rank is not None for r in rows)
    return RankingOut(indicator=ind.code, year=year, peers=peers,
                      items=[RankedOut(**r.__dict__) for r in rows])


@router.get("/equity/{county}", response=EquityOut, summary="优质均衡资源配置校验")
def get_equity(request: HttpRequest, county: str, year: int) -> Any:
    check = county_equity(caller(request), county_code=county, year=year)
    return EquityOut(county=county, year=year, passed=check.passed, levels=[
        EquityLevelOut(level=level, passed=v.passed, cv=v.cv, cv_failed=v.cv_failed,
                       schools=[EquitySchoolOut(school=s.school, name=s.name, met=s.met,
                                                failed=s.failed, passed=s.passed)
                                for s in v.schools])
        for level, v in check.verdicts.items()])
