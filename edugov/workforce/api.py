"""Workforce routes (县管校聘), mounted by edugov.api under /api/v1/workforce.

Thin over ``workforce.selectors`` (every read scoped: out of reach is 404) and
``workforce.services`` (every write: one transaction, an audit row, the shared workflow
history where an item changes state). Each route has an audience, as the pages do: a role
outside it is refused with 403 and a Chinese reason before anything is looked up; within it,
objects beyond the caller's jurisdiction answer 404. A caller whose only role is teacher sees
only their own record (proposals, applications, progress, points). ID numbers and phones are
masked (``core.masking``). Lists use the project's pagination and errors the one error shape.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Literal, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Model, Q, QuerySet
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from edugov.core.api import ApiRequest
from edugov.core.masking import mask_id_number, mask_phone
from edugov.core.pagination import Page, PageParams, given, paginate
from edugov.core.roles import REGISTRY_ROLES, Role
from edugov.core.scoping import scope_of
from edugov.registry.choices import Post, Subject
from edugov.registry.models import AcademicYear, Institution, Region, Staff
from edugov.registry.selectors import current_year, institutions_for, regions_for, staff_for
from edugov.workflow.definitions import WorkflowError
from edugov.workforce import services
from edugov.workforce.models import (
    ROTATION,
    TITLE_APPLICATION,
    Honour,
    PoolEntry,
    PostingApplication,
    PostingRound,
    PostOpening,
    RotationPlan,
    RotationProposal,
    TitleApplication,
    TrainingRecord,
)
from edugov.workforce.permissions import (
    BUREAU_ROLES,
    RECORD_ROLES,
    own_staff_id,
    require_bureau,
    require_recorder,
)
from edugov.workforce.rules.eligibility import Eligibility, quota
from edugov.workforce.rules.establishment import CountyEstablishment, SubjectGap
from edugov.workforce.rules.rotation import INDICATORS, RULES
from edugov.workforce.rules.training import Progress, completion, cycle_on
from edugov.workforce.selectors import eligibility_in, plans_for, proposals_for
from edugov.workforce.selectors.conduct import barred_for, conduct_cases_for
from edugov.workforce.selectors.establishment import (
    establishment_table,
    subject_gaps_by_school,
)
from edugov.workforce.selectors.points import annual_scores
from edugov.workforce.selectors.posting import (
    pool_for,
    posting_applications_for,
    round_openings,
    rounds_for,
)
from edugov.workforce.selectors.regions import county_of
from edugov.workforce.selectors.titles import PENDING as TITLE_PENDING
from edugov.workforce.selectors.titles import (
    honours_for,
    title_applications_for,
    title_checks,
)
from edugov.workforce.selectors.training import standings_of, teachers_for, training_for
from edugov.workforce.services import conduct, posting, titles
from edugov.workforce.services.rotation import may_answer

router = Router(tags=["教师队伍"])

REGION_CODE = r"^\d{6}(\d{3}){0,2}$"
INSTITUTION_CODE = r"^\d{10}$"
#: The levels the rotation optimiser computes 差异系数 in (selectors.rotation.ROTATION_LEVELS).
LEVEL_LABELS = {"primary": "小学", "junior": "初中"}
M = TypeVar("M", bound=Model)

PlanAction = Literal["lock", "unlock", "exclude", "include", "solve", "notify", "execute"]
ProposalState = Literal["proposed", "notified", "confirmed", "contested", "executed",
                        "withdrawn"]


# ---------------------------------------------------------------- schemas: shared


class Ref(Schema):
    code: str
    name: str


class StaffRef(Schema):
    id: int
    name: str


class ActionOut(Schema):
    name: str
    label: str
    needs_reason: bool


class SubjectGapOut(Schema):
    subject: str
    subject_label: str
    need: int = Field(description="按标准应配专任教师数")
    actual: int = Field(description="现有专任教师数")
    shortage: int
    surplus: int


class ProgressFields(Schema):
    hours: float = Field(description="本周期已完成学时")
    required: float = Field(description="本周期应完成学时（周期中入职者按比例）")
    expected: float = Field(description="截至统计日按进度应完成学时")
    complete: bool
    behind: bool = Field(description="低于进度")
    shortfall: float = Field(description="低于进度的学时数")


class CycleOut(Schema):
    start: dt.date
    end: dt.date
    label: str


class TrainingRecordOut(Schema):
    id: int
    staff: StaffRef
    school: Ref | None = Field(description="教师现任职学校")
    course: str
    hours: float
    level: str
    level_label: str
    date: dt.date
    provider: str


class ProposalOut(Schema):
    id: int
    plan_id: int
    staff: StaffRef
    source: Ref = Field(description="原学校")
    destination: Ref = Field(description="交流学校")
    post: str
    backbone: bool
    locked: bool = Field(description="人工锁定")
    state: str
    state_label: str
    state_changed_at: dt.datetime | None
    due_at: dt.datetime | None = Field(description="答复期限")
    actions: list[ActionOut] = Field(description="当前用户此时可执行的操作")


class ApplicationOut(Schema):
    id: int
    round_id: int
    opening_id: int
    school: Ref = Field(description="竞聘岗位所在学校")
    subject: str
    subject_label: str
    staff: StaffRef
    staff_school: Ref | None = Field(description="报名教师现任职学校")
    preference: int = Field(description="志愿顺序")
    school_rank: int | None = Field(description="学校排序")
    state: str
    state_label: str


class PointsLineOut(Schema):
    code: str
    label: str
    units: float
    points: float


class PointsOut(Schema):
    staff: StaffRef
    county: Ref | None = Field(description="适用积分方案的县（区）")
    year: int = Field(description="积分年度（学年起始年份）")
    scheme: bool = Field(description="该县（区）当年已设置积分项目")
    total: float
    lines: list[PointsLineOut]


# ---------------------------------------------------------------- helpers


def today() -> dt.date:
    """The day the 职称 checks and honour validity are judged on (tests fix it)."""
    return dt.date.today()


def require_registry(user: Any, what: str) -> None:
    if not scope_of(user).has_role(*REGISTRY_ROLES):
        raise PermissionDenied(f"只有教育局、学校管理员或教师可以{what}")


def self_only(user: Any) -> bool:
    """A teacher holding no school admin's or bureau's role: their own record only."""
    scope = scope_of(user)
    return Role.TEACHER in scope.roles and not scope.has_role(*RECORD_ROLES)


def own(user: Any, queryset: QuerySet[M], field: str = "staff_id") -> QuerySet[M]:
    """``queryset`` narrowed to the caller's own staff record when they are only a teacher."""
    if not self_only(user):
        return queryset
    staff_id = own_staff_id(user)
    return queryset.filter(**{field: staff_id}) if staff_id is not None else queryset.none()


def academic_year(year: int | None) -> AcademicYear:
    found = (current_year() if year is None
             else AcademicYear.objects.filter(start_year=year).first())
    if found is None:
        raise ValidationError({"year": "没有该学年" if year is not None
                               else "尚未设置当前学年，请指定 year"})
    return found


def region_in_scope(user: Any, code: str) -> Region:
    return get_object_or_404(regions_for(user), code=code)


def in_region(prefix: str, code: str | None) -> Q:
    """Rows whose school's region is ``code`` or below it (paths contain every ancestor)."""
    return Q(**{f"{prefix}region__path__contains": f"/{code}/"}) if code else Q()


def page_of(rows: list[Any], params: PageParams) -> dict[str, Any]:
    """One page of rows computed in Python (same shape as ``core.pagination.paginate``)."""
    offset = (params.page - 1) * params.page_size
    return {"items": rows[offset:offset + params.page_size], "count": len(rows),
            "page": params.page, "page_size": params.page_size}


def ref(obj: Institution | Region | None) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def staff_ref(staff: Staff) -> dict[str, Any]:
    return {"id": staff.pk, "name": staff.name}


def choice_label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def gap_out(gap: SubjectGap) -> dict[str, Any]:
    return {"subject": gap.subject, "subject_label": choice_label(Subject, gap.subject),
            "need": gap.need, "actual": gap.actual, "shortage": gap.shortage,
            "surplus": gap.surplus}


def progress_fields(row: Progress) -> dict[str, Any]:
    return {"hours": row.hours, "required": row.required, "expected": row.expected,
            "complete": row.complete, "behind": row.behind, "shortfall": round(row.shortfall, 1)}


