"""Every write of admissions: keyword-only, one transaction, audited (DESIGN §2).

State changes of applications go through the shared workflow (edugov.workflow.services),
which checks roles and writes history and an audit row; the rest audits here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.roles import REGION_ROLES, Role
from edugov.core.scoping import scope_of, visible_to
from edugov.enrollment import workflow as wf
from edugov.enrollment.models import (
    AdmissionRound,
    Application,
    ApplicationChoice,
    ClassPlacement,
    Community,
    DistrictMap,
    DistrictRule,
    Guardian,
    LotteryDraw,
    ParentAccount,
    PointsTable,
    SchoolPlaces,
)
from edugov.enrollment.rules import districts, lottery, matching, placement, points, priority
from edugov.registry import services as registry_services
from edugov.registry.choices import HukouType, Ownership
from edugov.registry.models import AcademicYear, Institution, Region
from edugov.registry.rules.identity import id_number_error, id_number_mismatch
from edugov.workflow import services as workflow

# ---------------------------------------------------------------- permissions


def require_bureau(actor: User, region: Region) -> None:
    """Round management: a city or county bureau whose jurisdiction holds the region."""
    if not scope_of(actor).has_role(*REGION_ROLES):
        raise PermissionDenied("仅教育局可管理招生批次")
    if not visible_to(actor, Region.objects.filter(pk=region.pk)).exists():
        raise PermissionDenied("该区域不在您的管辖范围内")


def require_guardian(actor: User, application: Application) -> None:
    if application.guardian.user_id != actor.pk:
        raise PermissionDenied("只能办理本人子女的申请")


def require_visible(actor: User, application: Application) -> None:
    """School and bureau staff act only on applications in their jurisdiction."""
    qs = visible_to(actor, Application.objects.filter(pk=application.pk))
    if not qs.exists():
        raise PermissionDenied("该申请不在您的管辖范围内")


def _in_registration(round: AdmissionRound, now: dt.datetime) -> None:
    if now < round.registration_opens:
        raise ValidationError("报名尚未开始")
    if now >= round.registration_closes:
        raise ValidationError("报名已截止，不能再提交或修改申请")


# ---------------------------------------------------------------- rounds and places


@transaction.atomic
def create_round(
    *, actor: User, name: str, region: Region, academic_year: AcademicYear, entry_grade: int,
    registration_opens: dt.datetime, registration_closes: dt.datetime,
    verification_closes: dt.datetime, lottery_at: dt.datetime, publication_at: dt.datetime,
    confirmation_closes: dt.datetime, categories: Sequence[str] = (),
    class_size: int | None = None, points_table: PointsTable | None = None,
    max_choices: int = 3,
) -> AdmissionRound:
    require_bureau(actor, region)
    unknown = set(categories) - set(priority.CATEGORY_LABELS)
    if unknown:
        raise ValidationError({"categories": f"未知的录取类别：{'、'.join(sorted(unknown))}"})
    round = AdmissionRound.objects.create(
        name=name, region=region, academic_year=academic_year, entry_grade=entry_grade,
        registration_opens=registration_opens, registration_closes=registration_closes,
        verification_closes=verification_closes, lottery_at=lottery_at,
        publication_at=publication_at, confirmation_closes=confirmation_closes,
        categories=list(categories), class_size=class_size or 0, points_table=points_table,
        max_choices=max_choices)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity="enrollment.admissionround",
                 object_id=round.pk, summary=name)
    return round


@transaction.atomic
def set_places(
    *, actor: User, round: AdmissionRound, institution: Institution, classes_planned: int,
    class_size: int | None = None, reserved: int = 0, reserved_note: str = "",
    lottery_only: bool | None = None,
) -> SchoolPlaces:
    """A school's plan: classes × size − reserved; 民办 schools default to lottery (公民同招)."""
    require_bureau(actor, round.region)
    if not institution.region.path.startswith(round.region.path):
        raise ValidationError("该学校不在本批次的区域内")
    if lottery_only is None:
        lottery_only = institution.ownership == Ownership.PRIVATE
    row = SchoolPlaces.objects.select_for_update().filter(
        round=round, institution=institution).first()
    row = row or SchoolPlaces(round=round, institution=institution)
    row.classes_planned = classes_planned
    row.class_size = class_size or round.class_size
    row.reserved, row.reserved_note, row.lottery_only = reserved, reserved_note, lottery_only
    if row.pk and row.classes_planned * row.class_size - reserved < row.admitted:
        raise ValidationError("招生计划不能少于已录取人数")
    row.save()
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="enrollment.schoolplaces",
                 object_id=row.pk, summary=f"{institution.code} 计划 {row.places}")
    return row


