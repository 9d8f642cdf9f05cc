"""Per-IP rate limits for anonymous forms (public hazard reports, parent sign-up)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR, not X-Forwarded-For: a client can forge the header; behind a proxy the
    # proxy must set REMOTE_ADDR (gunicorn --forwarded-allow-ips) for limits to be per person.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def over_limit(request: HttpRequest, *, bucket: str, limit: int, seconds: int = 3600) -> bool:
    """Count this request against its IP in ``bucket``; True once past ``limit`` a window.

    The count lives in Django's cache: per process with the default local-memory cache,
    shared across workers once a shared cache (Redis, database) is configured.
    """
    key = f"ratelimit:{bucket}:{client_ip(request)}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count > limit
