"""优质均衡 resource check: weighted CV, combined-school split, 6-of-7 rule."""

from __future__ import annotations

import pytest

from edugov.metrics.rules.equity import (
    PRIMARY,
    SchoolLevel,
    judge_county,
    judge_school,
    level_shares,
    weighted_cv,
)


def test_weighted_cv_reference_vector():
    # policy-rules.md §2.1(b): books per student, weighted by enrolment → CV 0.515.
    students = [45, 37, 89, 76, 55]
    books = [279, 137, 935, 160, 402]
    cv = weighted_cv([b / s for b, s in zip(books, students, strict=True)], students)
    assert cv == pytest.approx(0.515, abs=5e-4)


def test_weighted_cv_undefined_without_students_or_mean():
    assert weighted_cv([], []) is None
    assert weighted_cv([0.0, 0.0], [10, 20]) is None


def test_combined_school_split():
    shares = level_shares({"primary": 1000, "junior": 500})
    assert shares["primary"] == pytest.approx(1000 / (1000 + 1.1 * 500))
    assert shares["junior"] == pytest.approx(1.1 * 500 / (1000 + 1.1 * 500))


GOOD = {"R1": 5, "R2": 1.2, "R3": 1, "R4": 5, "R5": 8, "R6": 2100, "R7": 2.5}


def test_six_of_seven_with_near_miss_passes_and_deep_miss_fails():
    near = judge_school(SchoolLevel("1", "甲", PRIMARY, 500, {**GOOD, "R6": 1800}))
    assert near.passed and near.failed == {"R6": pytest.approx(0.9)}
    deep = judge_school(SchoolLevel("2", "乙", PRIMARY, 500, {**GOOD, "R6": 1500}))
    assert not deep.passed and deep.failed == {"R6": pytest.approx(0.75)}
    two = judge_school(SchoolLevel("3", "丙", PRIMARY, 500, {**GOOD, "R6": 1900, "R7": 2.2}))
    assert not two.passed and set(two.failed) == {"R6", "R7"}


def test_county_verdict_names_failing_schools_and_cvs():
    parts = [
        SchoolLevel("1", "甲", PRIMARY, 800, GOOD),
        SchoolLevel("2", "乙", PRIMARY, 200, {**GOOD, "R5": 30.0, "R6": 1000}),
    ]
    verdict = judge_county(parts, PRIMARY)
    assert [s.name for s in verdict.failing_schools] == ["乙"]
    assert verdict.cv["R1"] == pytest.approx(0.0)
    assert "R5" in verdict.cv_failed and verdict.cv_failed["R5"] > 0.5
    assert not verdict.passed
