"""Students with their enrolment in one academic year, keyed by 学籍号.

The volume case (a city's 300,000 students in one workbook): existing rows are fetched in
batches by key, compared in Python, and only new or changed rows are written, through
:mod:`edugov.imports.bulk`. Classes named by (学校, 年级, 班号) are found or created.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from edugov.imports import labels
from edugov.imports.bulk import (
    KEYS_PER_STATEMENT,
    Writer,
    date_values,
    reserve_ids,
    select_in,
)
from edugov.imports.entities.lookups import (
    chunks,
    institutions_by_code,
    reachable_institution_ids,
    resolve_institutions,
)
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
from edugov.imports.rules import cells, vector
from edugov.registry.choices import EnrolmentStatus
from edugov.registry.models import Enrolment, SchoolClass, Student
from edugov.registry.rules.identity import (
    MALE,
    check_characters,
    digit_dates,
    digit_values,
    id_number_error,
    id_number_mismatch,
    id_numbers_checked,
    student_no_error,
)


class StudentRow(NamedTuple):
    row: int
    student_no: str
    name: str
    sex: str
    birth_date: dt.date
    id_number: str | None
    institution_code: str
    grade: int
    class_number: int | None
    hukou_type: str
    hukou_region_code: str | None
    address: str | None
    entry_date: dt.date | None


def id_number(value: Any) -> str:
    number = cells.identity_text(value)
    error = id_number_error(number)
    if error:
        raise cells.CellError(error)
    return number


def id_number_twin(column: pa.Array) -> vector.Parsed:
    """:func:`id_number` over a column: 18 upper-cased ASCII characters passing every check."""
    strings, ok = vector.text(upper=True)(column)
    if not ok.any():
        return strings, ok
    ok &= vector.mask(pc.match_substring_regex(strings, r"^[0-9]{17}[0-9X]$"))
    if ok.any():
        picked = np.flatnonzero(ok)
        codes = vector.fixed_width_bytes(strings.take(picked), 18)
        assert codes is not None  # the pattern above fixed the width
        ok[picked] &= id_numbers_checked(codes)[0]
    return strings, ok


COLUMNS = (
    Column("学籍号", "student_no", cells.identity_text, required=True, width=22,
           note="19位：G+身份证号，或J/L开头的19位编号", fast=vector.text(upper=True)),
    Column("姓名", "name", cells.max_length(64), required=True, width=10,
           fast=vector.text(64)),
    Column("性别", "sex", cells.choice(labels.SEX, "性别"), required=True,
           choices=tuple(labels.SEX), width=6, note="须与身份证号一致",
           fast=vector.choice(labels.SEX)),
    Column("出生日期", "birth_date", cells.parse_date, required=True, kind="date",
           note="Excel日期或YYYY-MM-DD，须与身份证号一致", fast=vector.date),
    Column("身份证号", "id_number", id_number, width=22, note="18位，请以文本格式填写",
           fast=id_number_twin),
    Column("学校标识码", "institution_code", cells.digits((10,), "学校标识码"), required=True,
           note="10位，须在您的管辖范围内", fast=vector.digits((10,))),
    Column("年级", "grade", cells.grade(labels.GRADE, *labels.GRADE_RANGE), required=True,
           choices=tuple(labels.GRADE_LABEL.values()), width=8,
           note="1–12或“一年级”…“高三”；幼儿园：小班/中班/大班",
           fast=vector.integer_in(*labels.GRADE_RANGE, labels=labels.GRADE)),
    Column("班级", "class_number", cells.class_number, width=6,
           note="年级内的班号，如 3 表示3班；班级不存在时自动创建",
           fast=vector.integer_in(1, 99)),
    Column("户籍类型", "hukou_type", cells.choice(labels.HUKOU, "户籍类型"), required=True,
           choices=tuple(labels.HUKOU), width=8, fast=vector.choice(labels.HUKOU)),
    Column("户籍所在地代码", "hukou_region_code", cells.digits((6, 9, 12), "户籍所在地代码"),
           note="6、9或12位行政区划代码", fast=vector.digits((6, 9, 12))),
    Column("现住址", "address", cells.max_length(255), width=30, fast=vector.text(255)),
    Column("入学日期", "entry_date", cells.parse_date, kind="date", fast=vector.date),
)

#: Student columns compared and written, in this order (after the id when fetched).
STUDENT_FIELDS = ("student_no", "id_number", "name", "sex", "birth_date", "hukou_type",
                  "hukou_region_code", "address", "current_institution")
ENROLMENT_FIELDS = ("institution", "grade", "school_class", "status", "entry_date")
ClassKey = tuple[int, int, int]
#: A class the import will create: no existing enrolment can point at it yet.
NEW_CLASS = object()


@dataclass
class StudentPlan:
    new_students: list[tuple[Any, ...]] = field(default_factory=list)
    changed_students: list[tuple[Any, ...]] = field(default_factory=list)
    #: (student id or 学籍号 of a new student, enrolment values with a ClassKey, enrolment id)
    enrolments: list[tuple[Any, tuple[Any, ...], int | None]] = field(default_factory=list)
    classes: dict[ClassKey, int] = field(default_factory=dict)
    new_classes: set[ClassKey] = field(default_factory=set)


@dataclass
class NewStudentColumns:
    """A file of new students only, planned column by column in 学籍号 order."""

    #: STUDENT_FIELDS order, each a list (current_institution last).
    students: list[list[Any]]
    grades: list[int]
    entry_dates: list[Any]
    #: Distinct (institution, grade, class number) the file names, and per row the index
    #: into them (-1: no class given).
    class_keys: list[ClassKey]
    class_of_row: np.ndarray
    known_classes: dict[ClassKey, int]

    @property
    def new_classes(self) -> set[ClassKey]:
        return set(self.class_keys) - self.known_classes.keys()


class StudentImporter(Importer):
    entity = "students"
    label = "学生"
    audit_entity = "registry.student"
    columns = COLUMNS
    row_type = StudentRow
    needs_year = True
    unique_keys = ("student_no", "id_number")

    def check_row(self, row: Any, ctx: Context) -> list[tuple[str, str]]:
        problems = []
        number = row.id_number if is_set(row.id_number) else None
        student_no = row.student_no
        # "G" + an ID number already checked in its own column needs no second check.
        if student_no is not INVALID and not (number and student_no[1:] == number
                                              and student_no[0] == "G"):
            error = student_no_error(student_no, id_number=number)
            if error:
                problems.append(("student_no", error))
        if number is not None:
            if row.birth_date is not INVALID and id_number_mismatch(
                    number, sex=None, birth_date=row.birth_date):
                problems.append(("birth_date", "出生日期与身份证号不一致"))
            if row.sex is not INVALID and id_number_mismatch(number, sex=row.sex,
                                                             birth_date=None):
                problems.append(("sex", "性别与身份证号不一致"))
        if is_set(row.entry_date) and row.birth_date is not INVALID \
                and row.entry_date <= row.birth_date:
            problems.append(("entry_date", "入学日期应晚于出生日期"))
        return problems

    def check_columns(self, values: dict[str, pa.Array]) -> np.ndarray | None:
        """check_row over whole columns of cells the twins accepted, for the fast path."""
        student_nos = vector.fixed_width_bytes(values["student_no"], 19)
        numbers = values["id_number"]
        if student_nos is None or 0 < numbers.null_count < len(numbers):
            return None  # odd shapes, or some rows with 身份证号 and some without: row path
        prefix, body = student_nos[:, 0], student_nos[:, 1:]
        g_rows = prefix == ord("G")
        ok = np.isin(prefix, np.frombuffer(b"GJL", dtype=np.uint8))
        births = values["birth_date"].to_numpy(zero_copy_only=False)
        if numbers.null_count == 0:
            ids = vector.fixed_width_bytes(numbers, 18)
            if ids is None:
                return None
            valid, id_births, male = id_numbers_checked(ids)
            ok &= valid & (id_births == births)
            ok &= male == vector.mask(pc.equal(values["sex"], MALE))
            # G + the row's own (valid) 身份证号 is a well-formed 学籍号.
            ok &= ~g_rows | (body == ids).all(1)
        else:
            ok &= ~g_rows | id_numbers_checked(body)[0]
        coded = ~g_rows
        if coded.any():
            ok[coded] &= _coded_numbers_valid(body[coded], prefix[coded] == ord("J"))
        entries = values["entry_date"]
        if entries.null_count < len(entries):
            entered = pc.fill_null(entries, dt.date.max).to_numpy(zero_copy_only=False)
            ok &= entered > births
        return ok

    def check_rows(self, rows: Sequence[Any], ctx: Context) -> list[RowError]:
        errors = duplicate_errors(rows, "student_no", ctx, "学籍号")
        errors += duplicate_errors(rows, "id_number", ctx, "身份证号")
        errors += resolve_institutions(rows, ctx)
        errors += self._conflicts_with_existing(rows, ctx)
        return errors

    def _conflicts_with_existing(self, rows: Sequence[Any], ctx: Context) -> list[RowError]:
        """学籍号/身份证号 held by another student, or a student enrolled out of reach."""
        by_no, by_id = existing_students(rows)
        ctx.memo["students"] = by_no
        if not by_no and not by_id:
            return []  # all new (a first import): nothing to conflict with
        elsewhere = {s[-1] for s in by_no.values() if s[-1] is not None}
        reachable = reachable_institution_ids(ctx, elsewhere)
        errors = []
        for row in rows:
            found = by_no.get(row.student_no)
            number = row.id_number if is_set(row.id_number) else None
            if found is not None:
                if number and found[2] and found[2] != number:
                    errors.append(ctx.error(row.row, "student_no",
                                            "学籍号已属于另一名学生（身份证号不一致）"))
                elif found[-1] is not None and found[-1] not in reachable:
                    errors.append(ctx.error(row.row, "student_no",
                                            "该学生当前在管辖范围外的学校就读，请先办理转学"))
            holder = by_id.get(number) if number else None
            if holder is not None and holder != row.student_no:
                errors.append(ctx.error(row.row, "id_number", "身份证号已被另一名学生使用"))
        return errors

    def plan_columns(self, values: dict[str, pa.Array], ctx: Context) -> Plan | None:
        """All-new files (a first import, a new intake) planned without row objects;
        None when a school is unknown or any student exists (the row path handles those)."""
        assert ctx.year is not None
        codes = pc.unique(values["institution_code"]).to_pylist()
        institutions = institutions_by_code(ctx, codes)
        if len(institutions) != len(codes):
            return None
        order = pc.sort_indices(values["student_no"])
        column = {key: array.take(order) for key, array in values.items()}
        # Converted once: the lookup below and the INSERTs both need them as Python str.
        numbers, ids = column["student_no"].to_pylist(), column["id_number"].to_pylist()
        if _any_existing(numbers, [n for n in ids if n is not None]):
            return None
        school_ids = np.array([institutions[c] for c in codes], dtype=np.int64)[
            pc.index_in(column["institution_code"], value_set=pa.array(codes)).to_numpy()]
        grades = column["grade"].to_numpy(zero_copy_only=False).astype(np.int64)
        class_keys, class_of_row = _class_keys(school_ids, grades, column["class_number"])
        schools = school_ids.tolist()
        work = NewStudentColumns(
            students=[numbers, ids,
                      column["name"].to_pylist(), column["sex"].to_pylist(),
                      date_values(column["birth_date"]), column["hukou_type"].to_pylist(),
                      pc.fill_null(column["hukou_region_code"], "").to_pylist(),
                      pc.fill_null(column["address"], "").to_pylist(), schools],
            grades=grades.tolist(), entry_dates=date_values(column["entry_date"]),
            class_keys=class_keys, class_of_row=class_of_row,
            known_classes=existing_classes(ctx.year.pk, set(institutions.values())))
        plan = Plan(created=len(schools), payload=work)
        plan.extra["classes_created"] = len(work.new_classes)
        return plan

    def plan(self, rows: Sequence[Any], ctx: Context) -> Plan:
        assert ctx.year is not None
        institutions: dict[str, int] = ctx.memo["institutions"]
        existing: dict[str, tuple[Any, ...]] = ctx.memo["students"]
        year_is_current = ctx.year.is_current
        enrolled = existing_enrolments(ctx.year.pk, [s[0] for s in existing.values()])
        plan = StudentPlan(classes=existing_classes(ctx.year.pk, set(institutions.values())))
        result = Plan(payload=plan)
        active = EnrolmentStatus.ACTIVE.value
        known_classes, new_classes = plan.classes, plan.new_classes
        add_student, add_enrolment = plan.new_students.append, plan.enrolments.append
        # Unpacked, not row.attribute: this loop runs once per row of a 300,000-row file.
        for (_, student_no, name, sex, birth, id_number, code, grade, class_number, hukou,
             region, address, entry) in rows:
            institution = institutions[code]
            class_key = (institution, grade, class_number) if class_number is not None else None
            if class_key is not None and class_key not in known_classes:
                new_classes.add(class_key)
            enrolment = (institution, grade, class_key, active, entry)
            found = existing.get(student_no)
            if found is None:
                add_student((student_no, id_number, name, sex, birth, hukou, region or "",
                             address or "", institution))
                add_enrolment((student_no, enrolment, None))
                result.created += 1
                continue
            student_id = found[0]
            # A past year's list must not move a student's current school; a blank
            # 身份证号 cell never erases a number already on record.
            current = institution if year_is_current or found[-1] is None else found[-1]
            values = (student_no, id_number or found[2], name, sex, birth, hukou, region or "",
                      address or "", current)
            student_changed = values != found[1:]
            if student_changed:
                plan.changed_students.append((*values, student_id))
            old = enrolled.get(student_id)
            class_id = None if class_key is None else known_classes.get(class_key, NEW_CLASS)
            enrolment_changed = old is None or old[1:] != (
                institution, grade, class_id, active, entry)
            if enrolment_changed:
                add_enrolment((student_id, enrolment, old[0] if old else None))
            if student_changed or enrolment_changed:
                result.updated += 1
            else:
                result.unchanged += 1
        result.extra["classes_created"] = len(plan.new_classes)
        return result

    def write(self, plan: Plan, ctx: Context) -> None:
        assert ctx.year is not None
        if isinstance(plan.payload, NewStudentColumns):
            self._write_columns(plan.payload, ctx.year.pk)
            return
        work: StudentPlan = plan.payload
        classes = create_classes(ctx.year.pk, work.new_classes, work.classes)
        # In 学籍号 order, the unique index grows at its end instead of splitting pages;
        # ids reserved up front spare fetching 300,000 RETURNING rows.
        new_students = sorted(work.new_students)
        reserved = reserve_ids(Student, len(new_students))
        ids = dict(zip((s[0] for s in new_students), reserved, strict=True))
        inserts, updates = [], []
        year = ctx.year.pk
        for who, (institution, grade, class_key, status, entry), enrolment_id in work.enrolments:
            student_id = ids[who] if isinstance(who, str) else who
            school_class = classes[class_key] if class_key is not None else None
            values = (student_id, year, institution, grade, school_class, status, entry)
            if enrolment_id is None:
                inserts.append(values)
            else:
                updates.append((*values, enrolment_id))
        # In student order too: the (student, year) indexes then grow at their end.
        inserts.sort(key=itemgetter(0))
        Writer(Student, STUDENT_FIELDS).insert(new_students, ids=reserved)
        Writer(Enrolment, ("student", "academic_year", *ENROLMENT_FIELDS)).insert(inserts)
        Writer(Student, STUDENT_FIELDS).update(work.changed_students, touch="updated_at")
        Writer(Enrolment, ("student", "academic_year", *ENROLMENT_FIELDS)).update(updates)


    def _write_columns(self, work: NewStudentColumns, year: int) -> None:
        classes = create_classes(year, work.new_classes, work.known_classes)
        class_ids: list[int | None] = [None] * len(work.grades)
        if work.class_keys:
            ids_by_key = np.array([classes[k] for k in work.class_keys], dtype=np.int64)
            given = np.flatnonzero(work.class_of_row >= 0)
            for row, pk in zip(given.tolist(), ids_by_key[work.class_of_row[given]].tolist(),
                               strict=True):
                class_ids[row] = pk
        count = len(work.grades)
        # Already in 学籍号 order: the unique indexes grow at their end.
        students = reserve_ids(Student, count)
        Writer(Student, STUDENT_FIELDS).insert_columns(work.students, ids=students)
        Writer(Enrolment, ("student", "academic_year", *ENROLMENT_FIELDS)).insert_columns([
            students, [year] * count, work.students[-1], work.grades, class_ids,
            [EnrolmentStatus.ACTIVE.value] * count, work.entry_dates])


def _any_existing(numbers: list[str], ids: list[str]) -> bool:
    """Whether any of these 学籍号 or 身份证号 is already on record."""
    for start in range(0, max(len(numbers), len(ids)), KEYS_PER_STATEMENT):
        end = start + KEYS_PER_STATEMENT
        if select_in(Student, ("id",), {"student_no": numbers[start:end],
                                        "id_number": ids[start:end]}):
            return True
    return False


def _class_keys(schools: np.ndarray, grades: np.ndarray,
                numbers: pa.Array) -> tuple[list[ClassKey], np.ndarray]:
    """Distinct (institution, grade, class) keys and, per row, its key's index (-1: none)."""
    given = ~vector.nulls(numbers)
    class_of_row = np.full(len(grades), -1, dtype=np.int64)
    if not given.any():
        return [], class_of_row
    classes = pc.fill_null(numbers, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    triples = np.stack([schools[given], grades[given], classes[given]], axis=1)
    unique, inverse = np.unique(triples, axis=0, return_inverse=True)
    class_of_row[given] = inverse.reshape(-1)
    return [(int(i), int(g), int(n)) for i, g, n in unique.tolist()], class_of_row


def _coded_numbers_valid(body: np.ndarray, j_rows: np.ndarray) -> np.ndarray:
    """student_no_error's verdict for J/L 学籍号 bodies (18 digit bytes): digits only, a
    real date in positions 7–14, and for J the MOD 11-2 check digit."""
    digits, numeric = digit_values(body)
    digits = np.where(numeric[:, None], digits, 0)
    _, dated = digit_dates(digits[:, 6:14])
    return numeric & dated & (~j_rows | (body[:, 17] == check_characters(digits[:, :17])))


def existing_students(rows: Sequence[Any]) -> tuple[dict[str, tuple[Any, ...]], dict[str, str]]:
    """Students sharing a 学籍号 or 身份证号 with the file: by 学籍号, and 身份证号 → 学籍号."""
    by_no: dict[str, tuple[Any, ...]] = {}
    by_id: dict[str, str] = {}
    for batch in chunks(rows, KEYS_PER_STATEMENT):
        # A parsed key is a str; INVALID and None are not (cheaper than is_set per row).
        numbers = [r.student_no for r in batch if r.student_no.__class__ is str]
        ids = [r.id_number for r in batch if r.id_number.__class__ is str]
        for found in select_in(Student, ("id", *STUDENT_FIELDS),
                               {"student_no": numbers, "id_number": ids}):
            by_no[found[1]] = found
            if found[2]:
                by_id[found[2]] = found[1]
    return by_no, by_id


def existing_enrolments(year_id: int, student_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """student id → (enrolment id, institution, grade, class, status, entry date)."""
    found: dict[int, tuple[Any, ...]] = {}
    for batch in chunks(student_ids, KEYS_PER_STATEMENT):
        for pk, student, *values in select_in(
                Enrolment, ("id", "student", "institution", "grade", "school_class", "status",
                            "entry_date"), {"student": batch}, where={"academic_year": year_id}):
            found[student] = (pk, *values)
    return found


def existing_classes(year_id: int, institution_ids: set[int]) -> dict[ClassKey, int]:
    found: dict[ClassKey, int] = {}
    for batch in chunks(sorted(institution_ids)):
        for pk, institution, grade, number in SchoolClass.objects.filter(
                academic_year_id=year_id, institution_id__in=batch).values_list(
                "id", "institution_id", "grade", "number"):
            found[(institution, grade, number)] = pk
    return found


def create_classes(year_id: int, keys: set[ClassKey],
                   known: dict[ClassKey, int]) -> dict[ClassKey, int]:
    """Create the classes the file names but the year lacks; all class ids by key."""
    if not keys:
        return known
    Writer(SchoolClass, ("institution", "academic_year", "grade", "number")).insert(
        [(i, year_id, g, n) for i, g, n in sorted(keys)])
    return {**known, **existing_classes(year_id, {k[0] for k in keys})}
