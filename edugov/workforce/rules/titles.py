"""职称 (titles) and honours: the ladder, who may apply, and honour validity.

Titles (人社部发〔2015〕79号, the registry's ``Title``): 三级 → 二级 → 一级 → 高级 → 正高级;
one step at a time. Applying is refused (with the reason) when:

* a 师德 veto is running (教师〔2019〕10号, see ``conduct``);
* the teacher is behind the continuing-education schedule (``training``) — provinces make
  继续教育学时 a 申报条件 (recall); ``require_training_on_track`` turns it off;
* for 高级 and above, less than ``rural_years_for_senior`` years at a rural or weak school
  (到农村或薄弱学校任教1年以上作为申报高级职称必备条件, e.g. Ningxia; policy-rules §5.1 —
  provincial, so the national default is 0).

Honours (教坛新秀, 名师, 骨干教师 at county, city and province level) are awarded for a term;
``HonourRules.validity_years`` are typical provincial terms (recall): 骨干 and 名师 3 years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: Ladder, lowest first (codes of registry.choices.Title).
LADDER = ("none", "third", "second", "first", "senior", "senior_professor")
TITLE_LABELS = {"none": "未评", "third": "三级教师", "second": "二级教师", "first": "一级教师",
                "senior": "高级教师", "senior_professor": "正高级教师"}

#: Honour kind → label; tiers are levels (county < city < province).
HONOURS: dict[str, str] = {
    "rising_star": "教坛新秀",
    "famous": "名师",
    "backbone": "骨干教师",
    "special_grade": "特级教师",
    "excellent": "优秀教师",
}
TIERS: dict[str, str] = {"school": "校级", "county": "县级", "city": "市级",
                         "province": "省级", "national": "国家级"}
#: Tiers that count as 县级及以上骨干 (优质均衡 indicator 1) and registry.BackboneLevel values.
BACKBONE_TIERS = ("county", "city", "province")


def _default_validity() -> dict[str, int | None]:
    return {"rising_star": 3, "famous": 3, "backbone": 3, "special_grade": None,
            "excellent": None}


@dataclass(frozen=True)
class TitleRules:
    require_training_on_track: bool = True
    rural_years_for_senior: int = 0


@dataclass(frozen=True)
class HonourRules:
    #: Years an honour is held; None: for life (特级教师, 优秀教师 commendations).
    validity_years: Mapping[str, int | None] = field(default_factory=_default_validity)


def next_title(current: str) -> str | None:
    index = LADDER.index(current)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None


def application_refusals(current: str, wanted: str, *, veto: str | None,
                         training_behind: bool, rural_years: float,
                         rules: TitleRules | None = None) -> list[str]:
    """Every reason the application may not go ahead (empty: it may)."""
    rules = rules or TitleRules()
    reasons = []
    if wanted != next_title(current):
        step = next_title(current)
        reasons.append(f"职称须逐级申报：当前为{TITLE_LABELS[current]}，只能申报"
                       f"{TITLE_LABELS[step] if step else '（已为最高职称）'}")
    if veto:
        reasons.append(veto)
    if rules.require_training_on_track and training_behind:
        reasons.append("继续教育学时未达到本周期进度要求")
    if (wanted in ("senior", "senior_professor") and rules.rural_years_for_senior
            and rural_years < rules.rural_years_for_senior):
        reasons.append(f"申报高级职称须有{rules.rural_years_for_senior}年以上农村或薄弱学校"
                       "任教经历")
    return reasons


def honour_valid_until(kind: str, awarded: dt.date,
                       rules: HonourRules | None = None) -> dt.date | None:
    years = (rules or HonourRules()).validity_years[kind]
    if years is None:
        return None
    try:
        return awarded.replace(year=awarded.year + years) - dt.timedelta(days=1)
    except ValueError:  # awarded on 29 Feb
        return awarded.replace(year=awarded.year + years, day=28)


@dataclass(frozen=True)
class HeldHonour:
    kind: str
    tier: str
    awarded: dt.date
    valid_until: dt.date | None

    def valid_on(self, on: dt.date) -> bool:
        return self.awarded <= on and (self.valid_until is None or on <= self.valid_until)


def backbone_level(honours: Iterable[HeldHonour], on: dt.date) -> str:
    """The registry's 骨干教师级别 implied by the valid 骨干 honours ("none" without one)."""
    tiers = {h.tier for h in honours if h.kind == "backbone" and h.valid_on(on)}
    return next((t for t in reversed(BACKBONE_TIERS) if t in tiers), "none")


def rural_years(spells: Iterable[tuple[dt.date, dt.date | None, bool]], on: dt.date) -> float:
    """Years served at rural or weak schools: (start, end, rural_or_weak) per assignment."""
    days = sum(((end or on) - start).days + 1 for start, end, rural in spells
               if rural and start <= on)
    return days / 365.25
