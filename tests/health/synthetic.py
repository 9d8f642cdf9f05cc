"""Fixed-seed synthetic fitness results with plausible distributions, grades 1–12.

Each item is drawn around the student's own table: mostly between the 60- and 100-point
thresholds, with tails beyond both (so 0-point results and bonus points occur), rounded to
the recording precision. Used by the cross-check tests and ``bench/fitness.py``.
"""

from __future__ import annotations

import csv

import numpy as np

from tests.health.reference_scorer import STANDARD_DIR

DECIMALS = {"run_50m": 1, "sit_and_reach": 1, "shuttle_50mx8": 1}


def _anchor_thresholds() -> dict[str, np.ndarray]:
    """item → float[2 sexes, 13 grades, 2] (60-point, 100-point threshold); NaN if none."""
    anchors: dict[str, np.ndarray] = {}
    with (STANDARD_DIR / "single_item_scores.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            table = anchors.setdefault(r["item_code"], np.full((2, 13, 2), np.nan))
            if r["score"] in ("60", "100"):
                table["MF".index(r["sex"]), int(r["grade_code"]),
                      int(r["score"] == "100")] = float(r["threshold"])
    return anchors


def synthetic_rows(n: int, seed: int = 20250901) -> dict[str, np.ndarray]:
    """n rows: sex (0 男/1 女), grade, height_cm, weight_kg and every item (NaN if not
    in the student's table)."""
    rng = np.random.default_rng(seed)
    sex = rng.integers(0, 2, n)
    grade = rng.integers(1, 13, n)
    height = np.round(112 + 6.2 * grade + rng.normal(0, 6, n) + 4 * (grade > 8) * (1 - sex), 1)
    bmi = 14.5 + 0.55 * grade + rng.normal(0, 2.6, n)
    weight = np.round(bmi * (height / 100) ** 2, 1)
    rows: dict[str, np.ndarray] = {"sex": sex, "grade": grade, "height_cm": height,
                                   "weight_kg": weight}
    for item, anchors in _anchor_thresholds().items():
        t60, t100 = anchors[sex, grade, 0], anchors[sex, grade, 1]
        position = rng.normal(0.55, 0.45, n)  # 0 = 60-point threshold, 1 = 100-point
        value = t60 + (t100 - t60) * position
        value = np.round(value, DECIMALS.get(item, 0))
        if item not in DECIMALS and item != "vital_capacity":
            value = np.maximum(value, 0)
        rows[item] = value
    return rows
