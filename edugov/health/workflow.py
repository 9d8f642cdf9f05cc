"""The follow-up workflow for students who fail the fitness test or screen myopic.

已告知家长 → 已复测 → 已转诊 → 已结案. The school (administrator, or the class's head teacher)
moves the item; closing straight from 已告知 needs a reason (e.g. 转学, 家长已自行就医).
"""

from __future__ import annotations

import datetime as dt

from edugov.core.roles import Role
from edugov.workflow.definitions import Transition, Workflow

SCHOOL = frozenset({Role.SCHOOL_ADMIN.value, Role.TEACHER.value})

FOLLOW_UP = Workflow(
    name="health.follow_up",
    states={"notified": "已告知家长", "retested": "已复测", "referred": "已转诊",
            "closed": "已结案"},
    initial="notified",
    transitions=(
        Transition("retest", "登记复测", frozenset({"notified"}), "retested", SCHOOL),
        Transition("refer", "转诊", frozenset({"notified", "retested"}), "referred", SCHOOL),
        Transition("close", "结案", frozenset({"retested", "referred"}), "closed", SCHOOL),
        Transition("close_early", "直接结案", frozenset({"notified"}), "closed", SCHOOL,
                   needs_reason=True),
    ),
    final=frozenset({"closed"}),
    # A parent should hear back within a term; the dashboard lists overdue items.
    deadlines={"notified": dt.timedelta(days=60), "referred": dt.timedelta(days=90)},
)
