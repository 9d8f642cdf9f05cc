"""Vision screening (视力筛查) classification, vectorised over students.

Rules (policy-rules.md §8; thresholds are configuration, national figures by default):

* 筛查性近视: 6 岁以上 裸眼远视力 < 5.0 (under 6: < 4.9) **and** 非睫状肌麻痹下电脑验光
  等效球镜 SE ≤ −0.50 D, in either eye (《儿童青少年近视防控适宜技术指南》, WS/T 663-2020;
  secondary source: Laozhihao/myopia-pac-backend ``StatUtil#getScreeningMyopia``).
* SE = 球镜 + ½ 柱镜.
* Severity by the more myopic screened eye: 低度 −3.00 ≤ SE ≤ −0.50, 中度 −6.00 < SE < −3.00,
  高度 SE ≤ −6.00 (《近视防治指南》 splits 低/中 at −3.00, recall; 高度 at ≤ −6.00 follows the
  production code — the guideline's "< −6.00" is available by setting ``high_se_max``).
* 近视前期 (not myopic): −0.50 < SE ≤ +0.75 in either eye.
* 视力低下: 裸眼 ≤ 4.9 at age ≥ 5, ≤ 4.8 at 4, ≤ 4.7 at 3, ≤ 4.6 at 1–2, either eye;
  程度 (age ≥ 6, worse eye): 轻度 4.9, 中度 4.6–4.8, 重度 ≤ 4.5 (``StatUtil#isLowVision``,
  ``getLowVisionLevel``).
* 5 分记录 (GB/T 11533 标准对数视力表): L = 5 + lg V, to 0.1.
* Data completeness: 未戴镜 — 裸眼视力 + 电脑验光 (球镜、柱镜; 轴位 when 柱镜 ≠ 0), both eyes;
  框架眼镜/隐形眼镜 — the same plus 戴镜视力; 角膜塑形镜 — 戴镜视力 (refraction is not
  meaningful over an orthokeratology lens). Incomplete records are left out of every rate.
* A student wearing 角膜塑形镜 is counted as myopic (they are treated for myopia; recall —
  ``ortho_k_counts_as_myopia``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_CORRECTION = "none"
FRAME_GLASSES = "frame"
CONTACT_LENSES = "contact"
ORTHO_K = "ortho_k"
CORRECTIONS = {
    NO_CORRECTION: "未戴镜",
    FRAME_GLASSES: "框架眼镜",
    CONTACT_LENSES: "隐形眼镜",
    ORTHO_K: "角膜塑形镜",
}

#: The 5-point chart runs 4.0–5.3 with 3.x for counting fingers etc.; decimal acuity
#: runs up to 2.0 — the ranges do not overlap, so the notation can be told by value.
FIVE_POINT_RANGE = (3.0, 5.3)
DECIMAL_RANGE = (0.001, 2.0)

MILD, MODERATE, SEVERE = "轻度", "中度", "重度"
LOW_MYOPIA, MODERATE_MYOPIA, HIGH_MYOPIA = "低度", "中度", "高度"


@dataclass(frozen=True)
class VisionThresholds:
    myopia_acuity_below: float = 5.0
    myopia_acuity_below_under_6: float = 4.9
    myopia_se_max: float = -0.50
    pre_myopia_se_max: float = 0.75
    moderate_myopia_se_below: float = -3.00
    high_se_max: float = -6.00
    #: (minimum age, 裸眼 at or below which vision is low), oldest first.
    low_vision_by_age: tuple[tuple[int, float], ...] = ((5, 4.9), (4, 4.8), (3, 4.7), (1, 4.6))
    low_vision_moderate_max: float = 4.8
    low_vision_severe_max: float = 4.5
    ortho_k_counts_as_myopia: bool = True


NATIONAL = VisionThresholds()


def decimal_to_five_point(decimal: np.ndarray) -> np.ndarray:
    """小数视力 → 5 分记录 (L = 5 + lg V), half-up to 0.1: 1.0 → 5.0, 0.8 → 4.9, 0.6 → 4.8."""
    with np.errstate(divide="ignore", invalid="ignore"):
        five = 5 + np.log10(np.asarray(decimal, dtype=float))
    return np.floor(five * 10 + 0.5) / 10


def normalise_acuity(values: np.ndarray) -> np.ndarray:
    """Either notation → 5 分记录; NaN for blanks and values valid in neither."""
    values = np.asarray(values, dtype=float)
    five = (values >= FIVE_POINT_RANGE[0]) & (values <= FIVE_POINT_RANGE[1])
    decimal = (values >= DECIMAL_RANGE[0]) & (values <= DECIMAL_RANGE[1])
    with np.errstate(invalid="ignore"):
        return np.where(five, values, np.where(decimal, decimal_to_five_point(values), np.nan))


def spherical_equivalent(sphere: np.ndarray, cylinder: np.ndarray) -> np.ndarray:
    return np.asarray(sphere, dtype=float) + np.asarray(cylinder, dtype=float) / 2


@dataclass(frozen=True)
class EyeReadings:
    """One eye's readings for n students (NaN = not recorded)."""

    uncorrected: np.ndarray   # 裸眼远视力, 5 分记录
    corrected: np.ndarray     # 戴镜远视力, 5 分记录
    sphere: np.ndarray
    cylinder: np.ndarray
    axis: np.ndarray

    @classmethod
    def blank(cls, n: int) -> EyeReadings:
        return cls(*(np.full(n, np.nan) for _ in range(5)))


