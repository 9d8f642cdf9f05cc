"""edugov export ENTITY --format xlsx|csv [--out FILE] [--user USERNAME] [--unmasked]"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from edugov.imports import services
from edugov.imports.management.acting import acting_user
from edugov.imports.models import Entity
from edugov.imports.reading import UnusableInput


class Command(BaseCommand):
    help = "导出学校、班级、学生、教职工（按操作人管辖范围；个人信息默认脱敏）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", choices=Entity.values)
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("--out", metavar="FILE", help="输出文件（默认 ENTITY-日期.FORMAT）")
        parser.add_argument("--user", metavar="USERNAME", help="以该用户的管辖范围导出")
        parser.add_argument("--unmasked", action="store_true",
                            help="导出完整个人信息（需相应角色；会记入审计日志）")
        parser.add_argument("--year", type=int, metavar="START_YEAR",
                            help="学年起始年份（班级、学生；默认当前学年）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["user"])
        out = options["out"] or (
            f"{options['entity']}-{timezone.localdate():%Y%m%d}.{options['format']}")
        try:
            rows = services.export_entity(
                actor=actor, entity=options["entity"], fmt=options["format"], out=out,
                unmasked=options["unmasked"], year=options["year"], via="cli")
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except UnusableInput as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(f"已导出{rows}行：{out}")
