"""Set-based INSERT … RETURNING and batched UPDATE for the 300,000-row student import.

``bulk_create`` spends ~40 µs a row compiling SQL field by field (measured: 300,000
students plus enrolments take ~30 s), which alone would miss the import budget. These
helpers send the same rows as multi-row ``INSERT … VALUES … RETURNING`` statements and
``executemany`` UPDATEs, with values adapted per column once, on SQLite (≥ 3.35) and
PostgreSQL alike. Model-level Python defaults are filled in, since the SQL bypasses them.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, models
from django.utils import timezone

#: Rows per INSERT statement: big enough to amortise parsing, small enough for the
#: parameter limit (checked below) and for PostgreSQL's planner.
ROWS_PER_STATEMENT = 500
#: Keys per select_in list: one parameter, so only memory bounds it.
KEYS_PER_STATEMENT = 50_000


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{model.__name__}.{name} is not a column"
    return field


def column_of(model: type[models.Model], name: str) -> str:
    return connection.ops.quote_name(str(concrete_field(model, name).column))


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        # Both drivers bind dates as Django stores them (Django registers date.isoformat
        # with sqlite3 — the same text as adapt_datefield_value); no per-value call.
        return None
    if isinstance(field, models.DecimalField):
        return lambda v: ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
    return None


def _default(field: models.Field) -> Any:
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return timezone.now()
    return field.get_default()


def _placeholder() -> str:
    return "?" if connection.vendor == "sqlite" else "%s"


def raw_cursor() -> Any:
    """The DB-API cursor under Django's: on SQLite, Django's wrapper rewrites every
    statement's %s to ? with a regex — 15 % of the write time for 500-row statements."""
    connection.ensure_connection()
    return connection.connection.cursor()


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        if hasattr(raw, "getlimit"):
            return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return int(connection.features.max_query_params or 65535)


class InsertSql(NamedTuple):
    """How a Writer's INSERTs are spelled: ``statement(n)`` for n rows, ``shared``
    parameters bound once per statement, ``extra`` values ending every row."""

    statement: Callable[[int], str]
    per_statement: int
    shared: tuple[Any, ...]
    extra: tuple[Any, ...]
    #: Parameters a row binds itself.
    width: int


