"""Every campus-safety write: keyword-only, one transaction, an audit row (DESIGN §2).

Hazards and inspections move only through ``edugov.workflow.services`` so their history
and audit rows are the shared ones; this module adds what the safety scenario needs
around each step (deadlines by grade, who may verify what, notices).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.roles import Role
from edugov.core.scoping import memberships_of, scope_of, visible_to
from edugov.registry.models import Institution, Region
from edugov.safety import notifications, selectors
from edugov.safety import workflow as wf
from edugov.safety.choices import (
    SERIOUS_INCIDENT,
    HazardSource,
    NotificationKind,
    SupervisionLevel,
)
from edugov.safety.models import (
    ChecklistItem,
    ChecklistTemplate,
    GridPost,
    Hazard,
    Incident,
    Inspection,
    InspectionResult,
    Notification,
    RiskEntry,
    SafetyArea,
    Schedule,
)
from edugov.safety.rules import deadlines, grading, grid, lists, schedule
from edugov.workflow import services as flow
from edugov.workflow.models import StateChange

ENTITY_POST = audit.entity_name(GridPost)
BUREAU_ROLES = (Role.COUNTY_BUREAU.value, Role.CITY_BUREAU.value)


def rectify_days() -> Mapping[str, int]:
    return getattr(settings, "EDUGOV_SAFETY_RECTIFY_DAYS", {})


def risk_matrix() -> grading.RiskMatrix:
    return getattr(settings, "EDUGOV_SAFETY_RISK_MATRIX", grading.DEFAULT_MATRIX)


def _ensure_reaches(actor: User | None, institution: Institution) -> None:
    """Services refuse work on a school outside the actor's jurisdiction (views 404 first)."""
    if not visible_to(actor, Institution.objects.filter(pk=institution.pk)).exists():
        raise PermissionDenied("不在您的管辖范围内")


def _is_bureau(actor: User | None) -> bool:
    return scope_of(actor).has_role(*BUREAU_ROLES)


def manages(actor: User | Any, institution: Institution) -> bool:
    """May ``actor`` keep ``institution``'s registers (risks, areas)? Its school admin and the
    bureaus over it may; teachers only read them. Memberships, not the scope: a teacher at
    this school who is school admin elsewhere does not manage this one."""
    scope = scope_of(actor)
    if scope.everything:
        return True
    path = institution.region.path
    return any(
        (m.role == Role.SCHOOL_ADMIN and m.institution_id == institution.pk)
        or (m.role in BUREAU_ROLES and m.region is not None and path.startswith(m.region.path))
        for m in memberships_of(actor))


def _ensure_manages(actor: User | None, institution: Institution) -> None:
    _ensure_reaches(actor, institution)
    if not manages(actor, institution):
        raise PermissionDenied("只有学校管理员或教育局可以维护")


