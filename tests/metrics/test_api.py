"""Data center routes: scoped like the selectors they wrap (404 out of jurisdiction)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ObjectDoesNotExist
from ninja.testing import TestClient

from edugov.api import api
from edugov.metrics import services
from edugov.metrics.api import router

client = TestClient(router)


def test_catalog_values_assessment_ranking_equity(metrics_world, personas):
    services.compute_and_store(actor=None, year=2025)
    catalog = client.get("/indicators", user=personas.county_a).json()
    assert {"kg_public_share", "places_added"} <= {i["code"] for i in catalog}
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