def cycle_out(on: dt.date) -> dict[str, Any]:
    cycle = cycle_on(on)
    return {"start": cycle.start, "end": cycle.end, "label": str(cycle)}


def record_out(record: TrainingRecord) -> dict[str, Any]:
    return {"id": record.pk, "staff": staff_ref(record.staff),
            "school": ref(record.staff.current_institution), "course": record.course,
            "hours": float(record.hours), "level": record.level,
            "level_label": record.get_level_display(), "date": record.date,
            "provider": record.provider}


#: The answers to a notified proposal: only for whom ``services.rotation.may_answer`` allows.
ANSWERS = frozenset({"confirm", "contest"})


def actions_for(user: Any, proposal: RotationProposal) -> list[dict[str, Any]]:
    scope = scope_of(user)
    roles = None if scope.everything else scope.roles
    available = ROTATION.available(proposal.state, roles)
    if any(t.name in ANSWERS for t in available) and not may_answer(user, proposal):
        available = [t for t in available if t.name not in ANSWERS]
    return [{"name": t.name, "label": t.label, "needs_reason": t.needs_reason}
            for t in available]


def proposal_out(user: Any, proposal: RotationProposal) -> dict[str, Any]:
    return {"id": proposal.pk, "plan_id": proposal.plan_id, "staff": staff_ref(proposal.staff),
            "source": ref(proposal.source), "destination": ref(proposal.destination),
            "post": proposal.post, "backbone": proposal.backbone, "locked": proposal.locked,
            "state": proposal.state, "state_label": proposal.state_label,
            "state_changed_at": proposal.state_changed_at, "due_at": proposal.due_at,
            "actions": actions_for(user, proposal)}


def application_out(application: PostingApplication) -> dict[str, Any]:
    opening = application.opening
    return {"id": application.pk, "round_id": opening.round_id, "opening_id": opening.pk,
            "school": ref(opening.institution), "subject": opening.subject,
            "subject_label": opening.get_subject_display(),
            "staff": staff_ref(application.staff),
            "staff_school": ref(application.staff.current_institution),
            "preference": application.preference, "school_rank": application.school_rank,
            "state": application.state, "state_label": application.state_label}


def points_year(year: int | None) -> int:
    """By default the last completed 积分 year: the one before the current academic year
    (the year rotation and posting use to break ties)."""
    if year is not None:
        return year
    current = current_year()
    return (current.start_year if current else dt.date.today().year) - 1


def points_out(staff: Staff, year: int) -> dict[str, Any]:
    county = county_of(staff.current_institution) if staff.current_institution else None
    score = annual_scores(county, year, [staff.pk]).get(staff.pk) if county else None
    lines = [{"code": line.code, "label": line.label, "units": line.units,
              "points": line.points} for line in (score.lines if score else ())]
    return {"staff": staff_ref(staff), "county": ref(county), "year": year,
            "scheme": bool(lines), "total": score.total if score else 0.0, "lines": lines}


# ---------------------------------------------------------------- establishment


class EstablishmentParams(PageParams):
    region: str = Field(..., pattern=REGION_CODE, description="行政区划代码（含全部下级学校）")
    year: int | None = Field(None, description="学年起始年份；缺省为当前学年")
    approved: int | None = Field(None, ge=0, description="编办核定的编制总额，用于与核定需求比较")


class SchoolEstablishmentOut(Schema):
    school: Ref
    students: int
    norm: int = Field(description="按标准核定的编制数")
    established: int = Field(description="在编教职工数")
    shortage: int
    surplus: int
    subjects: list[SubjectGapOut] = Field(description="各学科专任教师需求与现有人数")


class EstablishmentTotalOut(Schema):
    needed: int = Field(description="各校按标准核定的编制数之和")
    established: int
    shortage: int = Field(description="各校缺编数之和（超编不抵消缺编）")
    surplus: int
    approved: int | None = Field(description="编办核定的编制总额（请求中提供时）")
    within_approved: bool | None
    headroom: int | None = Field(description="核定总额减核定需求")


class EstablishmentOut(Schema):
    region: Ref
    year: int
    totals: EstablishmentTotalOut
    items: list[SchoolEstablishmentOut]
    count: int
    page: int
    page_size: int


@router.get("/establishment", response=EstablishmentOut,
            summary="编制核定：各校及各学科缺编超编、区域总量与核定总额",
            description="教育局可查；region 须在管辖范围内（否则 404）。学科明细只计算本页学校。")
def get_establishment(request: ApiRequest, params: Query[EstablishmentParams]) -> Any:
    user = request.auth
    require_bureau(user, "查看编制核定")
    region = region_in_scope(user, params.region)
    year = academic_year(params.year)
    rows = establishment_table(
        institutions_for(user).filter(region__path__startswith=region.path), year.pk)
    page = page_of(rows, params)
    gaps = subject_gaps_by_school(
        Institution.objects.filter(pk__in=[r.institution.pk for r in page["items"]]), year.pk)
    page["items"] = [
        {"school": ref(r.institution), "students": r.students, "norm": r.norm,
         "established": r.established, "shortage": r.shortage, "surplus": r.surplus,
         "subjects": [gap_out(g) for g in gaps.get(r.institution.pk, [])]}
        for r in page["items"]]
    needed = sum(r.norm for r in rows)
    established = sum(r.established for r in rows)
    county = (CountyEstablishment(needed, params.approved, established)
              if params.approved is not None else None)
    totals = {"needed": needed, "established": established,
              "shortage": sum(r.shortage for r in rows), "surplus": sum(r.surplus for r in rows),
              "approved": params.approved,
              "within_approved": county.within_approved if county else None,
              "headroom": county.headroom if county else None}
    return {"region": ref(region), "year": year.start_year, "totals": totals, **page}


# ---------------------------------------------------------------- rotation


class EligibleParams(PageParams):
    county: str = Field(..., pattern=REGION_CODE, description="县（区）行政区划代码")
    year: int | None = Field(None, description="学年起始年份；缺省为当前学年")
    all: bool = Field(False, description="同时列出不符合条件的教职工及原因")


class EligibleOut(Schema):
    staff: StaffRef
    school: Ref | None
    post: str
    post_label: str
    since: dt.date | None = Field(description="在本校（本岗位）连续任职起始日期")
    years: int = Field(description="连续任职满年数")
    backbone: bool
    eligible: bool
    reason: str
    reason_label: str


class EligibleListOut(Schema):
    county: Ref
    year: int
    on: dt.date = Field(description="判定日期：方案的交流生效日期，无方案时为学年开始")
    eligible: int = Field(description="符合交流条件人数")
    quota_minimum: int = Field(description="应交流人数下限")
    backbone_eligible: int = Field(description="符合条件的骨干教师人数")
    items: list[EligibleOut]
    count: int
    page: int
    page_size: int


class PlanFilters(PageParams):
    county: str | None = Field(None, pattern=REGION_CODE, description="县（区）行政区划代码")
    year: int | None = Field(None, description="学年起始年份")


class PlanOut(Schema):
    id: int
    county: Ref
    year: int
    effective: dt.date = Field(description="交流生效日期")
    created_at: dt.datetime
    solved_at: dt.datetime | None
    status: str | None = Field(description="最近一次求解状态：optimal、feasible、infeasible 等")
    moves: int | None = Field(description="拟交流人数")
    eligible: int | None = Field(description="符合条件人数（求解时）")
    proposals: int


class CoefficientOut(Schema):
    level: str
    level_label: str
    indicator: str
    indicator_label: str
    before: float = Field(description="交流前差异系数")
    after: float = Field(description="交流后差异系数")


class CheckOut(Schema):
    rule: str
    label: str
    passed: bool


class ResultOut(Schema):
    status: str
    message: str
    seconds: float
    moves: int
    eligible: int
    min_moves: int
    max_moves: int
    coefficients: list[CoefficientOut]
    checks: list[CheckOut]
    rules: dict[str, Any] = Field(description="求解所用规则参数")


class LockOut(Schema):
    staff: StaffRef
    destination: Ref | None


class PlanDetail(PlanOut):
    result: ResultOut | None
    locked: list[LockOut]
    excluded: list[StaffRef]
    states: dict[str, int] = Field(description="各状态人数")
    items: list[ProposalOut] = Field(description="拟交流人员")


