"""Rates per class, school and county; measures and built-in indicators on the engines;
a student's report card with the change from last year."""

from __future__ import annotations

import pytest

from edugov.health import selectors
from edugov.health.indicators import HEALTH_INDICATORS
from edugov.health.rules.rates import rank, summarise, weak_items
from edugov.metrics import services as metrics_services
from edugov.metrics.catalog import measures
from edugov.metrics.engine import warehouse
from edugov.metrics.engine.backends import open_source
from edugov.metrics.engine.compute import IndicatorDef, compute
from edugov.metrics.models import Indicator


def test_fitness_rates_by_school_and_county(imported, personas):
    table = selectors.fitness_summary(personas.city_bureau, years=[2025], by=["county"])
    east = table.set_index("county").loc["东城区"]
    assert (east.enrolled, east.tested, east.passed) == (7, 6, 5)
    assert east.test_rate == pytest.approx(100 * 6 / 7)
    assert east.pass_rate == pytest.approx(100 * 5 / 6)
    west = table.set_index("county").loc["西城县"]
    assert west.enrolled == 1 and west.tested == 0 and west.pass_rate != west.pass_rate  # NaN
    # County B's user sees nothing of county A.
    own = selectors.fitness_summary(personas.county_b, years=[2025], by=["county"])
    assert list(own["county"]) == ["西城县"]


def test_vision_rates_and_new_myopia(imported, personas):
    table = selectors.vision_summary(personas.school_admin_a, years=[2024, 2025],
                                     by=["year", "school"]).set_index("year")
    now = table.loc[2025]
    assert (now.screened, now.myopic, now.high_myopia) == (6, 3, 1)
    # At risk: the five not myopic in 2024 and screened again; two of them became myopic.
    assert (now.at_risk, now.new_myopia) == (5, 2)
    assert now.new_myopia_rate == pytest.approx(40.0)
    assert table.loc[2024].myopia_rate == pytest.approx(100 / 6)


def test_weak_points_name_the_lowest_items(imported):
    results = selectors.FitnessResult.objects.filter(academic_year__start_year=2025)
    means = selectors.item_means(results)
    assert set(means) == {"bmi", "vital_capacity", "run_50m", "sit_and_reach",
                          "rope_skipping_1min", "sit_up_1min"}
    assert weak_items({"a": 95.0, "b": 70.0, "c": 60.0, "d": 79.0}, count=2) == ["c", "b"]


def test_report_card_shows_change_from_last_year(imported):
    card = selectors.report_card(imported.pupils[0])
    assert card.result.academic_year.start_year == 2025 and card.previous is not None
    rope = next(line for line in card.lines if line.name == "1分钟跳绳")
    assert rope.result == "120次" and rope.change is not None
    assert card.total_change == pytest.approx(card.result.total - card.previous.total)
    assert card.advice_needed  # myopic this year


def test_rates_are_ratios_of_sums_and_ranks_skip_missing():
    import pandas as pd

    counts = pd.DataFrame({"unit": ["a", "a", "b", "c"], "enrolled": [10, 10, 5, 0],
                           "tested": [10, 0, 5, 0], "passed": [9, 0, 4, 0],
                           "good_or_excellent": [5, 0, 1, 0], "excellent": [1, 0, 0, 0],
                           "total_sum": [800.0, 0.0, 350.0, 0.0]})
    table = summarise(counts, ["unit"], kind="fitness").set_index("unit")
    assert table.loc["a", "test_rate"] == 50.0 and table.loc["a", "pass_rate"] == 90.0
    assert table.loc["a", "mean_total"] == 80.0
    assert list(rank(table.reset_index(), "pass_rate")) == [1, 2, pd.NA]


# -- the data center -----------------------------------------------------------------------


DEFS = [IndicatorDef(r["code"], r["formula"], r["factor"], tuple(r["levels"]))
        for r in HEALTH_INDICATORS]


def run(engine: str, year: int = 2025, **kwargs):
    with open_source(engine, **kwargs) as source:
        return compute(source, measures(), DEFS, year=year)


@pytest.mark.django_db
def test_indicators_are_loaded_and_pass_the_checker():
    assert set(Indicator.objects.filter(builtin=True).values_list("code", flat=True)) >= {
        r["code"] for r in HEALTH_INDICATORS}
    for row in HEALTH_INDICATORS:
        metrics_services.check_formula(row["formula"], code=row["code"])


def test_live_engine_agrees_with_the_selectors(imported, personas):
    result = run("live")
    county = f"region:{imported.base.county_a.pk}"
    school = f"institution:{imported.base.school_a.pk}"
    values = result.values
    assert values.loc[county, "fitness_test_rate"] == pytest.approx(100 * 6 / 7)
    assert values.loc[school, "fitness_pass_rate_primary"] == pytest.approx(100 * 5 / 6)
    assert values.loc[school, "myopia_rate"] == pytest.approx(50.0)
    assert values.loc[school, "new_myopia_rate"] == pytest.approx(40.0)
    assert values.loc[school, "high_myopia_rate"] == pytest.approx(100 / 6)
    summary = selectors.fitness_summary(personas.superuser, years=[2025],
                                        by=["institution_id"]).set_index("institution_id")
    for column in ("test_rate", "pass_rate", "good_rate", "excellent_rate"):
        assert values.loc[school, f"fitness_{column}"] == pytest.approx(
            summary.loc[imported.base.school_a.pk, column])
    assert values.loc[school, "fitness_mean_total"] == pytest.approx(
        summary.loc[imported.base.school_a.pk, "mean_total"])


def test_duckdb_on_the_warehouse_equals_live(imported, tmp_path):
    with open_source("live") as source:
        warehouse.export(source, measures(), tmp_path)
    live, duck = run("live"), run("duckdb", warehouse=tmp_path)
    assert list(live.values.index) == list(duck.values.index)
    import numpy as np

    np.testing.assert_allclose(live.values.to_numpy(), duck.values.to_numpy(), rtol=1e-9,
                               equal_nan=True)
