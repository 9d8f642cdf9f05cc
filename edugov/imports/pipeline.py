"""The shape every entity import shares: headers → cells → row checks → plan → write.

An :class:`Importer` (one per entity, in ``entities/``) declares its columns and supplies
the checks that need the whole file or the database, the plan (what would be created,
updated or left unchanged) and the bulk write. :func:`validate` runs the read-only part;
``services`` wraps it with the transaction and the audit row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from edugov.imports.reading import ERROR_COLUMN, Table, UnusableInput, open_columns
from edugov.imports.rules import vector
from edugov.imports.rules.cells import CellError, column_letter, rows_phrase

if TYPE_CHECKING:
    from edugov.core.models import User
    from edugov.registry.models import AcademicYear

#: Called with (rows done, rows in total) while validating; often, so keep it cheap.
Progress = Callable[[int, int], None]
#: How many rows pass between two progress calls.
PROGRESS_EVERY = 5000


class Invalid:
    """Stands in for a cell that failed to parse, so row checks can skip it."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = Invalid()


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    parse: Callable[[Any], Any]
    required: bool = False
    #: Shown on the template's 说明 sheet.
    note: str = ""
    #: Offered as a drop-down list in the template.
    choices: tuple[str, ...] = ()
    #: Template cell format: "text" keeps long numbers intact, "date" shows YYYY-MM-DD.
    kind: str = "text"
    width: int = 14
    #: The parser's whole-column twin (:mod:`rules.vector`), for the bulk fast path.
    fast: vector.Twin | None = None


@dataclass(frozen=True)
class RowError:
    row: int
    letter: str
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.letter}列「{self.column}」" if self.column else "整行"
        return f"第{self.row}行 {where}：{self.reason}"


@dataclass
class Context:
    """What the checks need besides the rows: who acts, for which year, and a memo."""

    actor: User | None
    year: AcademicYear | None
    #: Column key → spreadsheet letter in this file (columns may come in any order).
    letters: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    #: Lookups the check phase made, reused by the plan (e.g. existing rows by key).
    memo: dict[str, Any] = field(default_factory=dict)
    #: Column keys the fast path found free of repeats (duplicate_errors can skip them).
    distinct: set[str] = field(default_factory=set)

    def error(self, row: int, key: str, reason: str) -> RowError:
        return RowError(row=row, letter=self.letters.get(key, ""),
                        column=self.headers.get(key, ""), reason=reason)


@dataclass
class Plan:
    """What a write would do; ``created``/``updated``/``unchanged`` count rows of the file."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    payload: Any = None


class Importer:
    """One entity's import; subclasses fill in the class attributes and the three hooks."""

    entity: ClassVar[str]
    label: ClassVar[str]
    audit_entity: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    row_type: ClassVar[type[NamedTuple]]
    #: Whether the import needs an academic year (classes and enrolments do).
    needs_year: ClassVar[bool] = False
    #: Columns no two rows may share (checked with duplicate_errors).
    unique_keys: ClassVar[tuple[str, ...]] = ()

    def check_row(self, row: Any, ctx: Context) -> list[tuple[str, str]]:
        """(column key, reason) for what is wrong across the cells of one row."""
        return []

    def check_columns(self, values: dict[str, pa.Array]) -> np.ndarray | None:
        """The twin of :meth:`check_row` over whole columns of parsed cells: a mask of the
        rows it vouches for (stricter is fine, looser never), or None for no twin."""
        return None

    def check_rows(self, rows: Sequence[Any], ctx: Context) -> list[RowError]:
        """What is wrong across rows (duplicates) or against the database."""
        return []

    def plan_columns(self, values: dict[str, pa.Array], ctx: Context) -> Plan | None:
        """The plan straight from whole columns when the file can only be new rows whose
        references all resolve (no per-row objects); None to go through the rows."""
        return None

    def plan(self, rows: Sequence[Any], ctx: Context) -> Plan:
        raise NotImplementedError

    def write(self, plan: Plan, ctx: Context) -> None:
        raise NotImplementedError


