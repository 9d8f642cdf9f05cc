"""Every write of the health app: imports of fitness results and screenings, follow-ups.

``import_fitness`` / ``import_vision`` read a school's annual file, validate every row
(cells, the grade band's required items, the registry: unknown 学籍号, a student not in
that school or grade this year), score or classify the whole file at once with the
vectorised rules, and write in one transaction with one audit row — nothing when any row
is bad unless ``skip_invalid``. ``actor`` is the acting user, or None for the operator at
the command line (full scope). Failing or myopic students get a follow-up item.

A fitness file holds the first tests, and 补测 rows beside them; ``retest=True`` imports a
later file of 补测 rows alone, each replacing its student's stored failing result. Either
way a 补测 moves the student's open fitness follow-up on (``retest_follow_ups``).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.roles import REGISTRY_WRITE_ROLES
from edugov.core.scoping import scope_of, visible_to
from edugov.health.models import (
    LEVEL_CODES,
    FitnessLevel,
    FitnessResult,
    FollowUp,
    FollowUpReason,
    LowVisionLevel,
    MyopiaSeverity,
    VisionScreening,
)
from edugov.health.rules import vision_table
from edugov.health.rules.fitness import resolve_retest
from edugov.health.rules.fitness_standard import (
    DEFAULT_STANDARD_ID,
    ITEMS,
    FitnessStandard,
    builtin_standard,
)
from edugov.health.rules.fitness_table import (
    EXEMPT_REASON,
    GRADE,
    SEX,
    STUDENT_NO,
    ParsedRows,
    RowError,
    ScoredRows,
    first_and_retest_totals,
    missing_columns,
    normalise_header,
    retest_file_errors,
    validate_and_score,
)
from edugov.health.rules.vision import new_myopia
from edugov.health.workflow import FOLLOW_UP
from edugov.imports import pipeline
from edugov.imports.reading import ERROR_COLUMN, UnusableInput, open_table
from edugov.imports.workbooks import write_errors
from edugov.registry.models import AcademicYear, Enrolment, Institution, Student
from edugov.workflow import services as workflow_services
from edugov.workflow.models import StateChange

GRADE_LABELS = {1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
                7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三"}
#: Screenings without a date are taken as done on 1 October (autumn term screening).
DEFAULT_SCREENING_DAY = (10, 1)
#: Registry lookups per query: well under SQLite's and PostgreSQL's parameter limits.
LOOKUP_CHUNK = 5000

MYOPIA_CODES = {"低度": MyopiaSeverity.LOW, "中度": MyopiaSeverity.MODERATE,
                "高度": MyopiaSeverity.HIGH, "": MyopiaSeverity.NONE}
LOW_VISION_CODES = {"轻度": LowVisionLevel.MILD, "中度": LowVisionLevel.MODERATE,
                    "重度": LowVisionLevel.SEVERE, "": LowVisionLevel.NONE}


@dataclass
class HealthImport:
    """What an import did (or, on a dry run or refusal, would have done)."""

    kind: str
    total: int
    errors: list[pipeline.RowError]
    written: int = 0
    follow_ups: int = 0
    #: Open fitness follow-ups a 补测 moved to 已复测, and of those closed (补测 passed).
    follow_ups_retested: int = 0
    follow_ups_closed: int = 0
    rescreen: int = 0
    dry_run: bool = False
    levels: dict[str, int] = field(default_factory=dict)

    @property
    def refused_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def committed(self) -> bool:
        return self.written > 0


# -- reading -------------------------------------------------------------------------------


@dataclass
class SheetFrame:
    """The file's rows as text, with each row's spreadsheet number and each column's letter."""

    frame: pd.DataFrame
    sheet_rows: np.ndarray
    letters: dict[str, str]


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(value: Any) -> str:
    """A cell as the user typed it: Excel numbers without a trailing .0, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return str(value).strip()


def read_sheet(path: str | Path) -> SheetFrame:
    """Read the first sheet (or CSV) with the imports reader; blank rows are skipped."""
    table = open_table(path)
    headers = [normalise_header(h) for h in table.headers]
    keep = [i for i, h in enumerate(headers) if h and h != ERROR_COLUMN]
    numbers, rows = [], []
    for number, cells in table.rows:
        texts = [cell_text(cells[i]) if i < len(cells) else "" for i in keep]
        if any(texts):
            numbers.append(number)
            rows.append(texts)
    frame = pd.DataFrame(rows, columns=[headers[i] for i in keep], dtype=object)
    return SheetFrame(frame, np.array(numbers, dtype=int),
                      {headers[i]: column_letter(i) for i in keep})


def sheet_errors(sheet: SheetFrame, errors: Iterable[RowError]) -> list[pipeline.RowError]:
    """Rule errors (numbered 2, 3, … over the kept rows) → the imports pipeline's errors,
    numbered as in the file and with column letters, for the error workbook."""
    out = []
    for error in errors:
        row = int(sheet.sheet_rows[error.row - 2])
        # A rule may name two columns ("身高(cm)/体重(kg)"): mark the first.
        first = error.column.split("/")[0]
        out.append(pipeline.RowError(row=row, letter=sheet.letters.get(first, ""),
                                     column=error.column, reason=error.message))
    return sorted(set(out), key=lambda e: (e.row, e.letter, e.column, e.reason))


# -- the registry's view of the file -------------------------------------------------------


@dataclass
class Roster:
    """Per file row: the registry student and this year's enrolment (-1 / 0 when absent)."""

    student_id: np.ndarray
    sex: np.ndarray          # "M"/"F"/""
    birth_date: np.ndarray   # datetime64[D]; NaT when unknown
    institution_id: np.ndarray
    grade: np.ndarray
    class_id: np.ndarray     # 0 when not placed in a class
    active: np.ndarray


