"""Safety indicators from counts (ratio of sums: no value when the denominator is 0).

检查覆盖率 = inspections done / due; 整改率 = closed / found; 按期整改率 = closed by the
deadline / closed; 平均整改天数 = days from report to 销号 over closed hazards; incidents per
10,000 students.
"""

from __future__ import annotations

from dataclasses import dataclass


def ratio(part: float, whole: float, *, factor: float = 100.0) -> float | None:
    return round(factor * part / whole, 2) if whole else None


@dataclass(frozen=True)
class SafetyCounts:
    inspections_due: int = 0
    inspections_done: int = 0
    hazards_found: int = 0
    hazards_closed: int = 0
    hazards_closed_on_time: int = 0
    rectification_days_total: float = 0.0
    supervised_major: int = 0
    overdue_hazards: int = 0
    overdue_inspections: int = 0
    incidents: int = 0
    serious_incidents: int = 0
    students: int = 0


def indicators(c: SafetyCounts) -> dict[str, float | int | None]:
    return {
        "检查覆盖率(%)": ratio(c.inspections_done, c.inspections_due),
        "隐患发现数": c.hazards_found,
        "整改率(%)": ratio(c.hazards_closed, c.hazards_found),
        "按期整改率(%)": ratio(c.hazards_closed_on_time, c.hazards_closed),
        "平均整改天数": ratio(c.rectification_days_total, c.hazards_closed, factor=1.0),
        "重大隐患挂牌督办数": c.supervised_major,
        "逾期未整改隐患数": c.overdue_hazards,
        "逾期未检查次数": c.overdue_inspections,
        "安全事故数": c.incidents,
        "较大及以上事故数": c.serious_incidents,
        "每万名学生事故数": ratio(c.incidents, c.students, factor=10000.0),
    }
