"""Rotation plans (交流轮岗) and their per-teacher proposals, moved by the shared workflow."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from edugov.registry.models import AcademicYear, Institution, Region, Staff
from edugov.workflow.definitions import Transition, Workflow
from edugov.workflow.models import WorkflowItem

BUREAU = frozenset({"county_bureau", "city_bureau"})
SCHOOL_SIDE = frozenset({"school_admin", "teacher"})

#: proposed → notified (school and teacher) → confirmed / contested (reason) → executed.
ROTATION = Workflow(
    name="workforce_rotation",
    states={"proposed": "拟交流", "notified": "已通知", "confirmed": "已确认",
            "contested": "有异议", "executed": "已调动", "withdrawn": "已撤回"},
    initial="proposed",
    transitions=(
        Transition("notify", "通知学校和教师", frozenset({"proposed"}), "notified",
                   roles=BUREAU),
        Transition("confirm", "确认", frozenset({"notified"}), "confirmed",
                   roles=SCHOOL_SIDE | BUREAU),
        Transition("contest", "提出异议", frozenset({"notified"}), "contested",
                   roles=SCHOOL_SIDE, needs_reason=True),
        Transition("uphold", "维持交流安排", frozenset({"contested"}), "confirmed",
                   roles=BUREAU, needs_reason=True),
        Transition("withdraw", "撤回", frozenset({"proposed", "notified", "contested"}),
                   "withdrawn", roles=BUREAU),
        Transition("execute", "办理调动", frozenset({"confirmed"}), "executed", roles=BUREAU),
    ),
    final=frozenset({"executed", "withdrawn"}),
    deadlines={"notified": dt.timedelta(days=10)},
)


class RotationPlan(models.Model):
    """One county's rotation for one academic year: the rules, locks and the solver's result.

    Scoped through its county: selectors keep plans whose county is visible to the user.
    """

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="rotation_plans")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT,
                                      related_name="rotation_plans")
    effective = models.DateField(_("交流生效日期"))
    #: staff id (str, JSON keys) → destination institution id, set by officials.
    locked = models.JSONField(_("锁定人员"), default=dict, blank=True)
    excluded = models.JSONField(_("排除人员"), default=list, blank=True)
    #: Last solve: status, seconds, coefficients before/after, rule checks, quota.
    result = models.JSONField(_("求解结果"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    solved_at = models.DateTimeField(_("求解时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交流轮岗方案")
        verbose_name_plural = _("交流轮岗方案")
        constraints = [
            models.UniqueConstraint(fields=["county", "academic_year"],
                                    name="one_rotation_plan_per_county_year"),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.academic_year} 交流轮岗"


class RotationProposal(WorkflowItem):
    """One teacher's proposed move; visible to the sending school (and, through the
    selector, to the receiving one)."""

    workflow = ROTATION
    scope_institution = "source"

    plan = models.ForeignKey(RotationPlan, on_delete=models.CASCADE, related_name="proposals")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="rotations")
    source = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="rotations_in")
    post = models.CharField(_("岗位"), max_length=12)
    backbone = models.BooleanField(_("骨干教师"), default=False)
    locked = models.BooleanField(_("人工锁定"), default=False)

    class Meta:
        verbose_name = _("交流轮岗人选")
        verbose_name_plural = _("交流轮岗人选")
        constraints = [
            models.UniqueConstraint(fields=["plan", "staff"], name="one_proposal_per_staff"),
        ]