def roster_for(student_nos: np.ndarray, year: AcademicYear) -> Roster:
    numbers = pd.Series(student_nos, dtype=object)
    wanted = sorted(set(numbers) - {""})
    students = []
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        students += list(Student.objects.filter(student_no__in=wanted[start:start + LOOKUP_CHUNK])
                         .values_list("student_no", "id", "sex", "birth_date"))
    people = pd.DataFrame(students, columns=["student_no", "id", "sex", "birth"])
    ids = people["id"].tolist()
    enrolments = []
    for start in range(0, len(ids), LOOKUP_CHUNK):
        enrolments += list(Enrolment.objects.filter(
            academic_year=year, student_id__in=ids[start:start + LOOKUP_CHUNK]).values_list(
            "student_id", "institution_id", "grade", "school_class_id", "status"))
    places = pd.DataFrame(enrolments, columns=["id", "institution", "grade", "klass", "status"])
    merged = pd.DataFrame({"student_no": numbers}).merge(people, on="student_no", how="left")
    merged = merged.merge(places, on="id", how="left")
    return Roster(
        student_id=merged["id"].fillna(-1).astype(int).to_numpy(),
        sex=merged["sex"].fillna("").to_numpy(dtype=object),
        birth_date=pd.to_datetime(merged["birth"]).to_numpy(dtype="datetime64[D]"),
        institution_id=merged["institution"].fillna(0).astype(int).to_numpy(),
        grade=merged["grade"].fillna(-99).astype(int).to_numpy(),
        class_id=merged["klass"].fillna(0).astype(int).to_numpy(),
        active=(merged["status"] == "active").to_numpy(),
    )


def registry_errors(roster: Roster, *, school: Institution, grade: np.ndarray,
                    sex: np.ndarray | None, usable: np.ndarray) -> list[RowError]:
    """Rows whose student is unknown, not studying at ``school`` this year, or whose grade
    or sex disagree with the registry. ``usable`` excludes rows already refused for
    unreadable identity cells, so each problem is reported once."""
    rows = np.arange(2, 2 + len(grade))
    unknown = usable & (roster.student_id < 0)
    elsewhere = usable & ~unknown & ((roster.institution_id != school.pk) | ~roster.active)
    placed = usable & ~unknown & ~elsewhere
    errors = [RowError(int(r), STUDENT_NO, "学籍号不存在") for r in rows[unknown]]
    errors += [RowError(int(r), STUDENT_NO, f"该生本学年不在{school.name}在读")
               for r in rows[elsewhere]]
    wrong_grade = placed & (grade > 0) & (grade != roster.grade)
    errors += [RowError(int(r), GRADE, f"年级与学籍不符（学籍为{GRADE_LABELS.get(int(g), g)}）")
               for r, g in zip(rows[wrong_grade], roster.grade[wrong_grade], strict=True)]
    if sex is not None:
        file_sex = np.where(sex == 0, "M", np.where(sex == 1, "F", ""))
        wrong_sex = placed & (file_sex != "") & (file_sex != roster.sex)
        errors += [RowError(int(r), SEX, "性别与学籍不符") for r in rows[wrong_sex]]
    return errors


