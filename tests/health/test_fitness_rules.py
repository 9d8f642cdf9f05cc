"""The vectorised scorer against the standard's own tables (教体艺〔2014〕5号).

Expectations come from the CSV tables through plain loops (``reference_scorer``), never
from the scorer's sorted-key arrays.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import numpy as np
import pytest

from edugov.health.rules.fitness import (
    below_graduation_minimum,
    graduation_score,
    level_of,
    resolve_retest,
    score_fitness,
)
from edugov.health.rules.fitness_standard import ITEMS, builtin_standard
from tests.health.reference_scorer import STANDARD_DIR, ReferenceScorer
from tests.health.synthetic import synthetic_rows

STANDARD = builtin_standard()
REFERENCE = ReferenceScorer()
STEP = {"run_50m": 0.1, "sit_and_reach": 0.1, "shuttle_50mx8": 0.1}


def _tables() -> dict[tuple[str, str, int], list[tuple[int, float]]]:
    """(item, sex, grade) → [(score, threshold)] best level first, straight from the CSV."""
    tables: dict[tuple[str, str, int], list[tuple[int, float]]] = defaultdict(list)
    with (STANDARD_DIR / "single_item_scores.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            tables[(r["item_code"], r["sex"], int(r["grade_code"]))].append(
                (int(r["score"]), float(r["threshold"])))
    return {key: sorted(levels, reverse=True) for key, levels in tables.items()}


TABLES = _tables()


def _score_one_item(item: str, sex: str, grade: int, values: list[float]) -> np.ndarray:
    n = len(values)
    result = score_fitness(
        STANDARD, sex=np.full(n, "MF".index(sex)), grade=np.full(n, grade),
        height_cm=np.full(n, 150.0), weight_kg=np.full(n, 40.0),
        results={item: np.array(values, dtype=float)})
    return result.item_scores[item]


@pytest.mark.parametrize("key", sorted(TABLES), ids=lambda k: f"{k[0]}-{k[1]}-{k[2]}")
def test_every_threshold_and_one_step_either_side(key: tuple[str, str, int]) -> None:
    """Every table of every grade band and both sexes, at each level's threshold, one
    recording step better and one step worse; worse than the last level scores 0."""
    item, sex, grade = key
    levels = TABLES[key]
    lower_is_better = REFERENCE.lower_is_better[item]
    step = STEP.get(item, 1.0)
    worse = step if lower_is_better else -step
    values, expected = [], []
    for index, (score, threshold) in enumerate(levels):
        values.append(threshold)
        expected.append(score)  # exactly on the threshold earns the level
        values.append(round(threshold - worse, 1))
        better_level = levels[index - 1] if index else None
        reaches_better = better_level is not None and abs(
            better_level[1] - (threshold - worse)) < 1e-9
        expected.append(better_level[0] if reaches_better else score)
        values.append(round(threshold + worse, 1))
        expected.append(levels[index + 1][0] if index + 1 < len(levels) else 0)
    assert list(_score_one_item(item, sex, grade, values)) == expected
    lowest_threshold = levels[-1][1]
    far_worse = lowest_threshold + 20 * worse
    assert _score_one_item(item, sex, grade, [far_worse])[0] == 0


def test_pull_up_gaps_and_short_tables() -> None:
    """引体向上 has no 78/74/70/66/62 levels, no 20/10 in 初一 and no 10 in 初二."""
    grade7 = _score_one_item("pull_up", "M", 7, list(range(0, 14)))
    assert list(grade7) == [0, 30, 40, 50, 60, 64, 68, 72, 76, 80, 85, 90, 95, 100]
    grade8 = _score_one_item("pull_up", "M", 8, list(range(0, 6)))
    assert list(grade8) == [0, 20, 30, 40, 50, 60]
    grade9 = _score_one_item("pull_up", "M", 9, [0, 1, 2])
    assert list(grade9) == [0, 10, 20]


def test_times_round_up_and_distances_round_down() -> None:
    """Results beyond the recording precision never earn credit they did not reach."""
    # 初二男 50米跑: 100 points at 7.5 s; 7.51 s is recorded 7.6 s (非零进一).
    assert list(_score_one_item("run_50m", "M", 8, [7.5, 7.51])) == [100, 95]
    # 坐位体前屈 100 points at 19.6 cm for 初二男; 19.59 is recorded 19.5.
    assert list(_score_one_item("sit_and_reach", "M", 8, [19.6, 19.59])) == [100, 95]


def test_worked_example_grade8_boy() -> None:
    """policy-rules.md §1.4 worked example: 87.8 + 4 = 91.8 优秀."""
    result = score_fitness(
        STANDARD, sex=np.array([0]), grade=np.array([8]), height_cm=np.array([100.0]),
        weight_kg=np.array([19.0]),
        results={"vital_capacity": np.array([3200.0]), "run_50m": np.array([8.3]),
                 "sit_and_reach": np.array([9.0]), "standing_long_jump": np.array([210.0]),
                 "pull_up": np.array([16.0]), "run_1000m_male": np.array([220.0])})
    assert result.standard_score[0] == 87.8
    assert result.item_bonus["pull_up"][0] == 2
    assert result.item_bonus["run_1000m_male"][0] == 2
    assert result.bonus[0] == 4
    assert result.total[0] == 91.8
    assert result.level[0] == "优秀"


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize("grade", range(1, 13))
def test_bmi_band_edges(sex: str, grade: int) -> None:
    """表1-1/表1-2: each band edge and 0.1 past it (height 100 cm makes BMI = weight)."""
    band = REFERENCE.bmi[(sex, grade)]
    low, normal, over = (float(band[k]) for k in ("low_weight_max", "normal_max",
                                                  "overweight_max"))
    bmis = [low, low + 0.1, normal, normal + 0.1, over, over + 0.1]
    n = len(bmis)
    result = score_fitness(STANDARD, sex=np.full(n, "MF".index(sex)), grade=np.full(n, grade),
                           height_cm=np.full(n, 100.0), weight_kg=np.array(bmis), results={})
    assert list(result.bmi_score) == [80, 100, 100, 80, 80, 60]


def test_bmi_rounds_half_up_to_one_decimal() -> None:
    # 18.15 → 18.2: 一年级男 normal max is 18.1, so rounding decides the band.
    result = score_fitness(STANDARD, sex=np.array([0, 0]), grade=np.array([1, 1]),
                           height_cm=np.array([100.0, 100.0]), weight_kg=np.array([18.15, 18.14]),
                           results={})
    assert list(result.bmi) == [18.2, 18.1]
    assert list(result.bmi_score) == [80, 100]


def _full_marks(item: str, sex: str, grade: int) -> float:
    return next(t for s, t in TABLES[(item, sex, grade)] if s == 100)


def _perfect_rows(sex: str, grade: int, beyond: dict[str, float]) -> dict[str, np.ndarray]:
    """Every required item at its 100-point threshold, some pushed ``beyond`` it."""
    results = {}
    for item in STANDARD.required_items(sex, grade):
        if item == "bmi":
            continue
        value = _full_marks(item, sex, grade)
        sign = -1 if REFERENCE.lower_is_better[item] else 1
        results[item] = np.array([value + sign * beyond.get(item, 0.0)])
    return results


def _score_perfect(sex: str, grade: int, beyond: dict[str, float]):
    band = REFERENCE.bmi[(sex, grade)]
    normal_bmi = round((float(band["normal_min"]) + float(band["normal_max"])) / 2, 1)
    return score_fitness(STANDARD, sex=np.array(["MF".index(sex)]), grade=np.array([grade]),
                         height_cm=np.array([100.0]), weight_kg=np.array([normal_bmi]),
                         results=_perfect_rows(sex, grade, beyond))


@pytest.mark.parametrize("grade", range(1, 7))
@pytest.mark.parametrize("sex", ["M", "F"])
def test_primary_rope_skipping_bonus_and_cap(sex: str, grade: int) -> None:
    """小学 1分钟跳绳: 1 point per 2 jumps beyond full marks, at most 20."""
    assert _score_perfect(sex, grade, {"rope_skipping_1min": 1}).bonus[0] == 0
    assert _score_perfect(sex, grade, {"rope_skipping_1min": 2}).bonus[0] == 1
    assert _score_perfect(sex, grade, {"rope_skipping_1min": 39}).bonus[0] == 19
    capped = _score_perfect(sex, grade, {"rope_skipping_1min": 60})
    assert capped.bonus[0] == 20
    assert capped.total[0] == 120.0
    assert capped.level[0] == "优秀"


@pytest.mark.parametrize("grade", range(7, 13))
def test_secondary_boys_bonus_steps_and_caps(grade: int) -> None:
    """男 引体向上 +1 per rep (≤10); 1000米跑 4″→1 … 35″→10; sum capped at 20."""
    assert _score_perfect("M", grade, {"pull_up": 3}).bonus[0] == 3
    assert _score_perfect("M", grade, {"run_1000m_male": 3}).bonus[0] == 0
    assert _score_perfect("M", grade, {"run_1000m_male": 4}).bonus[0] == 1
    assert _score_perfect("M", grade, {"run_1000m_male": 22}).bonus[0] == 5
    assert _score_perfect("M", grade, {"run_1000m_male": 23}).bonus[0] == 6
    both = _score_perfect("M", grade, {"pull_up": 15, "run_1000m_male": 60})
    assert both.item_bonus["pull_up"][0] == 10
    assert both.item_bonus["run_1000m_male"][0] == 10
    assert both.bonus[0] == 20
    assert both.total[0] == 120.0


@pytest.mark.parametrize("grade", range(7, 13))
def test_secondary_girls_bonus_steps_and_caps(grade: int) -> None:
    """女 仰卧起坐 2→1, 4→2, 6→3, 7→4 … 13→10; 800米跑 5″ per point to 50″."""
    assert _score_perfect("F", grade, {"sit_up_1min": 1}).bonus[0] == 0
    assert _score_perfect("F", grade, {"sit_up_1min": 5}).bonus[0] == 2
    assert _score_perfect("F", grade, {"sit_up_1min": 7}).bonus[0] == 4
    assert _score_perfect("F", grade, {"run_800m_female": 49}).bonus[0] == 9
    both = _score_perfect("F", grade, {"sit_up_1min": 30, "run_800m_female": 90})
    assert both.bonus[0] == 20
    # A boy's items give a girl nothing and vice versa: no pull-up bonus for girls.
    assert "pull_up" not in STANDARD.required_items("F", grade)


def test_no_bonus_below_full_marks_nor_for_primary_sit_ups() -> None:
    at_95 = _score_perfect("M", 8, {"pull_up": -1})
    assert at_95.bonus[0] == 0
    primary_sit_ups = _score_perfect("F", 5, {"sit_up_1min": 20})
    assert primary_sit_ups.bonus[0] == 0


def test_levels_at_band_edges() -> None:
    totals = np.array([120, 90.0, 89.9, 80.0, 79.9, 60.0, 59.9, 0, np.nan])
    assert list(level_of(STANDARD, totals)) == [
        "优秀", "优秀", "良好", "良好", "及格", "及格", "不及格", "不及格", ""]


def test_totals_round_half_up_before_grading() -> None:
    # 初二女: 95-point 50米跑 (×20%) and 95 points elsewhere give hundredths; the total
    # is reported to one decimal, rounded half-up.
    scorer_total = _score_perfect("F", 8, {}).total[0]
    assert scorer_total == 100.0


def test_missing_required_item_and_exemption() -> None:
    results = _perfect_rows("M", 8, {})
    del results["pull_up"]
    missing = score_fitness(STANDARD, sex=np.array([0, 0]), grade=np.array([8, 8]),
                            height_cm=np.array([100.0, 100.0]), weight_kg=np.array([19.0, 19.0]),
                            results={k: np.repeat(v, 2) for k, v in results.items()},
                            exempt=np.array([False, True]))
    assert missing.missing_required["pull_up"].tolist() == [True, True]
    assert np.isnan(missing.total[0])
    assert missing.level.tolist() == ["", "免测"]
    assert np.isnan(missing.item_scores["run_50m"][1])


def test_retest_replaces_only_a_failing_result() -> None:
    first = np.array([55.0, 55.0, 72.0, 58.0])
    retest = np.array([63.0, 50.0, 80.0, np.nan])
    outcome = resolve_retest(STANDARD, first, retest)
    assert outcome.year_total.tolist() == [63.0, 50.0, 72.0, 58.0]
    assert outcome.retest_used.tolist() == [True, True, False, False]
    assert outcome.retest_not_allowed.tolist() == [False, False, True, False]
    assert level_of(STANDARD, outcome.year_total).tolist() == ["及格", "不及格", "及格", "不及格"]


def test_graduation_score_and_minimum() -> None:
    final = np.array([80.0, 90.0, 45.0, 45.0, 70.0])
    others = np.array([[70.0, 60.0, np.nan], [np.nan, np.nan, np.nan], [50.0, 52.0, 55.0],
                       [50.0, 52.0, 55.0], [60.1, 60.2, 60.2]])
    score = graduation_score(STANDARD, final, others)
    # 80×50% + mean(70, 60)×50% = 72.5; no other years → the final year alone;
    # 45×.5 + 52.333…×.5 = 48.67 → 48.7; 70×.5 + 60.1667×.5 = 65.083 → 65.1
    assert score.tolist() == [72.5, 90.0, 48.7, 48.7, 65.1]
    stage = np.array(["senior", "senior", "senior", "junior", "vocational"], dtype=object)
    assert below_graduation_minimum(STANDARD, score, stage).tolist() == [
        False, False, True, False, False]
    assert level_of(STANDARD, score).tolist() == ["及格", "优秀", "不及格", "不及格", "及格"]


def test_cross_check_against_reference_scorer() -> None:
    """20,000 fixed-seed rows across grades 1–12 and both sexes agree with the per-row
    reference scorer on every item score, bonus, total and level."""
    rows = synthetic_rows(20_000, seed=7)
    results = {item: rows[item] for item in ITEMS}
    scored = score_fitness(STANDARD, sex=rows["sex"], grade=rows["grade"],
                           height_cm=rows["height_cm"], weight_kg=rows["weight_kg"],
                           results=results)
    mismatches = []
    for i in range(len(rows["sex"])):
        sex, grade = "MF"[rows["sex"][i]], int(rows["grade"][i])
        expected = REFERENCE.score(sex, grade, float(rows["height_cm"][i]),
                                   float(rows["weight_kg"][i]),
                                   {item: float(results[item][i]) for item in ITEMS})
        got_scores = {item: scored.item_scores[item][i] for item in expected["scores"]
                      if item != "bmi"}
        got_scores["bmi"] = scored.bmi_score[i]
        got = (got_scores, scored.bonus[i], scored.total[i], scored.level[i])
        want = (expected["scores"], expected["bonus"], expected["total"], expected["level"])
        if got != want:
            mismatches.append((i, got, want))
    assert mismatches == []
    # The sample reaches every level band, zero scores and bonus points.
    assert set(scored.level) == {"优秀", "良好", "及格", "不及格"}
    assert (scored.bonus > 0).any()
    assert any((scored.item_scores[item] == 0).any() for item in ITEMS)
