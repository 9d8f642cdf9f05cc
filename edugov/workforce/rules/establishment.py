"""编制 from staffing norms, and need versus actual staff by subject.

Norms (policy-rules.md §4): 中央编办发〔2014〕72号 unified county and rural 编制 at the former
city standard of 国办发〔2001〕74号 — 教职工 : 学生 1 : 12.5 (高中), 1 : 13.5 (初中), 1 : 19
(小学). Kindergartens: 《幼儿园教职工配备标准（暂行）》(教师〔2013〕1号) 全日制 1 : 5 – 1 : 7,
so the minimum is one staff member per 7 children (半日制 1 : 10). Provinces tighten the
ratios and add 编制 for boarding schools and small rural schools (按班师比与生师比相结合);
the national texts give no figure for those extras, so they default to none and are set
through :class:`StaffingNorms`.

Combined schools (九年一贯制, 完全中学, …) get each level's students at that level's ratio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

PRIMARY, JUNIOR, SENIOR, KINDERGARTEN = "primary", "junior", "senior", "kindergarten"

#: Students (children) per member of staff — national defaults (§4).
NATIONAL_STUDENTS_PER_STAFF: dict[str, float] = {
    PRIMARY: 19.0,
    JUNIOR: 13.5,
    SENIOR: 12.5,
    KINDERGARTEN: 7.0,
}

#: Share of a level's teaching need by subject, from weekly lesson shares of
#: 《义务教育课程方案（2022年版）》 and the 普通高中课程方案 (recall, unverified: provinces
#: publish their own 学科编制 tables — override through StaffingNorms.subject_shares).
DEFAULT_SUBJECT_SHARES: dict[str, dict[str, float]] = {
    PRIMARY: {"chinese": 0.26, "math": 0.17, "english": 0.08, "politics": 0.07,
              "science": 0.08, "pe": 0.12, "music": 0.07, "art": 0.07, "it": 0.04,
              "other": 0.04},
    JUNIOR: {"chinese": 0.15, "math": 0.14, "english": 0.13, "physics": 0.07,
             "chemistry": 0.05, "biology": 0.06, "history": 0.06, "geography": 0.06,
             "politics": 0.06, "pe": 0.10, "music": 0.04, "art": 0.04, "it": 0.04},
    SENIOR: {"chinese": 0.14, "math": 0.14, "english": 0.13, "physics": 0.09,
             "chemistry": 0.08, "biology": 0.08, "history": 0.07, "geography": 0.07,
             "politics": 0.07, "pe": 0.07, "music": 0.02, "art": 0.02, "it": 0.02},
    KINDERGARTEN: {"preschool": 1.0},
}


@dataclass(frozen=True)
class StaffingNorms:
    """Staffing configuration; every default is the national figure (or none where the
    national texts leave the figure to provinces)."""

    students_per_staff: Mapping[str, float] = field(
        default_factory=lambda: dict(NATIONAL_STUDENTS_PER_STAFF))
    #: Extra 编制 for a boarding school as a share of its ratio-based figure (provincial).
    boarding_extra_share: float = 0.0
    #: Small rural schools: below this many students, 编制 is at least classes × the
    #: per-class figure (按班师比核定; provincial, e.g. 1.7 for 小学). None: no such rule.
    small_school_students: int = 100
    small_school_staff_per_class: Mapping[str, float] | None = None
    #: Share of 编制 that is 专任教师 (the rest are 行政/教辅/工勤); need by subject uses it.
    teaching_share: float = 0.9
    subject_shares: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_SUBJECT_SHARES.items()})


@dataclass(frozen=True)
class SchoolStaffing:
    """What the norms need to size one school."""

    school: str
    students: Mapping[str, int]  # level → students
    classes: int = 0
    boarding: bool = False
    rural: bool = False


def establishment(school: SchoolStaffing, norms: StaffingNorms | None = None) -> float:
    """The school's 编制 (教职工) under the norms, before rounding."""
    norms = norms or StaffingNorms()
    base = sum(n / norms.students_per_staff[level] for level, n in school.students.items()
               if n > 0)
    students = sum(school.students.values())
    if (school.rural and norms.small_school_staff_per_class and school.classes
            and students < norms.small_school_students):
        per_class = max(norms.small_school_staff_per_class.get(level, 0.0)
                        for level, n in school.students.items() if n > 0)
        base = max(base, school.classes * per_class)
    if school.boarding:
        base *= 1 + norms.boarding_extra_share
    return base


def establishments(schools: Sequence[SchoolStaffing],
                   norms: StaffingNorms | None = None) -> np.ndarray:
    """编制 of many schools at once (whole posts, rounded up: a fraction still needs a post)."""
    norms = norms or StaffingNorms()
    return np.ceil(np.array([establishment(s, norms) for s in schools]) - 1e-9).astype(int)


def subject_need(school: SchoolStaffing, norms: StaffingNorms | None = None) -> dict[str, int]:
    """专任教师 needed per subject: teaching 编制 split by the level's lesson shares."""
    norms = norms or StaffingNorms()
    need: dict[str, float] = {}
    for level, n in school.students.items():
        if n <= 0:
            continue
        teaching = n / norms.students_per_staff[level] * norms.teaching_share
        if school.boarding:
            teaching *= 1 + norms.boarding_extra_share
        for subject, share in norms.subject_shares.get(level, {}).items():
            need[subject] = need.get(subject, 0.0) + teaching * share
    # Round half up per subject; a school with any students needs at least one teacher of
    # a subject that has lessons, which plain rounding would drop for tiny schools.
    return {s: max(1, math.floor(v + 0.5)) for s, v in need.items()}


@dataclass(frozen=True)
class SubjectGap:
    school: str
    subject: str
    need: int
    actual: int

    @property
    def shortage(self) -> int:
        return max(0, self.need - self.actual)

    @property
    def surplus(self) -> int:
        return max(0, self.actual - self.need)


def subject_gaps(school: SchoolStaffing, actual: Mapping[str, int],
                 norms: StaffingNorms | None = None) -> list[SubjectGap]:
    """Shortage or surplus per subject; subjects taught without a norm count as surplus."""
    need = subject_need(school, norms)
    subjects = sorted(set(need) | set(actual))
    return [SubjectGap(school.school, s, need.get(s, 0), actual.get(s, 0)) for s in subjects]


@dataclass(frozen=True)
class CountyEstablishment:
    """County total against the 编制总额 the 编办 approved (县管校聘: the county allocates
    编制 and posts among its schools within the approved total, 优质均衡 item G10)."""

    needed: int
    approved: int
    actual: int

    @property
    def within_approved(self) -> bool:
        return self.needed <= self.approved

    @property
    def headroom(self) -> int:
        return self.approved - self.needed


def county_establishment(schools: Sequence[SchoolStaffing], *, approved: int, actual: int,
                         norms: StaffingNorms | None = None) -> CountyEstablishment:
    return CountyEstablishment(int(establishments(schools, norms).sum()), approved, actual)