def end_of(day: dt.date) -> dt.datetime:
    """Midnight after ``day`` in the bureau's time zone: a date deadline lasts all day."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


# -- grid -------------------------------------------------------------------------------


def _unique_area_name(institution: Institution, name: str, *, but: int | None = None) -> None:
    same = SafetyArea.objects.filter(institution=institution, name=name)
    if but is not None:
        same = same.exclude(pk=but)
    if same.exists():
        raise ValidationError(f"{institution.name}已有名为“{name}”的区域（含已停用的）")


@transaction.atomic
def add_area(*, actor: User | None, institution: Institution, name: str, kind: str,
             owner_name: str = "", owner_phone: str = "") -> SafetyArea:
    """A building or area of a school, with its owner (楼栋/区域责任人) when named."""
    _ensure_manages(actor, institution)
    name = name.strip()
    _unique_area_name(institution, name)
    try:
        with transaction.atomic():
            area = SafetyArea.objects.create(institution=institution, name=name, kind=kind)
    except IntegrityError as exc:  # the same name added at the same moment
        raise ValidationError(f"{institution.name}已有名为“{name}”的区域") from exc
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(area),
                 object_id=area.pk, summary=f"{institution.name} {name}")
    if owner_name.strip():
        appoint(actor=actor, level=grid.AREA_OWNER, area=area, person_name=owner_name.strip(),
                phone=owner_phone)
    return area


@transaction.atomic
def update_area(*, actor: User | None, area: SafetyArea, name: str, kind: str,
                owner_name: str, owner_phone: str = "") -> SafetyArea:
    """Rename or re-type an area and change its owner: a new name (or phone) appoints a new
    holder, the earlier one stepping down (kept); a blank name leaves the post vacant (a gap);
    a blank phone keeps the current one."""
    _ensure_manages(actor, area.institution)
    if not area.active:  # an owner of a retired area would be a post nobody checks
        raise ValidationError("该区域已停用，请先恢复使用")
    name, owner_name = name.strip(), owner_name.strip()
    _unique_area_name(area.institution, name, but=area.pk)
    before = {"name": area.name, "kind": area.kind}
    area.name, area.kind = name, kind
    area.save(update_fields=["name", "kind"])
    current = selectors.area_owner(area)
    if not owner_name and current is not None:
        vacate(actor=actor, post=current)
    elif owner_name and (current is None or current.person_name != owner_name
                         or (owner_phone and owner_phone != current.phone)):
        same_person = current is not None and current.person_name == owner_name
        appoint(actor=actor, level=grid.AREA_OWNER, area=area, person_name=owner_name,
                phone=owner_phone or (current.phone if same_person and current else ""))
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(area),
                 object_id=area.pk, summary=f"{area.institution.name} {name}",
                 details={"before": before})
    return area


@transaction.atomic
def retire_area(*, actor: User | None, area: SafetyArea) -> SafetyArea:
    """An area no longer in use (demolished, merged): kept, no longer a grid gap; its owner
    steps down (kept too). Past hazards still name it."""
    _ensure_manages(actor, area.institution)
    SafetyArea.objects.filter(pk=area.pk).update(active=False)
    area.active = False
    GridPost.objects.filter(area=area, active=True).update(active=False)
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(area),
                 object_id=area.pk, summary=f"停用区域 {area.institution.name} {area.name}")
    return area


@transaction.atomic
def reinstate_area(*, actor: User | None, area: SafetyArea) -> SafetyArea:
    """Back in use; it needs an owner again (shown as a gap until one is named)."""
    _ensure_manages(actor, area.institution)
    SafetyArea.objects.filter(pk=area.pk).update(active=True)
    area.active = True
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(area),
                 object_id=area.pk, summary=f"恢复区域 {area.institution.name} {area.name}")
    return area


@transaction.atomic
def appoint(*, actor: User | None, level: str, person_name: str, phone: str = "",
            duty: str = "", region: Region | None = None, institution: Institution | None = None,
            area: SafetyArea | None = None, user: User | None = None,
            since: dt.date | None = None) -> GridPost:
    """Name a responsible person; an earlier holder of the same post steps down (kept)."""
    if area is not None:
        institution = area.institution
    if institution is not None:
        _ensure_reaches(actor, institution)
    elif region is None or not visible_to(actor, Region.objects.filter(pk=region.pk)).exists():
        raise PermissionDenied("不在您的管辖范围内")
    GridPost.objects.filter(level=level, region=region, institution=institution, area=area,
                            active=True).update(active=False)
    post = GridPost.objects.create(level=level, region=region, institution=institution,
                                   area=area, user=user, person_name=person_name, phone=phone,
                                   duty=duty, since=since)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=ENTITY_POST,
                 object_id=post.pk, summary=f"{grid.LEVEL_LABELS[level]} {person_name}")
    return post


@transaction.atomic
def vacate(*, actor: User | None, post: GridPost) -> GridPost:
    """A post holder leaves: the row stays (history of who was responsible when)."""
    if post.institution is not None:
        _ensure_reaches(actor, post.institution)
    GridPost.objects.filter(pk=post.pk).update(active=False)
    post.active = False
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=ENTITY_POST,
                 object_id=post.pk, summary=f"离任 {post.person_name}")
    return post


# -- checklists and schedules --------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    text: str
    guidance: str = ""
    evidence: str = "yes_no"
    failure_grade: str = grading.GENERAL
    reading_min: float | None = None
    reading_max: float | None = None
    reading_unit: str = ""


@transaction.atomic
def publish_template(*, actor: User | None, code: str, domain: str, name: str,
                     items: Sequence[ItemSpec]) -> ChecklistTemplate:
    """A new version of checklist ``code``; earlier versions stay for past inspections."""
    if not _is_bureau(actor):
        raise PermissionDenied("只有教育局可以发布检查清单")
    if not items:
        raise ValidationError("检查清单至少需要一个检查项目")
    previous = ChecklistTemplate.objects.filter(code=code).order_by("-version").first()
    ChecklistTemplate.objects.filter(code=code, current=True).update(current=False)
    template = ChecklistTemplate.objects.create(
        code=code, domain=domain, name=name, version=(previous.version + 1) if previous else 1)
    ChecklistItem.objects.bulk_create([
        ChecklistItem(template=template, order=n, text=s.text, guidance=s.guidance,
                      evidence=s.evidence, failure_grade=s.failure_grade,
                      reading_min=s.reading_min, reading_max=s.reading_max,
                      reading_unit=s.reading_unit)
        for n, s in enumerate(items, start=1)])
    audit.record(actor=actor, action=AuditLog.Action.CREATE,
                 entity=audit.entity_name(template), object_id=template.pk,
                 summary=f"{name} 第{template.version}版", details={"items": len(items)})
    return template


@transaction.atomic
def create_schedule(*, actor: User | None, institution: Institution, template_code: str,
                    frequency: str, inspector_level: str, start: dt.date, end: dt.date,
                    kind: str = "self", fixed_dates: Sequence[dt.date] = ()) -> Schedule:
    _ensure_reaches(actor, institution)
    if not ChecklistTemplate.objects.filter(code=template_code, current=True).exists():
        raise ValidationError(f"检查清单 {template_code} 不存在")
    plan = Schedule.objects.create(
        institution=institution, template_code=template_code, frequency=frequency,
        inspector_level=inspector_level, start=start, end=end, kind=kind,
        fixed_dates=[d.isoformat() for d in fixed_dates])
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(plan),
                 object_id=plan.pk, summary=str(plan))
    return plan


@transaction.atomic
def plan_inspections(*, actor: User | None, plan: Schedule, start: dt.date, end: dt.date,
                     holidays: Sequence[dt.date] = (), now: dt.datetime | None = None) -> int:
    """Create the inspections ``plan`` makes due in [start, end] (once per date)."""
    _ensure_manages(actor, plan.institution)
    if not plan.active:
        raise ValidationError("该检查计划已停用，不能生成检查")
    if end < start:
        raise ValidationError("结束日期不能早于开始日期")
    now = now or timezone.now()
    # Two planners of one schedule at once queue here (PostgreSQL; SQLite's IMMEDIATE
    # transactions already do), so the second sees the first's dates and adds none.
    Schedule.objects.select_for_update().filter(pk=plan.pk).first()
    template = ChecklistTemplate.objects.get(code=plan.template_code, current=True)
    fixed = [dt.date.fromisoformat(d) for d in plan.fixed_dates]
    dates = schedule.due_dates(plan.frequency, max(start, plan.start), min(end, plan.end),
                               holidays=set(holidays), fixed=fixed)
    existing = set(plan.inspections.values_list("due_date", flat=True))
    created = Inspection.objects.bulk_create([
        Inspection(institution=plan.institution, schedule=plan, template=template,
                   domain=template.domain, kind=plan.kind, due_date=d, state=wf.PLANNED,
                   state_changed_at=now, due_at=end_of(d))
        for d in dates if d not in existing])
    _bulk_history(created, workflow=wf.INSPECTION.name, state=wf.PLANNED, actor=actor, now=now)
    audit.record(actor=actor, action=AuditLog.Action.CREATE,
                 entity=audit.entity_name(Inspection), summary=f"{plan} 生成检查 {len(created)} 次",
                 details={"schedule": plan.pk, "count": len(created)})
    return len(created)


def _bulk_history(items: Sequence[Inspection], *, workflow: str, state: str,
                  actor: User | None, now: dt.datetime) -> None:
    """The 'create' history rows of bulk-planned items (one audit row covers the batch)."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Inspection)
    StateChange.objects.bulk_create([
        StateChange(content_type=ct, object_id=str(i.pk), workflow=workflow, transition="create",
                    from_state="", to_state=state, at=now,
                    actor=actor if actor is not None and actor.is_authenticated else None)
        for i in items])


