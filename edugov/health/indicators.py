"""The health app's built-in indicators, loaded by the data migration
``0002_health_indicators`` the way ``metrics/builtin.py`` loads the data center's own.

Formulas over the measures in ``health/measures.py`` and the registry's
``students.enrolled``; ratio of sums, evaluated after aggregation.
"""

from __future__ import annotations

from typing import Any

from edugov.metrics.builtin import indicator

FITNESS_SOURCE = "国家学生体质健康标准（2014年修订）教体艺〔2014〕5号; policy-rules §1"
VISION_SOURCE = "儿童青少年近视防控适宜技术指南 / WS/T 663-2020; policy-rules §8"
LEVELS = {"": "", "primary": "（小学）", "junior": "（初中）", "senior": "（高中）"}
SCHOOL_GRADES = 'level in ("primary", "junior", "senior")'


def _filter(level: str) -> str:
    return f'{{level="{level}"}}' if level else ""


def fitness_indicators() -> list[dict[str, Any]]:
    rows = []
    for level, suffix in LEVELS.items():
        code = f"_{level}" if level else ""
        where = _filter(level)
        enrolled = f"students.enrolled{where}" if level else \
            f"students.enrolled{{{SCHOOL_GRADES}}}"
        rows += [
            indicator(f"fitness_test_rate{code}", f"体质健康测试率{suffix}",
                      f"health.fitness_tested{where} / {enrolled}", "%", factor=100,
                      source=FITNESS_SOURCE, description="实测人数 ÷ 在读学生数（免测不计实测）"),
            indicator(f"fitness_pass_rate{code}", f"体质健康合格率{suffix}",
                      f"health.fitness_passed{where} / health.fitness_tested{where}", "%",
                      factor=100, source=FITNESS_SOURCE,
                      description="学年总分60分及以上人数 ÷ 实测人数"),
            indicator(f"fitness_good_rate{code}", f"体质健康优良率{suffix}",
                      f"health.fitness_good_or_excellent{where}"
                      f" / health.fitness_tested{where}", "%", factor=100,
                      source=FITNESS_SOURCE, description="学年总分80分及以上人数 ÷ 实测人数"),
            indicator(f"fitness_excellent_rate{code}", f"体质健康优秀率{suffix}",
                      f"health.fitness_excellent{where} / health.fitness_tested{where}", "%",
                      factor=100, source=FITNESS_SOURCE,
                      description="学年总分90分及以上人数 ÷ 实测人数"),
        ]
    rows.append(indicator("fitness_mean_total", "体质健康平均分",
                          "health.fitness_total_sum / health.fitness_tested", "分",
                          decimals=1, source=FITNESS_SOURCE, description="学年总分之和 ÷ 实测人数"))
    return rows


VISION_INDICATORS: list[dict[str, Any]] = [
    indicator("myopia_rate", "近视率", "health.myopia / health.vision_screened", "%",
              factor=100, direction="lower", source=VISION_SOURCE,
              description="筛查性近视人数 ÷ 有效筛查人数"),
    indicator("high_myopia_rate", "高度近视率", "health.high_myopia / health.vision_screened",
              "%", factor=100, direction="lower", source=VISION_SOURCE),
    indicator("new_myopia_rate", "新发近视率",
              "health.new_myopia / health.new_myopia_at_risk", "%", factor=100,
              direction="lower", source=VISION_SOURCE,
              description="上学年筛查未近视、本学年筛查为近视的人数"
              " ÷ 上学年筛查未近视的本学年筛查人数"),
    indicator("low_vision_rate", "视力低下率", "health.low_vision / health.vision_screened",
              "%", factor=100, direction="lower", source=VISION_SOURCE),
]

HEALTH_INDICATORS: list[dict[str, Any]] = fitness_indicators() + VISION_INDICATORS


#: Found by edugov.metrics.builtin.all_builtin_rows.
INDICATORS = HEALTH_INDICATORS


def load_indicators(indicator_model: Any) -> int:
    """Create or update this app's built-in rows (model passed in, for data migrations)."""
    from edugov.metrics.builtin import load_rows

    return load_rows(indicator_model, INDICATORS)