class PlanActionIn(Schema):
    model_config = {"extra": "forbid"}

    action: PlanAction = Field(
        ..., description="lock 锁定到学校（需 staff_id、destination），unlock 取消锁定，"
                         "exclude 排除、include 取消排除（需 staff_id），"
                         "solve 求解（重新求解保留已通知或已答复的人员），"
                         "notify 通知学校和教师，execute 为已确认人员办理调动")
    staff_id: int | None = Field(None, description="教职工编号")
    destination: str | None = Field(None, pattern=INSTITUTION_CODE,
                                    description="锁定到的学校标识码")


class PlanActionOut(Schema):
    message: str
    plan: PlanDetail


class ProposalFilters(PageParams):
    plan_id: int | None = None
    state: ProposalState | None = None
    school: str | None = Field(None, pattern=INSTITUTION_CODE,
                               description="原学校或交流学校标识码")


class RespondIn(Schema):
    model_config = {"extra": "forbid"}

    answer: Literal["confirm", "contest"] = Field(
        ..., description="confirm 确认，contest 提出异议（需 reason）")
    reason: str = Field("", max_length=500)


def eligible_out(e: Eligibility, staff: Staff, school: Institution | None) -> dict[str, Any]:
    return {"staff": staff_ref(staff), "school": ref(school), "post": e.post,
            "post_label": choice_label(Post, e.post), "since": e.since, "years": e.years,
            "backbone": e.backbone, "eligible": e.eligible, "reason": e.reason,
            "reason_label": e.reason_label}


def plan_out(plan: RotationPlan, proposals: int) -> dict[str, Any]:
    result = plan.result or {}
    return {"id": plan.pk, "county": ref(plan.county), "year": plan.academic_year.start_year,
            "effective": plan.effective, "created_at": plan.created_at,
            "solved_at": plan.solved_at, "status": result.get("status"),
            "moves": result.get("moves"), "eligible": result.get("eligible"),
            "proposals": proposals}


def result_out(result: dict[str, Any]) -> dict[str, Any] | None:
    if not result:
        return None
    return {
        **{k: result[k] for k in ("status", "seconds", "moves", "eligible", "min_moves",
                                  "max_moves")},
        "message": result.get("message") or "",
        "coefficients": [
            {**c, "level_label": LEVEL_LABELS.get(c["level"], c["level"]),
             "indicator_label": INDICATORS.get(c["indicator"], c["indicator"])}
            for c in result.get("coefficients", [])],
        "checks": [{"rule": rule, "label": RULES.get(rule, rule), "passed": bool(ok)}
                   for rule, ok in result.get("checks", {}).items()],
        "rules": result.get("rules", {}),
    }


def plan_detail_out(user: Any, plan: RotationPlan) -> dict[str, Any]:
    proposals = list(proposals_for(user).filter(plan=plan).order_by("source__code", "staff__name"))
    county_staff = staff_for(user).filter(
        current_institution__region__path__startswith=plan.county.path)
    locked = {s.pk: s for s in staff_for(user).filter(pk__in=[int(k) for k in plan.locked])}
    schools = {s.pk: s for s in institutions_for(user).filter(pk__in=list(plan.locked.values()))}
    return {
        **plan_out(plan, len(proposals)),
        "result": result_out(plan.result),
        "locked": [{"staff": staff_ref(locked[int(k)]), "destination": ref(schools.get(v))}
                   for k, v in plan.locked.items() if int(k) in locked],
        "excluded": [staff_ref(s) for s in county_staff.filter(pk__in=plan.excluded)],
        "states": dict(Counter(p.state for p in proposals)),
        "items": [proposal_out(user, p) for p in proposals],
    }


@router.get("/rotation/eligible", response=EligibleListOut,
            summary="交流轮岗：符合条件教师名单（按任职记录判定）",
            description="教育局可查；county 须在管辖范围内（否则 404）。")
def list_eligible(request: ApiRequest, params: Query[EligibleParams]) -> Any:
    user = request.auth
    require_bureau(user, "查看交流轮岗名单")
    county = region_in_scope(user, params.county)
    year = academic_year(params.year)
    plan = plans_for(user).filter(county=county, academic_year=year).first()
    on = plan.effective if plan is not None else year.start
    assessed = eligibility_in(county, on)
    counted = quota(assessed)
    rows = sorted((e for e in assessed if params.all or e.eligible),
                  key=lambda e: (not e.eligible, e.institution or 0, e.staff))
    page = page_of(rows, params)
    staff = {s.pk: s for s in staff_for(user).filter(pk__in=[e.staff for e in page["items"]])}
    schools = {s.pk: s for s in institutions_for(user).filter(
        pk__in={e.institution for e in page["items"] if e.institution})}
    page["items"] = [eligible_out(e, staff[e.staff], schools.get(e.institution or 0))
                     for e in page["items"] if e.staff in staff]
    return {"county": ref(county), "year": year.start_year, "on": on,
            "eligible": counted.eligible, "quota_minimum": counted.minimum,
            "backbone_eligible": counted.backbone_eligible, **page}


@router.get("/rotation/plans", response=Page[PlanOut], summary="交流轮岗方案列表")
def list_plans(request: ApiRequest, filters: Query[PlanFilters]) -> Any:
    user = request.auth
    require_bureau(user, "查看交流轮岗方案")
    plans = plans_for(user).select_related("academic_year").annotate(n=Count("proposals"))
    if filters.county:
        plans = plans.filter(county__code=filters.county)
    if filters.year is not None:
        plans = plans.filter(academic_year__start_year=filters.year)
    page = paginate(plans, filters)
    page["items"] = [plan_out(p, p.n) for p in page["items"]]
    return page


@router.get("/rotation/plans/{int:plan_id}", response=PlanDetail,
            summary="交流轮岗方案详情：求解结果、交流前后差异系数、规则校验、拟交流人员")
def get_plan(request: ApiRequest, plan_id: int) -> Any:
    user = request.auth
    require_bureau(user, "查看交流轮岗方案")
    plan = get_object_or_404(plans_for(user).select_related("academic_year"), pk=plan_id)
    return plan_detail_out(user, plan)


def plan_staff(user: Any, plan: RotationPlan, staff_id: int | None, *,
               in_county: bool) -> Staff:
    if staff_id is None:
        raise ValidationError({"staff_id": "请指定教职工"})
    staff = get_object_or_404(staff_for(user), pk=staff_id)
    institution = staff.current_institution
    if in_county and (institution is None
                      or not institution.region.path.startswith(plan.county.path)):
        raise ValidationError({"staff_id": "该教职工不在本方案所在县（区）任职"})
    return staff


def plan_school(user: Any, plan: RotationPlan, code: str | None) -> Institution:
    if not code:
        raise ValidationError({"destination": "请指定锁定到的学校"})
    school = get_object_or_404(institutions_for(user), code=code)
    if not school.region.path.startswith(plan.county.path):
        raise ValidationError({"destination": "该学校不在本方案所在县（区）"})
    return school


def take_plan_action(user: Any, plan: RotationPlan, payload: PlanActionIn) -> str:
    """The service behind each action (as the plan page's form); returns the message."""
    action = payload.action
    if action == "solve":
        solved = services.solve_plan(actor=user, plan=plan)
        return f"求解完成：{solved.result.get('message') or solved.result['status']}"
    if action == "notify":
        return f"已通知 {services.notify(actor=user, plan=plan)} 人"
    if action == "execute":
        return f"已办理调动 {services.execute(actor=user, plan=plan)} 人"
    staff = plan_staff(user, plan, payload.staff_id, in_county=action in ("lock", "exclude"))
    if action == "lock":
        school = plan_school(user, plan, payload.destination)
        services.set_lock(actor=user, plan=plan, staff=staff, destination=school)
        return f"已锁定：{staff.name} → {school.name}"
    if action == "unlock":
        services.set_lock(actor=user, plan=plan, staff=staff, destination=None)
        return f"已取消锁定：{staff.name}"
    services.set_excluded(actor=user, plan=plan, staff=staff, excluded=action == "exclude")
    return f"{'已排除' if action == 'exclude' else '已取消排除'}：{staff.name}"


@router.post("/rotation/plans/{int:plan_id}/actions", response=PlanActionOut,
             summary="交流轮岗方案操作：锁定、排除、求解（重新求解）、通知、办理调动",
             description="经交流轮岗服务执行并写入审计日志。非教育局角色为 403；"
                         "缺少参数或当前状态不允许为 422。求解可能耗时较长（受求解时限约束）。")
