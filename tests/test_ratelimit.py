"""The anonymous forms' rate limit: one count shared by every worker, fixed windows, cleanup."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory, override_settings

from edugov.core.models import RateCounter
from edugov.core.ratelimit import hit, over_limit

HOUR = 3600
#: A fixed clock: the start of an hour window plus ten minutes.
T0 = 1_760_000_400.0 + 600


def request_from(ip: str) -> Any:
    return RequestFactory().post("/safety/report/", REMOTE_ADDR=ip)


def in_worker(name: str, work: Callable[[], Any]) -> Any:
    """Run ``work`` as a separate gunicorn worker would: with its own database connection
    (a new thread opens one) and its own local-memory cache (a location of its own)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
        try:
            with override_settings(CACHES={"default": cache}):
                outcome["value"] = work()
                outcome["connection"] = connection.connection  # kept: ids stay distinct
        except Exception as exc:  # re-raised in the test's thread
            outcome["error"] = exc
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_one_count() -> None:
    def three_posts() -> list[bool]:
        return [over_limit(request_from("203.0.113.7"), bucket="safety-report", limit=5,
                           now=T0 + n) for n in range(3)]

    first = in_worker("worker-1", three_posts)
    second = in_worker("worker-2", three_posts)
    # 3 + 3 posts against a limit of 5: the second worker refuses the sixth post, which a
    # per-process count (3 in each worker) would have let through.
    assert first["value"] == [False, False, False]
    assert second["value"] == [False, False, True]
    assert first["connection"] is not None
    assert first["connection"] is not second["connection"]
    row = RateCounter.objects.get()
    assert (row.bucket, row.client, row.hits) == ("safety-report", "203.0.113.7", 6)


@pytest.mark.django_db
def test_counts_per_client_and_bucket_and_the_window_expires() -> None:
    ip, other = request_from("198.51.100.1"), request_from("198.51.100.2")
    assert [over_limit(ip, bucket="b", limit=2, now=T0 + n) for n in range(3)] == [
        False, False, True]
    # Another address, another bucket: counted apart.
    assert not over_limit(other, bucket="b", limit=2, now=T0)
    assert not over_limit(ip, bucket="c", limit=2, now=T0)
    # Still inside the hour (it started ten minutes before T0): refused.
    assert over_limit(ip, bucket="b", limit=2, now=T0 + HOUR - 601)
    # The next window starts afresh.
    assert not over_limit(ip, bucket="b", limit=2, now=T0 + HOUR - 600)
    assert hit(bucket="b", client="198.51.100.1", seconds=HOUR, now=T0 + HOUR) == 2


@pytest.mark.django_db
def test_rows_of_ended_windows_are_deleted_when_a_window_opens() -> None:
    hit(bucket="b", client="old", seconds=60, now=T0)
    hit(bucket="other", client="old", seconds=HOUR, now=T0)
    assert RateCounter.objects.count() == 2
    # A minute later the first minute's window has ended; the hour window has not.
    assert hit(bucket="b", client="new", seconds=60, now=T0 + 61) == 1
    assert hit(bucket="b", client="new", seconds=60, now=T0 + 62) == 2
    kept = set(RateCounter.objects.values_list("bucket", "client", "hits"))
    assert kept == {("other", "old", 1), ("b", "new", 2)}
    # Past the hour every earlier window has ended: only the newly opened one is left.
    hit(bucket="other", client="old", seconds=HOUR, now=T0 + HOUR)
    assert list(RateCounter.objects.values_list("bucket", "client", "hits")) == [
        ("other", "old", 1)]


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="SQLite serialises writers (IMMEDIATE): no race to lose; run on "
                           "PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_workers_opening_one_window_at_once_count_every_hit() -> None:
    workers = 6
    start = threading.Barrier(workers)
    counts: list[int] = []
    errors: list[Exception] = []

    def post() -> None:
        try:
            start.wait()
            counts.append(hit(bucket="race", client="203.0.113.9", seconds=HOUR, now=T0))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    # Everyone raced to insert the window's row; the losers counted on the winner's row.
    assert sorted(counts) == list(range(1, workers + 1))
    assert RateCounter.objects.get().hits == workers
