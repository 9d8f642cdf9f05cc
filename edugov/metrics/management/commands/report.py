"""edugov report annual --region CODE --year Y --out FILE.docx|.xlsx — the annual report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from edugov.core import audit
from edugov.core.models import AuditLog
from edugov.metrics import report


class Command(BaseCommand):
    help = "年度统计分析报告：按领域生成数值、目标完成、同比、排名与连续第一的文字、表格和图表"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        annual = sub.add_parser("annual")
        annual.add_argument("--region", required=True, help="行政区划代码")
        annual.add_argument("--year", type=int, required=True, help="学年起始年份，如 2025")
        annual.add_argument("--out", type=Path, required=True, help="输出文件 .docx 或 .xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.suffix.lower() not in (".docx", ".xlsx"):
            raise CommandError("输出文件须为 .docx 或 .xlsx")
        if not report.region_exists(options["region"]):
            raise CommandError(f"行政区划“{options['region']}”不存在")
        found = report.annual_report(report.CommandLine(), region_code=options["region"],
                                     year=options["year"])
        if not found.domains:
            raise CommandError(f"{options['year']} 学年尚无计算结果，请先运行 "
                               "edugov indicators store --year …")
        report.write(found, out)
        audit.record(actor=None, action=AuditLog.Action.EXPORT, entity="metrics.report",
                     object_id=found.region.code,
                     summary=f"生成 {found.title} → {out.name}")
        self.stdout.write(f"已生成 {out}：{len(found.domains)} 个领域")