def act_on_plan(request: ApiRequest, plan_id: int, payload: PlanActionIn) -> Any:
    user = request.auth
    require_bureau(user, "调整交流轮岗方案")
    plan = get_object_or_404(plans_for(user), pk=plan_id)
    try:
        message = take_plan_action(user, plan, payload)
    except WorkflowError as exc:
        raise ValidationError({"action": str(exc)}) from exc
    plan = plans_for(user).select_related("academic_year").get(pk=plan.pk)
    return {"message": message, "plan": plan_detail_out(user, plan)}


@router.get("/rotation/proposals", response=Page[ProposalOut],
            summary="交流轮岗安排（本校调出、调入；教师只见本人）")
def list_proposals(request: ApiRequest, filters: Query[ProposalFilters]) -> Any:
    user = request.auth
    require_registry(user, "查看交流轮岗安排")
    found = own(user, proposals_for(user))
    if filters.plan_id is not None:
        found = found.filter(plan_id=filters.plan_id)
    if filters.state:
        found = found.filter(state=filters.state)
    if filters.school:
        found = found.filter(Q(source__code=filters.school) | Q(destination__code=filters.school))
    return paginate(found, filters, out=lambda row: proposal_out(user, row))


@router.post("/rotation/proposals/{int:proposal_id}/respond", response=ProposalOut,
             summary="答复交流轮岗安排：确认或提出异议（需理由）",
             description="学校管理员、教师本人（或教育局确认）答复已通知的安排，经共享流程服务执行，"
                         "写入流程记录和审计日志。角色不允许为 403；状态不允许或缺少理由为 422。")
def respond_to_proposal(request: ApiRequest, proposal_id: int, payload: RespondIn) -> Any:
    user = request.auth
    require_registry(user, "答复交流轮岗安排")
    proposal = get_object_or_404(own(user, proposals_for(user)), pk=proposal_id)
    transition = ROTATION.transition(payload.answer)
    scope = scope_of(user)
    if not scope.everything and not (transition.roles & scope.roles):
        raise PermissionDenied(f"您的角色不能执行“{transition.label}”")
    try:
        services.respond(actor=user, proposal=proposal, accept=payload.answer == "confirm",
                         reason=payload.reason)
    except WorkflowError as exc:
        raise ValidationError({"answer": str(exc)}) from exc
    return proposal_out(user, proposals_for(user).get(pk=proposal.pk))


# ---------------------------------------------------------------- competitive posting


class RoundFilters(PageParams):
    county: str | None = Field(None, pattern=REGION_CODE, description="县（区）行政区划代码")
    year: int | None = Field(None, description="学年起始年份")
    open: bool | None = Field(None, description="true 只列进行中的轮次，false 只列已结束的")


class RoundOut(Schema):
    id: int
    county: Ref
    year: int
    number: int
    number_label: str
    effective: dt.date = Field(description="聘任生效日期")
    closed_at: dt.datetime | None
    open: bool


class OpeningOut(Schema):
    id: int
    school: Ref
    subject: str
    subject_label: str
    places: int


class PoolOut(Schema):
    id: int
    staff: StaffRef
    state: str
    state_label: str
    destination: Ref | None


class RoundDetail(RoundOut):
    openings: list[OpeningOut] = Field(description="本轮全部竞聘岗位（县域公开）")
    applications: list[ApplicationOut] = Field(
        description="可见的报名（本校岗位、本校教师；教师只见本人）")
    pool: list[PoolOut] = Field(description="县域待岗人员（可见范围内）")


class ApplicationIn(Schema):
    model_config = {"extra": "forbid"}

    opening_id: int = Field(..., description="竞聘岗位编号")
    staff_id: int | None = Field(None, description="报名教职工编号；教师账户缺省为本人")
    preference: int = Field(1, ge=1, le=20, description="志愿顺序")


def round_out(posting_round: PostingRound) -> dict[str, Any]:
    return {"id": posting_round.pk, "county": ref(posting_round.county),
            "year": posting_round.academic_year.start_year, "number": posting_round.number,
            "number_label": posting_round.get_number_display(),
            "effective": posting_round.effective, "closed_at": posting_round.closed_at,
            "open": posting_round.closed_at is None}


def opening_out(opening: PostOpening) -> dict[str, Any]:
    return {"id": opening.pk, "school": ref(opening.institution), "subject": opening.subject,
            "subject_label": opening.get_subject_display(), "places": opening.places}


def pool_out(entry: PoolEntry) -> dict[str, Any]:
    return {"id": entry.pk, "staff": staff_ref(entry.staff), "state": entry.state,
            "state_label": entry.state_label, "destination": ref(entry.destination)}


def applications_of(user: Any) -> QuerySet[PostingApplication]:
    return own(user, posting_applications_for(user)).select_related(
        "staff__current_institution")


@router.get("/posting/rounds", response=Page[RoundOut], summary="竞聘上岗轮次")
def list_rounds(request: ApiRequest, filters: Query[RoundFilters]) -> Any:
    user = request.auth
    require_registry(user, "查看竞聘上岗")
    found = rounds_for(user)
    if filters.county:
        found = found.filter(county__code=filters.county)
    if filters.year is not None:
        found = found.filter(academic_year__start_year=filters.year)
    if filters.open is not None:
        found = found.filter(closed_at__isnull=filters.open)
    return paginate(found, filters, out=round_out)


@router.get("/posting/rounds/{int:round_id}", response=RoundDetail,
            summary="竞聘轮次详情：岗位、报名、聘任结果与待岗人员")
def get_round(request: ApiRequest, round_id: int) -> Any:
    user = request.auth
    require_registry(user, "查看竞聘上岗")
    posting_round = get_object_or_404(rounds_for(user), pk=round_id)
    openings = round_openings(user, posting_round).order_by("institution__code", "subject")
    applications = applications_of(user).filter(opening__round=posting_round).order_by(
        "opening__institution__code", "school_rank", "preference", "pk")
    pool = own(user, pool_for(user)).filter(round=posting_round).order_by("pk")
    return {**round_out(posting_round), "openings": [opening_out(o) for o in openings],
            "applications": [application_out(a) for a in applications],
            "pool": [pool_out(p) for p in pool]}


@router.post("/posting/rounds/{int:round_id}/applications", response={201: ApplicationOut},
             summary="竞聘报名（教师为本人报名，学校管理员、教育局为本辖区教师报名）",
             description="经竞聘服务执行并写入流程记录和审计日志。轮次已结束、跨县报名、"
                         "第二轮非待岗教师或重复报名为 422。")
def apply_for_post(request: ApiRequest, round_id: int, payload: ApplicationIn) -> Any:
    user = request.auth
    require_registry(user, "报名竞聘")
    posting_round = get_object_or_404(rounds_for(user), pk=round_id)
    opening = get_object_or_404(round_openings(user, posting_round), pk=payload.opening_id)
    staff_id = payload.staff_id if payload.staff_id is not None else own_staff_id(user)
    if staff_id is None:
        raise ValidationError({"staff_id": "请指定报名的教职工"})
    staff = get_object_or_404(staff_for(user), pk=staff_id)
    if posting_applications_for(user).filter(opening=opening, staff=staff).exists():
        raise ValidationError({"opening_id": "该教职工已报名此岗位"})
    application = posting.apply(actor=user, opening=opening, staff=staff,
                                preference=payload.preference)
    return Status(201, application_out(applications_of(user).get(pk=application.pk)))


# ---------------------------------------------------------------- 师德


class ConductFilters(PageParams):
    institution: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    region: str | None = Field(None, pattern=REGION_CODE, description="行政区划代码（含下级）")
    active: bool = Field(False, description="仅处理期（一票否决期）内的记录")


class ConductStaffOut(StaffRef):
    id_number: str = Field(description="身份证号（已脱敏）")


class ConductCaseOut(Schema):
    id: int
    staff: ConductStaffOut
    school: Ref = Field(description="违规时任职学校")
    occurred: dt.date
    decided: dt.date
    category: str
    category_label: str
    sanction: str
    sanction_label: str
    description: str
    veto_until: dt.date | None = Field(description="一票否决截止日期；空为长期")
    veto_active: bool