@transaction.atomic
def save_points_table(*, actor: User, region: Region, year: int, name: str,
                      factors: Sequence[dict[str, Any]]) -> PointsTable:
    require_bureau(actor, region)
    try:
        points.parse_table(factors)
    except points.PointsTableError as exc:
        raise ValidationError({"factors": str(exc)}) from exc
    table, _ = PointsTable.objects.update_or_create(
        region=region, year=year, defaults={"name": name, "factors": list(factors)})
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="enrollment.pointstable",
                 object_id=table.pk, summary=name)
    return table


@transaction.atomic
def use_points_table(*, actor: User, round: AdmissionRound, table: PointsTable) -> None:
    """The round scores 随迁子女 with ``table`` (applications scored from now on)."""
    require_bureau(actor, round.region)
    if not round.region.path.startswith(table.region.path) and not \
            table.region.path.startswith(round.region.path):
        raise ValidationError("积分方案不属于本批次的区域")
    AdmissionRound.objects.filter(pk=round.pk).update(points_table=table)
    round.points_table = table
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="enrollment.admissionround",
                 object_id=round.pk, summary=f"积分方案：{table.name}")


# ---------------------------------------------------------------- districts


def current_map(round: AdmissionRound) -> DistrictMap | None:
    return round.district_maps.order_by("-version").first()


def district_rules(map: DistrictMap | None) -> list[districts.Rule]:
    if map is None:
        return []
    return [districts.Rule(school=r.institution.code, community=r.community_code,
                           pattern=r.address_pattern)
            for r in map.rules.select_related("institution")]


@transaction.atomic
def import_district_map(*, actor: User, round: AdmissionRound, rows: Sequence[dict[str, str]],
                        note: str = "") -> tuple[DistrictMap, districts.CoverageReport]:
    """A new version of the map from spreadsheet rows (school_code, community_code, pattern).

    Earlier versions stay, so a boundary change is a diff between versions, never an edit.
    """
    require_bureau(actor, round.region)
    codes = {str(r.get("school_code", "")).strip() for r in rows}
    schools = {i.code: i for i in Institution.objects.filter(
        code__in=codes, region__path__startswith=round.region.path)}
    problems = [f"第 {n} 行：学校代码 {r.get('school_code')} 不在本批次区域内"
                for n, r in enumerate(rows, start=2)
                if str(r.get("school_code", "")).strip() not in schools]
    problems += [f"第 {n} 行：需填写小区代码或地址规则"
                 for n, r in enumerate(rows, start=2)
                 if not (r.get("community_code") or r.get("address_pattern"))]
    if problems:
        raise ValidationError(problems)
    previous = current_map(round)
    map = DistrictMap.objects.create(round=round, version=(previous.version + 1 if previous
                                                            else 1),
                                     note=note, created_by=actor)
    DistrictRule.objects.bulk_create(
        DistrictRule(map=map, institution=schools[str(r["school_code"]).strip()],
                     community_code=str(r.get("community_code") or "").strip(),
                     address_pattern=str(r.get("address_pattern") or "").strip())
        for r in rows)
    report = coverage_report(round)
    change = districts.changes(district_rules(previous), district_rules(map))
    audit.record(actor=actor, action=AuditLog.Action.IMPORT, entity="enrollment.districtmap",
                 object_id=map.pk, summary=f"{round} 学区 v{map.version}：{len(rows)} 条",
                 details={"added": len(change["added"]), "removed": len(change["removed"]),
                          "problems": report.messages()[:50]})
    return map, report


