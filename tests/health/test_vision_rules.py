"""Vision screening classification at its boundaries (policy-rules.md §8)."""

from __future__ import annotations

import numpy as np
import pytest

from edugov.health.rules.vision import (
    EyeReadings,
    classify,
    decimal_to_five_point,
    new_myopia,
    normalise_acuity,
)


def test_decimal_to_five_point_matches_the_chart() -> None:
    decimal = np.array([0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0])
    assert decimal_to_five_point(decimal).tolist() == [
        4.0, 4.1, 4.2, 4.3, 4.4, 4.5, 4.6, 4.7, 4.8, 4.9, 5.0, 5.1, 5.2, 5.3]


def test_normalise_acuity_tells_notations_apart() -> None:
    values = np.array([0.8, 4.9, 5.0, 1.0, 2.5, np.nan, 6.0])
    out = normalise_acuity(values)
    assert out[:4].tolist() == [4.9, 4.9, 5.0, 5.0]
    assert np.isnan(out[4:]).all()  # 2.5 and 6.0 are valid in neither notation


def _eyes(uncorrected: list[float], sphere: list[float], cylinder: list[float] | None = None,
          corrected: list[float] | None = None) -> EyeReadings:
    n = len(uncorrected)
    cylinder = cylinder if cylinder is not None else [0.0] * n
    return EyeReadings(
        uncorrected=np.array(uncorrected, float),
        corrected=np.array(corrected if corrected is not None else [np.nan] * n, float),
        sphere=np.array(sphere, float), cylinder=np.array(cylinder, float),
        axis=np.array([90.0 if c else np.nan for c in cylinder], float))


def _classify(age: list[int], right: EyeReadings, left: EyeReadings | None = None,
              correction: list[str] | None = None):
    n = len(age)
    return classify(age=np.array(age), correction=np.array(correction or ["none"] * n),
                    right=right, left=left or _eyes([5.0] * n, [0.0] * n))


def test_screening_myopia_needs_both_acuity_and_refraction() -> None:
    right = _eyes([4.9, 5.0, 4.9, 4.9, 4.8], [-0.50, -1.00, -0.25, 0.0, -0.25],
                  [0.0, 0.0, -0.50, -0.75, 0.0])
    # SE: -0.50, -1.00, -0.50, -0.375, -0.25
    result = _classify([10] * 5, right)
    assert result.myopia.tolist() == [True, False, True, False, False]
    assert result.se_right.tolist() == [-0.5, -1.0, -0.5, -0.375, -0.25]


def test_either_eye_and_under_six_threshold() -> None:
    left = _eyes([4.9, 4.8, 4.9], [-1.0, -1.0, -1.0])
    right = _eyes([5.0, 5.0, 5.0], [0.0, 0.0, 0.0])
    result = _classify([8, 5, 5], right, left)
    # Age 5: acuity must be < 4.9, so 4.9 is not myopic but 4.8 is.
    assert result.myopia.tolist() == [True, True, False]


@pytest.mark.parametrize(("se", "severity"), [
    (-0.50, "低度"), (-3.00, "低度"), (-3.25, "中度"), (-5.75, "中度"), (-6.00, "高度"),
    (-8.00, "高度"),
])
def test_severity_by_spherical_equivalent(se: float, severity: str) -> None:
    result = _classify([12], _eyes([4.5], [se]))
    assert result.myopia_severity.tolist() == [severity]
    assert result.high_myopia.tolist() == [severity == "高度"]


def test_pre_myopia_band() -> None:
    hyperopic_left = _eyes([5.0] * 4, [1.5] * 4)
    result = _classify([9, 9, 9, 9], _eyes([5.0, 5.0, 5.0, 5.0], [-0.25, 0.75, 1.00, -0.50]),
                       hyperopic_left)
    # -0.50 with acuity 5.0 is neither myopic nor pre-myopic (SE not > -0.50).
    assert result.pre_myopia.tolist() == [True, True, False, False]
    assert not result.myopia.any()


@pytest.mark.parametrize(("age", "acuity", "low"), [
    (6, 4.9, True), (6, 5.0, False), (5, 4.9, True), (4, 4.8, True), (4, 4.9, False),
    (3, 4.7, True), (3, 4.8, False), (2, 4.6, True), (2, 4.7, False),
])
def test_low_vision_by_age(age: int, acuity: float, low: bool) -> None:
    result = _classify([age], _eyes([acuity], [0.0]))
    assert result.low_vision.tolist() == [low]


def test_low_vision_level_from_worse_eye() -> None:
    right = _eyes([4.9, 4.8, 4.6, 4.5, 4.9], [0.0] * 5)
    left = _eyes([5.0, 5.0, 5.0, 5.0, 4.0], [0.0] * 5)
    result = _classify([10, 10, 10, 10, 5], right, left)
    assert result.low_vision_level.tolist() == ["轻度", "中度", "中度", "重度", ""]


def test_completeness_rules_by_correction() -> None:
    n = 4
    right = _eyes([4.5] * n, [-2.0, -2.0, np.nan, -2.0], [0.0, -1.0, 0.0, 0.0],
                  corrected=[np.nan, np.nan, np.nan, 5.0])
    right = EyeReadings(right.uncorrected, right.corrected, right.sphere, right.cylinder,
                        np.array([np.nan] * n))
    left = _eyes([5.0] * n, [0.0] * n, corrected=[np.nan, np.nan, np.nan, 5.0])
    result = _classify([10] * n, right, left, correction=["none", "none", "frame", "ortho_k"])
    assert result.complete.tolist() == [True, False, False, True]
    assert "右眼轴位" in result.missing[1]
    assert "右眼球镜" in result.missing[2] and "右眼戴镜视力" in result.missing[2]
    # Incomplete records are not myopic for the statistics; ortho-k counts as myopic.
    assert result.myopia.tolist() == [True, False, False, True]


def test_new_myopia() -> None:
    newly, at_risk = new_myopia(previous_myopia=np.array([False, True, False, False]),
                                previous_complete=np.array([True, True, False, True]),
                                current_myopia=np.array([True, True, True, False]),
                                current_complete=np.array([True, True, True, True]))
    assert newly.tolist() == [True, False, False, False]
    assert at_risk.tolist() == [True, False, False, True]
