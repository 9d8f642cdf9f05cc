"""Determinism, refusal to overwrite real data, --fresh, builder discovery and the city plan."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Model

from edugov.core.models import AuditLog, User
from edugov.demo import orchestrator
from edugov.demo.bulk import BulkWriter
from edugov.demo.context import DemoContext
from edugov.demo.discovery import discover_builders
from edugov.demo.scales import SCALES
from edugov.metrics.models import Indicator, Result
from edugov.registry import models as m
from edugov.registry.demo.geography import Geography, plan_geography
from edugov.registry.demo.names import chinese_number
from edugov.registry.demo.people import BirthDays, Identities
from edugov.registry.demo.plan import plan_county
from edugov.registry.demo.staff import StaffMaker, staff_count
from edugov.workforce.rules.eligibility import Spell, StaffFacts, assess
from edugov.workforce.selectors.rotation import ROTATION_LEVELS
from tests.demo.conftest import build_tiny, registry_builders
from tests.demo.digest import demo_digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator, "discover_builders", registry_builders)


@pytest.fixture(autouse=True)
def _forget_flushed_content_types() -> Iterator[None]:
    # flush deletes and recreates content types; rolling back restores the old rows.
    yield
    ContentType.objects.clear_cache()


def digest_of_build(seed: int) -> str:
    with transaction.atomic():
        build_tiny(f"--seed={seed}")
        digest = demo_digest()
        transaction.set_rollback(True)
    return digest


@pytest.mark.usefixtures("registry_only")
def test_same_seed_same_data_other_seed_other_data() -> None:
    first = digest_of_build(7)
    assert digest_of_build(7) == first
    assert digest_of_build(8) != first


@pytest.mark.usefixtures("registry_only")
def test_refuses_to_build_over_real_data_unless_fresh() -> None:
    User.objects.create_user(username="real-person", password="x" * 12)
    with pytest.raises(CommandError, match="--fresh"):
        build_tiny()
    assert not m.Student.objects.exists()
    build_tiny("--fresh")
    assert not User.objects.filter(username="real-person").exists()
    assert m.Student.objects.exists()


@pytest.mark.usefixtures("registry_only")
def test_another_seed_replaces_an_existing_demo() -> None:
    build_tiny("--seed=1")
    first = set(m.Student.objects.values_list("student_no", flat=True))
    output = build_tiny("--seed=2")
    assert "演示数据已生成" in output
    assert set(m.Student.objects.values_list("student_no", flat=True)) != first
    assert AuditLog.objects.get(entity="demo").details["seed"] == 2


def test_registry_builds_first() -> None:
    builders = discover_builders()
    assert builders[0].app_label == "registry"
    assert [b.order for b in builders] == sorted(b.order for b in builders)


def test_every_apps_builder_runs() -> None:
    """The whole demo, every scenario's part included, builds at the tiny scale — also
    after ``--fresh`` flushed the indicator catalog the data migrations loaded, and the
    data center stores results for each of the three years."""
    build_tiny("--fresh")
    versions = AuditLog.objects.get(entity="demo").details["versions"]
    assert set(versions) == {b.app_label for b in discover_builders()}
    assert Indicator.objects.filter(builtin=True).exists()
    assert set(Result.objects.values_list("year", flat=True)) == {2023, 2024, 2025}


def plan_city() -> tuple[DemoContext, Geography]:
    """Plan (no rows written) the default scale as the registry builder does."""
    scale = SCALES["city"]
    ctx = DemoContext(scale=scale, seed=2025, writer=BulkWriter())
    geography = plan_geography(scale, ctx.rng("registry/geography"), ctx.writer)
    for index, county in enumerate(geography.counties):
        plan_county(county, scale, index, ctx.rng(f"registry/plan/{county.code}"), ctx.writer)
    return ctx, geography


class KeptRows:
    """A stand-in for the demo's BulkWriter that keeps rows in memory."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.rows: dict[str, Rows] = {}

    def next_id(self, model: type[Model]) -> int:
        self.ids[model.__name__] += 1
        return self.ids[model.__name__]

    def next_ids(self, model: type[Model], n: int) -> range:
        first = self.ids[model.__name__] + 1
        self.ids[model.__name__] += n
        return range(first, first + n)

    def table(self, model: type[Model], fields: Sequence[str]) -> Rows:
        return self.rows.setdefault(model.__name__, Rows())


