"""Which institutions a county has, where, who runs them, and how many classes of what size.

Counts per kind come from the county's share of students (calibrated so a city of
~300,000 students has ~1,000 institutions, as real prefecture-level cities do); class
sizes follow a per-school "pressure" so crowded schools are crowded throughout, with the
bands of policy-rules.md §3 (36–45 正常, 46–55 偏大, 56–65 大班额, 66+ 超大班额) and the
kindergarten norms 25/30/35 (《幼儿园工作规程》第十一条).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from edugov.demo.bulk import BulkWriter
from edugov.demo.scales import Scale
from edugov.registry.choices import InstitutionKind, Locality, Ownership
from edugov.registry.demo.geography import STREET, TOWN, VILLAGE, County, Township
from edugov.registry.demo.names import (
    KINDERGARTEN_BRANDS,
    SCHOOL_BRANDS,
    PlaceNames,
    chinese_number,
)
from edugov.registry.models import Institution

K = InstitutionKind
URBAN, TOWNISH, RURAL = Locality.URBAN.value, Locality.TOWN.value, Locality.RURAL.value

GRADES: dict[str, tuple[int, ...]] = {
    K.KINDERGARTEN: (-2, -1, 0),
    K.PRIMARY: tuple(range(1, 7)),
    K.TEACHING_POINT: (1, 2, 3, 4),  # trimmed per school to 2–4 grades
    K.NINE_YEAR: tuple(range(1, 10)),
    K.JUNIOR: (7, 8, 9),
    K.COMPLETE_SECONDARY: tuple(range(7, 13)),
    K.SENIOR: (10, 11, 12),
    K.TWELVE_YEAR: tuple(range(1, 13)),
    K.VOCATIONAL: (10, 11, 12),
    K.SPECIAL: tuple(range(1, 10)),
}

#: Institutions per 10,000 students of a county (a city of ~300k students: ~1,000).
PER_10K_STUDENTS: dict[str, float] = {
    K.KINDERGARTEN: 21.0, K.PRIMARY: 6.6, K.TEACHING_POINT: 5.5, K.NINE_YEAR: 1.7,
    K.JUNIOR: 2.0, K.COMPLETE_SECONDARY: 0.45, K.SENIOR: 0.4, K.TWELVE_YEAR: 0.1,
    K.VOCATIONAL: 0.4, K.SPECIAL: 0.0,
}
#: Urban districts have few teaching points and 九年一贯制 schools; rural counties many.
DISTRICT_BIAS: dict[str, float] = {K.TEACHING_POINT: 0.1, K.NINE_YEAR: 0.5, K.PRIMARY: 0.85,
                                   K.JUNIOR: 0.9}
COUNTY_BIAS: dict[str, float] = {K.TEACHING_POINT: 1.8, K.NINE_YEAR: 1.3, K.PRIMARY: 1.1}
#: The 主城区: the old town's many primary schools, and 九年一贯制 schools and a few
#: 教学点 in the villages at its edge.
CORE_BIAS: dict[str, float] = {K.TEACHING_POINT: 0.25, K.NINE_YEAR: 0.7, K.PRIMARY: 1.0,
                               K.JUNIOR: 1.0}

#: The tiny scale: a fixed list per county so every kind appears in ~20 institutions.
COMPACT_MIX: tuple[tuple[str, ...], ...] = (
    (K.KINDERGARTEN, K.KINDERGARTEN, K.KINDERGARTEN, K.KINDERGARTEN, K.PRIMARY, K.PRIMARY,
     K.TEACHING_POINT, K.NINE_YEAR, K.JUNIOR, K.SENIOR, K.VOCATIONAL, K.SPECIAL),
    (K.KINDERGARTEN, K.KINDERGARTEN, K.KINDERGARTEN, K.PRIMARY, K.TEACHING_POINT, K.JUNIOR,
     K.COMPLETE_SECONDARY, K.TWELVE_YEAR, K.SPECIAL),
)

#: (urban, town, rural) odds of an institution's 城乡分类 in a 县; districts are 85% urban.
COUNTY_LOCALITY_ODDS: dict[str, tuple[float, float, float]] = {
    K.KINDERGARTEN: (0.3, 0.4, 0.3), K.PRIMARY: (0.2, 0.35, 0.45),
    K.TEACHING_POINT: (0.0, 0.0, 1.0), K.NINE_YEAR: (0.1, 0.4, 0.5),
    K.JUNIOR: (0.3, 0.5, 0.2), K.COMPLETE_SECONDARY: (0.7, 0.3, 0.0),
    K.SENIOR: (0.75, 0.25, 0.0), K.TWELVE_YEAR: (1.0, 0.0, 0.0),
    K.VOCATIONAL: (0.75, 0.25, 0.0), K.SPECIAL: (1.0, 0.0, 0.0),
}
DISTRICT_LOCALITY_ODDS = (0.85, 0.15, 0.0)
CORE_LOCALITY_ODDS = (0.78, 0.16, 0.06)

#: Classes per grade (轨数), (fewest, most) by 城乡分类.
STREAMS: dict[str, dict[str, tuple[int, int]]] = {
    K.KINDERGARTEN: {URBAN: (1, 3), TOWNISH: (1, 2), RURAL: (1, 2)},
    K.PRIMARY: {URBAN: (2, 4), TOWNISH: (1, 3), RURAL: (1, 2)},
    K.NINE_YEAR: {URBAN: (2, 3), TOWNISH: (1, 2), RURAL: (1, 2)},
    K.JUNIOR: {URBAN: (4, 7), TOWNISH: (2, 4), RURAL: (2, 3)},
    K.COMPLETE_SECONDARY: {URBAN: (5, 9), TOWNISH: (3, 6), RURAL: (3, 5)},
    K.SENIOR: {URBAN: (8, 14), TOWNISH: (6, 10), RURAL: (4, 6)},
    K.TWELVE_YEAR: {URBAN: (2, 4), TOWNISH: (2, 3), RURAL: (1, 2)},
    K.VOCATIONAL: {URBAN: (6, 14), TOWNISH: (4, 8), RURAL: (3, 5)},
}

#: A school's crowding: (mean class size, ± spread); odds by 城乡分类.
PRESSURE_SIZES = {"small": (28, 6), "normal": (41, 4), "crowded": (49, 4),
                  "overloaded": (57, 4), "extreme": (62, 5)}
PRESSURE_ODDS: dict[str, tuple[tuple[str, float], ...]] = {
    URBAN: (("normal", 0.81), ("crowded", 0.155), ("overloaded", 0.025), ("extreme", 0.01)),
    TOWNISH: (("small", 0.08), ("normal", 0.745), ("crowded", 0.145), ("overloaded", 0.025),
              ("extreme", 0.005)),
    RURAL: (("small", 0.55), ("normal", 0.40), ("crowded", 0.05)),
}
KINDERGARTEN_NORMS = {-2: 25, -1: 30, 0: 35}

#: Share of 民办 among non-kindergarten kinds (kindergartens are allotted by children).
PRIVATE_SHARE: dict[str, float] = {K.PRIMARY: 0.06, K.NINE_YEAR: 0.15, K.JUNIOR: 0.10,
                 K.COMPLETE_SECONDARY: 0.10, K.SENIOR: 0.15, K.TWELVE_YEAR: 0.7,
                 K.VOCATIONAL: 0.25}

#: Kindergarten children by 举办者: 公办 / 普惠性民办 / 其他民办. A county's 公办园在园幼儿占比
#: and 普惠性幼儿园覆盖率 are drawn around 50% and 90% (policy-rules.md §2.3: ≥50%, ≥80%).
PUBLIC_KG, INCLUSIVE_KG, OTHER_KG = "public", "inclusive", "other"
PRIVATE_SUFFIX: dict[str, str] = {K.PRIMARY: "小学", K.JUNIOR: "中学", K.SENIOR: "高级中学",
                  K.VOCATIONAL: "职业学校", K.COMPLETE_SECONDARY: "中学"}


@dataclass
class PlannedSchool:
    id: int
    code: str
    kind: str
    locality: str
    county: County
    township: Township
    ownership: str = Ownership.PUBLIC
    inclusive: bool = False
    name: str = ""
    #: grade → sizes of its classes this (current) year
    classes: dict[int, list[int]] = field(default_factory=dict)
    institution: Institution | None = None

    @property
    def grades(self) -> tuple[int, ...]:
        return tuple(self.classes)

    @property
    def students(self) -> int:
        return sum(sum(sizes) for sizes in self.classes.values())

    @property
    def class_count(self) -> int:
        return sum(len(sizes) for sizes in self.classes.values())

    def typical_size(self, grade: int) -> float:
        sizes = self.classes.get(grade) or [s for ss in self.classes.values() for s in ss]
        return sum(sizes) / len(sizes)

    @property
    def is_public(self) -> bool:
        return self.ownership == Ownership.PUBLIC


def stochastic_round(rng: random.Random, value: float) -> int:
    whole = int(value)
    return whole + (1 if rng.random() < value - whole else 0)


def kinds_for(county: County, scale: Scale, index: int, rng: random.Random) -> list[str]:
    if scale.compact:
        return list(COMPACT_MIX[index % len(COMPACT_MIX)])
    students = scale.students_per_county * county.weight
    bias = CORE_BIAS if county.is_core else DISTRICT_BIAS if county.is_district else COUNTY_BIAS
    kinds: list[str] = []
    for kind, per_10k in PER_10K_STUDENTS.items():
        count = stochastic_round(rng, per_10k * students / 10_000 * bias.get(kind, 1.0))
        kinds.extend([kind] * count)
    # Every county runs a special school and at least one senior secondary.
    kinds.extend([K.SPECIAL] * max(1, round(students / 60_000)))
    if not any(k in (K.SENIOR, K.COMPLETE_SECONDARY) for k in kinds):
        kinds.append(K.SENIOR)
    return kinds


def plan_county(county: County, scale: Scale, index: int, rng: random.Random,
                writer: BulkWriter) -> None:
    kinds = kinds_for(county, scale, index, rng)
    ids = writer.next_ids(Institution, len(kinds))
    for serial, (kind, pk) in enumerate(zip(kinds, ids, strict=True), start=1):
        locality = draw_locality(rng, kind, county)
        school = PlannedSchool(id=pk, code=f"1{county.code}{serial:03d}", kind=kind,
                               locality=locality, county=county,
                               township=pick_township(rng, county, locality))
        school.classes = plan_classes(rng, school, scale)
        if kind != K.KINDERGARTEN and rng.random() < PRIVATE_SHARE.get(kind, 0.0) and (
                locality != RURAL):
            school.ownership = Ownership.PRIVATE
        county.institutions.append(school)
    allot_kindergarten_ownership(rng, county)
    name_schools(rng, county)


def draw_locality(rng: random.Random, kind: str, county: County) -> str:
    if kind == K.TEACHING_POINT:
        return RURAL
    if county.is_core:
        odds = CORE_LOCALITY_ODDS
    else:
        odds = DISTRICT_LOCALITY_ODDS if county.is_district else COUNTY_LOCALITY_ODDS[kind]
    return rng.choices((URBAN, TOWNISH, RURAL), weights=odds)[0]


def pick_township(rng: random.Random, county: County, locality: str) -> Township:
    kind = {URBAN: STREET, TOWNISH: TOWN}.get(locality) or rng.choice((TOWN, VILLAGE))
    return rng.choice(county.townships_of(kind))


def plan_classes(rng: random.Random, school: PlannedSchool, scale: Scale
                 ) -> dict[int, list[int]]:
    kind, locality = school.kind, school.locality
    # The compact (tiny) scale keeps one class per grade, so every kind fits in a few hundred.
    most = 1 if scale.compact else 99
    if kind == K.TEACHING_POINT:
        grades = GRADES[kind][: rng.choice((2, 3, 3, 4))]
        sizes = {g: [rng.randint(4, 18)] for g in grades}
    elif kind == K.SPECIAL:
        sizes = {g: [rng.randint(6, 12)] for g in GRADES[kind]}
    elif kind == K.KINDERGARTEN:
        streams = min(most, rng.randint(*STREAMS[kind][locality]))
        sizes = {g: [kindergarten_class_size(rng, g, locality)
                     for _ in range(vary_streams(rng, streams, most))] for g in GRADES[kind]}
    else:
        streams = min(most, rng.randint(*STREAMS[kind][locality]))
        pressure = rng.choices(*zip(*PRESSURE_ODDS[locality], strict=True))[0]
        if pressure in ("overloaded", "extreme") and min(GRADES[kind]) >= 7 and (
                rng.random() < 0.5):
            # Secondary schools are larger, so fewer of them may be overloaded for the
            # same share of 大班额 classes.
            pressure = "crowded"
        mean, spread = PRESSURE_SIZES[pressure]
        sizes = {g: [school_class_size(rng, g, mean, spread)
                     for _ in range(vary_streams(rng, streams, most))] for g in GRADES[kind]}
    factor = scale.class_size_factor
    if factor != 1.0:
        sizes = {g: [max(2, round(s * factor)) for s in ss] for g, ss in sizes.items()}
    return sizes


def vary_streams(rng: random.Random, streams: int, most: int) -> int:
    """Grades of one school differ by a class now and then (cohorts are not equal)."""
    return min(most, max(1, streams + rng.choice((-1, 0, 0, 0, 0, 1))))


def kindergarten_class_size(rng: random.Random, grade: int, locality: str) -> int:
    norm = KINDERGARTEN_NORMS[grade]
    if locality == RURAL:
        return round(norm * rng.uniform(0.55, 0.9))
    # Most classes keep to the norm; about one in eight is over it (K28 wants ≥85% within).
    if rng.random() < 0.12:
        return norm + rng.randint(1, 6)
    return norm - rng.randint(0, 5)


def school_class_size(rng: random.Random, grade: int, mean: int, spread: int) -> int:
    # Secondary classes run larger: the standard is 50 from 初中 on (policy-rules.md §3).
    bump = 3 if grade >= 10 else 2 if grade >= 7 else 0
    return max(8, round(mean + bump + rng.uniform(-spread, spread)))


def allot_kindergarten_ownership(rng: random.Random, county: County) -> None:
    """Give kindergartens 举办者 so children split near the county's drawn shares.

    Greedy by children: each kindergarten goes to the allowed category furthest below its
    target, so even a handful of kindergartens lands near the shares. Village
    kindergartens are public or 普惠 (nobody runs an unsubsidised private one there).
    """
    # The 主城区 holds a large part of the city's children: its shares stay near the
    # centre, so the city's own stay near it too.
    spread = 0.3 if county.is_core else 1.0
    public = min(0.68, max(0.36, rng.gauss(0.50, 0.06 * spread)))
    covered = min(0.97, max(0.78, rng.gauss(0.905, 0.04 * spread)))
    targets = {PUBLIC_KG: public, INCLUSIVE_KG: covered - public, OTHER_KG: 1 - covered}
    assigned = dict.fromkeys(targets, 0)
    total = 0
    kindergartens = [s for s in county.institutions if s.kind == K.KINDERGARTEN]
    rng.shuffle(kindergartens)
    for school in kindergartens:
        children = school.students
        total += children
        allowed = (PUBLIC_KG, INCLUSIVE_KG) if school.locality == RURAL else tuple(targets)
        category = max(allowed, key=lambda c: targets[c] * total - assigned[c])
        assigned[category] += children
        school.ownership = Ownership.PUBLIC if category == PUBLIC_KG else Ownership.PRIVATE
        school.inclusive = category == INCLUSIVE_KG


class SchoolNamer:
    """Names as a bureau's list reads: 实验小学, 第三中学, 中心小学, 某某村小学, 教学点."""

    def __init__(self, rng: random.Random, county: County) -> None:
        self.rng = rng
        self.county = county
        self.places = PlaceNames(rng)
        self.places.used.update([county.short, *(t.short for t in county.townships)])
        self.ordinals: dict[str, int] = {}
        self.used: set[str] = set()

    def ordinal(self, series: str) -> str:
        self.ordinals[series] = self.ordinals.get(series, 0) + 1
        return chinese_number(self.ordinals[series])

    def unique(self, first: str, then: Callable[[], str]) -> str:
        """``first`` unless taken, else the first name ``then`` makes that is free."""
        name = first
        while name in self.used:
            name = then()
        self.used.add(name)
        return name

    def village(self, township: str) -> str:
        return township + self.places.take()

    def name(self, school: PlannedSchool) -> str:
        c, t = self.county.short, school.township.short
        kind, rng = school.kind, self.rng
        if kind == K.KINDERGARTEN:
            if not school.is_public:
                brand = rng.choice(KINDERGARTEN_BRANDS)
                return self.unique(f"{t}{brand}幼儿园", lambda: f"{self.village(t)}{brand}幼儿园")
            if school.locality == URBAN:
                return self.unique(f"{c}实验幼儿园",
                                   lambda: f"{c}第{self.ordinal('kg')}幼儿园")
            return self.unique(f"{t}中心幼儿园", lambda: f"{self.village(t)}幼儿园")
        if kind == K.TEACHING_POINT:
            return self.unique(f"{self.village(t)}教学点", lambda: f"{self.village(t)}教学点")
        if not school.is_public:
            suffix = PRIVATE_SUFFIX.get(kind, "外国语学校")
            return self.unique(f"{c}{rng.choice(SCHOOL_BRANDS)}{suffix}",
                               lambda: f"{c}{self.places.take()}{suffix}")
        return self.public_school_name(school, c, t)

    def public_school_name(self, school: PlannedSchool, c: str, t: str) -> str:
        kind, locality = school.kind, school.locality
        if kind == K.PRIMARY:
            if locality == URBAN:
                return self.unique(f"{c}实验小学", lambda: f"{c}第{self.ordinal('primary')}小学")
            if locality == TOWNISH:
                return self.unique(f"{t}中心小学", lambda: f"{self.village(t)}小学")
            return self.unique(f"{self.village(t)}小学", lambda: f"{self.village(t)}小学")
        if kind == K.NINE_YEAR:
            return self.unique(f"{t}学校", lambda: f"{self.village(t)}学校")
        if kind in (K.JUNIOR, K.COMPLETE_SECONDARY):
            if locality == URBAN or kind == K.COMPLETE_SECONDARY:
                return self.unique(f"{c}第{self.ordinal('middle')}中学",
                                   lambda: f"{c}第{self.ordinal('middle')}中学")
            suffix = "初级中学" if locality == RURAL else "中学"
            return self.unique(f"{t}{suffix}", lambda: f"{self.village(t)}{suffix}")
        if kind == K.SENIOR:
            return self.unique(f"{c}高级中学", lambda: f"{c}第{self.ordinal('senior')}高级中学")
        if kind == K.TWELVE_YEAR:
            return self.unique(f"{c}实验学校", lambda: f"{c}{self.places.take()}实验学校")
        if kind == K.VOCATIONAL:
            return self.unique(f"{c}职业技术学校",
                               lambda: f"{c}第{self.ordinal('vocational')}职业高级中学")
        return self.unique(f"{c}特殊教育学校", lambda: f"{c}{self.places.take()}启智学校")


def name_schools(rng: random.Random, county: County) -> None:
    namer = SchoolNamer(rng, county)
    for school in county.institutions:
        school.name = namer.name(school)
