"""Admissions' measures for the data center (DESIGN §5), counted per school and year.

The year of a round is its academic year's start (a round admitting for 2026–27 counts in
2026). Each ``fact`` returns one ibis row per counted thing with ``institution_id``,
``value`` and the dimension columns; the same expressions run on the live database and
on the Parquet warehouse.

Which school a row counts at:

* applications and verified applications: the first choice (第一志愿) — where demand is;
* admissions: the school admitted to;
* lottery applicants: every 公民同招 (lottery-only) school the application names;
* places and planned classes: the school of the plan.

The built-in indicators over these measures are in ``enrollment/indicators.py`` (loaded by
the migration ``0002_enrollment_indicators``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from edugov.enrollment import models as m
from edugov.enrollment import workflow as wf
from edugov.enrollment.rules import priority
from edugov.metrics.catalog import (
    Dimension,
    RecordMeasure,
    Tables,
    boolean_dimension,
    register,
)
from edugov.metrics.engine import warehouse
from edugov.registry.measures import (
    INSTITUTION,
    INSTITUTION_DIMENSIONS,
    YEAR,
    as_double,
    institution_columns,
    year_id,
)

ROUND = m.AdmissionRound._meta.db_table
PLACES = m.SchoolPlaces._meta.db_table
APPLICATION = m.Application._meta.db_table
CHOICE = m.ApplicationChoice._meta.db_table

# An application's personal data (child's ID number, phone, addresses, declared documents
# and points) never reaches the warehouse: no measure counts by it. The warehouse keeps its
# exclusions in one table; admissions adds its own rows there, as it adds its measures.
warehouse.PERSONAL_COLUMNS.setdefault(APPLICATION, frozenset({
    "child_id_number", "phone", "hukou_community", "hukou_address", "property_community",
    "property_address", "residence_community", "residence_address", "evidence",
    "points_declared", "points_detail", "unplaced_reasons",
}))

#: Applications that passed verification, whatever happened to them afterwards.
PASSED_STATES = (wf.VERIFIED, wf.ADMITTED, wf.UNPLACED, wf.CONFIRMED)
ADMITTED_STATES = (wf.ADMITTED, wf.CONFIRMED)
#: Categories that mean "admitted to the school of the home's district" (就近划片入学):
#: 户籍/房产 in the district, and 随迁子女 whose residence is in it.
NEARBY_CATEGORIES = (priority.HUKOU_AND_PROPERTY, priority.PROPERTY_ONLY, priority.HUKOU_ONLY,
                     priority.MIGRANT_POINTS)
#: Standard class size by entry level (policy-rules §3 and 《幼儿园工作规程》 小班 25).
STANDARD_CLASS_SIZE = {"primary": 45, "junior": 50, "kindergarten": 25}
MAX_CHOICE_RANK = 10

ENTRY_LEVEL = Dimension("level", "学段", frozenset({"kindergarten", "primary", "junior"}))
MIGRANT = boolean_dimension("migrant", "随迁子女")
STATE = Dimension("state", "申请状态", frozenset(wf.APPLICATION.states))
CATEGORY = Dimension("category", "录取类别", frozenset({*priority.CATEGORY_LABELS, ""}))
#: 1 = 第一志愿, 2 = 第二志愿, …; 0 = a school the application did not name (统筹安排).
CHOICE_RANK = Dimension("choice_rank", "录取志愿（0为统筹安排）",
                        frozenset(range(MAX_CHOICE_RANK + 1)))
NEARBY = boolean_dimension("nearby", "就近划片入学")
CONFIRMED = boolean_dimension("confirmed", "已确认入学")
LOTTERY_ONLY = boolean_dimension("lottery_only", "电脑随机录取学校")


def entry_level(grade: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases((grade <= 0, "kindergarten"), (grade <= 6, "primary"), else_="junior")


def rounds_of(tables: Tables, year: int) -> ir.Table:
    """The year's rounds: round id and the entry level."""
    rounds = tables[ROUND]
    years = year_id(tables, year)
    joined = rounds.inner_join(years, rounds.academic_year_id == years.year_id)
    return joined.select(round_id=joined.id, level=entry_level(joined.entry_grade))


def applications_of(tables: Tables, year: int) -> ir.Table:
    """Applications ever submitted in the year's rounds (drafts are not demand)."""
    apps = tables[APPLICATION]
    apps = apps.filter(apps.submitted_at.notnull())
    apps = apps.select(
        application_id=apps.id, round_ref=apps.round_id, state=apps.state,
        migrant=apps.migrant.cast("int32"), admitted_institution_id=apps.admitted_institution_id,
        admitted_choice=apps.admitted_choice, admitted_category=apps.admitted_category)
    rounds = rounds_of(tables, year)
    joined = apps.inner_join(rounds, apps.round_ref == rounds.round_id)
    return joined.drop("round_ref")


def at_first_choice(tables: Tables, year: int) -> ir.Table:
    apps = applications_of(tables, year)
    choices = tables[CHOICE]
    first = choices.filter(choices.rank == 1).select(
        choice_application_id=choices.application_id,
        institution_id=choices.institution_id.cast("int64"))
    joined = apps.inner_join(first, apps.application_id == first.choice_application_id)
    facts = joined.select("institution_id", "level", "state", "migrant")
    return facts.inner_join(institution_columns(tables), "institution_id")


def applications_fact(tables: Tables, year: int) -> ir.Table:
    return at_first_choice(tables, year).mutate(value=as_double(1.0))


def verified_fact(tables: Tables, year: int) -> ir.Table:
    facts = at_first_choice(tables, year)
    return facts.filter(facts.state.isin(PASSED_STATES)).mutate(value=as_double(1.0))


