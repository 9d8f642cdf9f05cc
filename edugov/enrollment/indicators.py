"""Admissions' built-in indicators, with the policy each comes from (policy-rules §2.1, §6).

Loaded by the migration ``enrollment/0002_enrollment_indicators`` the way the data center
loads its own catalog (``metrics/builtin.py``): built-in rows are created or updated in
place and cannot be edited by a bureau. The thresholds are in each description; targets per
region and year are set in the data center.
"""

from __future__ import annotations

from typing import Any

from edugov.metrics.builtin import indicator

BALANCED_13 = ("教督〔2017〕6号 政府保障 第13项（城区和镇区公办小学100%、初中≥95%）;"
               " policy-rules §2.1")
BALANCED_15 = "教督〔2017〕6号 政府保障 第15项（≥85%）; policy-rules §2.1, §6.1"
#: 城区和镇区, 公办: the scope of item 13 (boarding schools are not told apart in the registry).
NEARBY_SCOPE = 'ownership="public", locality in ("urban", "town")'

ENROLLMENT_INDICATORS: list[dict[str, Any]] = [
    indicator("enrollment_migrant_public_share", "随迁子女公办学校就读比例（新生）",
              'enrollment.admitted{migrant=true, ownership="public"}'
              " / enrollment.admitted{migrant=true}",
              "%", factor=100, source=BALANCED_15,
              description="本年度录取的随迁子女中，录取到公办学校的比例（优质均衡要求≥85%）"),
    indicator("enrollment_nearby_primary", "就近划片入学比例（小学）",
              f'enrollment.admitted{{level="primary", {NEARBY_SCOPE}, nearby=true}}'
              f' / enrollment.admitted{{level="primary", {NEARBY_SCOPE}}}',
              "%", factor=100, source=BALANCED_13,
              description="城区和镇区公办小学一年级新生中，按户籍、房产或居住证学区录取的比例"
                          "（优质均衡要求100%）"),
    indicator("enrollment_nearby_junior", "就近划片入学比例（初中）",
              f'enrollment.admitted{{level="junior", {NEARBY_SCOPE}, nearby=true}}'
              f' / enrollment.admitted{{level="junior", {NEARBY_SCOPE}}}',
              "%", factor=100, source=BALANCED_13,
              description="城区和镇区公办初中初一新生中，按学区录取的比例（优质均衡要求≥95%）"),
    indicator("enrollment_first_choice_rate", "第一志愿录取率",
              "enrollment.admitted{choice_rank=1} / enrollment.admitted",
              "%", factor=100, source="义务教育招生入学工作（各地招生方案）; policy-rules §6",
              description="录取新生中按第一志愿录取的比例"),
    indicator("enrollment_lottery_win_rate", "电脑随机录取中签率",
              "enrollment.lottery_winners / enrollment.lottery_applicants",
              "%", factor=100, source="公民同招 电脑随机录取; policy-rules §6.2",
              description="公民同招学校报名者中经摇号录取的比例"),
    indicator("enrollment_over_standard_classes", "计划班额超标准的招生班数",
              "enrollment.classes_over_standard", "个", direction="lower", decimals=0,
              source="教督〔2017〕6号 政府保障 第5项; policy-rules §3",
              description="招生计划中班额超过标准（小学45人、初中50人、幼儿园小班25人）的班数"),
]


#: Found by edugov.metrics.builtin.all_builtin_rows.
INDICATORS = ENROLLMENT_INDICATORS


def load_indicators(indicator_model: Any) -> int:
    """Create or update this app's built-in rows (model passed in, for data migrations)."""
    from edugov.metrics.builtin import load_rows

    return load_rows(indicator_model, INDICATORS)