@router.get("/conduct/cases", response=Page[ConductCaseOut], summary="师德负面清单（仅限教育局）")
def list_conduct_cases(request: ApiRequest, filters: Query[ConductFilters]) -> Any:
    user = request.auth
    require_bureau(user, "查看师德负面清单")
    today = dt.date.today()
    cases = conduct_cases_for(user).filter(in_region("institution__", filters.region))
    if filters.institution:
        cases = cases.filter(institution__code=filters.institution)
    if filters.active:
        cases = cases.filter(Q(veto_until__isnull=True) | Q(veto_until__gte=today),
                             decided__lte=today)
    page = paginate(cases, filters)
    page["items"] = [
        {"id": c.pk, "staff": {**staff_ref(c.staff), "id_number": mask_id_number(
            c.staff.id_number)}, "school": ref(c.institution), "occurred": c.occurred,
         "decided": c.decided, "category": c.category,
         "category_label": c.get_category_display(), "sanction": c.sanction,
         "sanction_label": c.get_sanction_display(), "description": c.description,
         "veto_until": c.veto_until,
         "veto_active": c.decided <= today and (c.veto_until is None or today <= c.veto_until)}
        for c in page["items"]]
    return page


# ---------------------------------------------------------------- training and points


class TrainingFilters(PageParams):
    staff_id: int | None = None
    institution: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    region: str | None = Field(None, pattern=REGION_CODE, description="行政区划代码（含下级）")
    level: Literal["national", "provincial", "city", "county", "school"] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class ProgressFilters(PageParams):
    institution: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    region: str | None = Field(None, pattern=REGION_CODE, description="行政区划代码（含下级）")
    behind: bool = Field(False, description="仅低于进度的教师（缺口大者在前）")
    on: dt.date | None = Field(None, description="统计日期；缺省为今天")


class ProgressOut(ProgressFields):
    staff: StaffRef
    school: Ref | None


class CompletionOut(Schema):
    teachers: int
    complete: int
    behind: int
    hours: float
    rate: float | None = Field(description="完成率（已满周期学时的比例）")
    on_track_rate: float | None = Field(description="按进度完成的比例")
    hours_per_teacher: float | None


class ProgressListOut(Schema):
    cycle: CycleOut
    on: dt.date
    summary: CompletionOut = Field(description="筛选范围内全部教师的汇总")
    items: list[ProgressOut]
    count: int
    page: int
    page_size: int


class StaffProgressOut(ProgressFields):
    staff: StaffRef
    school: Ref | None
    cycle: CycleOut
    on: dt.date
    records: list[TrainingRecordOut] = Field(description="培训记录（新的在前）")


class PointsParams(Schema):
    year: int | None = Field(None, description="积分年度（学年起始年份）；缺省为上一学年")


@router.get("/training/records", response=Page[TrainingRecordOut], summary="培训学时台账")
def list_training(request: ApiRequest, filters: Query[TrainingFilters]) -> Any:
    user = request.auth
    require_recorder(user, "查看培训学时台账")
    records = training_for(user).select_related("staff__current_institution").filter(
        in_region("staff__current_institution__", filters.region))
    lookups = {"staff_id": filters.staff_id, "level": filters.level,
               "staff__current_institution__code": filters.institution,
               "date__gte": filters.date_from, "date__lte": filters.date_to}
    records = records.filter(**given(lookups))
    return paginate(records, filters, out=record_out)


@router.get("/training/progress", response=ProgressListOut,
            summary="继续教育：每位教师本周期（5年360学时）完成进度")
def list_progress(request: ApiRequest, filters: Query[ProgressFilters]) -> Any:
    user = request.auth
    require_recorder(user, "查看培训学时完成情况")
    on = filters.on or dt.date.today()
    teachers = teachers_for(user).filter(in_region("current_institution__", filters.region))
    if filters.institution:
        teachers = teachers.filter(current_institution__code=filters.institution)
    rows = standings_of(teachers, on)
    summary = completion(rows)
    if filters.behind:
        rows = sorted((r for r in rows if r.behind), key=lambda r: (-r.shortfall, r.staff))
    page = page_of(rows, filters)
    staff = {s.pk: s for s in teachers.select_related("current_institution").filter(
        pk__in=[r.staff for r in page["items"]])}
    page["items"] = [{**progress_fields(r), "staff": staff_ref(staff[r.staff]),
                      "school": ref(staff[r.staff].current_institution)}
                     for r in page["items"]]
    return {"cycle": cycle_out(on), "on": on, "summary": {
        "teachers": summary.teachers, "complete": summary.complete, "behind": summary.behind,
        "hours": summary.hours, "rate": summary.rate, "on_track_rate": summary.on_track_rate,
        "hours_per_teacher": summary.hours_per_teacher}, **page}


@router.get("/training/progress/{int:staff_id}", response=StaffProgressOut,
            summary="一位教师的继续教育进度与培训记录（教师只能查看本人）")
def get_progress(request: ApiRequest, staff_id: int, on: dt.date | None = None) -> Any:
    user = request.auth
    require_registry(user, "查看培训学时")
    staff = get_object_or_404(own(user, staff_for(user), "pk"), pk=staff_id)
    day = on or dt.date.today()
    row = standings_of(Staff.objects.filter(pk=staff.pk), day)[0]
    records = training_for(user).filter(staff=staff).select_related("staff__current_institution")
    return {**progress_fields(row), "staff": staff_ref(staff),
            "school": ref(staff.current_institution), "cycle": cycle_out(day), "on": day,
            "records": [record_out(r) for r in records]}


@router.get("/points/{int:staff_id}", response=PointsOut,
            summary="教师积分（按所在县区当年积分方案分项计算；教师只能查看本人）")
def get_points(request: ApiRequest, staff_id: int, params: Query[PointsParams]) -> Any:
    user = request.auth
    require_registry(user, "查看教师积分")
    staff = get_object_or_404(own(user, staff_for(user), "pk"), pk=staff_id)
    return points_out(staff, points_year(params.year))


# ---------------------------------------------------------------- a school, a teacher


class SchoolParams(Schema):
    year: int | None = Field(None, description="学年起始年份；缺省为当前学年")


class StaffRowOut(StaffRef):
    post: str
    post_label: str
    subject: str
    subject_label: str
    title_label: str
    backbone_level_label: str
    establishment_label: str


class SchoolStaffingOut(Schema):
    students: int
    norm: int
    established: int
    shortage: int
    surplus: int


class SchoolOut(Schema):
    school: Ref
    year: int
    establishment: SchoolStaffingOut | None = Field(description="编制核定（停办学校为空）")
    subjects: list[SubjectGapOut]
    staff: list[StaffRowOut]
    outgoing: list[ProposalOut] = Field(description="本校调出的交流安排")
    incoming: list[ProposalOut] = Field(description="调入本校的交流安排")


class OwnStaffOut(StaffRef):
    sex_label: str
    id_number: str = Field(description="身份证号（已脱敏）")
    phone: str = Field(description="电话（已脱敏）")
    school: Ref | None
    post_label: str
    subject_label: str
    education_label: str
    title_label: str
    backbone_level_label: str
    establishment_label: str


class HonourOut(Schema):
    kind: str
    kind_label: str
    tier: str
    tier_label: str
    awarded: dt.date
    valid_until: dt.date | None


class TitleApplicationOut(Schema):
    id: int
    year: int
    title: str
    title_label: str
    state: str
    state_label: str


class MeOut(Schema):
    staff: OwnStaffOut | None = Field(description="本人教职工档案；账户未关联档案时为空")
    cycle: CycleOut
    progress: ProgressFields | None
    training: list[TrainingRecordOut]
    points: PointsOut | None
    honours: list[HonourOut]
    title_applications: list[TitleApplicationOut]
    proposals: list[ProposalOut]
    applications: list[ApplicationOut]


@router.get("/schools/{code}", response=SchoolOut,
            summary="学校教师配置：编制、各学科需求、教职工、交流轮岗确认")
def get_school(request: ApiRequest, code: str, params: Query[SchoolParams]) -> Any:
    user = request.auth
    require_registry(user, "查看学校教师配置")
    school = get_object_or_404(institutions_for(user), code=code)
    year = academic_year(params.year)
    table = establishment_table(Institution.objects.filter(pk=school.pk), year.pk)
    gaps = subject_gaps_by_school(Institution.objects.filter(pk=school.pk), year.pk)
    staff = staff_for(user).filter(current_institution=school).order_by("current_post", "name")
    proposals = own(user, proposals_for(user)).exclude(state="withdrawn").order_by(
        "state", "staff__name")
    return {
        "school": ref(school), "year": year.start_year,
        "establishment": {k: getattr(table[0], k) for k in (
            "students", "norm", "established", "shortage", "surplus")} if table else None,
        "subjects": [gap_out(g) for g in gaps[school.pk]],
        "staff": [{**staff_ref(s), "post": s.current_post,
                   "post_label": s.get_current_post_display(), "subject": s.subject,
                   "subject_label": s.get_subject_display(), "title_label": s.get_title_display(),
                   "backbone_level_label": s.get_backbone_level_display(),
                   "establishment_label": s.get_establishment_display()} for s in staff],
        "outgoing": [proposal_out(user, p) for p in proposals.filter(source=school)],
        "incoming": [proposal_out(user, p) for p in proposals.filter(destination=school)],
    }


