"""Schedule expansion: an inspection frequency → the dates inspections fall due in a period.

Daily patrols (日巡查) fall on school days; weekly checks on the last school day of the
week; monthly self-checks (月自查) on the last school day of the month; term inspections by
the county (学期检查) on given dates; special campaigns (专项检查: before holidays, before
flood season) on given dates too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator

DAILY = "daily"
WEEKLY = "weekly"
MONTHLY = "monthly"
TERMLY = "termly"
CAMPAIGN = "campaign"

FREQUENCIES: tuple[tuple[str, str], ...] = (
    (DAILY, "每日巡查"), (WEEKLY, "每周检查"), (MONTHLY, "每月自查"),
    (TERMLY, "学期检查"), (CAMPAIGN, "专项检查"),
)


def school_days(start: dt.date, end: dt.date, *,
                holidays: Collection[dt.date] = ()) -> Iterator[dt.date]:
    """Weekdays from ``start`` to ``end`` inclusive that are not holidays."""
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            yield day
        day += dt.timedelta(days=1)


def _last_of_each(days: Iterable[dt.date], key: str) -> list[dt.date]:
    last: dict[tuple[int, int], dt.date] = {}
    for day in days:
        bucket = (day.isocalendar()[0], day.isocalendar()[1]) if key == "week" \
            else (day.year, day.month)
        last[bucket] = day
    return sorted(last.values())


def due_dates(frequency: str, start: dt.date, end: dt.date, *,
              holidays: Collection[dt.date] = (),
              fixed: Iterable[dt.date] = ()) -> list[dt.date]:
    """Dates in [start, end] on which an inspection of ``frequency`` falls due.

    ``fixed`` lists the dates of term inspections and campaigns (the county sets them).
    """
    if end < start:
        return []
    if frequency == DAILY:
        return list(school_days(start, end, holidays=holidays))
    if frequency == WEEKLY:
        return _last_of_each(school_days(start, end, holidays=holidays), "week")
    if frequency == MONTHLY:
        return _last_of_each(school_days(start, end, holidays=holidays), "month")
    if frequency in (TERMLY, CAMPAIGN):
        return sorted({d for d in fixed if start <= d <= end})
    raise ValueError(f"未知检查频次：{frequency}")
