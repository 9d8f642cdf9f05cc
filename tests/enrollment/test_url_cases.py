"""The admissions URL cases (tests/enrollment/url_cases.py) hold for every persona, and every
admissions URL has one — checked here until the project-wide walker includes them."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.enrollment.url_cases import enrollment_cases
from tests.web.test_url_permissions import check, walked
from tests.web.url_cases import PERSONAS


def test_every_enrollment_url_has_a_case() -> None:
    names = {name for name in walked() if name.startswith("enrollment:")}
    assert names == {case.name for case in enrollment_cases()}


@pytest.mark.parametrize("persona", PERSONAS)
def test_enrollment_urls_answer_as_expected(persona, personas, world) -> None:  # type: ignore[no-untyped-def]
    failures = []
    for case in enrollment_cases():
        client = Client()
        user = personas.all()[persona]
        if user is not None:
            client.force_login(user)
        if line := check(client, case, persona, world):
            failures.append(line)
    assert not failures, f"{persona}:\n" + "\n".join(failures)
