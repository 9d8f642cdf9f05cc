import datetime as dt

from django.db import models

from edugov.workflow.definitions import Transition, Workflow
from edugov.workflow.models import WorkflowItem

HAZARD = Workflow(
    name="test_hazard",
    states={"reported": "已上报", "assigned": "整改中", "done": "已整改", "verified": "已销号",
            "escalated": "已督办"},
    initial="reported",
    transitions=(
        Transition("assign", "交办", frozenset({"reported"}), "assigned",
                   roles=frozenset({"county_bureau"})),
        Transition("finish", "整改完成", frozenset({"assigned", "escalated"}), "done",
                   roles=frozenset({"school_admin"})),
        Transition("verify", "验收销号", frozenset({"done"}), "verified",
                   roles=frozenset({"county_bureau"})),
        Transition("reject", "验收不通过", frozenset({"done"}), "assigned",
                   roles=frozenset({"county_bureau"}), needs_reason=True),
        Transition("escalate", "逾期督办", frozenset({"assigned"}), "escalated"),
    ),
    final=frozenset({"verified"}),
    deadlines={"assigned": dt.timedelta(days=7)},
    escalations={"assigned": "escalate"},
)


class Ticket(WorkflowItem):
    workflow = HAZARD
    title = models.CharField(max_length=64)
