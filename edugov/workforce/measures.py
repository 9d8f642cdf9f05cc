"""The workforce's measures for the data center (DESIGN §5): 编制 by norm and its shortage,
rotation (eligible and rotated), continuing education (hours, 360-hour completion) and
师德 cases. The built-in indicators over them are in ``workforce/indicators.py``.

Registry measures already give 生师比 (``students.enrolled / staff.count{post="teacher"}``
by kind: ``student_teacher_*``) and 专任教师持证率 (``certified_teachers``), so they are not
repeated here.

Teachers are counted at the school where they held a post on the statistics date (1 Sep),
from the assignment history, like the registry's ``staff.count``.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from edugov.metrics.catalog import (
    Dimension,
    RecordMeasure,
    Tables,
    boolean_dimension,
    choices_dimension,
    register,
    snapshot_date,
)
from edugov.metrics.engine import warehouse
from edugov.registry import models as rm
from edugov.registry.choices import Post
from edugov.registry.measures import (
    INSTITUTION_DIMENSIONS,
    LEVEL,
    active_enrolments,
    as_double,
    institution_columns,
    level_of,
)
from edugov.workforce import models as wm
from edugov.workforce.rules.conduct import CATEGORIES, SANCTIONS
from edugov.workforce.rules.establishment import NATIONAL_STUDENTS_PER_STAFF
from edugov.workforce.rules.training import LEVELS as TRAINING_LEVELS
from edugov.workforce.rules.training import TrainingRules, cycle_on

ASSIGNMENT = rm.Assignment._meta.db_table
STAFF = rm.Staff._meta.db_table
INSTITUTION = rm.Institution._meta.db_table
YEAR = rm.AcademicYear._meta.db_table
ENROLMENT = rm.Enrolment._meta.db_table
TRAINING = wm.TrainingRecord._meta.db_table
PLAN = wm.RotationPlan._meta.db_table
CANDIDATE = wm.RotationCandidate._meta.db_table
PROPOSAL = wm.RotationProposal._meta.db_table
CONDUCT = wm.ConductCase._meta.db_table

# The facts of a 师德 case stay in the bureau's database: the warehouse gets only what is
# counted (school, dates, category, sanction).
warehouse.PERSONAL_COLUMNS.setdefault(CONDUCT, frozenset({"description", "recorded_by_id"}))
warehouse.PERSONAL_COLUMNS.setdefault(TRAINING, frozenset({"imported_by_id"}))

BACKBONE = boolean_dimension("backbone", "骨干教师")


def year_dates(year: int) -> tuple[ir.DateValue, ir.DateValue]:
    start = snapshot_date(year)
    return ibis.date(start.isoformat()), ibis.date(f"{year + 1}-08-31")


def teachers_on_snapshot(tables: Tables, year: int) -> ir.Table:
    """专任教师 posts held on 1 Sep of ``year``: (staff_id, institution_id)."""
    on = ibis.date(snapshot_date(year).isoformat())
    posts = tables[ASSIGNMENT]
    posts = posts.filter((posts.start <= on) & (posts.end.isnull() | (posts.end >= on))
                         & (posts.post == Post.TEACHER.value))
    return posts.select(staff_id=posts.staff_id,
                        institution_id=posts.institution_id.cast("int64"))


# -- 编制 --------------------------------------------------------------------------------


def ratio_of(level: ir.StringValue) -> ir.FloatingValue:
    """Students per member of staff by level: the national norms (rules/establishment.py)."""
    norms = NATIONAL_STUDENTS_PER_STAFF
    return ibis.cases(*((level == name, as_double(ratio)) for name, ratio in norms.items()),
                      else_=as_double(norms["primary"]))


def establishment_fact(tables: Tables, year: int) -> ir.Table:
    """One row per school and grade worth (pupils / ratio) posts: the sum is the 编制 by
    norm.

    The enrolments are counted per school and grade first, and the level and its ratio
    (two nested ``CASE``) evaluated on those few rows: evaluated per enrolment, SQLite
    spent some 44 s of a city demo's 47 s catalog on this fact and the shortage built on
    it. The sums are those of 1/ratio per pupil (exactly n/ratio, without the rounding
    of adding n fractions, which could tip the shortage's ceiling).
    """
    enrol = active_enrolments(tables, year)
    counted = enrol.group_by(institution_id=enrol.institution_id.cast("int64"),
                             grade=enrol.grade).aggregate(pupils=ibis._.count())
    rows = counted.select(institution_id=counted.institution_id,
                          level=level_of(counted.grade), pupils=counted.pupils)
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    facts = facts.mutate(value=as_double(facts.pupils) / ratio_of(facts.level))
    return facts.drop("pupils")


def shortage_fact(tables: Tables, year: int) -> ir.Table:
    """Per school: posts by norm (rounded up) minus 在编 staff on the statistics date, when
    positive — a surplus at one school does not hide a shortage at another."""
    need = establishment_fact(tables, year)
    need = need.group_by("institution_id").aggregate(need=need.value.sum().ceil())
    on = ibis.date(snapshot_date(year).isoformat())
    posts = tables[ASSIGNMENT]
    posts = posts.filter((posts.start <= on) & (posts.end.isnull() | (posts.end >= on)))
    staff = tables[STAFF]
    held = posts.inner_join(staff, posts.staff_id == staff.id)
    held = held.filter(held.establishment == "on")
    held = held.group_by(institution_id=held.institution_id.cast("int64")).aggregate(
        staff=ibis._.count())
    joined = need.left_join(held, need.institution_id == held.institution_id)
    joined = joined.select(institution_id=need.institution_id,
                           gap=need.need.cast("float64") - joined.staff.fill_null(0)
                           .cast("float64"))
    facts = joined.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(value=(facts.gap > 0).ifelse(facts.gap, as_double(0.0)))


register(RecordMeasure(
    name="workforce.establishment", label="按标准核定的教职工编制数", unit="人",
    dimensions=(*INSTITUTION_DIMENSIONS, LEVEL), fact=establishment_fact,
    tables=(ENROLMENT, INSTITUTION, YEAR),
))
register(RecordMeasure(
    name="workforce.establishment_shortage", label="编制缺口（各校在编教职工少于标准的人数）",
    unit="人", dimensions=INSTITUTION_DIMENSIONS, fact=shortage_fact,
    tables=(ENROLMENT, INSTITUTION, YEAR, ASSIGNMENT, STAFF),
))


# -- 交流轮岗 ------------------------------------------------------------------------------


def _plans_of(tables: Tables, year: int) -> ir.Table:
    plans = tables[PLAN]
    years = tables[YEAR].filter(tables[YEAR].start_year == year)
    joined = plans.inner_join(years, plans.academic_year_id == years.id)
    return joined.select(plan_id=joined.id)


def eligible_fact(tables: Tables, year: int) -> ir.Table:
    candidates = tables[CANDIDATE]
    plans = _plans_of(tables, year)
    joined = candidates.inner_join(plans, candidates.plan_id == plans.plan_id)
    rows = joined.select(institution_id=joined.institution_id.cast("int64"),
                         backbone=joined.backbone.cast("int32"))
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(value=as_double(1.0))


def rotated_fact(tables: Tables, year: int) -> ir.Table:
    """Moves carried out (已调动), counted at the sending school."""
    proposals = tables[PROPOSAL]
    proposals = proposals.filter(proposals.state == "executed")
    plans = _plans_of(tables, year)
    joined = proposals.inner_join(plans, proposals.plan_id == plans.plan_id)
    rows = joined.select(institution_id=joined.source_id.cast("int64"),
                         backbone=joined.backbone.cast("int32"))
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(value=as_double(1.0))


register(RecordMeasure(
    name="workforce.rotation_eligible", label="符合交流轮岗条件的教师数", unit="人",
    dimensions=(*INSTITUTION_DIMENSIONS, BACKBONE), fact=eligible_fact,
    tables=(CANDIDATE, PLAN, YEAR, INSTITUTION),
))
register(RecordMeasure(
    name="workforce.rotated", label="交流轮岗教师数（已调动）", unit="人",
    dimensions=(*INSTITUTION_DIMENSIONS, BACKBONE), fact=rotated_fact,
    tables=(PROPOSAL, PLAN, YEAR, INSTITUTION),
))


# -- 继续教育 ------------------------------------------------------------------------------


def training_hours_fact(tables: Tables, year: int) -> ir.Table:
    """Hours of courses completed in the academic year, at the teacher's school on 1 Sep."""
    start, end = year_dates(year)
    records = tables[TRAINING]
    records = records.filter((records.date >= start) & (records.date <= end))
    teachers = teachers_on_snapshot(tables, year)
    joined = records.inner_join(teachers, records.staff_id == teachers.staff_id)
    rows = joined.select(institution_id=joined.institution_id, level=joined.level,
                         value=as_double(joined.hours))
    return rows.inner_join(institution_columns(tables), "institution_id")


def training_complete_fact(tables: Tables, year: int) -> ir.Table:
    """Per 专任教师: 1 when their hours in the five-year cycle running on the statistics date
    reach the requirement, counting courses up to the academic year's end or the cycle's,
    whichever is first (national defaults of rules/training.py)."""
    rules = TrainingRules()
    cycle = cycle_on(snapshot_date(year), rules)
    last = min(cycle.end, dt.date(year + 1, 8, 31))
    records = tables[TRAINING]
    records = records.filter((records.date >= ibis.date(cycle.start.isoformat()))
                             & (records.date <= ibis.date(last.isoformat())))
    hours = records.group_by(staff_key=records.staff_id).aggregate(
        hours=records.hours.cast("float64").sum())
    teachers = teachers_on_snapshot(tables, year)
    joined = teachers.left_join(hours, teachers.staff_id == hours.staff_key)
    done = joined.hours.fill_null(0.0) >= rules.required_hours
    rows = joined.select(institution_id=joined.institution_id,
                         value=done.ifelse(as_double(1.0), as_double(0.0)))
    return rows.inner_join(institution_columns(tables), "institution_id")


register(RecordMeasure(
    name="workforce.training_hours", label="专任教师培训学时（学年内完成）", unit="学时",
    dimensions=(*INSTITUTION_DIMENSIONS,
                Dimension("level", "培训级别", frozenset(TRAINING_LEVELS))),
    fact=training_hours_fact, tables=(TRAINING, ASSIGNMENT, INSTITUTION),
))
register(RecordMeasure(
    name="workforce.training_complete", label="本周期完成360学时的专任教师数", unit="人",
    dimensions=INSTITUTION_DIMENSIONS, fact=training_complete_fact,
    tables=(TRAINING, ASSIGNMENT, INSTITUTION),
))


# -- 师德 ----------------------------------------------------------------------------------


def conduct_fact(tables: Tables, year: int) -> ir.Table:
    """Cases decided in the academic year, at the school where the violation happened."""
    start, end = year_dates(year)
    cases = tables[CONDUCT]
    cases = cases.filter((cases.decided >= start) & (cases.decided <= end))
    rows = cases.select(institution_id=cases.institution_id.cast("int64"),
                        category=cases.category, sanction=cases.sanction)
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(value=as_double(1.0))


register(RecordMeasure(
    name="workforce.conduct_cases", label="师德违规处理案件数", unit="件",
    dimensions=(*INSTITUTION_DIMENSIONS,
                choices_dimension("category", "违反准则", CATEGORIES),
                choices_dimension("sanction", "处理处分", SANCTIONS)),
    fact=conduct_fact, tables=(CONDUCT, INSTITUTION),
))
