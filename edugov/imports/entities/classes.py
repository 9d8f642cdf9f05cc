"""Classes of one academic year keyed by (学校, 年级, 班号), with an optional 班主任."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from edugov.imports import labels
from edugov.imports.bulk import Writer
from edugov.imports.entities.lookups import chunks, resolve_institutions
from edugov.imports.entities.students import id_number
from edugov.imports.pipeline import Column, Context, Importer, Plan, RowError, is_set
from edugov.imports.rules import cells
from edugov.imports.rules.cells import rows_phrase
from edugov.registry.models import SchoolClass, Staff


class ClassRow(NamedTuple):
    row: int
    institution_code: str
    grade: int
    number: int
    name: str | None
    head_teacher_id_number: str | None


COLUMNS = (
    Column("学校标识码", "institution_code", cells.digits((10,), "学校标识码"), required=True,
           note="10位，须在您的管辖范围内"),
    Column("年级", "grade", cells.grade(labels.GRADE, *labels.GRADE_RANGE), required=True,
           choices=tuple(labels.GRADE_LABEL.values()), width=8,
           note="1–12或“一年级”…“高三”；幼儿园：小班/中班/大班"),
    Column("班号", "number", cells.class_number, required=True, width=6, note="年级内的班号"),
    Column("班级名称", "name", cells.max_length(32), note="可空白，如“三年级（2）班”"),
    Column("班主任身份证号", "head_teacher_id_number", id_number, width=22,
           note="可空白；须为本校在职教职工"),
)

CLASS_FIELDS = ("institution", "academic_year", "grade", "number", "name", "head_teacher")


class ClassImporter(Importer):
    entity = "classes"
    label = "班级"
    audit_entity = "registry.schoolclass"
    columns = COLUMNS
    row_type = ClassRow
    needs_year = True

    def check_rows(self, rows: Sequence[Any], ctx: Context) -> list[RowError]:
        errors = resolve_institutions(rows, ctx)
        errors += self._duplicates(rows, ctx)
        institutions: dict[str, int] = ctx.memo["institutions"]
        teachers = staff_by_id_number(
            [r.head_teacher_id_number for r in rows if is_set(r.head_teacher_id_number)])
        ctx.memo["teachers"] = teachers
        for row in rows:
            number = row.head_teacher_id_number
            if not is_set(number) or row.institution_code not in institutions:
                continue
            teacher = teachers.get(number)
            if teacher is None or teacher[1] != institutions[row.institution_code]:
                errors.append(ctx.error(row.row, "head_teacher_id_number",
                                        "班主任身份证号未找到对应的本校在职教职工"))
        return errors

    @staticmethod
    def _duplicates(rows: Sequence[Any], ctx: Context) -> list[RowError]:
        seen: dict[tuple[str, int, int], list[int]] = {}
        for row in rows:
            key = (row.institution_code, row.grade, row.number)
            if all(is_set(k) for k in key):
                seen.setdefault(key, []).append(row.row)
        errors: list[RowError] = []
        for numbers in seen.values():
            if len(numbers) > 1:
                reason = f"同一学校、年级的班号在文件中重复出现（{rows_phrase(numbers)}）"
                errors.extend(ctx.error(n, "number", reason) for n in numbers)
        return errors

    def plan(self, rows: Sequence[Any], ctx: Context) -> Plan:
        assert ctx.year is not None
        institutions: dict[str, int] = ctx.memo["institutions"]
        teachers: dict[str, tuple[int, int | None]] = ctx.memo["teachers"]
        existing = existing_classes(ctx.year.pk, set(institutions.values()))
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        result = Plan(payload=(new, changed))
        for row in rows:
            institution = institutions[row.institution_code]
            teacher = (teachers[row.head_teacher_id_number][0]
                       if row.head_teacher_id_number else None)
            values = (row.name or "", teacher)
            found = existing.get((institution, row.grade, row.number))
            if found is None:
                new.append((institution, ctx.year.pk, row.grade, row.number, *values))
                result.created += 1
            elif found[1:] != values:
                changed.append((*values, found[0]))
                result.updated += 1
            else:
                result.unchanged += 1
        return result

    def write(self, plan: Plan, ctx: Context) -> None:
        new, changed = plan.payload
        Writer(SchoolClass, CLASS_FIELDS).insert(new)
        Writer(SchoolClass, ("name", "head_teacher")).update(changed)


def staff_by_id_number(numbers: list[str]) -> dict[str, tuple[int, int | None]]:
    """身份证号 → (staff id, current institution id)."""
    found: dict[str, tuple[int, int | None]] = {}
    for batch in chunks(numbers):
        for pk, number, institution in Staff.objects.filter(id_number__in=batch).values_list(
                "id", "id_number", "current_institution_id"):
            found[number] = (pk, institution)
    return found


def existing_classes(year_id: int,
                     institution_ids: set[int]) -> dict[tuple[int, int, int], tuple[Any, ...]]:
    """(institution, grade, number) → (id, name, head teacher id)."""
    found: dict[tuple[int, int, int], tuple[Any, ...]] = {}
    for batch in chunks(sorted(institution_ids)):
        for pk, institution, grade, number, name, teacher in SchoolClass.objects.filter(
                academic_year_id=year_id, institution_id__in=batch).values_list(
                "id", "institution_id", "grade", "number", "name", "head_teacher_id"):
            found[(institution, grade, number)] = (pk, name, teacher)
    return found