class Rows(list[Sequence[Any]]):
    """A table of KeptRows: ``add`` as the writer's tables have it."""

    def add(self, row: Sequence[Any]) -> None:
        self.append(row)


def test_city_plan_has_the_intended_shape() -> None:
    """The default scale: sizes and shares the brief asks for."""
    ctx, geography = plan_city()
    schools = [s for c in geography.counties for s in c.institutions]
    assert len(geography.counties) == 9
    assert 850 <= len(schools) <= 1150
    assert 270_000 <= sum(s.students for s in schools) <= 330_000
    staff = sum(staff_count(s, ctx.rng("staff")) for s in schools)
    assert 19_000 <= staff <= 26_000
    kindergartens = [s for s in schools if s.kind == "kindergarten"]
    children = sum(s.students for s in kindergartens)
    public = sum(s.students for s in kindergartens if s.is_public) / children
    covered = sum(s.students for s in kindergartens if s.is_public or s.inclusive) / children
    assert 0.45 <= public <= 0.58 and 0.86 <= covered <= 0.94
    primary = [size for s in schools if s.kind == "primary" for g in s.classes
               for size in s.classes[g]]
    junior = [size for s in schools if s.kind == "junior" for g in s.classes
              for size in s.classes[g]]
    assert 0.05 <= sum(size > 45 for size in primary) / len(primary) <= 0.3
    assert 0 < sum(size >= 56 for size in primary) / len(primary) <= 0.05
    assert sum(size >= 66 for size in primary) / len(primary) <= 0.01
    assert sum(size > 50 for size in junior) > 0


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"),
                                         (100, "一百"), (105, "一百零五"), (110, "一百一十"),
                                         (999, "九百九十九")])
def test_school_ordinals_in_chinese(n: int, text: str) -> None:
    assert chinese_number(n) == text


def test_city_first_county_is_a_core_district_big_enough_for_the_rotation_figure() -> None:
    """The 主城区 holds ~45% of the city: ≥100 public 小学/初中/九年一贯制/教学点 (what
    the rotation optimiser loads) with ≥3,000 专任教师, 15–25% of them due to rotate."""
    ctx, geography = plan_city()
    core, *others = geography.counties
    assert core.is_core and core.is_district and not any(c.is_core for c in others)
    city = sum(s.students for c in geography.counties for s in c.institutions)
    assert 0.38 <= sum(s.students for s in core.institutions) / city <= 0.52
    pool = {s.id for s in core.institutions if s.kind in ROTATION_LEVELS and s.is_public}
    assert len(pool) >= 100
    rows = KeptRows()
    StaffMaker(rows, Identities(), BirthDays()).county(  # type: ignore[arg-type]
        core, ctx.rng(f"registry/people/{core.code}"))
    staff = {row[0]: row for row in rows.rows["Staff"]}
    teachers = [pk for pk, row in staff.items() if row[12] in pool and row[13] == "teacher"]
    assert len(teachers) >= 3000
    spells = [Spell(staff_id, school, post, dt.date.fromisoformat(start),
                    dt.date.fromisoformat(end) if end else None)
              for _, staff_id, school, post, start, end in rows.rows["Assignment"]]
    facts = [StaffFacts(pk, staff[pk][3], dt.date.fromisoformat(staff[pk][4]),
                        staff[pk][11] == "on") for pk in teachers]
    eligible = sum(e.eligible for e in assess(spells, facts, dt.date(2025, 9, 1)))
    assert 0.15 <= eligible / len(teachers) <= 0.25
