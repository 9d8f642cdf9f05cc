"""公民身份号码 (GB 11643-1999) and 全国中小学生学籍号 checks.

The check digit, birth date and address code are python-stdnum's ``cn.ric``;
this module adds what the registry also needs: the sex digit and the birth date
must agree with the record (policy-rules.md §9.1), and the 19-character 学籍号
(policy-rules.md §9.2).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
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


#: ISO 7064 MOD 11-2 weights of the first 17 digits, and the check character per remainder.
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int32)
CHECK_CHARACTERS = np.frombuffer(b"10X98765432", dtype=np.uint8)
PROVINCE_NUMBERS = np.array(sorted(int(code) for code in PROVINCE_CODES), dtype=np.int32)
#: Place values of YYYYMMDD's eight digits.
DATE_PLACES = 10 ** np.arange(7, -1, -1, dtype=np.int32)


def digit_values(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ASCII bytes as digit values (int32) and whether each row is digits only."""
    values = codes - np.uint8(ord("0"))  # wraps below "0" to > 9
    return values.astype(np.int32), np.asarray((values <= 9).all(1))


def digit_dates(digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dates written YYYYMMDD in 8 digit columns (values 0–9): (datetime64[D], valid)."""
    written = digits @ DATE_PLACES
    year, month, day = written // 10000, written // 100 % 100, written % 100
    fits = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    first = ((np.where(fits, year, 2000) - 1970).astype("datetime64[Y]")
             + (np.where(fits, month, 1) - 1).astype("timedelta64[M]")).astype("datetime64[D]")
    days_in_month = ((first.astype("datetime64[M]") + 1).astype("datetime64[D]") - first)
    valid = fits & (day <= days_in_month.astype(np.int32))
    return first + (np.where(valid, day, 1) - 1).astype("timedelta64[D]"), valid


def check_characters(digits: np.ndarray) -> np.ndarray:
    """The MOD 11-2 check character (as a byte) of each row of 17 digit values."""
    return CHECK_CHARACTERS[(digits @ WEIGHTS) % 11]


def id_numbers_checked(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whole-array :func:`id_number_error` for 18-character ASCII numbers (uint8 rows):
    (valid, birth date as datetime64[D], male) — the same verdict, row for row."""
    digits, numeric = digit_values(codes[:, :17])
    digits = np.where(numeric[:, None], digits, 0)
    births, dated = digit_dates(digits[:, 6:14])
    province = np.isin(digits[:, 0] * 10 + digits[:, 1], PROVINCE_NUMBERS)
    valid = numeric & (codes[:, 17] == check_characters(digits)) & dated & province
    return valid, births, digits[:, 16] % 2 == 1
