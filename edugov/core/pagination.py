"""The one pagination shape of the API: ``{"items", "count", "page", "page_size"}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class PageParams(Schema):
    """Query parameters every list route accepts; filter schemas extend it."""

    page: int = Field(1, ge=1, description="页码，从 1 开始")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE,
                           description=f"每页条数，最多 {MAX_PAGE_SIZE}")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int = Field(description="符合条件的总条数")
    page: int
    page_size: int


def given(lookups: dict[str, Any]) -> dict[str, Any]:
    """The filters a caller actually set: ORM lookups whose value is not None."""
    return {key: value for key, value in lookups.items() if value is not None}


def paginate(queryset: QuerySet[Any], params: PageParams,
             out: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """Slice one page, ordered by pk so pages are stable while rows are added; ``out``
    turns each row into what the route returns."""
    ordered = queryset.order_by("pk")
    offset = (params.page - 1) * params.page_size
    items = list(ordered[offset:offset + params.page_size])
    return {
        "items": [out(item) for item in items] if out is not None else items,
        # Ordering is irrelevant to a count and would only cost the database a sort.
        "count": queryset.order_by().count(),
        "page": params.page,
        "page_size": params.page_size,
    }
