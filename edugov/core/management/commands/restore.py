"""edugov restore FILE: replace the whole database with a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from edugov.core import audit
from edugov.core.backup import BackupError, restore_backup
from edugov.core.models import AuditLog


class Command(BaseCommand):
    help = "Replace every row of the database with those in FILE (made by `edugov backup`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"备份文件不存在：{path}")
        if not opts["yes"] and input("这将替换数据库中的全部数据，继续？[y/N] ").lower() != "y":
            raise CommandError("已取消")
        call_command("migrate", interactive=False, verbosity=0)
        try:
            counts = restore_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit.record(actor=None, action=AuditLog.Action.RESTORE, entity="backup",
                     summary=str(path), details={"via": "cli", "rows": sum(counts.values())})
        self.stdout.write(f"restored {path}: {len(counts)} tables, {sum(counts.values())} rows")
