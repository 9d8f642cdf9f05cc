"""edugov health …: student health tools.

``score-fitness`` works on files alone, without the database. ``import-fitness`` and
``import-vision`` load a school's annual file into the database (see health/services.py):
exit 0 when written (or a clean dry run), 1 when rows were refused (nothing written unless
``--skip-invalid``), 2 when the file, school or year is unusable.

``import-fitness --retest`` takes a later file of 补测 results alone (see services).

``edugov health score-fitness IN.csv --out OUT.csv`` scores a school's 体质健康 results
table by 《国家学生体质健康标准（2014年修订）》 (or another loaded standard). Exit codes:
0 all rows scored; 1 some rows refused (each listed with row, column and reason; OUT is
still written, refused rows with blank scores); 2 the file is unusable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError, CommandParser

from edugov.health.rules.fitness_standard import (
    DEFAULT_STANDARD_ID,
    FitnessStandard,
    StandardError,
    builtin_standard,
    builtin_standard_ids,
    load_standard,
)
from edugov.health.rules.fitness_table import missing_columns, normalise_header, score_table

#: How many refused rows to print before summarising (the --errors file has them all).
SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "学生体质健康工具（不需要数据库）：score-fitness 按国家学生体质健康标准评分。"

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True,
                                            parser_class=CommandParser)
        score = subcommands.add_parser(
            "score-fitness", help="为体质健康测试成绩表（CSV/XLSX）评分，写出带得分的CSV")
        score.add_argument("input", type=Path,
                           help="成绩表：学籍号、年级、性别、身高、体重及各项目")
        score.add_argument("--out", type=Path, required=True,
                           help="输出CSV（UTF-8，Excel可直接打开）")
        score.add_argument("--standard", default=DEFAULT_STANDARD_ID,
                           help=f"标准编号（内置：{', '.join(builtin_standard_ids())}）或标准目录")
        score.add_argument("--errors", type=Path, help="把全部错误写入此CSV（行号、列、原因）")
        for name, what in (("import-fitness", "体质健康测试成绩"),
                           ("import-vision", "视力筛查记录")):
            sub = subcommands.add_parser(name, help=f"导入一所学校的年度{what}（XLSX/CSV）")
            sub.add_argument("input", type=Path, help=f"{what}表，每名学生一行")
            sub.add_argument("--school", required=True, help="学校标识码（10位）")
            sub.add_argument("--year", type=int, help="学年起始年份，默认当前学年")
            sub.add_argument("--dry-run", action="store_true", help="只校验，不写入")
            sub.add_argument("--skip-invalid", action="store_true",
                             help="跳过有误的行，只导入正确的行")
            sub.add_argument("--errors", type=Path,
                             help="把有误的行写入此文件（.xlsx 标红错误单元格，或 .csv）")
            if name == "import-fitness":
                sub.add_argument("--retest", action="store_true",
                                 help="补测文件：只含补测成绩，每行替换该生本学年已导入的不及格成绩")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["subcommand"] == "score-fitness":
            self.score_fitness(opts)
        elif opts["subcommand"] in ("import-fitness", "import-vision"):
            self.import_records(opts)

    def import_records(self, opts: dict[str, Any]) -> None:
        # Imported here: score-fitness must keep working without a configured database.
        from edugov.health import services
        from edugov.imports.reading import UnusableInput
        from edugov.registry.models import Institution

        try:
            school = Institution.objects.get(code=opts["school"])
        except Institution.DoesNotExist:
            raise CommandError(f"学校标识码不存在：{opts['school']}", returncode=2) from None
        fitness = opts["subcommand"] == "import-fitness"
        try:
            year = services.year_or_current(opts["year"])
            options: dict[str, Any] = {
                "actor": None, "path": opts["input"], "school": school, "year": year,
                "skip_invalid": opts["skip_invalid"], "dry_run": opts["dry_run"],
                "errors_out": opts["errors"]}
            report = (services.import_fitness(**options, retest=opts["retest"]) if fitness
                      else services.import_vision(**options))
        except UnusableInput as error:
            raise CommandError(error.message, returncode=2) from error
        self.stdout.write(
            f"{school.name} {year}" + ("补测" if opts.get("retest") else "")
            + f"：共{report.total}行，有误{report.refused_rows}行，"
            f"写入{report.written}人" + ("（仅校验）" if report.dry_run else "")
            + (f"，新建跟进{report.follow_ups}项" if report.follow_ups else "")
            + (f"，抽取复测{report.rescreen}人" if report.rescreen else ""))
        for row_error in report.errors[:SHOWN_ERRORS]:
            self.stderr.write(str(row_error))
        if len(report.errors) > SHOWN_ERRORS:
            self.stderr.write(f"……另有{len(report.errors) - SHOWN_ERRORS}处错误"
                              "（用 --errors 导出全部）")
        if report.errors:
            written = "已跳过这些行" if report.written else "未写入任何数据"
            raise CommandError(f"{report.refused_rows}行数据有误，{written}", returncode=1)

    def score_fitness(self, opts: dict[str, Any]) -> None:
        standard = _standard(opts["standard"])
        frame = _read_table(opts["input"])
        missing = missing_columns(frame, standard)
        if missing:
            raise CommandError(f"缺少必需的列：{'、'.join(missing)}", returncode=2)
        scored = score_table(standard, frame)
        scored.frame.to_csv(opts["out"], index=False, encoding="utf-8-sig")
        if opts["errors"]:
            pd.DataFrame([(e.row, e.column, e.message) for e in scored.errors],
                         columns=["行号", "列", "错误"]).to_csv(
                opts["errors"], index=False, encoding="utf-8-sig")
        refused = len({e.row for e in scored.errors})
        self.stdout.write(f"{standard.name}：共{len(frame)}行，评分{len(frame) - refused}行，"
                          f"有误{refused}行 → {opts['out']}")
        if scored.errors:
            for error in scored.errors[:SHOWN_ERRORS]:
                self.stderr.write(str(error))
            if len(scored.errors) > SHOWN_ERRORS:
                self.stderr.write(f"……另有{len(scored.errors) - SHOWN_ERRORS}处错误"
                                  "（用 --errors 导出全部）")
            raise CommandError(f"{refused}行数据有误，未评分", returncode=1)


def _standard(name: str) -> FitnessStandard:
    try:
        if Path(name).is_dir():
            return load_standard(Path(name))
        return builtin_standard(name)
    except StandardError as error:
        raise CommandError(str(error), returncode=2) from error


def _read_table(path: Path) -> pd.DataFrame:
    """All cells as text (so 0.10 stays 0.10 and 学籍号 keeps its leading letters)."""
    if not path.is_file():
        raise CommandError(f"文件不存在：{path}", returncode=2)
    try:
        if path.suffix.lower() in {".xlsx", ".xls"}:
            frame = pd.read_excel(path, dtype=str, engine="calamine").fillna("")
        else:
            frame = _read_csv(path)
    except (ValueError, OSError) as error:
        raise CommandError(f"无法读取文件 {path}：{error}", returncode=2) from error
    return frame.rename(columns=normalise_header)


def _read_csv(path: Path) -> pd.DataFrame:
    # Excel on Chinese Windows saves CSV as GBK; everything else as UTF-8 (maybe with BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("编码无法识别（应为 UTF-8 或 GBK）")
