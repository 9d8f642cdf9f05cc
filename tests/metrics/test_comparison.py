import pytest

from edugov.metrics.rules.comparison import (
    LOWER,
    change,
    completion,
    peers_ranked,
    rank,
    streak,
)


def test_rank_competition_style_and_direction():
    values = {"a": 90.0, "b": 95.0, "c": 90.0, "d": None, "e": 80.0}
    assert rank(values) == {"b": 1, "a": 2, "c": 2, "e": 4}
    assert rank(values, LOWER) == {"e": 1, "a": 2, "c": 2, "b": 4}


def test_completion_and_change():
    assert completion(5500, 5000) == pytest.approx(1.1)
    assert completion(None, 5000) is None and completion(10, 0) is None
    assert completion(40.0, 45.0, LOWER) == pytest.approx(45 / 40)
    delta = change(91.08, 89.5)
    assert delta is not None and delta.absolute == pytest.approx(1.58)
    assert change(3, 0) is not None and change(3, 0).relative is None  # type: ignore[union-attr]


def test_streak_counts_consecutive_years_ending_now():
    ranks = {2021: 1, 2022: 1, 2023: 2, 2024: 1, 2025: 1}
    assert streak(ranks, up_to=2025) == 2
    assert streak({2021: 1, 2022: 1, 2023: 1, 2024: 1, 2025: 1}, up_to=2025) == 5
    assert streak(ranks, up_to=2023) == 0


def test_peers_ranked_orders_best_first_missing_last():
    rows = peers_ranked([("x", 1.0), ("y", None), ("z", 3.0)])
    assert rows == [("z", 3.0, 1), ("x", 1.0, 2), ("y", None, None)]
