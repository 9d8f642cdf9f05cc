"""The data center's part of the tiny demo: approved 新增学位, targets, stored results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import reverse

from edugov.core.models import User
from edugov.demo.discovery import discover_builders
from edugov.demo.orchestrator import DemoOutcome, build_demo
from edugov.demo.scales import SCALES
from edugov.metrics import selectors
from edugov.metrics.demo import KEY_INDICATORS, ORDER, PLACES
from edugov.metrics.models import ComputationRun, DataValue, Indicator, Result, Target
from edugov.registry.models import AcademicYear, Region
from edugov.workflow.models import StateChange

SEED = 7

pytestmark = pytest.mark.usefixtures("tiny_demo", "db")


@pytest.fixture(scope="module")
def tiny_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoOutcome]:
    """The tiny demo's registry and metrics parts only, built once, rolled back at the end."""
    builders = [b for b in discover_builders() if b.app_label in ("registry", "metrics")]
    assert [b.app_label for b in builders] == ["registry", "metrics"]
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo(scale=SCALES["tiny"], seed=SEED, builders=builders)
        transaction.set_rollback(True)


def demo_city() -> Region:
    return Region.objects.filter(level="city").order_by("code").first()  # type: ignore[return-value]


def years() -> tuple[int, ...]:
    """Every academic year the registry built, oldest first (the last is current)."""
    return tuple(AcademicYear.objects.order_by("start_year").values_list("start_year",
                                                                        flat=True))


def test_runs_after_every_other_app() -> None:
    others = [b.order for b in discover_builders() if b.app_label != "metrics"]
    assert max(others) < ORDER


def test_places_added_approved_per_county_and_year_with_history(tiny_demo: DemoOutcome) -> None:
    counties = Region.objects.filter(parent=demo_city())
    values = DataValue.objects.filter(measure=PLACES)
    assert len(years()) == 3
    assert values.count() == 3 * counties.count() == tiny_demo.counts["metrics_data_values"]
    assert set(values.values_list("state", flat=True)) == {"approved"}
    assert set(values.values_list("year", flat=True)) == set(years())
    assert not values.filter(entered_by__isnull=True).exists()
    ct = ContentType.objects.get_for_model(DataValue)
    item = values.first()
    assert item is not None
    steps = StateChange.objects.filter(content_type=ct, object_id=str(item.pk)).order_by("pk")
    assert [s.to_state for s in steps][-1] == "approved" and steps.count() == 3
    assert steps.last().actor.username == "city"  # type: ignore[union-attr]


def test_results_stored_for_every_year_places_counted() -> None:
    places = Indicator.objects.get(code="places_added")
    city = demo_city()
    for year in years():
        assert ComputationRun.objects.filter(year=year).exists()
        assert Result.objects.filter(year=year).exists()
        total = sum(float(v) for v in DataValue.objects.filter(
            measure=PLACES, year=year).values_list("value", flat=True))
        assert selectors.region_value(places, city, year) == pytest.approx(total)


def test_targets_for_the_city_and_counties_some_met_some_missed() -> None:
    current = years()[-1]
    city = demo_city()
    regions = [city, *Region.objects.filter(parent=city)]
    targets = Target.objects.filter(year=current)
    assert set(targets.values_list("region", flat=True)) == {r.pk for r in regions}
    codes = set(targets.values_list("indicator__code", flat=True))
    assert codes <= set(KEY_INDICATORS) and len(codes) >= 7
    assert "places_added" in codes and "kg_public_share" in codes
    user = User.objects.get(username="city")
    places = Indicator.objects.get(code="places_added")
    completions = [selectors.assess(user, indicator=places, region_code=r.code,
                                    year=current).completion for r in regions[1:]]
    assert all(c is not None and 0.5 < c < 2 for c in completions)


def test_city_dashboard_shows_completion() -> None:
    current = years()[-1]
    city = demo_city()
    user = User.objects.get(username="city")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("metrics:region", args=[city.code]))
    assert response.status_code == 200
    places = Indicator.objects.get(code="places_added")
    assessment = selectors.assess(user, indicator=places, region_code=city.code, year=current)
    assert assessment.completion is not None
    assert f"{assessment.completion * 100:.0f}%" in response.content.decode()
