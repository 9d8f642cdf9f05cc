"""The workforce's measures and indicators on the data center's engines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from edugov.metrics import services as metrics_services
from edugov.metrics.catalog import measures
from edugov.metrics.engine import warehouse
from edugov.metrics.engine.backends import open_source
from edugov.metrics.engine.compute import Computation, IndicatorDef, compute
from edugov.metrics.models import Indicator
from edugov.registry import models as m
from edugov.workforce.indicators import WORKFORCE_INDICATORS
from edugov.workforce.models import RotationCandidate, RotationPlan, RotationProposal
from edugov.workforce.services import conduct
from edugov.workforce.services.training import record_training
from tests.workforce.conftest import new_teacher

MEASURES = ("establishment", "establishment_shortage", "rotation_eligible", "rotated",
            "training_hours", "training_complete", "conduct_cases")
DEFS = [IndicatorDef(r["code"], r["formula"], r["factor"], tuple(r["levels"]))
        for r in WORKFORCE_INDICATORS] + [IndicatorDef(f"m_{n}", f"workforce.{n}")
                                          for n in MEASURES]
TODAY = dt.date(2026, 8, 31)


def run(engine: str, **kwargs) -> Computation:  # type: ignore[no-untyped-def]
    with open_source(engine, **kwargs) as source:
        return compute(source, measures(), DEFS, year=2025)


def test_builtin_workforce_indicators_are_loaded_and_check(db) -> None:
    codes = {r["code"] for r in WORKFORCE_INDICATORS}
    assert set(Indicator.objects.filter(builtin=True, code__in=codes)
               .values_list("code", flat=True)) == codes
    for row in WORKFORCE_INDICATORS:
        metrics_services.check_formula(row["formula"], code=row["code"])


@pytest.fixture
def records(personas, world):
    """County A: 39 pupils (the world's one plus 38), three teachers; training, a rotation
    of one 骨干 among two eligible, one 师德 case."""
    school = world.school_a
    students = m.Student.objects.bulk_create(
        m.Student(student_no=f"L{school.code}{i:08d}", name="学生", sex="F",
                  birth_date=dt.date(2016, 1, 1), hukou_type="local",
                  current_institution=school) for i in range(38))
    m.Enrolment.objects.bulk_create(
        m.Enrolment(student=s, academic_year=world.year, institution=school, grade=3)
        for s in students)
    done = new_teacher(school, dt.date(2012, 9, 1), backbone_level="county")
    new_teacher(school, dt.date(2014, 9, 1))
    for year in range(2021, 2026):
        record_training(actor=personas.county_a, staff=done, course=f"研修{year}",
                        hours=Decimal(72), level="county", date=dt.date(year, 10, 1),
                        provider="进修学校", today=TODAY)
    record_training(actor=personas.county_a, staff=world.staff_a, course="暑期",
                    hours=Decimal(30), level="city", date=dt.date(2026, 7, 1),
                    provider="市教科院", today=TODAY)
    plan = RotationPlan.objects.create(county=world.county_a, academic_year=world.year,
                                       effective=dt.date(2025, 9, 1))
    RotationCandidate.objects.create(plan=plan, staff=done, institution=school, backbone=True)
    RotationCandidate.objects.create(plan=plan, staff=world.staff_a, institution=school)
    RotationProposal.objects.create(plan=plan, staff=done, source=school,
                                    destination=world.school_a, post="teacher", backbone=True,
                                    state="executed")
    conduct.record_case(actor=personas.county_a, staff=world.staff_a,
                        occurred=dt.date(2025, 10, 1), decided=dt.date(2025, 10, 20),
                        category="practice", sanction="warning")
    return world, done


def test_measures_on_the_live_engine_match_the_records(records) -> None:
    world, _done = records
    result = run("live")
    sums, values = result.measures, result.values
    school = f"institution:{world.school_a.pk}"
    county = f"region:{world.county_a.pk}"
    assert sums.loc[school, "workforce.establishment"] == pytest.approx(39 / 19)
    # ceil(39/19) = 3 posts by norm, 3 在编 staff on 1 Sep: no shortage; county B's school
    # has 1 pupil, 1 post by norm and its 1 teacher.
    assert sums.loc[school, "workforce.establishment_shortage"] == 0
    assert sums.loc[school, "workforce.training_hours"] == 72 + 30
    assert sums.loc[school, "workforce.training_complete"] == 1
    assert values.loc[county, "workforce_training_completion"] == pytest.approx(100 / 3)
    assert values.loc[county, "workforce_training_hours_per_teacher"] == pytest.approx(34)
    assert values.loc[county, "workforce_rotation_share"] == pytest.approx(50)
    assert values.loc[county, "workforce_backbone_rotation_share"] == pytest.approx(100)
    assert values.loc[county, "workforce_conduct_cases"] == 1
    assert sums.loc[f"region:{world.county_b.pk}", "workforce.conduct_cases"] == 0


def test_shortage_counts_each_school(records, world) -> None:
    extra = m.Student.objects.bulk_create(
        m.Student(student_no=f"LB{i:017d}", name="学生", sex="M", birth_date=dt.date(2016, 1, 1),
                  hukou_type="local", current_institution=world.school_b) for i in range(40))
    m.Enrolment.objects.bulk_create(
        m.Enrolment(student=s, academic_year=world.year, institution=world.school_b, grade=3)
        for s in extra)
    result = run("live")
    # 41 pupils → ceil(41/19) = 3 posts, one teacher: short by 2. County A's surplus of 0
    # does not offset it at city level.
    assert result.measures.loc[f"institution:{world.school_b.pk}",
                               "workforce.establishment_shortage"] == 2
    assert result.measures.loc[f"region:{world.city.pk}", "workforce.establishment_shortage"] == 2


def test_duckdb_agrees_and_case_facts_stay_out(records, tmp_path) -> None:
    import pyarrow.parquet as pq

    with open_source("live") as source:
        warehouse.export(source, measures(), tmp_path)
    columns = set(pq.read_schema(tmp_path / "workforce_conductcase.parquet").names)
    assert "description" not in columns and {"category", "sanction"} <= columns
    live, duck = run("live"), run("duckdb", warehouse=tmp_path)
    assert live.measures.equals(duck.measures[live.measures.columns])


def per_pupil_establishment_fact(tables, year):  # type: ignore[no-untyped-def]
    """The fact as it was before it counted per school and grade: one row per enrolment
    worth 1/ratio of a post (the reference the faster builder must equal)."""
    from edugov.registry.measures import (
        active_enrolments,
        as_double,
        institution_columns,
        level_of,
    )
    from edugov.workforce.measures import ratio_of

    enrol = active_enrolments(tables, year)
    rows = enrol.select(institution_id=enrol.institution_id.cast("int64"),
                        level=level_of(enrol.grade))
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(value=as_double(1.0) / ratio_of(facts.level))


def test_establishment_counted_per_grade_equals_the_per_pupil_sums(
        records, world, tmp_path, monkeypatch) -> None:
    """编制 by norm and its shortage, per level, school and region, on the live and DuckDB
    engines: the same as summing 1/ratio per enrolment."""
    import dataclasses

    from edugov.metrics.catalog import MeasureRegistry
    from edugov.workforce import measures as workforce_measures

    # Pupils of every level at both schools (level follows the grade, not the school).
    grades = {world.school_a: (-1, 0, 3, 3, 8, 11, 12), world.school_b: (1, 7, 7, 9, 10)}
    pupils = []
    for s, (school, school_grades) in enumerate(grades.items()):
        for n, grade in enumerate(school_grades):
            for i in range(5 + 4 * n):
                pupils.append((school, grade, m.Student(
                    student_no=f"G{s}{n:02d}{i:015d}", name="学生", sex="F",
                    birth_date=dt.date(2016, 1, 1), hukou_type="local",
                    current_institution=school)))
    m.Student.objects.bulk_create([s for _school, _grade, s in pupils])
    m.Enrolment.objects.bulk_create(
        m.Enrolment(student=s, academic_year=world.year, institution=school, grade=grade)
        for school, grade, s in pupils)
    by_level = [IndicatorDef(f"est_{level}", f'workforce.establishment{{level="{level}"}}')
                for level in ("kindergarten", "primary", "junior", "senior")]
    defs = DEFS + by_level
    with open_source("live") as source:
        warehouse.export(source, measures(), tmp_path)

    def both(registry: MeasureRegistry) -> list[Computation]:
        results = []
        for engine, kwargs in (("live", {}), ("duckdb", {"warehouse": tmp_path})):
            with open_source(engine, **kwargs) as source:
                results.append(compute(source, registry, defs, year=2025))
        return results

    now = both(measures())
    registry = measures()
    old = MeasureRegistry(measures={**registry.measures, "workforce.establishment":
                                    dataclasses.replace(registry.get("workforce.establishment"),
                                                        fact=per_pupil_establishment_fact)})
    # The shortage builds on establishment_fact: it is given the per-pupil one too.
    monkeypatch.setattr(workforce_measures, "establishment_fact", per_pupil_establishment_fact)
    before = both(old)
    columns = ["workforce.establishment", "workforce.establishment_shortage"]
    values = [f"est_{level}" for level in ("kindergarten", "primary", "junior", "senior")]
    for after, reference in zip(now, before, strict=True):
        assert after.measures[columns].to_numpy() == pytest.approx(
            reference.measures[columns].to_numpy(), rel=1e-12)
        assert after.values[values].to_numpy() == pytest.approx(
            reference.values[values].to_numpy(), rel=1e-12, nan_ok=True)
    school_a = f"institution:{world.school_a.pk}"
    assert now[0].values.loc[school_a, "est_senior"] == pytest.approx((25 + 29) / 12.5)
    assert now[0].measures.loc[f"institution:{world.school_b.pk}",
                               "workforce.establishment_shortage"] > 0
