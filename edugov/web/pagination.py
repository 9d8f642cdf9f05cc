"""Paging long registry lists without counting every row.

A city's student list is 300k rows behind a join; an exact COUNT(*) on each page view
is the slowest part of the page. We count at most ``CAP`` rows (a LIMITed subquery) and
show "10,000+" beyond, which also bounds the OFFSET of the deepest page. Rows are
ordered by an indexed key by the caller, so each page is an index range scan.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

PAGE_SIZE = 50
CAP = 10_000


class CappedPaginator(Paginator):
    cap = CAP

    @cached_property
    def _bounded_count(self) -> int:
        # Slicing before count() makes Django emit COUNT(*) over a LIMITed subquery;
        # values("pk") keeps computed columns (a class's size) out of that subquery.
        return self.object_list.values("pk")[: self.cap + 1].count()  # type: ignore[attr-defined]

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.cap)

    @cached_property
    def capped(self) -> bool:
        """More rows exist than were counted: say "10,000+" and suggest filtering."""
        return self._bounded_count > self.cap


def paginate(request: HttpRequest, queryset: QuerySet[Any], *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page (out-of-range numbers give the nearest page rather than an error)."""
    return CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))
