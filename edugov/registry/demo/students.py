"""Classes, students and enrolments for the current and the previous academic year.

Every student gets exactly one current enrolment, in a class of their school, and —
unless they only started this year — one for the previous year, one grade lower: at the
same school for most; for entry grades (一年级, 七年级, 高一) at a school of the county
whose top grade feeds it (kindergarten → primary → junior → senior); a few transferred
between schools of the county. Previous-year classes are then formed from whoever was at
each school, so year-on-year change is real, not copied.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from edugov.demo.bulk import BulkWriter
from edugov.registry.choices import (
    EnrolmentStatus,
    Grade,
    HukouType,
    InstitutionKind,
    Locality,
    Ownership,
)
from edugov.registry.demo.geography import County
from edugov.registry.demo.names import ROAD_KINDS, ROAD_WORDS, VOCATIONAL_MAJORS, chinese_number
from edugov.registry.demo.people import (
    FEMALE,
    MALE,
    STUDENT_LOCAL_CODES,
    STUDENT_MIGRANT_CODES,
    BirthDays,
    Identities,
    below,
    mobile_number,
    person_name,
    pick,
)
from edugov.registry.demo.plan import PlannedSchool
from edugov.registry.models import Enrolment, SchoolClass, Student

K = InstitutionKind
CURRENT_YEAR = 2025
ACTIVE = EnrolmentStatus.ACTIVE.value
MIGRANT, LOCAL = HukouType.MIGRANT.value, HukouType.LOCAL.value

STUDENT_FIELDS = ("id", "student_no", "id_number", "name", "sex", "birth_date", "hukou_type",
                  "hukou_region_code", "address", "guardian_phone", "left_behind", "disabled",
                  "hardship", "current_institution")
ENROLMENT_FIELDS = ("id", "student", "academic_year", "institution", "grade", "school_class",
                    "status", "entry_date")
CLASS_FIELDS = ("id", "institution", "academic_year", "grade", "number", "name",
                "head_teacher")

#: Share of 随迁 (migrant) children by 城乡分类; private schools take more of them.
MIGRANT_ODDS = {Locality.URBAN: 0.165, Locality.TOWN: 0.09, Locality.RURAL: 0.025}
MIGRANT_PRIVATE_EXTRA = 0.12
LEFT_BEHIND_ODDS = {Locality.URBAN: 0.02, Locality.TOWN: 0.07, Locality.RURAL: 0.16}
HARDSHIP_ODDS = {Locality.URBAN: 0.04, Locality.TOWN: 0.07, Locality.RURAL: 0.11}
DISABLED_IN_REGULAR_SCHOOLS = 0.004  # 随班就读
#: 学籍号 without a 身份证号: J (教育部自编码) and L (临时).
J_NUMBER_ODDS, L_NUMBER_ODDS = 0.006, 0.004
#: Share of an entry grade that was in a feeder school of the county the year before.
FROM_FEEDER = {1: 0.9, 7: 0.96, 10: 0.93}
STAYED, TRANSFERRED_IN_COUNTY = 0.975, 0.99


@dataclass(frozen=True)
class SchoolTraits:
    """What a school's students have in common, worked out once per school, not per child."""

    school_id: int
    county_code: str
    township_name: str
    special: bool
    migrant: float
    left_behind: float
    hardship: float

    @classmethod
    def of(cls, school: PlannedSchool) -> SchoolTraits:
        locality = Locality(school.locality)
        private = school.ownership == Ownership.PRIVATE
        vocational = school.kind == K.VOCATIONAL
        return cls(
            school_id=school.id, county_code=school.county.code,
            township_name=school.township.name, special=school.kind == K.SPECIAL,
            migrant=MIGRANT_ODDS[locality] + (MIGRANT_PRIVATE_EXTRA if private else 0.0),
            left_behind=LEFT_BEHIND_ODDS[locality],
            hardship=HARDSHIP_ODDS[locality] + (0.08 if vocational else 0.0),
        )


def home_address(rng: random.Random, township: str) -> str:
    """An invented street address in the school's township (most children live nearby)."""
    building = below(rng, 30 * 6 * 4)
    return (f"{township}{pick(rng, ROAD_WORDS)}{pick(rng, ROAD_KINDS)}{below(rng, 399) + 1}号"
            f"{building // 24 + 1}幢{building // 4 % 6 + 1}0{building % 4 + 1}室")


