"""edugov safety_daily: escalate overdue hazards and missed inspections, remind owners of
approaching deadlines, and send county staff their daily digest (run once a day by cron)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from edugov.safety import services


class Command(BaseCommand):
    help = "校园安全每日任务：逾期升级、到期提醒、县区日报。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="ISO time to run as (tests and replays)")

    def handle(self, *args: Any, **opts: Any) -> None:
        now = dt.datetime.fromisoformat(opts["now"]) if opts.get("now") else timezone.now()
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
        moved = services.escalate_overdue(now=now)
        reminded = services.remind_approaching(now=now)
        digests = services.daily_digest(now=now)
        self.stdout.write(f"升级隐患 {moved['hazards']} 条，逾期未检 {moved['inspections']} 次，"
                          f"到期提醒 {reminded} 条，日报 {digests} 份")
