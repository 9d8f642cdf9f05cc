"""Invented people: names, birth dates, valid and unique 身份证号 and 学籍号, phone numbers.

身份证号 encode the place of birth, not the school's region, so they use real address
codes (python-stdnum checks them against GB/T 2260 for the birth year) even though the
demo region's own codes (98xxxx) are invented. Every code below was checked to be valid
for the whole range of birth years it is used with.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import TypeVar

from edugov.registry.demo.names import (
    GIVEN_BOY,
    GIVEN_GIRL,
    GIVEN_MAN,
    GIVEN_WOMAN,
    SURNAME_POOL,
)
from edugov.registry.rules.identity import with_check_digit

MALE, FEMALE = "M", "F"
T = TypeVar("T")

#: Birthplaces of local children (valid for births 2006–2023).
STUDENT_LOCAL_CODES = ("330102", "330105", "330106", "330108", "330109", "330110",
                       "330122", "330127", "330203", "330205")
#: Birthplaces of migrant (随迁) children, from several provinces (valid 2006–2023).
STUDENT_MIGRANT_CODES = ("410102", "410103", "410122", "510104", "510105", "510121",
                         "340102", "340103", "340121", "360102", "360121", "430102",
                         "430121", "520102", "450102", "420102")
#: Birthplaces of staff (valid for births 1962–2004; few codes were stable that long).
STAFF_LOCAL_CODES = ("330122", "330127")
STAFF_OTHER_CODES = ("510121", "510122", "340121", "340221", "340421", "360121", "360122",
                     "430121", "430221", "520201", "520203")

#: Per (address code, birth date, sex) there are 500 sequence numbers of each parity.
SERIALS_PER_SEX = 499


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice`` at a third of the cost: hot loops draw millions of these."""
    return items[int(rng.random() * len(items))]


def below(rng: random.Random, n: int) -> int:
    """A uniform integer in [0, n), cheaper than ``rng.randrange``."""
    return int(rng.random() * n)


def dates_between(first: dt.date, last: dt.date) -> list[tuple[str, str]]:
    days = (last - first).days + 1
    dates = [first + dt.timedelta(days=i) for i in range(days)]
    return [(d.isoformat(), d.strftime("%Y%m%d")) for d in dates]


class BirthDays:
    """Dates of birth as (ISO, YYYYMMDD) strings, drawn uniformly inside a window."""

    def __init__(self) -> None:
        self._cohorts: dict[int, list[tuple[str, str]]] = {}
        self._years: dict[int, list[tuple[str, str]]] = {}

    def school_cohort(self, rng: random.Random, first_year: int) -> tuple[str, str]:
        """Born 1 Sep ``first_year`` – 31 Aug the year after: one school-entry cohort."""
        window = self._cohorts.get(first_year)
        if window is None:
            window = dates_between(dt.date(first_year, 9, 1), dt.date(first_year + 1, 8, 31))
            self._cohorts[first_year] = window
        return pick(rng, window)

    def in_year(self, rng: random.Random, year: int) -> tuple[str, str]:
        window = self._years.get(year)
        if window is None:
            window = dates_between(dt.date(year, 1, 1), dt.date(year, 12, 31))
            self._years[year] = window
        return pick(rng, window)


class Identities:
    """Hands out 身份证号 and J/L 学籍号 that are valid and never repeat within a build."""

    def __init__(self) -> None:
        self._serials: dict[tuple[str, str, str], int] = {}
        self._local_serials: dict[tuple[str, str], int] = {}

    def id_number(self, rng: random.Random, codes: Sequence[str], birth: str, sex: str) -> str:
        """A 身份证号 born ``birth`` (YYYYMMDD) whose 顺序码 parity says ``sex``."""
        start = below(rng, len(codes))
        for step in range(len(codes)):
            code = codes[(start + step) % len(codes)]
            key = (code, birth, sex)
            taken = self._serials.get(key, 0)
            if taken < SERIALS_PER_SEX:
                self._serials[key] = taken + 1
                # Scatter the serials (37 is coprime with 500) so numbers don't look sequential.
                slot = (taken * 37 + int(birth) % 500) % 500
                serial = 2 * slot + (1 if sex == MALE else 0)
                return with_check_digit(f"{code}{birth}{serial:03d}")
        raise RuntimeError(f"no 身份证号 left for birth date {birth}")

    def education_number(self, region_code: str, birth: str) -> str:
        """A J 学籍号 (no 身份证号): school's region code + birth + serial + MOD 11-2 check."""
        serial = self._next_local(region_code, birth)
        return "J" + with_check_digit(f"{region_code}{birth}{serial:03d}")

    def temporary_number(self, region_code: str, birth: str) -> str:
        """An L (临时) 学籍号: school's region code + birth + 4 digits, no check digit."""
        serial = self._next_local(region_code, birth)
        return f"L{region_code}{birth}{serial + 1000:04d}"

    def _next_local(self, region_code: str, birth: str) -> int:
        key = (region_code, birth)
        serial = self._local_serials.get(key, 0)
        self._local_serials[key] = serial + 1
        return serial


def person_name(rng: random.Random, sex: str, *, adult: bool) -> str:
    if adult:
        pool = GIVEN_MAN if sex == MALE else GIVEN_WOMAN
        two = rng.random() < 0.45
    else:
        pool = GIVEN_BOY if sex == MALE else GIVEN_GIRL
        two = rng.random() < 0.75
    given = pick(rng, pool) + (pick(rng, pool) if two else "")
    return pick(rng, SURNAME_POOL) + given


def mobile_number(rng: random.Random) -> str:
    return f"1{pick(rng, '35789')}{below(rng, 10**9):09d}"
