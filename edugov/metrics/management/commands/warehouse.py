"""edugov warehouse export [--out DIR] — the Parquet warehouse DuckDB and Spark read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from edugov.core import audit
from edugov.core.models import AuditLog
from edugov.metrics.catalog import measures
from edugov.metrics.engine import warehouse
from edugov.metrics.engine.backends import default_warehouse_dir, live_source


class Command(BaseCommand):
    help = "导出数据仓库（Parquet，不含个人身份信息），供 DuckDB / Spark 引擎计算指标"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export")
        export.add_argument("--out", type=Path, help="输出目录（默认 $EDUGOV_DATA_DIR/warehouse）")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["out"] or default_warehouse_dir()
        tables, seconds = warehouse.export(live_source(), measures(), directory)
        for table in tables:
            self.stdout.write(f"{table.name}\t{table.rows}")
        audit.record(actor=None, action=AuditLog.Action.EXPORT, entity="metrics.warehouse",
                     summary=f"导出数据仓库到 {directory}",
                     details={t.name: t.rows for t in tables})
        self.stdout.write(f"已导出 {len(tables)} 张表到 {directory}，耗时 {seconds:.1f} 秒")
