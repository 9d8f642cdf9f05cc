"""Reads of workflow history and deadlines (items themselves are scoped by their app)."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from edugov.workflow.models import StateChange, WorkflowItem


def history_of(item: WorkflowItem) -> QuerySet[StateChange]:
    return StateChange.objects.filter(
        content_type=ContentType.objects.get_for_model(item), object_id=str(item.pk)
    ).select_related("actor")


def overdue(queryset: QuerySet, *, now: dt.datetime | None = None) -> QuerySet:
    """Items past their deadline and not yet in a final state."""
    wf = queryset.model.workflow
    return queryset.filter(due_at__lt=now or timezone.now()).exclude(state__in=wf.final)