# -- inspections -----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    item_id: int
    passed: bool
    reading: float | None = None
    note: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)


def _judge(item: ChecklistItem, answer: Answer) -> bool:
    """A reading outside the item's range fails whatever box was ticked."""
    if item.evidence == "reading":
        if answer.reading is None:
            raise ValidationError(f"“{item.text}”需要填写读数")
        low, high = item.reading_min, item.reading_max
        too_low = low is not None and answer.reading < low
        if too_low or (high is not None and answer.reading > high):
            return False
    if item.evidence == "photo" and not answer.evidence:
        raise ValidationError(f"“{item.text}”需要上传照片")
    return answer.passed


@transaction.atomic
def record_inspection(*, actor: User | None, inspection: Inspection, answers: Sequence[Answer],
                      note: str = "", now: dt.datetime | None = None) -> list[Hazard]:
    """Record every item's result, complete the inspection, raise a hazard per failed item."""
    _ensure_reaches(actor, inspection.institution)
    now = now or timezone.now()
    items = {i.pk: i for i in inspection.template.items.all()}
    given = {a.item_id: a for a in answers}
    missing = [items[pk].text for pk in items if pk not in given]
    if missing or set(given) - set(items):
        raise ValidationError("请逐项填写检查结果：" + "、".join(missing[:3]))
    flow.advance(actor=actor, item=inspection, transition="complete", now=now)
    Inspection.objects.filter(pk=inspection.pk).update(
        inspector=actor if actor is not None and actor.is_authenticated else None,
        performed_at=now, note=note)
    hazards = []
    for pk, item in items.items():
        answer = given[pk]
        passed = _judge(item, answer)
        result = InspectionResult.objects.create(
            inspection=inspection, item=item, passed=passed, reading=answer.reading,
            note=answer.note, evidence=dict(answer.evidence))
        if not passed:
            hazards.append(_raise_hazard(
                actor=actor, institution=inspection.institution, domain=inspection.domain,
                grade=item.failure_grade,
                title=item.text + (f"：{answer.note}" if answer.note else ""),
                source=HazardSource.INSPECTION, now=now, inspection=inspection, result=result))
    return hazards


