"""The workforce's spreadsheet imports: the barred list (bureaus) and training hours
(providers' files, loaded by bureaus and school administrators). All-or-nothing: the file is
checked row by row first and written only when every row is valid, in one transaction with
one audit row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.scoping import scope_of, visible_to
from edugov.imports.pipeline import Context, Importer, validate
from edugov.imports.reading import open_table
from edugov.imports.services import ImportOutcome
from edugov.registry.models import Region
from edugov.workforce.permissions import require_bureau, require_recorder
from edugov.workforce.rules.training import TrainingRules
from edugov.workforce.spreadsheets import BarredImporter, TrainingImporter


def _run(importer: Importer, *, actor: User, path: str | Path, file_name: str,
         dry_run: bool, memo: dict[str, Any]) -> ImportOutcome:
    file_name = file_name or Path(path).name
    ctx = Context(actor=actor, year=None, memo=dict(memo))
    checked = validate(importer, open_table(path), ctx)
    outcome = ImportOutcome(entity=importer.entity, file_name=file_name, total=checked.total,
                            valid=checked.valid, invalid=checked.invalid,
                            errors=checked.errors, dry_run=dry_run)
    if checked.errors:
        return outcome  # all or nothing: one bad row and nothing is written
    plan = importer.plan(checked.valid_rows, ctx)
    outcome.created, outcome.updated, outcome.unchanged = (plan.created, plan.updated,
                                                           plan.unchanged)
    if dry_run:
        return outcome
    with transaction.atomic():
        importer.write(plan, ctx)
        audit.record(actor=actor, action=AuditLog.Action.IMPORT, entity=importer.audit_entity,
                     summary=(f"导入{importer.label}「{file_name}」：新增{plan.created}，"
                              f"更新{plan.updated}，未变{plan.unchanged}"),
                     details={"file": file_name, "created": plan.created,
                              "updated": plan.updated, "unchanged": plan.unchanged})
    outcome.written = True
    return outcome


def _importing_region(actor: User, region: Region | None) -> Region:
    """The region an entry of the barred list belongs to: given, or the actor's own."""
    if region is not None:
        if not visible_to(actor, Region.objects.filter(pk=region.pk)).exists():
            raise PermissionDenied("该行政区划不在您的管辖范围内")
        return region
    paths = scope_of(actor).region_paths
    found = Region.objects.filter(path__in=paths).order_by("path").first() if paths else None
    if found is None:
        raise PermissionDenied("请指定名单所属的行政区划")
    return found


def import_barred(*, actor: User, path: str | Path, file_name: str = "",
                  region: Region | None = None, dry_run: bool = False) -> ImportOutcome:
    require_bureau(actor, "导入禁止从教人员名单")
    return _run(BarredImporter(), actor=actor, path=path, file_name=file_name,
                dry_run=dry_run, memo={"region": _importing_region(actor, region)})


def import_training(*, actor: User, path: str | Path, file_name: str = "",
                    dry_run: bool = False, rules: TrainingRules | None = None,
                    today: dt.date | None = None) -> ImportOutcome:
    require_recorder(actor, "导入培训学时")
    return _run(TrainingImporter(rules, today), actor=actor, path=path, file_name=file_name,
                dry_run=dry_run, memo={})
