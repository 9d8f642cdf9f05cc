"""Export the tables the measures read into a Parquet warehouse (one file per table).

DuckDB and Spark read the warehouse with the same ibis expressions as the live database.
Personal data never leaves the database: names, ID numbers, addresses and phones are
left out, since no measure counts by them. Types are normalised so every engine agrees:
decimals become DOUBLE, unsigned integers BIGINT.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from edugov.metrics.catalog import MeasureRegistry
from edugov.metrics.engine.backends import Source
from edugov.metrics.engine.compute import DATA_VALUE_TABLE, INSTITUTION_TABLE, REGION_TABLE

#: Columns that identify or contact a person, by table: never exported.
PERSONAL_COLUMNS: dict[str, frozenset[str]] = {
    "registry_student": frozenset({"student_no", "id_number", "name", "birth_date", "address",
                                   "guardian_phone", "hukou_region_code"}),
    "registry_staff": frozenset({"id_number", "name", "birth_date", "phone"}),
    "registry_institution": frozenset({"address", "phone"}),
}
BATCH_ROWS = 500_000


@dataclass(frozen=True)
class ExportedTable:
    name: str
    rows: int
    path: Path


def warehouse_tables(registry: MeasureRegistry) -> list[str]:
    return sorted(registry.tables() | {REGION_TABLE, INSTITUTION_TABLE, DATA_VALUE_TABLE})


def normalised_type(dtype: pa.DataType) -> pa.DataType:
    if pa.types.is_decimal(dtype) or pa.types.is_floating(dtype):
        return pa.float64()
    if pa.types.is_unsigned_integer(dtype) or pa.types.is_integer(dtype):
        return pa.int64()
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return pa.string()
    return dtype


def export_table(source: Source, name: str, directory: Path) -> ExportedTable:
    table = source.backend.table(name)
    keep = [c for c in table.columns if c not in PERSONAL_COLUMNS.get(name, frozenset())]
    table = table.select(*keep)
    target = directory / f"{name}.parquet"
    partial = directory / f".{name}.parquet.partial"
    rows = 0
    reader = table.to_pyarrow_batches(chunk_size=BATCH_ROWS)
    schema = pa.schema([pa.field(f.name, normalised_type(f.type)) for f in reader.schema])
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_table(pa.Table.from_batches([batch]).cast(schema))
            rows += batch.num_rows
    # Readers never see a half-written file: the rename is atomic.
    os.replace(partial, target)
    return ExportedTable(name, rows, target)


def export(source: Source, registry: MeasureRegistry, directory: Path,
           ) -> tuple[list[ExportedTable], float]:
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    exported = [export_table(source, name, directory) for name in warehouse_tables(registry)]
    return exported, time.perf_counter() - started