def own_staff_out(staff: Staff) -> dict[str, Any]:
    return {**staff_ref(staff), "sex_label": staff.get_sex_display(),
            "id_number": mask_id_number(staff.id_number), "phone": mask_phone(staff.phone),
            "school": ref(staff.current_institution),
            "post_label": staff.get_current_post_display(),
            "subject_label": staff.get_subject_display(),
            "education_label": staff.get_education_display(),
            "title_label": staff.get_title_display(),
            "backbone_level_label": staff.get_backbone_level_display(),
            "establishment_label": staff.get_establishment_display()}


@router.get("/me", response=MeOut,
            summary="本人教师档案：培训进度、积分、荣誉、职称申报、交流轮岗与竞聘",
            description="只返回当前账户关联的教职工本人的记录；未关联档案的账户各项为空。")
def get_me(request: ApiRequest) -> Any:
    user = request.auth
    require_registry(user, "查看本人教师档案")
    today = dt.date.today()
    staff_id = own_staff_id(user)
    staff = staff_for(user).filter(pk=staff_id).first() if staff_id is not None else None
    if staff is None:
        return {"staff": None, "cycle": cycle_out(today), "progress": None, "training": [],
                "points": None, "honours": [], "title_applications": [], "proposals": [],
                "applications": []}
    row = standings_of(Staff.objects.filter(pk=staff.pk), today)[0]
    records = training_for(user).filter(staff=staff).select_related("staff__current_institution")
    return {
        "staff": own_staff_out(staff), "cycle": cycle_out(today),
        "progress": progress_fields(row), "training": [record_out(r) for r in records],
        "points": points_out(staff, points_year(None)),
        "honours": [{"kind": h.kind, "kind_label": h.get_kind_display(), "tier": h.tier,
                     "tier_label": h.get_tier_display(), "awarded": h.awarded,
                     "valid_until": h.valid_until}
                    for h in honours_for(user).filter(staff=staff)],
        "title_applications": [{"id": a.pk, "year": a.year, "title": a.title,
                                "title_label": a.get_title_display(), "state": a.state,
                                "state_label": a.state_label}
                               for a in title_applications_for(user).filter(staff=staff)
                               .order_by("-year")],
        "proposals": [proposal_out(user, p) for p in
                      proposals_for(user).filter(staff=staff).order_by("-pk")],
        "applications": [application_out(a) for a in applications_of(user).filter(
            staff=staff).order_by("-pk")],
    }


# ---------------------------------------------------------------- the barred list, 入职查询


class BarredFilters(PageParams):
    name: str | None = Field(None, max_length=64, description="姓名（包含）")
    region: str | None = Field(None, pattern=REGION_CODE, description="导入名单的行政区划代码")


class BarredOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="身份证号（已脱敏）")
    reason: str = Field(description="禁止从教原因")
    source: str = Field(description="信息来源")
    region: Ref = Field(description="导入名单的行政区划（其下各级均适用）")
    imported_at: dt.datetime


class HireCheckIn(Schema):
    model_config = {"extra": "forbid"}

    id_number: str = Field(..., min_length=15, max_length=20, description="拟聘人员身份证号")
    name: str = Field("", max_length=64, description="拟聘人员姓名（记入查询记录）")
    institution: str = Field(..., pattern=INSTITUTION_CODE, description="拟聘学校标识码")


class HireCheckOut(Schema):
    id: int = Field(description="查询记录编号")
    match: bool = Field(description="命中禁止从教人员名单或师德负面清单（开除、撤销教师资格），"
                                    "不得聘用")
    reason: str
    id_number: str = Field(description="身份证号（已脱敏）")
    name: str
    school: Ref
    checked_at: dt.datetime


@router.get("/conduct/barred", response=Page[BarredOut],
            summary="禁止从教人员名单（仅限教育局；本级及上级导入的名单）")
def list_barred(request: ApiRequest, filters: Query[BarredFilters]) -> Any:
    user = request.auth
    require_bureau(user, "查看禁止从教人员名单")
    found = barred_for(user)
    if filters.name:
        found = found.filter(name__contains=filters.name)
    if filters.region:
        found = found.filter(region__code=filters.region)
    page = paginate(found, filters)
    page["items"] = [{"id": b.pk, "name": b.name, "id_number": mask_id_number(b.id_number),
                      "reason": b.reason, "source": b.source, "region": ref(b.region),
                      "imported_at": b.imported_at} for b in page["items"]]
    return page


@router.post("/conduct/pre-hire-check", response=HireCheckOut,
             summary="入职查询：拟聘人员是否在禁止从教人员名单或师德负面清单（开除、撤销教师资格）中",
             description="教育局、学校管理员为本辖区学校查询；每次查询（无论结果）都留有查询记录和"
                         "审计日志。身份证号无效为 422；学校不在辖区内为 404。")
def check_before_hiring(request: ApiRequest, payload: HireCheckIn) -> Any:
    user = request.auth
    require_recorder(user, "进行入职查询")
    school = get_object_or_404(institutions_for(user), code=payload.institution)
    check = conduct.pre_hire_check(actor=user, id_number=payload.id_number,
                                   name=payload.name.strip(), institution=school)
    return {"id": check.pk, "match": check.blocked, "reason": check.reason,
            "id_number": mask_id_number(check.id_number), "name": check.name,
            "school": ref(school), "checked_at": check.checked_at}


# ---------------------------------------------------------------- 职称 and honours


TitleCode = Literal["third", "second", "first", "senior", "senior_professor"]
TitleState = Literal["submitted", "recommended", "approved", "rejected", "withdrawn"]
HonourKind = Literal["rising_star", "famous", "backbone", "special_grade", "excellent"]
HonourTier = Literal["school", "county", "city", "province", "national"]


class TitleFilters(PageParams):
    staff_id: int | None = None
    state: TitleState | None = None
    pending: bool = Field(False, description="仅待推荐、待评审的申报")
    year: int | None = Field(None, description="评审年度")
    institution: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    region: str | None = Field(None, pattern=REGION_CODE, description="行政区划代码（含下级）")


class TitleCheckOut(Schema):
    passed: bool = Field(description="符合申报条件")
    veto: str | None = Field(description="师德一票否决原因；无则为空")
    training_hours: float | None = Field(description="本周期已完成学时")
    training_expected: float | None = Field(description="截至今日按进度应完成学时")
    training_behind: bool
    refusals: list[str] = Field(description="不符合条件的全部原因")


class TitleApplicationRow(Schema):
    id: int
    staff: StaffRef
    school: Ref | None = Field(description="教师现任职学校")
    year: int = Field(description="评审年度")
    current_title: str
    current_title_label: str
    title: str
    title_label: str
    state: str
    state_label: str
    state_changed_at: dt.datetime | None
    due_at: dt.datetime | None
    checks: TitleCheckOut | None = Field(description="待推荐、待评审的申报按今日核查的结果")
    actions: list[ActionOut] = Field(description="当前用户此时可执行的操作")


class TitleApplyIn(Schema):
    model_config = {"extra": "forbid"}

    staff_id: int | None = Field(None, description="申报教职工编号；教师账户缺省为本人")
    title: TitleCode = Field(..., description="申报职称（须比现职称高一级）")
    year: int = Field(..., ge=2000, le=2100, description="评审年度")
    note: str = Field("", max_length=1000, description="申报说明")


class TitleReviewIn(Schema):
    model_config = {"extra": "forbid"}

    action: Literal["recommend", "approve", "reject", "withdraw"] = Field(
        ..., description="recommend 学校推荐，approve 评审通过（教育局），"
                         "reject 不予通过（需 reason），withdraw 撤回申报（学校、教师）")
    reason: str = Field("", max_length=500, description="理由或评审意见")