def bad_row_mask(count: int, errors: Iterable[RowError]) -> np.ndarray:
    bad = np.zeros(count, dtype=bool)
    indices = [e.row - 2 for e in errors]
    if indices:
        bad[np.array(indices, dtype=int)] = True
    return bad


# -- access ----------------------------------------------------------------------------------


def ensure_may_import(actor: User | None, school: Institution) -> None:
    """The command line (actor None) may import anywhere; users within their jurisdiction
    and with a role that maintains records. Outside it the school does not exist."""
    if actor is None:
        return
    if not visible_to(actor, Institution.objects.filter(pk=school.pk)).exists():
        raise Institution.DoesNotExist
    if not scope_of(actor).has_role(*REGISTRY_WRITE_ROLES):
        raise PermissionDenied("您的角色不能导入体质健康数据")


def year_or_current(start_year: int | None) -> AcademicYear:
    if start_year is None:
        year = AcademicYear.objects.filter(is_current=True).first()
        if year is None:
            raise UnusableInput("系统尚未设置当前学年，请用 --year 指定")
        return year
    try:
        return AcademicYear.objects.get(start_year=start_year)
    except AcademicYear.DoesNotExist:
        raise UnusableInput(f"学年 {start_year} 不存在") from None


# -- fitness -------------------------------------------------------------------------------


def import_fitness(*, actor: User | None, path: str | Path, school: Institution,
                   year: AcademicYear, skip_invalid: bool = False, dry_run: bool = False,
                   errors_out: str | Path | None = None,
                   standard: FitnessStandard | None = None,
                   retest: bool = False) -> HealthImport:
    """Import a school's 体质健康测试 results for ``year`` (``retest``: a later file of
    补测 results only). Raises UnusableInput when the file cannot be used at all
    (unreadable, required columns missing)."""
    ensure_may_import(actor, school)
    standard = standard or builtin_standard(DEFAULT_STANDARD_ID)
    sheet = read_sheet(path)
    missing = missing_columns(sheet.frame, standard)
    if missing:
        raise UnusableInput(f"缺少必需的列：{'、'.join(missing)}")
    scored = validate_and_score(standard, sheet.frame, retest_file=retest)
    parsed = scored.parsed
    roster = roster_for(parsed.student_no, year)
    identity_ok = parsed.grade > 0
    errors = scored.errors + registry_errors(roster, school=school, grade=parsed.grade,
                                             sex=parsed.sex, usable=identity_ok
                                             & (parsed.student_no != ""))
    stored = StoredResults.of(roster.student_id, year, whole=retest)
    usable = ~bad_row_mask(len(sheet.frame), errors)
    if retest:
        errors += retest_file_errors(
            standard, parsed, has_first=stored.exists, first_exempt=stored.exempt,
            first_total=stored.total, retested_before=stored.retested, usable=usable)
    else:
        errors += _retest_overwrite_errors(parsed, stored, usable)
    bad = bad_row_mask(len(sheet.frame), errors)
    # A student's first test and retest stand or fall together.
    bad = pd.Series(bad).groupby(parsed.student_no).transform("max").to_numpy(dtype=bool)
    report = HealthImport(kind="fitness", total=len(sheet.frame),
                          errors=sheet_errors(sheet, errors), dry_run=dry_run)
    if errors_out is not None and report.errors:
        write_errors(path, report.errors, errors_out)
    if dry_run or (report.errors and not skip_invalid):
        return report
    rows = _fitness_rows(standard, sheet.frame, scored, roster, ~bad, school, year,
                         stored_first=stored.total if retest else None)
    what = "体质健康补测成绩" if retest else "体质健康测试成绩"
    details: dict[str, Any] = {}
    if retest:
        # The replaced first results, whole: the row keeps only their 学年总分.
        details["replaced"] = stored.snapshots([r.student_id for r in rows])
    with transaction.atomic():
        report.written = _upsert(FitnessResult, rows)
        failing = [r for r in rows if r.level == FitnessLevel.FAIL]
        report.follow_ups = open_follow_ups(
            actor=actor, year=year, reason=FollowUpReason.FITNESS,
            students=[(r.student_id, r.institution_id, r.school_class_id,
                       f"学年总分 {r.total:.1f}") for r in failing])
        report.follow_ups_retested, report.follow_ups_closed = retest_follow_ups(
            actor=actor, year=year, results=[r for r in rows if r.retested])
        report.levels = dict(pd.Series([r.level for r in rows]).value_counts().sort_index())
        audit.record(actor=actor, action=AuditLog.Action.IMPORT,
                     entity=audit.entity_name(FitnessResult), object_id=school.code,
                     summary=f"{school.name} {year} {what}导入 {report.written} 人",
                     details={"file": Path(path).name, "year": year.start_year,
                              "rows": report.total, "written": report.written,
                              "refused_rows": report.refused_rows,
                              "follow_ups": report.follow_ups,
                              "follow_ups_retested": report.follow_ups_retested,
                              "follow_ups_closed": report.follow_ups_closed,
                              "standard": standard.id,
                              "retest_file": retest, **details})
    return report


