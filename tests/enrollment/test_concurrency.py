"""Parents racing for the last seat, and double-clicks, against a real server.

Runs on PostgreSQL (DATABASE_URL=postgres://…; CI runs it there), where the server's threads
hold separate connections and truly interleave. On SQLite the test database lives in memory
and Django's live server shares that one connection between its threads, so concurrent
requests trip over each other's savepoints: a test-harness artefact, not the race under test.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from edugov.enrollment import services
from edugov.enrollment.models import Application, SchoolPlaces
from tests.enrollment.conftest import AFTER_PUBLICATION, AT_LOTTERY
from tests.enrollment.test_services import run_round

CSRF = "c" * 32


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def post(url: str, session: str) -> int:
    request = urllib.request.Request(url, data=b"", method="POST", headers={
        "Cookie": f"sessionid={session}; csrftoken={CSRF}", "X-CSRFToken": CSRF})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="needs separate connections per request thread: run on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_last_seat_race_and_double_click_never_over_admit(admission, personas, live_server,
                                                          monkeypatch):
    a, a2 = admission.public_a, admission.public_a2
    _, _, apps = run_round(admission, personas, [([a], {"community": "C01"})] * 4)
    services.publish(actor=personas.county_a, round=admission.round, now=AT_LOTTERY)
    # One spare seat at A2 for two unplaced children.
    spare = services.set_places(actor=personas.county_a, round=admission.round,
                                institution=a2, classes_planned=1, class_size=1)
    losers = [x for x in apps if x.state == "unplaced"]
    assert len(losers) == 2
    monkeypatch.setattr("django.utils.timezone.now", lambda: AFTER_PUBLICATION)
    jobs = []
    for app in losers:
        session = session_cookie(app.guardian.user)
        url = live_server.url + reverse("enrollment:claim_place", args=[app.pk, spare.pk])
        jobs += [(url, session), (url, session)]  # each parent double-clicks
    start = threading.Barrier(len(jobs))
    statuses: list[int] = []

    def fire(url: str, session: str) -> None:
        start.wait()
        statuses.append(post(url, session))

    threads = [threading.Thread(target=fire, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The winner is redirected (followed by urllib) to their applications page.
    assert sorted(statuses) == [200, 409, 409, 409]
    assert SchoolPlaces.objects.get(pk=spare.pk).admitted == 1
    assert Application.objects.filter(admitted_institution=a2, state="admitted").count() == 1
