"""A school's fitness results table (学生体质健康测试成绩) → validated arrays → scored table.

The layout follows the national upload template: one row per student and test, columns
``学籍号, 年级, 性别, 身高(cm), 体重(kg)`` and one column per item, blank where not tested;
optional ``免测原因`` (a non-blank reason exempts the row, 因病或残疾免予执行) and ``补测``
(是 marks the one retest of the year). A *retest file* (``retest_file=True``) holds only
补测 rows, sent later for students whose failing first result is already stored; the
checks that need that stored result are ``retest_file_errors``, fed by the caller.
Parsing is column-wise (pandas string methods), so a county's file validates as fast as it
reads. No Django here: the CLI and the database import share it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from edugov.health.rules.fitness import (
    FitnessScores,
    level_of,
    pass_mark,
    resolve_retest,
    score_fitness,
)
from edugov.health.rules.fitness_standard import ITEMS, FitnessStandard

STUDENT_NO = "学籍号"
GRADE = "年级"
SEX = "性别"
HEIGHT = "身高(cm)"
WEIGHT = "体重(kg)"
EXEMPT_REASON = "免测原因"
RETEST = "补测"

ITEM_COLUMNS: dict[str, str] = {
    "vital_capacity": "肺活量",
    "run_50m": "50米跑",
    "sit_and_reach": "坐位体前屈",
    "rope_skipping_1min": "1分钟跳绳",
    "sit_up_1min": "1分钟仰卧起坐",
    "shuttle_50mx8": "50米×8往返跑",
    "standing_long_jump": "立定跳远",
    "pull_up": "引体向上",
    "run_1000m_male": "1000米跑",
    "run_800m_female": "800米跑",
}
ALWAYS_REQUIRED = (STUDENT_NO, GRADE, SEX, HEIGHT, WEIGHT)
COUNT_ITEMS = ("rope_skipping_1min", "sit_up_1min", "pull_up")
LONG_RUNS = ("run_1000m_male", "run_800m_female")

#: Plausibility bounds: edugov's own guard against typing errors, not part of the standard.
#: A value outside is "impossible" and the row is refused.
PLAUSIBLE: dict[str, tuple[float, float, str]] = {
    HEIGHT: (70, 230, "厘米"),
    WEIGHT: (10, 200, "千克"),
    "vital_capacity": (100, 10000, "毫升"),
    "run_50m": (5.0, 30.0, "秒"),
    "sit_and_reach": (-40.0, 50.0, "厘米"),
    "rope_skipping_1min": (0, 300, "次"),
    "sit_up_1min": (0, 100, "次"),
    "shuttle_50mx8": (60, 400, "秒"),
    "standing_long_jump": (30, 400, "厘米"),
    "pull_up": (0, 60, "次"),
    "run_1000m_male": (120, 900, "秒"),
    "run_800m_female": (100, 900, "秒"),
}

GRADE_NAMES = {
    **{name: g for g, name in enumerate(
        ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级",
         "初一", "初二", "初三", "高一", "高二", "高三"), start=1)},
    "七年级": 7, "八年级": 8, "九年级": 9,
    **{str(g): g for g in range(1, 13)},
    **{f"{g}.0": g for g in range(1, 13)},  # Excel numbers saved as text
    **{f"{g}年级": g for g in range(1, 13)},
}
SEX_NAMES = {"男": 0, "女": 1, "男生": 0, "女生": 1, "M": 0, "F": 1, "m": 0, "f": 1,
             "1": 0, "2": 1}  # 1/2 as in GB/T 2261.1 sex codes
YES = {"是", "Y", "y", "1", "TRUE", "True", "true", "补测"}

_QUOTES = str.maketrans({"′": "'", "’": "'", "‘": "'", "″": '"', "“": '"', "”": '"',
                         "：": ":", "＇": "'", "＂": '"'})
_MIN_SEC = re.compile(r"^(\d{1,2})(?:'|分)(\d{1,2}(?:\.\d+)?)(?:\"|''|秒)?$")
_COLON = re.compile(r"^(\d{1,2}):(\d{2}(?:\.\d+)?)$")
_PLAIN = re.compile(r"^(\d+)(?:\.(\d+))?$")


Reporter = Callable[[Any, str, str], None]


@dataclass(frozen=True)
class RowError:
    row: int       # the row's line in the file (header = 1)
    column: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行「{self.column}」：{self.message}"


@dataclass
class ParsedRows:
    row_numbers: np.ndarray
    student_no: np.ndarray
    sex: np.ndarray          # 0 男 / 1 女; -1 unreadable
    grade: np.ndarray        # 1–12; 0 unreadable
    height_cm: np.ndarray
    weight_kg: np.ndarray
    results: dict[str, np.ndarray]
    exempt: np.ndarray
    retest: np.ndarray
    errors: list[RowError] = field(default_factory=list)

    def bad_rows(self, errors: list[RowError] | None = None) -> np.ndarray:
        """Rows named by ``errors`` (default: the parsing errors)."""
        bad = np.zeros(len(self.row_numbers), dtype=bool)
        listed = self.errors if errors is None else errors
        if listed:
            first = int(self.row_numbers[0])
            bad[np.array([e.row - first for e in listed], dtype=int)] = True
        return bad


def normalise_header(name: str) -> str:
    """Full-width brackets and stray spaces are common in exported headers."""
    return str(name).replace("（", "(").replace("）", ")").replace("x", "×").replace(
        "X", "×").strip().replace(" ", "")


def missing_columns(frame: pd.DataFrame, standard: FitnessStandard) -> list[str]:
    """Columns the file must have: identity, height and weight, and every item that some
    row's grade and sex is required to take."""
    columns = set(frame.columns)
    missing = [c for c in ALWAYS_REQUIRED if c not in columns]
    if GRADE in columns and SEX in columns:
        grade = frame[GRADE].astype(str).str.strip().map(GRADE_NAMES)
        sex = frame[SEX].astype(str).str.strip().map(SEX_NAMES)
        known = grade.notna() & sex.notna()
        pairs = set(zip(sex[known].astype(int), grade[known].astype(int), strict=True))
        needed = {code for s, g in pairs
                  for code in standard.required_items(("M", "F")[s], g) if code != "bmi"}
        missing += [ITEM_COLUMNS[code] for code in ITEMS
                    if code in needed and ITEM_COLUMNS[code] not in columns]
    return missing


