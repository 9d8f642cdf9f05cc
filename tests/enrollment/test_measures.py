"""Admissions' measures and indicators computed by the data center's engines."""

from __future__ import annotations

import pytest

from edugov.enrollment import services
from edugov.enrollment.indicators import ENROLLMENT_INDICATORS
from edugov.enrollment.models import Application
from edugov.metrics import services as metrics_services
from edugov.metrics.catalog import measures
from edugov.metrics.engine import warehouse
from edugov.metrics.engine.backends import open_source
from edugov.metrics.engine.compute import Computation, IndicatorDef, compute
from edugov.metrics.models import Indicator
from tests.enrollment.conftest import AFTER_PUBLICATION, AT_LOTTERY
from tests.enrollment.test_services import run_round

MEASURES = ("applications", "verified", "admitted", "lottery_applicants", "lottery_winners",
            "places", "classes_planned", "classes_over_standard")
# Every built-in indicator, plus each measure alone so its sums appear in the result.
DEFS = [IndicatorDef(r["code"], r["formula"], r["factor"], tuple(r["levels"]))
        for r in ENROLLMENT_INDICATORS] + [IndicatorDef(f"m_{name}", f"enrollment.{name}")
                                           for name in MEASURES]
MIGRANT = {"migrant": True, "community": "", "residence_community": "C02",
           "points_declared": {"residence_permit_years": 3, "social_insurance_months": 24}}


def run(engine: str, **kwargs) -> Computation:  # type: ignore[no-untyped-def]
    with open_source(engine, **kwargs) as source:
        return compute(source, measures(), DEFS, year=2026)


@pytest.fixture
def finished_round(admission, personas):  # type: ignore[no-untyped-def]
    a, a2, p = admission.public_a, admission.public_a2, admission.private_p
    _draw, stats, apps = run_round(admission, personas, [
        ([a, a2], {"community": "C01"}),
        ([a, a2], {"community": "C01"}),
        ([a, a2], {"community": "C01"}),   # three district children for two seats at A
        ([a, a2], {"community": "C02"}),   # A2's district, prefers A: gets A2 (2nd choice)
        ([p, a2], {"community": "C02"}),
        ([p], {"community": "C03"}),
        ([p], {"community": "C03"}),       # three for two seats at the private school
        ([a2], MIGRANT),                   # 随迁子女 living in A2's district
    ])
    services.publish(actor=personas.county_a, round=admission.round, now=AT_LOTTERY)
    confirmed = next(x for x in apps if x.admitted_institution_id == a.pk)
    services.confirm(actor=personas.school_admin_a, application=confirmed,
                     now=AFTER_PUBLICATION)
    return admission, stats, [Application.objects.get(pk=x.pk) for x in apps]


def unit(result: Computation, obj) -> str:  # type: ignore[no-untyped-def]
    kind = "institution" if hasattr(obj, "ownership") else "region"
    return f"{kind}:{obj.pk}"


def test_builtin_enrollment_indicators_are_loaded_and_check(db):  # type: ignore[no-untyped-def]
    codes = {r["code"] for r in ENROLLMENT_INDICATORS}
    assert set(Indicator.objects.filter(builtin=True, code__in=codes)
               .values_list("code", flat=True)) == codes
    for row in ENROLLMENT_INDICATORS:
        metrics_services.check_formula(row["formula"], code=row["code"])


def test_measures_on_the_live_engine_match_the_records(finished_round, world):
    admission, stats, apps = finished_round
    a, a2, p = admission.public_a, admission.public_a2, admission.private_p
    result = run("live")
    sums = result.measures
    county = unit(result, world.county_a)
    admitted = [x for x in apps if x.state in ("admitted", "confirmed")]
    assert len(admitted) == stats["placed"] == 7
    # Demand at the first choice: A 4, private 3, A2 1.
    assert sums.loc[unit(result, a), "enrollment.applications"] == 4
    assert sums.loc[unit(result, p), "enrollment.applications"] == 3
    assert sums.loc[unit(result, a2), "enrollment.verified"] == 1
    assert sums.loc[county, "enrollment.applications"] == 8
    assert sums.loc[county, "enrollment.admitted"] == 7
    assert sums.loc[unit(result, world.city), "enrollment.admitted"] == 7
    assert sums.loc[unit(result, world.county_b), "enrollment.admitted"] == 0
    # 公民同招: three entrants (two first choices, one second) for two seats.
    assert sums.loc[unit(result, p), "enrollment.lottery_applicants"] == 3
    assert sums.loc[unit(result, p), "enrollment.lottery_winners"] == 2
    assert sums.loc[county, "enrollment.places"] == 2 + 3 + 2
    first_choice = sum(1 for x in admitted if x.admitted_choice == 1)
    values = result.values
    assert values.loc[county, "enrollment_first_choice_rate"] == pytest.approx(
        100 * first_choice / 7)
    # The migrant child is admitted to public A2: 100 %.
    migrant = next(x for x in apps if x.migrant)
    assert migrant.admitted_institution_id == a2.pk
    assert values.loc[county, "enrollment_migrant_public_share"] == pytest.approx(100)
    # 就近: the public schools' admissions by district category over all public ones.
    public = [x for x in admitted if x.admitted_institution_id in (a.pk, a2.pk)]
    nearby = [x for x in public if x.admitted_category in (
        "hukou_and_property", "property_only", "hukou_only", "migrant_points")]
    # (Who loses the lottery at A, and so lands at A2 out of district, depends on the draw.)
    assert len(public) == 5 and len(nearby) >= 4
    assert values.loc[county, "enrollment_nearby_primary"] == pytest.approx(
        100 * len(nearby) / len(public))
    assert values.loc[unit(result, p), "enrollment_lottery_win_rate"] == pytest.approx(
        100 * 2 / 3)
    # No junior round: no value, never 0.
    assert values[["enrollment_nearby_junior"]].isna().all().all()
    # Other years see nothing of the 2026 round.
    with open_source("live") as source:
        other = compute(source, measures(), DEFS, year=2025)
    assert other.measures["enrollment.admitted"].sum() == 0


def test_over_standard_planned_classes(admission, personas):
    services.set_places(actor=personas.county_a, round=admission.round,
                        institution=admission.public_a2, classes_planned=3, class_size=48)
    result = run("live")
    assert result.measures.loc[unit(result, admission.public_a2),
                               "enrollment.classes_over_standard"] == 3
    assert result.values.loc[unit(result, admission.public_a),
                             "enrollment_over_standard_classes"] == 0


def test_warehouse_duckdb_agrees_and_keeps_personal_data_out(finished_round, tmp_path):
    import pyarrow.parquet as pq

    with open_source("live") as source:
        warehouse.export(source, measures(), tmp_path)
    columns = set(pq.read_schema(tmp_path / "enrollment_application.parquet").names)
    assert not columns & {"child_id_number", "phone", "hukou_address", "evidence"}
    assert {"state", "migrant", "admitted_category"} <= columns
    live, duck = run("live"), run("duckdb", warehouse=tmp_path)
    assert list(live.values.index) == list(duck.values.index)
    assert live.measures.equals(duck.measures[live.measures.columns])
