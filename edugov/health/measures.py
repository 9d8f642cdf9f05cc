"""Student health measures for the data center (DESIGN §5): fitness results and vision
screenings per academic year, by 学段, grade and sex (and the institution's attributes).

Each ``fact`` returns one ibis row per counted result or screening of the year, like the
registry's measures; the indicators in ``health/indicators.py`` divide them after
aggregation (ratio of sums).
"""

from __future__ import annotations

import ibis.expr.types as ir

from edugov.health.models import FitnessLevel, FitnessResult, VisionScreening
from edugov.metrics.catalog import RecordMeasure, Tables, register
from edugov.registry.measures import (
    GRADE,
    INSTITUTION,
    INSTITUTION_DIMENSIONS,
    LEVEL,
    SEX,
    YEAR,
    as_double,
    institution_columns,
    level_of,
    year_id,
)

FITNESS = FitnessResult._meta.db_table
VISION = VisionScreening._meta.db_table
DIMENSIONS = (*INSTITUTION_DIMENSIONS, LEVEL, GRADE, SEX)


def _of_year(tables: Tables, table: str, year: int) -> ir.Table:
    rows = tables[table]
    years = year_id(tables, year)
    return rows.inner_join(years, rows.academic_year_id == years.year_id)


def fitness_base(tables: Tables, year: int) -> ir.Table:
    """The year's results that were actually tested (免测 rows are not 实测)."""
    rows = _of_year(tables, FITNESS, year)
    rows = rows.filter(rows.level != FitnessLevel.EXEMPT.value)
    rows = rows.select(institution_id=rows.institution_id.cast("int64"), grade=rows.grade,
                       sex=rows.sex, fitness_level=rows.level, total=rows.total)
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(level=level_of(facts.grade))


def fitness_count(*levels: FitnessLevel):  # type: ignore[no-untyped-def]
    """A fact counting tested results, or those whose 等级 is one of ``levels``."""
    wanted = [lv.value for lv in levels]

    def fact(tables: Tables, year: int) -> ir.Table:
        base = fitness_base(tables, year)
        if wanted:
            base = base.filter(base.fitness_level.isin(wanted))
        return base.mutate(value=as_double(1.0))
    return fact


def fitness_total_fact(tables: Tables, year: int) -> ir.Table:
    base = fitness_base(tables, year)
    return base.mutate(value=as_double(base.total.fill_null(0)))


FITNESS_TABLES = (FITNESS, INSTITUTION, YEAR)
FITNESS_MEASURES = {
    "health.fitness_tested": ("体质健康实测人数", ()),
    "health.fitness_passed": ("体质健康合格人数（及格及以上）",
                              (FitnessLevel.EXCELLENT, FitnessLevel.GOOD, FitnessLevel.PASS)),
    "health.fitness_good_or_excellent": ("体质健康优良人数",
                                         (FitnessLevel.EXCELLENT, FitnessLevel.GOOD)),
    "health.fitness_excellent": ("体质健康优秀人数", (FitnessLevel.EXCELLENT,)),
}
for _name, (_label, _levels) in FITNESS_MEASURES.items():
    register(RecordMeasure(name=_name, label=_label, unit="人", dimensions=DIMENSIONS,
                           fact=fitness_count(*_levels), tables=FITNESS_TABLES))
register(RecordMeasure(name="health.fitness_total_sum", label="体质健康学年总分合计",
                       unit="分", dimensions=DIMENSIONS, fact=fitness_total_fact,
                       tables=FITNESS_TABLES))


def vision_base(tables: Tables, year: int) -> ir.Table:
    rows = _of_year(tables, VISION, year)
    rows = rows.select(
        institution_id=rows.institution_id.cast("int64"), grade=rows.grade, sex=rows.sex,
        # Booleans compared as integers: SQLite stores 0/1 and engines disagree on literals.
        myopia=rows.myopia.cast("int32"), high_myopia=rows.high_myopia.cast("int32"),
        low_vision=rows.low_vision.cast("int32"),
        at_risk=rows.new_myopia.notnull().cast("int32"),
        new_myopia=rows.new_myopia.cast("int32").fill_null(0),
    )
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(level=level_of(facts.grade))


def vision_flag(column: str | None):  # type: ignore[no-untyped-def]
    """A fact counting screened students, or those with ``column`` set."""
    def fact(tables: Tables, year: int) -> ir.Table:
        base = vision_base(tables, year)
        if column is not None:
            base = base.filter(base[column] == 1)
        return base.mutate(value=as_double(1.0))
    return fact


VISION_MEASURES = {
    "health.vision_screened": ("视力筛查人数（数据完整）", None),
    "health.myopia": ("筛查性近视人数", "myopia"),
    "health.high_myopia": ("高度近视人数", "high_myopia"),
    "health.new_myopia": ("新发近视人数", "new_myopia"),
    "health.new_myopia_at_risk": ("上学年筛查未近视的本学年筛查人数", "at_risk"),
    "health.low_vision": ("视力低下人数", "low_vision"),
}
for _name, (_label, _column) in VISION_MEASURES.items():
    register(RecordMeasure(name=_name, label=_label, unit="人", dimensions=DIMENSIONS,
                           fact=vision_flag(_column), tables=(VISION, INSTITUTION, YEAR)))
