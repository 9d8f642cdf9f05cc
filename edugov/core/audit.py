"""The one way to write an audit row; services call it inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from edugov.core.models import AuditLog, User


def record(
    *,
    actor: User | None,
    action: str,
    entity: str,
    object_id: Any = "",
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        user=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        entity=entity,
        object_id=str(object_id),
        summary=summary[:255],
        details=details or {},
    )


def entity_name(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower
