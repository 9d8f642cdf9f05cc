"""The standard as a versioned dataset: shipped tables, variants beside them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from edugov.health.rules.fitness import score_fitness
from edugov.health.rules.fitness_standard import (
    BUILTIN_DIR,
    StandardError,
    builtin_standard,
    builtin_standard_ids,
    load_standard,
)

SHARED_REFERENCE = Path("/work/shared/reference/fitness")


def test_default_standard_is_shipped() -> None:
    assert "csnhs-2014" in builtin_standard_ids()
    standard = builtin_standard()
    assert standard.document == "教体艺〔2014〕5号"
    assert standard.required_items("M", 7) == [
        "bmi", "vital_capacity", "run_50m", "sit_and_reach", "standing_long_jump", "pull_up",
        "run_1000m_male"]
    assert standard.required_items("F", 1) == [
        "bmi", "vital_capacity", "run_50m", "sit_and_reach", "rope_skipping_1min"]


@pytest.mark.skipif(not SHARED_REFERENCE.is_dir(), reason="shared reference not present")
def test_shipped_tables_match_the_reference_transcription() -> None:
    for path in SHARED_REFERENCE.glob("*.csv"):
        assert (BUILTIN_DIR / "csnhs-2014" / path.name).read_bytes() == path.read_bytes()


def test_variant_inherits_tables_and_overrides_levels(tmp_path: Path) -> None:
    variant = tmp_path / "demo-province-2024"
    variant.mkdir()
    (variant / "standard.json").write_text(json.dumps({
        "id": "demo-province-2024", "name": "示例省标准", "extends": "csnhs-2014",
        "levels": [{"min_total": 92.0, "label": "优秀"}, {"min_total": 80.0, "label": "良好"},
                   {"min_total": 60.0, "label": "及格"}, {"min_total": None, "label": "不及格"}],
    }), encoding="utf-8")
    standard = load_standard(variant)
    assert standard.id == "demo-province-2024"
    assert standard.bonus_cap == 20
    assert standard.levels[0].min_total == 92.0
    assert sum(len(v) for v in standard.items["pull_up"].levels.values()) == 87


def test_variant_with_its_own_table(tmp_path: Path) -> None:
    variant = tmp_path / "stricter"
    shutil.copytree(BUILTIN_DIR / "csnhs-2014", variant)
    manifest = json.loads((variant / "standard.json").read_text(encoding="utf-8"))
    (variant / "standard.json").write_text(json.dumps({**manifest, "id": "stricter"}))
    table = (variant / "single_item_scores.csv").read_text(encoding="utf-8")
    # 初二男 肺活量 100 points at 3940 mL → 4000 mL in the variant.
    (variant / "single_item_scores.csv").write_text(
        table.replace("vital_capacity,肺活量,M,8,初二,100,3940,",
                      "vital_capacity,肺活量,M,8,初二,100,4000,"),
        encoding="utf-8")
    scores = [score_fitness(std, sex=np.array([0]), grade=np.array([8]),
                            height_cm=np.array([170.0]), weight_kg=np.array([55.0]),
                            results={"vital_capacity": np.array([3950.0])}
                            ).item_scores["vital_capacity"][0]
              for std in (builtin_standard(), load_standard(variant))]
    assert scores == [100, 95]


def test_broken_standards_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StandardError):
        load_standard(tmp_path)
    with pytest.raises(StandardError):
        builtin_standard("csnhs-1900")
    (tmp_path / "standard.json").write_text(json.dumps({"id": "x", "extends": None}))
    with pytest.raises(StandardError, match="缺少数据文件"):
        load_standard(tmp_path)
