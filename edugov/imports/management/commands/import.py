"""edugov import ENTITY FILE [--dry-run] [--skip-invalid] [--errors OUT] [--user U] [--year Y]
edugov import template ENTITY OUT.xlsx

Exit status: 0 all rows valid, 1 some rows invalid, 2 the input is unusable.
"""

from __future__ import annotations

import sys
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from edugov.imports import services, workbooks
from edugov.imports.management.acting import acting_user
from edugov.imports.models import Entity
from edugov.imports.reading import UnusableInput
from edugov.imports.selectors import may_import

#: Errors printed on the console; the rest go to --errors.
SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "从Excel（.xlsx）或CSV批量导入学校、班级、学生、教职工；或生成导入模板。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="entity", required=True)
        template = sub.add_parser("template", help="生成导入模板")
        template.add_argument("template_entity", choices=Entity.values)
        template.add_argument("out", help="输出的 .xlsx 文件")
        for entity in Entity.values:
            one = sub.add_parser(entity, help=f"导入{Entity(entity).label}")
            one.add_argument("file", help=".xlsx、.xls 或 .csv 文件")
            one.add_argument("--dry-run", action="store_true", help="只校验，不写入")
            one.add_argument("--skip-invalid", action="store_true", help="仅导入有效行")
            one.add_argument("--errors", metavar="OUT", help="把无效行写入 .xlsx 或 .csv")
            one.add_argument("--user", metavar="USERNAME", help="以该用户的权限和管辖范围导入")
            one.add_argument("--year", type=int, metavar="START_YEAR",
                             help="学年起始年份（默认当前学年）")
            one.add_argument("--quiet", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["entity"] == "template":
            workbooks.write_template(options["template_entity"], options["out"])
            self.stdout.write(f"已生成模板：{options['out']}")
            return
        self.import_file(options)

    def import_file(self, options: dict[str, Any]) -> None:
        actor = acting_user(options["user"])
        if actor is not None and not may_import(actor):
            raise CommandError(f"用户 {actor.username} 无权导入基础数据", returncode=2)
        with self.progress_bar(quiet=options["quiet"]) as progress:
            try:
                outcome = services.import_file(
                    actor=actor, entity=options["entity"], path=options["file"],
                    year=options["year"], dry_run=options["dry_run"],
                    skip_invalid=options["skip_invalid"], progress=progress, via="cli")
            except UnusableInput as exc:
                raise CommandError(exc.message, returncode=2) from exc
            except (PermissionDenied, services.ImportConflict) as exc:
                raise CommandError(str(exc), returncode=2) from exc
        self.report(outcome, options)
        if outcome.invalid:
            sys.exit(1)

    def progress_bar(self, *, quiet: bool) -> Any:
        return ProgressBar(disable=quiet or not sys.stderr.isatty())

    def report(self, outcome: services.ImportOutcome, options: dict[str, Any]) -> None:
        self.stdout.write(outcome.summary)
        for error in outcome.errors[:SHOWN_ERRORS]:
            self.stdout.write(f"  {error}")
        if len(outcome.errors) > SHOWN_ERRORS:
            self.stdout.write(f"  ……另有{len(outcome.errors) - SHOWN_ERRORS}处错误"
                              + ("" if options["errors"] else "（用 --errors OUT.xlsx 导出全部）"))
        if options["errors"] and outcome.errors:
            rows = workbooks.write_errors(options["file"], outcome.errors, options["errors"])
            self.stdout.write(f"无效行（{rows}行）已写入：{options['errors']}")
        if outcome.written:
            self.stdout.write(outcome.counts + self.extra(outcome))
        elif outcome.dry_run:
            self.stdout.write(f"试运行，未写入任何数据；将会：{outcome.counts}{self.extra(outcome)}")
        else:
            self.stdout.write("存在无效行，未写入任何数据（可用 --skip-invalid 仅导入有效行）")

    @staticmethod
    def extra(outcome: services.ImportOutcome) -> str:
        return "".join(f" {k}={v}" for k, v in outcome.extra.items())


class ProgressBar:
    """A tqdm bar (stderr by default) fed by the pipeline's (done, total) calls."""

    def __init__(self, *, disable: bool, file: IO[str] | None = None) -> None:
        self.bar = tqdm(total=0, unit="行", file=file or sys.stderr, disable=disable,
                        desc="校验")

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()

    def __call__(self, done: int, total: int) -> None:
        if self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)