def parse_rows(frame: pd.DataFrame, *, first_row: int = 2,
               retest_file: bool = False) -> ParsedRows:
    """Read every column at once; each unreadable or impossible cell becomes a RowError.

    In a retest file every row is a 补测 and its first test is not in the file."""
    text = frame.astype(str).apply(lambda col: col.str.strip().str.translate(_QUOTES))
    rows = np.arange(first_row, first_row + len(frame))
    errors: list[RowError] = []

    def report(mask: np.ndarray | pd.Series, column: str, message: str) -> None:
        for row in rows[np.asarray(mask, dtype=bool)]:
            errors.append(RowError(int(row), column, message))

    def column(name: str) -> pd.Series:
        return text[name] if name in text else pd.Series([""] * len(frame), index=frame.index)

    student_no = column(STUDENT_NO)
    report(student_no == "", STUDENT_NO, "学籍号为空")
    grade = column(GRADE).map(GRADE_NAMES)
    report(grade.isna(), GRADE, "年级无法识别（应为 1–12 或 一年级…高三）")
    sex = column(SEX).map(SEX_NAMES)
    report(sex.isna(), SEX, "性别无法识别（应为 男 或 女）")

    height = _numbers(column(HEIGHT), HEIGHT, report)
    weight = _numbers(column(WEIGHT), WEIGHT, report)
    results = {}
    for code, name in ITEM_COLUMNS.items():
        if code in LONG_RUNS:
            results[code] = _run_times(column(name), code, report)
        else:
            results[code] = _numbers(column(name), name, report,
                                     integer=code in COUNT_ITEMS, bounds_key=code)
    exempt = (column(EXEMPT_REASON) != "").to_numpy()
    if retest_file:
        retest = np.ones(len(frame), dtype=bool)
        marked = column(RETEST)
        report((marked != "") & ~marked.isin(YES), RETEST,
               "补测文件中每一行都是补测成绩（「补测」列应为“是”或留空）")
        report(exempt, EXEMPT_REASON, "补测成绩不能填写免测原因")
        filled = (student_no != "").to_numpy()
        again = student_no.duplicated(keep="first").to_numpy() & filled
        report(again, STUDENT_NO, "同一学生在补测文件中出现多次（每学年仅可补测一次）")
    else:
        retest = column(RETEST).isin(YES).to_numpy()
        _check_duplicates(student_no, retest, report)
    errors.sort(key=lambda e: e.row)
    return ParsedRows(
        row_numbers=rows, student_no=student_no.to_numpy(dtype=object),
        sex=sex.fillna(-1).astype(int).to_numpy(), grade=grade.fillna(0).astype(int).to_numpy(),
        height_cm=height, weight_kg=weight, results=results, exempt=exempt, retest=retest,
        errors=errors,
    )


