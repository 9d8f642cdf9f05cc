"""Comparing results: rank among peers, completion of target, change, streaks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HIGHER, LOWER = "higher", "lower"


def rank(values: Mapping[str, float | None], direction: str = HIGHER) -> dict[str, int]:
    """Standard competition ranking (1, 2, 2, 4) of units with a value; best is 1."""
    present = {k: v for k, v in values.items() if v is not None}
    ordered = sorted(present.values(), reverse=direction == HIGHER)
    first_at: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_at.setdefault(value, position)
    return {k: first_at[v] for k, v in present.items()}


def completion(actual: float | None, target: float | None, direction: str = HIGHER
               ) -> float | None:
    """实际/目标 for higher-is-better; 目标/实际 when lower is better (e.g. 近视率)."""
    if actual is None or target is None:
        return None
    if direction == HIGHER:
        return actual / target if target else None
    return target / actual if actual else None


@dataclass(frozen=True)
class Change:
    absolute: float
    relative: float | None  # share of last year's value; None when last year was 0


def change(current: float | None, previous: float | None) -> Change | None:
    """Change from last year; for rates the absolute change is in percentage points."""
    if current is None or previous is None:
        return None
    return Change(current - previous, (current - previous) / previous if previous else None)


def streak(ranks_by_year: Mapping[int, int | None], *, up_to: int, position: int = 1) -> int:
    """How many consecutive years, ending at ``up_to``, the unit held ``position`` or better."""
    years = 0
    year = up_to
    while (r := ranks_by_year.get(year)) is not None and r <= position:
        years += 1
        year -= 1
    return years


def improved(current: float | None, previous: float | None, direction: str = HIGHER) -> bool | None:
    if current is None or previous is None:
        return None
    return current > previous if direction == HIGHER else current < previous


def peers_ranked(values: Sequence[tuple[str, float | None]], direction: str = HIGHER
                 ) -> list[tuple[str, float | None, int | None]]:
    """Rows (unit, value, rank) ordered best first, units without a value last."""
    ranks = rank(dict(values), direction)
    return sorted(((u, v, ranks.get(u)) for u, v in values),
                  key=lambda row: (row[2] is None, row[2] or 0, row[0]))
