"""Student health routes, mounted by edugov.api under /api/v1/health.

Thin over ``health.selectors`` (every read scoped: out of reach is 404) and
``health.services`` (imports and follow-up steps: one transaction, an audit row). Lists,
rates and follow-ups are for registry roles (bureaus and school staff; others 403, as on
the pages); rankings for the city and county bureaus; a student's report card for whoever
may see the student, a parent for their own child. 学籍号 are always masked here (the
registry's audited ``unmask`` gives the full number).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from edugov.core.api import ApiRequest
from edugov.core.masking import mask_student_no
from edugov.core.pagination import Page, PageParams, given, paginate
from edugov.core.roles import REGISTRY_ROLES, Role
from edugov.core.scoping import scope_of
from edugov.health import selectors, services
from edugov.health.models import FitnessResult, FollowUp, VisionScreening
from edugov.health.rules.rates import LABELS
from edugov.health.workflow import FOLLOW_UP
from edugov.imports.reading import SUFFIXES, UnusableInput
from edugov.registry.choices import Grade, Sex
from edugov.registry.models import Institution, Region, Student
from edugov.registry.selectors import current_year
from edugov.workflow.definitions import WorkflowError

router = Router(tags=["学生健康"])

REGION_CODE = r"^\d{6}(\d{3}){0,2}$"
INSTITUTION_CODE = r"^\d{10}$"
RankedRate = Literal["test_rate", "pass_rate", "good_rate", "excellent_rate", "mean_total",
                     "myopia_rate", "high_myopia_rate", "new_myopia_rate", "low_vision_rate"]
#: Row errors returned with an import; the rest are counted (the CLI and page write them all).
SHOWN_ERRORS = 1000


# ---------------------------------------------------------------- schemas


class SchoolRef(Schema):
    code: str
    name: str


class RegionRef(Schema):
    code: str
    name: str


class StudentRef(Schema):
    id: int
    name: str
    student_no: str = Field(description="学籍号（已脱敏）")


class ItemOut(Schema):
    code: str
    name: str
    result: float | None = Field(description="成绩（表中单位；跑步为秒）")
    score: float | None = Field(description="单项得分")


class RecordOut(Schema):
    id: int
    student: StudentRef
    institution: SchoolRef
    year: int = Field(description="学年起始年份")
    class_name: str | None
    grade: int
    grade_label: str
    sex: str
    sex_label: str


class FitnessResultOut(RecordOut):
    standard: str = Field(description="评分标准编号")
    height_cm: float | None
    weight_kg: float | None
    bmi: float | None
    items: list[ItemOut] = Field(description="BMI 及各测试项目（未测项目不列）")
    standard_score: float | None
    bonus: float | None = Field(description="附加分")
    total: float | None = Field(description="学年总分（免测为空）")
    level: str
    level_label: str
    exempt_reason: str
    retested: bool = Field(description="补测成绩（替换了不及格的首次测试）")
    first_total: float | None = Field(description="补测前首次测试的学年总分")
    imported_at: dt.datetime


class VisionScreeningOut(RecordOut):
    screened_on: dt.date | None
    age: int
    correction: str
    correction_label: str
    right_uncorrected: float | None
    left_uncorrected: float | None
    right_corrected: float | None
    left_corrected: float | None
    right_sphere: float | None
    right_cylinder: float | None
    right_axis: float | None
    left_sphere: float | None
    left_cylinder: float | None
    left_axis: float | None
    se_right: float | None
    se_left: float | None
    myopia: bool = Field(description="筛查性近视")
    myopia_severity: str
    myopia_severity_label: str
    high_myopia: bool
    pre_myopia: bool = Field(description="近视前期")
    low_vision: bool = Field(description="视力低下")
    low_vision_level: str
    low_vision_level_label: str
    new_myopia: bool | None = Field(description="新发近视；上学年无筛查或已近视时为空")
    rescreen: bool = Field(description="抽取复测")


class ResultFilters(PageParams):
    year: int | None = Field(None, description="学年起始年份")
    school: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    region: str | None = Field(None, pattern=REGION_CODE, description="行政区划代码（含下级）")
    grade: int | None = Field(None, ge=1, le=12)
    sex: Literal["M", "F"] | None = None


class FitnessFilters(ResultFilters):
    level: Literal["excellent", "good", "pass", "fail", "exempt"] | None = None
    retested: bool | None = Field(None, description="仅补测成绩（true）或仅首次测试（false）")


class VisionFilters(ResultFilters):
    myopia: bool | None = None
    low_vision: bool | None = None
    rescreen: bool | None = None


class ReportLineOut(Schema):
    name: str
    result: str
    score: float | None
    level: str = Field(description="单项等级")
    change: float | None = Field(description="得分较上学年的变化")


class ReportFitnessOut(Schema):
    year: int
    institution: SchoolRef
    grade: int
    grade_label: str
    standard: str
    total: float | None
    level: str
    level_label: str
    exempt_reason: str
    retested: bool
    first_total: float | None


class ReportVisionOut(Schema):
    year: int
    screened_on: dt.date | None
    right_uncorrected: float | None
    left_uncorrected: float | None
    right_corrected: float | None
    left_corrected: float | None
    correction_label: str
    myopia: bool
    myopia_severity_label: str
    high_myopia: bool
    pre_myopia: bool
    low_vision: bool
    low_vision_level_label: str
    new_myopia: bool | None


class ReportOut(Schema):
    student: StudentRef
    institution: SchoolRef | None = Field(description="当前就读学校")
    fitness: ReportFitnessOut | None
    previous_total: float | None = Field(description="上学年学年总分")
    total_change: float | None
    lines: list[ReportLineOut]
    vision: ReportVisionOut | None
    advice_needed: bool = Field(description="需致家长告知书（不及格、近视或视力低下）")


class RateParams(Schema):
    year: int | None = Field(None, description="学年起始年份，缺省为当前学年")
    trend_years: int = Field(3, ge=1, le=10, description="含本学年在内向前的学年数（趋势）")
    region: str | None = Field(None, pattern=REGION_CODE, description="行政区划代码（含下级）")
    school: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    by: list[Literal["grade", "sex"]] = Field(default_factory=list,
                                              description="分组：grade 年级、sex 性别，可重复")


class UnitRef(Schema):
    type: Literal["region", "school", "jurisdiction"] = Field(
        description="region 区域、school 学校、jurisdiction 本人全部管辖范围")
    code: str | None
    name: str


class RateRow(Schema):
    year: int
    grade: int | None = None
    grade_label: str | None = None
    sex: str | None = None
    sex_label: str | None = None


class FitnessRateRow(RateRow):
    enrolled: int = Field(description="在读人数（1–12年级）")
    tested: int = Field(description="实测人数（不含免测）")
    passed: int
    good_or_excellent: int
    excellent: int
    test_rate: float | None = Field(description="测试率 %")
    pass_rate: float | None = Field(description="合格率 %")
    good_rate: float | None = Field(description="优良率 %")
    excellent_rate: float | None = Field(description="优秀率 %")
    mean_total: float | None = Field(description="平均学年总分")


class VisionRateRow(RateRow):
    screened: int
    myopic: int
    high_myopia: int
    new_myopia: int
    at_risk: int = Field(description="上学年筛查未近视且本学年筛查的人数")
    low_vision: int
    myopia_rate: float | None = Field(description="近视率 %")
    high_myopia_rate: float | None = Field(description="高度近视率 %")
    new_myopia_rate: float | None = Field(description="新发近视率 %")
    low_vision_rate: float | None = Field(description="视力低下率 %")


class FitnessRatesOut(Schema):
    unit: UnitRef
    years: list[int]
    by: list[str]
    rows: list[FitnessRateRow]


class VisionRatesOut(Schema):
    unit: UnitRef
    years: list[int]
    by: list[str]
    rows: list[VisionRateRow]


class RankingParams(Schema):
    year: int | None = Field(None, description="学年起始年份，缺省为当前学年")
    trend_years: int = Field(3, ge=1, le=10)
    region: str | None = Field(None, pattern=REGION_CODE,
                               description="在此区域内排名；缺省为本人全部管辖范围")
    level: Literal["county", "school"] | None = Field(
        None, description="排名单位：county 县（区）、school 学校；缺省市级按县、县级按校")


class TrendPoint(Schema):
    year: int
    value: float | None


class RankedOut(Schema):
    code: str
    name: str
    value: float | None
    rank: int | None = Field(description="名次（并列同名次；无数据不排名）")
    base: int = Field(description="该比率的分母人数（如实测人数、筛查人数）")
    trend: list[TrendPoint]


class RankingOut(Schema):
    rate: str
    rate_label: str
    year: int
    years: list[int]
    level: str
    region: RegionRef | None
    higher_is_better: bool
    items: list[RankedOut]


class ActionOut(Schema):
    name: str
    label: str
    needs_reason: bool


class FollowUpOut(Schema):
    id: int
    student: StudentRef
    institution: SchoolRef
    year: int
    class_name: str | None
    reason: str
    reason_label: str
    detail: str
    state: str
    state_label: str
    state_changed_at: dt.datetime | None
    due_at: dt.datetime | None
    overdue: bool
    actions: list[ActionOut] = Field(description="当前用户此时可执行的操作")


class FollowUpFilters(PageParams):
    state: str | None = Field(None, description="状态代码，或 open（未结案）")
    reason: Literal["fitness", "myopia"] | None = None
    year: int | None = None
    school: str | None = Field(None, pattern=INSTITUTION_CODE)


class FollowUpTransitionIn(Schema):
    model_config = {"extra": "forbid"}

    transition: Literal["retest", "refer", "close", "close_early"] = Field(
        ..., description="retest 登记复测，refer 转诊，close 结案，"
                         "close_early 直接结案（需 reason）")
    reason: str = Field("", max_length=500)


class ImportParams(Schema):
    year: int | None = Field(None, description="学年起始年份，缺省为当前学年")
    dry_run: bool = Field(False, description="只校验，不写入")
    skip_invalid: bool = Field(False, description="跳过有误的行，只导入正确的行")
    retest: bool = Field(False, description="补测文件（仅 fitness）：只含补测成绩，每行替换该生"
                                            "本学年已导入的不及格成绩")


class RowErrorOut(Schema):
    row: int = Field(description="文件中的行号（表头为第1行）")
    letter: str = Field(description="列字母")
    column: str
    message: str


class ImportOut(Schema):
    kind: str
    retest: bool
    institution: SchoolRef
    year: int
    dry_run: bool
    total: int = Field(description="数据行数")
    written: int = Field(description="写入人数")
    refused_rows: int
    follow_ups: int = Field(description="新建跟进事项数")
    rescreen: int = Field(description="抽取复测人数（视力）")
    levels: dict[str, int] = Field(description="写入成绩的等级分布")
    errors: list[RowErrorOut] = Field(description=f"有误的单元格（最多 {SHOWN_ERRORS} 条）")
    error_count: int


class RefusedBody(Schema):
    code: str
    message: str
    details: list[RowErrorOut]


class RefusedOut(Schema):
    error: RefusedBody


# ---------------------------------------------------------------- helpers


def ensure_registry_role(user: Any) -> None:
    if not scope_of(user).has_role(*REGISTRY_ROLES):
        raise PermissionDenied("您的角色不能查看学生健康数据")


def school_ref(school: Institution) -> dict[str, str]:
    return {"code": school.code, "name": school.name}


def student_ref(student: Student) -> dict[str, Any]:
    return {"id": student.pk, "name": student.name,
            "student_no": mask_student_no(student.student_no)}


def record_out(record: FitnessResult | VisionScreening | FollowUp) -> dict[str, Any]:
    return {"id": record.pk, "student": student_ref(record.student),
            "institution": school_ref(record.institution),
            "year": record.academic_year.start_year,
            "class_name": str(record.school_class) if record.school_class else None}


def person_out(record: FitnessResult | VisionScreening) -> dict[str, Any]:
    return {**record_out(record), "grade": record.grade,
            "grade_label": record.get_grade_display(), "sex": record.sex,
            "sex_label": record.get_sex_display()}


def fitness_out(result: FitnessResult) -> dict[str, Any]:
    items = []
    for code in selectors.SCORED_ITEMS:
        value = result.bmi if code == "bmi" else getattr(result, code)
        score = getattr(result, f"{code}_score")
        if value is not None or score is not None:
            items.append({"code": code, "name": selectors.ITEM_NAMES[code], "result": value,
                          "score": score})
    fields = ("standard", "height_cm", "weight_kg", "bmi", "standard_score", "bonus", "total",
              "level", "exempt_reason", "retested", "first_total", "imported_at")
    return {**person_out(result), **{f: getattr(result, f) for f in fields}, "items": items,
            "level_label": result.get_level_display()}


VISION_FIELDS = ("screened_on", "age", "correction", "right_uncorrected", "left_uncorrected",
                 "right_corrected", "left_corrected", "right_sphere", "right_cylinder",
                 "right_axis", "left_sphere", "left_cylinder", "left_axis", "se_right",
                 "se_left", "myopia", "myopia_severity", "high_myopia", "pre_myopia",
                 "low_vision", "low_vision_level", "new_myopia", "rescreen")


def vision_out(screening: VisionScreening) -> dict[str, Any]:
    return {**person_out(screening), **{f: getattr(screening, f) for f in VISION_FIELDS},
            "correction_label": screening.get_correction_display(),
            "myopia_severity_label": screening.get_myopia_severity_display(),
            "low_vision_level_label": screening.get_low_vision_level_display()}


def filter_records(records: QuerySet[Any], filters: ResultFilters) -> QuerySet[Any]:
    lookups = {"academic_year__start_year": filters.year, "institution__code": filters.school,
               "grade": filters.grade, "sex": filters.sex}
    records = records.filter(**given(lookups))
    if filters.region:
        records = records.filter(institution__region__path__contains=f"/{filters.region}/")
    return records


def years_up_to(year: int | None, count: int) -> list[int]:
    """``count`` school years ending with ``year`` (default: the current one)."""
    if year is None:
        current = current_year()
        if current is None:
            raise ValidationError({"year": "系统尚未设置当前学年，请指定 year"})
        year = current.start_year
    return list(range(year - count + 1, year + 1))


def unit_of(user: Any, *, region: str | None, school: str | None) -> selectors.Unit:
    """The region or school asked for, in the user's jurisdiction (else 404)."""
    if region and school:
        raise ValidationError({"school": "region 与 school 只能指定其一"})
    if school:
        return selectors.school_for(user, school)
    if region:
        return selectors.region_for(user, region)
    return None


