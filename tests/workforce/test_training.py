"""Continuing education: the cycle, pro-rata expectations, imports, completion rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from edugov.core.models import AuditLog
from edugov.workforce.models import TrainingRecord
from edugov.workforce.rules.training import TrainingRules, cycle_on, progress
from edugov.workforce.selectors.training import behind_schedule, completion_by_school
from edugov.workforce.services import imports
from edugov.workforce.services.training import record_training
from tests.workforce.conftest import new_teacher

TODAY = dt.date(2025, 12, 31)
HEADER = ["身份证号", "姓名", "课程名称", "学时", "培训级别", "完成日期", "培训机构"]


def test_cycles_follow_the_configured_anchor() -> None:
    assert (cycle_on(dt.date(2025, 12, 31)).start, cycle_on(dt.date(2025, 12, 31)).end) == (
        dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    assert cycle_on(dt.date(2026, 1, 1)).start == dt.date(2026, 1, 1)
    assert cycle_on(dt.date(2019, 6, 1)).start == dt.date(2016, 1, 1)
    school_years = TrainingRules(cycle_anchor=dt.date(2022, 9, 1))
    assert cycle_on(dt.date(2025, 8, 31), school_years).start == dt.date(2022, 9, 1)
    assert cycle_on(dt.date(2027, 9, 1), school_years).start == dt.date(2027, 9, 1)


def test_pro_rata_expectation_and_joiners() -> None:
    # Half-way through 2021–2025 (day 913 of 1826): 180 hours expected.
    mid = progress(1, 170.0, dt.date(2023, 7, 2))
    assert mid.expected == 180.0 and mid.behind and not mid.complete
    assert not progress(1, 180.0, dt.date(2023, 7, 2)).behind
    # Joined on 2024-01-01: owes 2/5 of 360 = 144 for the two years left (731 of 1826 days).
    joiner = progress(2, 0.0, dt.date(2025, 12, 31), joined=dt.date(2024, 1, 1))
    assert joiner.required == pytest.approx(144.1, abs=0.1)
    assert joiner.expected == joiner.required
    full = progress(3, 365.0, dt.date(2025, 12, 31))
    assert full.complete and not full.behind


def rows_for(staff, *extra):
    return [HEADER, [staff.id_number, staff.name, "新课标解读", 24, "县级", "2025-10-09",
                     "县教师进修学校"], *extra]


def test_import_is_atomic_with_row_errors(personas, world, write_csv) -> None:
    staff = world.staff_a
    path = write_csv("t.csv", rows_for(
        staff,
        [staff.id_number, "别人", "课程", 10, "县级", "2025-10-01", "机构"],
        [world.staff_b.id_number, world.staff_b.name, "课程", 10, "县级", "2025-10-01", "机构"],
        [staff.id_number, staff.name, "超长", 500, "省级", "2025-10-01", "机构"],
        [staff.id_number, staff.name, "未来", 5, "县级", "2026-03-01", "机构"],
        [staff.id_number, staff.name, "级别", 5, "乡级", "2025-10-01", "机构"],
    ))
    outcome = imports.import_training(actor=personas.county_a, path=path, today=TODAY)
    reasons = {e.row: e.reason for e in outcome.errors}
    assert not outcome.written and not TrainingRecord.objects.exists()
    assert "姓名与教职工档案" in reasons[3]
    assert "不在管辖范围内" in reasons[4]  # county B's teacher
    assert "不能超过240" in reasons[5]
    assert "不能晚于今天" in reasons[6]
    assert "不是有效的培训级别" in reasons[7]
    assert 2 not in reasons


def test_import_writes_and_reimport_is_unchanged(personas, world, write_csv) -> None:
    path = write_csv("t.csv", rows_for(world.staff_a))
    outcome = imports.import_training(actor=personas.school_admin_a, path=path, today=TODAY)
    assert outcome.written and outcome.created == 1
    record = TrainingRecord.objects.get()
    assert record.hours == Decimal("24.0") and record.level == "county"
    again = imports.import_training(actor=personas.school_admin_a, path=path, today=TODAY)
    assert (again.created, again.unchanged) == (0, 1)
    assert AuditLog.objects.filter(entity="workforce.trainingrecord", action="import").count() == 2
    with pytest.raises(PermissionDenied):
        imports.import_training(actor=personas.teacher_a, path=path, today=TODAY)


def test_completion_by_school_and_behind_schedule(personas, world) -> None:
    on = dt.date(2025, 12, 31)
    done = new_teacher(world.school_a, dt.date(2010, 9, 1))
    for year in range(2021, 2026):
        record_training(actor=personas.county_a, staff=done, course=f"年度研修{year}",
                        hours=Decimal(72), level="county", date=dt.date(year, 10, 1),
                        provider="进修学校", today=on)
    record_training(actor=personas.county_a, staff=world.staff_a, course="一次", hours=Decimal(40),
                    level="school", date=dt.date(2025, 5, 1), provider="本校", today=on)
    # Hours before the cycle do not count.
    record_training(actor=personas.county_a, staff=world.staff_a, course="旧", hours=Decimal(200),
                    level="school", date=dt.date(2020, 5, 1), provider="本校", today=on)
    by_school, _county = completion_by_school(personas.county_a, on)
    school = by_school[world.school_a.pk]
    assert (school.teachers, school.complete, school.behind) == (2, 1, 1)
    assert school.rate == 0.5 and school.hours == 400.0
    behind = behind_schedule(personas.county_a, on)
    assert [p.staff for p in behind] == [world.staff_a.pk]
    assert behind[0].shortfall == 320.0
    assert world.school_b.pk not in by_school  # county B is outside county A's scope
    _, city = completion_by_school(personas.city_bureau, on)
    assert city.teachers == 3
