"""Continuing education (继续教育): the 5-year, 360-hour cycle and who is behind schedule.

Policy (policy-rules.md §5.2): 每5年一周期，中小学教师参加不少于360学时的培训 (教师〔2011〕1号,
recall for the number; the rule itself is 优质均衡 item G9, "教师5年360学时培训完成率达到100%",
secondary source). Cycles are county-wide and usually follow the five-year plans (2021–2025,
2026–2030), so the first cycle's start is configuration, not a per-teacher date. A teacher
who joins during a cycle owes the share of the 360 hours for the part they serve
(``prorate_joiners``, a common provincial practice — recall).

"Behind schedule" is pro rata: by a day d of the cycle a teacher should have
``required × elapsed / cycle length`` hours.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Training levels, highest first (国培, 省培, 市培, 县培, 校本研修).
LEVELS: dict[str, str] = {
    "national": "国家级",
    "provincial": "省级",
    "city": "市级",
    "county": "县级",
    "school": "校本研修",
}


@dataclass(frozen=True)
class TrainingRules:
    cycle_years: int = 5
    required_hours: float = 360.0
    #: First day of a cycle; every cycle_years from here (before it too) is a cycle start.
    cycle_anchor: dt.date = dt.date(2021, 1, 1)
    prorate_joiners: bool = True
    #: A single record above this is refused at import (a typing error, not a course).
    max_hours_per_record: float = 240.0


@dataclass(frozen=True)
class Cycle:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start.year}—{self.end.year}周期"


@dataclass(frozen=True)
class Progress:
    staff: int
    hours: float
    required: float
    expected: float  # by the day asked, pro rata

    @property
    def complete(self) -> bool:
        return self.hours >= self.required - 1e-9

    @property
    def behind(self) -> bool:
        return self.hours < self.expected - 1e-9

    @property
    def shortfall(self) -> float:
        return max(0.0, self.expected - self.hours)


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 Feb anchor in a common year
        return day.replace(year=day.year + years, day=28)


def cycle_on(on: dt.date, rules: TrainingRules | None = None) -> Cycle:
    rules = rules or TrainingRules()
    offset = math.floor(_years_between(rules.cycle_anchor, on) / rules.cycle_years)
    start = _shift_years(rules.cycle_anchor, offset * rules.cycle_years)
    if start > on:  # the anchor's day of year falls after ``on`` in the same year
        start = _shift_years(start, -rules.cycle_years)
    end = _shift_years(start, rules.cycle_years) - dt.timedelta(days=1)
    return Cycle(start, end)


def _years_between(anchor: dt.date, on: dt.date) -> int:
    years = on.year - anchor.year
    return years - 1 if (on.month, on.day) < (anchor.month, anchor.day) else years


def progress(staff: int, hours: float, on: dt.date, *, joined: dt.date | None = None,
             rules: TrainingRules | None = None) -> Progress:
    """One teacher's standing on ``on``: ``hours`` are those dated within the cycle so far."""
    rules = rules or TrainingRules()
    cycle = cycle_on(on, rules)
    start = cycle.start
    required = rules.required_hours
    if rules.prorate_joiners and joined is not None and joined > cycle.start:
        start = min(joined, on)
        required *= ((cycle.end - start).days + 1) / cycle.days
    served = (on - start).days + 1
    span = (cycle.end - start).days + 1
    expected = required * min(served, span) / span
    return Progress(staff, round(hours, 1), round(required, 1), round(expected, 1))


def standings(hours: Mapping[int, float], on: dt.date, *,
              joined: Mapping[int, dt.date] | None = None,
              rules: TrainingRules | None = None) -> list[Progress]:
    """Every teacher in ``joined`` (or ``hours``) with their hours this cycle."""
    staff = joined.keys() if joined is not None else hours.keys()
    return [progress(s, hours.get(s, 0.0), on, joined=(joined or {}).get(s), rules=rules)
            for s in sorted(staff)]


@dataclass(frozen=True)
class Completion:
    teachers: int
    complete: int
    behind: int
    hours: float

    @property
    def rate(self) -> float | None:
        return self.complete / self.teachers if self.teachers else None

    @property
    def on_track_rate(self) -> float | None:
        return (self.teachers - self.behind) / self.teachers if self.teachers else None

    @property
    def hours_per_teacher(self) -> float | None:
        return self.hours / self.teachers if self.teachers else None


def completion(rows: Iterable[Progress]) -> Completion:
    rows = list(rows)
    return Completion(len(rows), sum(r.complete for r in rows), sum(r.behind for r in rows),
                      round(sum(r.hours for r in rows), 1))
