"""交流轮岗: plans, solving, notifying, answers and execution (DESIGN §2: keyword-only, one
transaction, an audit row)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.roles import REGION_ROLES, Role
from edugov.core.scoping import memberships_of, scope_of, visible_to
from edugov.registry.models import AcademicYear, Institution, Region, Staff
from edugov.registry.services import assign_staff
from edugov.workflow import services as workflow
from edugov.workforce.models import RotationCandidate, RotationPlan, RotationProposal
from edugov.workforce.permissions import own_staff_id
from edugov.workforce.rules.rotation import (
    Problem,
    RotationRules,
    check_plan,
    coefficients,
    solve,
)
from edugov.workforce.selectors.points import points_priority
from edugov.workforce.selectors.rotation import plans_for, proposals_for, rotation_problem

BUREAU_ROLES = (Role.COUNTY_BUREAU, Role.CITY_BUREAU)


def _require_bureau(actor: User, plan: RotationPlan | None = None,
                    county: Region | None = None) -> None:
    if not scope_of(actor).has_role(*BUREAU_ROLES):
        raise PermissionDenied("只有教育局可以编制交流轮岗方案")
    region = county or (plan.county if plan else None)
    if region is not None and not visible_to(actor, Region.objects.filter(pk=region.pk)).exists():
        raise Http404


@transaction.atomic
def create_plan(*, actor: User, county: Region, academic_year: AcademicYear,
                effective: dt.date) -> RotationPlan:
    _require_bureau(actor, county=county)
    plan = RotationPlan.objects.create(county=county, academic_year=academic_year,
                                       effective=effective, created_by=actor)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(plan),
                 object_id=plan.pk, summary=str(plan))
    return plan


def problem_for(plan: RotationPlan, rules: RotationRules | None = None,
                priority: dict[int, float] | None = None) -> Problem:
    """The plan as the optimiser's data. ``priority`` breaks ties between teachers the model
    cannot tell apart; by default the previous year's 积分 (higher moves first)."""
    if priority is None:
        priority = points_priority(plan.county, plan.academic_year.start_year - 1)
    return rotation_problem(
        plan.county, plan.academic_year_id, plan.effective, rules=rules,
        locked={int(k): int(v) for k, v in plan.locked.items()},
        excluded=frozenset(int(s) for s in plan.excluded), priority=priority)


@transaction.atomic
def set_lock(*, actor: User, plan: RotationPlan, staff: Staff,
             destination: Institution | None) -> RotationPlan:
    """Lock a teacher to a destination (None: unlock); takes effect at the next solve."""
    _require_bureau(actor, plan)
    plan = RotationPlan.objects.select_for_update().get(pk=plan.pk)
    if destination is None:
        plan.locked.pop(str(staff.pk), None)
    else:
        plan.locked[str(staff.pk)] = destination.pk
        plan.excluded = [s for s in plan.excluded if s != staff.pk]
    plan.save(update_fields=["locked", "excluded"])
    target = destination.pk if destination else "-"
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(plan),
                 object_id=plan.pk, summary=f"锁定 {staff.pk} → {target}")
    return plan


@transaction.atomic
def set_excluded(*, actor: User, plan: RotationPlan, staff: Staff,
                 excluded: bool = True) -> RotationPlan:
    _require_bureau(actor, plan)
    plan = RotationPlan.objects.select_for_update().get(pk=plan.pk)
    others = [s for s in plan.excluded if s != staff.pk]
    plan.excluded = [*others, staff.pk] if excluded else others
    if excluded:
        plan.locked.pop(str(staff.pk), None)
    plan.save(update_fields=["locked", "excluded"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(plan),
                 object_id=plan.pk, summary=f"{'排除' if excluded else '取消排除'} {staff.pk}")
    return plan


def solve_plan(*, actor: User, plan: RotationPlan, rules: RotationRules | None = None,
               priority: dict[int, float] | None = None) -> RotationPlan:
    """Solve (or re-solve) the plan. Proposals already notified or answered are kept as
    locks, so a re-solve never silently moves someone who has been told; only proposals
    still in "proposed" are replaced."""
    _require_bureau(actor, plan)
    kept = plan.proposals.exclude(state__in=["proposed", "withdrawn"])
    locked = {**plan.locked, **{str(p.staff_id): p.destination_id for p in kept}}
    plan.locked = locked
    problem = problem_for(plan, rules, priority)
    result = solve(problem)  # minutes of CPU: outside the transaction
    with transaction.atomic():
        plan = RotationPlan.objects.select_for_update().get(pk=plan.pk)
        plan.proposals.filter(state="proposed").delete()
        _record_candidates(plan, problem)
        answered = set(plan.proposals.values_list("staff_id", flat=True))
        for move in result.moves:
            if move.teacher in answered:
                continue
            staff = problem.teacher_by_id[move.teacher]
            proposal = RotationProposal.objects.create(
                plan=plan, staff_id=move.teacher, source_id=move.source,
                destination_id=move.destination, post="teacher", backbone=staff.backbone,
                locked=str(move.teacher) in plan.locked)
            workflow.start(actor=actor, item=proposal)
        plan.result = _result_summary(problem, result)
        plan.solved_at = timezone.now()
        plan.save(update_fields=["result", "solved_at"])
        audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(plan),
                     object_id=plan.pk, summary=f"求解：{result.status}，{len(result.moves)}人",
                     details={"status": result.status, "seconds": round(result.seconds, 2)})
    return plan


