"""Student health measures for the data center (DESIGN §5): fitness results and vision
screenings per academic year, by 学段, grade and sex (and the institution's attributes).

One fact per table, with one value column per measure (as ``classes.count`` and
``classes.over_standard`` share theirs), so the engine sums every fitness measure in one
scan of the results and every vision measure in one scan of the screenings. Told the
columns its references use (``takes_columns``), a fact sums its rows per school, grade
and sex before joining the schools' attributes (see ``registry.measures.summed``); the
indicators in ``health/indicators.py`` divide the sums after aggregation (ratio of sums).
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
    summed,
    year_id,
)

FITNESS = FitnessResult._meta.db_table
VISION = VisionScreening._meta.db_table
DIMENSIONS = (*INSTITUTION_DIMENSIONS, LEVEL, GRADE, SEX)


def _of_year(tables: Tables, table: str, year: int) -> ir.Table:
    rows = tables[table]
    years = year_id(tables, year)
    return rows.inner_join(years, rows.academic_year_id == years.year_id)


def _with_schools(rows: ir.Table, tables: Tables, values: tuple[str, ...],
                  columns: frozenset[str] | None) -> ir.Table:
    """``rows`` (summed per school, grade and sex when the engine passes ``columns``)
    with the schools' attributes and the 学段 of the grade."""
    if columns is not None:
        rows = summed(rows, ["grade", "sex"], values)
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(level=level_of(facts.grade))


#: value column → the 等级 it counts (empty: every tested result).
FITNESS_COUNTS: dict[str, tuple[FitnessLevel, ...]] = {
    "tested": (),
    "passed": (FitnessLevel.EXCELLENT, FitnessLevel.GOOD, FitnessLevel.PASS),
    "good_or_excellent": (FitnessLevel.EXCELLENT, FitnessLevel.GOOD),
    "excellent": (FitnessLevel.EXCELLENT,),
}
FITNESS_VALUES = (*FITNESS_COUNTS, "total_sum")


def fitness_fact(tables: Tables, year: int, columns: frozenset[str] | None = None,
                 ) -> ir.Table:
    """The year's results that were actually tested (免测 rows are not 实测): a count
    column per 等级 group of :data:`FITNESS_COUNTS` (1 or 0) and ``total_sum`` (学年总分)."""
    rows = _of_year(tables, FITNESS, year)
    rows = rows.filter(rows.level != FitnessLevel.EXEMPT.value)
    one, zero = as_double(1.0), as_double(0.0)
    counts = {name: (rows.level.isin([lv.value for lv in levels]).ifelse(one, zero)
                     if levels else one)
              for name, levels in FITNESS_COUNTS.items()}
    rows = rows.select(institution_id=rows.institution_id.cast("int64"), grade=rows.grade,
                       sex=rows.sex, **counts, total_sum=as_double(rows.total.fill_null(0)))
    return _with_schools(rows, tables, FITNESS_VALUES, columns)


FITNESS_TABLES = (FITNESS, INSTITUTION, YEAR)
FITNESS_MEASURES = {
    "health.fitness_tested": ("体质健康实测人数", "人", "tested"),
    "health.fitness_passed": ("体质健康合格人数（及格及以上）", "人", "passed"),
    "health.fitness_good_or_excellent": ("体质健康优良人数", "人", "good_or_excellent"),
    "health.fitness_excellent": ("体质健康优秀人数", "人", "excellent"),
    "health.fitness_total_sum": ("体质健康学年总分合计", "分", "total_sum"),
}
for _name, (_label, _unit, _value) in FITNESS_MEASURES.items():
    register(RecordMeasure(name=_name, label=_label, unit=_unit, dimensions=DIMENSIONS,
                           fact=fitness_fact, tables=FITNESS_TABLES, value=_value,
                           takes_columns=True))


#: value column → the screening's flag it counts (None: every screening).
VISION_FLAGS: dict[str, str | None] = {
    "screened": None, "myopia": "myopia", "high_myopia": "high_myopia",
    "new_myopia": "new_myopia", "at_risk": "at_risk", "low_vision": "low_vision",
}


def vision_fact(tables: Tables, year: int, columns: frozenset[str] | None = None,
                ) -> ir.Table:
    """The year's screenings: ``screened`` 1 each and 1 or 0 per flag of
    :data:`VISION_FLAGS` (``at_risk``: screened last year without myopia, i.e. a
    ``new_myopia`` verdict exists)."""
    rows = _of_year(tables, VISION, year)
    # Booleans compared as integers: SQLite stores 0/1 and engines disagree on literals.
    flags = {"myopia": rows.myopia.cast("int32"), "high_myopia": rows.high_myopia.cast("int32"),
             "low_vision": rows.low_vision.cast("int32"),
             "at_risk": rows.new_myopia.notnull().cast("int32"),
             "new_myopia": rows.new_myopia.cast("int32").fill_null(0)}
    one, zero = as_double(1.0), as_double(0.0)
    values = {name: one if flag is None else (flags[flag] == 1).ifelse(one, zero)
              for name, flag in VISION_FLAGS.items()}
    rows = rows.select(institution_id=rows.institution_id.cast("int64"), grade=rows.grade,
                       sex=rows.sex, **values)
    return _with_schools(rows, tables, tuple(VISION_FLAGS), columns)


VISION_MEASURES = {
    "health.vision_screened": ("视力筛查人数（数据完整）", "screened"),
    "health.myopia": ("筛查性近视人数", "myopia"),
    "health.high_myopia": ("高度近视人数", "high_myopia"),
    "health.new_myopia": ("新发近视人数", "new_myopia"),
    "health.new_myopia_at_risk": ("上学年筛查未近视的本学年筛查人数", "at_risk"),
    "health.low_vision": ("视力低下人数", "low_vision"),
}
for _name, (_label, _value) in VISION_MEASURES.items():
    register(RecordMeasure(name=_name, label=_label, unit="人", dimensions=DIMENSIONS,
                           fact=vision_fact, tables=(VISION, INSTITUTION, YEAR),
                           value=_value, takes_columns=True))