def unit_ref(unit: selectors.Unit) -> dict[str, Any]:
    if isinstance(unit, Institution):
        return {"type": "school", "code": unit.code, "name": unit.name}
    if isinstance(unit, Region):
        return {"type": "region", "code": unit.code, "name": unit.name}
    return {"type": "jurisdiction", "code": None, "name": "本人管辖范围"}


#: Count columns of the rate tables (summed as floats by pandas; people are whole).
COUNTS = {"enrolled", "tested", "passed", "good_or_excellent", "excellent", "screened",
          "myopic", "high_myopia", "new_myopia", "at_risk", "low_vision"}


def plain(value: Any) -> Any:
    """A pandas cell as JSON: NaN/NA → None, numpy scalars → Python numbers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def rate_rows(frame: pd.DataFrame, by: list[str]) -> list[dict[str, Any]]:
    rows = []
    for record in frame.to_dict("records"):
        row = {k: plain(v) for k, v in record.items()}
        if "grade" in by:
            row["grade"] = int(row["grade"])
            row["grade_label"] = Grade(row["grade"]).label
        if "sex" in by:
            row["sex_label"] = Sex(row["sex"]).label
        rows.append({k: int(v) if k in COUNTS and v is not None else v for k, v in row.items()})
    return rows


def ensure_role_may(user: Any, transition: str) -> None:
    """403 when none of the caller's roles may ever take ``transition`` (a bureau moving a
    school's follow-up); a wrong state or a missing reason is 422, from the workflow."""
    scope = scope_of(user)
    step = FOLLOW_UP.transition(transition)
    if not scope.everything and step.roles and not (step.roles & scope.roles):
        raise PermissionDenied(f"您的角色不能执行“{step.label}”")