#: What a 补测 replaces, kept in the import's audit row.
SNAPSHOT_FIELDS = ("level", "total", "standard_score", "bonus", "bmi", "height_cm",
                   "weight_kg", *ITEMS, *(f"{code}_score" for code in ITEMS), "standard")


@dataclass
class StoredResults:
    """Per file row: the student's stored fitness result of the year, if any."""

    exists: np.ndarray
    exempt: np.ndarray
    total: np.ndarray       # NaN when none (or 免测)
    retested: np.ndarray
    rows: dict[int, dict[str, Any]]

    @classmethod
    def of(cls, student_ids: np.ndarray, year: AcademicYear, *,
           whole: bool = False) -> StoredResults:
        """``whole``: every field of ``SNAPSHOT_FIELDS``, else only what the checks need."""
        ids = sorted({int(s) for s in student_ids if s > 0})
        fields = SNAPSHOT_FIELDS if whole else ("level", "total")
        rows: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), LOOKUP_CHUNK):
            for row in FitnessResult.objects.filter(
                    academic_year=year, student_id__in=ids[start:start + LOOKUP_CHUNK]
            ).values("student_id", "retested", *fields):
                rows[row.pop("student_id")] = row
        found = [rows.get(int(s)) for s in student_ids]
        return cls(
            exists=np.array([r is not None for r in found], dtype=bool),
            exempt=np.array([r is not None and r["level"] == FitnessLevel.EXEMPT
                             for r in found], dtype=bool),
            total=np.array([np.nan if r is None or r["total"] is None else r["total"]
                            for r in found], dtype=float),
            retested=np.array([r is not None and r["retested"] for r in found], dtype=bool),
            rows=rows,
        )

    def snapshots(self, student_ids: list[int]) -> dict[str, dict[str, Any]]:
        return {str(s): {k: v for k, v in self.rows[s].items()
                         if k != "retested" and v is not None} for s in student_ids}


def _retest_overwrite_errors(parsed: ParsedRows, stored: StoredResults,
                             usable: np.ndarray) -> list[RowError]:
    """A stored 补测 would be lost if a student's first test were uploaded again alone
    (the upsert replaces the year's result): such rows need their 补测 row beside them."""
    with_retest = set(parsed.student_no[parsed.retest])
    alone = usable & stored.retested & ~pd.Series(parsed.student_no).isin(
        with_retest).to_numpy()
    return [RowError(int(r), STUDENT_NO, "该生本学年已登记补测成绩，单独重传首次测试会覆盖补测；"
                                         "请在同一文件中一并填写补测行")
            for r in parsed.row_numbers[alone]]