def _numbers(text: pd.Series, name: str, report: Reporter, *, integer: bool = False,
             bounds_key: str | None = None) -> np.ndarray:
    blank = text == ""
    values = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(dtype=float)
    unreadable = ~blank.to_numpy() & np.isnan(values)
    report(unreadable, name, "不是数字")
    if integer:
        report(~np.isnan(values) & (values != np.floor(values)), name, "应为整数")
    _check_bounds(values, name, bounds_key or name, report)
    return np.where(unreadable, np.nan, values)


def _check_bounds(values: np.ndarray, name: str, key: str, report: Reporter) -> None:
    low, high, unit = PLAUSIBLE[key]
    message = f"数值超出合理范围（{low:g}–{high:g}{unit}）"
    if key == "shuttle_50mx8":
        message += "；50米×8往返跑以秒记录（如 96.5）或写作 1'36\""
    with np.errstate(invalid="ignore"):
        report((values < low) | (values > high), name, message)


def _run_times(text: pd.Series, code: str, report: Reporter) -> np.ndarray:
    """1000米跑 / 800米跑 in seconds from m'ss", m分ss秒, m:ss, the template's m.ss, or
    plain seconds (≥ 60). In m.ss the fraction is the seconds, padded on the right because
    spreadsheets drop trailing zeros (3.4 is 3.40 = 3'40")."""
    name = ITEM_COLUMNS[code]
    values = np.full(len(text), np.nan)
    for pattern in (_MIN_SEC, _COLON):
        parts = text.str.extract(pattern)
        found = parts[0].notna().to_numpy() & np.isnan(values)
        minutes = pd.to_numeric(parts[0]).to_numpy(dtype=float)
        seconds = pd.to_numeric(parts[1]).to_numpy(dtype=float)
        decoded = np.where(seconds < 60, minutes * 60 + seconds, -1.0)
        values = np.where(found, decoded, values)
    plain = text.str.extract(_PLAIN)
    found = plain[0].notna().to_numpy() & np.isnan(values)
    whole = pd.to_numeric(plain[0]).to_numpy(dtype=float)
    fraction = plain[1].fillna("")
    padded = pd.to_numeric(fraction.str.ljust(2, "0"), errors="coerce").to_numpy(dtype=float)
    fits_mmss = (fraction.str.len().to_numpy() <= 2) & (padded < 60)
    mmss = np.where(fits_mmss, whole * 60 + padded, -1.0)
    plain_seconds = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    values = np.where(found, np.where(whole >= 60, plain_seconds, mmss), values)
    blank = (text == "").to_numpy()
    unreadable = ~blank & (np.isnan(values) | (values < 0))
    report(unreadable, name, "时间格式无法识别（应为 3'40\"、3:40、3.40 或秒数）")
    values = np.where(unreadable, np.nan, values)
    _check_bounds(values, name, code, report)
    return values


