"""Fixtures for the web pages: signed-in clients per persona."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation

from edugov.core.models import User
from tests.conftest import Personas, World


@pytest.fixture
def client_for(personas: Personas) -> Callable[[str], Client]:
    """A fresh client signed in as the named persona ("anonymous" for none)."""

    def make(name: str, **kwargs: object) -> Client:
        client = Client(**kwargs)
        user: User | None = personas.all()[name]
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def head_teacher(personas: Personas, world: World) -> User:
    """teacher_a's account linked to staff_a, head teacher of class_a."""
    world.class_a.head_teacher = world.staff_a
    world.class_a.save(update_fields=["head_teacher"])
    personas.teacher_a.staff = world.staff_a
    personas.teacher_a.save(update_fields=["staff"])
    return personas.teacher_a


@pytest.fixture(autouse=True)
def _back_to_default_language():  # type: ignore[no-untyped-def]
    """LocaleMiddleware leaves a request's language active in the thread; an English
    request must not turn later tests (in any directory) English."""
    yield
    translation.deactivate()
