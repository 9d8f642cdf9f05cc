"""竞聘上岗: rounds, posts, applications, the school's ranking, settling a round (stable
matching, ``rules/posting.py``), the county pool and 组织调剂. Every state change of an
application or a pool entry goes through the shared workflow, so the history is kept."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.roles import Role
from edugov.core.scoping import memberships_of, scope_of, visible_to
from edugov.registry.models import AcademicYear, Institution, Region, Staff
from edugov.registry.services import assign_staff, require_write
from edugov.workflow import services as workflow
from edugov.workforce.models import PoolEntry, PostingApplication, PostingRound, PostOpening
from edugov.workforce.permissions import BUREAU_ROLES, own_staff_id, require_bureau
from edugov.workforce.rules.posting import Application, Opening, settle
from edugov.workforce.selectors.points import points_priority
from edugov.workforce.selectors.posting import (
    openings_for,
    pool_for,
    posting_applications_for,
    rounds_for,
)
from edugov.workforce.services.conduct import visible_staff


def _visible_round(actor: User, posting_round: PostingRound) -> PostingRound:
    found = rounds_for(actor).filter(pk=posting_round.pk).first()
    if found is None:
        raise Http404
    return found


def _require_open(posting_round: PostingRound) -> None:
    if posting_round.closed_at is not None:
        raise ValidationError("本轮竞聘已结束")


def _require_window(posting_round: PostingRound, on: dt.date) -> None:
    """Applications only within the round's 报名时间 (a side left empty is open-ended)."""
    opens, closes = posting_round.opens, posting_round.closes
    if (opens is not None and on < opens) or (closes is not None and on > closes):
        start = f"{opens:%Y-%m-%d}" if opens else "即日"
        end = f"{closes:%Y-%m-%d}" if closes else "本轮结束"
        raise ValidationError(f"本轮竞聘报名时间为{start}至{end}")


@transaction.atomic
def open_round(*, actor: User, county: Region, academic_year: AcademicYear, number: int,
               effective: dt.date, name: str = "", opens: dt.date | None = None,
               closes: dt.date | None = None) -> PostingRound:
    """Open a county's round for a year; the second only once the first has closed (it is
    for the teachers the first left in the county pool)."""
    require_bureau(actor, "组织竞聘上岗")
    if not visible_to(actor, Region.objects.filter(pk=county.pk)).exists():
        raise Http404
    if county.level != "county":
        raise ValidationError({"county": "竞聘上岗以县（区）为单位组织"})
    if number not in (1, 2):
        raise ValidationError({"number": "轮次只能是第一轮或第二轮"})
    if opens is not None and closes is not None and closes < opens:
        raise ValidationError({"closes": "报名截止日期不能早于报名开始日期"})
    if closes is not None and effective < closes:
        raise ValidationError({"effective": "聘任生效日期不能早于报名截止日期"})
    existing = PostingRound.objects.filter(county=county, academic_year=academic_year)
    if existing.filter(number=number).exists():
        raise ValidationError(f"{county.name}{academic_year}已有{'第一' if number == 1 else '第二'}"
                              "轮竞聘")
    if number == 2 and not existing.filter(number=1, closed_at__isnull=False).exists():
        raise ValidationError("第一轮竞聘结束后才能开始第二轮")
    posting_round = PostingRound.objects.create(county=county, academic_year=academic_year,
                                                number=number, effective=effective,
                                                name=name.strip(), opens=opens, closes=closes,
                                                created_by=actor)
    audit.record(actor=actor, action=AuditLog.Action.CREATE,
                 entity=audit.entity_name(posting_round), object_id=posting_round.pk,
                 summary=str(posting_round),
                 details={"number": number, "opens": str(opens or ""),
                          "closes": str(closes or ""), "effective": str(effective)})
    return posting_round


@transaction.atomic
def add_opening(*, actor: User, posting_round: PostingRound, institution: Institution,
                subject: str, places: int) -> PostOpening:
    """A school's posts for a subject (the bureau, or the school's own administrator)."""
    posting_round = _visible_round(actor, posting_round)
    _require_open(posting_round)
    require_write(actor, institution)
    if not institution.region.path.startswith(posting_round.county.path):
        raise ValidationError("该学校不属于本轮竞聘的县（区）")
    if places < 1:
        raise ValidationError({"places": "岗位数应至少为1"})
    opening, _ = PostOpening.objects.update_or_create(
        round=posting_round, institution=institution, subject=subject,
        defaults={"places": places})
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(opening),
                 object_id=opening.pk, summary=f"竞聘岗位 {institution.code} {subject}×{places}")
    return opening


def _may_apply_for(actor: User, staff: Staff) -> None:
    scope = scope_of(actor)
    if scope.has_role(Role.SCHOOL_ADMIN, *BUREAU_ROLES):
        return
    if Role.TEACHER in scope.roles and own_staff_id(actor) == staff.pk:
        return
    raise PermissionDenied("教师只能为本人报名")