def _check_duplicates(student_no: pd.Series, retest: np.ndarray, report: Reporter) -> None:
    filled = (student_no != "").to_numpy()
    first = pd.Series(student_no[~retest & filled].to_numpy())
    report(_flag(student_no, filled & ~retest, first.duplicated(keep="first").to_numpy()),
           STUDENT_NO, "学籍号重复（每学年一条测试记录，补测请在「补测」列填“是”）")
    again = pd.Series(student_no[retest & filled].to_numpy())
    report(_flag(student_no, filled & retest, again.duplicated(keep="first").to_numpy()),
           RETEST, "每学年仅可补测一次")
    orphan = retest & filled & ~student_no.isin(set(first)).to_numpy()
    report(orphan, RETEST, "补测记录没有对应的首次测试记录")


def _flag(series: pd.Series, subset: np.ndarray, flags: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(series), dtype=bool)
    mask[np.flatnonzero(subset)[flags]] = True
    return mask


@dataclass
class ScoredTable:
    frame: pd.DataFrame
    errors: list[RowError]


@dataclass
class ScoredRows:
    """A parsed, validated and scored table, as arrays (the database import keeps these)."""

    parsed: ParsedRows
    scores: FitnessScores
    errors: list[RowError]
    bad: np.ndarray  # rows named by any error


def validate_and_score(standard: FitnessStandard, frame: pd.DataFrame, *,
                       retest_file: bool = False) -> ScoredRows:
    """Parse, score and check a table whose headers are already normalised.

    Errors: unreadable or impossible cells, duplicates, required items missing for the
    row's grade and sex (unless exempt), and retests not allowed — for a retest file only
    those the file shows; ``retest_file_errors`` adds the ones needing stored results.
    """
    parsed = parse_rows(frame, retest_file=retest_file)
    bad = parsed.bad_rows()
    # Bad rows are scored as a harmless stand-in, then blanked, so the arrays stay whole.
    sex = np.where(bad | (parsed.sex < 0), 0, parsed.sex)
    grade = np.where(bad | (parsed.grade < 1), 1, parsed.grade)
    scores = score_fitness(standard, sex=sex, grade=grade, height_cm=parsed.height_cm,
                           weight_kg=parsed.weight_kg, results=parsed.results,
                           exempt=parsed.exempt)
    errors = list(parsed.errors) + _missing_item_errors(parsed, scores, bad)
    if not retest_file:
        errors += _retest_errors(standard, parsed, scores, bad)
    errors.sort(key=lambda e: e.row)
    return ScoredRows(parsed, scores, errors, parsed.bad_rows(errors))


def score_table(standard: FitnessStandard, frame: pd.DataFrame) -> ScoredTable:
    """Validate and score a results table; returns it with the score columns added.

    Rows with errors get blank score columns and are listed in ``errors``.
    """
    frame = frame.rename(columns=normalise_header)
    scored = validate_and_score(standard, frame)
    out = frame.copy()
    for name, values in _score_columns(standard, scored.parsed, scored.scores,
                                       scored.bad).items():
        out[name] = values
    return ScoredTable(out, scored.errors)


def _missing_item_errors(parsed: ParsedRows, scores: FitnessScores,
                         bad: np.ndarray) -> list[RowError]:
    errors = []
    for code, rows in scores.missing_required.items():
        lacking = rows & ~bad & ~parsed.exempt
        column = f"{HEIGHT}/{WEIGHT}" if code == "bmi" else ITEM_COLUMNS[code]
        errors += [RowError(int(r), column, "本年级必测项目未填写（免测须填写免测原因）")
                   for r in parsed.row_numbers[lacking]]
    return errors


def _retest_errors(standard: FitnessStandard, parsed: ParsedRows, scores: FitnessScores,
                   bad: np.ndarray) -> list[RowError]:
    first, retest = first_and_retest_totals(parsed, scores)
    outcome = resolve_retest(standard, first, retest)
    refused = outcome.retest_not_allowed & parsed.retest & ~bad
    return [RowError(int(r), RETEST, "首次测试成绩已及格，不得补测")
            for r in parsed.row_numbers[refused]]


