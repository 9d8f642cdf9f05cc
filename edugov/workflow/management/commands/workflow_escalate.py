"""edugov workflow_escalate: move every overdue item along its workflow's escalation."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from edugov.workflow.models import WorkflowItem
from edugov.workflow.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalate overdue workflow items (run from cron or the task worker)."

    def handle(self, *args: Any, **opts: Any) -> None:
        for model in apps.get_models():
            if issubclass(model, WorkflowItem) and model.workflow.escalations:
                moved = escalate_overdue(model)
                self.stdout.write(f"{model._meta.label}: {moved} escalated")