def follow_up_out(user: Any, item: FollowUp, now: dt.datetime) -> dict[str, Any]:
    scope = scope_of(user)
    roles = None if scope.everything else scope.roles
    return {
        **record_out(item), "reason": item.reason, "reason_label": item.get_reason_display(),
        "detail": item.detail, "state": item.state, "state_label": item.state_label,
        "state_changed_at": item.state_changed_at, "due_at": item.due_at,
        "overdue": item.due_at is not None and item.due_at < now
        and item.state not in FOLLOW_UP.final,
        "actions": [{"name": t.name, "label": t.label, "needs_reason": t.needs_reason}
                    for t in FOLLOW_UP.available(item.state, roles)],
    }


def row_errors(report: services.HealthImport) -> list[dict[str, Any]]:
    return [{"row": e.row, "letter": e.letter, "column": e.column, "message": e.reason}
            for e in report.errors[:SHOWN_ERRORS]]


# ---------------------------------------------------------------- records


@router.get("/fitness-results", response=Page[FitnessResultOut], summary="体质健康测试成绩")
def list_fitness_results(request: ApiRequest, filters: Query[FitnessFilters]) -> Any:
    ensure_registry_role(request.auth)
    found = filter_records(selectors.results_for(request.auth), filters)
    lookups = {"level": filters.level, "retested": filters.retested}
    found = found.filter(**given(lookups))
    return paginate(found, filters, out=fitness_out)


