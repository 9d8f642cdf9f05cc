"""优质均衡 resource allocation check (教督〔2017〕6号, 资源配置 7 indicators).

policy-rules.md §2.1: every school must meet at least 6 of the 7 indicators with the
7th at no less than 85% of its threshold, and each indicator's 校际差异系数 across the
county's schools of a level must not exceed 0.50 (小学) / 0.45 (初中). The CV is
weighted by enrolment (§2.1(b)): X̄ = ΣPᵢXᵢ/P, S = √(Σ(Pᵢ/P)(Xᵢ−X̄)²), CV = S/X̄.
Combined schools are split into their 小学部 and 初中部 by the 1 : 1.1 : 1.32 weights.
Thresholds are the national defaults; provinces tighten them through configuration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

PRIMARY, JUNIOR = "primary", "junior"

#: Indicator code → (Chinese name, threshold for 小学, threshold for 初中); all "≥".
RESOURCE_INDICATORS: dict[str, tuple[str, float, float]] = {
    "R1": ("每百名学生拥有高于规定学历教师数", 4.2, 5.3),
    "R2": ("每百名学生拥有县级以上骨干教师数", 1.0, 1.0),
    "R3": ("每百名学生拥有体育、艺术专任教师数", 0.9, 0.9),
    "R4": ("生均教学及辅助用房面积", 4.5, 5.8),
    "R5": ("生均体育运动场馆面积", 7.5, 10.2),
    "R6": ("生均教学仪器设备值", 2000.0, 2500.0),
    "R7": ("每百名学生拥有网络多媒体教室数", 2.3, 2.4),
}
CV_LIMITS = {PRIMARY: 0.50, JUNIOR: 0.45}
MIN_MET = 6
NEAR_MISS_SHARE = 0.85
#: Student weights of 小学 : 初中 : 高中 for splitting combined schools' facilities.
LEVEL_WEIGHTS = {PRIMARY: 1.0, JUNIOR: 1.1, "senior": 1.32}


def weighted_cv(values: Sequence[float], weights: Sequence[float]) -> float | None:
    """Enrolment-weighted coefficient of variation; None without students or with mean 0."""
    total = sum(weights)
    if total <= 0:
        return None
    mean = sum(w * x for w, x in zip(weights, values, strict=True)) / total
    if mean == 0:
        return None
    variance = sum(w / total * (x - mean) ** 2 for w, x in zip(weights, values, strict=True))
    return math.sqrt(variance) / mean


def level_shares(students: Mapping[str, int]) -> dict[str, float]:
    """Each level's share of a combined school's facilities, e.g. 小学部 = A/(A+1.1B)."""
    weighted = {level: LEVEL_WEIGHTS[level] * n for level, n in students.items() if n > 0}
    total = sum(weighted.values())
    return {level: w / total for level, w in weighted.items()} if total else {}


@dataclass(frozen=True)
class SchoolLevel:
    """One school's part at one level, with its 7 indicator values (None: no students)."""

    school: str
    name: str
    level: str
    students: int
    values: Mapping[str, float | None]


@dataclass
class SchoolVerdict:
    school: str
    name: str
    level: str
    met: list[str] = field(default_factory=list)
    failed: dict[str, float] = field(default_factory=dict)  # code → value / threshold
    passed: bool = False


@dataclass
class CountyVerdict:
    level: str
    schools: list[SchoolVerdict]
    cv: dict[str, float | None]
    cv_failed: dict[str, float]
    passed: bool

    @property
    def failing_schools(self) -> list[SchoolVerdict]:
        return [s for s in self.schools if not s.passed]


def threshold(code: str, level: str,
              overrides: Mapping[tuple[str, str], float] | None = None) -> float:
    if overrides and (code, level) in overrides:
        return overrides[(code, level)]
    _, primary, junior = RESOURCE_INDICATORS[code]
    return primary if level == PRIMARY else junior


def judge_school(part: SchoolLevel,
                 overrides: Mapping[tuple[str, str], float] | None = None) -> SchoolVerdict:
    """≥ 6 of 7 met and the rest at ≥ 85% of the threshold."""
    verdict = SchoolVerdict(part.school, part.name, part.level)
    for code in RESOURCE_INDICATORS:
        value = part.values.get(code)
        limit = threshold(code, part.level, overrides)
        if value is not None and value >= limit:
            verdict.met.append(code)
        else:
            verdict.failed[code] = (value or 0.0) / limit
    near_misses_ok = all(share >= NEAR_MISS_SHARE for share in verdict.failed.values())
    verdict.passed = len(verdict.met) >= MIN_MET and near_misses_ok
    return verdict


def judge_county(parts: Sequence[SchoolLevel], level: str, *,
                 overrides: Mapping[tuple[str, str], float] | None = None,
                 cv_limit: float | None = None) -> CountyVerdict:
    """Every school's verdict and every indicator's weighted CV for one level of a county."""
    here = [p for p in parts if p.level == level and p.students > 0]
    limit = CV_LIMITS[level] if cv_limit is None else cv_limit
    cvs: dict[str, float | None] = {}
    for code in RESOURCE_INDICATORS:
        pairs = [(p.values[code], p.students) for p in here if p.values.get(code) is not None]
        cvs[code] = weighted_cv([v for v, _ in pairs], [w for _, w in pairs])  # type: ignore[misc]
    cv_failed = {c: v for c, v in cvs.items() if v is not None and v > limit}
    schools = [judge_school(p, overrides) for p in here]
    return CountyVerdict(level, schools, cvs, cv_failed,
                         passed=not cv_failed and all(s.passed for s in schools))


#: Indicators counted per hundred students (the others are per student).
PER_HUNDRED = frozenset({"R1", "R2", "R3", "R7"})
#: R1 counts teachers above the level's required education: 小学 专科及以上, 初中 本科及以上.
R1_NUMERATOR = {PRIMARY: "R1_primary", JUNIOR: "R1_junior"}


def school_parts(school: str, name: str, students: Mapping[str, int],
                 resources: Mapping[str, float]) -> list[SchoolLevel]:
    """A school's 小学部 and 初中部 with their 7 values, resources split by level weights.

    ``students`` holds in-school students by level (primary, junior, senior);
    ``resources`` the school's totals: R1_primary, R1_junior, R2 … R7. A single-level
    school gets all of its resources; a combined school (九年一贯制, 完全中学, 十二年一贯制)
    shares them by A : 1.1B : 1.32C (policy-rules §2.1). The rule splits facilities
    (R4–R7); teachers have no level in the registry, so R1–R3 use the same shares.
    """
    shares = level_shares(students)
    parts = []
    for level in (PRIMARY, JUNIOR):
        count = students.get(level, 0)
        if count <= 0:
            continue
        values: dict[str, float | None] = {}
        for code in RESOURCE_INDICATORS:
            key = R1_NUMERATOR[level] if code == "R1" else code
            per = 100.0 if code in PER_HUNDRED else 1.0
            values[code] = resources.get(key, 0.0) * shares[level] / count * per
        parts.append(SchoolLevel(school, name, level, count, values))
    return parts
