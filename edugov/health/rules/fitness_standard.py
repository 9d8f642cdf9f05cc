"""A fitness standard loaded from its versioned dataset directory.

A standard (《国家学生体质健康标准（2014年修订）》, 教体艺〔2014〕5号, or a revision or
provincial variant of it) is a directory under ``edugov/health/standards/`` (or anywhere)
holding ``standard.json`` and four CSV tables. ``load_standard`` turns it into a
``FitnessStandard``: plain numpy arrays shaped for the vectorised scorer in ``fitness.py``.

Lookup arrays are indexed by ``group = sex * GRADE_SLOTS + grade`` (sex 0 = 男, 1 = 女;
grade 1–12, slot 0 unused) so one gather serves every row.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "standards"
DEFAULT_STANDARD_ID = "csnhs-2014"

GRADE_SLOTS = 13  # grades 1–12; index 0 unused so a grade is its own index
SEXES = ("M", "F")
N_GROUPS = len(SEXES) * GRADE_SLOTS

#: Items in output order (评分表 order). BMI is scored from height and weight.
ITEMS = (
    "vital_capacity", "run_50m", "sit_and_reach", "rope_skipping_1min", "sit_up_1min",
    "shuttle_50mx8", "standing_long_jump", "pull_up", "run_1000m_male", "run_800m_female",
)
WEIGHTED = ("bmi", *ITEMS)

TABLE_FILES = ("single_item_scores.csv", "bmi_bands.csv", "item_weights.csv",
               "bonus_points.csv")


class StandardError(ValueError):
    """The standard's dataset is missing or inconsistent."""


def group_index(sex: np.ndarray, grade: np.ndarray) -> np.ndarray:
    """Row → lookup group (sex 0/1, grade 1–12)."""
    return sex.astype(np.int64) * GRADE_SLOTS + grade.astype(np.int64)


@dataclass(frozen=True)
class ItemTable:
    """One item's single-item tables (表2–表9) for every sex × grade, as dense lookups.

    Values are integers in the item's recording unit (``scale`` = 10 for items recorded to
    0.1) oriented so that larger is better: lower-is-better times are negated. That turns
    the §1.2 lookup rule into "highest level whose threshold ≤ result", and lets the scorer
    read a row's score (and bonus) with one gather: ``score_lut[group, result - lut_base]``.
    The lookup spans from one unit below the lowest threshold (scores 0) to the highest
    result that still changes anything (full marks plus the largest bonus step); results
    beyond either end are clipped to it.
    """

    code: str
    name: str
    unit: str
    lower_is_better: bool
    scale: int
    lut_base: int
    score_lut: np.ndarray     # int16[N_GROUPS, width]
    bonus_lut: np.ndarray     # int16[N_GROUPS, width]; 0 where the item earns no bonus
    full_marks: np.ndarray    # int64[N_GROUPS]: oriented 100-point threshold; 0 where absent
    has_table: np.ndarray     # bool[N_GROUPS]
    levels: dict[int, list[tuple[int, int]]]  # group → [(oriented threshold, score)]


@dataclass(frozen=True)
class Level:
    min_total: float | None
    label: str


@dataclass(frozen=True)
class FitnessStandard:
    id: str
    name: str
    document: str
    directory: Path
    items: dict[str, ItemTable]
    bmi_decimals: int
    bmi_cuts: np.ndarray        # int64[N_GROUPS, 3]: 低体重 max, 正常 max, 超重 max (×10^decimals)
    bmi_scores: np.ndarray      # int16[4]: 低体重, 正常, 超重, 肥胖
    bmi_lut_base: int
    bmi_lut: np.ndarray         # int16[N_GROUPS, width]: band score by BMI × 10^decimals
    weights: np.ndarray         # int16[N_GROUPS, len(WEIGHTED)] percent
    bonus_cap: float
    total_decimals: int
    levels: tuple[Level, ...]
    pass_level: str
    graduation: dict[str, Any] = field(default_factory=dict)

    def grades(self) -> range:
        return range(1, GRADE_SLOTS)

    def required_items(self, sex: str, grade: int) -> list[str]:
        """Items (BMI first) weighted for this sex and grade."""
        group = SEXES.index(sex) * GRADE_SLOTS + grade
        return [code for k, code in enumerate(WEIGHTED) if self.weights[group, k] > 0]


def builtin_standard_ids() -> list[str]:
    return sorted(p.name for p in BUILTIN_DIR.iterdir() if (p / "standard.json").is_file())


@cache
def builtin_standard(standard_id: str = DEFAULT_STANDARD_ID) -> FitnessStandard:
    """A standard shipped with edugov, loaded once per process."""
    if standard_id not in builtin_standard_ids():
        raise StandardError(f"未知的体质健康标准：{standard_id}")
    return load_standard(BUILTIN_DIR / standard_id)