@router.get("/vision-screenings", response=Page[VisionScreeningOut], summary="视力筛查记录")
def list_vision_screenings(request: ApiRequest, filters: Query[VisionFilters]) -> Any:
    ensure_registry_role(request.auth)
    found = filter_records(selectors.screenings_for(request.auth), filters)
    lookups = {"myopia": filters.myopia, "low_vision": filters.low_vision,
               "rescreen": filters.rescreen}
    found = found.filter(**given(lookups))
    return paginate(found, filters, out=vision_out)


@router.get("/students/{int:student_id}/report", response=ReportOut,
            summary="学生体质健康成绩单（含视力筛查）",
            description="管辖范围内的学生，或家长本人登记的子女；其他学生为 404。"
                        "year 缺省为最近一学年。")
def get_report(request: ApiRequest, student_id: int, year: int | None = None) -> Any:
    student = selectors.student_for(request.auth, student_id)
    card = selectors.report_card(student, year=year)
    result, screening = card.result, card.screening
    fitness = None
    if result is not None:
        fitness = {"year": result.academic_year.start_year,
                   "institution": school_ref(result.institution), "grade": result.grade,
                   "grade_label": result.get_grade_display(), "standard": result.standard,
                   "total": result.total, "level": result.level,
                   "level_label": result.get_level_display(),
                   "exempt_reason": result.exempt_reason, "retested": result.retested,
                   "first_total": result.first_total}
    vision = None
    if screening is not None:
        vision = {"year": screening.academic_year.start_year,
                  **{f: getattr(screening, f) for f in (
                      "screened_on", "right_uncorrected", "left_uncorrected", "right_corrected",
                      "left_corrected", "myopia", "high_myopia", "pre_myopia", "low_vision",
                      "new_myopia")},
                  "correction_label": screening.get_correction_display(),
                  "myopia_severity_label": screening.get_myopia_severity_display(),
                  "low_vision_level_label": screening.get_low_vision_level_display()}
    school = student.current_institution
    return {"student": student_ref(student),
            "institution": school_ref(school) if school else None, "fitness": fitness,
            "previous_total": card.previous.total if card.previous else None,
            "total_change": card.total_change, "lines": [asdict(line) for line in card.lines],
            "vision": vision, "advice_needed": card.advice_needed}


