"""One tiny demo built per test module, rolled back at the end of the module.

The invariant tests build the registry's part only, so a scenario app's builder under
construction cannot break them; ``test_every_apps_builder_runs`` builds everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from edugov.demo import orchestrator
from edugov.demo.discovery import DemoBuilder, discover_builders

SEED = 7


def registry_builders() -> list[DemoBuilder]:
    return [b for b in discover_builders() if b.app_label == "registry"]


def build_tiny(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--scale=tiny", "--no-serve", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def registry_only() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(orchestrator, "discover_builders", registry_builders)
        yield


@pytest.fixture(scope="module")
def tiny_demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest,
              registry_only: None) -> Iterator[str]:
    """The printed output of building the tiny demo; its rows live until the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        yield build_tiny(f"--seed={SEED}")
        transaction.set_rollback(True)
