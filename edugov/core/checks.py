"""System checks: refuse to run in production without the secrets it needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def secret_key_set(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not settings.EDUGOV_SECRET_KEY_MISSING or settings.DEBUG or settings.TESTING:
        return []
    return [
        Error(
            "EDUGOV_SECRET_KEY is not set.",
            hint="Set EDUGOV_SECRET_KEY in the environment, or EDUGOV_DEBUG=1 for development.",
            id="edugov.E001",
        )
    ]