class HonourFilters(PageParams):
    staff_id: int | None = None
    kind: HonourKind | None = None
    valid: bool | None = Field(None, description="true 只列今日有效的荣誉，false 只列已过期的")
    institution: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")


class HonourRow(HonourOut):
    id: int
    staff: StaffRef
    school: Ref | None
    awarded_by: str
    valid: bool = Field(description="今日是否在有效期内")


class HonourIn(Schema):
    model_config = {"extra": "forbid"}

    staff_id: int
    kind: HonourKind
    tier: HonourTier
    awarded: dt.date = Field(..., description="授予日期")
    awarded_by: str = Field("", max_length=128, description="授予单位")


def title_rows(user: Any, applications: list[TitleApplication],
               on: dt.date) -> list[dict[str, Any]]:
    """Applications as rows; the pending ones with today's checks (five queries for all)."""
    pending = [a for a in applications if a.state in TITLE_PENDING]
    checks = dict(zip((a.pk for a in pending), title_checks(
        [(a.staff_id, a.staff.title, a.title) for a in pending], on), strict=True))
    scope = scope_of(user)
    roles = None if scope.everything else scope.roles
    rows = []
    for a in applications:
        check = checks.get(a.pk)
        progress = check.training if check else None
        rows.append({
            "id": a.pk, "staff": staff_ref(a.staff), "school": ref(a.staff.current_institution),
            "year": a.year, "current_title": a.current_title,
            "current_title_label": a.get_current_title_display(), "title": a.title,
            "title_label": a.get_title_display(), "state": a.state, "state_label": a.state_label,
            "state_changed_at": a.state_changed_at, "due_at": a.due_at,
            "checks": None if check is None else {
                "passed": check.passed, "veto": check.veto,
                "training_hours": progress.hours if progress else None,
                "training_expected": round(progress.expected, 1) if progress else None,
                "training_behind": bool(progress and progress.behind),
                "refusals": check.refusals},
            "actions": [{"name": t.name, "label": t.label, "needs_reason": t.needs_reason}
                        for t in TITLE_APPLICATION.available(a.state, roles)],
        })
    return rows


def title_applications_of(user: Any) -> QuerySet[TitleApplication]:
    return own(user, title_applications_for(user)).select_related("staff__current_institution")


@router.get("/titles/applications", response=Page[TitleApplicationRow],
            summary="职称申报（含师德一票否决、继续教育学时核查；教师只见本人）")
def list_title_applications(request: ApiRequest, filters: Query[TitleFilters]) -> Any:
    user = request.auth
    require_registry(user, "查看职称申报")
    found = title_applications_of(user).filter(in_region("staff__current_institution__",
                                                         filters.region))
    lookups = {"staff_id": filters.staff_id, "state": filters.state, "year": filters.year,
               "staff__current_institution__code": filters.institution}
    found = found.filter(**given(lookups))
    if filters.pending:
        found = found.filter(state__in=TITLE_PENDING)
    page = paginate(found, filters)
    page["items"] = title_rows(user, page["items"], today())
    return page


@router.post("/titles/applications", response={201: TitleApplicationRow},
             summary="申报职称（教师为本人申报，学校管理员、教育局为本辖区教师申报）",
             description="须逐级申报；师德处理期内、继续教育学时落后时不能申报（422，列出全部原因）。"
                         "同一教师同一年度只能申报一次。")
def apply_for_title(request: ApiRequest, payload: TitleApplyIn) -> Any:
    user = request.auth
    require_registry(user, "申报职称")
    staff_id = payload.staff_id if payload.staff_id is not None else own_staff_id(user)
    if staff_id is None:
        raise ValidationError({"staff_id": "请指定申报的教职工"})
    staff = get_object_or_404(staff_for(user), pk=staff_id)
    if TitleApplication.objects.filter(staff=staff, year=payload.year).exists():
        raise ValidationError({"year": f"该教职工{payload.year}年度已申报职称"})
    application = titles.apply_for_title(
        actor=user, staff=staff, title=payload.title, year=payload.year,
        evidence={"note": payload.note} if payload.note else None, on=today())
    found = title_applications_of(user).get(pk=application.pk)
    return Status(201, title_rows(user, [found], today())[0])


@router.post("/titles/applications/{int:application_id}/review",
             response=TitleApplicationRow,
             summary="职称申报的推荐、评审（通过或不予通过）与撤回",
             description="评审通过时再次核查逐级申报、师德一票否决和继续教育学时，"
                         "通过后写入职称记录并更新教职工职称。角色不能执行该操作为 403；"
                         "状态不允许、缺少理由或核查不通过为 422。")
def review_title_application(request: ApiRequest, application_id: int,
                             payload: TitleReviewIn) -> Any:
    user = request.auth
    require_registry(user, "办理职称申报")
    application = get_object_or_404(title_applications_of(user), pk=application_id)
    transition = TITLE_APPLICATION.transition(payload.action)
    scope = scope_of(user)
    if not scope.everything and not (transition.roles & scope.roles):
        raise PermissionDenied(f"您的角色不能执行“{transition.label}”")
    try:
        titles.review_title(actor=user, application=application, transition=payload.action,
                            reason=payload.reason.strip(), on=today())
    except WorkflowError as exc:
        raise ValidationError({"action": str(exc)}) from exc
    found = title_applications_of(user).get(pk=application.pk)
    return title_rows(user, [found], today())[0]


def honour_row(honour: Honour, on: dt.date) -> dict[str, Any]:
    return {"id": honour.pk, "staff": staff_ref(honour.staff),
            "school": ref(honour.staff.current_institution), "kind": honour.kind,
            "kind_label": honour.get_kind_display(), "tier": honour.tier,
            "tier_label": honour.get_tier_display(), "awarded": honour.awarded,
            "valid_until": honour.valid_until, "awarded_by": honour.awarded_by,
            "valid": honour.awarded <= on and (honour.valid_until is None
                                               or on <= honour.valid_until)}


