"""The pure cell parsers (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from edugov.imports.rules import cells
from edugov.imports.rules.cells import CellError


@pytest.mark.parametrize("value", [dt.date(2016, 5, 4), dt.datetime(2016, 5, 4, 0, 0),
                                   "2016-05-04", "2016/5/4", "2016.05.04", "2016年5月4日",
                                   "20160504", 20160504.0, 42494.0])
def test_dates(value):
    assert cells.parse_date(value) == dt.date(2016, 5, 4)


@pytest.mark.parametrize("value", ["04/05/2016", "昨天", 3.5, True, 123.0])
def test_bad_dates(value):
    with pytest.raises(CellError):
        cells.parse_date(value)


def test_text_drops_float_zero_decimals():
    assert cells.text(3198010101.0) == "3198010101"
    assert cells.text("  张三 ") == "张三"


def test_digits_codes():
    parse = cells.digits((6, 9, 12), "区划代码")
    assert parse(330102.0) == "330102"
    with pytest.raises(CellError, match="应为6或9或12位数字"):
        parse("33010")


def test_flags_and_amounts():
    assert cells.flag("是") is True and cells.flag("否") is False and cells.flag(True) is True
    with pytest.raises(CellError):
        cells.flag("也许")
    assert cells.amount(12, 2)("1,234.5") == Decimal("1234.50")
    with pytest.raises(CellError, match="不能为负数"):
        cells.amount(12, 2)(-1)


def test_column_letters():
    assert [cells.column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_phone():
    assert cells.phone("138 1234 5678") == "13812345678"
    assert cells.phone("0571-87654321") == "0571-87654321"
    with pytest.raises(CellError):
        cells.phone("23812345678")