def _fitness_rows(standard: FitnessStandard, frame: pd.DataFrame, scored: ScoredRows,
                  roster: Roster, good: np.ndarray, school: Institution, year: AcademicYear,
                  stored_first: np.ndarray | None = None) -> list[FitnessResult]:
    """One FitnessResult per student: the retest's row when it replaced a failing first
    test (补测), else the first test's row. ``stored_first``: a retest file's rows, each
    replacing the stored failing result whose 学年总分 this is."""
    parsed, scores = scored.parsed, scored.scores
    if stored_first is None:
        first_total, retest_total = first_and_retest_totals(parsed, scores)
        outcome = resolve_retest(standard, first_total, retest_total)
        effective = good & np.where(parsed.retest, outcome.retest_used, ~outcome.retest_used)
    else:
        first_total, effective = stored_first, good
    reasons = frame[EXEMPT_REASON].astype(str).str.strip().to_numpy() \
        if EXEMPT_REASON in frame else np.full(len(frame), "", dtype=object)
    columns: dict[str, Any] = {
        "height_cm": parsed.height_cm, "weight_kg": parsed.weight_kg, "bmi": scores.bmi,
        "bmi_score": scores.bmi_score, "standard_score": scores.standard_score,
        "bonus": scores.bonus, "total": scores.total,
    }
    for code in ITEMS:
        columns[code] = parsed.results[code]
        columns[f"{code}_score"] = scores.item_scores[code]
    rows = []
    for i in np.flatnonzero(effective):
        values = {name: _or_none(array[i]) for name, array in columns.items()}
        exempt = bool(parsed.exempt[i])
        if exempt:
            # 免予执行: measurements stay, the year has no scores.
            values.update(bmi_score=None, standard_score=None, bonus=None, total=None)
        rows.append(FitnessResult(
            student_id=int(roster.student_id[i]), academic_year=year, institution=school,
            school_class_id=int(roster.class_id[i]) or None, grade=int(parsed.grade[i]),
            sex="MF"[int(parsed.sex[i])], standard=standard.id,
            level=FitnessLevel.EXEMPT if exempt else LEVEL_CODES[scores.level[i]],
            exempt_reason=str(reasons[i])[:128] if exempt else "",
            retested=bool(parsed.retest[i]),
            first_total=_or_none(first_total[i]) if parsed.retest[i] else None,
            **values,
        ))
    return rows


def _or_none(value: Any) -> float | None:
    value = float(value)
    return None if value != value else value  # NaN → None


def _upsert(model: type[FitnessResult] | type[VisionScreening], rows: list[Any]) -> int:
    """Insert, or replace the student's record of that year (a school uploads again)."""
    if not rows:
        return 0
    fields = [f.name for f in model._meta.concrete_fields
              if f.name not in ("id", "student", "academic_year")]
    model.objects.bulk_create(rows, batch_size=2000, update_conflicts=True,
                              unique_fields=["student", "academic_year"], update_fields=fields)
    return len(rows)


# -- vision --------------------------------------------------------------------------------


def import_vision(*, actor: User | None, path: str | Path, school: Institution,
                  year: AcademicYear, skip_invalid: bool = False, dry_run: bool = False,
                  errors_out: str | Path | None = None) -> HealthImport:
    """Import a school's 视力筛查 records for ``year``; classify, mark 新发近视 against last
    year's screening, and draw ≥ 5 % for 复测."""
    ensure_may_import(actor, school)
    sheet = read_sheet(path)
    missing = vision_table.missing_columns(sheet.frame)
    if missing:
        raise UnusableInput(f"缺少必需的列：{'、'.join(missing)}")
    parsed = vision_table.parse_screening(sheet.frame)
    roster = roster_for(parsed.student_no, year)
    errors = parsed.errors + registry_errors(
        roster, school=school, grade=parsed.grade, sex=parsed.sex,
        usable=(parsed.grade > 0) & (parsed.student_no != ""))
    screened_on = np.where(np.isnat(parsed.screened_on),
                           np.datetime64(dt.date(year.start_year, *DEFAULT_SCREENING_DAY)),
                           parsed.screened_on)
    known_birth = ~np.isnat(roster.birth_date)
    age = np.where(known_birth, vision_table.age_on(
        np.where(known_birth, roster.birth_date, screened_on), screened_on), 0)
    classification, incomplete = vision_table.classify_rows(parsed, age)
    errors = sorted(errors + incomplete, key=lambda e: e.row)
    good = ~bad_row_mask(len(sheet.frame), errors)
    report = HealthImport(kind="vision", total=len(sheet.frame),
                          errors=sheet_errors(sheet, errors), dry_run=dry_run)
    if errors_out is not None and report.errors:
        write_errors(path, report.errors, errors_out)
    if dry_run or (report.errors and not skip_invalid):
        return report
    newly, at_risk = _new_myopia(roster.student_id, classification.myopia, year)
    chosen = np.flatnonzero(good)
    # Draw over the written students in 学籍号 order, so the same file draws the same.
    order = chosen[np.argsort(parsed.student_no[chosen], kind="stable")]
    seed = zlib.crc32(f"{school.code}/{year.start_year}/rescreen".encode())
    rescreen = np.zeros(len(sheet.frame), dtype=bool)
    rescreen[order[vision_table.rescreen_sample(len(order), seed=seed)]] = True
    rows = [_screening(int(i), parsed, classification, roster, school, year, screened_on, age,
                       newly, at_risk, rescreen) for i in chosen]
    with transaction.atomic():
        report.written = _upsert(VisionScreening, rows)
        report.rescreen = int(rescreen.sum())
        myopic = [r for r in rows if r.myopia]
        report.follow_ups = open_follow_ups(
            actor=actor, year=year, reason=FollowUpReason.MYOPIA,
            students=[(r.student_id, r.institution_id, r.school_class_id,
                       _myopia_detail(r)) for r in myopic])
        audit.record(actor=actor, action=AuditLog.Action.IMPORT,
                     entity=audit.entity_name(VisionScreening), object_id=school.code,
                     summary=f"{school.name} {year} 视力筛查导入 {report.written} 人",
                     details={"file": Path(path).name, "year": year.start_year,
                              "rows": report.total, "written": report.written,
                              "refused_rows": report.refused_rows, "myopic": len(myopic),
                              "rescreen": report.rescreen, "follow_ups": report.follow_ups})
    return report


