"""均衡分班: admitted students into classes balanced by sex, birth month and (初一) a score.

Class sizes: 小学 45, 初中 50 (policy-rules.md §3); a placement never exceeds the size.

Algorithm (reproducible from the recorded seed):

1. Students are split by sex; each group is sorted by score (best first) when a score is
   used, otherwise by birth date, so neighbours in a group are alike.
2. Each group is cut into "rows" of as many students as there are classes. Every row
   deals one student to each of the classes that currently hold the fewest students,
   in an order drawn from ``random.Random(seed)`` — the random component — so each class
   gets one student from every band of scores or birth months.
3. Result: class sizes differ by at most one, boys (and girls) per class by at most one
   (girls by two when the boys' last row was partial), and score / birth-month means stay close.

The same students, seed and settings always give the same classes; the input order does
not matter (students are first sorted by ID).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean
from typing import Any


class PlacementError(ValueError):
    """Placement impossible as asked; Chinese message."""


@dataclass(frozen=True)
class Pupil:
    id: str
    sex: str  # "M" or "F"
    birth_date: dt.date
    score: float | None = None


def classes_needed(students: int, class_size: int) -> int:
    if class_size <= 0:
        raise PlacementError("班额必须为正数")
    return max(1, math.ceil(students / class_size))


def place(pupils: Sequence[Pupil], *, classes: int, class_size: int, seed: str,
          use_score: bool = False) -> list[list[str]]:
    """Pupil IDs per class (class 1 first); raises PlacementError if they cannot fit."""
    if classes <= 0 or class_size <= 0:
        raise PlacementError("班级数和班额必须为正数")
    if len(pupils) > classes * class_size:
        raise PlacementError(
            f"{len(pupils)} 名学生超过 {classes} 个班 × 每班 {class_size} 人的容量")
    if len({p.id for p in pupils}) != len(pupils):
        raise PlacementError("学生编号重复")
    rng = random.Random(seed)
    ordered = sorted(pupils, key=lambda p: p.id)
    result: list[list[str]] = [[] for _ in range(classes)]
    for sex in ("M", "F"):
        group = [p for p in ordered if p.sex == sex]
        group.sort(key=_band_key(use_score))
        for start in range(0, len(group), classes):
            _deal_row(group[start:start + classes], result, rng, class_size)
    others = [p for p in ordered if p.sex not in ("M", "F")]
    for start in range(0, len(others), classes):
        _deal_row(others[start:start + classes], result, rng, class_size)
    return result


def _band_key(use_score: bool) -> Any:
    if use_score:
        return lambda p: (-(p.score if p.score is not None else -math.inf), p.birth_date, p.id)
    return lambda p: (p.birth_date, p.id)


def _deal_row(row: Sequence[Pupil], result: list[list[str]], rng: random.Random,
              class_size: int) -> None:
    # Emptiest classes first; the random draw orders classes of equal size, and shuffles
    # which pupil of the row goes where.
    order = sorted(range(len(result)), key=lambda c: (len(result[c]), rng.random()))
    targets = [c for c in order if len(result[c]) < class_size][: len(row)]
    pupils = list(row)
    rng.shuffle(pupils)
    for pupil, target in zip(pupils, targets, strict=True):
        result[target].append(pupil.id)


def balance(pupils: Sequence[Pupil], placement: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Per-class figures and the spread (max − min) of each: the balance to check."""
    by_id = {p.id: p for p in pupils}
    rows: list[dict[str, Any]] = []
    for number, ids in enumerate(placement, start=1):
        members = [by_id[i] for i in ids]
        scores = [p.score for p in members if p.score is not None]
        rows.append({
            "class": number,
            "size": len(members),
            "male": sum(p.sex == "M" for p in members),
            "female": sum(p.sex == "F" for p in members),
            "mean_birth_month": round(mean(_month_index(p.birth_date) for p in members), 2)
            if members else None,
            "mean_score": round(mean(scores), 2) if scores else None,
        })

    def spread(key: str) -> float | None:
        values = [r[key] for r in rows if r[key] is not None]
        return round(max(values) - min(values), 2) if values else None

    return {"classes": rows,
            "spread": {k: spread(k) for k in
                       ("size", "male", "female", "mean_birth_month", "mean_score")}}


def _month_index(day: dt.date) -> int:
    """Months since year 0, so mean birth month across a year boundary stays meaningful."""
    return day.year * 12 + day.month - 1