@dataclass
class Validation:
    total: int
    valid_rows: list[Any]
    errors: list[RowError]
    #: The plan, when the fast path could make it straight from the columns (every row
    #: valid and new); then ``valid_rows`` stays empty.
    plan: Plan | None = None

    @property
    def invalid(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def valid(self) -> int:
        return self.total if self.plan is not None else len(self.valid_rows)


def column_positions(headers: list[str], columns: Sequence[Column]) -> dict[str, int]:
    """Column key → index in the file; wrong headers make the file unusable, named."""
    expected = [c.header for c in columns]
    present = [h for h in headers if h and h != ERROR_COLUMN]
    duplicated = sorted({h for h in present if present.count(h) > 1})
    missing = [h for h in expected if h not in present]
    unexpected = [h for h in present if h not in expected]
    problems = []
    if missing:
        problems.append("缺少列：" + "、".join(missing))
    if unexpected:
        problems.append("无法识别的列：" + "、".join(unexpected))
    if duplicated:
        problems.append("列名重复：" + "、".join(duplicated))
    if problems:
        raise UnusableInput("；".join(problems) + "。请使用导入模板的列名（第1行）")
    return {c.key: headers.index(c.header) for c in columns}


def validate(importer: Importer, table: Table, ctx: Context,
             progress: Progress | None = None) -> Validation:
    """Parse and check every row; all errors are collected, none stops the run."""
    positions = column_positions(table.headers, importer.columns)
    ctx.letters = {key: column_letter(index) for key, index in positions.items()}
    ctx.headers = {c.key: c.header for c in importer.columns}
    rows, errors = _parse(importer, table, positions, ctx, progress)
    # Rows with a bad cell still take part (their other cells can be checked, and a
    # duplicate names both rows); the hooks skip values that are INVALID.
    errors.extend(importer.check_rows(rows, ctx))
    bad = {e.row for e in errors}
    # By row, then column as the sheet orders them (Z before AA).
    errors.sort(key=lambda e: (e.row, len(e.letter), e.letter))
    if progress is not None:
        progress(len(rows), len(rows))
    return Validation(total=len(rows), valid_rows=[r for r in rows if r.row not in bad],
                      errors=errors)


def validate_columns(importer: Importer, path: str | Path, ctx: Context,
                     progress: Progress | None = None) -> Validation | None:
    """The bulk fast path: :func:`validate` for a file whose every cell and row the
    vectorised twins vouch for; None (go row by row) for anything else.

    Only the happy path is fast: a single doubtful cell sends the whole file to the row
    path, which alone words errors, so both paths give the same rows and errors.
    """
    if not all(c.fast is not None for c in importer.columns):
        return None
    table = open_columns(path)
    if table is None or not table.total or set(table.columns) != {
            c.header for c in importer.columns}:
        return None
    total = table.total
    values: dict[str, pa.Array] = {}
    for column in importer.columns:
        assert column.fast is not None
        cells = table.columns[column.header]
        blank = vector.nulls(cells)
        if column.required and blank.any():
            return None
        parsed, accepted = column.fast(cells)
        if not (accepted | blank).all():
            return None
        values[column.key] = (pc.if_else(pa.array(blank), pa.nulls(total, parsed.type), parsed)
                              if blank.any() else parsed)
    vouched = importer.check_columns(values)
    if vouched is None or not vouched.all():
        return None
    ctx.letters = {c.key: column_letter(table.positions[c.header]) for c in importer.columns}
    ctx.headers = {c.key: c.header for c in importer.columns}
    ctx.distinct = {key for key in importer.unique_keys
                    if pc.count_distinct(values[key]).as_py() == total - values[key].null_count}
    if ctx.distinct == set(importer.unique_keys):
        planned = importer.plan_columns(values, ctx)
        if planned is not None:
            if progress is not None:
                progress(total, total)
            return Validation(total=total, valid_rows=[], errors=[], plan=planned)
    numbers = range(2, total + 2)
    rows: list[Any] = list(map(importer.row_type._make, zip(
        numbers, *(values[c.key].to_pylist() for c in importer.columns), strict=True)))
    del values
    errors = importer.check_rows(rows, ctx)
    bad = {e.row for e in errors}
    errors.sort(key=lambda e: (e.row, len(e.letter), e.letter))
    if progress is not None:
        progress(total, total)
    return Validation(total=total, valid_rows=[r for r in rows if r.row not in bad] if bad
                      else rows, errors=errors)


def _parse(importer: Importer, table: Table, positions: dict[str, int], ctx: Context,
           progress: Progress | None) -> tuple[list[Any], list[RowError]]:
    """Every non-blank row (bad cells as INVALID) and the errors of single rows."""
    # This loop runs once per cell of a 300,000-row file: keep it lean.
    plan = [(c.key, positions[c.key], c.parse, c.required) for c in importer.columns]
    width = max(positions.values()) + 1
    make = importer.row_type._make
    check_row = importer.check_row
    rows: list[Any] = []
    errors: list[RowError] = []
    total = table.total
    padding = [None] * width
    for number, cells in table.rows:
        if not any(cells):
            continue
        if len(cells) < width:
            cells = [*cells, *padding[len(cells):]]
        values: list[Any] = [number]
        append = values.append
        for key, index, parse, required in plan:
            raw = cells[index]
            if raw is None or (raw.__class__ is str and (not raw or raw.isspace())):
                if required:
                    errors.append(ctx.error(number, key, "必填项为空"))
                    append(INVALID)
                else:
                    append(None)
                continue
            try:
                append(parse(raw))
            except CellError as exc:
                errors.append(ctx.error(number, key, exc.reason))
                append(INVALID)
        row = make(values)
        problems = check_row(row, ctx)
        if problems:
            errors.extend(ctx.error(number, key, reason) for key, reason in problems)
        rows.append(row)
        if progress is not None and len(rows) % PROGRESS_EVERY == 0:
            progress(len(rows), max(total, len(rows)))
    return rows, errors


def is_set(value: Any) -> bool:
    """A cell that parsed to something (not blank, not failed)."""
    return value is not None and value is not INVALID


def duplicate_errors(rows: Sequence[Any], key: str, ctx: Context, what: str) -> list[RowError]:
    """Every row sharing a value of ``key`` with another row, each naming all of them."""
    if not rows or key in ctx.distinct:
        return []
    index = rows[0]._fields.index(key)
    first: dict[Any, int] = {}
    repeated: dict[Any, list[int]] = {}
    for row in rows:
        value = row[index]
        if value is None or value is INVALID:
            continue
        seen_at = first.setdefault(value, row[0])
        if seen_at != row[0]:
            repeated.setdefault(value, [seen_at]).append(row[0])
    errors: list[RowError] = []
    for numbers in repeated.values():
        reason = f"{what}在文件中重复出现（{rows_phrase(numbers)}）"
        errors.extend(ctx.error(n, key, reason) for n in numbers)
    return errors
