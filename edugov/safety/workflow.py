"""The hazard (隐患) and inspection workflows, on the shared workflow mechanism.

Hazards: 已上报 → 已交办 → 整改中 → 待验收 → 已验收 → 已销号, with 退回整改 and 重新打开 needing a
reason. Overdue items escalate to the next supervising level (学校 → 县区 → 市) by a
self-transition, so the state stays truthful and the history shows each escalation.
Inspections: 待检查 → 已完成; a missed one escalates to 逾期未检 and may still be done late.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from edugov.core.roles import Role
from edugov.workflow.definitions import Transition, Workflow

if TYPE_CHECKING:
    from edugov.workflow.models import StateChange

SCHOOL = frozenset({Role.SCHOOL_ADMIN.value, Role.TEACHER.value})
PRINCIPAL = frozenset({Role.SCHOOL_ADMIN.value})
BUREAU = frozenset({Role.COUNTY_BUREAU.value, Role.CITY_BUREAU.value})
MANAGERS = PRINCIPAL | BUREAU

REPORTED, ASSIGNED, RECTIFYING, SUBMITTED = "reported", "assigned", "rectifying", "submitted"
VERIFIED, CLOSED, DISMISSED = "verified", "closed", "dismissed"
OPEN_STATES = (REPORTED, ASSIGNED, RECTIFYING, SUBMITTED, VERIFIED)
#: States whose deadline is the rectification deadline set by the hazard's grade.
RECTIFICATION_STATES = (ASSIGNED, RECTIFYING)
ESCALATE_PREFIX = "escalate_"


def _after_transition(change: StateChange) -> None:
    """Both workflows' ``on_transition`` hook: escalations raise the supervising level."""
    # services imports this module (states, deadlines); importing it on call avoids the cycle.
    from edugov.safety import services

    services.after_transition(change)


def _escalation(state: str) -> Transition:
    return Transition(f"{ESCALATE_PREFIX}{state}", "逾期升级督办", frozenset({state}), state,
                      roles=BUREAU)


HAZARD = Workflow(
    name="safety_hazard",
    states={REPORTED: "已上报", ASSIGNED: "已交办", RECTIFYING: "整改中", SUBMITTED: "待验收",
            VERIFIED: "已验收", CLOSED: "已销号", DISMISSED: "不予受理"},
    initial=REPORTED,
    transitions=(
        Transition("assign", "交办整改", frozenset({REPORTED}), ASSIGNED, roles=MANAGERS),
        Transition("dismiss", "不予受理", frozenset({REPORTED}), DISMISSED, roles=MANAGERS,
                   needs_reason=True),
        Transition("accept", "开始整改", frozenset({ASSIGNED}), RECTIFYING, roles=SCHOOL),
        Transition("submit", "提交验收", frozenset({RECTIFYING}), SUBMITTED, roles=SCHOOL),
        Transition("verify", "验收通过", frozenset({SUBMITTED}), VERIFIED, roles=MANAGERS),
        Transition("return", "退回整改", frozenset({SUBMITTED}), RECTIFYING, roles=MANAGERS,
                   needs_reason=True),
        Transition("close", "销号", frozenset({VERIFIED}), CLOSED, roles=MANAGERS),
        Transition("reopen", "重新打开", frozenset({CLOSED}), RECTIFYING, roles=MANAGERS,
                   needs_reason=True),
        *(_escalation(s) for s in (REPORTED, ASSIGNED, RECTIFYING, SUBMITTED)),
    ),
    final=frozenset({CLOSED, DISMISSED}),
    # reported/submitted: time to act on it; assigned/rectifying: the window granted after an
    # escalation or a late return (the grade's deadline applies before that, set by services).
    deadlines={REPORTED: dt.timedelta(days=2), ASSIGNED: dt.timedelta(days=7),
               RECTIFYING: dt.timedelta(days=7), SUBMITTED: dt.timedelta(days=3)},
    escalations={s: f"{ESCALATE_PREFIX}{s}" for s in (REPORTED, ASSIGNED, RECTIFYING, SUBMITTED)},
    on_transition=_after_transition,
)

PLANNED, MISSED, COMPLETED = "planned", "missed", "completed"

INSPECTION = Workflow(
    name="safety_inspection",
    states={PLANNED: "待检查", MISSED: "逾期未检", COMPLETED: "已完成"},
    initial=PLANNED,
    transitions=(
        Transition("complete", "完成检查", frozenset({PLANNED, MISSED}), COMPLETED,
                   roles=SCHOOL | BUREAU),
        Transition("miss", "逾期未检", frozenset({PLANNED}), MISSED, roles=BUREAU),
    ),
    final=frozenset({COMPLETED}),
    escalations={PLANNED: "miss"},
    on_transition=_after_transition,
)