@transaction.atomic
def apply(*, actor: User, opening: PostOpening, staff: Staff, preference: int,
          on: dt.date | None = None) -> PostingApplication:
    """Apply for a post within the round's 报名时间 (``on``: today); in the second round only
    teachers waiting in the pool may apply."""
    staff = visible_staff(actor, staff)
    _may_apply_for(actor, staff)
    opening = PostOpening.objects.select_related("round", "round__county").get(pk=opening.pk)
    posting_round = opening.round
    _require_open(posting_round)
    _require_window(posting_round, on or dt.date.today())
    county = posting_round.county
    if staff.current_institution is None or not staff.current_institution.region.path \
            .startswith(county.path):
        raise ValidationError("只能报名本县（区）的岗位")
    if posting_round.number == 2 and not PoolEntry.objects.filter(
            round__county=county, round__academic_year=posting_round.academic_year,
            staff=staff, state="pooled").exists():
        raise ValidationError("第二轮竞聘只面向县域待岗教师")
    application = PostingApplication.objects.create(opening=opening, staff=staff,
                                                    preference=preference)
    workflow.start(actor=actor, item=application)
    return application


@transaction.atomic
def rank(*, actor: User, application: PostingApplication, school_rank: int) -> PostingApplication:
    """The school's rank of an applicant for its post (1 = best)."""
    found = posting_applications_for(actor).filter(pk=application.pk).first()
    if found is None or not openings_for(actor).filter(pk=found.opening_id).exists():
        raise Http404
    application = found
    _require_open(application.opening.round)
    if school_rank < 1:
        raise ValidationError({"school_rank": "排序应从1开始"})
    workflow.advance(actor=actor, item=application, transition="rank",
                     evidence={"school_rank": school_rank})
    PostingApplication.objects.filter(pk=application.pk).update(school_rank=school_rank)
    application.school_rank = school_rank
    return application


@transaction.atomic
def rank_applicants(*, actor: User, posting_round: PostingRound,
                    ranks: dict[int, int]) -> int:
    """The school's ranks of its applicants (application id → rank, 1 = best), all or none.

    Only applications to posts the actor's schools offer in this round may be ranked; any
    other id is 404, as if it did not exist. Returns how many ranks changed."""
    posting_round = _visible_round(actor, posting_round)
    _require_open(posting_round)
    applications = list(posting_applications_for(actor).filter(
        opening__round=posting_round, opening__in=openings_for(actor), pk__in=list(ranks)))
    if len(applications) != len(ranks):
        raise Http404
    changed = [a for a in sorted(applications, key=lambda a: a.pk)
               if a.school_rank != ranks[a.pk]]
    for application in changed:
        rank(actor=actor, application=application, school_rank=ranks[application.pk])
    return len(changed)


def _may_withdraw(actor: User, application: PostingApplication) -> None:
    """The applicant (their own application) or an administrator of the applicant's school;
    checked per membership, as ``rotation._may_answer`` is: a teacher of the school is no
    licence to withdraw a colleague, nor is offering the post a licence to withdraw for them."""
    if scope_of(actor).everything:
        return
    school_id = application.staff.current_institution_id
    roles = set()
    for membership in memberships_of(actor):
        roles.add(membership.role)
        if membership.role == Role.SCHOOL_ADMIN and school_id is not None \
                and membership.institution_id == school_id:
            return
        if membership.role == Role.TEACHER and own_staff_id(actor) == application.staff_id:
            return
    if Role.SCHOOL_ADMIN in roles:
        raise PermissionDenied("学校管理员只能撤回本校教师的竞聘报名")
    if Role.TEACHER in roles and own_staff_id(actor) is None:
        raise PermissionDenied("您的账号尚未关联教职工档案，不能撤回竞聘报名")
    raise PermissionDenied("只有报名教师本人或其所在学校管理员可以撤回竞聘报名")


def may_withdraw(actor: User, application: PostingApplication) -> bool:
    """Whether ``actor`` may withdraw ``application`` now (what ``withdraw_application``
    enforces: who, the round still open, the application not settled)."""
    if application.state not in WITHDRAWABLE or application.opening.round.closed_at is not None:
        return False
    try:
        _may_withdraw(actor, application)
    except PermissionDenied:
        return False
    return True


#: Ranks stay provisional until ``close_round`` settles the round (a school may re-rank), so
#: an application may be withdrawn while applied or ranked and the round is open.
WITHDRAWABLE = frozenset({"applied", "ranked"})