# -- hazards ---------------------------------------------------------------------------


def _raise_hazard(*, actor: User | None, institution: Institution, domain: str, grade: str,
                  title: str, source: str, now: dt.datetime, description: str = "",
                  location: str = "", area: SafetyArea | None = None,
                  reporter_contact: str = "", inspection: Inspection | None = None,
                  result: InspectionResult | None = None) -> Hazard:
    hazard = Hazard.objects.create(
        institution=institution, domain=domain, grade=grade, title=title[:255],
        description=description, location=location, area=area, source=source,
        inspection=inspection, result=result, reporter_contact=reporter_contact,
        reported_by=actor if actor is not None and actor.is_authenticated else None,
        reported_at=now, reported_on=timezone.localdate(now), state=wf.REPORTED,
        rectify_deadline=deadlines.rectify_deadline(grade, now, days=rectify_days()),
        # 重大 hazards are 挂牌督办 by the county from the start; 较大 are watched by it.
        supervised=grade == grading.MAJOR,
        supervision_level=SupervisionLevel.SCHOOL if grade == grading.GENERAL
        else SupervisionLevel.COUNTY)
    hazard.code = f"YH{timezone.localtime(now):%Y%m%d}{hazard.pk:06d}"
    Hazard.objects.filter(pk=hazard.pk).update(code=hazard.code)
    flow.start(actor=actor, item=hazard, now=now)
    notifications.notify(notifications.principals_of(institution), kind=NotificationKind.ASSIGNED,
                         message=f"新隐患待交办：{hazard.code} {hazard.title}",
                         key=f"reported:{hazard.pk}", now=now, hazard=hazard)
    return hazard


@transaction.atomic
def report_hazard(*, actor: User | None, institution: Institution, domain: str, title: str,
                  grade: str = grading.GENERAL, description: str = "", location: str = "",
                  area: SafetyArea | None = None, now: dt.datetime | None = None) -> Hazard:
    """An ad-hoc report by staff (教职工随手拍)."""
    _ensure_reaches(actor, institution)
    return _raise_hazard(actor=actor, institution=institution, domain=domain, grade=grade,
                         title=title, description=description, location=location, area=area,
                         source=HazardSource.STAFF, now=now or timezone.now())


