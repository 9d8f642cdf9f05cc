"""edugov indicators compute|store|load-builtin|check — the data center from the shell."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from edugov.metrics import services
from edugov.metrics.builtin import load_all_builtin
from edugov.metrics.engine.backends import ENGINES, EngineUnavailable
from edugov.metrics.models import Indicator, UnitLevel

FORMATS = ("table", "json", "csv")


class Command(BaseCommand):
    help = ("指标计算：compute 计算并输出，store 计算并保存快照，"
            "load-builtin 载入内置指标，check 校验公式")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("compute", "store"):
            p = sub.add_parser(name)
            p.add_argument("--engine", choices=ENGINES, default="live")
            p.add_argument("--year", type=int, required=True, help="学年起始年份，如 2025")
            p.add_argument("--warehouse", type=Path, help="Parquet 数据仓库目录")
            if name == "compute":
                p.add_argument("--region", help="只计算该行政区划及其下级")
                p.add_argument("--level", choices=UnitLevel.values, action="append",
                               help="只输出该层级（可重复）")
                p.add_argument("--indicator", action="append", help="只输出该指标（可重复）")
                p.add_argument("--format", choices=FORMATS, default="table")
        sub.add_parser("load-builtin")
        sub.add_parser("check")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "compute":
                self.compute(**options)
            elif action == "store":
                run = services.compute_and_store(actor=None, year=options["year"],
                                                 engine=options["engine"],
                                                 warehouse=options["warehouse"])
                self.stdout.write(f"已保存第 {run.pk} 批次：{run.results.count()} 条结果，"
                                  f"耗时 {run.seconds:.2f} 秒")
            elif action == "load-builtin":
                self.stdout.write(f"已载入内置指标 {load_all_builtin(Indicator)} 个")
            else:
                self.check_all()
        except EngineUnavailable as exc:
            raise CommandError(str(exc)) from exc

    def compute(self, **options: Any) -> None:
        started = time.perf_counter()
        result = services.compute_catalog(year=options["year"], engine=options["engine"],
                                          warehouse=options["warehouse"],
                                          region_code=options["region"])
        seconds = time.perf_counter() - started
        rows = result.long(levels=options["level"])
        if options["indicator"]:
            rows = rows[rows["indicator"].isin(options["indicator"])]
        decimals = dict(Indicator.objects.values_list("code", "decimals"))
        names = dict(Indicator.objects.values_list("code", "name"))
        fmt = options["format"]
        if fmt == "json":
            records = [{**r, "value": None if math.isnan(r["value"]) else r["value"],
                        "indicator_name": names.get(r["indicator"], "")}
                       for r in rows.to_dict(orient="records")]
            self.stdout.write(json.dumps(records, ensure_ascii=False, indent=1))
        elif fmt == "csv":
            self.stdout.write(rows.to_csv(index=False), ending="")
        else:
            for r in rows.itertuples(index=False):
                places = decimals.get(r.indicator, 2)
                shown = "—" if math.isnan(r.value) else f"{r.value:.{places}f}"
                self.stdout.write(f"{names.get(r.indicator, r.indicator)}\t{r.code}\t"
                                  f"{r.name}\t{shown}")
        self.stderr.write(f"{options['engine']}: {len(result.units)} 个单位 × "
                          f"{result.values.shape[1]} 个指标，耗时 {seconds:.2f} 秒")

    def check_all(self) -> None:
        problems = 0
        for indicator in Indicator.objects.all():
            try:
                services.check_formula(indicator.formula, code=indicator.code)
            except ValidationError as exc:
                problems += 1
                self.stdout.write(f"{indicator.code}: {'；'.join(exc.messages)}")
        if problems:
            raise CommandError(f"{problems} 个指标公式有误")
        self.stdout.write("全部指标公式校验通过")
