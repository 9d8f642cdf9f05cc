"""Classes, students and enrolments for the current academic year and the two before it.

Every current student gets exactly one current enrolment, in a class of their school, and
— back to the year they joined the county's schools — one for each earlier year built,
a grade lower each year back: at the same school for most; for entry grades (一年级,
七年级, 高一) at a school of the county whose top grade feeds it (kindergarten → primary →
junior → senior); a few transferred between schools of the county. A child who started
小班 (or came from outside the county) in a year has no enrolment before it.

Past cohorts that have since left their school — 高三 graduates, junior leavers who did not
go on to a senior school of the county, kindergarten leavers who started school
elsewhere — are filled up to the school's usual size with former students (毕业或转出):
their enrolments end in a past year and they have no current institution. Past classes
are then formed from whoever was at each school, so year-on-year change is real, not copied.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
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
#: The first academic year built: three years, so health trends have three points.
FIRST_YEAR = CURRENT_YEAR - 2
#: The past years, latest first (a former student's later year fills their earlier one).
PAST_YEARS = tuple(range(CURRENT_YEAR - 1, FIRST_YEAR - 1, -1))
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
MIGRANT_ODDS = {Locality.URBAN: 0.155, Locality.TOWN: 0.09, Locality.RURAL: 0.025}
MIGRANT_PRIVATE_EXTRA = 0.12
LEFT_BEHIND_ODDS = {Locality.URBAN: 0.02, Locality.TOWN: 0.07, Locality.RURAL: 0.16}
HARDSHIP_ODDS = {Locality.URBAN: 0.04, Locality.TOWN: 0.07, Locality.RURAL: 0.11}
DISABLED_IN_REGULAR_SCHOOLS = 0.004  # 随班就读
#: 学籍号 without a 身份证号: J (教育部自编码) and L (临时).
J_NUMBER_ODDS, L_NUMBER_ODDS = 0.006, 0.004
#: Share of an entry grade that was in a feeder school of the county the year before.
FROM_FEEDER = {1: 0.9, 7: 0.96, 10: 0.93}
STAYED, TRANSFERRED_IN_COUNTY = 0.975, 0.99
#: A past cohort that left its school was about as large as the school's grade is now.
LEFT_COHORT_SPREAD = 0.04

#: (year, school id, grade) → the students there that year, with their entry dates.
Cohorts = dict[tuple[int, int, int], list[tuple[int, str]]]


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


@dataclass(frozen=True)
class Stint:
    """One school year of a student's: where, in which grade."""

    year: int
    school: PlannedSchool
    grade: int


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


def entry_dates(stints: list[Stint]) -> list[str]:
    """For each stint (oldest first), when the student started at its school.

    An unbroken run at one school started with its first stint, unless the run reaches
    back to the first year built: then the student is taken to have been there since the
    school's entry grade. A first stint after the first year built is an arrival (小班,
    or from outside the county).
    """
    dates: list[str] = []
    for i, stint in enumerate(stints):
        if i and stints[i - 1].school is stint.school:
            dates.append(dates[-1])
        elif i == 0 and stint.year == FIRST_YEAR:
            dates.append(entry_date(stint.school, stint.grade, stint.year))
        else:
            dates.append(f"{stint.year}-09-01")
    return dates


def class_name(school: PlannedSchool, grade: int, number: int) -> str:
    if school.kind == K.KINDERGARTEN:
        return f"{'小中大'[grade + 2]}{chinese_number(number)}班"
    if school.kind == K.VOCATIONAL:
        major = VOCATIONAL_MAJORS[(school.id + number) % len(VOCATIONAL_MAJORS)]
        return f"{Grade(grade).label}{major}{number}班"
    return f"{Grade(grade).label}（{number}）班"


