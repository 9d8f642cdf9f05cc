"""Write generated rows straight into tables, with primary keys the generator chose.

The ORM costs ~30 µs a row to build and save an instance; a city is a million rows and a
province thirty million, so demo builders hand plain tuples to a :class:`BulkWriter`,
which sends them with ``executemany`` on SQLite and ``COPY`` on PostgreSQL. Choosing the
keys up front lets a builder link rows (a student, their enrolment, its class) without
reading anything back.

Values must already be what the database takes: ``int``, ``str``, ``bool``, ``None``,
and dates as ISO strings (``"2025-09-01"``), which both backends parse. Columns a
builder does not name are filled once per table from the field's default, so a field
added later with a default does not break the demo.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import connection as default_connection
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max
from django.utils import timezone

Row = Sequence[Any]


class TableSink:
    """Buffers rows for one table and flushes them in batches."""

    def __init__(self, writer: BulkWriter, model: type[models.Model], fields: Sequence[str],
                 batch_size: int) -> None:
        self.writer = writer
        self.model = model
        self.batch_size = batch_size
        meta = model._meta
        concrete = {f.name: f for f in meta.concrete_fields}
        named = [concrete[name] for name in fields]
        filled = [f for f in meta.concrete_fields if f.name not in fields]
        self.constants = tuple(_constant_for(f, writer.connection) for f in filled)
        self.columns = [str(f.column) for f in (*named, *filled)]
        self.rows: list[Row] = []
        self.written = 0

    def add(self, row: Row) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self.flush()

    def extend(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self.rows:
            return
        rows: Iterable[Row] = self.rows
        if self.constants:
            constants = self.constants
            rows = ((*row, *constants) for row in rows)
        self.writer.send(self.model._meta.db_table, self.columns, rows)
        self.written += len(self.rows)
        self.rows = []


def _constant_for(field: Any, connection: BaseDatabaseWrapper) -> Any:
    """The database value a column the builder leaves out gets on every row."""
    if field.primary_key:
        raise ImproperlyConfigured(f"{field.model.__name__}: demo rows must carry their key")
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = timezone.now()
    elif field.has_default():
        value = field.get_default()
    elif field.null:
        return None
    else:
        raise ImproperlyConfigured(
            f"{field.model.__name__}.{field.name} is required and has no default: "
            "the demo builder must supply it")
    return field.get_db_prep_save(value, connection)


class BulkWriter:
    """Allocates primary keys and writes rows to tables in the current transaction."""

    def __init__(self, connection: BaseDatabaseWrapper | None = None,
                 batch_size: int = 20_000) -> None:
        self.connection = connection or default_connection
        self.batch_size = batch_size
        self._next_id: dict[type[models.Model], int] = {}
        self._sinks: dict[tuple[type[models.Model], tuple[str, ...]], TableSink] = {}
        self._keyed_models: list[type[models.Model]] = []

    def next_ids(self, model: type[models.Model], count: int = 1) -> range:
        """``count`` unused primary keys for ``model``, in increasing order."""
        if model not in self._next_id:
            highest = model._default_manager.aggregate(top=Max("pk"))["top"] or 0
            self._next_id[model] = highest + 1
            self._keyed_models.append(model)
        start = self._next_id[model]
        self._next_id[model] = start + count
        return range(start, start + count)

    def next_id(self, model: type[models.Model]) -> int:
        return self.next_ids(model)[0]

    def table(self, model: type[models.Model], fields: Sequence[str]) -> TableSink:
        key = (model, tuple(fields))
        if key not in self._sinks:
            self._sinks[key] = TableSink(self, model, fields, self.batch_size)
        return self._sinks[key]

    def send(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        self.connection.ensure_connection()
        raw = self.connection.connection
        quote = self.connection.ops.quote_name
        column_list = ", ".join(quote(c) for c in columns)
        if self.connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
                    f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # The raw DB-API cursor: Django's debug cursor would keep every batch in memory.
        marker = "?" if self.connection.vendor == "sqlite" else "%s"
        placeholders = ", ".join([marker] * len(columns))
        cursor = raw.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({column_list}) VALUES ({placeholders})", rows)
        finally:
            cursor.close()

    def flush(self) -> None:
        for sink in self._sinks.values():
            sink.flush()

    def finish(self) -> None:
        """Flush every buffer and move sequences past the keys written by hand."""
        self.flush()
        self.reset_sequences()

    @contextmanager
    def keys_and_indexes_built_after_loading(self, models_: Sequence[type[models.Model]]
                                             ) -> Iterator[None]:
        """Load ``models_`` with no index or foreign key to maintain, then build them once.

        On PostgreSQL a deferred foreign key costs one trigger call per row at commit (20 s
        for a city), and a unique key in random order (学籍号, 身份证号) a B-tree insertion per
        row that slows as the index outgrows memory. Dropping them and building them back
        after the load — one sort per index, one join per foreign key — is several times
        faster. It all happens inside the build's transaction: a duplicate or dangling key
        fails the rebuild and rolls everything back. SQLite loads fast enough as it is.
        """
        if self.connection.vendor != "postgresql":
            yield
            return
        tables = [m._meta.db_table for m in models_]
        quote_name = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype IN ('f', 'u') "
                "AND conrelid::regclass::text = ANY(%s) ORDER BY contype, conname", [tables])
            constraints = cursor.fetchall()  # foreign keys ('f') sort before unique ('u')
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
                "WHERE indrelid::regclass::text = ANY(%s) AND NOT indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
                "ORDER BY 1", [tables])
            indexes = cursor.fetchall()
            # PostgreSQL refuses to drop a foreign key while rows written earlier in the
            # transaction await their deferred checks: run those checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name, _kind, _definition in constraints:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote_name(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        self.flush()
        with self.connection.cursor() as cursor:
            # Sorting a province's 20 million enrolments in 64 MB (the default) spills to disk.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, _kind, definition in reversed(constraints):
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote_name(name)} "
                               f"{definition}")

    def reset_sequences(self) -> None:
        statements = self.connection.ops.sequence_reset_sql(no_style(), self._keyed_models)
        if statements:
            with self.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    def written(self, model: type[models.Model]) -> int:
        return sum(s.written for (m, _), s in self._sinks.items() if m is model)