class Writer:
    """INSERT/UPDATE rows of ``model`` given as tuples in the order of ``fields``."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        self.model = model
        self.fields = [concrete_field(model, name) for name in fields]
        given = set(fields)
        self.filled = [f for f in meta.concrete_fields
                       if not f.primary_key and f.name not in given and f.attname not in given]
        self.adapters = [_adapter(f) for f in self.fields]
        quote = connection.ops.quote_name
        self.table = quote(meta.db_table)
        self.pk = quote(meta.pk.column)
        self.columns = [quote(str(f.column)) for f in self.fields]
        self.fill_columns = [quote(str(f.column)) for f in self.filled]

    def _adapt(self, rows: Iterable[Sequence[Any]],
               extra: tuple[Any, ...] = ()) -> list[Sequence[Any]]:
        """Rows as sequences of database values, each followed by ``extra``."""
        spots = [(i, a) for i, a in enumerate(self.adapters) if a is not None]
        if not spots:
            return [(*row, *extra) for row in rows]
        adapted: list[Sequence[Any]] = []
        for row in rows:
            values = [*row, *extra]
            for index, adapt in spots:
                if values[index] is not None:
                    values[index] = adapt(values[index])
            adapted.append(values)
        return adapted

    def _flat(self, rows: Sequence[Sequence[Any]], extra: tuple[Any, ...],
              keys: Sequence[int] | None = None) -> list[Any]:
        """One statement's parameters: each row's key (if given), values and ``extra``."""
        if any(a is not None for a in self.adapters):
            rows, extra = self._adapt(rows, extra), ()
        # extend() copies straight from each tuple: no per-row tuple is built.
        params: list[Any] = []
        add = params.extend
        if keys is None:
            for row in rows:
                add(row)
                add(extra)
            return params
        put = params.append
        for key, row in zip(keys, rows, strict=True):
            put(key)
            add(row)
            add(extra)
        return params

    def _fill_values(self) -> tuple[Any, ...]:
        values = []
        for f in self.filled:
            value = _default(f)
            adapt = _adapter(f)
            values.append(adapt(value) if adapt is not None and value is not None else value)
        return tuple(values)

    def _insert_sql(self, keyed: bool, returning: str | None = None) -> InsertSql:
        fill = self._fill_values()
        leading = [self.pk] if keyed else []
        columns = ", ".join(leading + self.columns + self.fill_columns)
        back = f" RETURNING {self.pk}, {column_of(self.model, returning)}" if returning else ""
        # SQLite numbers its parameters: the defaults every row shares are bound once, as
        # ?1…?k, instead of once a row (a third of a student row's parameters).
        shared = fill if connection.vendor == "sqlite" and fill else ()
        own = len(leading) + len(self.columns) + len(fill) - len(shared)
        per_statement = max(1, min(ROWS_PER_STATEMENT, (_max_params() - len(shared)) // own))
        head = f"INSERT INTO {self.table} ({columns}) VALUES "
        if shared:
            tail = ", ".join(f"?{i + 1}" for i in range(len(shared)))
            first = len(shared) + 1

            def values(count: int) -> str:
                return ", ".join("(" + ", ".join(f"?{first + r * own + i}" for i in range(own))
                                 + f", {tail})" for r in range(count))
        else:
            one = "(" + ", ".join([_placeholder()] * own) + ")"

            def values(count: int) -> str:
                return ", ".join([one] * count)

        full = head + values(per_statement) + back
        return InsertSql(
            statement=lambda count: full if count == per_statement
            else head + values(count) + back,
            per_statement=per_statement, shared=shared, extra=() if shared else fill,
            width=own)

    def insert(self, rows: Sequence[Sequence[Any]], *, returning: str | None = None,
               ids: Sequence[int] | None = None) -> list[tuple[Any, Any]]:
        """Insert ``rows``; with ``returning``, return (pk, that value) for each row.

        ``ids`` gives each row its primary key (see :func:`reserve_ids`).
        """
        if not rows:
            return []
        sql = self._insert_sql(ids is not None, returning)
        step = sql.per_statement
        result: list[tuple[Any, Any]] = []
        cursor = raw_cursor()
        try:
            for start in range(0, len(rows), step):
                chunk = rows[start:start + step]
                keys = ids[start:start + step] if ids is not None else None
                params = self._flat(chunk, sql.extra, keys)
                cursor.execute(sql.statement(len(chunk)),
                               [*sql.shared, *params] if sql.shared else params)
                if returning:
                    result.extend(cursor.fetchall())
        finally:
            cursor.close()
        return result

    def insert_columns(self, columns: Sequence[Sequence[Any]], *,
                       ids: Sequence[int] | None = None) -> None:
        """Insert rows given column by column (each a list in the order of ``fields``):
        a statement's parameters are laid out by slice assignment, one per column,
        with no per-row Python work at all."""
        count = len(columns[0]) if columns else 0
        if not count:
            return
        columns = [[None if v is None else adapt(v) for v in column]
                   if adapt is not None else column
                   for column, adapt in zip(columns, self.adapters, strict=True)]
        if ids is not None:
            columns = [ids, *columns]
        sql = self._insert_sql(ids is not None)
        constants = [[value] for value in sql.extra]
        step, width, lead = sql.per_statement, sql.width, len(sql.shared)
        cursor = raw_cursor()
        try:
            for start in range(0, count, step):
                rows = min(step, count - start)
                params: list[Any] = [*sql.shared, *([None] * (rows * width))]
                for index, column in enumerate(columns):
                    params[lead + index::width] = column[start:start + rows]
                for index, constant in enumerate(constants, start=len(columns)):
                    params[lead + index::width] = constant * rows
                cursor.execute(sql.statement(rows), params)
        finally:
            cursor.close()

    def update(self, rows: Sequence[Sequence[Any]], *, touch: str | None = None) -> None:
        """Update by primary key: each row is the field values followed by the pk.

        ``touch`` names an ``auto_now`` field to set to now, as ``save()`` would.
        """
        if not rows:
            return
        mark = _placeholder()
        sets = [f"{c} = {mark}" for c in self.columns]
        extra: tuple[Any, ...] = ()
        if touch is not None:
            sets.append(f"{column_of(self.model, touch)} = {mark}")
            extra = (connection.ops.adapt_datetimefield_value(timezone.now()),)
        sql = f"UPDATE {self.table} SET {', '.join(sets)} WHERE {self.pk} = {mark}"
        cursor = raw_cursor()
        try:
            for start in range(0, len(rows), 5000):
                chunk = rows[start:start + 5000]
                values = self._adapt((r[:-1] for r in chunk), extra)
                cursor.executemany(sql, [[*v, r[-1]] for v, r in zip(values, chunk, strict=True)])
        finally:
            cursor.close()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Hold off Python's cycle collector during a bulk import. A 300,000-row file makes
    millions of objects and almost no cycles; each object made counts towards the next
    collection, and the full ones walk every live object (measured: the plan step took
    four times as long with the collector on). Reference counting still frees memory."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def date_values(column: pa.Array) -> list[Any]:
    """A date column's values as this database takes them fastest: the ISO text Django
    stores on SQLite (made in Arrow, no per-value adapter call), dates elsewhere."""
    if connection.vendor == "sqlite":
        return pc.cast(column, pa.string()).to_pylist()
    return column.to_pylist()


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys for rows about to be inserted in the current transaction,
    so rows that point at them can be written without waiting for ``RETURNING``."""
    assert connection.in_atomic_block, "ids are only reserved inside the write transaction"
    if not count:
        return []
    table, pk = model._meta.db_table, str(model._meta.pk.column)
    cursor = raw_cursor()
    try:
        if connection.vendor == "sqlite":
            # AUTOINCREMENT hands out max(ever used) + 1; the transaction is IMMEDIATE, so
            # it holds the write lock and nobody else can take these ids meanwhile.
            quote = connection.ops.quote_name
            cursor.execute(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), "
                f"coalesce((SELECT max({quote(pk)}) FROM {quote(table)}), 0))", [table])
            start = int(cursor.fetchone()[0]) + 1
            return list(range(start, start + count))
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                       "FROM generate_series(1, %s)", [table, pk, count])
        return sorted(int(r[0]) for r in cursor.fetchall())
    finally:
        cursor.close()


