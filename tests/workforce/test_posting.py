"""竞聘上岗: stable settlement, ranking, the pool, second round and 组织调剂."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from edugov.workflow.definitions import WorkflowError
from edugov.workflow.selectors import history_of
from edugov.workforce.models import PoolEntry
from edugov.workforce.rules.posting import Application, Opening, is_stable, settle
from edugov.workforce.services import posting
from tests import factories as f
from tests.workforce.conftest import new_teacher

EFFECTIVE = dt.date(2026, 9, 1)


def test_settle_is_stable_and_uses_points_for_ties() -> None:
    openings = [Opening(1, 1), Opening(2, 1)]
    apps = [Application(10, 1, 1, 1), Application(11, 1, 1, 1), Application(11, 2, 2, 1),
            Application(12, 2, 1, 2)]
    outcome = settle(openings, apps, points={11: 3.0})
    # 10 and 11 tie at post 1; 11 has more points, so 10 loses it and 11's
    # second choice goes to 12 (ranked 2 there, but alone).
    assert outcome.placed == {11: 1, 12: 2} and outcome.unplaced == (10,)
    assert is_stable(openings, apps, outcome, {11: 3.0})
    assert not is_stable(openings, apps, settle(openings, apps), {11: 3.0})


def test_settle_random_markets_are_stable() -> None:
    rng = random.Random(5)
    for _ in range(50):
        openings = [Opening(o, rng.randint(1, 2)) for o in range(4)]
        apps = []
        for t in range(12):
            for pref, o in enumerate(rng.sample(range(4), rng.randint(1, 3)), start=1):
                apps.append(Application(t, o, pref, rng.choice([None, 1, 2, 3, 4])))
        points = {t: float(rng.randint(0, 3)) for t in range(12)}
        outcome = settle(openings, apps, points)
        assert is_stable(openings, apps, outcome, points)
        taken = list(outcome.placed.values())
        assert all(taken.count(o.id) <= o.places for o in openings)


@pytest.fixture
def market(personas, world):
    rural = f.InstitutionFactory(region=world.county_a, locality="rural", name="乡村小学")
    a1 = new_teacher(world.school_a, dt.date(2015, 9, 1))
    a2 = new_teacher(world.school_a, dt.date(2016, 9, 1))
    round1 = posting.open_round(actor=personas.county_a, county=world.county_a,
                                academic_year=world.year, number=1, effective=EFFECTIVE)
    town = posting.add_opening(actor=personas.school_admin_a, posting_round=round1,
                               institution=world.school_a, subject="math", places=1)
    village = posting.add_opening(actor=personas.county_a, posting_round=round1,
                                  institution=rural, subject="math", places=1)
    return rural, a1, a2, round1, town, village


def test_round_one_places_pools_and_second_round(personas, world, market) -> None:
    rural, a1, a2, round1, town, _village = market
    with pytest.raises(ValidationError, match="第一轮竞聘结束后"):
        posting.open_round(actor=personas.county_a, county=world.county_a,
                           academic_year=world.year, number=2, effective=EFFECTIVE)
    apps = {s: posting.apply(actor=personas.school_admin_a, opening=town, staff=s, preference=1)
            for s in (a1, a2, world.staff_a)}
    with pytest.raises(PermissionDenied):
        posting.apply(actor=personas.teacher_a, opening=town, staff=a1, preference=2)
    posting.rank(actor=personas.school_admin_a, application=apps[a2], school_rank=1)
    posting.rank(actor=personas.school_admin_a, application=apps[a1], school_rank=2)
    summary = posting.close_round(actor=personas.county_a, posting_round=round1)
    assert summary == {"placed": 1, "unplaced": 2, "pooled": 2}
    for application in apps.values():
        application.refresh_from_db()
    assert apps[a2].state == "placed" and apps[a1].state == "not_placed"
    assert apps[world.staff_a].state == "not_placed"  # never ranked: not accepted
    assert [h.to_state for h in history_of(apps[a2])] == ["applied", "ranked", "placed"]
    assert set(PoolEntry.objects.values_list("staff_id", flat=True)) == {a1.pk, world.staff_a.pk}

    round2 = posting.open_round(actor=personas.county_a, county=world.county_a,
                                academic_year=world.year, number=2, effective=EFFECTIVE)
    second = posting.add_opening(actor=personas.county_a, posting_round=round2,
                                 institution=rural, subject="math", places=1)
    with pytest.raises(ValidationError, match="只面向县域待岗教师"):
        posting.apply(actor=personas.county_a, opening=second, staff=a2, preference=1)
    late = posting.apply(actor=personas.county_a, opening=second, staff=a1, preference=1)
    posting.rank(actor=personas.county_a, application=late, school_rank=1)
    posting.close_round(actor=personas.county_a, posting_round=round2)
    a1.refresh_from_db()
    assert a1.current_institution == rural
    assert a1.assignments.get(end__isnull=True).start == EFFECTIVE
    assert PoolEntry.objects.get(staff=a1).state == "placed"

    remaining = PoolEntry.objects.get(staff=world.staff_a)
    with pytest.raises(WorkflowError, match="需要填写理由"):
        posting.allocate(actor=personas.county_a, entry=remaining, institution=rural, reason="")
    posting.allocate(actor=personas.county_a, entry=remaining, institution=rural,
                     reason="乡村学校数学缺编，组织调剂")
    world.staff_a.refresh_from_db()
    assert world.staff_a.current_institution == rural
    remaining.refresh_from_db()
    assert remaining.state == "allocated"


def test_closed_round_takes_no_more_applications(personas, world, market) -> None:
    _rural, a1, _a2, round1, town, _ = market
    posting.close_round(actor=personas.county_a, posting_round=round1)
    with pytest.raises(ValidationError, match="已结束"):
        posting.apply(actor=personas.school_admin_a, opening=town, staff=a1, preference=1)
