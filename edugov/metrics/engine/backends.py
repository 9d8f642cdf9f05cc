"""Where the engine reads tables from: the live database, the Parquet warehouse, Spark.

Every backend exposes the same tables under their database names, so a measure's ibis
expression runs unchanged on each (DESIGN §5). The live backend borrows Django's own
connection, so it sees exactly what Django sees (including an open transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend

from edugov.metrics.catalog import Tables

ENGINES = ("live", "duckdb", "spark")


class EngineUnavailable(RuntimeError):
    """The engine cannot run here (e.g. pyspark not installed, warehouse not exported)."""


@dataclass
class Source:
    engine: str
    backend: BaseBackend

    @property
    def tables(self) -> Tables:
        return Tables(self.backend.table)


class BorrowedSQLite:
    """Django's sqlite3 connection lent to ibis, which must not end Django's transaction.

    ibis commits after its statements and switches on ``case_sensitive_like``; on a
    borrowed connection either would change what Django's own queries do (an atomic
    block committed halfway, ``icontains`` turning case-sensitive). The engine only reads,
    so commits and rollbacks are Django's business and the pragma is skipped (measures
    compare with = and IN, never LIKE).
    """

    SKIPPED = "PRAGMA case_sensitive_like = ON"

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        if sql == self.SKIPPED:
            return None
        return self._connection.execute(sql, *args, **kwargs)

    def commit(self) -> None:
        """Django commits."""

    def rollback(self) -> None:
        """Django rolls back."""


def live_source() -> Source:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        return Source("live", ibis.sqlite.from_connection(BorrowedSQLite(raw)))
    if connection.vendor == "postgresql":
        # psycopg nests ibis's transaction() blocks as savepoints inside Django's.
        return Source("live", ibis.postgres.from_connection(raw))
    raise EngineUnavailable(f"不支持的数据库类型：{connection.vendor}")


def warehouse_files(directory: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(directory.glob("*.parquet"))}


def duckdb_source(directory: Path) -> Source:
    files = warehouse_files(directory)
    if not files:
        raise EngineUnavailable(f"数据仓库目录 {directory} 中没有 Parquet 文件，"
                                "请先运行 edugov warehouse export")
    # Threads default to the machine's cores. Row order never matters to an aggregation,
    # and keeping it costs memory and time on joins of millions of rows.
    con = ibis.duckdb.connect(preserve_insertion_order=False)
    for name, path in files.items():
        con.read_parquet(str(path), table_name=name)
    return Source("duckdb", con)


_spark_session: Any = None


def spark_session() -> Any:
    """One local Spark session per process: starting one costs seconds."""
    global _spark_session
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineUnavailable("未安装 pyspark，无法使用 Spark 引擎") from exc
    if _spark_session is None:
        _spark_session = (
            SparkSession.builder.master("local[2]").appName("edugov-indicators")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
    return _spark_session


def spark_source(directory: Path) -> Source:
    files = warehouse_files(directory)
    if not files:
        raise EngineUnavailable(f"数据仓库目录 {directory} 中没有 Parquet 文件，"
                                "请先运行 edugov warehouse export")
    con = ibis.pyspark.connect(spark_session())
    for name, path in files.items():
        con.read_parquet(str(path), table_name=name)
    return Source("spark", con)


def default_warehouse_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "warehouse"


@contextmanager
def open_source(engine: str, *, warehouse: Path | None = None) -> Iterator[Source]:
    if engine == "live":
        yield live_source()
        return
    directory = warehouse or default_warehouse_dir()
    if engine == "duckdb":
        source = duckdb_source(directory)
        try:
            yield source
        finally:
            source.backend.disconnect()
        return
    if engine == "spark":
        yield spark_source(directory)
        return
    raise EngineUnavailable(f"未知计算引擎：{engine}（可用：{'、'.join(ENGINES)}）")
