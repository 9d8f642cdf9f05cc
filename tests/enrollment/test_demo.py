"""The admissions part of the tiny demo: a round in registration, over-subscribed schools."""

from __future__ import annotations

import pytest
from django.db import transaction

from edugov.core.models import User
from edugov.enrollment import selectors
from edugov.enrollment.models import AdmissionRound, Application
from tests.demo.conftest import build_tiny

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(scope="module")
def demo_round(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        build_tiny("--seed=7")
        yield AdmissionRound.objects.get()
        transaction.set_rollback(True)


def test_demo_round_is_in_registration_with_over_subscribed_schools(demo_round):
    assert demo_round.phase() == "registration"
    assert demo_round.lottery.drawn_at is None  # committed, not drawn
    county = User.objects.get(username="county1")
    demand = selectors.school_demand(county, demo_round)
    assert sum(d.oversubscribed for d in demand) >= 2
    states = {s: n for s, _label, n in selectors.states_count(county, demo_round)}
    assert states["verified"] and states["submitted"] and states["returned"]
    assert services_coverage_ok(demo_round)


def services_coverage_ok(round: AdmissionRound) -> bool:
    from edugov.enrollment import services

    return services.coverage_report(round).ok


def test_demo_accounts_see_their_part(demo_round):
    parent = User.objects.get(username="parent1")
    mine = selectors.own_applications(parent).get()
    assert mine.state == "returned"  # the 补正 path is there to try
    school = User.objects.get(username="school1")
    assert selectors.review_queue(school, round=demo_round).exists()
    assert Application.objects.filter(round=demo_round).count() >= 12
