"""Data center routes: scoped like the selectors they wrap (404 out of jurisdiction)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.test import Client
from ninja.testing import TestClient

from edugov.api import api
from edugov.metrics import services
from edugov.metrics.api import router
from edugov.metrics.models import DataValue, Target
from edugov.workflow.selectors import history_of

client = TestClient(router)


def test_catalog_values_assessment_ranking_equity(metrics_world, personas):
    services.compute_and_store(actor=None, year=2025)
    catalog = client.get("/indicators?page_size=500", user=personas.county_a).json()
    assert {"kg_public_share", "places_added"} <= {i["code"] for i in catalog["items"]}
    values = client.get("/values?year=2025&indicator=kg_public_share",
                        user=personas.county_b).json()
    assert {v["code"] for v in values["items"]} <= {"980102",
                                                   metrics_world.base.school_b.code,
                                                   metrics_world.schools["kg_private"].code,
                                                   metrics_world.schools["nine_b"].code}
    assert values["count"] == len(values["items"]) > 0
    found = client.get("/assessments/kg_public_share/980101?year=2025", user=personas.county_a)
    assert found.status_code == 200 and found.json()["rank"] == 1
    ranking = client.get("/rankings/kg_public_share?year=2025&parent=980100",
                         user=personas.county_b).json()
    assert [r["code"] for r in ranking["items"]] == ["980101", "980102"]
    equity = client.get("/equity/980102?year=2025", user=personas.county_b).json()
    assert {lv["level"] for lv in equity["levels"]} == {"primary", "junior"}


def test_out_of_jurisdiction_is_not_found(metrics_world, personas):
    services.compute_and_store(actor=None, year=2025)
    # The bare router raises DoesNotExist; the mounted NinjaAPI answers it with a 404.
    assert ObjectDoesNotExist in api._exception_handlers
    for path in ("/assessments/kg_public_share/980101?year=2025", "/equity/980101?year=2025",
                 "/values?year=2025&region=980101"):
        with pytest.raises(ObjectDoesNotExist):
            client.get(path, user=personas.county_b)


def api_client(user):  # type: ignore[no-untyped-def]
    web = Client()
    web.force_login(user)
    return web


def test_targets_and_data_values_through_the_workflow(metrics_world, personas):
    city, county_b = api_client(personas.city_bureau), api_client(personas.county_b)
    url = "/api/v1/metrics"
    body = {"indicator": "kg_public_share", "region": "980102", "year": 2026, "value": 62.5}
    assert county_b.post(f"{url}/targets", body, content_type="application/json").json() == body
    assert Target.objects.get(region__code="980102", year=2026).value == 62.5
    entered = county_b.post(f"{url}/data-values", {
        "measure": "places.added", "year": 2026, "value": 420, "region": "980102"},
        content_type="application/json").json()
    assert entered["state"] == "draft" and entered["code"] == "980102"
    step = f"{url}/data-values/{entered['id']}/transition"

    def move(client, **payload):  # type: ignore[no-untyped-def]
        return client.post(step, payload, content_type="application/json")

    assert move(county_b, transition="submit").json()["state"] == "submitted"
    refused = move(county_b, transition="approve")
    assert refused.status_code == 403
    assert move(city, transition="return").status_code == 422  # a return needs a reason
    assert move(city, transition="approve").json()["state"] == "approved"
    corrected = move(county_b, transition="reopen", reason="统计口径更正", value=450)
    assert corrected.json()["state"] == "draft" and corrected.json()["value"] == 450
    assert [h.transition for h in history_of(DataValue.objects.get(pk=entered["id"]))] == [
        "create", "submit", "approve", "reopen"]
    listed = county_b.get(f"{url}/data-values?year=2026").json()
    assert [v["id"] for v in listed["items"]] == [entered["id"]]
    assert api_client(personas.county_a).get(f"{url}/data-values?year=2026").json()[
        "count"] == 0
