"""The shared workflow mechanism: checks, history, deadlines, escalation, races."""

from __future__ import annotations

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
