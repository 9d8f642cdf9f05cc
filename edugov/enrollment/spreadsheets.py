"""Reading the district-map spreadsheet a county uploads (xlsx, xls or csv).

Columns (Chinese or English headers): 学校代码 / school_code, 小区代码 / community_code,
地址规则 / address_pattern. Each data row is one rule; blank rows are skipped.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError

from edugov.imports.reading import SUFFIXES, UnusableInput, open_table

HEADERS = {
    "学校代码": "school_code", "学校标识码": "school_code", "school_code": "school_code",
    "小区代码": "community_code", "community_code": "community_code",
    "地址规则": "address_pattern", "address_pattern": "address_pattern",
}
#: A county's map has a few thousand rules at most.
MAX_ROWS = 50_000


def district_rows(upload: IO[bytes], filename: str) -> list[dict[str, str]]:
    """The rules in an uploaded file; ValidationError (Chinese) when it cannot be read."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError("仅支持 .xlsx、.xls 或 .csv 文件")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"upload{suffix}"
        with path.open("wb") as out:
            for chunk in iter(lambda: upload.read(1 << 16), b""):
                out.write(chunk)
        try:
            return _read(path)
        except UnusableInput as exc:
            raise ValidationError(exc.message) from exc


def _read(path: Path) -> list[dict[str, str]]:
    table = open_table(path)
    columns = {i: HEADERS[h] for i, h in enumerate(table.headers) if h in HEADERS}
    if "school_code" not in columns.values():
        raise ValidationError("缺少“学校代码”列")
    if not {"community_code", "address_pattern"} & set(columns.values()):
        raise ValidationError("缺少“小区代码”或“地址规则”列")
    rows: list[dict[str, str]] = []
    for _number, cells in table.rows:
        row = {name: _text(cells[i] if i < len(cells) else "") for i, name in columns.items()}
        if not any(row.values()):
            continue
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ValidationError(f"规则超过 {MAX_ROWS} 条，请检查文件")
    if not rows:
        raise ValidationError("文件中没有学区规则")
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores a numeric code as 3198010101.0
    return str(value).strip()