def coverage_report(round: AdmissionRound) -> districts.CoverageReport:
    """Gaps and overlaps of the round's current map over the region's communities."""
    register = [districts.Community(code=c.code, name=c.name, address=c.address)
                for c in Community.objects.filter(region__path__startswith=round.region.path)]
    return districts.coverage(district_rules(current_map(round)), register)


# ---------------------------------------------------------------- parents and applications


@transaction.atomic
def register_parent(*, phone: str, id_number: str, name: str, password: str) -> User:
    """A parent signs up online with their phone and ID number (零跑: no visit needed).

    The phone is the username; the ID number must be valid and not already registered.
    """
    from edugov.core.masking import mask_id_number
    from edugov.core.services import create_user

    id_number = id_number.strip().upper()
    error = id_number_error(id_number)
    if error:
        raise ValidationError({"id_number": error})
    if ParentAccount.objects.filter(id_number=id_number).exists():
        raise ValidationError({"id_number": "该身份证号已注册家长账号，请直接登录"})
    if User.objects.filter(username=phone).exists():
        raise ValidationError({"phone": "该手机号已注册，请直接登录"})
    user = create_user(actor=None, username=phone, password=password, role=Role.PARENT,
                       display_name=name)
    User.objects.filter(pk=user.pk).update(phone=phone)
    account = ParentAccount.objects.create(user=user, name=name, phone=phone,
                                           id_number=id_number)
    audit.record(actor=user, action=AuditLog.Action.CREATE, entity="enrollment.parentaccount",
                 object_id=account.pk, summary=f"{name} {mask_id_number(id_number)}",
                 details={"via": "web signup"})
    return user


@transaction.atomic
def register_child(*, actor: User, id_number: str, name: str, sex: str,
                   birth_date: dt.date, relation: str = "父母") -> Guardian:
    """Link a parent account to a child by ID number (the child may not be in the registry)."""
    if not scope_of(actor).has_role(Role.PARENT):
        raise PermissionDenied("仅家长账号可登记子女")
    id_number = id_number.strip().upper()
    error = id_number_error(id_number) or id_number_mismatch(id_number, sex=sex,
                                                             birth_date=birth_date)
    if error:
        raise ValidationError({"id_number": error})
    guardian, created = Guardian.objects.get_or_create(
        user=actor, child_id_number=id_number,
        defaults={"child_name": name, "child_sex": sex, "child_birth_date": birth_date,
                  "relation": relation})
    if created:
        audit.record(actor=actor, action=AuditLog.Action.CREATE, entity="enrollment.guardian",
                     object_id=guardian.pk, summary=name)
    return guardian


def _score(round: AdmissionRound, migrant: bool, declared: dict[str, Any]) -> dict[str, Any]:
    if not migrant or round.points_table is None:
        return {}
    try:
        return points.score(points.parse_table(round.points_table.factors),
                            declared).as_dict()
    except points.PointsTableError as exc:
        raise ValidationError({"points_declared": str(exc)}) from exc


def _set_choices(application: Application, schools: Sequence[Institution]) -> None:
    round = application.round
    if not schools:
        raise ValidationError({"choices": "请至少填报一所学校"})
    if len(schools) > round.max_choices:
        raise ValidationError({"choices": f"最多可填报 {round.max_choices} 个志愿"})
    if len({s.pk for s in schools}) != len(schools):
        raise ValidationError({"choices": "同一学校不能重复填报"})
    offered = set(round.places.values_list("institution_id", flat=True))
    missing = [s.name for s in schools if s.pk not in offered]
    if missing:
        raise ValidationError({"choices": f"以下学校本批次不招生：{'、'.join(missing)}"})
    application.choices.all().delete()
    ApplicationChoice.objects.bulk_create(
        ApplicationChoice(application=application, rank=i, institution=s)
        for i, s in enumerate(schools, start=1))


