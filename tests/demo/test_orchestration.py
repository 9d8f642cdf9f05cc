"""Determinism, refusal to overwrite real data, --fresh, builder discovery and the city plan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import CommandError
from django.db import transaction

from edugov.core.models import AuditLog, User
from edugov.demo import orchestrator
from edugov.demo.bulk import BulkWriter
from edugov.demo.context import DemoContext
from edugov.demo.discovery import discover_builders
from edugov.demo.scales import SCALES
from edugov.registry import models as m
from edugov.registry.demo.geography import plan_geography
from edugov.registry.demo.names import chinese_number
from edugov.registry.demo.plan import plan_county
from edugov.registry.demo.staff import staff_count
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
    """The whole demo, every scenario's part included, builds at the tiny scale."""
    build_tiny()
    versions = AuditLog.objects.get(entity="demo").details["versions"]
    assert set(versions) == {b.app_label for b in discover_builders()}


def test_city_plan_has_the_intended_shape() -> None:
    """Plan (no rows written) the default scale: sizes and shares the brief asks for."""
    scale = SCALES["city"]
    ctx = DemoContext(scale=scale, seed=2025, writer=BulkWriter())
    geography = plan_geography(scale, ctx.rng("registry/geography"), ctx.writer)
    for index, county in enumerate(geography.counties):
        plan_county(county, scale, index, ctx.rng(f"registry/plan/{county.code}"), ctx.writer)
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
