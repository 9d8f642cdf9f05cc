"""The pure rules: grading, deadlines, schedules, grid gaps, list rows, indicators."""

from __future__ import annotations

import datetime as dt

import pytest

from edugov.safety.rules import deadlines, grading, grid, indicators, lists, schedule

UTC = dt.UTC


@pytest.mark.parametrize(("likelihood", "severity", "grade"), [
    (5, 5, "major"), (3, 5, "major"), (4, 3, "significant"), (2, 4, "significant"),
    (1, 5, "general"), (2, 3, "general"), (1, 1, "general"),
])
def test_default_matrix_grades_by_score(likelihood: int, severity: int, grade: str) -> None:
    assert grading.DEFAULT_MATRIX.grade(likelihood, severity) == grade


def test_matrix_thresholds_are_configurable_and_checked() -> None:
    strict = grading.RiskMatrix(major_from=12, significant_from=6)
    assert strict.grade(3, 4) == "major"
    assert grading.DEFAULT_MATRIX.grade(3, 4) == "significant"
    with pytest.raises(ValueError, match="阈值"):
        grading.RiskMatrix(major_from=8, significant_from=8)
    with pytest.raises(ValueError, match="可能性"):
        grading.DEFAULT_MATRIX.grade(0, 3)


def test_graver_picks_the_more_serious_grade() -> None:
    assert grading.graver("general", "major") == "major"
    assert grading.graver("significant", "general") == "significant"


def test_deadline_by_grade_with_overrides() -> None:
    t = dt.datetime(2025, 10, 1, 9, tzinfo=UTC)
    assert deadlines.rectify_deadline("general", t) == t + dt.timedelta(days=7)
    assert deadlines.rectify_deadline("major", t) == t + dt.timedelta(days=30)
    assert deadlines.rectify_deadline("general", t, days={"general": 3}) == t + dt.timedelta(days=3)
    with pytest.raises(ValueError):
        deadlines.rectify_deadline("bad", t)


def test_approaching_is_a_share_of_the_time_but_at_least_a_day() -> None:
    due = dt.datetime(2025, 10, 31, tzinfo=UTC)
    assert deadlines.approaching_from(due, dt.timedelta(days=30)) == due - dt.timedelta(days=6)
    assert deadlines.approaching_from(due, dt.timedelta(days=2)) == due - dt.timedelta(days=1)
    assert deadlines.needs_interim_controls("major")
    assert not deadlines.needs_interim_controls("significant")


def test_daily_patrol_falls_on_school_days_only() -> None:
    days = schedule.due_dates("daily", dt.date(2025, 9, 29), dt.date(2025, 10, 12),
                              holidays={dt.date(2025, 10, 1), dt.date(2025, 10, 2)})
    assert dt.date(2025, 10, 1) not in days and dt.date(2025, 10, 4) not in days
    assert days[0] == dt.date(2025, 9, 29) and len(days) == 8


def test_weekly_and_monthly_fall_on_the_last_school_day() -> None:
    weekly = schedule.due_dates("weekly", dt.date(2025, 9, 1), dt.date(2025, 9, 30))
    assert weekly == [dt.date(2025, 9, 5), dt.date(2025, 9, 12), dt.date(2025, 9, 19),
                      dt.date(2025, 9, 26), dt.date(2025, 9, 30)]
    monthly = schedule.due_dates("monthly", dt.date(2025, 9, 1), dt.date(2025, 12, 31),
                                 holidays={dt.date(2025, 10, 31)})
    assert monthly == [dt.date(2025, 9, 30), dt.date(2025, 10, 30), dt.date(2025, 11, 28),
                       dt.date(2025, 12, 31)]


def test_term_and_campaign_dates_are_clipped_to_the_period() -> None:
    fixed = [dt.date(2025, 6, 20), dt.date(2025, 5, 25), dt.date(2026, 1, 10)]
    assert schedule.due_dates("campaign", dt.date(2025, 1, 1), dt.date(2025, 12, 31),
                              fixed=fixed) == [dt.date(2025, 5, 25), dt.date(2025, 6, 20)]
    assert schedule.due_dates("termly", dt.date(2025, 2, 1), dt.date(2025, 1, 1)) == []
    with pytest.raises(ValueError):
        schedule.due_dates("hourly", dt.date(2025, 1, 1), dt.date(2025, 1, 2))


def test_grid_gaps_name_each_missing_post() -> None:
    posts = [grid.Post("bureau_lead", region_id=1), grid.Post("principal", institution_id=10),
             grid.Post("area_owner", institution_id=10, area_id=100)]
    gaps = grid.find_gaps(posts=posts, regions=[(1, True)], institutions=[10, 11],
                          areas=[(100, 10), (101, 10)])
    assert {(g.level, g.region_id, g.institution_id, g.area_id) for g in gaps} == {
        ("county_section", 1, None, None), ("safety_officer", None, 10, None),
        ("principal", None, 11, None), ("safety_officer", None, 11, None),
        ("area_owner", None, 10, 101)}
    assert gaps[0].label.startswith("缺少")


def test_list_rows_follow_the_columns() -> None:
    now = dt.datetime(2025, 11, 1, tzinfo=UTC)
    reported = dt.datetime(2025, 10, 1, tzinfo=UTC)
    hazard = {"code": "YH1", "unit": "一小", "domain_label": "消防安全", "title": "通道堵塞",
              "grade": "major", "reported_at": reported, "source_label": "检查发现",
              "rectify_deadline": reported + dt.timedelta(days=30), "supervised": True,
              "state_label": "已销号", "closed_at": reported + dt.timedelta(days=12),
              "submitted_at": reported + dt.timedelta(days=10), "measures": "清理"}
    row = lists.hazard_rows([hazard])[0]
    assert len(row) == len(lists.HAZARD_COLUMNS)
    assert row[6] == "重大" and row[7] == "2025-10-01" and row[12] == "是"
    rect = lists.rectification_rows([hazard], now=now)[0]
    assert len(rect) == len(lists.RECTIFICATION_COLUMNS)
    assert rect[9] == "按期" and rect[10] == 12.0
    late = {**hazard, "closed_at": None}
    assert lists.rectification_rows([late], now=now)[0][9] == "逾期"
    summary = {"unit": "一小", "domain_label": "消防安全", "due": 20, "done": 15, "items": 45,
               "failed": 2, "hazards": 2}
    assert lists.inspection_rows([summary])[0][5] == 75.0
    assert lists.inspection_rows([{**summary, "due": 0}])[0][5] is None
    post = {"unit": "一小", "level": "principal", "person": "张三", "phone": "138****0000"}
    assert lists.responsibility_rows([post])[0][2] == "校长（第一责任人）"


def test_indicators_are_ratios_of_sums_without_zero_denominators() -> None:
    values = indicators.indicators(indicators.SafetyCounts(
        inspections_due=200, inspections_done=190, hazards_found=40, hazards_closed=30,
        hazards_closed_on_time=27, rectification_days_total=180.0, incidents=3, students=15000))
    assert values["检查覆盖率(%)"] == 95.0
    assert values["整改率(%)"] == 75.0
    assert values["按期整改率(%)"] == 90.0
    assert values["平均整改天数"] == 6.0
    assert values["每万名学生事故数"] == 2.0
    empty = indicators.indicators(indicators.SafetyCounts())
    assert empty["检查覆盖率(%)"] is None and empty["平均整改天数"] is None
