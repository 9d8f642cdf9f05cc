"""Every imports URL answers as IMPORT_CASES says, for every persona."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.imports.url_cases import IMPORT_CASES
from tests.web.test_url_permissions import check
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


@pytest.mark.parametrize("persona", PERSONAS)
def test_imports_urls_answer_as_expected(persona, client_for, world, media):  # type: ignore[no-untyped-def]
    failures = [line for case in IMPORT_CASES
                if (line := check(client_for(persona), case, persona, world))]
    assert not failures, f"{persona}:\n" + "\n".join(failures)