# ---------------------------------------------------------------- rates and rankings


@router.get("/rates/fitness", response=FitnessRatesOut,
            summary="体质健康测试率、合格率、优良率、优秀率、平均分（按年级、性别，含趋势）",
            description="比率为先求和后相除（区域的比率不是各校比率的平均）；无分母时为空。"
                        "region 或 school 须在管辖范围内（否则 404），缺省为本人全部管辖范围。")
def get_fitness_rates(request: ApiRequest, params: Query[RateParams]) -> Any:
    return rates_response(request.auth, params, selectors.fitness_summary)


@router.get("/rates/vision", response=VisionRatesOut,
            summary="近视率、高度近视率、新发近视率、视力低下率（按年级、性别，含趋势）",
            description="新发近视率 = 新发近视人数 ÷ 上学年筛查未近视且本学年筛查的人数。")
def get_vision_rates(request: ApiRequest, params: Query[RateParams]) -> Any:
    return rates_response(request.auth, params, selectors.vision_summary)


def rates_response(user: Any, params: RateParams,
                   summary: Callable[..., pd.DataFrame]) -> dict[str, Any]:
    ensure_registry_role(user)
    unit = unit_of(user, region=params.region, school=params.school)
    years = years_up_to(params.year, params.trend_years)
    by = [b for b in ("grade", "sex") if b in params.by]
    frame = summary(user, years=years, by=["year", *by], unit=unit)
    return {"unit": unit_ref(unit), "years": years, "by": by, "rows": rate_rows(frame, by)}


