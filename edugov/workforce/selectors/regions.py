"""Which counties' county-wide things (posting rounds, points schemes) a user sees: the
regions in their jurisdiction, plus, for school users, the regions enclosing their schools."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from edugov.core.scoping import visible_to
from edugov.registry.models import Institution, Region


def ancestor_paths(path: str) -> list[str]:
    """/980000/980100/980101/ → the province's, the city's and its own path."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[:n]) + "/" for n in range(1, len(codes) + 1)]


def regions_reaching(user: Any) -> QuerySet[Region]:
    school_paths = set(visible_to(user, Institution.objects.all()).values_list(
        "region__path", flat=True).distinct()[:1000])
    enclosing = {p for path in school_paths for p in ancestor_paths(path)}
    return Region.objects.filter(Q(pk__in=visible_to(user, Region.objects.all()).values("pk"))
                                 | Q(path__in=enclosing))


def county_of(institution: Institution) -> Region | None:
    """The county (区县) an institution lies in, whatever level its own region is."""
    return Region.objects.filter(path__in=ancestor_paths(institution.region.path),
                                 level="county").first()
