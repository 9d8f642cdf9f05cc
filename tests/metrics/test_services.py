"""Indicators, data values, targets and stored results through services and selectors."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from edugov.core.models import AuditLog
from edugov.metrics import selectors, services
from edugov.metrics.builtin import BUILTIN_INDICATORS
from edugov.metrics.equity_check import county_equity
from edugov.metrics.models import Indicator, Target
from edugov.registry.models import Region
from edugov.workflow.definitions import WorkflowError
from edugov.workflow.selectors import history_of


@pytest.mark.django_db
def test_every_builtin_formula_passes_the_checker():
    # Other apps add built-in indicators of their own (admissions, health...).
    codes = {row["code"] for row in BUILTIN_INDICATORS}
    assert Indicator.objects.filter(builtin=True, code__in=codes).count() == len(codes)
    for row in BUILTIN_INDICATORS:
        services.check_formula(row["formula"], code=row["code"])


@pytest.mark.django_db
def test_a_bad_formula_is_refused_with_its_position(personas):
    with pytest.raises(ValidationError) as caught:
        services.save_indicator(actor=personas.city_bureau, code="x", name="测试",
                                formula="staff.count / students.enroled", unit="%")
    error = caught.value.error_dict["formula"][0]
    assert error.params["start"] == 14
    assert "第15个字符处" in error.message and "students.enroled" in error.message


@pytest.mark.django_db
def test_indicator_may_use_another_but_not_in_a_cycle(personas):
    services.save_indicator(actor=personas.city_bureau, code="a", name="甲",
                            formula="students.enrolled{sex=\"F\"}", unit="人")
    services.save_indicator(actor=personas.city_bureau, code="b", name="乙",
                            formula="@a / students.enrolled", unit="%", factor=100)
    with pytest.raises(ValidationError, match="循环引用"):
        services.save_indicator(actor=personas.city_bureau, code="a", name="甲",
                                formula="@b * 2", unit="人")
    assert AuditLog.objects.filter(entity="metrics.indicator").count() == 2


def test_data_value_county_submits_city_approves_correction_reopens(metrics_world, personas):
    w = metrics_world
    item = services.enter_data_value(actor=personas.county_b, measure="places.added",
                                     year=2026, value=300, region=w.base.county_b)
    with pytest.raises(Region.DoesNotExist):  # county B cannot enter for county A
        services.enter_data_value(actor=personas.county_b, measure="places.added", year=2026,
                                  value=1, region=w.base.county_a)
    services.move_data_value(actor=personas.county_b, item=item, transition="submit")
    with pytest.raises(PermissionDenied):  # only the city approves
        services.move_data_value(actor=personas.county_b, item=item, transition="approve")
    services.move_data_value(actor=personas.city_bureau, item=item, transition="approve")
    with pytest.raises(ValidationError):  # locked
        services.enter_data_value(actor=personas.county_b, measure="places.added",
                                  year=2026, value=350, region=w.base.county_b)
    with pytest.raises(WorkflowError, match="理由"):
        services.correct_data_value(actor=personas.county_b, item=item, value=350, reason="")
    services.correct_data_value(actor=personas.county_b, item=item, value=350,
                                reason="漏报一所新建学校")
    item.refresh_from_db()
    assert (item.state, item.value) == ("draft", 350)
    steps = [(h.transition, h.reason) for h in history_of(item)]
    assert steps == [("create", ""), ("submit", ""), ("approve", ""),
                     ("reopen", "漏报一所新建学校")]
    assert AuditLog.objects.filter(entity="metrics.datavalue", object_id=str(item.pk),
                                   details__old=300.0).exists()


def test_store_results_then_assess_completion_change_rank_streak(metrics_world, personas):
    w = metrics_world
    share = Indicator.objects.get(code="kg_public_share")
    services.set_target(actor=personas.city_bureau, indicator=share, region=w.base.county_a,
                        year=2025, value=50)
    services.compute_and_store(actor=personas.city_bureau, year=2024)
    services.compute_and_store(actor=personas.city_bureau, year=2025)
    a = selectors.assess(personas.county_a, indicator=share, region_code="980101", year=2025)
    # County A 2025: kg_public 64 of 91 kindergarten pupils; 2024: 36 of 40.
    assert a.value == pytest.approx(100 * 64 / 91)
    assert a.completion == pytest.approx(a.value / 50)
    assert a.completion_text == f"完成年度任务的{a.value * 2:.0f}%"
    assert a.change == pytest.approx(100 * 64 / 91 - 100 * 36 / 40)
    assert a.change_unit == "百分点"
    # County B has only a private kindergarten (0%) in 2025 and no kindergarten in 2024.
    assert (a.rank, a.peers, a.streak) == (1, 2, 2)
    with pytest.raises(Region.DoesNotExist):
        selectors.assess(personas.county_b, indicator=share, region_code="980101", year=2025)


def test_rankings_are_scoped(metrics_world, personas):
    w = metrics_world
    share = Indicator.objects.get(code="kg_public_share")
    services.compute_and_store(actor=None, year=2025)
    # A county bureau sees its city's counties ranked (the published league table) ...
    rows = selectors.region_ranking(personas.county_b, indicator=share, parent_code="980100",
                                    year=2025)
    assert [(r.code, r.rank) for r in rows] == [("980101", 1), ("980102", 2)]
    # ... but not another city's, nor the schools of another county.
    with pytest.raises(Region.DoesNotExist):
        selectors.region_ranking(personas.county_b, indicator=share, parent_code="980101",
                                 year=2025)
    # A school sees its own place among all peers, not the other schools.
    certified = Indicator.objects.get(code="certified_teachers")
    own, peers = selectors.institution_ranking(personas.school_admin_a, indicator=certified,
                                               region_code="980100", year=2025)
    assert [r.code for r in own] == [w.base.school_a.code] and peers == 7
    everyone, _ = selectors.institution_ranking(personas.city_bureau, indicator=certified,
                                                region_code="980100", year=2025)
    assert len(everyone) == 7


def test_results_are_scoped_to_the_jurisdiction(metrics_world, personas):
    services.compute_and_store(actor=None, year=2025)
    county_b_codes = {r.region.code if r.region else r.institution.region.code
                      for r in selectors.results_for(personas.county_b, year=2025)}
    assert county_b_codes == {"980102"}
    assert not selectors.results_for(personas.parent, year=2025).exists()


def test_targets_import_from_xlsx(metrics_world, personas):
    book = Workbook()
    sheet = book.active
    sheet.append(["指标代码", "行政区划代码", "学年", "目标值"])
    sheet.append(["kg_public_share", "980101", 2025, 55])
    sheet.append(["places_added", "980100", 2025, 5000])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    assert services.import_targets(actor=personas.city_bureau, file=buffer) == 2
    assert Target.objects.get(region__code="980100").value == 5000
    sheet.append(["nope", "980101", 2025, 1])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    with pytest.raises(ValidationError, match="第4行"):
        services.import_targets(actor=personas.county_a, file=buffer)


def test_equity_check_splits_combined_schools(metrics_world, personas):
    check = county_equity(personas.city_bureau, county_code="980102", year=2025)
    # County B: school_b (小学) and nine_b (九年一贯制, split into 小学部 and 初中部).
    primary = check.verdicts["primary"]
    assert sorted(s.name for s in primary.schools) == ["nine_b", "西城中心小学"]
    assert [s.name for s in check.verdicts["junior"].schools] == ["nine_b"]
    assert set(primary.cv) == {f"R{i}" for i in range(1, 8)}
    assert all(v is not None for v in primary.cv.values())
    with pytest.raises(Region.DoesNotExist):
        county_equity(personas.county_a, county_code="980102", year=2025)
