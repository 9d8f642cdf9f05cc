"""师德 (teachers' professional ethics): the negative list and the one-vote veto (一票否决).

Policy (policy-rules.md §5.3):

* 《新时代中小学教师职业行为十项准则》(教师〔2018〕16号) names the ten duties a violation is
  recorded against (``CATEGORIES``); 《中小学教师违反职业道德行为处理办法（2018年修订）》 the
  sanctions (``SANCTIONS``): 处理 (批评教育, 诫勉谈话, 责令检查, 通报批评) and 处分 (警告, 记过,
  降低岗位等级或撤职, 开除), plus 撤销教师资格 — recall, the text was not reached.
* 教师〔2019〕10号: 师德考核不合格者年度考核应评定为不合格，并取消在教师职称评聘、推优评先、
  表彰奖励…等方面的资格 (secondary source). So during a case's veto period a teacher cannot be
  promoted in title, receive an honour, or be rated above 不合格 in the annual appraisal.
* How long the veto lasts is not fixed nationally. The defaults follow the periods of
  《事业单位工作人员处分暂行规定》(人社部令第18号) 第八条 for 处分 (警告 6, 记过 12, 降低岗位等级
  或撤职 24 months — recall, unverified) and one appraisal year (12 months) for 处理; 开除 and
  撤销教师资格 bar for good. Provinces set their own: pass ``ConductRules``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: 十项准则: code → the duty violated.
CATEGORIES: dict[str, str] = {
    "politics": "坚定政治方向",
    "law": "自觉爱国守法",
    "culture": "传播优秀文化",
    "teaching": "潜心教书育人",
    "care": "关心爱护学生",
    "safety": "加强安全防范",
    "propriety": "坚持言行雅正",
    "fairness": "秉持公平诚信",
    "integrity": "坚守廉洁自律",
    "practice": "规范从教行为",
}

#: Sanctions, lightest first: 处理, then 处分, then loss of the teaching licence.
SANCTIONS: dict[str, str] = {
    "criticism": "批评教育",
    "admonition": "诫勉谈话",
    "self_review": "责令检查",
    "circulated": "通报批评",
    "warning": "警告",
    "demerit": "记过",
    "demotion": "降低岗位等级或撤职",
    "dismissal": "开除",
    "revoked": "撤销教师资格",
}

#: Sanctions after which the person may not teach again (they also fail the pre-hire check).
BARRING = frozenset({"dismissal", "revoked"})

#: Annual appraisal grades (年度考核等次), best first.
APPRAISAL_GRADES: dict[str, str] = {
    "excellent": "优秀",
    "competent": "合格",
    "basic": "基本合格",
    "incompetent": "不合格",
}


def _default_veto_months() -> dict[str, int | None]:
    return {"criticism": 12, "admonition": 12, "self_review": 12, "circulated": 12,
            "warning": 6, "demerit": 12, "demotion": 24, "dismissal": None, "revoked": None}


@dataclass(frozen=True)
class ConductRules:
    #: Months a sanction vetoes titles, honours and appraisal above 不合格; None = for good.
    veto_months: Mapping[str, int | None] = field(default_factory=_default_veto_months)


@dataclass(frozen=True)
class Case:
    """One entry of the negative list, as plain data."""

    staff: int
    category: str
    sanction: str
    decided: dt.date


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's end (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def veto_until(case: Case, rules: ConductRules | None = None) -> dt.date | None:
    """Last day of the case's veto; None when it never ends."""
    months = (rules or ConductRules()).veto_months[case.sanction]
    if months is None:
        return None
    return add_months(case.decided, months) - dt.timedelta(days=1)


def in_veto(case: Case, on: dt.date, rules: ConductRules | None = None) -> bool:
    if on < case.decided:
        return False
    end = veto_until(case, rules)
    return end is None or on <= end


def veto_reason(cases: Iterable[Case], on: dt.date, what: str,
                rules: ConductRules | None = None) -> str | None:
    """Why ``what`` (职称晋升, 评优评先…) is refused on ``on``, or None when it is not."""
    active = sorted((c for c in cases if in_veto(c, on, rules)), key=lambda c: c.decided)
    if not active:
        return None
    case = active[-1]
    end = veto_until(case, rules)
    until = "长期" if end is None else f"至{end:%Y年%m月%d日}"
    return (f"师德一票否决：该教师因违反“{CATEGORIES[case.category]}”于"
            f"{case.decided:%Y年%m月%d日}受到“{SANCTIONS[case.sanction]}”，{until}不得{what}")


def appraisal_refusal(cases: Iterable[Case], grade: str, period: tuple[dt.date, dt.date],
                      rules: ConductRules | None = None) -> str | None:
    """A grade above 不合格 is refused when a veto overlaps the appraisal period."""
    if grade == "incompetent":
        return None
    start, end = period
    for case in cases:
        last = veto_until(case, rules)
        if case.decided <= end and (last is None or last >= start):
            return (f"师德一票否决：考核期内该教师受到“{SANCTIONS[case.sanction]}”"
                    f"（违反“{CATEGORIES[case.category]}”），年度考核只能评定为不合格")
    return None


def bars_teaching(cases: Iterable[Case]) -> Case | None:
    """A case after which the person may not be hired as a teacher again."""
    return next((c for c in cases if c.sanction in BARRING), None)
