"""A deliberately plain per-row scorer, read straight from the standard's CSV files.

It shares no code with ``edugov.health.rules.fitness``: dictionaries, ``for`` loops and
``Decimal``, the lookup rule of the standard read literally ("the highest level whose
threshold the result reaches"). Tests cross-check the vectorised scorer against it and
``bench/fitness.py`` times it as the per-row baseline.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

STANDARD_DIR = Path(__file__).resolve().parents[2] / "edugov/health/standards/csnhs-2014"
SEX_CODES = ("M", "F")


def _rows(name: str) -> list[dict[str, str]]:
    with (STANDARD_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _grades(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(g) for g in text.split(",")]


class ReferenceScorer:
    def __init__(self) -> None:
        self.levels: dict[tuple[str, str, int], list[tuple[int, float]]] = {}
        self.lower_is_better: dict[str, bool] = {}
        for r in _rows("single_item_scores.csv"):
            key = (r["item_code"], r["sex"], int(r["grade_code"]))
            self.levels.setdefault(key, []).append((int(r["score"]), float(r["threshold"])))
            self.lower_is_better[r["item_code"]] = r["better"] == "lower"
        self.bmi = {(r["sex"], int(r["grade_code"])): r for r in _rows("bmi_bands.csv")}
        self.weights: dict[tuple[str, int], dict[str, int]] = {}
        for r in _rows("item_weights.csv"):
            codes = r["item_code"].split("|")
            for s, sex in enumerate(SEX_CODES):
                code = codes[s] if len(codes) > 1 else codes[0]
                for grade in _grades(r["grades"]):
                    self.weights.setdefault((sex, grade), {})[code] = int(r["weight_percent"])
        self.bonus: dict[str, tuple[set[str], list[int], list[tuple[float, int]]]] = {}
        for r in _rows("bonus_points.csv"):
            _sexes, _grade_list, steps = self.bonus.setdefault(
                r["item_code"], (set(r["sex"].split("/")), _grades(r["grades"]), []))
            steps.append((float(r["excess_over_100pt_threshold"]), int(r["bonus_points"])))

    def item_score(self, item: str, sex: str, grade: int, value: float) -> int:
        best = 0
        for score, threshold in self.levels[(item, sex, grade)]:
            reached = value <= threshold if self.lower_is_better[item] else value >= threshold
            if reached and score > best:
                best = score
        return best

    def bmi_score(self, sex: str, grade: int, height_cm: float, weight_kg: float
                  ) -> tuple[float, int]:
        raw = Decimal(repr(weight_kg)) / (Decimal(repr(height_cm)) / 100) ** 2
        bmi = float(raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        band = self.bmi[(sex, grade)]
        if bmi <= float(band["low_weight_max"]):
            return bmi, int(band["score_low_weight"])
        if bmi <= float(band["normal_max"]):
            return bmi, int(band["score_normal"])
        if bmi <= float(band["overweight_max"]):
            return bmi, int(band["score_overweight"])
        return bmi, int(band["score_obese"])

    def bonus_points(self, item: str, sex: str, grade: int, value: float) -> int:
        if item not in self.bonus:
            return 0
        sexes, grades, steps = self.bonus[item]
        if sex not in sexes or grade not in grades:
            return 0
        full = next(t for s, t in self.levels[(item, sex, grade)] if s == 100)
        excess = full - value if self.lower_is_better[item] else value - full
        return max([points for step, points in steps if excess >= step - 1e-9], default=0)

    def score(self, sex: str, grade: int, height_cm: float, weight_kg: float,
              results: dict[str, float]) -> dict[str, object]:
        """One student-year: every item score, 标准分, 附加分, 总分, 等级."""
        weights = self.weights[(sex, grade)]
        bmi, bmi_points = self.bmi_score(sex, grade, height_cm, weight_kg)
        scores: dict[str, int] = {"bmi": bmi_points}
        bonus = 0
        for item in weights:
            if item != "bmi":
                scores[item] = self.item_score(item, sex, grade, results[item])
                bonus += self.bonus_points(item, sex, grade, results[item])
        standard = sum(Decimal(scores[i]) * weights[i] for i in weights) / 100
        bonus = min(bonus, 20)
        total = (standard + bonus).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if total >= 90:
            level = "优秀"
        elif total >= 80:
            level = "良好"
        elif total >= 60:
            level = "及格"
        else:
            level = "不及格"
        return {"bmi": bmi, "scores": scores, "standard": float(standard), "bonus": bonus,
                "total": float(total), "level": level}
