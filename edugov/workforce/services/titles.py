"""职称 applications (a workflow with the veto and training checks) and honours."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.roles import Role
from edugov.core.scoping import scope_of
from edugov.registry.models import Staff
from edugov.workflow import services as workflow
from edugov.workforce.models import Honour, TitleApplication, TitleRecord
from edugov.workforce.permissions import own_staff_id, require_recorder
from edugov.workforce.rules.conduct import ConductRules, veto_reason
from edugov.workforce.rules.titles import (
    HONOURS,
    TIERS,
    TITLE_LABELS,
    HeldHonour,
    HonourRules,
    TitleRules,
    backbone_level,
    honour_valid_until,
)
from edugov.workforce.rules.training import TrainingRules
from edugov.workforce.selectors.conduct import cases_of
from edugov.workforce.selectors.titles import title_applications_for, title_checks
from edugov.workforce.services.conduct import visible_staff


def title_refusals(staff: Staff, wanted: str, on: dt.date, *,
                   conduct: ConductRules | None = None, titles: TitleRules | None = None,
                   training: TrainingRules | None = None) -> list[str]:
    """Every reason ``staff`` may not be promoted to ``wanted`` on ``on`` (empty: may)."""
    return title_checks([(staff.pk, staff.title, wanted)], on, conduct=conduct, titles=titles,
                        training=training)[0].refusals


@transaction.atomic
def apply_for_title(*, actor: User, staff: Staff, title: str, year: int,
                    evidence: dict[str, Any] | None = None, on: dt.date | None = None,
                    conduct: ConductRules | None = None, titles: TitleRules | None = None,
                    training: TrainingRules | None = None) -> TitleApplication:
    """A teacher (their own) or their school submits; refused with every reason at once."""
    staff = visible_staff(actor, staff)
    scope = scope_of(actor)
    if not scope.has_role(Role.SCHOOL_ADMIN, Role.TEACHER, Role.COUNTY_BUREAU, Role.CITY_BUREAU):
        raise PermissionDenied("无权申报职称")
    if (Role.TEACHER in scope.roles and not scope.has_role(Role.SCHOOL_ADMIN, Role.COUNTY_BUREAU,
                                                           Role.CITY_BUREAU)
            and own_staff_id(actor) != staff.pk):
        raise PermissionDenied("教师只能为本人申报职称")
    on = on or dt.date.today()
    refusals = title_refusals(staff, title, on, conduct=conduct, titles=titles,
                              training=training)
    if refusals:
        raise ValidationError("；".join(refusals))
    application = TitleApplication.objects.create(
        staff=staff, current_title=staff.title, title=title, year=year, evidence=evidence or {})
    workflow.start(actor=actor, item=application, evidence=evidence)
    return application


@transaction.atomic
def review_title(*, actor: User, application: TitleApplication, transition: str,
                 reason: str = "", on: dt.date | None = None,
                 conduct: ConductRules | None = None, titles: TitleRules | None = None,
                 training: TrainingRules | None = None) -> TitleApplication:
    """Recommend, approve, reject (with the reason) or withdraw. A recommendation checks the
    veto again (a case may have been recorded since the application); approval checks
    everything the application was judged by — the ladder, the veto, the training schedule —
    and records the new title in the teacher's history and the registry."""
    found = title_applications_for(actor).filter(pk=application.pk).first()
    if found is None:
        raise Http404
    application = found
    on = on or dt.date.today()
    if transition == "recommend":
        veto = veto_reason(cases_of([application.staff_id]).get(application.staff_id, []),
                           on, "晋升职称", conduct)
        if veto:
            raise ValidationError(veto)
    if transition == "approve":
        refusals = title_refusals(application.staff, application.title, on, conduct=conduct,
                                  titles=titles, training=training)
        if refusals:
            raise ValidationError("；".join(refusals))
    workflow.advance(actor=actor, item=application, transition=transition, reason=reason)
    if application.state == "approved":
        staff = application.staff
        TitleRecord.objects.create(staff=staff, title=application.title, obtained=on,
                                   application=application)
        staff.title = application.title
        staff.save(update_fields=["title", "updated_at"])
        audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(staff),
                     object_id=staff.pk, summary=f"职称 → {TITLE_LABELS[application.title]}")
    return application


def _sync_backbone(staff: Staff, on: dt.date) -> None:
    held = [HeldHonour(k, t, a, v) for k, t, a, v in Honour.objects.filter(staff=staff).values_list(
        "kind", "tier", "awarded", "valid_until")]
    level = backbone_level(held, on)
    if staff.backbone_level != level:
        staff.backbone_level = level
        staff.save(update_fields=["backbone_level", "updated_at"])


@transaction.atomic
def award_honour(*, actor: User, staff: Staff, kind: str, tier: str, awarded: dt.date,
                 awarded_by: str = "", conduct: ConductRules | None = None,
                 rules: HonourRules | None = None) -> Honour:
    """Record an honour; refused during a 师德 veto. A 骨干 honour sets the registry's
    骨干教师级别 (which the rotation optimiser and the data center read)."""
    require_recorder(actor, "登记荣誉称号")
    staff = visible_staff(actor, staff)
    if kind not in HONOURS or tier not in TIERS:
        raise ValidationError("荣誉类别或级别无效")
    veto = veto_reason(cases_of([staff.pk]).get(staff.pk, []), awarded,
                       f"获得“{HONOURS[kind]}”等荣誉", conduct)
    if veto:
        raise ValidationError(veto)
    honour = Honour.objects.create(staff=staff, kind=kind, tier=tier, awarded=awarded,
                                   valid_until=honour_valid_until(kind, awarded, rules),
                                   awarded_by=awarded_by, recorded_by=actor)
    if kind == "backbone":
        _sync_backbone(staff, awarded)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(honour),
                 object_id=honour.pk, summary=f"荣誉 {staff.pk} {TIERS[tier]}{HONOURS[kind]}")
    return honour


@transaction.atomic
def refresh_backbone_levels(*, actor: User | None, on: dt.date) -> int:
    """Drop expired 骨干 terms from the registry (teachers with 骨干 honours on record only:
    levels imported without an honour history are left alone). Returns how many changed."""
    changed = 0
    for staff in Staff.objects.filter(honours__kind="backbone").distinct().order_by("pk"):
        before = staff.backbone_level
        _sync_backbone(staff, on)
        changed += staff.backbone_level != before
    if changed:
        audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="registry.staff",
                     summary=f"骨干教师级别按有效期更新：{changed}人", details={"on": str(on)})
    return changed
