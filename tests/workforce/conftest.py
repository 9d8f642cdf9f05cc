"""Workforce fixtures: teacher_a's account linked to staff_a, and spreadsheet writers."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from edugov.core.models import User
from edugov.registry import models as m
from tests import factories as f
from tests.conftest import Personas, World
from tests.web.conftest import client_for  # noqa: F401  (signed-in clients per persona)


@pytest.fixture
def own_teacher(personas: Personas, world: World) -> User:
    """teacher_a signed in as staff_a (their own record)."""
    personas.teacher_a.staff = world.staff_a
    personas.teacher_a.save(update_fields=["staff"])
    return personas.teacher_a


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, Sequence[Sequence[object]]], Path]:
    def write(name: str, rows: Sequence[Sequence[object]]) -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        return path

    return write


def new_teacher(school: m.Institution, since: dt.date, **fields: object) -> m.Staff:
    staff = f.StaffFactory(current_institution=school, current_post="teacher", **fields)
    m.Assignment.objects.create(staff=staff, institution=school, post="teacher", start=since)
    return staff
