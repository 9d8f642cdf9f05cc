"""Campus safety's measures for the data center (DESIGN §5), per academic year
(1 September – 31 August, by the date an inspection fell due or a hazard was found).

Indicators are formulas over these, evaluated as ratios of sums after aggregation, e.g.
检查覆盖率 = safety.inspections_done / safety.inspections_due,
整改率 = safety.hazards_closed / safety.hazards_found,
按期整改率 = safety.hazards_closed_on_time / safety.hazards_closed,
平均整改天数 = safety.rectification_days / safety.hazards_closed,
每万名学生事故数 = safety.incidents / students.enrolled × 10000.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from edugov.metrics.catalog import Dimension, RecordMeasure, Tables, choices_dimension, register
from edugov.registry.measures import INSTITUTION, INSTITUTION_DIMENSIONS, institution_columns
from edugov.safety import workflow as wf
from edugov.safety.choices import Domain, Grade, IncidentSeverity
from edugov.safety.models import Hazard, Incident, Inspection

INSPECTION = Inspection._meta.db_table
HAZARD = Hazard._meta.db_table
INCIDENT = Incident._meta.db_table

DOMAIN = choices_dimension("domain", "安全领域", Domain)
GRADE = choices_dimension("grade", "隐患等级", Grade)
SEVERITY = choices_dimension("severity", "事故等级", IncidentSeverity)
SERIOUS = Dimension("serious", "较大及以上事故", frozenset({True, False}), boolean=True)


def year_bounds(year: int) -> tuple[ir.DateScalar, ir.DateScalar]:
    return (ibis.date(dt.date(year, 9, 1).isoformat()),
            ibis.date(dt.date(year + 1, 8, 31).isoformat()))


def _one(condition: ir.BooleanValue) -> ir.FloatingValue:
    # Spark reads a bare 1.0 as DECIMAL; every measured value is DOUBLE on every engine.
    return condition.ifelse(ibis.literal(1.0).cast("float64"), ibis.literal(0.0).cast("float64"))


def inspections_base(tables: Tables, year: int) -> ir.Table:
    first, last = year_bounds(year)
    t = tables[INSPECTION]
    t = t.filter((t.due_date >= first) & (t.due_date <= last))
    t = t.select(institution_id=t.institution_id.cast("int64"), domain=t.domain, state=t.state)
    return t.inner_join(institution_columns(tables), "institution_id")


def hazards_base(tables: Tables, year: int) -> ir.Table:
    first, last = year_bounds(year)
    t = tables[HAZARD]
    t = t.filter((t.reported_on >= first) & (t.reported_on <= last)
                 & (t.state != wf.DISMISSED))
    t = t.select(institution_id=t.institution_id.cast("int64"), domain=t.domain, grade=t.grade,
                 state=t.state, supervised=t.supervised.cast("int32"),
                 on_time=t.closed_on_time.cast("int32").fill_null(0),
                 days=t.rectification_days.cast("float64").fill_null(0.0))
    return t.inner_join(institution_columns(tables), "institution_id")


def _inspection_measure(name: str, label: str, value: str | None) -> None:
    def fact(tables: Tables, year: int) -> ir.Table:
        base = inspections_base(tables, year)
        done = base.state == (value or base.state)
        return base.mutate(value=_one(done))

    register(RecordMeasure(name=name, label=label, unit="次",
                           dimensions=(*INSTITUTION_DIMENSIONS, DOMAIN), fact=fact,
                           tables=(INSPECTION, INSTITUTION)))


_inspection_measure("safety.inspections_due", "应检查次数", None)
_inspection_measure("safety.inspections_done", "已完成检查次数", wf.COMPLETED)
_inspection_measure("safety.inspections_missed", "逾期未检次数", wf.MISSED)


def _hazard_measure(name: str, label: str, unit: str, value: str) -> None:
    def fact(tables: Tables, year: int) -> ir.Table:
        base = hazards_base(tables, year)
        closed = base.state == wf.CLOSED
        values = {
            "found": _one(base.state == base.state),
            "closed": _one(closed),
            "on_time": _one(closed & (base.on_time == 1)),
            "days": closed.ifelse(base.days, ibis.literal(0.0).cast("float64")),
            "supervised": _one((base.grade == "major") & (base.supervised == 1)),
            "open": _one(base.state != wf.CLOSED),
        }
        return base.mutate(value=values[value])

    register(RecordMeasure(name=name, label=label, unit=unit,
                           dimensions=(*INSTITUTION_DIMENSIONS, DOMAIN, GRADE), fact=fact,
                           tables=(HAZARD, INSTITUTION)))


_hazard_measure("safety.hazards_found", "隐患发现数", "条", "found")
_hazard_measure("safety.hazards_closed", "隐患销号数", "条", "closed")
_hazard_measure("safety.hazards_closed_on_time", "按期整改销号数", "条", "on_time")
_hazard_measure("safety.rectification_days", "整改天数合计", "天", "days")
_hazard_measure("safety.hazards_supervised_major", "重大隐患挂牌督办数", "条", "supervised")
_hazard_measure("safety.hazards_open", "未销号隐患数", "条", "open")


def incidents_fact(tables: Tables, year: int) -> ir.Table:
    first, last = year_bounds(year)
    t = tables[INCIDENT]
    day = t.occurred_at.cast("date")
    t = t.filter((day >= first) & (day <= last))
    serious = t.severity.isin(["I", "II", "III"]) | (t.deaths > 0)
    t = t.select(institution_id=t.institution_id.cast("int64"), domain=t.domain,
                 severity=t.severity, serious=serious.cast("int32"))
    facts = t.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(value=ibis.literal(1.0).cast("float64"))


register(RecordMeasure(
    name="safety.incidents", label="安全事故数", unit="起",
    dimensions=(*INSTITUTION_DIMENSIONS, DOMAIN, SEVERITY, SERIOUS), fact=incidents_fact,
    tables=(INCIDENT, INSTITUTION)))
