"""Facility figures and the other descriptive fields of an Institution row.

Per-student figures are drawn around the 优质均衡 thresholds (教督〔2017〕6号, see
shared reference balanced_development_indicators.csv, R4–R7): a school's figure is
threshold × students × a log-normal factor whose median is ~1.17, so about a third of
schools miss each item and the county-level 达标 and 差异系数 indicators have something to
show. Urban schools are short of sports ground, rural ones of equipment, and a county
shifts all its schools a little (some counties invest more).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from edugov.registry.choices import InstitutionKind, Locality, Rating
from edugov.registry.demo.names import ROAD_KINDS, ROAD_WORDS
from edugov.registry.demo.plan import PlannedSchool
from edugov.registry.models import Institution

K = InstitutionKind

#: Per-student thresholds (R4 teaching m², R5 sports m², R6 equipment ¥, R7 rooms per 100).
PRIMARY_NORMS = (4.5, 7.5, 2000.0, 2.3)
JUNIOR_NORMS = (5.8, 10.2, 2500.0, 2.4)
SENIOR_NORMS = (6.4, 11.2, 3000.0, 2.6)
#: Kindergartens: 活动用房 8.17 m², 户外场地 4 m² per child (辽宁普及普惠 wording, §2.3).
KINDERGARTEN_NORMS = (8.17, 4.0, 800.0, 2.5)
VOCATIONAL_NORMS = (7.0, 10.2, 6000.0, 2.6)
SPECIAL_NORMS = (15.0, 12.0, 6000.0, 10.0)
BOOKS_PER_STUDENT = {"kindergarten": 10, "primary": 30, "junior": 40, "senior": 50}

#: Log-normal shift of each figure by 城乡分类: (teaching, sports, equipment, multimedia).
LOCALITY_SHIFT = {
    Locality.URBAN: (-0.05, -0.12, 0.08, 0.05),
    Locality.TOWN: (0.0, 0.0, 0.0, 0.0),
    Locality.RURAL: (0.10, 0.15, -0.10, -0.10),
}
BASE_SHIFT = 0.16
SPREAD = 0.28

BOARDING_ODDS: dict[str, float] = {
    K.JUNIOR: 0.45, K.NINE_YEAR: 0.3, K.SENIOR: 0.6, K.COMPLETE_SECONDARY: 0.5,
    K.VOCATIONAL: 0.6, K.SPECIAL: 0.5, K.TWELVE_YEAR: 0.5,
}


def norms_for(school: PlannedSchool) -> tuple[float, ...]:
    """Thresholds weighted by the students of each stage the school teaches."""
    if school.kind == K.KINDERGARTEN:
        return KINDERGARTEN_NORMS
    if school.kind == K.VOCATIONAL:
        return VOCATIONAL_NORMS
    if school.kind == K.SPECIAL:
        return SPECIAL_NORMS
    weights = [0.0, 0.0, 0.0]
    for grade, sizes in school.classes.items():
        weights[0 if grade <= 6 else 1 if grade <= 9 else 2] += sum(sizes)
    total = sum(weights) or 1.0
    stages = (PRIMARY_NORMS, JUNIOR_NORMS, SENIOR_NORMS)
    return tuple(sum(w * norms[i] for w, norms in zip(weights, stages, strict=True)) / total
                 for i in range(4))


def books_per_student(school: PlannedSchool) -> int:
    if school.kind == K.KINDERGARTEN:
        return BOOKS_PER_STUDENT["kindergarten"]
    top = max(school.classes)
    return BOOKS_PER_STUDENT["primary" if top <= 6 else "junior" if top <= 9 else "senior"]


def facility_figures(rng: random.Random, school: PlannedSchool,
                     county_shift: float) -> dict[str, object]:
    students = school.students
    teaching, sports, equipment, multimedia = norms_for(school)
    shifts = LOCALITY_SHIFT[Locality(school.locality)]

    def factor(item: int) -> float:
        return math.exp(rng.gauss(BASE_SHIFT + county_shift + shifts[item], SPREAD))

    # Small schools still have a building and a yard: per-student figures rise.
    teaching_m2 = max(students * teaching * factor(0), 300.0)
    sports_m2 = max(students * sports * factor(1), 800.0)
    rooms_needed = math.ceil(school.class_count / 12)
    return {
        "teaching_area_m2": Decimal(f"{teaching_m2:.2f}"),
        "sports_area_m2": Decimal(f"{sports_m2:.2f}"),
        "equipment_value_yuan": Decimal(f"{students * equipment * factor(2):.2f}"),
        "multimedia_classrooms": round(students * multimedia / 100 * factor(3)),
        "books": round(students * books_per_student(school) * math.exp(rng.gauss(0.1, 0.25))),
        "music_rooms": max(0, rooms_needed + rng.choice((-1, 0, 0, 0, 1))),
        "art_rooms": max(0, rooms_needed + rng.choice((-1, 0, 0, 0, 1))),
    }


def rating_for(rng: random.Random, school: PlannedSchool) -> str:
    if school.kind == K.KINDERGARTEN:
        odds = (0.2, 0.35, 0.3, 0.15) if school.is_public else (0.05, 0.2, 0.4, 0.35)
    elif school.kind in (K.SENIOR, K.COMPLETE_SECONDARY, K.VOCATIONAL):
        odds = (0.3, 0.4, 0.2, 0.1)
    else:
        odds = (0.05, 0.15, 0.2, 0.6)
    levels = (Rating.PROVINCIAL, Rating.CITY, Rating.COUNTY, Rating.NONE)
    return rng.choices(levels, weights=odds)[0]


def institution_row(rng: random.Random, school: PlannedSchool,
                    county_shift: float) -> Institution:
    compulsory = school.kind not in (K.KINDERGARTEN, K.SENIOR, K.VOCATIONAL)
    first_year = 1985 if school.kind == K.KINDERGARTEN else 1950
    if not school.is_public:
        first_year = 1998
    return Institution(
        id=school.id, code=school.code, name=school.name, kind=school.kind,
        ownership=school.ownership, inclusive=school.inclusive,
        rating=rating_for(rng, school), locality=school.locality,
        region=school.township.region,
        standardized=compulsory and school.is_public and rng.random() < 0.85,
        boarding=(school.locality != Locality.URBAN
                  and rng.random() < BOARDING_ODDS.get(school.kind, 0.0)),
        address=(f"{school.county.name}{school.township.name}"
                 f"{rng.choice(ROAD_WORDS)}{rng.choice(ROAD_KINDS)}{rng.randint(1, 399)}号"),
        phone=f"0{980 + int(school.county.code[2:4])}-{rng.randint(2_000_0000, 8_999_9999)}",
        founded=dt.date(rng.randint(first_year, 2020), 9, 1),
        **facility_figures(rng, school, county_shift),  # type: ignore[arg-type]
    )
