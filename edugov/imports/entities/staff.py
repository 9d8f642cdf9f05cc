"""Staff keyed by 身份证号, with their assignment (学校, 岗位, 任职开始日期).

An assignment is keyed by (教职工, 开始日期): re-importing the same start changes that
record; a later start closes the open assignment the day before, as
``registry.services.assign_staff`` does, and keeps ``Staff.current_institution`` and
``current_post`` in step with the open assignment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from edugov.imports import labels
from edugov.imports.bulk import Writer
from edugov.imports.entities.lookups import chunks, reachable_institution_ids, resolve_institutions
from edugov.imports.entities.students import id_number
from edugov.imports.pipeline import (
    INVALID,
    Column,
    Context,
    Importer,
    Plan,
    RowError,
    duplicate_errors,
    is_set,
)
from edugov.imports.rules import cells
from edugov.registry.choices import BackboneLevel, Establishment, Post, Title
from edugov.registry.models import Assignment, Staff
from edugov.registry.rules.identity import id_number_mismatch

POSTS = {**labels.POST, "校长": Post.PRINCIPAL.value, "园长": Post.PRINCIPAL.value}


class StaffRow(NamedTuple):
    row: int
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    phone: str | None
    education: str
    title: str | None
    certified: bool | None
    subject: str | None
    backbone_level: str | None
    establishment: str | None
    institution_code: str
    post: str
    start: dt.date


COLUMNS = (
    Column("身份证号", "id_number", id_number, required=True, width=22,
           note="18位，请以文本格式填写"),
    Column("姓名", "name", cells.max_length(64), required=True, width=10),
    Column("性别", "sex", cells.choice(labels.SEX, "性别"), required=True,
           choices=tuple(labels.SEX), width=6, note="须与身份证号一致"),
    Column("出生日期", "birth_date", cells.parse_date, required=True, kind="date",
           note="须与身份证号一致"),
    Column("手机号", "phone", cells.phone),
    Column("学历", "education", cells.choice(labels.EDUCATION, "学历"), required=True,
           choices=tuple(labels.EDUCATION), note="最高学历"),
    Column("职称", "title", cells.choice(labels.TITLE, "职称"), choices=tuple(labels.TITLE),
           note="空白为“未评”"),
    Column("教师资格", "certified", cells.flag, choices=("是", "否"), width=8,
           note="是否持有教师资格证，空白为“否”"),
    Column("任教学科", "subject", cells.choice(labels.SUBJECT, "任教学科"),
           choices=tuple(labels.SUBJECT), note="主要任教学科，非教学岗位可空白"),
    Column("骨干级别", "backbone_level", cells.choice(labels.BACKBONE, "骨干级别"),
           choices=tuple(labels.BACKBONE), width=8, note="空白为“无”"),
    Column("编制", "establishment", cells.choice(labels.ESTABLISHMENT, "编制情况"),
           choices=tuple(labels.ESTABLISHMENT), width=8, note="空白为“在编”"),
    Column("学校标识码", "institution_code", cells.digits((10,), "学校标识码"), required=True,
           note="现任职学校，须在您的管辖范围内"),
    Column("岗位", "post", cells.choice(POSTS, "岗位"), required=True,
           choices=tuple(labels.POST)),
    Column("任职开始日期", "start", cells.parse_date, required=True, kind="date",
           note="在该校担任该岗位的开始日期"),
)

STAFF_FIELDS = ("id_number", "name", "sex", "birth_date", "phone", "education", "title",
                "certified", "subject", "backbone_level", "establishment",
                "current_institution", "current_post")
#: An assignment as fetched: (id, institution id, post, start, end).
Held = tuple[int, int, str, dt.date, dt.date | None]


@dataclass
class StaffPlan:
    new_staff: list[tuple[Any, ...]] = field(default_factory=list)
    changed_staff: list[tuple[Any, ...]] = field(default_factory=list)
    #: (staff id or 身份证号 of new staff, institution, post, start)
    new_assignments: list[tuple[Any, int, str, dt.date]] = field(default_factory=list)
    changed_assignments: list[tuple[int, str, int]] = field(default_factory=list)
    closed_assignments: list[tuple[dt.date, int]] = field(default_factory=list)


def open_assignment(held: list[Held]) -> Held | None:
    return next((a for a in held if a[4] is None), None)


class StaffImporter(Importer):
    entity = "staff"
    label = "教职工"
    audit_entity = "registry.staff"
    columns = COLUMNS
    row_type = StaffRow

    def check_row(self, row: Any, ctx: Context) -> list[tuple[str, str]]:
        problems = []
        if row.id_number is not INVALID:
            if row.birth_date is not INVALID and id_number_mismatch(
                    row.id_number, sex=None, birth_date=row.birth_date):
                problems.append(("birth_date", "出生日期与身份证号不一致"))
            if row.sex is not INVALID and id_number_mismatch(row.id_number, sex=row.sex,
                                                             birth_date=None):
                problems.append(("sex", "性别与身份证号不一致"))
        if row.start is not INVALID and row.birth_date is not INVALID \
                and row.start <= row.birth_date:
            problems.append(("start", "任职开始日期应晚于出生日期"))
        return problems

    def check_rows(self, rows: Sequence[Any], ctx: Context) -> list[RowError]:
        errors = duplicate_errors(rows, "id_number", ctx, "身份证号")
        errors += resolve_institutions(rows, ctx)
        existing = existing_staff([r.id_number for r in rows if is_set(r.id_number)])
        held = assignments_of([s[0] for s in existing.values()])
        ctx.memo["staff"], ctx.memo["assignments"] = existing, held
        reachable = reachable_institution_ids(
            ctx, {s[-2] for s in existing.values() if s[-2] is not None})
        for row in rows:
            found = existing.get(row.id_number)
            if found is None:
                continue
            if found[-2] is not None and found[-2] not in reachable:
                errors.append(ctx.error(row.row, "id_number",
                                        "该教职工当前在管辖范围外的学校任职，请由原单位办理调动"))
            elif row.start is not INVALID:
                reason = start_conflict(held.get(found[0], []), row.start)
                if reason:
                    errors.append(ctx.error(row.row, "start", reason))
        return errors

    def plan(self, rows: Sequence[Any], ctx: Context) -> Plan:
        institutions: dict[str, int] = ctx.memo["institutions"]
        existing: dict[str, tuple[Any, ...]] = ctx.memo["staff"]
        held_by: dict[int, list[Held]] = ctx.memo["assignments"]
        work = StaffPlan()
        result = Plan(payload=work)
        for row in rows:
            institution = institutions[row.institution_code]
            person = (row.id_number, row.name, row.sex, row.birth_date, row.phone or "",
                      row.education, row.title or Title.NONE.value, bool(row.certified),
                      row.subject or "", row.backbone_level or BackboneLevel.NONE.value,
                      row.establishment or Establishment.ON.value)
            found = existing.get(row.id_number)
            if found is None:
                work.new_staff.append((*person, institution, row.post))
                work.new_assignments.append((row.id_number, institution, row.post, row.start))
                result.created += 1
                continue
            staff_id, held = found[0], held_by.get(found[0], [])
            current, assignment_changed = self._plan_assignment(
                work, staff_id, held, institution, row.post, row.start)
            values = (*person, *current)
            staff_changed = values != found[1:]
            if staff_changed:
                work.changed_staff.append((*values, staff_id))
            if staff_changed or assignment_changed:
                result.updated += 1
            else:
                result.unchanged += 1
        return result

    @staticmethod
    def _plan_assignment(work: StaffPlan, staff_id: int, held: list[Held], institution: int,
                         post: str, start: dt.date) -> tuple[tuple[int | None, str], bool]:
        """Plan the assignment change; return the staff's (current school, post) after it."""
        same_start = next((a for a in held if a[3] == start), None)
        opened = open_assignment(held)
        if same_start is None:
            if opened is not None:
                work.closed_assignments.append((start - dt.timedelta(days=1), opened[0]))
            work.new_assignments.append((staff_id, institution, post, start))
            return (institution, post), True
        changed = (same_start[1], same_start[2]) != (institution, post)
        if changed:
            work.changed_assignments.append((institution, post, same_start[0]))
        if same_start[4] is None:
            return (institution, post), changed
        if opened is not None:
            return (opened[1], opened[2]), changed
        return (None, ""), changed

    def write(self, plan: Plan, ctx: Context) -> None:
        work: StaffPlan = plan.payload
        staff = Writer(Staff, STAFF_FIELDS)
        ids = dict((number, pk) for pk, number in staff.insert(work.new_staff,
                                                               returning="id_number"))
        staff.update(work.changed_staff, touch="updated_at")
        # Close before opening: one open assignment per person is a database constraint.
        Writer(Assignment, ("end",)).update(work.closed_assignments)
        Writer(Assignment, ("institution", "post")).update(work.changed_assignments)
        Writer(Assignment, ("staff", "institution", "post", "start", "end")).insert(
            [(ids[who] if isinstance(who, str) else who, institution, post, start, None)
             for who, institution, post, start in work.new_assignments])