APPLICATION_FIELDS = frozenset({
    "phone", "migrant", "hukou_community", "hukou_address", "property_community",
    "property_address", "residence_community", "residence_address", "evidence",
    "points_declared",
})


@transaction.atomic
def create_application(*, actor: User, guardian: Guardian, round: AdmissionRound,
                       choices: Sequence[Institution], now: dt.datetime | None = None,
                       **fields: Any) -> Application:
    """A draft application for the child; a second active one in the round is refused."""
    now = now or timezone.now()
    if guardian.user_id != actor.pk:
        raise PermissionDenied("只能为本人登记的子女报名")
    _in_registration(round, now)
    unknown = set(fields) - APPLICATION_FIELDS
    if unknown:
        raise ValidationError({f: "该字段不能填写" for f in sorted(unknown)})
    existing = round.applications.filter(child_id_number=guardian.child_id_number,
                                         state__in=wf.ACTIVE_STATES).first()
    if existing is not None:
        raise ValidationError(_duplicate_message(existing))
    application = Application(round=round, guardian=guardian, state="",
                              child_id_number=guardian.child_id_number,
                              # A unique placeholder within the 24-character field until the
                              # row has its pk, from which the public number is made.
                              number=f"tmp{uuid.uuid4().hex[:20]}", **fields)
    application.points_detail = _score(round, application.migrant, application.points_declared)
    application.points_total = Decimal(application.points_detail.get("total", 0))
    try:
        # A savepoint, so a lost race on the unique index becomes a clear message.
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        existing = round.applications.filter(child_id_number=guardian.child_id_number,
                                             state__in=wf.ACTIVE_STATES).first()
        raise ValidationError(_duplicate_message(existing)) from exc
    application.number = f"{round.academic_year.start_year}{application.pk:07d}"
    Application.objects.filter(pk=application.pk).update(number=application.number)
    _set_choices(application, choices)
    workflow.start(actor=actor, item=application, now=now,
                   evidence={"documents": application.evidence})
    return application


def _duplicate_message(existing: Application | None) -> str:
    number = f"（编号 {existing.number}）" if existing is not None else ""
    return f"该儿童在本批次已有一份有效申请{number}，不能重复报名；如需更改请修改或撤回原申请"


@transaction.atomic
def update_application(*, actor: User, application: Application,
                       choices: Sequence[Institution] | None = None,
                       now: dt.datetime | None = None, **fields: Any) -> Application:
    """Correct a draft, returned or rejected application, within the registration window."""
    now = now or timezone.now()
    require_guardian(actor, application)
    _in_registration(application.round, now)
    current = Application.objects.select_for_update().get(pk=application.pk)
    if current.state not in (wf.DRAFT, wf.RETURNED, wf.REJECTED):
        raise ValidationError(f"当前状态为“{current.state_label}”，不能修改")
    unknown = set(fields) - APPLICATION_FIELDS
    if unknown:
        raise ValidationError({f: "该字段不能修改" for f in sorted(unknown)})
    for name, value in fields.items():
        setattr(current, name, value)
    current.points_detail = _score(current.round, current.migrant, current.points_declared)
    current.points_total = Decimal(current.points_detail.get("total", 0))
    current.save()
    if choices is not None:
        _set_choices(current, choices)
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="enrollment.application",
                 object_id=current.pk, summary=f"{current.number} 修改",
                 details={"fields": sorted(fields), "choices": choices is not None})
    return current


