"""师德: the negative list (bureau only), the one-vote veto, the pre-hire check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from edugov.core.models import AuditLog
from edugov.registry import models as m
from edugov.workforce.models import BarredPerson, HireCheck
from edugov.workforce.rules.conduct import Case, add_months, appraisal_refusal, in_veto, veto_until
from edugov.workforce.selectors.conduct import barred_for, conduct_cases_for
from edugov.workforce.services import conduct, imports, titles
from tests.factories import id_number_for

DECIDED = dt.date(2025, 3, 10)


# --- rules -------------------------------------------------------------------------------

def test_veto_periods_follow_the_sanction() -> None:
    warning = Case(1, "integrity", "warning", DECIDED)
    assert veto_until(warning) == dt.date(2025, 9, 9)
    assert in_veto(warning, dt.date(2025, 9, 9)) and not in_veto(warning, dt.date(2025, 9, 10))
    assert not in_veto(warning, dt.date(2025, 3, 9))  # before the decision
    demotion = Case(1, "propriety", "demotion", DECIDED)
    assert veto_until(demotion) == dt.date(2027, 3, 9)
    assert veto_until(Case(1, "propriety", "revoked", DECIDED)) is None


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)


def test_appraisal_cap_applies_when_the_veto_overlaps_the_year() -> None:
    year = (dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    late_case = Case(1, "practice", "circulated", dt.date(2026, 6, 1))
    assert "只能评定为不合格" in appraisal_refusal([late_case], "competent", year)
    assert appraisal_refusal([late_case], "incompetent", year) is None
    old_case = Case(1, "practice", "warning", dt.date(2024, 9, 1))  # ended 2025-02-28
    assert appraisal_refusal([old_case], "excellent", year) is None


# --- the negative list -------------------------------------------------------------------

@pytest.fixture
def case_a(personas, world):
    return conduct.record_case(actor=personas.county_a, staff=world.staff_a,
                               occurred=dt.date(2025, 3, 1), decided=DECIDED,
                               category="practice", sanction="demerit",
                               description="组织有偿补课")


def test_only_bureaus_record_and_read_cases(personas, world, case_a) -> None:
    assert case_a.veto_until == dt.date(2026, 3, 9)
    assert AuditLog.objects.filter(entity="workforce.conductcase",
                                   object_id=str(case_a.pk)).exists()
    for user in (personas.school_admin_a, personas.teacher_a, personas.parent):
        with pytest.raises(PermissionDenied, match="只有教育局"):
            conduct.record_case(actor=user, staff=world.staff_a, occurred=DECIDED,
                                decided=DECIDED, category="care", sanction="warning")
        assert not conduct_cases_for(user).exists()
    assert list(conduct_cases_for(personas.city_bureau)) == [case_a]
    assert not conduct_cases_for(personas.county_b).exists()
    with pytest.raises(Http404):
        conduct.record_case(actor=personas.county_b, staff=world.staff_a, occurred=DECIDED,
                            decided=DECIDED, category="care", sanction="warning")


def test_veto_refuses_title_honour_and_good_appraisal(personas, world, case_a) -> None:
    during = dt.date(2025, 12, 1)
    with pytest.raises(ValidationError, match=r"师德一票否决.*不得晋升职称"):
        titles.apply_for_title(actor=personas.school_admin_a, staff=world.staff_a,
                               title="second", year=2025, on=during)
    with pytest.raises(ValidationError, match="不得获得“骨干教师”等荣誉"):
        titles.award_honour(actor=personas.county_a, staff=world.staff_a, kind="backbone",
                            tier="county", awarded=during)
    with pytest.raises(ValidationError, match="年度考核只能评定为不合格"):
        conduct.rate(actor=personas.school_admin_a, staff=world.staff_a,
                     academic_year=world.year, grade="competent")
    appraisal = conduct.rate(actor=personas.school_admin_a, staff=world.staff_a,
                             academic_year=world.year, grade="incompetent")
    assert appraisal.grade == "incompetent"
    # Another teacher, no case: the same services accept.
    honour = titles.award_honour(actor=personas.county_b, staff=world.staff_b,
                                 kind="backbone", tier="county", awarded=during)
    assert honour.valid_until == dt.date(2028, 11, 30)
    world.staff_b.refresh_from_db()
    assert world.staff_b.backbone_level == "county"


# --- barred list and the pre-hire check -----------------------------------------------------

BARRED_ID = id_number_for(dt.date(1980, 2, 3), 11, "M")
CLEAR_ID = id_number_for(dt.date(1995, 7, 8), 12, "F")


@pytest.fixture
def barred_file(write_csv):
    return write_csv("barred.csv", [
        ["身份证号", "姓名", "禁止从教原因", "信息来源"],
        [BARRED_ID, "张三", "猥亵儿童罪判决", "（2024）某刑初12号"],
    ])


def test_barred_list_import_is_bureau_only_and_atomic(personas, world, write_csv,
                                                      barred_file) -> None:
    with pytest.raises(PermissionDenied):
        imports.import_barred(actor=personas.school_admin_a, path=barred_file)
    bad = write_csv("bad.csv", [
        ["身份证号", "姓名", "禁止从教原因", "信息来源"],
        [CLEAR_ID, "李四", "撤销教师资格", "某教育局决定"],
        ["110101199001011234", "王五", "x", "y"],  # bad check digit
        [CLEAR_ID, "李四", "重复", "重复"],
    ])
    outcome = imports.import_barred(actor=personas.city_bureau, path=bad)
    assert not outcome.written and outcome.invalid == 3
    assert {e.row for e in outcome.errors} == {2, 3, 4}
    assert not BarredPerson.objects.exists()
    outcome = imports.import_barred(actor=personas.city_bureau, path=barred_file)
    assert outcome.written and outcome.created == 1
    entry = BarredPerson.objects.get()
    assert entry.region == world.city
    # A city's list binds its counties; schools never see it.
    assert list(barred_for(personas.county_a)) == [entry]
    assert not barred_for(personas.school_admin_a).exists()


def hire(actor, world, id_number, name="新教师", sex="M", born=dt.date(1980, 2, 3)):
    return conduct.hire(actor=actor, id_number=id_number, name=name, sex=sex,
                        birth_date=born, education="bachelor", institution=world.school_a,
                        post="teacher", start=dt.date(2025, 9, 1), subject="math")


def test_a_match_blocks_the_hire_and_is_kept(personas, world, barred_file) -> None:
    imports.import_barred(actor=personas.city_bureau, path=barred_file)
    with pytest.raises(conduct.HireBlocked, match=r"禁止从教人员名单.*猥亵儿童罪判决"):
        hire(personas.school_admin_a, world, BARRED_ID)
    assert not m.Staff.objects.filter(id_number=BARRED_ID).exists()
    check = HireCheck.objects.get(id_number=BARRED_ID)
    assert check.blocked and check.institution == world.school_a
    assert AuditLog.objects.filter(entity="workforce.hirecheck", object_id=str(check.pk),
                                   details__blocked=True).exists()

    staff = hire(personas.school_admin_a, world, CLEAR_ID, name="李四", sex="F",
                 born=dt.date(1995, 7, 8))
    assert staff.current_institution == world.school_a
    assert staff.assignments.get().start == dt.date(2025, 9, 1)
    assert not HireCheck.objects.get(id_number=CLEAR_ID).blocked


def test_someone_dismissed_here_fails_the_check_elsewhere(personas, world) -> None:
    conduct.record_case(actor=personas.county_a, staff=world.staff_a, occurred=DECIDED,
                        decided=DECIDED, category="propriety", sanction="dismissal")
    staff = world.staff_a
    with pytest.raises(conduct.HireBlocked, match="开除"):
        conduct.hire(actor=personas.county_b, id_number=staff.id_number, name=staff.name,
                     sex=staff.sex, birth_date=staff.birth_date, education="bachelor",
                     institution=world.school_b, post="teacher", start=dt.date(2025, 9, 1))
    staff.refresh_from_db()
    assert staff.current_institution == world.school_a
