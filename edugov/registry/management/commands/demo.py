"""edugov demo: build a deterministic synthetic region, print the demo logins, serve it."""

from __future__ import annotations

import os
import sys
import time
import unicodedata
from typing import Any, TextIO

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from edugov.core.models import User
from edugov.demo.context import DEMO_PASSWORD, DemoLogin
from edugov.demo.orchestrator import DemoOutcome, DemoRefused, ensure_demo
from edugov.demo.progress import progress_for
from edugov.demo.scales import DEFAULT_SCALE, SCALES

COUNT_LABELS = {"institutions": "学校", "students": "在校学生", "former_students": "已离校学生",
                "staff": "在职教职工", "former_staff": "已离职教职工", "classes": "班级",
                "enrolments": "学籍注册", "assignments": "任职记录"}


class Command(BaseCommand):
    help = "生成确定性的演示数据（虚构地区、学校、师生与账号），然后启动服务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default=DEFAULT_SCALE,
                            help="规模：tiny（测试用）、city（默认，一个地级市）、"
                                 "province（一个省）")
        parser.add_argument("--seed", type=int, default=2025,
                            help="随机种子（相同种子生成相同数据）")
        parser.add_argument("--no-serve", action="store_true", help="生成后不启动服务")
        parser.add_argument("--fresh", action="store_true",
                            help="先清空数据库（删除全部数据）再生成")
        parser.add_argument("--password", default=DEMO_PASSWORD,
                            help=f"演示账号的密码（默认 {DEMO_PASSWORD}，仅供演示）")

    def handle(self, *args: Any, **opts: Any) -> None:
        verbosity = opts["verbosity"]
        self.migrate_if_needed(verbosity)
        scale = SCALES[opts["scale"]]
        started = time.monotonic()
        try:
            outcome = ensure_demo(scale=scale, seed=opts["seed"], fresh=opts["fresh"],
                                  password=opts["password"],
                                  progress=progress_for(self.progress_stream(),
                                                        verbosity=verbosity))
        except DemoRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        if verbosity > 0:
            self.report(outcome, time.monotonic() - started, opts["password"])
        if not opts["no_serve"]:
            self.serve()

    def progress_stream(self) -> TextIO:
        # The raw stream, not Django's OutputWrapper: that one appends a newline to every
        # write, which breaks tqdm's in-place redraws.
        return getattr(self.stderr, "_out", sys.stderr)

    def migrate_if_needed(self, verbosity: int) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            if verbosity > 0:
                self.stdout.write("正在初始化数据库结构……")
            call_command("migrate", interactive=False, verbosity=0)

    def report(self, outcome: DemoOutcome, seconds: float, password: str) -> None:
        scale = SCALES[outcome.scale]
        if outcome.built:
            self.stdout.write(self.style.SUCCESS(
                f"演示数据已生成：{scale.label}，随机种子 {outcome.seed}，用时 {seconds:.1f} 秒。"))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"演示数据已存在（{scale.label}，随机种子 {outcome.seed}），未重新生成。"))
        counts = "，".join(f"{label} {outcome.counts[key]:,}"
                          for key, label in COUNT_LABELS.items() if key in outcome.counts)
        if counts:
            self.stdout.write(f"共有{counts}。")
        self.stdout.write("")
        self.stdout.write(login_table(outcome.logins, self.password_shown(outcome, password)))
        host = os.environ.get("EDUGOV_HOST", "127.0.0.1")
        port = os.environ.get("EDUGOV_PORT", "8000")
        self.stdout.write(f"\n服务启动后，在浏览器打开 http://{host}:{port}/ 用上表账号登录。")
        self.stdout.write("以上均为虚构的演示数据和演示密码，切勿用于生产环境。")

    @staticmethod
    def password_shown(outcome: DemoOutcome, password: str) -> str:
        if outcome.built:
            return password
        admin = User.objects.filter(username="admin").first()
        if admin is not None and admin.check_password(password):
            return password
        return "（生成时设置的密码）"

    def serve(self) -> None:
        if "serve" not in get_commands():
            raise CommandError("未找到 serve 命令；请改用 edugov runserver 启动服务。")
        call_command("serve")


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def login_table(logins: list[DemoLogin], password: str) -> str:
    rows = [("角色", "用户名", "密码", "管辖范围")]
    rows += [(login.role, login.username, password, login.scope) for login in logins]
    widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join([*(pad(cell, widths[i]) for i, cell in enumerate(row[:3])), row[3]])
             for row in rows]
    rule = "-" * (sum(widths) + 6 + max(display_width(row[3]) for row in rows))
    return "\n".join(["演示账号", rule, lines[0], rule, *lines[1:], rule])