@transaction.atomic
def report_public_hazard(*, institution: Institution, domain: str, title: str,
                         description: str = "", location: str = "", contact: str = "",
                         now: dt.datetime | None = None) -> Hazard:
    """An anonymous public report; graded 一般 until the school or county triages it."""
    return _raise_hazard(actor=None, institution=institution, domain=domain,
                         grade=grading.GENERAL, title=title, description=description,
                         location=location, reporter_contact=contact,
                         source=HazardSource.PUBLIC, now=now or timezone.now())


def _rectification_due(hazard: Hazard, window_due: dt.datetime | None,
                       now: dt.datetime) -> dt.datetime | None:
    """While being rectified, the grade's deadline applies; once it has passed (after an
    escalation or a late return) the state's window does, so escalation is not immediate."""
    if hazard.rectify_deadline is not None and hazard.rectify_deadline > now:
        return hazard.rectify_deadline
    return window_due


@transaction.atomic
def assign_hazard(*, actor: User | None, hazard: Hazard, owner: User | None, owner_name: str,
                  measures: str, grade: str | None = None, interim_controls: str = "",
                  now: dt.datetime | None = None) -> Hazard:
    """交办: name the owner and the measures; may re-grade a triaged report."""
    _ensure_reaches(actor, hazard.institution)
    now = now or timezone.now()
    grade = grade or hazard.grade
    if deadlines.needs_interim_controls(grade) and not interim_controls.strip():
        raise ValidationError("重大隐患须填写临时管控措施")
    if not (owner_name.strip() or owner) or not measures.strip():
        raise ValidationError("请填写整改责任人和整改措施")
    flow.advance(actor=actor, item=hazard, transition="assign", now=now)
    if grade != hazard.grade:
        hazard.rectify_deadline = deadlines.rectify_deadline(grade, hazard.reported_at,
                                                             days=rectify_days())
        hazard.supervised = hazard.supervised or grade == grading.MAJOR
        hazard.supervision_level = max(hazard.supervision_level,
                                       SupervisionLevel.SCHOOL if grade == grading.GENERAL
                                       else SupervisionLevel.COUNTY)
    hazard.grade, hazard.owner, hazard.measures = grade, owner, measures
    hazard.owner_name = owner_name or (str(owner) if owner else "")
    hazard.interim_controls = interim_controls
    hazard.due_at = _rectification_due(hazard, hazard.due_at, now)
    hazard.save(update_fields=["grade", "owner", "owner_name", "measures", "interim_controls",
                               "rectify_deadline", "supervised", "supervision_level", "due_at"])
    if owner is not None:
        notifications.notify([owner], kind=NotificationKind.ASSIGNED, now=now, hazard=hazard,
                             key=f"assigned:{hazard.pk}:{now:%Y%m%d%H%M%S}",
                             message=f"您有一条隐患需整改：{hazard.code} {hazard.title}，"
                                     f"期限 {timezone.localtime(hazard.rectify_deadline):%Y-%m-%d}")
    return hazard


#: Who may verify and close by grade: 一般 the school itself, 较大/重大 only the bureau.
BUREAU_SIGN_OFF = frozenset({grading.SIGNIFICANT, grading.MAJOR})


@transaction.atomic
def act_on_hazard(*, actor: User | None, hazard: Hazard, transition: str, reason: str = "",
                  evidence: Mapping[str, Any] | None = None,
                  now: dt.datetime | None = None) -> Hazard:
    """Any other step: accept, submit, verify, return, close, reopen, dismiss."""
    _ensure_reaches(actor, hazard.institution)
    now = now or timezone.now()
    if transition == "assign" or transition.startswith(wf.ESCALATE_PREFIX):
        raise ValidationError("请使用交办或督办功能")
    if transition in ("verify", "close") and hazard.grade in BUREAU_SIGN_OFF \
            and not _is_bureau(actor):
        raise PermissionDenied("较大及以上隐患须由教育局验收销号")
    flow.advance(actor=actor, item=hazard, transition=transition, reason=reason,
                 evidence=dict(evidence or {}), now=now)
    changed = ["due_at"]
    if transition == "submit":
        hazard.submitted_at = now
        changed.append("submitted_at")
    elif transition == "verify":
        hazard.verified_by = actor if actor is not None and actor.is_authenticated else None
        changed.append("verified_by")
    elif transition == "close":
        hazard.closed_at = now
        hazard.closed_on_time = hazard.rectify_deadline is None or now <= hazard.rectify_deadline
        hazard.rectification_days = lists.rectification_days(hazard.reported_at, now)
        changed += ["closed_at", "closed_on_time", "rectification_days"]
    elif transition == "reopen":
        hazard.closed_at, hazard.submitted_at, hazard.verified_by = None, None, None
        hazard.closed_on_time, hazard.rectification_days = None, None
        hazard.reopen_count += 1
        changed += ["closed_at", "submitted_at", "verified_by", "reopen_count",
                    "closed_on_time", "rectification_days"]
    if hazard.state in wf.RECTIFICATION_STATES:
        hazard.due_at = _rectification_due(hazard, hazard.due_at, now)
    hazard.save(update_fields=changed)
    return hazard


