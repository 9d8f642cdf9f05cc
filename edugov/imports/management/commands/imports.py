"""edugov imports purge [--dry-run] [--days N]: upkeep of web import jobs.

``purge`` deletes the uploaded files of jobs that finished (导入完成 or 失败) more than
EDUGOV_IMPORT_RETENTION_DAYS ago; the jobs and their errors stay. Uploads already purge a
few on their way, so this is for a backlog or a cron job. Exit 2 on a bad number of days.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from edugov.imports import services


class Command(BaseCommand):
    help = "网页导入任务的维护：purge 按保留期限删除已结束任务的上传文件。"

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True,
                                            parser_class=CommandParser)
        purge = subcommands.add_parser(
            "purge", help="删除结束已超过保留天数的导入任务的上传文件（任务记录保留）")
        purge.add_argument("--dry-run", action="store_true", help="只统计，不删除")
        purge.add_argument("--days", type=int, metavar="N",
                           help="保留天数（默认 EDUGOV_IMPORT_RETENTION_DAYS）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "purge":
            self.purge(options)

    def purge(self, options: dict[str, Any]) -> None:
        try:
            outcome = services.purge_expired_uploads(
                actor=None, days=options["days"], dry_run=options["dry_run"], via="cli")
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=2) from exc
        before = timezone.localtime(outcome.cutoff).strftime("%Y-%m-%d %H:%M")
        if outcome.dry_run:
            self.stdout.write(f"试运行：将删除{outcome.purged}个文件（{before}前结束的任务）")
        else:
            self.stdout.write(f"已删除{outcome.purged}个文件（{before}前结束的任务）")