def load_standard(directory: Path | str) -> FitnessStandard:
    """Load the standard in ``directory``; a variant inherits missing tables via ``extends``."""
    directory = Path(directory)
    manifest = _read_manifest(directory)
    files = {name: _resolve_file(directory, manifest, name) for name in TABLE_FILES}
    decimals: dict[str, int] = manifest["item_decimals"]
    items = _item_tables(_read_csv(files["single_item_scores.csv"]), decimals,
                         _read_csv(files["bonus_points.csv"]))
    weights = _weights(_read_csv(files["item_weights.csv"]))
    return FitnessStandard(
        id=manifest["id"],
        name=manifest["name"],
        document=manifest.get("document", ""),
        directory=directory,
        items=items,
        bmi_decimals=int(manifest.get("bmi_decimals", 1)),
        bmi_cuts=_bmi_cuts(_read_csv(files["bmi_bands.csv"]), int(manifest.get("bmi_decimals", 1))),
        bmi_scores=_bmi_scores(_read_csv(files["bmi_bands.csv"])),
        **_bmi_lut(_read_csv(files["bmi_bands.csv"]), int(manifest.get("bmi_decimals", 1))),
        weights=weights,
        bonus_cap=float(manifest["bonus_cap"]),
        total_decimals=int(manifest.get("total_decimals", 1)),
        levels=tuple(Level(lv["min_total"], lv["label"]) for lv in manifest["levels"]),
        pass_level=manifest["pass_level"],
        graduation=dict(manifest.get("graduation", {})),
    )


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "standard.json"
    if not path.is_file():
        raise StandardError(f"{directory} 不是体质健康标准目录（缺少 standard.json）")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    base_id = manifest.get("extends")
    if base_id:
        base = _read_manifest(_sibling_or_builtin(directory, base_id))
        manifest = {**base, **manifest, "_base_dir": str(_sibling_or_builtin(directory, base_id))}
    return manifest


def _sibling_or_builtin(directory: Path, standard_id: str) -> Path:
    sibling = directory.parent / standard_id
    return sibling if (sibling / "standard.json").is_file() else BUILTIN_DIR / standard_id


def _resolve_file(directory: Path, manifest: dict[str, Any], name: str) -> Path:
    own = directory / name
    if own.is_file():
        return own
    base_dir = manifest.get("_base_dir")
    if base_dir and (Path(base_dir) / name).is_file():
        return _resolve_file(Path(base_dir), _read_manifest(Path(base_dir)), name)
    raise StandardError(f"体质健康标准 {manifest.get('id')} 缺少数据文件 {name}")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _scaled(text: str, scale: int) -> int:
    # Thresholds are exact decimals in the table; round to stay exact in integer units.
    return round(float(text) * scale)


def _item_levels(rows: list[dict[str, str]], decimals: dict[str, int]
                 ) -> dict[str, tuple[dict[str, Any], dict[int, list[tuple[int, int]]]]]:
    """item → (its description, group → [(oriented threshold, score)] ascending)."""
    levels: dict[str, tuple[dict[str, Any], dict[int, list[tuple[int, int]]]]] = {}
    for code in ITEMS:
        item_rows = [r for r in rows if r["item_code"] == code]
        if not item_rows:
            raise StandardError(f"单项评分表缺少项目 {code}")
        scale = 10 ** int(decimals[code])
        lower = item_rows[0]["better"] == "lower"
        by_group: dict[int, list[tuple[int, int]]] = {}
        for r in item_rows:
            group = SEXES.index(r["sex"]) * GRADE_SLOTS + int(r["grade_code"])
            oriented = (-1 if lower else 1) * _scaled(r["threshold"], scale)
            by_group.setdefault(group, []).append((oriented, int(r["score"])))
        for entries in by_group.values():
            entries.sort()  # equal thresholds (possible in a variant): the higher score last
        description = {"name": item_rows[0]["item_name"], "unit": item_rows[0]["unit"],
                       "lower": lower, "scale": scale}
        levels[code] = (description, by_group)
    return levels