@transaction.atomic
def supervise(*, actor: User | None, hazard: Hazard) -> Hazard:
    """挂牌督办 by the bureau (already automatic for 重大)."""
    _ensure_reaches(actor, hazard.institution)
    if not _is_bureau(actor):
        raise PermissionDenied("只有教育局可以挂牌督办")
    Hazard.objects.filter(pk=hazard.pk).update(supervised=True)
    hazard.supervised = True
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(hazard),
                 object_id=hazard.pk, summary=f"挂牌督办 {hazard.code}")
    return hazard


def after_transition(change: StateChange) -> None:
    """The hazard and inspection workflows' hook (``Workflow.on_transition``), called for
    each history row inside its step's transaction: escalations are acted on here."""
    missed = change.workflow == wf.INSPECTION.name and change.transition == "miss"
    if change.transition.startswith(wf.ESCALATE_PREFIX) or missed:
        on_escalated(change)


def on_escalated(change: StateChange) -> None:
    """Raise an overdue hazard's supervising level and tell the people at that level (or,
    for a missed inspection, the principals and the county)."""
    if change.workflow == wf.HAZARD.name:
        hazard = Hazard.objects.select_related("institution__region").get(pk=change.object_id)
        level = min(hazard.supervision_level + 1, SupervisionLevel.CITY)
        Hazard.objects.filter(pk=hazard.pk).update(supervision_level=level)
        people = [*notifications.bureau_staff_over(hazard.institution, level),
                  *notifications.hazard_audience(hazard)]
        notifications.notify(
            people, kind=NotificationKind.ESCALATED, now=change.at, hazard=hazard,
            key=f"escalated:{hazard.pk}:{change.pk}",
            message=f"隐患逾期，已升级至{SupervisionLevel(level).label}督办："
                    f"{hazard.code} {hazard.title}")
    elif change.workflow == wf.INSPECTION.name:
        inspection = Inspection.objects.select_related("institution__region").get(
            pk=change.object_id)
        people = [*notifications.principals_of(inspection.institution),
                  *notifications.bureau_staff_over(inspection.institution, SupervisionLevel.COUNTY)]
        notifications.notify(
            people, kind=NotificationKind.OVERDUE, now=change.at, inspection=inspection,
            key=f"missed:{inspection.pk}",
            message=f"{inspection.institution.name} {inspection.get_domain_display()}"
                    f"检查（应检 {inspection.due_date}）逾期未完成")


