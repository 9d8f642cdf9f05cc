"""Teacher points (积分制): a county's configurable items, each teacher's itemised score.

Counties that run 县管校聘 score teachers each year and use the score to order them where
rules leave a tie (competitive posting, rotation). No national table exists (policy-rules
§5.1: "only qualitative"), so every item is configuration: a per-unit value and an optional
cap, per year. Where the units come from is the item's ``source``:

* ``evidence`` — entered with evidence (课时量, 公开课, 班主任年限…);
* ``training_hours`` — hours in the training ledger dated in the year;
* ``honours`` — valid honours on the year's last day, units by tier (``tier_units``);
* ``rural_years`` — years served at rural or weak schools up to the year's end;
* ``conduct`` — 师德 cases decided in the year (give it a negative ``per_unit``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

SOURCES: dict[str, str] = {
    "evidence": "凭材料录入",
    "training_hours": "培训学时",
    "honours": "荣誉称号",
    "rural_years": "农村（薄弱）学校任教年限",
    "conduct": "师德违规",
}

#: Default units per honour tier (a 县级 honour 1, 市级 2, 省级 3, 国家级 4).
TIER_UNITS: dict[str, float] = {"school": 0.5, "county": 1.0, "city": 2.0, "province": 3.0,
                                "national": 4.0}


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    source: str
    per_unit: float
    cap: float | None = None  # on the absolute value of the item's points

    def points(self, units: float) -> float:
        value = units * self.per_unit
        if self.cap is not None:
            value = max(-self.cap, min(self.cap, value))
        return round(value, 2)


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    units: float
    points: float


@dataclass(frozen=True)
class Score:
    staff: int
    lines: tuple[Line, ...]

    @property
    def total(self) -> float:
        return round(sum(line.points for line in self.lines), 2)


@dataclass(frozen=True)
class Facts:
    """Units per source for one teacher and year (evidence units per item code)."""

    evidence: Mapping[str, float] = field(default_factory=dict)
    training_hours: float = 0.0
    honour_tiers: Sequence[str] = ()
    rural_years: float = 0.0
    conduct_cases: int = 0


def units_for(item: Item, facts: Facts,
              tier_units: Mapping[str, float] = TIER_UNITS) -> float:
    if item.source == "evidence":
        return facts.evidence.get(item.code, 0.0)
    if item.source == "training_hours":
        return facts.training_hours
    if item.source == "honours":
        return sum(tier_units.get(t, 0.0) for t in facts.honour_tiers)
    if item.source == "rural_years":
        return round(facts.rural_years, 2)
    if item.source == "conduct":
        return float(facts.conduct_cases)
    raise ValueError(f"unknown source {item.source}")


def score(staff: int, items: Sequence[Item], facts: Facts) -> Score:
    lines = []
    for item in items:
        units = units_for(item, facts)
        lines.append(Line(item.code, item.label, units, item.points(units)))
    return Score(staff, tuple(lines))


def ranking_key(points: Mapping[int, float]):  # type: ignore[no-untyped-def]
    """Sort key for teacher ids: more points first, then the smaller id (stable, documented)."""
    return lambda staff: (-points.get(staff, 0.0), staff)