@router.get("/rankings/{rate}", response=RankingOut,
            summary="县（区）或学校排名（含趋势）",
            description="仅市、县教育局。在 region（缺省为本人管辖范围）内按本学年比率排名："
                        "体质健康比率越高越好，视力比率越低越好；无数据的单位不排名。")
def get_ranking(request: ApiRequest, rate: RankedRate, params: Query[RankingParams]) -> Any:
    user = request.auth
    if not selectors.may_see_rankings(user):
        raise PermissionDenied("仅市、县教育局可查看排名")
    region = selectors.region_for(user, params.region) if params.region else None
    scope = scope_of(user)
    level = params.level or ("county" if scope.everything
                             or Role.CITY_BUREAU.value in scope.roles else "school")
    years = years_up_to(params.year, params.trend_years)
    ranked = selectors.ranking(user, rate=rate, years=years, level=level, unit=region)
    return {"rate": rate, "rate_label": LABELS[rate], "year": years[-1], "years": years,
            "level": level,
            "region": {"code": region.code, "name": region.name} if region else None,
            "higher_is_better": selectors.RANKED_RATES[rate][1],
            "items": [{**asdict(r), "trend": [{"year": y, "value": v}
                                               for y, v in r.trend.items()]} for r in ranked]}


# ---------------------------------------------------------------- follow-ups


@router.get("/follow-ups", response=Page[FollowUpOut], summary="健康跟进事项",
            description="学校管理员看本校；仅任教师角色的看本人任班主任的班级；教育局看辖区。")