def escalate_overdue(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate overdue hazards and missed inspections (the shared mechanism does the moving)."""
    now = now or timezone.now()
    return {"hazards": flow.escalate_overdue(Hazard, now=now),
            "inspections": flow.escalate_overdue(Inspection, now=now)}


def remind_approaching(*, now: dt.datetime | None = None) -> int:
    """Tell owners and principals about hazards whose rectification deadline is near."""
    now = now or timezone.now()
    sent = 0
    open_ = Hazard.objects.filter(state__in=wf.RECTIFICATION_STATES, rectify_deadline__gt=now)
    for hazard in open_.select_related("institution", "owner").iterator():
        assert hazard.rectify_deadline is not None
        allowed = hazard.rectify_deadline - hazard.reported_at
        if now < deadlines.approaching_from(hazard.rectify_deadline, allowed):
            continue
        sent += notifications.notify(
            notifications.hazard_audience(hazard), kind=NotificationKind.APPROACHING, now=now,
            hazard=hazard, key=f"approaching:{hazard.pk}:{hazard.rectify_deadline:%Y%m%d}",
            message=f"隐患整改即将到期（{timezone.localtime(hazard.rectify_deadline):%m-%d}）："
                    f"{hazard.code} {hazard.title}")
    return sent


def daily_digest(*, now: dt.datetime | None = None) -> int:
    """One notice per county bureau user: yesterday's new hazards, what is overdue."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=1)
    day = timezone.localtime(now).date()
    sent = 0
    county_staff = User.objects.filter(is_active=True, memberships__role=Role.COUNTY_BUREAU)
    for user in county_staff.distinct():
        hazards = visible_to(user, Hazard.objects.all())
        new = hazards.filter(reported_at__gte=since).count()
        overdue = hazards.filter(rectify_deadline__lt=now, state__in=wf.OPEN_STATES).count()
        missed = visible_to(user, Inspection.objects.filter(state=wf.MISSED)).count()
        sent += notifications.notify(
            [user], kind=NotificationKind.DIGEST, now=now, key=f"digest:{day}",
            message=f"{day} 安全日报：新增隐患 {new} 条，逾期未整改 {overdue} 条，"
                    f"逾期未检 {missed} 次")
    return sent


@transaction.atomic
def mark_read(*, actor: User, notification_ids: Sequence[int],
              now: dt.datetime | None = None) -> int:
    unread = Notification.objects.filter(recipient=actor, pk__in=notification_ids,
                                         read_at__isnull=True)
    return unread.update(read_at=now or timezone.now())


# -- risk register and incidents ---------------------------------------------------------


@transaction.atomic
def register_risk(*, actor: User | None, institution: Institution, domain: str, title: str,
                  likelihood: int, severity: int, controls: str, owner_name: str,
                  review_due: dt.date) -> RiskEntry:
    _ensure_manages(actor, institution)
    try:
        grade = risk_matrix().grade(likelihood, severity)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    risk = RiskEntry.objects.create(institution=institution, domain=domain, title=title,
                                    likelihood=likelihood, severity=severity, grade=grade,
                                    controls=controls, owner_name=owner_name,
                                    review_due=review_due)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(risk),
                 object_id=risk.pk, summary=f"{title} {grading.GRADE_LABELS[grade]}")
    return risk


@transaction.atomic
def review_risk(*, actor: User | None, risk: RiskEntry, likelihood: int, severity: int,
                controls: str, next_review: dt.date, reviewed: dt.date,
                active: bool = True) -> RiskEntry:
    _ensure_reaches(actor, risk.institution)
    before = {"likelihood": risk.likelihood, "severity": risk.severity, "grade": risk.grade}
    try:
        risk.grade = risk_matrix().grade(likelihood, severity)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    risk.likelihood, risk.severity, risk.controls = likelihood, severity, controls
    risk.review_due, risk.last_reviewed, risk.active = next_review, reviewed, active
    risk.save()
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(risk),
                 object_id=risk.pk, summary=f"复评 {risk.title}", details={"before": before})
    return risk


@transaction.atomic
def update_risk(*, actor: User | None, risk: RiskEntry, domain: str, title: str,
                likelihood: int, severity: int, controls: str, owner_name: str,
                review_due: dt.date, reviewed: dt.date | None = None) -> RiskEntry:
    """Correct or re-assess an entry: regraded from likelihood × severity; ``reviewed``
    records a review (复评) on that date. The audit row keeps what changed."""
    _ensure_manages(actor, risk.institution)
    try:
        grade = risk_matrix().grade(likelihood, severity)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    after: dict[str, Any] = {
        "domain": domain, "title": title.strip(), "likelihood": likelihood,
        "severity": severity, "grade": grade, "controls": controls,
        "owner_name": owner_name.strip(), "review_due": review_due}
    if reviewed is not None:
        after["last_reviewed"] = reviewed
    changed = {k: (getattr(risk, k), v) for k, v in after.items() if getattr(risk, k) != v}
    for key, value in after.items():
        setattr(risk, key, value)
    risk.save(update_fields=list(after))
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(risk),
                 object_id=risk.pk,
                 summary=f"{'复评' if reviewed else '修改'} {risk.title} "
                         f"{grading.GRADE_LABELS[grade]}",
                 details={"changed": {k: [str(a), str(b)] for k, (a, b) in changed.items()}})
    return risk


