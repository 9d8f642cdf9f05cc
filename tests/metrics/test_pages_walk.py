"""Every data center page for every persona, with the project-wide walker's check."""

from __future__ import annotations

import pytest
from django.test import Client

from edugov.metrics import services
from tests.metrics.url_cases import METRICS_CASES
from tests.web.test_url_permissions import check, url_names
from tests.web.url_cases import PERSONAS


@pytest.fixture
def client_for(personas):  # type: ignore[no-untyped-def]
    def make(name: str) -> Client:
        client = Client()
        user = personas.all()[name]
        if user is not None:
            client.force_login(user)
        return client
    return make


def test_every_metrics_url_has_a_case() -> None:
    names = {name for name, _route in url_names() if name.startswith("metrics:")}
    assert names == {case.name for case in METRICS_CASES}


def test_every_metrics_url_answers_as_expected(client_for, world) -> None:  # type: ignore[no-untyped-def]
    # One database for every persona: the snapshot is computed once (the walk is read-only
    # but for recompute, which only enqueues).
    services.compute_and_store(actor=None, year=world.year.start_year)
    failures = [line for persona in PERSONAS for case in METRICS_CASES
                if (line := check(client_for(persona), case, persona, world))]
    assert not failures, "\n".join(failures)