@transaction.atomic
def withdraw_application(*, actor: User, application: PostingApplication,
                         reason: str) -> PostingApplication:
    """撤回报名 before the round is settled; the application stays, marked withdrawn, with
    its history, and ``close_round`` no longer considers it."""
    found = posting_applications_for(actor).select_related(
        "staff", "opening__round").filter(pk=application.pk).first()
    if found is None:
        raise Http404
    application = found
    _may_withdraw(actor, application)
    # Lock the round so a withdrawal cannot slip in while ``close_round`` settles it.
    posting_round = PostingRound.objects.select_for_update().get(pk=application.opening.round_id)
    _require_open(posting_round)
    if application.state not in WITHDRAWABLE:
        raise ValidationError(f"该报名已{application.state_label}，不能撤回")
    reason = reason.strip()
    # The shared workflow writes the history row and the audit row (one transaction).
    workflow.advance(actor=actor, item=application, transition="withdraw", reason=reason)
    return application


def _move(actor: User, staff: Staff, institution: Institution, start: dt.date) -> None:
    if staff.current_institution_id != institution.pk:
        assign_staff(actor=actor, staff=staff, institution=institution,
                     post=staff.current_post or "teacher", start=start)


@transaction.atomic
def close_round(*, actor: User, posting_round: PostingRound,
                priority: dict[int, float] | None = None) -> dict[str, int]:
    """Settle the round: stable matching on the schools' ranks (ties: 积分 of the previous
    year, then staff id). Placed teachers take up the post (a new assignment when it is at
    another school); in round 1 the others go to the county pool."""
    require_bureau(actor, "结束竞聘")
    posting_round = _visible_round(actor, posting_round)
    posting_round = PostingRound.objects.select_for_update().get(pk=posting_round.pk)
    _require_open(posting_round)
    if priority is None:
        priority = points_priority(posting_round.county,
                                   posting_round.academic_year.start_year - 1)
    openings = list(posting_round.openings.select_related("institution"))
    live = list(PostingApplication.objects.filter(
        opening__round=posting_round, state__in=["applied", "ranked"]).select_related(
            "staff", "opening__institution"))
    outcome = settle([Opening(o.pk, o.places) for o in openings],
                     [Application(a.staff_id, a.opening_id, a.preference, a.school_rank)
                      for a in live], priority)
    pool = 0
    for a in sorted(live, key=lambda a: a.pk):
        won = outcome.placed.get(a.staff_id) == a.opening_id
        workflow.advance(actor=actor, item=a, transition="place" if won else "not_place")
        if won:
            _move(actor, a.staff, a.opening.institution, posting_round.effective)
    for staff_id, opening_id in outcome.placed.items():
        if posting_round.number == 2:
            for entry in PoolEntry.objects.filter(
                    round__county=posting_round.county, staff_id=staff_id, state="pooled",
                    round__academic_year=posting_round.academic_year):
                entry.destination = next(o.institution for o in openings if o.pk == opening_id)
                entry.save(update_fields=["destination"])
                workflow.advance(actor=actor, item=entry, transition="place")
    if posting_round.number == 1:
        for staff_id in outcome.unplaced:
            entry = PoolEntry.objects.create(round=posting_round, staff_id=staff_id)
            workflow.start(actor=actor, item=entry)
            pool += 1
    posting_round.closed_at = timezone.now()
    posting_round.save(update_fields=["closed_at"])
    summary = {"placed": len(outcome.placed), "unplaced": len(outcome.unplaced), "pooled": pool}
    audit.record(actor=actor, action=AuditLog.Action.UPDATE,
                 entity=audit.entity_name(posting_round), object_id=posting_round.pk,
                 summary=f"竞聘结束：聘任{summary['placed']}人，未聘{summary['unplaced']}人",
                 details=summary)
    return summary


@transaction.atomic
def allocate(*, actor: User, entry: PoolEntry, institution: Institution,
             reason: str) -> PoolEntry:
    """组织调剂: the bureau places a pooled teacher at a school of the county."""
    require_bureau(actor, "组织调剂")
    found = pool_for(actor).filter(pk=entry.pk).first()
    if found is None:
        raise Http404
    entry = found
    require_write(actor, institution)
    if not institution.region.path.startswith(entry.round.county.path):
        raise ValidationError("只能调剂到本县（区）学校")
    workflow.advance(actor=actor, item=entry, transition="allocate", reason=reason,
                     evidence={"institution": institution.pk})
    entry.destination = institution
    entry.save(update_fields=["destination"])
    _move(actor, entry.staff, institution, entry.round.effective)
    return entry


@transaction.atomic
def send_to_training(*, actor: User, entry: PoolEntry, reason: str) -> PoolEntry:
    """待岗培训: a pooled teacher is sent to training (the bureau may allocate them later)."""
    require_bureau(actor, "安排待岗培训")
    found = pool_for(actor).filter(pk=entry.pk).first()
    if found is None:
        raise Http404
    workflow.advance(actor=actor, item=found, transition="train", reason=reason)
    return found
