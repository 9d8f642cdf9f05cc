"""The safety part of the tiny demo: a year of inspections, hazards in every state, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count

from edugov.core.models import User
from edugov.demo.discovery import discover_builders
from edugov.demo.orchestrator import DemoOutcome, build_demo
from edugov.demo.scales import SCALES
from edugov.safety import selectors
from edugov.safety import workflow as wf
from edugov.safety.demo import TODAY
from edugov.safety.models import GridPost, Hazard, Inspection, InspectionResult, RiskEntry
from edugov.workflow.models import StateChange

SEED = 7


pytestmark = pytest.mark.usefixtures("tiny_demo", "db")


@pytest.fixture(scope="module")
def tiny_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoOutcome]:
    """The tiny demo's registry and safety parts only (other apps' builders are theirs to
    test), built once for the module and rolled back at its end."""
    builders = [b for b in discover_builders() if b.app_label in ("registry", "safety")]
    assert [b.app_label for b in builders] == ["registry", "safety"]
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo(scale=SCALES["tiny"], seed=SEED, builders=builders)
        transaction.set_rollback(True)


def test_counts_reach_the_demo_audit_row(tiny_demo: DemoOutcome) -> None:
    assert tiny_demo.counts["safety_hazards"] == Hazard.objects.count()
    assert tiny_demo.counts["safety_hazards_overdue"] > 0


def test_a_year_of_inspections_with_results() -> None:
    inspections = Inspection.objects.all()
    assert inspections.count() > 500
    first, last = (inspections.order_by(o).values_list("due_date", flat=True)[0]
                   for o in ("due_date", "-due_date"))
    assert first <= dt.date(2024, 11, 30) and last == TODAY
    completed = inspections.filter(state=wf.COMPLETED)
    assert InspectionResult.objects.count() == 4 * completed.count()
    assert inspections.filter(state=wf.MISSED).exists()


def test_hazards_from_failed_items_in_every_state_some_overdue_some_major() -> None:
    hazards = Hazard.objects.all()
    failed = InspectionResult.objects.filter(passed=False).count()
    assert hazards.count() == failed > 20
    states = set(hazards.values_list("state", flat=True))
    assert wf.CLOSED in states and states & {wf.REPORTED, wf.ASSIGNED, wf.RECTIFYING}
    now = dt.datetime.combine(TODAY, dt.time(16), tzinfo=dt.UTC)
    assert hazards.filter(state__in=wf.OPEN_STATES, rectify_deadline__lt=now).exists()
    assert hazards.filter(grade="major").exists()
    closed = hazards.filter(state=wf.CLOSED)
    assert not closed.filter(closed_at__isnull=True).exists()
    assert closed.filter(closed_on_time=False).exists() and closed.filter(closed_on_time=True)


def test_every_hazard_has_its_history_ending_in_its_state() -> None:
    ct = ContentType.objects.get_for_model(Hazard)
    steps = dict(StateChange.objects.filter(content_type=ct).values_list("object_id")
                 .annotate(n=Count("id")))
    sample = Hazard.objects.order_by("pk")[:200]
    for hazard in sample:
        last = StateChange.objects.filter(content_type=ct, object_id=str(hazard.pk)).last()
        assert last is not None and last.to_state == hazard.state, hazard.pk
    assert all(n >= 1 for n in steps.values()) and len(steps) == Hazard.objects.count()


def test_grid_has_gaps_and_county_sees_its_lists() -> None:
    assert GridPost.objects.filter(level="principal").count() == \
        GridPost.objects.filter(level="principal").values("institution").distinct().count()
    assert RiskEntry.objects.filter(grade="major").exists()
    county = User.objects.get(username="county1")
    region = selectors.default_region(county)
    assert region is not None
    period = selectors.Period(dt.date(2024, 11, 1), TODAY)
    lists = selectors.four_lists(county, region, period)
    assert all(rows for _headers, rows in lists.tables.values())
    assert selectors.grid_gaps(county, region)  # a few schools lack a 安全专干
