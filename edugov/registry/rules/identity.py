"""公民身份号码 (GB 11643-1999) and 全国中小学生学籍号 checks.

The check digit, birth date and address code are python-stdnum's ``cn.ric``;
this module adds what the registry also needs: the sex digit and the birth date
must agree with the record (policy-rules.md §9.1), and the 19-character 学籍号
(policy-rules.md §9.2).
"""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

MALE, FEMALE = "M", "F"

#: GB/T 2260 province-level codes. stdnum also checks the full 6-digit address code
#: against its list of current divisions, but numbers issued under since-abolished
#: codes stay valid for life (the standard's own example 440524… is one), so only
#: the province part is enforced.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
})


def id_number_error(number: str) -> str | None:
    """Why ``number`` is not a valid 18-digit 身份证号, in Chinese, or None.

    Same checks as ``ric.validate`` minus its birth-place lookup, whose verdict we
    discard anyway (see PROVINCE_CODES) and which costs ~30 µs a number: bulk
    imports check hundreds of thousands.
    """
    if not _looks_compact(number):
        number = ric.compact(number)
    if len(number) != 18:
        return "身份证号应为18位"
    first17 = number[:17]
    if not (first17.isascii() and first17.isdigit()):
        return "身份证号前17位应为数字"
    if number[-1] != ric.calc_check_digit(number):
        return "身份证号校验码错误"
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if number[:2] not in PROVINCE_CODES:
        return "身份证号地址码无效"
    return None


def _looks_compact(number: str) -> bool:
    return (len(number) == 18 and number.isascii() and number[17] in "0123456789X"
            and number[:17].isdigit())


def sex_of(number: str) -> str:
    """Odd 顺序码 (17th digit) is male, even is female (GB 11643-1999 §5.3)."""
    return MALE if int(number[16]) % 2 else FEMALE


def birth_date_of(number: str) -> dt.date:
    if _looks_compact(number):
        # Skips stdnum's compact(), ten times the cost of the date itself.
        try:
            return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            raise InvalidComponent() from None
    return ric.get_birth_date(number)


def id_number_mismatch(number: str, *, sex: str | None, birth_date: dt.date | None) -> str | None:
    """Why a valid ``number`` disagrees with the record's sex or birth date, or None."""
    if birth_date is not None and birth_date_of(number) != birth_date:
        return "出生日期与身份证号不一致"
    if sex is not None and sex_of(number) != sex:
        return "性别与身份证号不一致"
    return None


def with_check_digit(first17: str) -> str:
    """Complete 17 digits with their MOD 11-2 check digit (ISO 7064)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def student_no_error(student_no: str, *, id_number: str | None = None) -> str | None:
    """Why a 学籍号 is malformed, or None: G + 身份证号, J + 18 coded digits, L + 18 digits."""
    if len(student_no) != 19:
        return "学籍号应为19位"
    prefix, body = student_no[0], student_no[1:]
    if prefix not in "GJL":
        return "学籍号应以G、J或L开头"
    if prefix == "G":
        if id_number_error(body) is not None:
            return "G字头学籍号应为G加有效身份证号"
        if id_number and body != id_number:
            return "G字头学籍号应与身份证号一致"
        return None
    if not body.isdigit():
        return "学籍号第2至19位应为数字"
    try:
        dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return "学籍号中的出生日期无效"
    if prefix == "J" and with_check_digit(body[:17]) != body:
        return "学籍号校验码错误"
    return None