@dataclass(frozen=True)
class VisionClassification:
    complete: np.ndarray
    missing: np.ndarray           # object: Chinese list of what is missing, "" if complete
    se_right: np.ndarray
    se_left: np.ndarray
    myopia: np.ndarray            # 筛查性近视 (complete records only)
    myopia_severity: np.ndarray   # 低度/中度/高度, "" otherwise
    high_myopia: np.ndarray
    pre_myopia: np.ndarray
    low_vision: np.ndarray
    low_vision_level: np.ndarray  # 轻度/中度/重度 (age ≥ 6), "" otherwise


def classify(*, age: np.ndarray, correction: np.ndarray, right: EyeReadings, left: EyeReadings,
             thresholds: VisionThresholds = NATIONAL) -> VisionClassification:
    """Classify n screening records at once."""
    age = np.asarray(age, dtype=float)
    correction = np.asarray(correction, dtype=object)
    complete, missing = _completeness(correction, right, left)
    ortho_k = correction == ORTHO_K
    se_r = spherical_equivalent(right.sphere, right.cylinder)
    se_l = spherical_equivalent(left.sphere, left.cylinder)

    acuity_limit = np.where(age >= 6, thresholds.myopia_acuity_below,
                            thresholds.myopia_acuity_below_under_6)
    with np.errstate(invalid="ignore"):
        myopic_r = (right.uncorrected < acuity_limit) & (se_r <= thresholds.myopia_se_max)
        myopic_l = (left.uncorrected < acuity_limit) & (se_l <= thresholds.myopia_se_max)
    by_refraction = complete & ~ortho_k & (myopic_r | myopic_l)
    by_lens = complete & ortho_k & thresholds.ortho_k_counts_as_myopia
    myopia = by_refraction | by_lens

    worst_se = np.fmin(np.where(myopic_r, se_r, np.nan), np.where(myopic_l, se_l, np.nan))
    severity = np.full(len(age), "", dtype=object)
    with np.errstate(invalid="ignore"):
        severity[by_refraction] = LOW_MYOPIA
        severity[by_refraction & (worst_se < thresholds.moderate_myopia_se_below)] = \
            MODERATE_MYOPIA
        severity[by_refraction & (worst_se <= thresholds.high_se_max)] = HIGH_MYOPIA
        pre_r = (se_r > thresholds.myopia_se_max) & (se_r <= thresholds.pre_myopia_se_max)
        pre_l = (se_l > thresholds.myopia_se_max) & (se_l <= thresholds.pre_myopia_se_max)
    pre_myopia = complete & ~ortho_k & ~myopia & (pre_r | pre_l)

    low_vision, low_level = _low_vision(age, right.uncorrected, left.uncorrected, thresholds)
    return VisionClassification(
        complete=complete, missing=missing, se_right=se_r, se_left=se_l, myopia=myopia,
        myopia_severity=severity, high_myopia=severity == HIGH_MYOPIA, pre_myopia=pre_myopia,
        low_vision=low_vision, low_vision_level=low_level,
    )


def _completeness(correction: np.ndarray, right: EyeReadings,
                  left: EyeReadings) -> tuple[np.ndarray, np.ndarray]:
    n = len(correction)
    ortho_k = correction == ORTHO_K
    wears_glasses = np.isin(correction, [FRAME_GLASSES, CONTACT_LENSES])
    known = np.isin(correction, list(CORRECTIONS))
    needs = {
        "裸眼视力": ~ortho_k,
        "球镜": ~ortho_k,
        "柱镜": ~ortho_k,
        "轴位": ~ortho_k,
        "戴镜视力": wears_glasses | ortho_k,
    }
    gaps: list[tuple[str, np.ndarray]] = [("戴镜情况", ~known)]
    for eye_name, eye in (("右眼", right), ("左眼", left)):
        readings = {
            "裸眼视力": np.isnan(eye.uncorrected),
            "球镜": np.isnan(eye.sphere),
            "柱镜": np.isnan(eye.cylinder),
            # An axis only exists for a cylinder; 柱镜 0 needs none.
            "轴位": np.isnan(eye.axis) & ~(eye.cylinder == 0),
            "戴镜视力": np.isnan(eye.corrected),
        }
        gaps += [(eye_name + field, needs[field] & known & absent)
                 for field, absent in readings.items()]
    missing = np.full(n, "", dtype=object)
    incomplete = np.zeros(n, dtype=bool)
    for label, rows in gaps:
        if rows.any():
            missing[rows] = missing[rows] + np.where(missing[rows] == "", "", "、") + label
            incomplete |= rows
    return ~incomplete, missing


def _low_vision(age: np.ndarray, right: np.ndarray, left: np.ndarray,
                thresholds: VisionThresholds) -> tuple[np.ndarray, np.ndarray]:
    limit = np.full(len(age), np.nan)
    for min_age, at_most in reversed(thresholds.low_vision_by_age):
        limit = np.where(age >= min_age, at_most, limit)
    worse = np.fmin(right, left)
    with np.errstate(invalid="ignore"):
        low = (worse <= limit) & ~np.isnan(right) & ~np.isnan(left)
        level = np.full(len(age), "", dtype=object)
        graded = low & (age >= 6)
        level[graded] = MILD
        level[graded & (worse <= thresholds.low_vision_moderate_max)] = MODERATE
        level[graded & (worse <= thresholds.low_vision_severe_max)] = SEVERE
    return low, level


def new_myopia(*, previous_myopia: np.ndarray, previous_complete: np.ndarray,
               current_myopia: np.ndarray, current_complete: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """新发近视: myopic now, screened and not myopic last year.

    Returns (newly myopic, at risk); 新发近视率 = newly.sum() / at_risk.sum().
    """
    at_risk = (np.asarray(previous_complete, bool) & ~np.asarray(previous_myopia, bool)
               & np.asarray(current_complete, bool))
    return at_risk & np.asarray(current_myopia, bool), at_risk
