"""Health rates from summed counts: ratio of sums, no value when the denominator is 0.

Counts come per (year, institution, class, grade, sex) from the database; any roll-up
(class, school, county, city; by grade or sex) sums them first and divides after, the
data center's rule, so a county's rate is never a mean of its schools' rates.

* 测试率 = 实测人数 ÷ 在读学生数 (1–12 年级, active enrolments); 免测 students are not 实测.
* 合格率 = (优秀+良好+及格) ÷ 实测人数; 优良率 = (优秀+良好) ÷ 实测; 优秀率 = 优秀 ÷ 实测.
* 平均分 = Σ 学年总分 ÷ 实测人数.
* 近视率, 高度近视率, 视力低下率 = count ÷ 筛查人数 (complete records only);
  新发近视率 = 新发 ÷ 上学年筛查未近视且本学年筛查人数 (policy-rules §8).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FITNESS_COUNTS = ("enrolled", "tested", "passed", "good_or_excellent", "excellent",
                  "total_sum")
VISION_COUNTS = ("screened", "myopic", "high_myopia", "new_myopia", "at_risk", "low_vision")

FITNESS_RATES = {"test_rate": ("tested", "enrolled"), "pass_rate": ("passed", "tested"),
                 "good_rate": ("good_or_excellent", "tested"),
                 "excellent_rate": ("excellent", "tested")}
VISION_RATES = {"myopia_rate": ("myopic", "screened"),
                "high_myopia_rate": ("high_myopia", "screened"),
                "new_myopia_rate": ("new_myopia", "at_risk"),
                "low_vision_rate": ("low_vision", "screened")}

#: Chinese column titles for pages and exports.
LABELS = {
    "enrolled": "在读人数", "tested": "实测人数", "passed": "合格人数",
    "good_or_excellent": "优良人数", "excellent": "优秀人数", "test_rate": "测试率",
    "pass_rate": "合格率", "good_rate": "优良率", "excellent_rate": "优秀率",
    "mean_total": "平均分", "screened": "筛查人数", "myopic": "近视人数",
    "high_myopia": "高度近视人数", "new_myopia": "新发近视人数", "at_risk": "上年未近视人数",
    "low_vision": "视力低下人数", "myopia_rate": "近视率", "high_myopia_rate": "高度近视率",
    "new_myopia_rate": "新发近视率", "low_vision_rate": "视力低下率",
}


def ratio(numerator: pd.Series, denominator: pd.Series, factor: float = 100.0) -> pd.Series:
    num = numerator.to_numpy(dtype=float)
    den = denominator.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(den > 0, num / den * factor, np.nan)
    return pd.Series(values, index=numerator.index)


def summarise(counts: pd.DataFrame, by: list[str], *, kind: str) -> pd.DataFrame:
    """Sum the count columns over ``by`` and add the rates (in %, NaN = no value)."""
    names = FITNESS_COUNTS if kind == "fitness" else VISION_COUNTS
    present = [c for c in names if c in counts]
    if counts.empty:
        summed = pd.DataFrame(columns=[*by, *present])
    else:
        summed = counts.groupby(by, dropna=False, sort=True)[present].sum().reset_index()
    rates = FITNESS_RATES if kind == "fitness" else VISION_RATES
    for name, (num, den) in rates.items():
        if num in summed and den in summed:
            summed[name] = ratio(summed[num], summed[den])
    if kind == "fitness":
        summed["mean_total"] = ratio(summed["total_sum"], summed["tested"], factor=1.0)
    return summed


def rank(frame: pd.DataFrame, column: str, *, higher_is_better: bool = True) -> pd.Series:
    """Competition ranking (1, 2, 2, 4); rows without a value get no rank."""
    return frame[column].rank(method="min", ascending=not higher_is_better).astype("Int64")


def weak_items(item_means: dict[str, float], *, below: float = 80.0,
               count: int = 3) -> list[str]:
    """The items with the lowest mean single-item score, those under ``below`` only:
    where a class or school should put its PE effort."""
    scored = sorted((mean, code) for code, mean in item_means.items() if mean == mean)
    return [code for mean, code in scored if mean < below][:count]
