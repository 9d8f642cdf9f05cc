"""Reads for imports and exports, scoped by core.scoping like every other read."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import Q, QuerySet

from edugov.core.roles import REGISTRY_WRITE_ROLES, UNMASK_ROLES
from edugov.core.scoping import scope_of, visible_to
from edugov.imports.models import ImportIssue, ImportJob
from edugov.registry.models import Institution, Region

M = TypeVar("M", bound=models.Model)


def within_reach(actor: Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """``visible_to`` for a user; the CLI operator (``actor`` None) reaches everything."""
    return queryset if actor is None else visible_to(actor, queryset)


def may_import(user: Any) -> bool:
    return user is None or scope_of(user).has_role(*REGISTRY_WRITE_ROLES)


def may_export(user: Any) -> bool:
    # Bulk copies of personal data leave the system: the roles that maintain the registry.
    return user is None or scope_of(user).has_role(*REGISTRY_WRITE_ROLES)


def may_unmask(user: Any) -> bool:
    return user is None or scope_of(user).has_role(*UNMASK_ROLES)


def jobs_for(user: Any) -> QuerySet[ImportJob]:
    """The user's own jobs and those anchored in their jurisdiction (see ImportJob.region)."""
    jobs = ImportJob.objects.select_related("user", "academic_year")
    if scope_of(user).everything:
        return jobs
    return jobs.filter(
        Q(user=user)
        | Q(region__in=visible_to(user, Region.objects.all()))
        | Q(institution__in=visible_to(user, Institution.objects.all()))
    )


def issues_of(job: ImportJob) -> QuerySet[ImportIssue]:
    return job.issues.all()


def anchor_of(user: Any) -> dict[str, Any]:
    """The region or institution a new job of ``user`` belongs to (ImportJob.region)."""
    scope = scope_of(user)
    if scope.everything:
        return {}
    if scope.region_paths:
        return {"region": Region.objects.filter(path=scope.region_paths[0]).first()}
    if scope.institution_ids:
        return {"institution_id": scope.institution_ids[0]}
    return {}