def submit(*, actor: User, application: Application, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    require_guardian(actor, application)
    _in_registration(application.round, now)
    with transaction.atomic():
        workflow.advance(actor=actor, item=application, transition="submit", now=now,
                         evidence={"documents": application.evidence})
        Application.objects.filter(pk=application.pk).update(submitted_at=now)


def withdraw(*, actor: User, application: Application, now: dt.datetime | None = None) -> None:
    require_guardian(actor, application)
    workflow.advance(actor=actor, item=application, transition="withdraw", now=now)


def review(*, actor: User, application: Application, decision: str, reason: str = "",
           now: dt.datetime | None = None) -> None:
    """School or county verification: verify, return for correction, or reject (with reason)."""
    now = now or timezone.now()
    if decision not in ("verify", "return", "reject"):
        raise ValidationError("未知的审核结论")
    require_visible(actor, application)
    if now >= application.round.verification_closes:
        raise ValidationError("审核已截止")
    if decision == "return" and now >= application.round.registration_closes:
        raise ValidationError("报名已截止，家长无法补正；请直接审核通过或不通过")
    workflow.advance(actor=actor, item=application, transition=decision, reason=reason, now=now)


# ---------------------------------------------------------------- lottery


@transaction.atomic
def commit_lottery(*, actor: User, round: AdmissionRound, now: dt.datetime | None = None,
                   seed: str | None = None) -> LotteryDraw:
    """Fix the seed and publish its SHA-256 before anyone can know who takes part."""
    require_bureau(actor, round.region)
    now = now or timezone.now()
    if hasattr(round, "lottery"):
        raise ValidationError("本批次已公布摇号承诺值，不能更换种子")
    if now >= round.registration_closes:
        raise ValidationError("承诺值须在报名截止前公布")
    seed = seed or lottery.new_seed()
    draw = LotteryDraw.objects.create(round=round, seed=seed, commitment=lottery.commitment(seed),
                                      committed_at=now)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity="enrollment.lotterydraw",
                 object_id=draw.pk, summary=f"承诺值 {draw.commitment}")
    return draw


@transaction.atomic
def draw_lottery(*, actor: User, round: AdmissionRound,
                 now: dt.datetime | None = None) -> LotteryDraw:
    """Freeze the verified applicants, reveal the seed and compute the order."""
    require_bureau(actor, round.region)
    now = now or timezone.now()
    if now < round.verification_closes:
        raise ValidationError("审核截止后方可摇号")
    draw = LotteryDraw.objects.select_for_update().filter(round=round).first()
    if draw is None:
        raise ValidationError("尚未公布摇号承诺值")
    if draw.drawn_at is not None:
        raise ValidationError("本批次已摇号")
    draw.applicants = sorted(round.applications.filter(state=wf.VERIFIED)
                             .values_list("number", flat=True))
    draw.order = lottery.draw_order(draw.seed, draw.applicants)
    draw.drawn_at = now
    draw.save()
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="enrollment.lotterydraw",
                 object_id=draw.pk, summary=f"摇号 {len(draw.order)} 人，种子公开",
                 details={"seed": draw.seed, "commitment": draw.commitment})
    return draw


def school_draw_record(draw: LotteryDraw, institution: Institution) -> dict[str, Any]:
    """The draw restricted to one school's applicants: same seed, same rule, re-runnable."""
    applicants = list(ApplicationChoice.objects.filter(
        application__round=draw.round, institution=institution,
        application__number__in=draw.applicants).values_list("application__number", flat=True))
    places = SchoolPlaces.objects.get(round=draw.round, institution=institution)
    record = lottery.draw_record(seed=draw.seed, applicant_ids=applicants,
                                 title=f"{draw.round} · {institution.name} 电脑随机录取")
    record.update(school=institution.code, places=places.places,
                  committed_at=draw.committed_at.isoformat(),
                  drawn_at=draw.drawn_at.isoformat() if draw.drawn_at else None)
    return record


# ---------------------------------------------------------------- assignment


def take_place(*, round: AdmissionRound, institution: Institution) -> bool:
    """Take one seat if any is left, atomically; False when the school is full.

    The conditional UPDATE is the lock: on PostgreSQL a concurrent taker waits on the row
    and re-checks ``admitted < places`` after the first commits; SQLite serialises writers.
    The CHECK constraint admitted_within_places is the backstop.
    """
    return SchoolPlaces.objects.filter(
        round=round, institution=institution, admitted__lt=F("places"),
    ).update(admitted=F("admitted") + 1) == 1


def release_place(*, round: AdmissionRound, institution: Institution) -> None:
    SchoolPlaces.objects.filter(round=round, institution=institution, admitted__gt=0).update(
        admitted=F("admitted") - 1)


def build_instance(round: AdmissionRound, draw: LotteryDraw
                   ) -> tuple[matching.Instance, dict[str, dict[str, str]]]:
    """The round as a matching instance, and each applicant's category at each choice."""
    rules = district_rules(current_map(round))
    position = {number: i for i, number in enumerate(draw.order)}
    places = {p.institution.code: p for p in round.places.select_related("institution")}
    applications = list(round.applications.filter(state=wf.VERIFIED, number__in=position)
                        .prefetch_related("choices__institution"))
    categories: dict[str, dict[str, str]] = {}
    candidates: dict[str, list[priority.Candidate]] = {code: [] for code in places}
    for app in applications:
        homes = {
            "hukou_school": districts.district_school(
                rules, community=app.hukou_community, address=app.hukou_address),
            "property_school": districts.district_school(
                rules, community=app.property_community, address=app.property_address),
            "residence_school": districts.district_school(
                rules, community=app.residence_community, address=app.residence_address),
        }
        eligible_migrant = app.migrant and bool(app.points_detail.get("eligible"))
        categories[app.number] = {}
        for choice in app.choices.all():
            code = choice.institution.code
            category = priority.category_for(
                school=code, lottery_only=places[code].lottery_only,
                migrant=eligible_migrant, **homes)
            categories[app.number][code] = category
            candidates[code].append(priority.Candidate(app.number, category,
                                                       app.points_total))
    schools = tuple(
        matching.School(code=code, capacity=p.free, priority=tuple(priority.priority_order(
            candidates[code], categories=round.categories, lottery_position=position)))
        for code, p in places.items())
    students = tuple(
        matching.Student(id=app.number,
                         choices=tuple(c.institution.code for c in app.choices.all()))
        for app in sorted(applications, key=lambda a: position[a.number]))
    return matching.Instance(schools=schools, students=students), categories


@transaction.atomic
def run_assignment(*, actor: User, round: AdmissionRound,
                   now: dt.datetime | None = None) -> dict[str, Any]:
    """Admit the verified applicants by deferred acceptance; the rest wait for 统筹安排."""
    require_bureau(actor, round.region)
    now = now or timezone.now()
    round = AdmissionRound.objects.select_for_update().get(pk=round.pk)
    if round.assigned_at is not None:
        raise ValidationError("本批次已完成录取")
    draw = LotteryDraw.objects.filter(round=round, drawn_at__isnull=False).first()
    if draw is None:
        raise ValidationError("请先完成电脑摇号")
    instance, categories = build_instance(round, draw)
    assignment = matching.deferred_acceptance(instance)
    reasons = matching.unplaced_reasons(instance, assignment)
    schools = {p.institution.code: p.institution
               for p in round.places.select_related("institution")}
    applications = round.applications.filter(number__in=assignment).prefetch_related(
        "choices__institution")
    for app in applications:
        code = assignment[app.number]
        for choice in app.choices.all():
            choice.category = categories[app.number].get(choice.institution.code, "")
        ApplicationChoice.objects.bulk_update(app.choices.all(), ["category"])
        if code is None:
            app.unplaced_reasons = reasons[app.number]
            app.save(update_fields=["unplaced_reasons"])
            workflow.advance(actor=actor, item=app, transition="leave_unplaced", now=now)
            continue
        _admit(actor=actor, app=app, institution=schools[code], transition="admit", now=now,
               category=categories[app.number][code])
    round.assigned_at = now
    round.save(update_fields=["assigned_at"])
    stats = matching.statistics(instance, assignment)
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="enrollment.admissionround",
                 object_id=round.pk, summary=f"志愿录取：录取 {stats['placed']}，"
                                             f"未录取 {stats['unplaced']}",
                 details={"placed_by_choice_rank": stats["placed_by_choice_rank"]})
    return stats


