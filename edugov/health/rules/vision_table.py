"""A school's vision screening table (视力筛查记录) → validated arrays → classification.

One row per screened student: ``学籍号, 年级`` (``性别``, ``筛查日期`` optional), ``戴镜类型``
(未戴镜/框架眼镜/隐形眼镜/角膜塑形镜; blank = 未戴镜), per eye 裸眼视力 and 戴镜视力 (5 分记录
4.0–5.3 or 小数记录 ≤ 2.0), 球镜, 柱镜 (D) and 轴位 (°). Column-wise like
``fitness_table``; the age comes from the registry, so classification takes it separately.
No Django here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from edugov.health.rules.fitness_table import (
    GRADE,
    GRADE_NAMES,
    SEX,
    SEX_NAMES,
    STUDENT_NO,
    RowError,
)
from edugov.health.rules.vision import (
    CORRECTIONS,
    NATIONAL,
    NO_CORRECTION,
    EyeReadings,
    VisionClassification,
    VisionThresholds,
    classify,
    normalise_acuity,
)

SCREENED_ON = "筛查日期"
CORRECTION = "戴镜类型"
EYES = (("right", "右眼"), ("left", "左眼"))
READINGS = (("uncorrected", "裸眼视力"), ("corrected", "戴镜视力"), ("sphere", "球镜"),
            ("cylinder", "柱镜"), ("axis", "轴位"))
#: Readings every file must have a column for (the others may be absent: all blank).
REQUIRED_COLUMNS = (STUDENT_NO, GRADE, *(f"{eye}{name}" for _, eye in EYES
                                        for key, name in READINGS
                                        if key in ("uncorrected", "sphere", "cylinder")))
CORRECTION_NAMES = {**{label: code for code, label in CORRECTIONS.items()},
                    "": NO_CORRECTION, "无": NO_CORRECTION, "框架": "frame", "隐形": "contact",
                    "OK镜": "ortho_k", "ok镜": "ortho_k", **{code: code for code in CORRECTIONS}}
#: Plausibility bounds (edugov's guard against typing errors, not a clinical rule).
REFRACTION_BOUNDS = {"sphere": (-30.0, 25.0), "cylinder": (-10.0, 10.0), "axis": (0.0, 180.0)}

RowReporter = Callable[[Any, str, str], None]
ColumnReader = Callable[[str], pd.Series]


@dataclass
class ParsedScreening:
    row_numbers: np.ndarray
    student_no: np.ndarray
    grade: np.ndarray          # 1–12; 0 unreadable
    sex: np.ndarray            # 0 男 / 1 女; -1 blank or unreadable
    screened_on: np.ndarray    # datetime64[D]; NaT when blank
    correction: np.ndarray     # object: codes of rules/vision.py
    right: EyeReadings
    left: EyeReadings
    errors: list[RowError] = field(default_factory=list)

    def bad_rows(self, errors: list[RowError] | None = None) -> np.ndarray:
        bad = np.zeros(len(self.row_numbers), dtype=bool)
        listed = self.errors if errors is None else errors
        if listed:
            first = int(self.row_numbers[0])
            bad[np.array([e.row - first for e in listed], dtype=int)] = True
        return bad


def missing_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in REQUIRED_COLUMNS if c not in frame.columns]


def parse_screening(frame: pd.DataFrame, *, first_row: int = 2) -> ParsedScreening:
    """Read every column at once; unreadable or impossible cells become RowErrors."""
    text = frame.astype(str).apply(lambda col: col.str.strip())
    rows = np.arange(first_row, first_row + len(frame))
    errors: list[RowError] = []

    def report(mask: np.ndarray | pd.Series, column: str, message: str) -> None:
        errors.extend(RowError(int(r), column, message) for r in rows[np.asarray(mask, bool)])

    def column(name: str) -> pd.Series:
        return text[name] if name in text else pd.Series([""] * len(frame), index=frame.index)

    student_no = column(STUDENT_NO)
    report(student_no == "", STUDENT_NO, "学籍号为空")
    report(student_no.duplicated(keep="first") & (student_no != ""), STUDENT_NO,
           "学籍号重复（每学年一条筛查记录）")
    grade = column(GRADE).map(GRADE_NAMES)
    report(grade.isna(), GRADE, "年级无法识别（应为 1–12 或 一年级…高三）")
    sex_text = column(SEX)
    sex = sex_text.map(SEX_NAMES)
    report(sex.isna() & (sex_text != ""), SEX, "性别无法识别（应为 男 或 女）")
    correction = column(CORRECTION).map(CORRECTION_NAMES)
    report(correction.isna(), CORRECTION, "戴镜类型应为 未戴镜、框架眼镜、隐形眼镜 或 角膜塑形镜")
    screened_on = _dates(column(SCREENED_ON), report)
    eyes = {key: _eye(column, label, report) for key, label in EYES}
    errors.sort(key=lambda e: e.row)
    return ParsedScreening(
        row_numbers=rows, student_no=student_no.to_numpy(dtype=object),
        grade=grade.fillna(0).astype(int).to_numpy(), sex=sex.fillna(-1).astype(int).to_numpy(),
        screened_on=screened_on, correction=correction.fillna(NO_CORRECTION).to_numpy(object),
        right=eyes["right"], left=eyes["left"], errors=errors,
    )


def _dates(text: pd.Series, report: RowReporter) -> np.ndarray:
    blank = text == ""
    cleaned = text.str.slice(0, 10).str.replace("/", "-").str.replace(".", "-")
    parsed = pd.to_datetime(cleaned, format="%Y-%m-%d", errors="coerce")
    report(~blank & parsed.isna(), SCREENED_ON, "日期格式应为 YYYY-MM-DD")
    return parsed.to_numpy(dtype="datetime64[D]")


def _eye(column: ColumnReader, eye: str, report: RowReporter) -> EyeReadings:
    values = {}
    for key, name in READINGS:
        header = f"{eye}{name}"
        raw = column(header)
        blank = (raw == "").to_numpy()
        numbers = pd.to_numeric(raw.where(raw != ""), errors="coerce").to_numpy(dtype=float)
        unreadable = ~blank & np.isnan(numbers)
        report(unreadable, header, "不是数字")
        if key in ("uncorrected", "corrected"):
            acuity = normalise_acuity(numbers)
            report(~blank & ~unreadable & np.isnan(acuity), header,
                   "视力应为5分记录（4.0–5.3，如 4.8）或小数记录（如 0.6）")
            values[key] = acuity
            continue
        low, high = REFRACTION_BOUNDS[key]
        with np.errstate(invalid="ignore"):
            report((numbers < low) | (numbers > high), header,
                   f"数值超出合理范围（{low:g}–{high:g}）")
        values[key] = np.where(unreadable, np.nan, numbers)
    return EyeReadings(**values)


def age_on(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years of age on ``on`` (both datetime64[D])."""
    birth_y = birth.astype("datetime64[Y]").astype(int) + 1970
    on_y = on.astype("datetime64[Y]").astype(int) + 1970
    birth_md = (birth - birth.astype("datetime64[Y]")).astype(int)
    on_md = (on - on.astype("datetime64[Y]")).astype(int)
    # Day-of-year differs across leap years by one day around 1 March; acceptable for a
    # screening age, which only switches thresholds at 3, 4, 5 and 6.
    return on_y - birth_y - (on_md < birth_md)


def classify_rows(parsed: ParsedScreening, age: np.ndarray,
                  thresholds: VisionThresholds = NATIONAL) -> tuple[VisionClassification,
                                                                    list[RowError]]:
    """Classify every row; an incomplete record is a row error naming what is missing."""
    result = classify(age=age, correction=parsed.correction, right=parsed.right,
                      left=parsed.left, thresholds=thresholds)
    bad = parsed.bad_rows()
    incomplete = ~result.complete & ~bad
    errors = [RowError(int(r), "", f"筛查数据不完整，缺少：{missing}")
              for r, missing in zip(parsed.row_numbers[incomplete], result.missing[incomplete],
                                    strict=True)]
    return result, errors


def rescreen_sample(count: int, *, seed: int, share: float = 0.05) -> np.ndarray:
    """Indices of the students drawn for 复测: at least ``share`` of ``count``, rounded up
    (policy-rules §8: 复测抽取 ≥ 5% 已筛查学生), reproducible from ``seed``."""
    if count <= 0:
        return np.zeros(0, dtype=np.intp)
    wanted = min(count, math.ceil(count * share))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(count, size=wanted, replace=False))