@dataclass
class Placement:
    """Where a student was in the previous year."""

    school: PlannedSchool
    entry_date: str


class Feeders:
    """For each grade, the county's schools teaching it, weighted by their cohort sizes."""

    def __init__(self, schools: list[PlannedSchool]) -> None:
        self.teaching: dict[tuple[bool, int], tuple[list[PlannedSchool], list[int]]] = {}
        self.leaving: dict[int, tuple[list[PlannedSchool], list[int]]] = {}
        teaching: dict[tuple[bool, int], list[PlannedSchool]] = {}
        leaving: dict[int, list[PlannedSchool]] = {}
        for school in schools:
            if school.kind == K.SPECIAL:
                continue
            for grade in school.classes:
                teaching.setdefault((school.kind == K.KINDERGARTEN, grade), []).append(school)
            if school.kind != K.TEACHING_POINT:
                leaving.setdefault(max(school.classes), []).append(school)
        for key, group in teaching.items():
            self.teaching[key] = (group, list(accumulate(sum(s.classes[key[1]]) for s in group)))
        for grade, group in leaving.items():
            self.leaving[grade] = (group, list(accumulate(sum(s.classes[grade]) for s in group)))

    @staticmethod
    def draw(rng: random.Random, pool: tuple[list[PlannedSchool], list[int]] | None
             ) -> PlannedSchool | None:
        if not pool:
            return None
        schools, cumulative = pool
        return schools[bisect(cumulative, rng.random() * cumulative[-1])]

    def any_teaching(self, rng: random.Random, kindergarten: bool,
                     grade: int) -> PlannedSchool | None:
        return self.draw(rng, self.teaching.get((kindergarten, grade)))

    def leaving_after(self, rng: random.Random, grade: int) -> PlannedSchool | None:
        return self.draw(rng, self.leaving.get(grade))


def entry_date(school: PlannedSchool, grade: int, year: int) -> str:
    """When a student in ``grade`` in ``year`` started at ``school``, if they never left."""
    return f"{year - (grade - min(school.classes))}-09-01"


def class_name(school: PlannedSchool, grade: int, number: int) -> str:
    if school.kind == K.KINDERGARTEN:
        return f"{'小中大'[grade + 2]}{chinese_number(number)}班"
    if school.kind == K.VOCATIONAL:
        major = VOCATIONAL_MAJORS[(school.id + number) % len(VOCATIONAL_MAJORS)]
        return f"{Grade(grade).label}{major}{number}班"
    return f"{Grade(grade).label}（{number}）班"


