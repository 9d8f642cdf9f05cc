"""Paging the hazard list cheaply under load: a capped count, cached briefly.

Fifty county officials opening the hazard list at once must not run fifty identical
COUNT(*)s over the county's hazards. The web shell's ``CappedPaginator`` already bounds
the count at 10,000 rows; here the bounded count is also kept for ``COUNT_TTL`` seconds
per (jurisdiction, filters), so the page itself is one LIMITed index-ordered query. The
rows are always fresh; only the "共 N 条" total may lag a new hazard by up to COUNT_TTL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page
from django.db.models import QuerySet
from django.utils.functional import cached_property

from edugov.core.scoping import Scope
from edugov.web.pagination import PAGE_SIZE, CappedPaginator

COUNT_TTL = 30


def count_key(scope: Scope, filters: Mapping[str, Any]) -> str:
    """One cache key per jurisdiction and filter set (users of one county share it)."""
    signature = repr((scope.everything, scope.region_paths, scope.institution_ids,
                      sorted(filters.items())))
    return "safety:hazard-count:" + hashlib.sha256(signature.encode()).hexdigest()[:32]


class CachedCountPaginator(CappedPaginator):
    def __init__(self, object_list: QuerySet[Any], per_page: int, *, key: str) -> None:
        super().__init__(object_list, per_page)
        self.key = key

    @cached_property
    def _bounded_count(self) -> int:
        counted = cache.get(self.key)
        if counted is None:
            counted = super()._bounded_count
            cache.set(self.key, counted, COUNT_TTL)
        return int(counted)


def cached_count_page(queryset: QuerySet[Any], number: str | None, *, key: str,
                      per_page: int = PAGE_SIZE) -> Page:
    """The requested page (out-of-range numbers give the nearest page, as elsewhere)."""
    return CachedCountPaginator(queryset, per_page, key=key).get_page(number)
