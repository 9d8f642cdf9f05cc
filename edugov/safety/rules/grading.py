"""Risk grading (风险分级): likelihood × severity → 重大 / 较大 / 一般.

The 5×5 matrix follows the LEC-style practice of GB/T 13861 / 《企业安全风险分级管控》 guidance
that provinces adapt for schools: the score is likelihood × severity (each 1–5) and two
thresholds cut it into grades. Thresholds differ between provinces, so they are
configuration (``RiskMatrix``) with the common defaults (≥15 重大, ≥8 较大).
"""

from __future__ import annotations

from dataclasses import dataclass

MAJOR = "major"
SIGNIFICANT = "significant"
GENERAL = "general"

#: Ordered from the gravest; labels as used in 隐患清单 and 风险分级管控 registers.
GRADES: tuple[tuple[str, str], ...] = ((MAJOR, "重大"), (SIGNIFICANT, "较大"), (GENERAL, "一般"))
GRADE_LABELS = dict(GRADES)
GRADE_RANK = {code: rank for rank, (code, _label) in enumerate(GRADES)}

LEVELS = range(1, 6)


@dataclass(frozen=True)
class RiskMatrix:
    """Score thresholds: at or above ``major_from`` 重大, at or above ``significant_from`` 较大."""

    major_from: int = 15
    significant_from: int = 8

    def __post_init__(self) -> None:
        if not 1 <= self.significant_from < self.major_from <= 25:
            raise ValueError("风险矩阵阈值应满足 1 ≤ 较大 < 重大 ≤ 25")

    def grade(self, likelihood: int, severity: int) -> str:
        for value, name in ((likelihood, "可能性"), (severity, "严重程度")):
            if value not in LEVELS:
                raise ValueError(f"{name}应为1–5的整数，收到 {value}")
        score = likelihood * severity
        if score >= self.major_from:
            return MAJOR
        if score >= self.significant_from:
            return SIGNIFICANT
        return GENERAL


DEFAULT_MATRIX = RiskMatrix()


def graver(a: str, b: str) -> str:
    """The graver of two grades (a hazard found by several failed items takes the worst)."""
    return a if GRADE_RANK[a] <= GRADE_RANK[b] else b