class StudentMaker:
    def __init__(self, writer: BulkWriter, identities: Identities, births: BirthDays,
                 current_year_id: int, previous_year_id: int) -> None:
        self.writer = writer
        self.identities = identities
        self.births = births
        self.current_year_id = current_year_id
        self.previous_year_id = previous_year_id
        self.students = writer.table(Student, STUDENT_FIELDS)
        self.enrolments = writer.table(Enrolment, ENROLMENT_FIELDS)
        self.classes = writer.table(SchoolClass, CLASS_FIELDS)

    def county(self, county: County, rng: random.Random,
               teachers: dict[int, list[int]]) -> int:
        """Write the county's classes, students and enrolments; return how many students."""
        feeders = Feeders(county.institutions)
        previous: dict[tuple[int, int], list[tuple[int, str]]] = {}
        schools = {s.id: s for s in county.institutions}
        made = 0
        for school in county.institutions:
            made += self.school(rng, school, feeders, previous, teachers.get(school.id, []))
        for (school_id, grade), members in previous.items():
            self.previous_classes(rng, schools[school_id], grade, members)
        return made

    def school(self, rng: random.Random, school: PlannedSchool, feeders: Feeders,
               previous: dict[tuple[int, int], list[tuple[int, str]]],
               teachers: list[int]) -> int:
        made = 0
        traits = SchoolTraits.of(school)
        heads = iter(teachers * 2)  # a teacher may lead two classes in a small school
        for grade, sizes in school.classes.items():
            for number, size in enumerate(sizes, start=1):
                class_id = self.writer.next_id(SchoolClass)
                self.classes.add((class_id, school.id, self.current_year_id, grade, number,
                                  class_name(school, grade, number), next(heads, None)))
                ids = zip(self.writer.next_ids(Student, size),
                          self.writer.next_ids(Enrolment, size), strict=True)
                for student_id, enrolment_id in ids:
                    placement = self.placement(rng, school, grade, feeders)
                    stayed = placement is not None and placement.school is school
                    entered = entry_date(school, grade, CURRENT_YEAR) if stayed else (
                        f"{CURRENT_YEAR}-09-01")
                    self.student(rng, student_id, traits, grade)
                    self.enrolments.add((enrolment_id, student_id, self.current_year_id,
                                         school.id, grade, class_id, ACTIVE, entered))
                    if placement is not None:
                        previous.setdefault((placement.school.id, grade - 1), []).append(
                            (student_id, placement.entry_date))
                made += size
        return made

    def placement(self, rng: random.Random, school: PlannedSchool, grade: int,
                  feeders: Feeders) -> Placement | None:
        """Where this student was last year, one grade lower, or None if they weren't here."""
        if grade == -2:
            return None  # 小班: the first year of schooling
        was = grade - 1
        if was in school.classes:
            r = rng.random()
            if r < STAYED or school.kind == K.SPECIAL:
                source: PlannedSchool | None = school
            elif r < TRANSFERRED_IN_COUNTY:
                source = feeders.any_teaching(rng, school.kind == K.KINDERGARTEN, was)
            else:
                return None  # moved in from outside the county
        elif school.kind != K.SPECIAL and rng.random() < FROM_FEEDER.get(grade, 0.9):
            source = feeders.leaving_after(rng, was)
        else:
            return None
        if source is None:
            return None
        return Placement(source, entry_date(source, was, CURRENT_YEAR - 1))

    def student(self, rng: random.Random, student_id: int, traits: SchoolTraits,
                grade: int) -> None:
        random_ = rng.random
        sex = MALE if random_() < 0.525 else FEMALE
        cohort = CURRENT_YEAR - 6 - grade
        if traits.special:
            cohort -= pick(rng, (0, 0, 1, 2))
        elif grade >= 1 and random_() < 0.03:
            cohort -= 1  # started late or repeated a year
        birth_iso, birth = self.births.school_cohort(rng, cohort)
        migrant = random_() < traits.migrant
        codes = STUDENT_MIGRANT_CODES if migrant else STUDENT_LOCAL_CODES
        r = random_()
        if r < J_NUMBER_ODDS:
            id_number = None
            student_no = self.identities.education_number(traits.county_code, birth)
        elif r < J_NUMBER_ODDS + L_NUMBER_ODDS:
            id_number = None
            student_no = self.identities.temporary_number(traits.county_code, birth)
        else:
            id_number = self.identities.id_number(rng, codes, birth, sex)
            student_no = "G" + id_number
        if migrant:
            hukou_code = id_number[:6] if id_number else pick(rng, codes)
        else:
            hukou_code = traits.county_code
        self.students.add((
            student_id, student_no, id_number, person_name(rng, sex, adult=False), sex,
            birth_iso, MIGRANT if migrant else LOCAL, hukou_code,
            home_address(rng, traits.township_name), mobile_number(rng),
            not migrant and grade <= 9 and random_() < traits.left_behind,
            traits.special or random_() < DISABLED_IN_REGULAR_SCHOOLS,
            random_() < traits.hardship,
            traits.school_id,
        ))

    def previous_classes(self, rng: random.Random, school: PlannedSchool, grade: int,
                         members: list[tuple[int, str]]) -> None:
        """Split last year's students of a school and grade into classes of its usual size."""
        count = max(1, round(len(members) / school.typical_size(grade)))
        rng.shuffle(members)
        for number in range(1, count + 1):
            class_id = self.writer.next_id(SchoolClass)
            self.classes.add((class_id, school.id, self.previous_year_id, grade, number,
                              class_name(school, grade, number), None))
            for student_id, entered in members[number - 1::count]:
                self.enrolments.add((self.writer.next_id(Enrolment), student_id,
                                     self.previous_year_id, school.id, grade, class_id, ACTIVE,
                                     entered))
