"""edugov backup FILE: the whole database to a portable archive (audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from edugov.core import audit
from edugov.core.backup import write_backup
from edugov.core.models import AuditLog


class Command(BaseCommand):
    help = "Write the whole database to FILE (a zip restorable on SQLite or PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        # Audit first so the backup itself records that it was taken.
        audit.record(actor=None, action=AuditLog.Action.EXPORT, entity="backup",
                     summary=str(opts["file"]), details={"via": "cli"})
        counts = write_backup(opts["file"])
        self.stdout.write(f"backup {opts['file']}: {len(counts)} tables, "
                          f"{sum(counts.values())} rows")
