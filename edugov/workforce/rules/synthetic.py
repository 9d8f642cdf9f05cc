"""A synthetic county for the rotation benchmark and tests when no demo database is at hand.

Fixed seed, plain data: urban schools are large and rich in 骨干 and well-qualified
teachers, rural ones small and poorer in both — the inequality rotation is meant to narrow.
Staffing is drawn around each school's subject need, so there are shortages and surpluses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from edugov.workforce.rules.eligibility import Spell, StaffFacts, assess
from edugov.workforce.rules.establishment import SchoolStaffing, subject_need
from edugov.workforce.rules.rotation import School, Teacher


@dataclass
class SyntheticCounty:
    schools: list[School]
    teachers: list[Teacher]
    spells: list[Spell]
    facts: list[StaffFacts]


def synthetic_county(*, seed: int = 20250901, primary: int = 80, junior: int = 30,
                     on: dt.date = dt.date(2025, 9, 1)) -> SyntheticCounty:
    rng = np.random.default_rng(seed)
    schools: list[School] = []
    teachers: list[Teacher] = []
    spells: list[Spell] = []
    facts: list[StaffFacts] = []
    for index in range(primary + junior):
        level = "primary" if index < primary else "junior"
        urban = rng.random() < 0.35
        students = int(rng.integers(900, 2400) if urban else rng.integers(120, 900))
        weak = not urban and rng.random() < 0.3
        staffing = SchoolStaffing(str(index), {level: students}, rural=not urban)
        need = subject_need(staffing)
        location = (rng.normal(0, 4), rng.normal(0, 4)) if urban else (
            rng.uniform(-30, 30), rng.uniform(-30, 30))
        school = School(index, level, students, receiving=not urban or weak, need=need,
                        location=(float(location[0]), float(location[1])))
        schools.append(school)
        backbone_p = 0.12 if urban else 0.03
        qualified_p = 0.92 if urban else 0.68
        for subject, wanted in need.items():
            staffed = max(0, round(float(wanted * rng.normal(1.0, 0.18))))
            for _ in range(staffed):
                staff_id = len(teachers) + 1
                years = int(rng.integers(0, 16))
                start = dt.date(on.year - years, 9, 1)
                spells.append(Spell(staff_id, index, "teacher", start, None))
                birth = dt.date(int(on.year - rng.integers(24, 60)), 3, 15)
                sex = "F" if rng.random() < 0.7 else "M"
                backbone = bool(rng.random() < backbone_p)
                facts.append(StaffFacts(staff_id, sex, birth, backbone=backbone))
                teachers.append(Teacher(staff_id, index, subject, backbone=backbone,
                                        qualified=bool(rng.random() < qualified_p),
                                        years=years))
    eligible = {e.staff for e in assess(spells, facts, on) if e.eligible}
    teachers = [replace(t, eligible=t.id in eligible) for t in teachers]
    return SyntheticCounty(schools, teachers, spells, facts)