@router.get("/honours", response=Page[HonourRow], summary="荣誉称号（教师只见本人）")
def list_honours(request: ApiRequest, filters: Query[HonourFilters]) -> Any:
    user = request.auth
    require_registry(user, "查看荣誉称号")
    day = today()
    found = own(user, honours_for(user)).select_related("staff__current_institution")
    lookups = {"staff_id": filters.staff_id, "kind": filters.kind,
               "staff__current_institution__code": filters.institution}
    found = found.filter(**given(lookups))
    if filters.valid is not None:
        current = Q(awarded__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        found = found.filter(current if filters.valid else ~current)
    page = paginate(found, filters)
    page["items"] = [honour_row(h, day) for h in page["items"]]
    return page


@router.post("/honours", response={201: HonourRow},
             summary="登记荣誉称号（教育局、学校管理员）",
             description="师德处理期内不得登记（422，附原因）；骨干教师荣誉同时更新教职工的骨干教师级别。")
def award_honour(request: ApiRequest, payload: HonourIn) -> Any:
    user = request.auth
    require_recorder(user, "登记荣誉称号")
    staff = get_object_or_404(staff_for(user), pk=payload.staff_id)
    honour = titles.award_honour(actor=user, staff=staff, kind=payload.kind, tier=payload.tier,
                                 awarded=payload.awarded, awarded_by=payload.awarded_by.strip())
    found = honours_for(user).select_related("staff__current_institution").get(pk=honour.pk)
    return Status(201, honour_row(found, today()))


# ---------------------------------------------------------------- the county pool, ranking


class PoolFilters(PageParams):
    county: str | None = Field(None, pattern=REGION_CODE, description="县（区）行政区划代码")
    year: int | None = Field(None, description="学年起始年份")
    state: Literal["pooled", "placed", "allocated", "training"] | None = None


class PoolRow(PoolOut):
    round_id: int
    county: Ref
    year: int
    school: Ref | None = Field(description="教师现任职学校")
    subject_label: str
    state_changed_at: dt.datetime | None


class AllocateIn(Schema):
    model_config = {"extra": "forbid"}

    institution: str = Field(..., pattern=INSTITUTION_CODE, description="调剂到的学校标识码")
    reason: str = Field(..., min_length=1, max_length=500, description="调剂理由")


class RankIn(Schema):
    application_id: int
    rank: int = Field(..., ge=1, le=999, description="学校排序，1为最优先")


class RanksIn(Schema):
    model_config = {"extra": "forbid"}

    ranks: list[RankIn] = Field(..., min_length=1, max_length=500)


class RanksOut(Schema):
    changed: int = Field(description="排序有变化的报名数")
    applications: list[ApplicationOut]


def pool_row(entry: PoolEntry) -> dict[str, Any]:
    staff = entry.staff
    return {**pool_out(entry), "round_id": entry.round_id, "county": ref(entry.round.county),
            "year": entry.round.academic_year.start_year,
            "school": ref(staff.current_institution),
            "subject_label": staff.get_subject_display(),
            "state_changed_at": entry.state_changed_at}


def pool_of(user: Any) -> QuerySet[PoolEntry]:
    return own(user, pool_for(user)).select_related(
        "round__county", "round__academic_year", "staff__current_institution")


@router.get("/posting/pool", response=Page[PoolRow],
            summary="县域待岗人员（竞聘未聘任的教师：二轮竞聘、组织调剂、待岗培训；教师只见本人）")
def list_pool(request: ApiRequest, filters: Query[PoolFilters]) -> Any:
    user = request.auth
    require_registry(user, "查看县域待岗人员")
    found = pool_of(user)
    lookups = {"round__county__code": filters.county,
               "round__academic_year__start_year": filters.year, "state": filters.state}
    found = found.filter(**given(lookups))
    return paginate(found, filters, out=pool_row)


@router.post("/posting/pool/{int:entry_id}/allocate", response=PoolRow,
             summary="组织调剂：教育局将待岗教师安排到本县（区）学校",
             description="经竞聘服务执行（自聘任生效日期起调动），写入流程记录和审计日志。"
                         "学校须在本县（区）；已聘任或已调剂的人员为 422。")
def allocate_from_pool(request: ApiRequest, entry_id: int, payload: AllocateIn) -> Any:
    user = request.auth
    require_bureau(user, "组织调剂")
    entry = get_object_or_404(pool_of(user), pk=entry_id)
    school = get_object_or_404(institutions_for(user), code=payload.institution)
    try:
        posting.allocate(actor=user, entry=entry, institution=school,
                         reason=payload.reason.strip())
    except WorkflowError as exc:
        raise ValidationError({"reason": str(exc)}) from exc
    return pool_row(pool_of(user).get(pk=entry.pk))


@router.post("/posting/rounds/{int:round_id}/ranks", response=RanksOut,
             summary="学校为本校岗位的报名教师排序（全部保存或全部不保存）",
             description="学校管理员（本校岗位）、教育局可排序；其他学校岗位的报名视为不存在（404）。"
                         "轮次已结束或排序重复提交同一报名为 422。")
def rank_applicants(request: ApiRequest, round_id: int, payload: RanksIn) -> Any:
    user = request.auth
    if not scope_of(user).has_role(Role.SCHOOL_ADMIN, *BUREAU_ROLES):
        raise PermissionDenied("只有学校管理员或教育局可以为竞聘报名排序")
    posting_round = get_object_or_404(rounds_for(user), pk=round_id)
    ranks = {r.application_id: r.rank for r in payload.ranks}
    if len(ranks) != len(payload.ranks):
        raise ValidationError({"ranks": "同一报名只能排序一次"})
    try:
        changed = posting.rank_applicants(actor=user, posting_round=posting_round, ranks=ranks)
    except WorkflowError as exc:
        raise ValidationError({"ranks": str(exc)}) from exc
    ranked = applications_of(user).filter(pk__in=list(ranks)).order_by(
        "opening__institution__code", "school_rank", "pk")
    return {"changed": changed, "applications": [application_out(a) for a in ranked]}


# ---------------------------------------------------------------- 竞聘上岗: rounds for the bureau


class RoundIn(Schema):
    model_config = {"extra": "forbid"}

    county: str = Field(..., pattern=REGION_CODE, description="县（区）行政区划代码")
    year: int = Field(..., description="学年起始年份")
    number: Literal[1, 2] = Field(1, description="轮次：1 第一轮，2 第二轮（县域待岗教师）")
    name: str = Field("", max_length=64, description="名称")
    opens: dt.date | None = Field(None, description="报名开始日期")
    closes: dt.date | None = Field(None, description="报名截止日期")
    effective: dt.date = Field(..., description="聘任生效日期")


class PostIn(Schema):
    model_config = {"extra": "forbid"}

    institution: str = Field(..., pattern=INSTITUTION_CODE, description="学校标识码")
    subject: str = Field(..., max_length=16, description="学科代码（如 math）")
    places: int = Field(..., ge=1, le=999, description="岗位数（同一学校同一学科再次设置即修改）")


class CloseOut(Schema):
    round: RoundOut
    placed: int = Field(description="聘任人数")
    unplaced: int = Field(description="未聘任人数")
    pooled: int = Field(description="进入县域待岗人数（第一轮）")


class WithdrawIn(Schema):
    model_config = {"extra": "forbid"}

    reason: str = Field("", max_length=500, description="撤回理由（可不填）")


@router.post("/posting/rounds", response={201: RoundOut},
             summary="开设竞聘轮次（教育局）",
             description="经竞聘服务执行并写入审计日志。报名日期倒置、生效日期早于报名截止、"
                         "同一学年同一轮次已有、第一轮未结束开第二轮为 422；"
                         "县（区）不在辖区为 404。")
def open_round(request: ApiRequest, payload: RoundIn) -> Any:
    user = request.auth
    require_bureau(user, "组织竞聘上岗")
    county = region_in_scope(user, payload.county)
    posting_round = posting.open_round(
        actor=user, county=county, academic_year=academic_year(payload.year),
        number=payload.number, effective=payload.effective, name=payload.name,
        opens=payload.opens, closes=payload.closes)
    return Status(201, round_out(posting_round))


@router.api_operation(
    ["PUT", "POST"], "/posting/rounds/{int:round_id}/posts", response=OpeningOut,
    summary="设置竞聘岗位：某校某学科的岗位数（教育局；同一学校同一学科再次设置即修改）",
    description="经竞聘服务执行并写入审计日志。轮次已结束、学校不属于本县（区）、学科不存在为 422；"
                "轮次或学校不在辖区为 404。")
def set_post(request: ApiRequest, round_id: int, payload: PostIn) -> Any:
    user = request.auth
    require_bureau(user, "设置竞聘岗位")
    posting_round = get_object_or_404(rounds_for(user), pk=round_id)
    school = get_object_or_404(institutions_for(user), code=payload.institution)
    if payload.subject not in Subject.values:
        raise ValidationError({"subject": "没有该学科"})
    opening = posting.add_opening(actor=user, posting_round=posting_round, institution=school,
                                  subject=payload.subject, places=payload.places)
    return opening_out(opening)


@router.post("/posting/rounds/{int:round_id}/close", response=CloseOut,
             summary="结束竞聘轮次：按教师志愿和学校排序确定聘任（教育局）",
             description="经竞聘服务执行：稳定匹配确定聘任，聘任到其他学校的自聘任生效日期起调动，"
                         "第一轮未聘任的教师进入县域待岗；写入流程记录和审计日志。已结束为 422。")
def close_round(request: ApiRequest, round_id: int) -> Any:
    user = request.auth
    require_bureau(user, "结束竞聘")
    posting_round = get_object_or_404(rounds_for(user), pk=round_id)
    try:
        summary = posting.close_round(actor=user, posting_round=posting_round)
    except WorkflowError as exc:
        raise ValidationError(str(exc)) from exc
    return {"round": round_out(rounds_for(user).get(pk=posting_round.pk)), **summary}


@router.post("/posting/applications/{int:application_id}/withdraw", response=ApplicationOut,
             summary="撤回竞聘报名（教师本人或其所在学校管理员，本轮结束前）",
             description="经竞聘服务执行：报名保留并标记为已撤回，写入流程记录和审计日志，"
                         "结束本轮时不再参与聘任。非本人或本校为 403；轮次已结束、已撤回为 422。")
def withdraw_application(request: ApiRequest, application_id: int, payload: WithdrawIn) -> Any:
    user = request.auth
    if not scope_of(user).has_role(Role.SCHOOL_ADMIN, Role.TEACHER):
        raise PermissionDenied("只有报名教师本人或其所在学校管理员可以撤回竞聘报名")
    application = get_object_or_404(applications_of(user).select_related("opening__round"),
                                    pk=application_id)
    try:
        posting.withdraw_application(actor=user, application=application,
                                     reason=payload.reason)
    except WorkflowError as exc:
        raise ValidationError({"reason": str(exc)}) from exc
    return application_out(applications_of(user).get(pk=application.pk))
