"""The health measures' shared facts (one per table, summed per school, grade and sex)
give what the per-measure facts gave, on the live and DuckDB engines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import numpy as np
import pytest

from edugov.health.indicators import HEALTH_INDICATORS
from edugov.health.measures import (
    FITNESS,
    FITNESS_MEASURES,
    VISION,
    VISION_MEASURES,
    fitness_fact,
    vision_fact,
)
from edugov.health.models import FitnessLevel, FitnessResult, VisionScreening
from edugov.metrics.catalog import MeasureRegistry, RecordMeasure, measures
from edugov.metrics.engine import warehouse
from edugov.metrics.engine.backends import open_source
from edugov.metrics.engine.compute import Computation, IndicatorDef, compute, plan_scans
from edugov.metrics.engine.compute import distinct_refs as refs_of
from edugov.registry import models as m

# -- the facts as they were: one builder per measure, one row per result or screening --


def _of_year(tables, table, year):  # type: ignore[no-untyped-def]
    from edugov.registry.measures import year_id

    rows = tables[table]
    years = year_id(tables, year)
    return rows.inner_join(years, rows.academic_year_id == years.year_id)


def old_fitness_base(tables, year):  # type: ignore[no-untyped-def]
    from edugov.registry.measures import institution_columns, level_of

    rows = _of_year(tables, FITNESS, year)
    rows = rows.filter(rows.level != FitnessLevel.EXEMPT.value)
    rows = rows.select(institution_id=rows.institution_id.cast("int64"), grade=rows.grade,
                       sex=rows.sex, fitness_level=rows.level, total=rows.total)
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(level=level_of(facts.grade))


def old_fitness_count(*levels):  # type: ignore[no-untyped-def]
    from edugov.registry.measures import as_double

    wanted = [lv.value for lv in levels]

    def fact(tables, year):  # type: ignore[no-untyped-def]
        base = old_fitness_base(tables, year)
        if wanted:
            base = base.filter(base.fitness_level.isin(wanted))
        return base.mutate(value=as_double(1.0))
    return fact


def old_fitness_total_fact(tables, year):  # type: ignore[no-untyped-def]
    from edugov.registry.measures import as_double

    base = old_fitness_base(tables, year)
    return base.mutate(value=as_double(base.total.fill_null(0)))


def old_vision_base(tables, year):  # type: ignore[no-untyped-def]
    from edugov.registry.measures import institution_columns, level_of

    rows = _of_year(tables, VISION, year)
    rows = rows.select(
        institution_id=rows.institution_id.cast("int64"), grade=rows.grade, sex=rows.sex,
        myopia=rows.myopia.cast("int32"), high_myopia=rows.high_myopia.cast("int32"),
        low_vision=rows.low_vision.cast("int32"),
        at_risk=rows.new_myopia.notnull().cast("int32"),
        new_myopia=rows.new_myopia.cast("int32").fill_null(0),
    )
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(level=level_of(facts.grade))


def old_vision_flag(column):  # type: ignore[no-untyped-def]
    from edugov.registry.measures import as_double

    def fact(tables, year):  # type: ignore[no-untyped-def]
        base = old_vision_base(tables, year)
        if column is not None:
            base = base.filter(base[column] == 1)
        return base.mutate(value=as_double(1.0))
    return fact


OLD_FITNESS = {
    "health.fitness_tested": old_fitness_count(),
    "health.fitness_passed": old_fitness_count(FitnessLevel.EXCELLENT, FitnessLevel.GOOD,
                                               FitnessLevel.PASS),
    "health.fitness_good_or_excellent": old_fitness_count(FitnessLevel.EXCELLENT,
                                                          FitnessLevel.GOOD),
    "health.fitness_excellent": old_fitness_count(FitnessLevel.EXCELLENT),
    "health.fitness_total_sum": old_fitness_total_fact,
}
OLD_VISION = {
    "health.vision_screened": old_vision_flag(None),
    "health.myopia": old_vision_flag("myopia"),
    "health.high_myopia": old_vision_flag("high_myopia"),
    "health.new_myopia": old_vision_flag("new_myopia"),
    "health.new_myopia_at_risk": old_vision_flag("at_risk"),
    "health.low_vision": old_vision_flag("low_vision"),
}
NAMES = (*FITNESS_MEASURES, *VISION_MEASURES)


def old_registry() -> MeasureRegistry:
    registry = measures()
    old = dict(registry.measures)
    for name, fact in {**OLD_FITNESS, **OLD_VISION}.items():
        measure = registry.get(name)
        assert isinstance(measure, RecordMeasure)
        old[name] = dataclasses.replace(measure, fact=fact, value="value", takes_columns=False)
    return MeasureRegistry(measures=old)


# -- definitions: every built-in indicator, every measure, and filtered references --------

FILTERS = ('{level="primary"}', '{level="junior"}', '{level="senior"}', '{grade=3}',
           '{sex="F"}', '{level="primary", sex="M"}', '{grade in (7, 8)}',
           '{kind="primary"}', '{locality!="urban"}', '{inclusive=false}')
DEFS = (
    [IndicatorDef(r["code"], r["formula"], r["factor"], tuple(r["levels"]))
     for r in HEALTH_INDICATORS]
    + [IndicatorDef(f"m{i}", name) for i, name in enumerate(NAMES)]
    + [IndicatorDef(f"m{i}_{j}", f"{name}{where}") for i, name in enumerate(NAMES)
       for j, where in enumerate(FILTERS)]
)


def test_one_scan_per_table() -> None:
    scans = plan_scans(measures(), refs_of(DEFS))
    facts = {scan.measure.fact for scan in scans
             if scan.measure.name.startswith("health.")}
    assert facts == {fitness_fact, vision_fact}


@pytest.fixture
def records(world):  # type: ignore[no-untyped-def]
    """Results and screenings at both schools, every level, both sexes, this year and
    last (which must not count), with exempt results, null totals and every flag."""
    rng = random.Random(20251)
    last = m.AcademicYear.objects.create(start_year=2024, is_current=False)
    levels = [lv.value for lv in FitnessLevel]
    students = m.Student.objects.bulk_create(
        m.Student(student_no=f"H{i:018d}", name="学生", sex="MF"[i % 2],
                  birth_date=dt.date(2014, 1, 1), hukou_type="local",
                  current_institution=world.school_a if i % 3 else world.school_b)
        for i in range(160))
    fitness, vision = [], []
    for i, student in enumerate(students):
        school = student.current_institution
        grade = rng.choice((-1, 0, 1, 3, 3, 6, 7, 8, 9, 10, 12))
        for year in (world.year, last):
            level = rng.choice(levels)
            exempt = level == FitnessLevel.EXEMPT.value
            total = None if exempt or rng.random() < 0.1 else round(rng.uniform(30, 100), 1)
            fitness.append(FitnessResult(
                student=student, academic_year=year, institution=school, grade=grade,
                sex=student.sex, standard="2014", level=level, total=total,
                exempt_reason="病休" if exempt else ""))
            myopia = rng.random() < 0.5
            vision.append(VisionScreening(
                student=student, academic_year=year, institution=school, grade=grade,
                sex=student.sex, age=10, myopia=myopia,
                high_myopia=myopia and rng.random() < 0.3, low_vision=rng.random() < 0.4,
                new_myopia=rng.choice((None, True, False)) if i % 5 else None))
    FitnessResult.objects.bulk_create(fitness)
    VisionScreening.objects.bulk_create(vision)
    return world


def test_shared_facts_equal_the_per_measure_facts(records, tmp_path) -> None:
    with open_source("live") as source:
        warehouse.export(source, measures(), tmp_path)

    def both(registry: MeasureRegistry) -> list[Computation]:
        results = []
        for engine, kwargs in (("live", {}), ("duckdb", {"warehouse": tmp_path})):
            with open_source(engine, **kwargs) as source:
                results.append(compute(source, registry, DEFS, year=2025))
        return results

    now, before = both(measures()), both(old_registry())
    for after, reference in zip(now, before, strict=True):
        assert list(after.measures.index) == list(reference.measures.index)
        assert list(after.values.columns) == list(reference.values.columns)
        np.testing.assert_allclose(after.measures.to_numpy(),
                                   reference.measures[after.measures.columns].to_numpy(),
                                   rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(after.values.to_numpy(), reference.values.to_numpy(),
                                   rtol=1e-12, equal_nan=True)
    # Not vacuous: every measure counted something at the city level.
    city = f"region:{records.city.pk}"
    for i, _name in enumerate(NAMES):
        assert now[0].values.loc[city, f"m{i}"] > 0
    # And the engines agree with each other.
    np.testing.assert_allclose(now[0].values.to_numpy(), now[1].values.to_numpy(),
                               rtol=1e-9, equal_nan=True)