def _item_tables(rows: list[dict[str, str]], decimals: dict[str, int],
                 bonus_rows: list[dict[str, str]]) -> dict[str, ItemTable]:
    tables: dict[str, ItemTable] = {}
    for code, (description, by_group) in _item_levels(rows, decimals).items():
        full_marks = np.zeros(N_GROUPS, dtype=np.int64)
        for group, entries in by_group.items():
            full_marks[group] = max(t for t, score in entries if score == 100)
        bonus = _bonus_steps(bonus_rows, code, description["scale"])
        lowest = min(t for entries in by_group.values() for t, _ in entries)
        highest = int(full_marks[list(by_group)].max()) + (int(bonus[1][-1]) if bonus else 0)
        base = lowest - 1
        values = np.arange(base, highest + 1, dtype=np.int64)
        score_lut = np.zeros((N_GROUPS, len(values)), dtype=np.int16)
        bonus_lut = np.zeros((N_GROUPS, len(values)), dtype=np.int16)
        for group, entries in by_group.items():
            thresholds = np.array([t for t, _ in entries], dtype=np.int64)
            scores = np.array([0] + [s for _, s in entries], dtype=np.int16)
            # Count of thresholds reached = index of the best level reached (0 = none).
            score_lut[group] = scores[np.searchsorted(thresholds, values, side="right")]
            if bonus and bonus[0][group]:
                _applies, steps, points = bonus
                earned = np.concatenate([[0], points])
                excess = values - full_marks[group]
                bonus_lut[group] = earned[np.searchsorted(steps, excess, side="right")]
        has_table = np.zeros(N_GROUPS, dtype=bool)
        has_table[list(by_group)] = True
        tables[code] = ItemTable(
            code=code, name=description["name"], unit=description["unit"],
            lower_is_better=description["lower"], scale=description["scale"], lut_base=base,
            score_lut=score_lut, bonus_lut=bonus_lut, full_marks=full_marks,
            has_table=has_table, levels=by_group,
        )
    return tables


def _bonus_steps(rows: list[dict[str, str]], code: str, scale: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """加分指标 of one item: (groups it applies to, excess steps ascending, points)."""
    item_rows = sorted((r for r in rows if r["item_code"] == code),
                       key=lambda r: float(r["excess_over_100pt_threshold"]))
    if not item_rows:
        return None
    applies = np.zeros(N_GROUPS, dtype=bool)
    for sex in item_rows[0]["sex"].split("/"):
        for grade in _grade_list(item_rows[0]["grades"]):
            applies[SEXES.index(sex) * GRADE_SLOTS + grade] = True
    steps = np.array([_scaled(r["excess_over_100pt_threshold"], scale) for r in item_rows],
                     dtype=np.int64)
    points = np.array([int(r["bonus_points"]) for r in item_rows], dtype=np.int16)
    return applies, steps, points


def _bmi_cuts(rows: list[dict[str, str]], decimals: int) -> np.ndarray:
    scale = 10**decimals
    cuts = np.zeros((N_GROUPS, 3), dtype=np.int64)
    for r in rows:
        group = SEXES.index(r["sex"]) * GRADE_SLOTS + int(r["grade_code"])
        cuts[group] = [_scaled(r["low_weight_max"], scale), _scaled(r["normal_max"], scale),
                       _scaled(r["overweight_max"], scale)]
    return cuts


def _bmi_lut(rows: list[dict[str, str]], decimals: int) -> dict[str, Any]:
    """Band score for every BMI between one step under the lowest 低体重 max and one step
    over the highest 超重 max; BMIs outside are clipped to the ends (still 低体重/肥胖)."""
    cuts = _bmi_cuts(rows, decimals)
    scores = _bmi_scores(rows)
    present = cuts[:, 0] > 0
    base = int(cuts[present, 0].min())
    values = np.arange(base, int(cuts[present, 2].max()) + 2, dtype=np.int64)
    lut = np.zeros((N_GROUPS, len(values)), dtype=np.int16)
    for group in np.flatnonzero(present):
        band = (values[:, None] > cuts[group]).sum(axis=1)
        lut[group] = scores[band]
    return {"bmi_lut_base": base, "bmi_lut": lut}


def _bmi_scores(rows: list[dict[str, str]]) -> np.ndarray:
    first = rows[0]
    return np.array([int(first["score_low_weight"]), int(first["score_normal"]),
                     int(first["score_overweight"]), int(first["score_obese"])], dtype=np.int16)


def _grade_list(text: str) -> list[int]:
    """``"1,2"`` or ``"7-12"`` → grades."""
    if "-" in text:
        low, high = (int(part) for part in text.split("-"))
        return list(range(low, high + 1))
    return [int(part) for part in text.split(",")]


def _weights(rows: list[dict[str, str]]) -> np.ndarray:
    weights = np.zeros((N_GROUPS, len(WEIGHTED)), dtype=np.int16)
    for r in rows:
        # "pull_up|sit_up_1min": the first item is the boys', the second the girls'.
        codes = r["item_code"].split("|")
        for sex_index in range(len(SEXES)):
            code = codes[sex_index] if len(codes) > 1 else codes[0]
            for grade in _grade_list(r["grades"]):
                weights[sex_index * GRADE_SLOTS + grade, WEIGHTED.index(code)] = int(
                    r["weight_percent"])
    for group in range(N_GROUPS):
        if group % GRADE_SLOTS and weights[group].sum() != 100:
            raise StandardError(f"权重之和不等于100%（第{group}组）")
    return weights