class StudentMaker:
    def __init__(self, writer: BulkWriter, identities: Identities, births: BirthDays,
                 year_ids: dict[int, int]) -> None:
        self.writer = writer
        self.identities = identities
        self.births = births
        #: start year → AcademicYear id, for every year built.
        self.year_ids = year_ids
        self.students = writer.table(Student, STUDENT_FIELDS)
        self.enrolments = writer.table(Enrolment, ENROLMENT_FIELDS)
        self.classes = writer.table(SchoolClass, CLASS_FIELDS)
        self.former = 0

    def county(self, county: County, rng: random.Random,
               teachers: dict[tuple[int, int], list[int]]) -> int:
        """Write the county's classes, students and enrolments; return how many current
        students. ``teachers``: (school id, year) → its teachers then, for 班主任."""
        feeders = Feeders(county.institutions)
        cohorts: Cohorts = {}
        schools = {s.id: s for s in county.institutions}
        made = 0
        for school in county.institutions:
            made += self.school(rng, school, feeders, cohorts,
                                teachers.get((school.id, CURRENT_YEAR), []))
        self.leavers(rng, county, feeders, cohorts)
        heads: dict[tuple[int, int], Iterator[int]] = {}
        for (year, school_id, grade), members in cohorts.items():
            if (school_id, year) not in heads:
                heads[school_id, year] = iter(teachers.get((school_id, year), []) * 2)
            self.past_classes(rng, schools[school_id], year, grade, members,
                              heads[school_id, year])
        return made

    def school(self, rng: random.Random, school: PlannedSchool, feeders: Feeders,
               cohorts: Cohorts, teachers: list[int]) -> int:
        made = 0
        traits = SchoolTraits.of(school)
        heads = iter(teachers * 2)  # a teacher may lead two classes in a small school
        year_id = self.year_ids[CURRENT_YEAR]
        for grade, sizes in school.classes.items():
            for number, size in enumerate(sizes, start=1):
                class_id = self.writer.next_id(SchoolClass)
                self.classes.add((class_id, school.id, year_id, grade, number,
                                  class_name(school, grade, number), next(heads, None)))
                ids = zip(self.writer.next_ids(Student, size),
                          self.writer.next_ids(Enrolment, size), strict=True)
                for student_id, enrolment_id in ids:
                    stints = self.history(rng, school, grade, CURRENT_YEAR, feeders)
                    dates = entry_dates(stints)
                    self.student(rng, student_id, traits, CURRENT_YEAR, grade, current=True)
                    self.enrolments.add((enrolment_id, student_id, year_id, school.id, grade,
                                         class_id, ACTIVE, dates[-1]))
                    remember(cohorts, student_id, stints, dates)
                made += size
        return made

    def history(self, rng: random.Random, school: PlannedSchool, grade: int, year: int,
                feeders: Feeders) -> list[Stint]:
        """The student's years in the county's schools up to ``year``, oldest first."""
        stints = [Stint(year, school, grade)]
        while stints[0].year > FIRST_YEAR:
            first = stints[0]
            source = self.placement(rng, first.school, first.grade, feeders)
            if source is None:
                break
            stints.insert(0, Stint(first.year - 1, source, first.grade - 1))
        return stints

    def placement(self, rng: random.Random, school: PlannedSchool, grade: int,
                  feeders: Feeders) -> PlannedSchool | None:
        """Where a student in ``grade`` at ``school`` was the year before, one grade lower,
        or None if they were not at a school of the county."""
        if grade == -2:
            return None  # 小班: the first year of schooling
        was = grade - 1
        if was in school.classes:
            r = rng.random()
            if r < STAYED or school.kind == K.SPECIAL:
                return school
            if r < TRANSFERRED_IN_COUNTY:
                return feeders.any_teaching(rng, school.kind == K.KINDERGARTEN, was)
            return None  # moved in from outside the county
        if school.kind != K.SPECIAL and rng.random() < FROM_FEEDER.get(grade, 0.9):
            return feeders.leaving_after(rng, was)
        return None

    def leavers(self, rng: random.Random, county: County, feeders: Feeders,
                cohorts: Cohorts) -> None:
        """Fill the past cohorts that have left their school since with former students.

        A cohort of ``grade`` in ``year`` has left when it would be past the school's top
        grade now; today's students who were in it (those who went on to a school of the
        county) are already there, the rest graduated or moved away. Latest year first,
        so a leaver of 2024–25 is also in their 2023–24 cohort.
        """
        for year in PAST_YEARS:
            for school in county.institutions:
                top = max(school.classes)
                traits = SchoolTraits.of(school)
                for grade, sizes in school.classes.items():
                    if grade + CURRENT_YEAR - year <= top:
                        continue  # today's students of the school are this cohort
                    size = sum(sizes) * rng.uniform(1 - LEFT_COHORT_SPREAD,
                                                    1 + LEFT_COHORT_SPREAD)
                    missing = round(size) - len(cohorts.get((year, school.id, grade), ()))
                    for student_id in self.writer.next_ids(Student, max(0, missing)):
                        stints = self.history(rng, school, grade, year, feeders)
                        self.student(rng, student_id, traits, year, grade, current=False)
                        remember(cohorts, student_id, stints, entry_dates(stints))
                        self.former += 1

    def student(self, rng: random.Random, student_id: int, traits: SchoolTraits, year: int,
                grade: int, *, current: bool) -> None:
        """One student, in ``grade`` in ``year``: current, or a former one (no school now)."""
        random_ = rng.random
        sex = MALE if random_() < 0.525 else FEMALE
        cohort = year - 6 - grade
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
            traits.school_id if current else None,
        ))

    def past_classes(self, rng: random.Random, school: PlannedSchool, year: int, grade: int,
                     members: list[tuple[int, str]], heads: Iterator[int]) -> None:
        """Split a past year's students of a school and grade into classes of its usual
        size, led by teachers who were at the school that year."""
        count = max(1, round(len(members) / school.typical_size(grade)))
        rng.shuffle(members)
        year_id = self.year_ids[year]
        for number in range(1, count + 1):
            class_id = self.writer.next_id(SchoolClass)
            self.classes.add((class_id, school.id, year_id, grade, number,
                              class_name(school, grade, number), next(heads, None)))
            for student_id, entered in members[number - 1::count]:
                self.enrolments.add((self.writer.next_id(Enrolment), student_id, year_id,
                                     school.id, grade, class_id, ACTIVE, entered))


def remember(cohorts: Cohorts, student_id: int, stints: list[Stint], dates: list[str]) -> None:
    """Add the student to the cohort of each past stint (``dates`` aligned with ``stints``)."""
    for stint, entered in zip(stints, dates, strict=True):
        if stint.year < CURRENT_YEAR:
            cohorts.setdefault((stint.year, stint.school.id, stint.grade), []).append(
                (student_id, entered))