def _record_candidates(plan: RotationPlan, problem: Problem) -> None:
    """Keep who was eligible at this solve: the data center's denominator of 交流轮岗比例."""
    plan.candidates.all().delete()
    RotationCandidate.objects.bulk_create(
        RotationCandidate(plan=plan, staff_id=t.id, institution_id=t.school,
                          backbone=t.backbone) for t in problem.eligible)


def _result_summary(problem: Problem, result) -> dict:  # type: ignore[no-untyped-def]
    before, after = coefficients(problem), coefficients(problem, result.moves)
    return {
        "status": result.status, "message": result.message,
        "seconds": round(result.seconds, 2), "moves": len(result.moves),
        "eligible": len(problem.eligible), "min_moves": problem.min_moves,
        "max_moves": problem.max_moves,
        "coefficients": [{"level": level, "indicator": indicator,
                          "before": round(before[level, indicator], 4),
                          "after": round(after[level, indicator], 4)}
                         for level, indicator in before],
        "checks": check_plan(problem, result.moves) if result.moves else {},
        "rules": asdict(problem.rules),
    }


@transaction.atomic
def notify(*, actor: User, plan: RotationPlan) -> int:
    """Tell the schools and teachers: every proposal still "proposed" becomes "notified"."""
    _require_bureau(actor, plan)
    count = 0
    for proposal in plan.proposals.filter(state="proposed").order_by("pk"):
        workflow.advance(actor=actor, item=proposal, transition="notify")
        count += 1
    return count


def _may_answer(actor: User, proposal: RotationProposal) -> None:
    """Who answers for the teacher: the teacher (their own proposal only), an administrator
    of the sending school (the teacher's), or a bureau over it. Checked per membership, not
    on the union of the actor's scope: a teacher's membership of the school is no licence
    to answer for colleagues, and receiving a teacher is not answering for them."""
    if scope_of(actor).everything:
        return
    source_path = proposal.source.region.path
    roles = set()
    for membership in memberships_of(actor):
        roles.add(membership.role)
        if (membership.role in REGION_ROLES and membership.region is not None
                and source_path.startswith(membership.region.path)):
            return
        if membership.role == Role.SCHOOL_ADMIN and membership.institution_id == proposal.source_id:
            return
        if membership.role == Role.TEACHER and own_staff_id(actor) == proposal.staff_id:
            return
    if Role.SCHOOL_ADMIN in roles:
        raise PermissionDenied("学校管理员只能答复本校教师的交流安排")
    if own_staff_id(actor) is None:
        raise PermissionDenied("您的账号尚未关联教职工档案，不能答复交流安排")
    raise PermissionDenied("教师只能答复本人的交流安排")


def may_answer(actor: User, proposal: RotationProposal) -> bool:
    """Whether ``actor`` may confirm or contest ``proposal`` (what ``respond`` enforces)."""
    try:
        _may_answer(actor, proposal)
    except PermissionDenied:
        return False
    return True


@transaction.atomic
def respond(*, actor: User, proposal: RotationProposal, accept: bool,
            reason: str = "") -> RotationProposal:
    """The teacher (their own proposal), the sending school's administrator or a bureau over
    it confirms, or contests with a reason; anyone else is refused (``_may_answer``), and the
    workflow checks the state, the role and the reason."""
    found = proposals_for(actor).filter(pk=proposal.pk).first()
    if found is None:
        raise Http404
    _may_answer(actor, found)
    workflow.advance(actor=actor, item=proposal, transition="confirm" if accept else "contest",
                     reason=reason)
    return proposal


@transaction.atomic
def execute(*, actor: User, plan: RotationPlan) -> int:
    """Create the registry assignments of every confirmed move, dated ``plan.effective``."""
    _require_bureau(actor, plan)
    done = 0
    for proposal in plan.proposals.filter(state="confirmed").select_related(
            "staff", "destination").order_by("pk"):
        staff = proposal.staff
        if staff.current_institution_id != proposal.source_id:
            raise ValidationError(f"{staff.name} 已不在原学校，请撤回该交流安排")
        assign_staff(actor=actor, staff=staff, institution=proposal.destination,
                     post=staff.current_post or proposal.post, start=plan.effective)
        workflow.advance(actor=actor, item=proposal, transition="execute")
        done += 1
    return done


def visible_plan(actor: User, pk: int) -> RotationPlan:
    plan = plans_for(actor).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan
