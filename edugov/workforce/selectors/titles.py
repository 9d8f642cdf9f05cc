"""Reads of 职称 history, applications and honours (scoped through the teacher's school)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from edugov.core.scoping import visible_to
from edugov.workforce.models import Honour, TitleApplication, TitleRecord


def title_applications_for(user: Any) -> QuerySet[TitleApplication]:
    return visible_to(user, TitleApplication.objects.select_related("staff"))


def title_history_for(user: Any) -> QuerySet[TitleRecord]:
    return visible_to(user, TitleRecord.objects.select_related("staff"))


def honours_for(user: Any) -> QuerySet[Honour]:
    return visible_to(user, Honour.objects.select_related("staff"))
