"""Whole-database backup and restore in a portable archive.

The archive is a zip holding ``manifest.json`` (format, edugov version, applied
migrations, row counts) and one JSON-lines file per table, values in their Python
form. Because values go through each field's own conversion, a backup taken on
SQLite restores on PostgreSQL and back, unlike a file copy or ``pg_dump``.
Restore replaces every row in one transaction; foreign keys are deferred (Django
creates them DEFERRABLE INITIALLY DEFERRED on both engines), so table order does
not matter and a failed restore leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

import edugov

FORMAT = "edugov-backup/1"
BATCH = 5000


class BackupError(Exception):
    """The archive cannot be restored here (wrong format or schema)."""


def backed_up_models() -> list[type[models.Model]]:
    return [
        m for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]


def applied_migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _encode(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time, uuid.UUID)):
        return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def _rows(model: type[models.Model], columns: list[str]) -> Iterator[tuple[Any, ...]]:
    qs = model._base_manager.order_by("pk").values_list(*columns)
    yield from qs.iterator(chunk_size=BATCH)


def write_backup(path: Path) -> dict[str, int]:
    """Write every table to ``path``; returns row counts per table."""
    counts: dict[str, int] = {}
    with transaction.atomic(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for model in backed_up_models():
            fields = model._meta.concrete_fields
            columns = [f.attname for f in fields]
            table = model._meta.db_table
            n = 0
            with archive.open(f"tables/{table}.jsonl", "w") as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8")
                out.write(json.dumps(columns) + "\n")
                for row in _rows(model, columns):
                    out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n")
                    n += 1
                out.flush()
                out.detach()
            counts[table] = n
        manifest = {
            "format": FORMAT,
            "edugov_version": edugov.__version__,
            "engine": connection.vendor,
            "taken_at": dt.datetime.now(dt.UTC).isoformat(),
            "migrations": applied_migrations(),
            "counts": counts,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return counts


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise BackupError(f"不是有效的 edugov 备份文件：{exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')}")
    return manifest


def restore_backup(path: Path) -> dict[str, int]:
    """Replace every row with the archive's; the schema must be at the same migrations."""
    manifest = read_manifest(path)
    if manifest["migrations"] != applied_migrations():
        raise BackupError("备份的数据库结构版本与当前不一致：请先升级到相同版本并执行 migrate")
    by_table = {m._meta.db_table: m for m in backed_up_models()}
    unknown = set(manifest["counts"]) - set(by_table)
    if unknown:
        raise BackupError(f"备份中有当前版本没有的数据表：{', '.join(sorted(unknown))}")
    counts: dict[str, int] = {}
    with transaction.atomic(), zipfile.ZipFile(path) as archive:
        _empty_tables(list(by_table))
        for table in manifest["counts"]:
            with archive.open(f"tables/{table}.jsonl") as raw:
                counts[table] = _load_table(by_table[table], io.TextIOWrapper(raw, "utf-8"))
        _reset_sequences(list(by_table.values()))
    return counts


def _empty_tables(tables: list[str]) -> None:
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred FK checks still pending in this
            # transaction; settle them first, then defer again for the bulk load.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _load_table(model: type[models.Model], lines: io.TextIOWrapper) -> int:
    columns = json.loads(next(lines))
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    missing = [c for c in columns if c not in by_attname]
    if missing:
        raise BackupError(f"{model._meta.db_table} 没有字段 {', '.join(missing)}")
    fields = [by_attname[c] for c in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    batch: list[list[Any]] = []
    total = 0
    with connection.cursor() as cursor:
        for line in lines:
            values = json.loads(line)
            batch.append([_db_value(f, v) for f, v in zip(fields, values, strict=True)])
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                total += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
    return total


def _db_value(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    if isinstance(target, models.BinaryField):
        value = bytes.fromhex(value)
    elif isinstance(target, models.JSONField):
        return target.get_db_prep_save(value, connection)
    return target.get_db_prep_save(target.to_python(value), connection)


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
