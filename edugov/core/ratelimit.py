"""Per-IP rate limits for anonymous forms (public hazard reports, parent sign-up).

Fixed windows counted in a database row (``RateCounter``), incremented with
``UPDATE … SET hits = hits + 1``: every worker process and server shares the count, which a
per-process cache (Django's default local-memory cache) would multiply by the number of
workers. A fixed window lets a client reach at most twice the limit across a window
boundary, which is enough to stop floods of anonymous posts.
"""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from edugov.core.models import RateCounter

CLIENT_MAX = RateCounter._meta.get_field("client").max_length or 64


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR, not X-Forwarded-For: a client can forge the header; behind a proxy the
    # proxy must set REMOTE_ADDR (gunicorn --forwarded-allow-ips) for limits to be per person.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(*, bucket: str, client: str, seconds: int, now: float | None = None) -> int:
    """Count one hit of ``client`` in ``bucket``'s current window; the window's hits so far."""
    now = time.time() if now is None else now
    start = int(now // seconds) * seconds
    key = {"bucket": bucket, "client": client[:CLIENT_MAX], "window_start": start}
    row = RateCounter.objects.filter(**key)
    with transaction.atomic():
        if not row.update(hits=F("hits") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(**key, expires=start + seconds, hits=1)
            except IntegrityError:  # another worker opened the window first
                row.update(hits=F("hits") + 1)
            else:
                # Once per client and window: cheap (indexed), and keeps the table small.
                RateCounter.objects.filter(expires__lte=now).delete()
        return row.values_list("hits", flat=True).get()


def over_limit(request: HttpRequest, *, bucket: str, limit: int, seconds: int = 3600,
               now: float | None = None) -> bool:
    """Count this request against its IP in ``bucket``; True once past ``limit`` a window."""
    return hit(bucket=bucket, client=client_ip(request), seconds=seconds, now=now) > limit
