"""Turning spreadsheet cells into values, or saying in Chinese why a cell is wrong.

A cell arrives as whatever the reader produced: python-calamine gives ``str``, ``float``
(every number), ``bool``, ``datetime.date`` or ``datetime.datetime``; the CSV reader gives
``str``. Each parser takes such a value, already known not to be blank, and returns the
typed value or raises :class:`CellError` with the reason shown to the user.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

V = TypeVar("V")

#: Excel's day 0 (serial dates count from here, with the 1900 leap-year bug folded in).
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serial numbers we accept as dates when a date cell lost its format: 1927-05-18 … 2119-01-17.
EXCEL_SERIAL_RANGE = (10_000, 80_000)
DATE_SEPARATORS = re.compile(r"[./年月]")


class CellError(ValueError):
    """A cell's value cannot be used; ``reason`` is shown to the user as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as text: numbers typed into text columns lose their ``.0``."""
    # Exact class checks first: parsers run once per cell of 300,000-row files.
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    return str(value).strip()


def max_length(limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = value.strip() if value.__class__ is str else text(value)
        if len(result) > limit:
            raise CellError(f"长度不能超过{limit}个字符")
        return result

    return parse


def digits(lengths: tuple[int, ...], what: str) -> Callable[[Any], str]:
    """A code made of digits (学校标识码, 区划代码) of one of ``lengths``."""
    allowed = "或".join(str(n) for n in lengths)

    def parse(value: Any) -> str:
        result = value.strip() if value.__class__ is str else text(value)
        if not (result.isascii() and result.isdigit()) or len(result) not in lengths:
            raise CellError(f"{what}应为{allowed}位数字")
        return result

    return parse


def identity_text(value: Any) -> str:
    """身份证号 / 学籍号 must be typed as text: Excel keeps only 15 digits of a number."""
    if value.__class__ is str:
        return value.strip().upper()
    if isinstance(value, float) and value >= 1e15:
        raise CellError("长号码被Excel存成了数字，末几位已丢失，请将该列设为文本格式后重新填写")
    return text(value).upper()


def parse_date(value: Any) -> dt.date:
    """Real Excel dates, ``YYYY-MM-DD`` (also ``/``, ``.``, 年月日, ``YYYYMMDD``) or a serial."""
    if value.__class__ is dt.date:
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError("日期格式无法识别，应为YYYY-MM-DD")
    if isinstance(value, int | float):
        return _date_from_number(value)
    raw = str(value).strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    if raw.isdigit() and len(raw) == 8:
        return _date_or_error(raw[:4], raw[4:6], raw[6:])
    parts = DATE_SEPARATORS.sub("-", raw.rstrip("日")).split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        return _date_or_error(*parts)
    raise CellError(f"日期「{raw}」无法识别，应为YYYY-MM-DD")


def _date_from_number(value: float) -> dt.date:
    if not float(value).is_integer():
        raise CellError("日期格式无法识别，应为YYYY-MM-DD")
    number = int(value)
    if 10_000_000 <= number <= 99_999_999:
        raw = str(number)
        return _date_or_error(raw[:4], raw[4:6], raw[6:])
    low, high = EXCEL_SERIAL_RANGE
    if low <= number <= high:
        return EXCEL_EPOCH + dt.timedelta(days=number)
    raise CellError("日期格式无法识别，应为YYYY-MM-DD")


def _date_or_error(year: str, month: str, day: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(f"日期{year}-{month}-{day}不存在") from None


def choice(mapping: Mapping[str, V], what: str) -> Callable[[Any], V]:
    """One of a fixed set of Chinese labels (性别 男/女, 户籍类型 本地/随迁, …)."""
    allowed = "、".join(mapping)

    def parse(value: Any) -> V:
        key = value.strip() if value.__class__ is str else text(value)
        try:
            return mapping[key]
        except KeyError:
            raise CellError(f"「{key}」不是有效的{what}，应为：{allowed}") from None

    return parse


def flag(value: Any) -> bool:
    """是/否 columns; TRUE/FALSE cells and 1/0 also accepted."""
    if isinstance(value, bool):
        return value
    key = text(value).lower()
    if key in {"是", "有", "y", "yes", "true", "1", "√"}:
        return True
    if key in {"否", "无", "n", "no", "false", "0", "×"}:
        return False
    raise CellError(f"「{text(value)}」应填“是”或“否”")


def integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        raw = text(value)
        try:
            number = int(raw)
        except ValueError:
            raise CellError(f"「{raw}」不是整数") from None
        if not low <= number <= high:
            raise CellError(f"应在{low}到{high}之间")
        return number

    return parse


def amount(max_digits: int, places: int) -> Callable[[Any], Decimal]:
    """A non-negative figure (面积, 金额) that fits a DECIMAL(max_digits, places)."""
    limit = Decimal(10) ** (max_digits - places)

    def parse(value: Any) -> Decimal:
        raw = text(value).replace(",", "")
        try:
            number = Decimal(raw).quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:
            raise CellError(f"「{raw}」不是数字") from None
        if number < 0:
            raise CellError("不能为负数")
        if number >= limit:
            raise CellError("数值过大")
        return number

    return parse


def grade(labels: Mapping[str, int], low: int, high: int) -> Callable[[Any], int]:
    """年级 as a number (1–12, kindergarten -2…0) or a label (一年级, 高三, 初一, 小班…)."""

    def parse(value: Any) -> int:
        raw = text(value)
        if raw in labels:
            return labels[raw]
        try:
            number = int(raw)
        except ValueError:
            raise CellError(f"「{raw}」不是有效的年级，应为1–12或“一年级”…“高三”、"
                            "“小班/中班/大班”") from None
        if not low <= number <= high:
            raise CellError(f"年级应在{low}到{high}之间")
        return number

    return parse


def class_number(value: Any) -> int:
    """班级 is the class number within the grade: 3, “3班”, “(3)班” all mean 3."""
    raw = text(value).strip("()（）班 ")
    try:
        number = int(raw)
    except ValueError:
        raise CellError(f"「{text(value)}」不是有效的班号，应为正整数") from None
    if not 1 <= number <= 99:
        raise CellError("班号应在1到99之间")
    return number


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column name a spreadsheet shows."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def rows_phrase(rows: list[int]) -> str:
    """[5, 9] → 第5、9行."""
    return "第" + "、".join(str(r) for r in rows) + "行"


PHONE = re.compile(r"\+?[0-9][0-9-]{5,18}[0-9]")


def phone(value: Any) -> str:
    """A mobile (13812345678) or landline (0571-87654321) number."""
    raw = text(value).replace(" ", "")
    if not PHONE.fullmatch(raw):
        raise CellError(f"「{raw}」不是有效的电话号码")
    if raw.isdigit() and len(raw) == 11 and not raw.startswith("1"):
        raise CellError("手机号应以1开头")
    return raw
