"""A small city with every kind of fact the built-in catalog counts (fixed seed)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone

from edugov.metrics.models import DataValue
from edugov.registry import models as m
from tests import factories as f
from tests.conftest import World

SNAPSHOT_2025 = dt.date(2025, 9, 1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: needs pyspark (and Java); one session per run")


@dataclass
class MetricsWorld:
    base: World
    township: m.Region
    schools: dict[str, m.Institution]
    previous_year: m.AcademicYear
    data_values: dict[str, DataValue] = field(default_factory=dict)


#: name → (kind, ownership, inclusive, rating, standardized, county key, size per grade)
SCHOOLS = {
    "kg_public": ("kindergarten", "public", False, "provincial", False, "a",
                  {-2: 20, -1: 22, 0: 25}),
    "kg_inclusive": ("kindergarten", "private", True, "none", False, "a", {-2: 10, -1: 12, 0: 8}),
    "kg_private": ("kindergarten", "private", False, "city", False, "b", {-2: 15, -1: 15, 0: 15}),
    "junior_t": ("junior", "public", False, "none", True, "t", {7: 48, 8: 52, 9: 40}),
    "nine_b": ("nine_year", "public", False, "none", True, "b", {1: 30, 5: 58, 8: 70}),
    "closed_b": ("primary", "public", False, "none", False, "b", {3: 33}),
}


def make_students(school: m.Institution, year: m.AcademicYear, sizes: dict[int, int],
                  rng: random.Random, serial: list[int]) -> None:
    """Students in one class per grade, attributes drawn from the seeded generator."""
    for grade, size in sizes.items():
        klass = m.SchoolClass.objects.create(institution=school, academic_year=year,
                                             grade=grade, number=2)
        students = []
        for _ in range(size):
            serial[0] += 1
            students.append(m.Student(
                student_no=f"L{serial[0]:018d}", name=f"学生{serial[0]}",
                sex=rng.choice("MF"), birth_date=dt.date(2015, 1, 1),
                hukou_type="migrant" if rng.random() < 0.3 else "local",
                left_behind=rng.random() < 0.1, disabled=rng.random() < 0.05,
                current_institution=school))
        m.Student.objects.bulk_create(students)
        m.Enrolment.objects.bulk_create(
            m.Enrolment(student=s, academic_year=year, institution=school, grade=grade,
                        school_class=klass, status="transferred" if i == 0 else "active")
            for i, s in enumerate(students))


def make_staff(school: m.Institution, rng: random.Random, count: int, serial: list[int]) -> None:
    for i in range(count):
        serial[0] += 1
        staff = f.StaffFactory(
            current_institution=school,
            education=rng.choice(["postgraduate", "bachelor", "associate", "senior_secondary"]),
            backbone_level=rng.choice(["none", "none", "county", "city", "province"]),
            subject=rng.choice(["math", "chinese", "pe", "music", "art", "english"]),
            certified=rng.random() < 0.9,
        )
        post = "teacher" if i % 5 else "admin"
        m.Assignment.objects.create(staff=staff, institution=school, post=post,
                                    start=dt.date(2018, 9, 1))


@pytest.fixture
def metrics_world(world: World) -> MetricsWorld:
    rng = random.Random(20250901)
    serial = [0]
    township = f.RegionFactory(code="980101001", name="东城街道", level="township",
                               parent=world.county_a)
    previous = f.AcademicYearFactory(start_year=2024, is_current=False)
    counties = {"a": world.county_a, "b": world.county_b, "t": township}
    schools = {"school_a": world.school_a, "school_b": world.school_b}
    for name, (kind, ownership, inclusive, rating, standardized, county, _sizes) in \
            SCHOOLS.items():
        schools[name] = f.InstitutionFactory(
            name=name, kind=kind, ownership=ownership, inclusive=inclusive, rating=rating,
            standardized=standardized, region=counties[county],
            status="closed" if name.startswith("closed") else "active",
            teaching_area_m2=Decimal(rng.randint(2000, 9000)),
            sports_area_m2=Decimal(rng.randint(3000, 12000)),
            equipment_value_yuan=Decimal(rng.randint(500_000, 3_000_000)),
            multimedia_classrooms=rng.randint(5, 30))
    world.school_a.multimedia_classrooms = 12
    world.school_a.save()
    # The conftest schools already hold one grade-3 student each; add more pupils.
    make_students(world.school_a, world.year, {1: 40, 4: 47, 6: 57}, rng, serial)
    make_students(world.school_b, world.year, {2: 36, 4: 66}, rng, serial)
    for name, spec in SCHOOLS.items():
        make_students(schools[name], world.year, spec[6], rng, serial)
    # Last year: fewer pupils, so year-on-year changes are visible.
    make_students(world.school_a, previous, {1: 30, 2: 35}, rng, serial)
    make_students(schools["kg_public"], previous, {-2: 18, 0: 20}, rng, serial)
    make_students(schools["kg_inclusive"], previous, {-1: 5}, rng, serial)
    for name in ("school_a", "school_b", "kg_public", "kg_inclusive", "kg_private",
                 "junior_t", "nine_b"):
        make_staff(schools[name], rng, 6, serial)
    # Staff outside the 2025 statistics date: left before it, and joined after it.
    gone = f.StaffFactory(current_institution=None)
    m.Assignment.objects.create(staff=gone, institution=world.school_a, post="teacher",
                                start=dt.date(2015, 9, 1), end=dt.date(2025, 7, 31))
    late = f.StaffFactory(current_institution=world.school_a)
    m.Assignment.objects.create(staff=late, institution=world.school_a, post="teacher",
                                start=dt.date(2025, 10, 8))
    group = m.EducationGroup.objects.create(name="东城教育集团", kind="close",
                                            lead=world.school_a)
    m.GroupMembership.objects.create(group=group, institution=world.school_a,
                                     joined=dt.date(2020, 9, 1))
    m.GroupMembership.objects.create(group=group, institution=schools["junior_t"],
                                     joined=dt.date(2020, 9, 1))
    m.GroupMembership.objects.create(group=group, institution=schools["nine_b"],
                                     joined=dt.date(2020, 9, 1), left=dt.date(2024, 7, 1))
    now = timezone.now()
    values = {
        "a": DataValue.objects.create(measure="places.added", region=world.county_a,
                                      year=2025, value=Decimal(1200), state="approved",
                                      entered_at=now),
        "b": DataValue.objects.create(measure="places.added", region=world.county_b,
                                      year=2025, value=Decimal(800), state="submitted",
                                      entered_at=now),
        "school_b": DataValue.objects.create(measure="places.added",
                                             institution=world.school_b, year=2025,
                                             value=Decimal(90), state="approved",
                                             entered_at=now),
    }
    return MetricsWorld(world, township, schools, previous, values)
