"""Jurisdiction scoping: the one place that decides which rows a user may see.

Every selector, page, API route, export and admin list filters through
:func:`visible_to`. A model takes part by naming, in ``scope_institution``, the
lookup path from itself to the Institution that owns it ("" for Institution
itself); Region declares ``scope_region_path`` instead. Rows a user may not see
simply do not exist for them, so direct URLs answer 404, not 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q

from edugov.core.roles import INSTITUTION_ROLES, REGION_ROLES, REGISTRY_ROLES, Role

if TYPE_CHECKING:
    from edugov.core.models import Membership, User

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Scope:
    """What a user's memberships reach: everything, region subtrees, institutions."""

    everything: bool = False
    region_paths: tuple[str, ...] = ()
    institution_ids: tuple[int, ...] = ()
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.region_paths or self.institution_ids)

    def has_role(self, *roles: str) -> bool:
        return self.everything or bool(self.roles.intersection(roles))


def scope_of(user: User | Any) -> Scope:
    """Compute (and cache on the user object) the user's scope from their memberships."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cached = getattr(user, "_edugov_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(everything=True, roles=frozenset(Role.values))
    else:
        paths: list[str] = []
        institutions: list[int] = []
        roles: set[str] = set()
        for m in memberships_of(user):
            roles.add(m.role)
            if m.role in REGION_ROLES and m.region is not None:
                paths.append(m.region.path)
            elif m.role in INSTITUTION_ROLES and m.institution_id is not None:
                institutions.append(m.institution_id)
        scope = Scope(
            region_paths=_outermost(paths),
            institution_ids=tuple(sorted(set(institutions))),
            roles=frozenset(roles),
        )
    user._edugov_scope = scope  # type: ignore[union-attr]
    return scope


def memberships_of(user: User | Any) -> list[Membership]:
    """The user's memberships with their region and institution, read once per request:
    the scope and the top bar's "acting as" both need them (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_edugov_memberships", None)
    if cached is None:
        cached = list(user.memberships.select_related("region", "institution"))
        user._edugov_memberships = cached  # type: ignore[union-attr]
    return cached


def _outermost(paths: list[str]) -> tuple[str, ...]:
    """Drop paths nested inside another path; a subtree filter covers them."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def institution_q(scope: Scope, prefix: str) -> Q:
    """Q limiting rows whose owning Institution is reached by lookup ``prefix``."""
    if scope.everything:
        return Q()
    sep = "__" if prefix else ""
    parts = [Q(**{f"{prefix}{sep}region__path__startswith": p}) for p in scope.region_paths]
    if scope.institution_ids:
        parts.append(Q(**{f"{prefix}{sep}pk__in" if prefix else "pk__in": scope.institution_ids}))
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def region_q(scope: Scope) -> Q:
    if scope.everything:
        return Q()
    parts = [Q(path__startswith=p) for p in scope.region_paths]
    return reduce(or_, parts) if parts else Q(pk__in=[])


def visible_to(user: User | Any, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """Limit ``queryset`` to the rows ``user``'s jurisdiction reaches."""
    model = queryset.model
    scope = scope_of(user)
    if scope.everything:
        return queryset
    if hasattr(model, "scope_region_path"):
        return queryset.filter(region_q(scope))
    prefix = getattr(model, "scope_institution", None)
    if prefix is None:
        raise TypeError(f"{model.__name__} declares no scope; add scope_institution")
    if not scope.has_role(*REGISTRY_ROLES):
        return queryset.none()
    return queryset.filter(institution_q(scope, prefix))
