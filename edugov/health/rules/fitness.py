"""Vectorised scorer of 《国家学生体质健康标准（2014年修订）》 (教体艺〔2014〕5号).

Plain numpy in, plain numpy out; no per-row Python in the hot path. The figures come from
a loaded ``FitnessStandard`` (see ``fitness_standard.py``), so a revised standard or a
provincial variant scores through the same code.

Rules implemented (clause names as in the standard's 评分表 and 说明):

* BMI = 体重(kg) / 身高(m)², rounded half-up to one decimal, then banded (表1-1/表1-2):
  低体重 ≤ low max < 正常 ≤ normal max < 超重 ≤ overweight max < 肥胖.
* 单项得分 (表2–表9): higher-is-better → highest level whose threshold ≤ result;
  lower-is-better (50米跑, 50米×8往返跑, 1000/800米跑) → highest level whose threshold ≥
  result; worse than the lowest listed level → 0. Levels missing from a table (引体向上 has
  no 78/74/70/66/62, no 20/10 in 初一, no 10 in 初二) are simply not candidates.
* Results are first brought to the table's recording precision without giving credit the
  student did not earn: times round up (非零进一), distances and counts round down.
* 标准分 = Σ 单项得分 × 权重 (单项指标与权重), exact in hundredths.
* 附加分 (加分指标): 小学 1分钟跳绳; 初中/高中 男 引体向上、1000米跑, 女 1分钟仰卧起坐、
  800米跑 — points by how far the result passes the 100-point threshold; each item capped
  by its table, the sum capped at ``bonus_cap`` (20).
* 学年总分 = 标准分 + 附加分 (≤ 120), reported to ``total_decimals`` (rounded half-up);
  等级 优秀 ≥ 90.0, 良好 ≥ 80.0, 及格 ≥ 60.0, else 不及格.
* 补测: one retest a year, only after a failing result; it replaces that result.
* 毕业成绩 = 毕业当年学年总分 × 50% + 其他学年学年总分平均 × 50%; 高中/中职 (and higher
  education) graduates below 50 are 结业或肄业.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from edugov.health.rules.fitness_standard import (
    ITEMS,
    WEIGHTED,
    FitnessStandard,
    ItemTable,
    group_index,
)

EXEMPT_LEVEL = "免测"
#: Guards float noise such as 9.1 * 10 = 90.99999999999999 before rounding to a unit.
_EPSILON = 1e-6


@dataclass(frozen=True)
class FitnessScores:
    """Scores of n rows; NaN where not tested, not applicable or not computable."""

    bmi: np.ndarray
    bmi_score: np.ndarray
    item_scores: dict[str, np.ndarray]
    item_bonus: dict[str, np.ndarray]
    missing_required: dict[str, np.ndarray]  # item (incl. "bmi") → rows lacking it
    standard_score: np.ndarray
    bonus: np.ndarray
    total: np.ndarray
    level: np.ndarray  # object array of labels; "" where no total

    @property
    def complete(self) -> np.ndarray:
        missing = np.zeros(len(self.bmi), dtype=bool)
        for rows in self.missing_required.values():
            missing |= rows
        return ~missing


#: Rows scored per block: each block's working arrays stay in the CPU cache, which makes
#: the many whole-column passes several times faster than over one huge array.
BLOCK_ROWS = 1 << 16


def score_fitness(
    standard: FitnessStandard,
    *,
    sex: np.ndarray,
    grade: np.ndarray,
    height_cm: np.ndarray,
    weight_kg: np.ndarray,
    results: Mapping[str, np.ndarray],
    exempt: np.ndarray | None = None,
) -> FitnessScores:
    """Score n rows. ``sex`` 0 = 男, 1 = 女; ``grade`` 1–12; results NaN = not tested."""
    sex = np.asarray(sex, dtype=np.int64)
    grade = np.asarray(grade, dtype=np.int64)
    _check_groups(sex, grade)
    n = len(sex)
    columns = {
        "sex": sex, "grade": grade,
        "height_cm": np.asarray(height_cm, dtype=float),
        "weight_kg": np.asarray(weight_kg, dtype=float),
        "exempt": np.zeros(n, dtype=bool) if exempt is None else np.asarray(exempt, dtype=bool),
        **{code: np.asarray(results[code], dtype=float) for code in ITEMS if code in results},
    }
    out = _empty_scores(standard, n)
    for start in range(0, n, BLOCK_ROWS):
        rows = slice(start, min(start + BLOCK_ROWS, n))
        _score_block(standard, {k: v[rows] for k, v in columns.items()}, out, rows)
    return out


def _empty_scores(standard: FitnessStandard, n: int) -> FitnessScores:
    def floats() -> np.ndarray:
        return np.empty(n, dtype=float)

    def flags() -> np.ndarray:
        return np.empty(n, dtype=bool)

    return FitnessScores(
        bmi=floats(), bmi_score=floats(), item_scores={code: floats() for code in ITEMS},
        item_bonus={code: floats() for code in ITEMS if standard.items[code].bonus_lut.any()},
        missing_required={code: flags() for code in WEIGHTED}, standard_score=floats(),
        bonus=floats(), total=floats(), level=np.empty(n, dtype=object),
    )


def _score_block(standard: FitnessStandard, columns: dict[str, np.ndarray],
                 out: FitnessScores, rows: slice) -> None:
    """Score one block of rows into ``out[rows]``."""
    n = len(columns["sex"])
    groups = group_index(columns["sex"], columns["grade"]).astype(np.intp)
    exempt = columns["exempt"]
    bmi_points, bmi_known = score_bmi(standard, groups, columns["height_cm"],
                                      columns["weight_kg"], out=out.bmi[rows])
    bmi_weight = standard.weights[:, 0].astype(np.int64)[groups]
    weighted_hundredths = bmi_points * bmi_weight
    out.missing_required["bmi"][rows] = (bmi_weight > 0) & ~bmi_known
    countable = ~exempt & ~out.missing_required["bmi"][rows]
    out.bmi_score[rows] = np.where(bmi_known & ~exempt, bmi_points, np.nan)
    bonus_sum = np.zeros(n, dtype=np.int64)
    for k, code in enumerate(ITEMS, start=1):
        table = standard.items[code]
        weight = standard.weights[:, k].astype(np.int64)[groups]
        values = columns.get(code)
        if values is None:
            scored = np.zeros(n, dtype=bool)
            score, bonus = np.zeros(n, dtype=np.int16), np.zeros(n, dtype=np.int16)
        else:
            scored = (weight > 0) & ~np.isnan(values)
            score, bonus = lookup_scores(table, groups, values)
        score *= scored
        weighted_hundredths += score * weight
        if code in out.item_bonus:
            bonus *= scored
            out.item_bonus[code][rows] = bonus
            bonus_sum += bonus
        missing = (weight > 0) & ~scored
        out.missing_required[code][rows] = missing
        countable &= ~missing
        out.item_scores[code][rows] = np.where(scored & ~exempt, score, np.nan)

    bonus_total = np.minimum(bonus_sum, int(standard.bonus_cap))
    decimals = standard.total_decimals
    out.standard_score[rows] = np.where(
        countable, round_half_up_hundredths(weighted_hundredths, decimals), np.nan)
    total = np.where(countable, round_half_up_hundredths(
        weighted_hundredths + bonus_total * 100, decimals), np.nan)
    out.total[rows] = total
    out.bonus[rows] = np.where(countable, bonus_total, np.nan)
    level = level_of(standard, total)
    # 免予执行: the year has no scores at all, only the exemption (measurements stay).
    level[exempt] = EXEMPT_LEVEL
    out.level[rows] = level


def _check_groups(sex: np.ndarray, grade: np.ndarray) -> None:
    if len(sex) != len(grade):
        raise ValueError("sex and grade differ in length")
    if len(sex) and (sex.min() < 0 or sex.max() > 1 or grade.min() < 1 or grade.max() > 12):
        raise ValueError("sex must be 0/1 and grade 1–12")


def score_bmi(standard: FitnessStandard, groups: np.ndarray, height_cm: np.ndarray,
              weight_kg: np.ndarray, *, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BMI rounded half-up to the standard's decimals (written to ``out``, NaN where not
    computable), its band score (表1-1/表1-2: 低体重, 正常, 超重, 肥胖; 0 where not
    computable) and whether it was computable."""
    scale = 10**standard.bmi_decimals
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = weight_kg / (height_cm / 100.0) ** 2
        scaled = np.floor(raw * scale + 0.5 + _EPSILON)
    known = np.isfinite(scaled)
    width = standard.bmi_lut.shape[1]
    offset = np.clip(np.where(known, scaled, 0) - standard.bmi_lut_base, 0, width - 1)
    score = standard.bmi_lut.ravel()[groups * width + offset.astype(np.intp)]
    out[:] = np.where(known, scaled / scale, np.nan)
    return np.where(known, score, 0), known


