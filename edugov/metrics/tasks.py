"""Keeping the dashboards fresh: recomputation in the background (django-tasks).

A recomputation stores a new dated snapshot of the whole catalog for a year. It is
scheduled after a data value is approved or corrected, after an import completes (the
imports app calls :func:`schedule_recompute`), and when a dashboard is read while the
latest snapshot is older than ``EDUGOV_METRICS_MAX_AGE`` seconds (default 600), so a
figure is never more than minutes stale; every figure shows when it was computed.
"""

from __future__ import annotations

import datetime as dt
import os

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from edugov.metrics import services
from edugov.metrics.models import ComputationRun

#: Seconds a snapshot stays fresh before a read schedules a new one.
MAX_AGE = int(os.environ.get("EDUGOV_METRICS_MAX_AGE", "600"))
#: One scheduling per year per this many seconds, however many reads or approvals ask.
DEBOUNCE = 60


@task()
def recompute(year: int) -> int:
    """Compute and store the catalog for ``year``; returns the new run's id."""
    cache.delete(pending_key(year))
    return services.compute_and_store(actor=None, year=year).pk


def pending_key(year: int) -> str:
    return f"edugov-metrics-recompute-{year}"


def schedule_recompute(year: int) -> bool:
    """Enqueue a recomputation unless one was enqueued moments ago; True if enqueued."""
    if not cache.add(pending_key(year), True, timeout=DEBOUNCE):
        return False
    recompute.enqueue(year)
    return True


def is_stale(year: int, *, now: dt.datetime | None = None) -> bool:
    run = ComputationRun.objects.filter(year=year).order_by("-computed_at").first()
    now = now or timezone.now()
    return run is None or (now - run.computed_at).total_seconds() > MAX_AGE


def keep_fresh(year: int) -> None:
    """Called by dashboard reads: a stale or missing snapshot schedules a new one."""
    if is_stale(year):
        schedule_recompute(year)
