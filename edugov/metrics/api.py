"""Data center routes (mounted by the lead at /api/v1/metrics): thin over selectors.

Scoping is the selectors' (core.scoping.visible_to): a region or school outside the
caller's jurisdiction answers 404. Rankings of sibling regions are the one published
exception (see metrics.selectors).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from edugov.core.pagination import Page, PageParams, paginate
from edugov.metrics import selectors
from edugov.metrics.equity_check import county_equity

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


class TargetOut(Schema):
    indicator: str
    region: str
    year: int
    value: float


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


@router.get("/indicators", response=list[IndicatorOut], summary="指标目录")
def list_indicators(request: HttpRequest) -> Any:
    return list(selectors.indicators_for(caller(request)))


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


@router.get("/targets", response=list[TargetOut], summary="目标值")
def list_targets(request: HttpRequest, year: int, indicator: str | None = None) -> Any:
    qs = selectors.targets_for(caller(request)).filter(year=year)
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    return [TargetOut(indicator=t.indicator.code, region=t.region.code, year=t.year,
                      value=t.value) for t in qs.order_by("indicator__code", "region__code")]


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