def _in_list() -> str:
    """One parameter holding a whole list of keys: a JSON array that SQLite's json_each
    unpacks, or a PostgreSQL array. One statement, however many keys, instead of one
    placeholder a key (and the batches the parameter limit would force)."""
    if connection.vendor == "sqlite":
        return "IN (SELECT value FROM json_each(?))"
    return "= ANY(%s)"


def _list_param(values: Sequence[Any]) -> Any:
    return json.dumps(list(values)) if connection.vendor == "sqlite" else list(values)


def select_in(model: type[models.Model], fields: Sequence[str],
              keys: dict[str, Sequence[Any]],
              where: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """``SELECT fields WHERE (k1 IN (…) OR k2 IN (…)) AND f = v …`` as tuples.

    The ORM spends ~3 µs a key preparing an ``__in`` list; a 300,000-row file looks
    up two keys a row. Date columns come back as dates on every backend.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    mark = _placeholder()
    chosen = [concrete_field(model, name) for name in fields]
    clauses: list[str] = []
    params: list[Any] = []
    for name, values in keys.items():
        if values:
            clauses.append(f"{column_of(model, name)} {_in_list()}")
            params.append(_list_param(values))
    if not clauses:
        return []
    condition = f"({' OR '.join(clauses)})"
    for name, value in (where or {}).items():
        condition += f" AND {column_of(model, name)} = {mark}"
        params.append(value)
    sql = (f"SELECT {', '.join(quote(str(f.column)) for f in chosen)} "
           f"FROM {quote(meta.db_table)} WHERE {condition}")
    dates = [i for i, f in enumerate(chosen)
             if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)]
    cursor = raw_cursor()
    try:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    finally:
        cursor.close()
    if not dates:
        return [tuple(r) for r in found]
    converted = []
    for row in found:
        values = list(row)
        for index in dates:
            if isinstance(values[index], str):
                values[index] = dt.date.fromisoformat(values[index])
        converted.append(tuple(values))
    return converted
