"""The approval workflow of aggregate data values: county submits, city approves and locks.

A locked value is corrected by reopening it with a reason (the history in
``workflow.StateChange`` keeps the old value as evidence), editing it and submitting again.
"""

from __future__ import annotations

from edugov.core.roles import Role
from edugov.workflow.definitions import Transition, Workflow

DRAFT, SUBMITTED, APPROVED = "draft", "submitted", "approved"
CITY = frozenset({Role.CITY_BUREAU.value})
BUREAUS = frozenset({Role.CITY_BUREAU.value, Role.COUNTY_BUREAU.value})
ENTERING = frozenset({*BUREAUS, Role.SCHOOL_ADMIN.value})

DATA_VALUE_WORKFLOW = Workflow(
    name="metrics_data_value",
    states={DRAFT: "填报中", SUBMITTED: "待审核", APPROVED: "已审核（锁定）"},
    initial=DRAFT,
    transitions=(
        Transition("submit", "提交审核", frozenset({DRAFT}), SUBMITTED, roles=ENTERING),
        Transition("approve", "审核通过并锁定", frozenset({SUBMITTED}), APPROVED, roles=CITY),
        Transition("return", "退回修改", frozenset({SUBMITTED}), DRAFT, roles=CITY,
                   needs_reason=True),
        Transition("reopen", "解锁更正", frozenset({APPROVED}), DRAFT, roles=BUREAUS,
                   needs_reason=True),
    ),
)
