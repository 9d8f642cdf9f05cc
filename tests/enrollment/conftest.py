"""An admission round in county A: three schools, a district map, parents with children."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from edugov.core.models import User
from edugov.core.roles import Role
from edugov.enrollment import services
from edugov.enrollment.models import AdmissionRound, Community, Guardian
from edugov.enrollment.rules.points import SAMPLE_TABLE
from edugov.registry import models as m
from edugov.registry.choices import Ownership
from tests import factories as f
from tests.conftest import PASSWORD, Personas, World

T0 = dt.datetime(2025, 5, 1, 8, 0, tzinfo=dt.UTC)
DURING_REGISTRATION = T0 + dt.timedelta(days=5)
DURING_VERIFICATION = T0 + dt.timedelta(days=22)
AT_LOTTERY = T0 + dt.timedelta(days=36)
AFTER_PUBLICATION = T0 + dt.timedelta(days=41)
BIRTH = dt.date(2018, 10, 3)


@dataclass
class RoundWorld:
    round: AdmissionRound
    public_a: m.Institution  # world.school_a, the hot school
    public_a2: m.Institution
    private_p: m.Institution
    year: m.AcademicYear


@pytest.fixture
def admission(world: World, personas: Personas) -> RoundWorld:
    year = f.AcademicYearFactory(start_year=2026, is_current=False)
    a2 = f.InstitutionFactory(code="3198010102", name="东城第二小学", region=world.county_a)
    private = f.InstitutionFactory(code="3198010103", name="东城民办启明小学",
                                   region=world.county_a, ownership=Ownership.PRIVATE)
    county = personas.county_a
    table = services.save_points_table(actor=county, region=world.county_a, year=2026,
                                       name="东城区2026年随迁子女积分方案",
                                       factors=list(SAMPLE_TABLE))
    round = services.create_round(
        actor=county, name="东城区2026年小学一年级招生", region=world.county_a,
        academic_year=year, entry_grade=1,
        registration_opens=T0, registration_closes=T0 + dt.timedelta(days=20),
        verification_closes=T0 + dt.timedelta(days=30), lottery_at=T0 + dt.timedelta(days=35),
        publication_at=T0 + dt.timedelta(days=40),
        confirmation_closes=T0 + dt.timedelta(days=60), points_table=table)
    services.set_places(actor=county, round=round, institution=world.school_a,
                        classes_planned=1, class_size=2)
    services.set_places(actor=county, round=round, institution=a2, classes_planned=1,
                        class_size=3)
    services.set_places(actor=county, round=round, institution=private, classes_planned=1,
                        class_size=2)
    for code, name in (("C01", "阳光小区"), ("C02", "幸福里"), ("C03", "河畔花园")):
        Community.objects.create(region=world.county_a, code=code, name=name)
    services.import_district_map(actor=county, round=round, rows=[
        {"school_code": world.school_a.code, "community_code": "C01"},
        {"school_code": a2.code, "community_code": "C02"},
        {"school_code": a2.code, "community_code": "C03"},
    ], note="初始划片")
    return RoundWorld(round, world.school_a, a2, private, year)


_serial = iter(range(1, 10_000))


def new_parent(username: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.memberships.create(role=Role.PARENT)
    return user


def child_of(parent: User, name: str = "小明", sex: str = "M") -> Guardian:
    id_number = f.id_number_for(BIRTH, next(_serial), sex)
    return services.register_child(actor=parent, id_number=id_number, name=name, sex=sex,
                                   birth_date=BIRTH)