def list_follow_ups(request: ApiRequest, filters: Query[FollowUpFilters]) -> Any:
    user = request.auth
    ensure_registry_role(user)
    items = selectors.follow_ups_for(user)
    if filters.state == "open":
        items = items.exclude(state__in=FOLLOW_UP.final)
    elif filters.state:
        items = items.filter(state=filters.state)
    lookups = {"reason": filters.reason, "academic_year__start_year": filters.year,
               "institution__code": filters.school}
    items = items.filter(**given(lookups))
    page = paginate(items, filters)
    now = timezone.now()
    page["items"] = [follow_up_out(user, item, now) for item in page["items"]]
    return page


@router.post("/follow-ups/{int:follow_up_id}/transition", response=FollowUpOut,
             summary="跟进办理：登记复测、转诊、结案",
             description="经共享流程服务执行，写入办理记录和审计日志。角色不允许为 403；"
                         "当前状态不允许或缺少理由为 422。")
def move_follow_up(request: ApiRequest, follow_up_id: int,
                   payload: FollowUpTransitionIn) -> Any:
    user = request.auth
    ensure_registry_role(user)
    item = get_object_or_404(selectors.follow_ups_for(user), pk=follow_up_id)
    ensure_role_may(user, payload.transition)
    try:
        services.move_follow_up(actor=user, item=item, transition=payload.transition,
                                reason=payload.reason)
    except WorkflowError as exc:
        raise ValidationError({"transition": str(exc)}) from exc
    return follow_up_out(user, item, timezone.now())


# ---------------------------------------------------------------- imports


@router.post("/schools/{code}/imports/{kind}", response={200: ImportOut, 422: RefusedOut},
             summary="导入一所学校的年度体质健康测试成绩或视力筛查记录（multipart 上传 file）",
             description="与 `edugov health import-fitness/import-vision` 和体育办公室页面相同："
                         "有任何错误行时不写入（422，details 列出每个错误单元格），"
                         "除非 skip_invalid；dry_run 只校验（200，附错误）。"
                         "fitness 加 retest=true 为补测文件。学校须在管辖范围内（否则 404），"
                         "角色须可导入（市、县教育局、学校管理员，否则 403）。")
def import_file(request: ApiRequest, code: str, kind: Literal["fitness", "vision"],
                params: Query[ImportParams], file: File[UploadedFile | None] = None) -> Any:
    user = request.auth
    ensure_registry_role(user)
    school = selectors.school_for(user, code)
    services.ensure_may_import(user, school)
    if file is None:
        raise ValidationError({"file": "请以 multipart/form-data 上传文件（字段名 file）"})
    if params.retest and kind != "fitness":
        raise ValidationError({"retest": "补测文件只适用于体质健康测试成绩"})
    suffix = Path(file.name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError({"file": "仅支持 .xlsx、.xls 或 .csv 文件"})
    if file.size is not None and file.size > settings.EDUGOV_IMPORT_MAX_BYTES:
        raise ValidationError({"file": "文件过大"})
    try:
        year = services.year_or_current(params.year)
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / f"upload{suffix}"
            with open(path, "wb") as handle:
                for chunk in file.chunks():
                    handle.write(chunk)
            options: dict[str, Any] = {"actor": user, "path": path, "school": school,
                                       "year": year, "skip_invalid": params.skip_invalid,
                                       "dry_run": params.dry_run}
            report = (services.import_fitness(**options, retest=params.retest)
                      if kind == "fitness" else services.import_vision(**options))
    except UnusableInput as exc:
        raise ValidationError({"file": exc.message}) from exc
    if report.errors and not report.written and not report.dry_run:
        return Status(422, {"error": {
            "code": "rows_refused",
            "message": f"{report.refused_rows}行数据有误，未写入任何数据",
            "details": row_errors(report)}})
    return {"kind": kind, "retest": params.retest, "institution": school_ref(school),
            "year": year.start_year, "dry_run": report.dry_run, "total": report.total,
            "written": report.written, "refused_rows": report.refused_rows,
            "follow_ups": report.follow_ups, "rescreen": report.rescreen,
            "levels": {str(k): int(v) for k, v in report.levels.items()},
            "errors": row_errors(report), "error_count": len(report.errors)}
