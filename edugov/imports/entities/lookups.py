"""Database lookups the entity checks share: batched, scoped, one query per batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from edugov.imports.pipeline import Context, RowError, is_set
from edugov.imports.selectors import within_reach
from edugov.registry.models import Institution

#: Keys per ``IN (…)`` lookup: well under SQLite's and PostgreSQL's parameter limits.
LOOKUP_BATCH = 2000
UNKNOWN_INSTITUTION = "学校标识码不存在或不在管辖范围内"


def chunks(values: Iterable[Any], size: int = LOOKUP_BATCH) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def institutions_by_code(ctx: Context, codes: Iterable[str]) -> dict[str, int]:
    """学校标识码 → id for the institutions the actor reaches (others simply absent)."""
    found: dict[str, int] = {}
    for batch in chunks(sorted(set(codes))):
        found.update(within_reach(ctx.actor, Institution.objects.filter(code__in=batch))
                     .values_list("code", "id"))
    return found


def reachable_institution_ids(ctx: Context, ids: Iterable[int]) -> set[int]:
    reachable: set[int] = set()
    for batch in chunks(sorted(set(ids))):
        reachable.update(within_reach(ctx.actor, Institution.objects.filter(pk__in=batch))
                         .values_list("id", flat=True))
    return reachable


def resolve_institutions(rows: Sequence[Any], ctx: Context,
                         key: str = "institution_code") -> list[RowError]:
    """Look up every row's 学校标识码 (kept in ``ctx.memo['institutions']``); flag unknowns."""
    codes = institutions_by_code(ctx, (getattr(r, key) for r in rows if is_set(getattr(r, key))))
    ctx.memo["institutions"] = codes
    return [ctx.error(r.row, key, UNKNOWN_INSTITUTION) for r in rows
            if is_set(getattr(r, key)) and getattr(r, key) not in codes]
