"""Build the demo once: reuse an identical one, refuse to overwrite real data, record it.

The demo's identity (scale, seed, each builder's version) is kept in an AuditLog row
with entity ``demo``: the platform has no table of its own for it, and the audit log is
where "who put this data here" belongs anyway.
"""

from __future__ import annotations

import time
from dataclasses import astuple, dataclass, field
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.demo.bulk import BulkWriter
from edugov.demo.context import DEMO_PASSWORD, DemoContext, DemoLogin
from edugov.demo.discovery import DemoBuilder, discover_builders
from edugov.demo.progress import Progress, SilentProgress
from edugov.demo.scales import Scale
from edugov.registry.models import Institution, Region

MARKER_ENTITY = "demo"


class DemoRefused(Exception):
    """The database holds data that is not a demo; building would destroy it."""


@dataclass
class DemoOutcome:
    built: bool
    scale: str
    seed: int
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)


def demo_marker() -> AuditLog | None:
    return AuditLog.objects.filter(entity=MARKER_ENTITY).order_by("-id").first()


def identity_of(scale: Scale, seed: int, builders: list[DemoBuilder]) -> dict[str, Any]:
    return {"scale": scale.name, "seed": seed,
            "versions": {b.app_label: b.version for b in builders}}


def holds_identity(marker: AuditLog, identity: dict[str, Any]) -> bool:
    return all(marker.details.get(key) == value for key, value in identity.items())


def database_has_data() -> bool:
    """Anything a person could have entered: accounts, regions, schools."""
    return (User.objects.exists() or Region.objects.exists()
            or Institution.objects.exists())


def ensure_demo(*, scale: Scale, seed: int, fresh: bool = False,
                password: str = DEMO_PASSWORD,
                progress: Progress | None = None) -> DemoOutcome:
    """Make the database hold the demo for ``scale``/``seed``, building only if needed."""
    progress = progress or SilentProgress()
    builders = discover_builders()
    identity = identity_of(scale, seed, builders)
    marker = demo_marker()
    if not fresh and marker is not None and holds_identity(marker, identity):
        return outcome_from_marker(marker)
    if not fresh and marker is None and database_has_data():
        raise DemoRefused(
            "数据库中已有非演示数据，为避免覆盖，未生成演示数据。"
            "如确需清空数据库并生成演示数据，请加 --fresh 参数（将删除全部数据）。")
    if fresh or marker is not None or database_has_data():
        progress.note("正在清空数据库……")
        flush_database()
    return build_demo(scale=scale, seed=seed, password=password, builders=builders,
                      progress=progress)


def flush_database() -> None:
    """Empty every table, also when called inside a transaction (as tests do).

    PostgreSQL refuses to TRUNCATE a table with deferred foreign-key checks still
    pending in the transaction, so run those checks first, and defer again after.
    """
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def outcome_from_marker(marker: AuditLog) -> DemoOutcome:
    details = marker.details
    return DemoOutcome(
        built=False, scale=details["scale"], seed=details["seed"],
        seconds=details.get("seconds", 0.0), counts=details.get("counts", {}),
        logins=[DemoLogin(*row) for row in details.get("logins", [])],
    )


@transaction.atomic
def build_demo(*, scale: Scale, seed: int, password: str = DEMO_PASSWORD,
               builders: list[DemoBuilder] | None = None,
               progress: Progress | None = None) -> DemoOutcome:
    """Run every app's builder in one transaction and record the demo's identity."""
    started = time.monotonic()
    builders = discover_builders() if builders is None else builders
    ctx = DemoContext(scale=scale, seed=seed, writer=BulkWriter(),
                      progress=progress or SilentProgress(), password=password)
    for builder in builders:
        builder.build(ctx)
        # Later builders may query what this one wrote.
        ctx.writer.finish()
    seconds = round(time.monotonic() - started, 1)
    audit.record(
        actor=None, action=AuditLog.Action.CREATE, entity=MARKER_ENTITY,
        object_id=f"{scale.name}/{seed}",
        summary=f"生成演示数据：{scale.label}，随机种子 {seed}，用时 {seconds} 秒",
        details={**identity_of(scale, seed, builders), "counts": ctx.counts,
                 "seconds": seconds, "logins": [list(astuple(login)) for login in ctx.logins]},
    )
    return DemoOutcome(built=True, scale=scale.name, seed=seed, seconds=seconds,
                       counts=ctx.counts, logins=ctx.logins)