def _new_myopia(student_ids: np.ndarray, myopia: np.ndarray,
                year: AcademicYear) -> tuple[np.ndarray, np.ndarray]:
    """新发近视 against last year's screening (stored screenings are all complete)."""
    before = dict(VisionScreening.objects.filter(
        academic_year__start_year=year.start_year - 1,
        student_id__in=[int(s) for s in student_ids if s > 0]).values_list("student_id",
                                                                            "myopia"))
    screened_before = np.array([int(s) in before for s in student_ids], dtype=bool)
    myopic_before = np.array([bool(before.get(int(s), False)) for s in student_ids])
    return new_myopia(previous_myopia=myopic_before, previous_complete=screened_before,
                      current_myopia=myopia, current_complete=np.ones(len(myopia), bool))


def _screening(i: int, parsed: vision_table.ParsedScreening, c: Any, roster: Roster,
               school: Institution, year: AcademicYear, screened_on: np.ndarray,
               age: np.ndarray, newly: np.ndarray, at_risk: np.ndarray,
               rescreen: np.ndarray) -> VisionScreening:
    readings = {f"{side}_{key}": _or_none(getattr(getattr(parsed, side), key)[i])
                for side in ("right", "left")
                for key in ("uncorrected", "corrected", "sphere", "cylinder", "axis")}
    return VisionScreening(
        student_id=int(roster.student_id[i]), academic_year=year, institution=school,
        school_class_id=int(roster.class_id[i]) or None, grade=int(parsed.grade[i]),
        sex=str(roster.sex[i]), screened_on=pd.Timestamp(screened_on[i]).date(),
        age=int(age[i]), correction=str(parsed.correction[i]),
        se_right=_or_none(c.se_right[i]), se_left=_or_none(c.se_left[i]),
        myopia=bool(c.myopia[i]), myopia_severity=MYOPIA_CODES[c.myopia_severity[i]],
        high_myopia=bool(c.high_myopia[i]), pre_myopia=bool(c.pre_myopia[i]),
        low_vision=bool(c.low_vision[i]), low_vision_level=LOW_VISION_CODES[
            c.low_vision_level[i]],
        new_myopia=bool(newly[i]) if at_risk[i] else None, rescreen=bool(rescreen[i]),
        **readings,
    )


def _myopia_detail(screening: VisionScreening) -> str:
    severity = screening.get_myopia_severity_display()
    if screening.correction == "ortho_k":
        return "筛查性近视（佩戴角膜塑形镜）"
    return f"筛查性近视（{severity}）" if screening.myopia_severity else "筛查性近视"


# -- follow-up -----------------------------------------------------------------------------