def _admit(*, actor: User, app: Application, institution: Institution, transition: str,
           now: dt.datetime | None, category: str = "") -> None:
    if not take_place(round=app.round, institution=institution):
        raise ValidationError(f"{institution.name} 学位已满")
    rank = next((c.rank for c in app.choices.all() if c.institution_id == institution.pk),
                None)
    workflow.advance(actor=actor, item=app, transition=transition, now=now)
    Application.objects.filter(pk=app.pk).update(
        admitted_institution=institution, admitted_choice=rank, admitted_category=category)
    app.admitted_institution, app.admitted_choice = institution, rank


@transaction.atomic
def publish(*, actor: User, round: AdmissionRound, now: dt.datetime | None = None) -> None:
    require_bureau(actor, round.region)
    round = AdmissionRound.objects.select_for_update().get(pk=round.pk)
    if round.assigned_at is None:
        raise ValidationError("尚未录取，不能公布")
    round.published_at = now or timezone.now()
    round.save(update_fields=["published_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="enrollment.admissionround",
                 object_id=round.pk, summary="公布录取结果")


def allocate(*, actor: User, application: Application, institution: Institution,
             now: dt.datetime | None = None) -> None:
    """统筹安排: the county places an unplaced applicant in a school with a free seat."""
    require_bureau(actor, application.round.region)
    with transaction.atomic():
        _admit(actor=actor, app=application, institution=institution, transition="allocate",
               now=now, category=priority.OTHER)


def claim_spare_place(*, actor: User, application: Application, institution: Institution,
                      now: dt.datetime | None = None) -> None:
    """补录: after publication a parent of an unplaced child takes a listed spare seat.

    First come, first served; two parents racing for the last seat (or one double-clicking)
    cannot both win: the seat counter and the state change are both conditional updates.
    """
    now = now or timezone.now()
    require_guardian(actor, application)
    round = AdmissionRound.objects.get(pk=application.round_id)  # publication may be newer
    if round.published_at is None or now >= round.confirmation_closes:
        raise ValidationError("当前不在补录时间内")
    if not round.places.filter(institution=institution).exists():
        raise ValidationError("该学校本批次不招生")
    with transaction.atomic():
        _admit(actor=actor, app=application, institution=institution, transition="claim",
               now=now, category=priority.OTHER)


def decline(*, actor: User, application: Application, now: dt.datetime | None = None) -> None:
    """A parent gives up the seat; it returns to the school's free places."""
    require_guardian(actor, application)
    with transaction.atomic():
        workflow.advance(actor=actor, item=application, transition="decline", now=now)
        if application.admitted_institution is not None:
            release_place(round=application.round, institution=application.admitted_institution)


@transaction.atomic
def confirm(*, actor: User, application: Application, now: dt.datetime | None = None) -> None:
    """报到确认 by the school: the child becomes a registry Student with an Enrolment."""
    require_visible(actor, application)
    app = Application.objects.select_related("guardian", "round__academic_year",
                                             "admitted_institution").get(pk=application.pk)
    if app.admitted_institution is None:
        raise ValidationError("该申请未被录取")
    if not scope_of(actor).everything and not scope_of(actor).has_role(*REGION_ROLES) and (
            app.admitted_institution_id not in scope_of(actor).institution_ids):
        raise PermissionDenied("只能确认录取到本校的学生")
    workflow.advance(actor=actor, item=application, transition="confirm", now=now)
    child = app.guardian
    student = registry_services.enrol_student(
        actor=actor, student_no=f"G{child.child_id_number}", name=child.child_name,
        sex=child.child_sex, birth_date=child.child_birth_date,
        id_number=child.child_id_number,
        hukou_type=HukouType.MIGRANT if app.migrant else HukouType.LOCAL,
        institution=app.admitted_institution, academic_year=app.round.academic_year,
        grade=app.round.entry_grade, entry_date=app.round.academic_year.start,
        guardian_phone=app.phone)
    Application.objects.filter(pk=app.pk).update(student=student)


# ---------------------------------------------------------------- class placement


@transaction.atomic
def place_classes(*, actor: User, round: AdmissionRound, institution: Institution,
                  seed: str | None = None, scores: dict[str, float] | None = None
                  ) -> ClassPlacement:
    """均衡分班 of a school's confirmed entrants; recorded with its seed, reproducible."""
    require_bureau(actor, round.region)
    places = SchoolPlaces.objects.get(round=round, institution=institution)
    confirmed = list(round.applications.filter(
        state=wf.CONFIRMED, admitted_institution=institution).select_related(
            "guardian", "student"))
    pupils = [placement.Pupil(id=a.number, sex=a.guardian.child_sex,
                              birth_date=a.guardian.child_birth_date,
                              score=(scores or {}).get(a.number))
              for a in confirmed]
    seed = seed or lottery.new_seed()
    classes = max(places.classes_planned, placement.classes_needed(len(pupils),
                                                                   places.class_size))
    try:
        result = placement.place(pupils, classes=classes, class_size=places.class_size,
                                 seed=seed, use_score=scores is not None)
    except placement.PlacementError as exc:
        raise ValidationError(str(exc)) from exc
    record, _ = ClassPlacement.objects.update_or_create(
        round=round, institution=institution,
        defaults={"seed": seed, "use_score": scores is not None, "result": result,
                  "balance": placement.balance(pupils, result)})
    _write_classes(actor=actor, round=round, institution=institution, result=result,
                   students={a.number: a.student for a in confirmed if a.student is not None})
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity="enrollment.classplacement",
                 object_id=record.pk, summary=f"{institution.code} 分 {classes} 个班",
                 details={"seed": seed})
    return record


