"""Whole-column twins of the cell parsers in :mod:`cells`, for the bulk fast path.

Each twin takes one column as an Arrow array (as fastexcel reads it, with strict types:
``string``, ``double``, ``timestamp`` or ``null``) and returns ``(values, ok)``: Python
values and a mask of the cells it accepted. A twin accepts only the cells whose meaning
it is sure of, and for those returns exactly what the scalar parser returns; anything
else (a bad cell, and also an unusual but valid spelling such as ``2015/1/1`` or
``（3）班``) is left unaccepted, and the file takes the row-by-row path that gives the
precise error or handles the spelling. So a twin may be stricter than its parser, never
looser. ``tests/imports/test_fast_path.py`` checks that on generated messy columns.

Blank (null) cells are the caller's business: ``ok`` at a null position means nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: (values, accepted) for one column; values at unaccepted positions are meaningless.
Parsed = tuple[pa.Array, np.ndarray]
Twin = Callable[[pa.Array], Parsed]

#: Every character ``str.strip()`` removes (``str.isspace``), as an RE2 class: a cell
#: with one at either end is left to the row path, which strips exactly as Python does.
PY_SPACE = (r"[\x{09}-\x{0d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
            r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]")
PADDED = f"^{PY_SPACE}|{PY_SPACE}$"
#: Dates before this are serials in Excel's 1900 leap-year muddle: left to the row path.
FIRST_SAFE_DATE = dt.datetime(1900, 3, 1)


def mask(values: pa.Array) -> np.ndarray:
    """An Arrow boolean array as a numpy mask, nulls as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def nulls(column: pa.Array) -> np.ndarray:
    return mask(pc.is_null(column))


def _none(column: pa.Array) -> Parsed:
    return pa.nulls(len(column)), np.zeros(len(column), dtype=bool)


def fixed_width_bytes(column: pa.Array, width: int) -> np.ndarray | None:
    """A string column whose every cell is ``width`` bytes, as an (n, width) uint8 view;
    None if any cell is null or of another length."""
    if column.null_count or not pa.types.is_string(column.type):
        return None
    if not mask(pc.equal(pc.binary_length(column), width)).all():
        return None
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)
    start = offsets[column.offset]
    data = np.frombuffer(column.buffers()[2], dtype=np.uint8)
    return data[start:start + width * len(column)].reshape(len(column), width)


def trimmed_strings(column: pa.Array) -> tuple[pa.Array, np.ndarray] | None:
    """A string column and the cells needing no stripping, or None if not strings."""
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        return None
    # An empty string is a blank cell to the row path (None, or 必填项为空).
    filled = mask(pc.greater(pc.utf8_length(column), 0))
    return column, filled & ~mask(pc.match_substring_regex(column, PADDED))


def text(limit: int | None = None, *, upper: bool = False) -> Twin:
    """:func:`cells.max_length` (and, with ``upper``, :func:`cells.identity_text`)."""

    def twin(column: pa.Array) -> Parsed:
        found = trimmed_strings(column)
        if found is None:
            return _none(column)
        strings, ok = found
        if upper:
            # Non-ASCII upper-casing is Python's business: those cells go row by row.
            ok &= mask(pc.string_is_ascii(strings))
            strings = pc.ascii_upper(strings)
        if limit is not None:
                ok &= mask(pc.less_equal(pc.utf8_length(strings), limit))
        return strings, ok

    return twin


def choice(mapping: Mapping[str, Any]) -> Twin:
    """:func:`cells.choice`: the cell is one of the labels, exactly."""
    labels = pa.array(list(mapping), type=pa.string())
    stored = pa.array(list(mapping.values()))

    def twin(column: pa.Array) -> Parsed:
        found = trimmed_strings(column)
        if found is None:
            return _none(column)
        strings, ok = found
        index = pc.index_in(strings, value_set=labels)
        ok &= ~nulls(index)
        return stored.take(pc.fill_null(index, 0)), ok

    return twin


def _whole_numbers(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A double column as int64 and the cells that hold whole numbers."""
    values = np.nan_to_num(pc.fill_null(column, 0.0).to_numpy(zero_copy_only=False))
    whole = (values == np.floor(values)) & (np.abs(values) < 2**53)
    return np.where(whole, values, 0).astype(np.int64), whole


def digits(lengths: tuple[int, ...]) -> Twin:
    """:func:`cells.digits`: a code of ASCII digits typed as text or as a number."""
    pattern = "^(" + "|".join(f"[0-9]{{{n}}}" for n in lengths) + ")$"

    def twin(column: pa.Array) -> Parsed:
        if pa.types.is_floating(column.type):
            numbers, ok = _whole_numbers(column)
            texts = pa.array(numbers.astype(str))
            ok &= (numbers >= 0) & np.isin(pc.utf8_length(texts).to_numpy(), lengths)
            return texts, ok
        found = trimmed_strings(column)
        if found is None:
            return _none(column)
        strings, ok = found
        ok &= mask(pc.match_substring_regex(strings, pattern))
        return strings, ok

    return twin


def integer_in(low: int, high: int, labels: Mapping[str, int] | None = None) -> Twin:
    """:func:`cells.grade` (with ``labels``) and :func:`cells.class_number`: a whole
    number in range, typed as a number, as plain ASCII digits, or as one of ``labels``."""
    label_set = pa.array(list(labels or {}), type=pa.string())
    label_values = np.array(list((labels or {}).values()) or [0], dtype=np.int64)

    def twin(column: pa.Array) -> Parsed:
        if pa.types.is_floating(column.type):
            numbers, ok = _whole_numbers(column)
        else:
            found = trimmed_strings(column)
            if found is None:
                return _none(column)
            strings, ok = found
            plain = mask(pc.match_substring_regex(strings, r"^-?[0-9]{1,3}$"))
            numbers = np.where(plain, pc.cast(pc.if_else(plain, strings, "0"), pa.int64())
                               .to_numpy(zero_copy_only=False), 0)
            index = pc.index_in(strings, value_set=label_set)
            labelled = ~nulls(index)
            numbers = np.where(labelled, label_values[pc.fill_null(index, 0).to_numpy(
                zero_copy_only=False)], numbers)
            ok &= plain | labelled
        ok &= (numbers >= low) & (numbers <= high)
        return pa.array(numbers), ok

    return twin


def date(column: pa.Array) -> Parsed:
    """:func:`cells.parse_date`: a real Excel date, or text exactly ``YYYY-MM-DD``."""
    if pa.types.is_timestamp(column.type):
        ok = mask(pc.greater_equal(column, pa.scalar(FIRST_SAFE_DATE, type=column.type)))
        return pc.cast(column, pa.date32(), safe=False), ok
    found = trimmed_strings(column)
    if found is None:
        return _none(column)
    strings, ok = found
    iso = mask(pc.match_substring_regex(strings, r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$"))
    parsed = pc.strptime(pc.if_else(iso, strings, "2000-01-01"), format="%Y-%m-%d",
                         unit="s", error_is_null=True)
    days = pc.cast(parsed, pa.date32())
    # strptime rolls 2023-02-30 over into March: only dates that print back as typed.
    ok &= iso & ~nulls(parsed) & mask(pc.equal(pc.strftime(days, format="%Y-%m-%d"), strings))
    return days, ok