def open_follow_ups(*, actor: User | None, year: AcademicYear, reason: str,
                    students: list[tuple[int, int, int | None, str]],
                    now: dt.datetime | None = None) -> int:
    """Open a follow-up in its initial state for each (student, institution, class, detail)
    that has none for this reason and year; returns how many were opened.

    Written in bulk with their first history rows (what ``workflow.services.start`` writes
    per item), because an import opens hundreds at once and audits itself once.
    """
    now = now or timezone.now()
    if not students:
        return 0
    existing = set(FollowUp.objects.filter(
        academic_year=year, reason=reason,
        student_id__in=[s for s, *_ in students]).values_list("student_id", flat=True))
    initial = FOLLOW_UP.initial
    items = FollowUp.objects.bulk_create([
        FollowUp(student_id=student, academic_year=year, institution_id=institution,
                 school_class_id=klass, reason=reason, detail=detail[:128], state=initial,
                 state_changed_at=now, due_at=FOLLOW_UP.due_at(initial, now))
        for student, institution, klass, detail in students if student not in existing
    ], batch_size=2000)
    content_type = ContentType.objects.get_for_model(FollowUp)
    StateChange.objects.bulk_create([
        StateChange(content_type=content_type, object_id=str(item.pk),
                    workflow=FOLLOW_UP.name, transition="create", from_state="",
                    to_state=initial, actor=actor, at=now,
                    reason="", evidence={"source": "import"})
        for item in items
    ], batch_size=2000)
    return len(items)


def move_follow_up(*, actor: User | None, item: FollowUp, transition: str, reason: str = "",
                   now: dt.datetime | None = None, evidence: dict[str, Any] | None = None,
                   by_import: bool = False) -> FollowUp:
    """Take a follow-up one step (登记复测, 转诊, 结案); the workflow checks the role and
    the state and writes history and audit. ``item`` comes from ``follow_ups_for``.

    ``by_import``: the step is part of an import the actor was allowed to make (a bureau or
    the command line may import for a school), so the workflow's school-only role check is
    not applied; the state check, history and audit are.
    """
    workflow_services.advance(actor=actor, item=item, transition=transition, reason=reason,
                              evidence=evidence, now=now, as_system=by_import)
    return item


#: A 补测 moves the follow-up 已告知家长 → 已复测; a passing one then closes it (已结案).
RETEST_STEP, PASSED_STEP = "retest", "close"


def retest_follow_ups(*, actor: User | None, year: AcademicYear,
                      results: list[FitnessResult],
                      now: dt.datetime | None = None) -> tuple[int, int]:
    """Move each 补测 student's fitness follow-up of ``year`` that is still where 登记复测
    starts to 已复测, noting the 补测's 学年总分 and 等级; a passing 补测 also takes 结案,
    since the year is no longer 不及格 and 已复测 has no deadline to bring it back. A
    failing one stays 已复测 for the school to refer. Items already past (or moved meanwhile
    by someone else) are skipped. Returns (moved, closed); runs in the caller's transaction.
    """
    by_student = {r.student_id: r for r in results if r.retested}
    if not by_student:
        return 0, 0
    now = now or timezone.now()
    sources = FOLLOW_UP.transition(RETEST_STEP).sources
    ids = sorted(by_student)
    items: list[FollowUp] = []
    for start in range(0, len(ids), LOOKUP_CHUNK):
        items += FollowUp.objects.filter(
            academic_year=year, reason=FollowUpReason.FITNESS, state__in=sources,
            student_id__in=ids[start:start + LOOKUP_CHUNK]).order_by("pk")
    moved = closed = 0
    for item in items:
        result = by_student[item.student_id]
        level = FitnessLevel(result.level)
        total = "" if result.total is None else f"学年总分 {result.total:.1f}，"
        evidence = {"source": "retest_import", "total": result.total, "level": level.value}
        try:
            move_follow_up(actor=actor, item=item, transition=RETEST_STEP, now=now,
                           reason=f"补测：{total}等级 {level.label}", evidence=evidence,
                           by_import=True)
        except workflow_services.StaleState:
            continue
        moved += 1
        if level != FitnessLevel.FAIL:
            move_follow_up(actor=actor, item=item, transition=PASSED_STEP, now=now,
                           reason="补测及格，学年成绩不再为不及格", evidence=evidence,
                           by_import=True)
            closed += 1
    return moved, closed
