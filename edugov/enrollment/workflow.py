"""The application workflow (报名 → 审核 → 录取 → 确认), on the shared mechanism."""

from __future__ import annotations

from edugov.core.roles import Role
from edugov.workflow.definitions import Transition, Workflow

PARENT = frozenset({Role.PARENT.value})
VERIFIERS = frozenset({Role.SCHOOL_ADMIN.value, Role.COUNTY_BUREAU.value, Role.CITY_BUREAU.value})
BUREAU = frozenset({Role.COUNTY_BUREAU.value, Role.CITY_BUREAU.value})

DRAFT, SUBMITTED, RETURNED, VERIFIED, REJECTED = (
    "draft", "submitted", "returned", "verified", "rejected")
ADMITTED, UNPLACED, CONFIRMED, WITHDRAWN = "admitted", "unplaced", "confirmed", "withdrawn"

#: States in which an application holds the child's one slot in the round.
ACTIVE_STATES = frozenset({DRAFT, SUBMITTED, RETURNED, VERIFIED, REJECTED, ADMITTED,
                           UNPLACED, CONFIRMED, ""})

APPLICATION = Workflow(
    name="enrollment_application",
    states={DRAFT: "草稿", SUBMITTED: "已提交待审核", RETURNED: "退回补正",
            VERIFIED: "审核通过", REJECTED: "审核不通过", ADMITTED: "已录取",
            UNPLACED: "未录取待统筹", CONFIRMED: "已确认入学", WITHDRAWN: "已撤回"},
    initial=DRAFT,
    transitions=(
        # Resubmitting after a return or a rejection is the 补正 path, within the window.
        Transition("submit", "提交报名", frozenset({DRAFT, RETURNED, REJECTED}), SUBMITTED,
                   roles=PARENT),
        Transition("verify", "审核通过", frozenset({SUBMITTED}), VERIFIED, roles=VERIFIERS),
        Transition("return", "退回补正", frozenset({SUBMITTED}), RETURNED, roles=VERIFIERS,
                   needs_reason=True),
        Transition("reject", "审核不通过", frozenset({SUBMITTED}), REJECTED, roles=VERIFIERS,
                   needs_reason=True),
        Transition("withdraw", "撤回申请",
                   frozenset({DRAFT, SUBMITTED, RETURNED, REJECTED, VERIFIED}), WITHDRAWN,
                   roles=PARENT),
        Transition("admit", "录取", frozenset({VERIFIED}), ADMITTED, roles=BUREAU),
        Transition("leave_unplaced", "未录取", frozenset({VERIFIED}), UNPLACED, roles=BUREAU),
        Transition("allocate", "统筹安排", frozenset({UNPLACED}), ADMITTED, roles=BUREAU),
        Transition("claim", "补录", frozenset({UNPLACED}), ADMITTED, roles=PARENT),
        Transition("confirm", "确认入学", frozenset({ADMITTED}), CONFIRMED, roles=VERIFIERS),
        Transition("decline", "放弃学位", frozenset({ADMITTED}), WITHDRAWN, roles=PARENT),
    ),
    final=frozenset({CONFIRMED, WITHDRAWN}),
)
