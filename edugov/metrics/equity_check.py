"""优质均衡 resource check of one county, fed by the engine (教督〔2017〕6号 资源配置).

The engine sums, per school, the students by level and the resources behind the seven
indicators; rules/equity.py splits combined schools by level weights, judges every
school (≥ 6 of 7, the rest ≥ 85%) and each indicator's student-weighted 校际差异系数.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edugov.metrics import selectors
from edugov.metrics.catalog import measures
from edugov.metrics.engine.backends import open_source
from edugov.metrics.engine.compute import IndicatorDef, compute
from edugov.metrics.rules.equity import JUNIOR, PRIMARY, CountyVerdict, judge_county, school_parts

TEACHER = 'post="teacher"'
#: Engine inputs per school: a formula per figure the rule needs.
EQUITY_INPUTS = {
    "primary": 'students.enrolled{level="primary"}',
    "junior": 'students.enrolled{level="junior"}',
    "senior": 'students.enrolled{level="senior"}',
    "R1_primary": f'staff.count{{{TEACHER}, education in ("postgraduate", "bachelor", '
                  '"associate")}',
    "R1_junior": f'staff.count{{{TEACHER}, education in ("postgraduate", "bachelor")}}',
    "R2": f'staff.count{{{TEACHER}, backbone_level in ("county", "city", "province")}}',
    "R3": f'staff.count{{{TEACHER}, subject in ("pe", "music", "art")}}',
    "R4": "facilities.teaching_area_m2",
    "R5": "facilities.sports_area_m2",
    "R6": "facilities.equipment_value_yuan",
    "R7": "facilities.multimedia_classrooms",
}
#: 义务教育学校 in scope (特殊教育学校、职业学校 are not; 教学点 only from 50 students).
IN_SCOPE_KINDS = frozenset({"primary", "junior", "nine_year", "complete_secondary",
                            "twelve_year", "teaching_point"})
SMALL_TEACHING_POINT = 50


@dataclass(frozen=True)
class EquityCheck:
    county: Any
    year: int
    verdicts: dict[str, CountyVerdict]

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts.values())


def county_equity(user: Any, *, county_code: str, year: int, engine: str = "live",
                  warehouse: Path | None = None) -> EquityCheck:
    county = selectors.region_for(user, county_code)  # 404 outside the jurisdiction
    defs = [IndicatorDef(code, formula, 1.0, ("institution",))
            for code, formula in EQUITY_INPUTS.items()]
    with open_source(engine, warehouse=warehouse) as source:
        result = compute(source, measures(), defs, year=year, region_code=county.code)
    schools = result.units[(result.units["unit_type"] == "institution")
                           & result.units["kind"].isin(IN_SCOPE_KINDS)]
    values = np.nan_to_num(result.values.loc[schools.index].to_numpy())
    columns = list(result.values.columns)
    parts = []
    for row, (_key, unit) in zip(values, schools.iterrows(), strict=True):
        figures = dict(zip(columns, row, strict=True))
        students = {level: int(figures[level]) for level in ("primary", "junior", "senior")}
        if unit["kind"] == "teaching_point" and sum(students.values()) < SMALL_TEACHING_POINT:
            continue
        parts.extend(school_parts(unit["code"], unit["name"], students, figures))
    verdicts = {level: judge_county(parts, level) for level in (PRIMARY, JUNIOR)
                if any(p.level == level for p in parts)}
    return EquityCheck(county, year, verdicts)