@transaction.atomic
def retire_risk(*, actor: User | None, risk: RiskEntry, reason: str) -> RiskEntry:
    """销册: the risk is gone (hazard removed, activity ended); kept, out of the register."""
    _ensure_manages(actor, risk.institution)
    if not reason.strip():
        raise ValidationError("请填写销册理由")
    RiskEntry.objects.filter(pk=risk.pk).update(active=False)
    risk.active = False
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(risk),
                 object_id=risk.pk, summary=f"销册 {risk.title}",
                 details={"reason": reason.strip()})
    return risk


@transaction.atomic
def reinstate_risk(*, actor: User | None, risk: RiskEntry) -> RiskEntry:
    _ensure_manages(actor, risk.institution)
    RiskEntry.objects.filter(pk=risk.pk).update(active=True)
    risk.active = True
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(risk),
                 object_id=risk.pk, summary=f"恢复在册 {risk.title}")
    return risk


@transaction.atomic
def record_incident(*, actor: User | None, institution: Institution, occurred_at: dt.datetime,
                    domain: str, severity: str, title: str, description: str = "",
                    injured: int = 0, deaths: int = 0, response: str = "", follow_up: str = "",
                    hazards: Sequence[Hazard] = (),
                    inspections: Sequence[Inspection] = ()) -> Incident:
    _ensure_reaches(actor, institution)
    _check_links(institution, occurred_at, hazards, inspections)
    incident = Incident.objects.create(
        institution=institution, occurred_at=occurred_at, domain=domain, severity=severity,
        title=title, description=description, injured=injured, deaths=deaths,
        response=response, follow_up=follow_up,
        reported_by=actor if actor is not None and actor.is_authenticated else None)
    incident.hazards.set(hazards)
    incident.inspections.set(inspections)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(incident),
                 object_id=incident.pk, summary=title,
                 details={"severity": severity, "serious": severity in SERIOUS_INCIDENT
                          or deaths > 0})
    return incident




def _check_links(institution: Institution, occurred_at: dt.datetime,
                 hazards: Sequence[Hazard], inspections: Sequence[Inspection]) -> None:
    """Links name what preceded the incident at its own school: a hazard found, or an
    inspection due, after it happened did not precede it."""
    if any(h.institution_id != institution.pk for h in hazards) or \
            any(i.institution_id != institution.pk for i in inspections):
        raise ValidationError("关联的隐患和检查须属于同一学校")
    day = timezone.localdate(occurred_at)
    later = [h.code or f"#{h.pk}" for h in hazards if h.reported_at > occurred_at]
    later += [f"{i.due_date}检查" for i in inspections if i.due_date > day]
    if later:
        raise ValidationError(f"只能关联事故发生前的隐患和检查：{'、'.join(later)}晚于事故发生时间")


@transaction.atomic
def link_incident(*, actor: User | None, incident: Incident, hazards: Sequence[Hazard],
                  inspections: Sequence[Inspection]) -> Incident:
    """Set the hazards and inspections that preceded ``incident`` to exactly these: links
    found later are added, wrong ones removed (unlinking deletes no hazard or inspection;
    the audit row keeps what was added and removed). No change writes nothing."""
    _ensure_reaches(actor, incident.institution)
    _check_links(incident.institution, incident.occurred_at, hazards, inspections)
    before_h = set(incident.hazards.values_list("pk", flat=True))
    before_i = set(incident.inspections.values_list("pk", flat=True))
    after_h, after_i = {h.pk for h in hazards}, {i.pk for i in inspections}
    if (before_h, before_i) == (after_h, after_i):
        return incident
    incident.hazards.set(hazards)
    incident.inspections.set(inspections)
    changes = {"hazards_added": sorted(after_h - before_h),
               "hazards_removed": sorted(before_h - after_h),
               "inspections_added": sorted(after_i - before_i),
               "inspections_removed": sorted(before_i - after_i)}
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(incident),
                 object_id=incident.pk, summary=f"关联隐患/检查 {incident.title}",
                 details={k: v for k, v in changes.items() if v})
    return incident


def audit_export(*, actor: User | None, what: str, region: Region, rows: int) -> None:
    """Exports of lists naming people (责任清单 phones, masked) are audited (DESIGN §4)."""
    audit.record(actor=actor, action=AuditLog.Action.EXPORT, entity="safety.lists",
                 object_id=region.code, summary=f"导出{what}", details={"rows": rows})
