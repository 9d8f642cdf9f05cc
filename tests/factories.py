"""factory_boy factories for registry and core rows, with valid, consistent identities."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from edugov.core.models import Membership, User
from edugov.registry import models as m
from edugov.registry.choices import Education, HukouType, InstitutionKind, Locality, Ownership
from edugov.registry.rules.identity import with_check_digit

#: A real GB/T 2260 address code so python-stdnum accepts generated ID numbers.
ID_PLACE = "330102"


def id_number_for(birth: dt.date, serial: int, sex: str) -> str:
    """A valid 身份证号 whose 顺序码 parity matches ``sex`` (odd male, even female)."""
    seq = (serial * 2 + (1 if sex == "M" else 0)) % 1000
    return with_check_digit(f"{ID_PLACE}{birth:%Y%m%d}{seq:03d}")


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = m.Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"98{n:04d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = "county"


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = m.Institution

    code = factory.Sequence(lambda n: f"31{n:08d}")
    name = factory.Sequence(lambda n: f"测试第{n}小学")
    kind = InstitutionKind.PRIMARY
    ownership = Ownership.PUBLIC
    locality = Locality.URBAN
    region = factory.SubFactory(RegionFactory)
    teaching_area_m2 = 5000
    sports_area_m2 = 8000
    equipment_value_yuan = 1_500_000


class AcademicYearFactory(DjangoModelFactory):
    class Meta:
        model = m.AcademicYear
        django_get_or_create = ("start_year",)

    start_year = 2025
    is_current = True


class StudentFactory(DjangoModelFactory):
    class Meta:
        model = m.Student

    name = factory.Sequence(lambda n: f"学生{n}")
    sex = factory.Iterator(["M", "F"])
    birth_date = dt.date(2016, 3, 1)
    id_number = factory.LazyAttributeSequence(lambda o, n: id_number_for(o.birth_date, n, o.sex))
    student_no = factory.LazyAttribute(lambda o: f"G{o.id_number}")
    hukou_type = HukouType.LOCAL
    address = "测试市测试区幸福路1号3幢201室"
    guardian_phone = "13812345678"
    current_institution = factory.SubFactory(InstitutionFactory)


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = m.Enrolment

    student = factory.SubFactory(StudentFactory)
    academic_year = factory.SubFactory(AcademicYearFactory)
    institution = factory.LazyAttribute(lambda o: o.student.current_institution)
    grade = 3


class SchoolClassFactory(DjangoModelFactory):
    class Meta:
        model = m.SchoolClass

    institution = factory.SubFactory(InstitutionFactory)
    academic_year = factory.SubFactory(AcademicYearFactory)
    grade = 3
    number = factory.Sequence(lambda n: n + 1)


class StaffFactory(DjangoModelFactory):
    class Meta:
        model = m.Staff

    name = factory.Sequence(lambda n: f"教师{n}")
    sex = factory.Iterator(["F", "M"])
    birth_date = dt.date(1985, 6, 1)
    id_number = factory.LazyAttributeSequence(
        lambda o, n: id_number_for(o.birth_date, n + 500, o.sex))
    phone = "13900001111"
    education = Education.BACHELOR
    certified = True
    subject = "math"
    current_institution = factory.SubFactory(InstitutionFactory)
    current_post = "teacher"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("edugov-test-pw")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