def start_conflict(held: list[Held], start: dt.date) -> str | None:
    """Why a new assignment starting on ``start`` cannot follow the person's history."""
    if any(a[3] == start for a in held):
        return None
    opened = open_assignment(held)
    if opened is not None and opened[3] > start:
        return f"任职开始日期早于该教职工现任职的开始日期（{opened[3].isoformat()}）"
    if any(a[4] is not None and a[4] >= start for a in held):
        return "任职开始日期与已有任职记录重叠"
    return None


def existing_staff(numbers: list[str]) -> dict[str, tuple[Any, ...]]:
    """身份证号 → (id, *STAFF_FIELDS with ids for the school)."""
    columns = ("id", *STAFF_FIELDS[:-2], "current_institution_id", "current_post")
    found: dict[str, tuple[Any, ...]] = {}
    for batch in chunks(numbers):
        for values in Staff.objects.filter(id_number__in=batch).values_list(*columns):
            found[values[1]] = values
    return found


def assignments_of(staff_ids: list[int]) -> dict[int, list[Held]]:
    held: dict[int, list[Held]] = {}
    for batch in chunks(staff_ids):
        for staff_id, *values in Assignment.objects.filter(staff_id__in=batch).values_list(
                "staff_id", "id", "institution_id", "post", "start", "end"):
            held.setdefault(staff_id, []).append(tuple(values))  # type: ignore[arg-type]
    return held
