"""Personas: one user per role over a small two-county city, shared by every test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from edugov.core.models import User
from edugov.core.roles import Role
from edugov.registry import models as m
from tests import factories as f

PASSWORD = "edugov-test-pw"


@dataclass
class World:
    """A city with counties A and B, one school each, a student and a teacher in each."""

    city: m.Region
    county_a: m.Region
    county_b: m.Region
    school_a: m.Institution
    school_b: m.Institution
    year: m.AcademicYear
    student_a: m.Student
    student_b: m.Student
    staff_a: m.Staff
    staff_b: m.Staff
    class_a: m.SchoolClass
    class_b: m.SchoolClass


@dataclass
class Personas:
    superuser: User
    city_bureau: User
    county_a: User
    county_b: User
    school_admin_a: User
    teacher_a: User
    parent: User
    tutoring_operator: User

    def all(self) -> dict[str, User | None]:
        return {**{k: getattr(self, k) for k in self.__dataclass_fields__}, "anonymous": None}


@pytest.fixture
def world(db: None) -> World:
    city = f.RegionFactory(code="980100", name="示范市", level="city")
    county_a = f.RegionFactory(code="980101", name="东城区", level="county", parent=city)
    county_b = f.RegionFactory(code="980102", name="西城县", level="county", parent=city)
    year = f.AcademicYearFactory(start_year=2025, is_current=True)
    school_a = f.InstitutionFactory(code="3198010101", name="东城实验小学", region=county_a)
    school_b = f.InstitutionFactory(code="3198010201", name="西城中心小学", region=county_b)
    class_a = f.SchoolClassFactory(institution=school_a, academic_year=year, grade=3, number=1)
    class_b = f.SchoolClassFactory(institution=school_b, academic_year=year, grade=3, number=1)
    students = []
    for school, klass in ((school_a, class_a), (school_b, class_b)):
        student = f.StudentFactory(current_institution=school)
        f.EnrolmentFactory(student=student, academic_year=year, institution=school,
                           school_class=klass, grade=3)
        students.append(student)
    staff_a = f.StaffFactory(current_institution=school_a)
    staff_b = f.StaffFactory(current_institution=school_b)
    for staff, school in ((staff_a, school_a), (staff_b, school_b)):
        m.Assignment.objects.create(staff=staff, institution=school, post="teacher",
                                    start=dt.date(2019, 9, 1))
    return World(city, county_a, county_b, school_a, school_b, year, students[0], students[1],
                 staff_a, staff_b, class_a, class_b)


def persona(username: str, role: str | None, *, region: m.Region | None = None,
            institution: m.Institution | None = None, superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD,
                                    is_superuser=superuser, is_staff=superuser)
    if role is not None:
        user.memberships.create(role=role, region=region, institution=institution)
    return user


@pytest.fixture
def personas(world: World) -> Personas:
    return Personas(
        superuser=persona("root", None, superuser=True),
        city_bureau=persona("city", Role.CITY_BUREAU, region=world.city),
        county_a=persona("county_a", Role.COUNTY_BUREAU, region=world.county_a),
        county_b=persona("county_b", Role.COUNTY_BUREAU, region=world.county_b),
        school_admin_a=persona("school_a", Role.SCHOOL_ADMIN, institution=world.school_a),
        teacher_a=persona("teacher_a", Role.TEACHER, institution=world.school_a),
        parent=persona("parent", Role.PARENT),
        tutoring_operator=persona("operator", Role.TUTORING_OPERATOR),
    )


@pytest.fixture(autouse=True)
def builtin_indicators(request: pytest.FixtureRequest) -> None:
    """Restore the data migrations' built-in indicators where a transactional test (a live
    server's) has flushed them, so no test depends on which ran before it in its worker."""
    if not {"db", "transactional_db"} & set(request.fixturenames):
        return
    from edugov.metrics.builtin import load_all_builtin
    from edugov.metrics.models import Indicator

    request.getfixturevalue("db" if "db" in request.fixturenames else "transactional_db")
    if not Indicator.objects.filter(builtin=True).exists():
        load_all_builtin(Indicator)
