"""The shared workflow mechanism: checks, history, deadlines, escalation, races."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from edugov.core.models import AuditLog
from edugov.workflow.definitions import Transition, Workflow, WorkflowError
from edugov.workflow.selectors import history_of, overdue
from edugov.workflow.services import StaleState, advance, escalate_overdue, start
from tests.workflow_testapp.models import Ticket

NOW = dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ticket(db):
    item = Ticket.objects.create(title="围墙裂缝")
    start(actor=None, item=item, now=NOW)
    return item


def test_definition_errors_are_caught_when_defined():
    with pytest.raises(WorkflowError, match="未定义的状态 nowhere"):
        Workflow(name="bad", states={"a": "甲"}, initial="a",
                 transitions=(Transition("go", "走", frozenset({"a"}), "nowhere"),))


def test_roles_sources_and_reasons_are_enforced(ticket, personas):
    with pytest.raises(WorkflowError, match="您的角色不能执行“交办”"):
        advance(actor=personas.school_admin_a, item=ticket, transition="assign")
    with pytest.raises(WorkflowError, match="当前状态为“已上报”，不能执行“验收销号”"):
        advance(actor=personas.county_a, item=ticket, transition="verify")
    advance(actor=personas.county_a, item=ticket, transition="assign", now=NOW)
    advance(actor=personas.school_admin_a, item=ticket, transition="finish", now=NOW)
    with pytest.raises(WorkflowError, match="需要填写理由"):
        advance(actor=personas.county_a, item=ticket, transition="reject")
    advance(actor=personas.county_a, item=ticket, transition="reject", reason="仍有裂缝")
    ticket.refresh_from_db()
    assert ticket.state == "assigned" and ticket.state_label == "整改中"


def test_history_and_audit_keep_every_step(ticket, personas):
    advance(actor=personas.county_a, item=ticket, transition="assign", now=NOW,
            evidence={"photo": "a.jpg"})
    steps = [(c.transition, c.from_state, c.to_state, c.actor) for c in history_of(ticket)]
    assert steps == [("create", "", "reported", None),
                     ("assign", "reported", "assigned", personas.county_a)]
    assert history_of(ticket).last().evidence == {"photo": "a.jpg"}
    assert AuditLog.objects.filter(entity="workflow_testapp.ticket").count() == 2


def test_deadline_overdue_and_escalation(ticket, personas):
    advance(actor=personas.county_a, item=ticket, transition="assign", now=NOW)
    ticket.refresh_from_db()
    assert ticket.due_at == NOW + dt.timedelta(days=7)
    later = NOW + dt.timedelta(days=8)
    assert list(overdue(Ticket.objects.all(), now=later)) == [ticket]
    assert escalate_overdue(Ticket, now=later) == 1
    ticket.refresh_from_db()
    assert ticket.state == "escalated"
    assert history_of(ticket).last().reason == "逾期未办理，系统自动升级"
    assert escalate_overdue(Ticket, now=later) == 0


def test_second_actor_on_a_stale_copy_loses(ticket, personas):
    first = Ticket.objects.get(pk=ticket.pk)
    second = Ticket.objects.get(pk=ticket.pk)
    advance(actor=personas.county_a, item=first, transition="assign")
    with pytest.raises(StaleState):
        advance(actor=personas.county_a, item=second, transition="assign")
    assert history_of(ticket).filter(transition="assign").count() == 1


def test_superuser_may_take_any_transition(ticket, personas):
    advance(actor=personas.superuser, item=ticket, transition="assign", now=timezone.now())
    ticket.refresh_from_db()
    assert ticket.state == "assigned"


def test_on_transition_hook_sees_every_step_inside_its_transaction(ticket, personas,
                                                                   monkeypatch):
    seen: list[tuple[str, str]] = []

    def hook(change):  # type: ignore[no-untyped-def]
        seen.append((change.transition, change.to_state))
        if change.transition == "finish":
            raise RuntimeError("the scenario refuses")

    monkeypatch.setattr(Ticket, "workflow", dataclasses.replace(Ticket.workflow,
                                                                on_transition=hook))
    advance(actor=personas.county_a, item=ticket, transition="assign", now=NOW)
    escalate_overdue(Ticket, now=NOW + dt.timedelta(days=8))
    assert seen == [("assign", "assigned"), ("escalate", "escalated")]
    ticket.refresh_from_db()
    # A hook that fails undoes the step: state, history and audit roll back together.
    with pytest.raises(RuntimeError):
        advance(actor=personas.school_admin_a, item=ticket, transition="finish", now=NOW)
    assert Ticket.objects.get(pk=ticket.pk).state == "escalated"
    assert history_of(ticket).last().transition == "escalate"