def _write_classes(*, actor: User, round: AdmissionRound, institution: Institution,
                   result: Sequence[Sequence[str]], students: dict[str, Any]) -> None:
    """The placement in the registry: class n of the entry grade, each entrant's enrolment
    linked to it. A re-run reuses the class numbers and moves the entrants."""
    for number, members in enumerate(result, start=1):
        klass = registry_services.ensure_class(
            actor=actor, institution=institution, academic_year=round.academic_year,
            grade=round.entry_grade, number=number)
        placed = [students[n] for n in members if n in students]
        if placed:
            registry_services.place_in_class(actor=actor, school_class=klass, students=placed)


def accept(*, actor: User, application: Application, now: dt.datetime | None = None) -> None:
    """The parent accepts the published admission (the school then confirms on 报到)."""
    now = now or timezone.now()
    require_guardian(actor, application)
    round = AdmissionRound.objects.get(pk=application.round_id)
    if round.published_at is None or now >= round.confirmation_closes:
        raise ValidationError("当前不在确认录取时间内")
    with transaction.atomic():
        updated = Application.objects.filter(
            pk=application.pk, state=wf.ADMITTED, accepted_at__isnull=True,
        ).update(accepted_at=now)
        if not updated:
            raise ValidationError("只能接受已录取且尚未确认的学位")
        audit.record(actor=actor, action=AuditLog.Action.UPDATE,
                     entity="enrollment.application", object_id=application.pk,
                     summary=f"{application.number} 家长接受录取")
    application.accepted_at = now
