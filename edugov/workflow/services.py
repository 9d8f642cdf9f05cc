"""The one way an item changes state: checked, race-safe, with history and audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.scoping import scope_of
from edugov.workflow.definitions import WorkflowError
from edugov.workflow.models import StateChange, WorkflowItem


class StaleState(WorkflowError):
    """Someone else moved the item first."""


def _record(item: WorkflowItem, *, actor: User | None, name: str, old: str, new: str,
            at: dt.datetime, reason: str, evidence: dict[str, Any] | None) -> StateChange:
    change = StateChange.objects.create(
        content_type=ContentType.objects.get_for_model(item), object_id=str(item.pk),
        workflow=item.workflow.name, transition=name, from_state=old, to_state=new,
        actor=actor if actor is not None and actor.is_authenticated else None,
        at=at, reason=reason, evidence=evidence or {},
    )
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(item),
                 object_id=item.pk, summary=f"{name}: {old or '-'} → {new}",
                 details={"reason": reason} if reason else None)
    if item.workflow.on_transition is not None:
        item.workflow.on_transition(change)
    return change


@transaction.atomic
def start(*, actor: User | None, item: WorkflowItem, now: dt.datetime | None = None,
          evidence: dict[str, Any] | None = None) -> StateChange:
    """Put a freshly saved item in its workflow's initial state, with the first history row."""
    now = now or timezone.now()
    wf = item.workflow
    item.state, item.state_changed_at, item.due_at = wf.initial, now, wf.due_at(wf.initial, now)
    type(item)._default_manager.filter(pk=item.pk).update(
        state=item.state, state_changed_at=now, due_at=item.due_at)
    return _record(item, actor=actor, name="create", old="", new=wf.initial, at=now,
                   reason="", evidence=evidence)


@transaction.atomic
def advance(
    *,
    actor: User | None,
    item: WorkflowItem,
    transition: str,
    reason: str = "",
    evidence: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
    as_system: bool = False,
) -> StateChange:
    """Take ``transition`` on ``item``; raises WorkflowError (Chinese) when it may not.

    The update is conditional on the state read, so two people acting on the same item at
    once cannot both succeed (the loser gets StaleState), on SQLite and PostgreSQL alike.
    """
    now = now or timezone.now()
    wf = item.workflow
    roles = None if as_system or scope_of(actor).everything else scope_of(actor).roles
    t = wf.check(item.state, transition, roles=roles, reason=reason)
    old = item.state
    due = wf.due_at(t.target, now)
    moved = type(item)._default_manager.filter(pk=item.pk, state=old).update(
        state=t.target, state_changed_at=now, due_at=due)
    if not moved:
        raise StaleState("该事项已被他人处理，请刷新后重试")
    item.state, item.state_changed_at, item.due_at = t.target, now, due
    return _record(item, actor=actor, name=t.name, old=old, new=t.target, at=now,
                   reason=reason, evidence=evidence)


def escalate_overdue(model: type[WorkflowItem], *, now: dt.datetime | None = None) -> int:
    """Apply each overdue item's escalation transition; returns how many moved."""
    now = now or timezone.now()
    wf = model.workflow
    moved = 0
    for state, name in wf.escalations.items():
        for item in model._default_manager.filter(state=state, due_at__lt=now).order_by("pk"):
            try:
                advance(actor=None, item=item, transition=name, now=now, as_system=True,
                        reason="逾期未办理，系统自动升级")
            except StaleState:
                continue
            moved += 1
    return moved
