"""The workforce's spreadsheet imports, on the shared import pipeline (``edugov.imports``).

* 禁止从教人员名单 (the barred list): 身份证号, 姓名, 禁止从教原因, 信息来源 — imported by a
  bureau; keyed by 身份证号 (a later file updates the name, reason and source).
* 培训学时 (the training ledger) from providers: 身份证号, 姓名, 课程名称, 学时, 培训级别,
  完成日期, 培训机构 — keyed by (teacher, course, date); the teacher must be in the
  importer's jurisdiction and the name must match the registry.

Both are all-or-nothing: every row is checked first, and nothing is written unless every
row is valid (``services`` wraps the write in one transaction with one audit row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from edugov.core.scoping import visible_to
from edugov.imports.entities.lookups import chunks
from edugov.imports.entities.students import id_number
from edugov.imports.pipeline import (
    Column,
    Context,
    Importer,
    Plan,
    RowError,
    duplicate_errors,
    is_set,
)
from edugov.imports.rules import cells
from edugov.registry.models import Staff
from edugov.workforce.models import BarredPerson, TrainingRecord
from edugov.workforce.rules.training import LEVELS, TrainingRules

# --- the barred list ------------------------------------------------------------------------


class BarredRow(NamedTuple):
    row: int
    id_number: str
    name: str
    reason: str
    source: str


class BarredImporter(Importer):
    entity = "barred"
    label = "禁止从教人员名单"
    audit_entity = "workforce.barredperson"
    row_type = BarredRow
    columns = (
        Column("身份证号", "id_number", id_number, required=True, width=22,
               note="18位，请以文本格式填写"),
        Column("姓名", "name", cells.max_length(64), required=True),
        Column("禁止从教原因", "reason", cells.max_length(255), required=True, width=30),
        Column("信息来源", "source", cells.max_length(128), required=True, width=24,
               note="如：法院判决书文号、教师资格撤销决定文号"),
    )

    def check_rows(self, rows: Sequence[Any], ctx: Context) -> list[RowError]:
        return duplicate_errors(rows, "id_number", ctx, "身份证号")

    def plan(self, rows: Sequence[Any], ctx: Context) -> Plan:
        existing: dict[str, tuple[str, str, str]] = {}
        for batch in chunks(r.id_number for r in rows):
            existing.update((n, (name, reason, source)) for n, name, reason, source in
                            BarredPerson.objects.filter(id_number__in=batch).values_list(
                                "id_number", "name", "reason", "source"))
        plan = Plan(payload=rows)
        for r in rows:
            before = existing.get(r.id_number)
            if before is None:
                plan.created += 1
            elif before == (r.name, r.reason, r.source):
                plan.unchanged += 1
            else:
                plan.updated += 1
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        region = ctx.memo["region"]
        for r in plan.payload:
            BarredPerson.objects.update_or_create(
                id_number=r.id_number,
                defaults={"name": r.name, "reason": r.reason, "source": r.source,
                          "region": region, "imported_by": ctx.actor})


# --- training hours -------------------------------------------------------------------------


class TrainingRow(NamedTuple):
    row: int
    id_number: str
    name: str
    course: str
    hours: Decimal
    level: str
    date: dt.date
    provider: str


LEVEL_BY_LABEL = {label: code for code, label in LEVELS.items()}


def positive_hours(value: Any) -> Decimal:
    hours = cells.amount(6, 1)(value)
    if hours <= 0:
        raise cells.CellError("学时应大于0")
    return hours


class TrainingImporter(Importer):
    entity = "training"
    label = "培训学时"
    audit_entity = "workforce.trainingrecord"
    row_type = TrainingRow
    columns = (
        Column("身份证号", "id_number", id_number, required=True, width=22,
               note="教师身份证号，18位，请以文本格式填写"),
        Column("姓名", "name", cells.max_length(64), required=True, note="须与教职工档案一致"),
        Column("课程名称", "course", cells.max_length(128), required=True, width=30),
        Column("学时", "hours", positive_hours, required=True, width=8),
        Column("培训级别", "level", cells.choice(LEVEL_BY_LABEL, "培训级别"), required=True,
               choices=tuple(LEVEL_BY_LABEL)),
        Column("完成日期", "date", cells.parse_date, required=True, kind="date"),
        Column("培训机构", "provider", cells.max_length(128), required=True, width=24),
    )

    def __init__(self, rules: TrainingRules | None = None, today: dt.date | None = None):
        self.rules = rules or TrainingRules()
        self.today = today or dt.date.today()

    def check_row(self, row: Any, ctx: Context) -> list[tuple[str, str]]:
        problems = []
        if is_set(row.date) and row.date > self.today:
            problems.append(("date", "完成日期不能晚于今天"))
        limit = self.rules.max_hours_per_record
        if is_set(row.hours) and row.hours > Decimal(str(limit)):
            problems.append(("hours", f"单条记录学时不能超过{limit:g}"))
        return problems

    def check_rows(self, rows: Sequence[Any], ctx: Context) -> list[RowError]:
        keys = [(r.id_number, r.course, r.date) if is_set(r.id_number) and is_set(r.course)
                and is_set(r.date) else None for r in rows]
        keyed = [r._replace(id_number=k) for r, k in zip(rows, keys, strict=True)]
        errors = duplicate_errors(keyed, "id_number", ctx, "同一教师同一课程同一日期的记录")
        staff: dict[str, tuple[int, str]] = {}
        numbers = {r.id_number for r in rows if is_set(r.id_number)}
        for batch in chunks(sorted(numbers)):
            staff.update((n, (pk, name)) for pk, n, name in visible_to(
                ctx.actor, Staff.objects.filter(id_number__in=batch)).values_list(
                    "pk", "id_number", "name"))
        ctx.memo["staff"] = staff
        for r in rows:
            if not is_set(r.id_number):
                continue
            found = staff.get(r.id_number)
            if found is None:
                errors.append(ctx.error(r.row, "id_number", "教职工档案中无此人或不在管辖范围内"))
            elif is_set(r.name) and r.name != found[1]:
                errors.append(ctx.error(r.row, "name", f"姓名与教职工档案（{found[1]}）不一致"))
        return errors

    def plan(self, rows: Sequence[Any], ctx: Context) -> Plan:
        staff = ctx.memo["staff"]
        ids = {staff[r.id_number][0] for r in rows}
        existing = {(s, c, d): (h, lv, p) for s, c, d, h, lv, p in
                    TrainingRecord.objects.filter(staff_id__in=ids).values_list(
                        "staff_id", "course", "date", "hours", "level", "provider")}
        plan = Plan(payload=[])
        for r in rows:
            key = (staff[r.id_number][0], r.course, r.date)
            before = existing.get(key)
            if before is None:
                plan.created += 1
            elif before == (r.hours, r.level, r.provider):
                plan.unchanged += 1
                continue
            else:
                plan.updated += 1
            plan.payload.append((key, r))
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        for (staff, course, date), r in plan.payload:
            TrainingRecord.objects.update_or_create(
                staff_id=staff, course=course, date=date,
                defaults={"hours": r.hours, "level": r.level, "provider": r.provider,
                          "imported_by": ctx.actor})