def admitted_fact(tables: Tables, year: int) -> ir.Table:
    apps = applications_of(tables, year)
    apps = apps.filter(apps.state.isin(ADMITTED_STATES)
                       & apps.admitted_institution_id.notnull())
    facts = apps.select(
        institution_id=apps.admitted_institution_id.cast("int64"), level=apps.level,
        migrant=apps.migrant, category=apps.admitted_category,
        choice_rank=apps.admitted_choice.fill_null(0).cast("int64"),
        nearby=apps.admitted_category.isin(NEARBY_CATEGORIES).cast("int32"),
        confirmed=(apps.state == wf.CONFIRMED).cast("int32"))
    facts = facts.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(value=as_double(1.0))


def places_of(tables: Tables, year: int) -> ir.Table:
    places = tables[PLACES]
    rounds = rounds_of(tables, year)
    joined = places.inner_join(rounds, places.round_id == rounds.round_id)
    return joined.select(
        round_id=joined.round_id, institution_id=joined.institution_id.cast("int64"),
        level=joined.level, lottery_only=joined.lottery_only.cast("int32"),
        places=joined.places, classes_planned=joined.classes_planned,
        class_size=joined.class_size)


def lottery_applicants_fact(tables: Tables, year: int) -> ir.Table:
    """Each verified application at each 公民同招 school it names: the draw's entrants."""
    apps = applications_of(tables, year)
    apps = apps.filter(apps.state.isin(PASSED_STATES))
    choices = tables[CHOICE].select(choice_application_id=tables[CHOICE].application_id,
                                    institution_id=tables[CHOICE].institution_id.cast("int64"))
    named = apps.inner_join(choices, apps.application_id == choices.choice_application_id)
    places = places_of(tables, year)
    places = places.filter(places.lottery_only == 1).select(
        plan_round_id="round_id", plan_institution_id="institution_id")
    joined = named.inner_join(places, (named.round_id == places.plan_round_id)
                              & (named.institution_id == places.plan_institution_id))
    facts = joined.select("institution_id", "level", "migrant")
    facts = facts.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(value=as_double(1.0))


def lottery_winners_fact(tables: Tables, year: int) -> ir.Table:
    facts = admitted_fact(tables, year)
    return facts.filter(facts.category == priority.LOTTERY)


def places_fact(tables: Tables, year: int) -> ir.Table:
    places = places_of(tables, year)
    facts = places.select("institution_id", "level", "lottery_only",
                          value=as_double(places.places))
    return facts.inner_join(institution_columns(tables), "institution_id")


def standard_size(level: ir.StringValue) -> ir.IntegerValue:
    return ibis.cases(*((level == name, size) for name, size in STANDARD_CLASS_SIZE.items()),
                      else_=45)


def planned_classes_fact(tables: Tables, year: int) -> ir.Table:
    places = places_of(tables, year)
    facts = places.select(
        "institution_id", "level", "lottery_only",
        over_standard=(places.class_size > standard_size(places.level)).cast("int32"),
        value=as_double(places.classes_planned))
    return facts.inner_join(institution_columns(tables), "institution_id")


def over_standard_fact(tables: Tables, year: int) -> ir.Table:
    facts = planned_classes_fact(tables, year)
    return facts.filter(facts.over_standard == 1)


APPLICATION_TABLES = (APPLICATION, CHOICE, ROUND, YEAR, INSTITUTION)
PLAN_TABLES = (PLACES, ROUND, YEAR, INSTITUTION)
LEVELLED = (*INSTITUTION_DIMENSIONS, ENTRY_LEVEL)

register(RecordMeasure(
    name="enrollment.applications", label="入学申请数（按第一志愿学校）", unit="人",
    dimensions=(*LEVELLED, STATE, MIGRANT), fact=applications_fact,
    tables=APPLICATION_TABLES))
register(RecordMeasure(
    name="enrollment.verified", label="审核通过的入学申请数（按第一志愿学校）", unit="人",
    dimensions=(*LEVELLED, STATE, MIGRANT), fact=verified_fact, tables=APPLICATION_TABLES))
register(RecordMeasure(
    name="enrollment.admitted", label="录取人数（按录取学校）", unit="人",
    dimensions=(*LEVELLED, MIGRANT, CATEGORY, CHOICE_RANK, NEARBY, CONFIRMED),
    fact=admitted_fact, tables=APPLICATION_TABLES))
register(RecordMeasure(
    name="enrollment.lottery_applicants", label="电脑随机录取报名人数（公民同招学校）",
    unit="人", dimensions=(*LEVELLED, MIGRANT), fact=lottery_applicants_fact,
    tables=(*APPLICATION_TABLES, PLACES)))
register(RecordMeasure(
    name="enrollment.lottery_winners", label="电脑随机录取中签人数", unit="人",
    dimensions=(*LEVELLED, MIGRANT, CATEGORY, CHOICE_RANK, NEARBY, CONFIRMED),
    fact=lottery_winners_fact, tables=APPLICATION_TABLES))
register(RecordMeasure(
    name="enrollment.places", label="招生计划学位数", unit="个",
    dimensions=(*LEVELLED, LOTTERY_ONLY), fact=places_fact, tables=PLAN_TABLES))
register(RecordMeasure(
    name="enrollment.classes_planned", label="计划招生班数", unit="个",
    dimensions=(*LEVELLED, LOTTERY_ONLY, boolean_dimension("over_standard", "超标准班额")),
    fact=planned_classes_fact, tables=PLAN_TABLES))
register(RecordMeasure(
    name="enrollment.classes_over_standard",
    label="计划班额超标准的招生班数（小学>45人、初中>50人、小班>25人）", unit="个",
    dimensions=(*LEVELLED, LOTTERY_ONLY, boolean_dimension("over_standard", "超标准班额")),
    fact=over_standard_fact, tables=PLAN_TABLES))