def orient(table: ItemTable, values: np.ndarray) -> np.ndarray:
    """Results in the table's integer unit, larger = better (NaN stays NaN).

    Times round up and distances/counts round down, so a result beyond the recording
    precision never earns credit it did not reach (50米跑 "非零进一")."""
    oriented = values * table.scale
    if table.lower_is_better:
        oriented -= _EPSILON
        np.ceil(oriented, out=oriented)
        return np.negative(oriented, out=oriented)
    oriented += _EPSILON
    return np.floor(oriented, out=oriented)


def lookup_scores(table: ItemTable, groups: np.ndarray,
                  values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The §1.2 lookup rule and the 加分指标 for every row at once: one gather each from
    the item's dense lookup (see ``ItemTable``). Untested rows read a harmless cell."""
    width = table.score_lut.shape[1]
    offset = orient(table, values)
    offset -= table.lut_base
    # fmax/fmin also turn NaN (not tested) into a valid cell, in one pass each.
    np.fmax(offset, 0, out=offset)
    np.fmin(offset, width - 1, out=offset)
    cell = offset.astype(np.intp)
    cell += groups * width
    return table.score_lut.ravel()[cell], table.bonus_lut.ravel()[cell]


def round_half_up_hundredths(hundredths: np.ndarray, decimals: int) -> np.ndarray:
    """Exact hundredths → value rounded half-up to ``decimals`` (≤ 2)."""
    step = 10 ** (2 - decimals)
    return ((hundredths + step // 2) // step) * step / 100.0


def round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    scale = 10**decimals
    return np.floor(np.asarray(values, float) * scale + 0.5 + _EPSILON) / scale


def level_of(standard: FitnessStandard, totals: np.ndarray) -> np.ndarray:
    """等级 by 学年总分 (优秀/良好/及格/不及格); "" where there is no total."""
    totals = np.asarray(totals, dtype=float)
    labels = np.full(len(totals), "", dtype=object)
    assigned = np.isnan(totals)
    for level in standard.levels:
        reached = ~assigned if level.min_total is None else ~assigned & (totals >= level.min_total)
        labels[reached] = level.label
        assigned |= reached
    return labels


def pass_mark(standard: FitnessStandard) -> float:
    """Lowest total of the passing level (及格 60.0)."""
    for level in standard.levels:
        if level.label == standard.pass_level and level.min_total is not None:
            return float(level.min_total)
    raise ValueError("standard has no pass level")


@dataclass(frozen=True)
class RetestOutcome:
    year_total: np.ndarray
    retest_used: np.ndarray
    retest_not_allowed: np.ndarray  # a retest recorded although the first result passed


def resolve_retest(standard: FitnessStandard, first_total: np.ndarray,
                   retest_total: np.ndarray) -> RetestOutcome:
    """补测: "测试成绩评定不及格者，在本学年度准予补测一次" — the retest replaces the failing
    result (补测仍不及格, the year is 不及格). A retest after a pass is not allowed."""
    first = np.asarray(first_total, dtype=float)
    retest = np.asarray(retest_total, dtype=float)
    failed = first < pass_mark(standard)
    has_retest = ~np.isnan(retest)
    used = failed & has_retest
    return RetestOutcome(
        year_total=np.where(used, retest, first),
        retest_used=used,
        retest_not_allowed=has_retest & ~failed,
    )


def graduation_score(standard: FitnessStandard, final_year_total: np.ndarray,
                     other_year_totals: np.ndarray) -> np.ndarray:
    """毕业成绩 = 毕业当年学年总分 × 50% + 其他学年学年总分平均 × 50%.

    ``other_year_totals`` is n × k with NaN for years without a total. A student with no
    other year on record (e.g. transferred in for the final year) keeps the final year's
    total — the weighting has nothing to average.
    """
    final = np.asarray(final_year_total, dtype=float)
    others = np.asarray(other_year_totals, dtype=float).reshape(len(final), -1)
    counts = (~np.isnan(others)).sum(axis=1)
    mean_others = np.nansum(others, axis=1) / np.maximum(counts, 1)
    weights = standard.graduation
    blended = (final * weights["final_year_weight"]
               + mean_others * weights["other_years_weight"])
    return round_half_up(np.where(counts > 0, blended, final), standard.total_decimals)


def below_graduation_minimum(standard: FitnessStandard, score: np.ndarray,
                             stage: np.ndarray) -> np.ndarray:
    """普通高中、中等职业学校 (and higher education) graduates scoring below 50 are
    "按结业或肄业处理"; the rule does not apply to 小学/初中 stages."""
    rule = standard.graduation
    applies = np.isin(np.asarray(stage, dtype=object), rule["minimum_score_stages"])
    return applies & (np.asarray(score, dtype=float) < rule["minimum_score"])
