"""``edugov enrollment simulate|verify-lottery``: admissions tools that need no database.

* ``simulate INSTANCE.json [--mechanism da|boston|serial] [--out RESULT.json]`` runs a
  matching mechanism over a plain instance; exit 2 with the reason on bad input.
* ``verify-lottery RECORD.json`` re-runs a published draw record; exit 0 when it matches,
  1 when it does not, 2 when the file cannot be read.

The algorithms and file shapes are documented in docs/enrollment.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from edugov.enrollment.rules import lottery, matching

BAD_INPUT = 2
MISMATCH = 1


class Command(BaseCommand):
    help = "招生入学工具：志愿录取模拟、摇号结果核验"
    # Pure computations over files: no database, no migrations check.
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        simulate = sub.add_parser("simulate", help="按录取机制模拟志愿录取")
        simulate.add_argument("instance", help="输入文件 INSTANCE.json")
        simulate.add_argument("--mechanism", choices=matching.MECHANISMS, default="da",
                              help="da（延迟接受，默认）、boston（直接录取）、serial（序列独裁）")
        simulate.add_argument("--out", help="结果文件 RESULT.json（默认输出到标准输出）")
        verify = sub.add_parser("verify-lottery", help="核验摇号记录")
        verify.add_argument("record", help="摇号记录文件（JSON）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "simulate":
            self.simulate(Path(options["instance"]), options["mechanism"], options["out"])
        else:
            self.verify_lottery(Path(options["record"]))

    def simulate(self, path: Path, mechanism: str, out: str | None) -> None:
        data = read_json(path)
        try:
            instance = matching.instance_from_json(data)
        except matching.InstanceError as exc:
            raise CommandError(f"输入有误：{exc}", returncode=BAD_INPUT) from exc
        assignment = matching.run(instance, mechanism)
        result: dict[str, Any] = {
            "mechanism": mechanism,
            "assignment": assignment,
            "statistics": matching.statistics(instance, assignment),
            "unplaced": matching.unplaced_reasons(instance, assignment),
        }
        text = json.dumps(result, ensure_ascii=False, indent=2)
        if out:
            Path(out).write_text(text + "\n", encoding="utf-8")
            stats = result["statistics"]
            self.stdout.write(f"已录取 {stats['placed']} 人，未录取 {stats['unplaced']} 人；"
                              f"结果已写入 {out}")
        else:
            self.stdout.write(text)

    def verify_lottery(self, path: Path) -> None:
        record = read_json(path)
        if not isinstance(record, dict):
            raise CommandError("摇号记录应为 JSON 对象", returncode=BAD_INPUT)
        problems = lottery.verify(record)
        if problems:
            for problem in problems:
                self.stdout.write(f"不符：{problem}")
            raise CommandError("摇号记录核验未通过", returncode=MISMATCH)
        self.stdout.write(f"核验通过：承诺值 {lottery.commitment(str(record['seed']))} 与种子相符，"
                          f"{len(record['order'])} 人的摇号顺序与重新计算的结果一致")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CommandError(f"找不到文件：{path}", returncode=BAD_INPUT) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CommandError(f"不是有效的 JSON 文件：{path}（{exc}）", returncode=BAD_INPUT) from exc
