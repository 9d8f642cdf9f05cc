"""API fixtures: the shared world plus groups, pairings and distinctive names per county."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client

from edugov.core.models import User
from edugov.core.tokens import issue_token
from edugov.registry import models as m
from tests import factories as f
from tests.conftest import World


@dataclass
class ApiWorld:
    """``world`` plus a group and a pairing on each side; every row's county is unambiguous."""

    base: World
    group_a: m.EducationGroup
    group_b: m.EducationGroup
    pairing_a: m.Pairing
    pairing_b: m.Pairing

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.base, name)


@pytest.fixture
def api_world(world: World) -> ApiWorld:
    # Names that cannot occur by accident in the other county's rows, so "county A never
    # sees county B" can be checked on the raw JSON of any response.
    m.Student.objects.filter(pk=world.student_a.pk).update(name="东城学生甲")
    m.Student.objects.filter(pk=world.student_b.pk).update(name="西城学生乙")
    m.Staff.objects.filter(pk=world.staff_a.pk).update(name="东城教师甲")
    m.Staff.objects.filter(pk=world.staff_b.pk).update(name="西城教师乙")
    for obj in (world.student_a, world.student_b, world.staff_a, world.staff_b):
        obj.refresh_from_db()
    helper_a = f.InstitutionFactory(code="3198010102", name="东城第二小学", region=world.county_a)
    helper_b = f.InstitutionFactory(code="3198010202", name="西城第二小学", region=world.county_b)
    groups = []
    for lead, member, name in ((world.school_a, helper_a, "东城教育集团"),
                               (world.school_b, helper_b, "西城教育集团")):
        group = m.EducationGroup.objects.create(name=name, kind="close", lead=lead)
        for school in (lead, member):
            m.GroupMembership.objects.create(group=group, institution=school,
                                             joined=dt.date(2020, 9, 1))
        groups.append(group)
    pairing_a = m.Pairing.objects.create(supporter=helper_a, supported=world.school_a,
                                         start=dt.date(2024, 9, 1))
    pairing_b = m.Pairing.objects.create(supporter=helper_b, supported=world.school_b,
                                         start=dt.date(2024, 9, 1))
    return ApiWorld(world, groups[0], groups[1], pairing_a, pairing_b)


def session_client(user: User | None, **kwargs: object) -> Client:
    client = Client(**kwargs)  # type: ignore[arg-type]
    if user is not None:
        client.force_login(user)
    return client


def token_client(user: User, **kwargs: object) -> Client:
    _, raw = issue_token(actor=user, user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"}, **kwargs)  # type: ignore[arg-type]