def retest_file_errors(standard: FitnessStandard, parsed: ParsedRows, *,
                       has_first: np.ndarray, first_exempt: np.ndarray,
                       first_total: np.ndarray, retested_before: np.ndarray,
                       usable: np.ndarray) -> list[RowError]:
    """The 补测 rule against each row's stored first result of the year: there must be
    one, not 免测, not already retested, and failing ("不及格者…准予补测一次").

    Per row: ``has_first`` a result is stored, ``first_exempt`` it is 免测, ``first_total``
    its 学年总分 (the first test's, NaN if none), ``retested_before`` it is already a 补测;
    ``usable`` excludes rows refused for other reasons, so each problem is named once.
    """
    rows = parsed.row_numbers
    missing = usable & ~has_first
    exempt = usable & has_first & first_exempt
    again = usable & has_first & ~first_exempt & retested_before
    with np.errstate(invalid="ignore"):
        passed = usable & has_first & ~first_exempt & ~retested_before & (
            first_total >= pass_mark(standard))
    errors = [RowError(int(r), STUDENT_NO, "该生本学年没有首次测试成绩，不能单独导入补测")
              for r in rows[missing]]
    errors += [RowError(int(r), STUDENT_NO, "该生本学年免测，不能补测") for r in rows[exempt]]
    errors += [RowError(int(r), STUDENT_NO, "该生本学年已补测一次，每学年仅可补测一次")
               for r in rows[again]]
    errors += [RowError(int(r), STUDENT_NO,
                        f"首次测试成绩已及格（学年总分 {t:.1f}），不得补测")
               for r, t in zip(rows[passed], first_total[passed], strict=True)]
    return sorted(errors, key=lambda e: e.row)


def first_and_retest_totals(parsed: ParsedRows,
                             scores: FitnessScores) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the student's first-test total and retest total of the year (NaN if none)."""
    key = pd.Series(parsed.student_no)
    first_total = pd.Series(scores.total[~parsed.retest],
                            index=key[~parsed.retest]).groupby(level=0).first()
    retest_total = pd.Series(scores.total[parsed.retest],
                             index=key[parsed.retest]).groupby(level=0).first()
    return (key.map(first_total).to_numpy(dtype=float),
            key.map(retest_total).to_numpy(dtype=float))


def _score_columns(standard: FitnessStandard, parsed: ParsedRows, scores: FitnessScores,
                   bad: np.ndarray) -> dict[str, list[str]]:
    columns = {
        "BMI": _format(scores.bmi, 1, bad),
        "BMI得分": _format(scores.bmi_score, 0, bad),
    }
    for code, name in ITEM_COLUMNS.items():
        columns[f"{name}得分"] = _format(scores.item_scores[code], 0, bad)
    columns["标准分"] = _format(scores.standard_score, standard.total_decimals, bad)
    columns["附加分"] = _format(scores.bonus, 0, bad)
    columns["总分"] = _format(scores.total, standard.total_decimals, bad)
    columns["等级"] = [("" if b else str(label)) for label, b in zip(scores.level, bad,
                                                                     strict=True)]
    if parsed.retest.any():
        first, retest = first_and_retest_totals(parsed, scores)
        year = resolve_retest(standard, first, retest).year_total
        student_bad = pd.Series(bad).groupby(parsed.student_no).transform("max").to_numpy()
        exempt = parsed.exempt
        columns["学年总分"] = _format(year, standard.total_decimals, student_bad)
        year_level = level_of(standard, year)
        year_level[exempt] = scores.level[exempt]
        columns["学年等级"] = [("" if b else str(v)) for v, b in zip(year_level, student_bad,
                                                                     strict=True)]
    return columns


def _format(values: np.ndarray, decimals: int, bad: np.ndarray) -> list[str]:
    """Numbers as the file shows them; blank where not computed or the row is refused."""
    return ["" if is_bad or value != value else f"{value:.{decimals}f}"  # NaN != NaN
            for value, is_bad in zip(values.tolist(), bad.tolist(), strict=True)]
