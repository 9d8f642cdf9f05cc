"""Workflow items (an abstract base for scenario models) and their shared history."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from edugov.workflow.definitions import Workflow


class WorkflowItem(models.Model):
    """Base for anything a workflow moves: current state, when it got there, when it is due."""

    workflow: ClassVar[Workflow]

    state = models.CharField(_("状态"), max_length=32, db_index=True)
    state_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    @property
    def state_label(self) -> str:
        return self.workflow.label(self.state)

    @property
    def is_final(self) -> bool:
        return self.state in self.workflow.final


class StateChange(models.Model):
    """One step in an item's history: who moved it from where to where, when and why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    item = GenericForeignKey("content_type", "object_id")
    workflow = models.CharField(_("流程"), max_length=64)
    transition = models.CharField(_("操作"), max_length=64)
    from_state = models.CharField(_("原状态"), max_length=32, blank=True)
    to_state = models.CharField(_("新状态"), max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("理由"), blank=True)
    evidence = models.JSONField(_("材料"), default=dict, blank=True)

    class Meta:
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"],
                                name="statechange_item_at")]

    def __str__(self) -> str:
        return f"{self.workflow}:{self.object_id} {self.from_state}→{self.to_state}"
