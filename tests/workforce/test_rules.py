"""Workforce rules as pure functions: establishment, eligibility, the rotation optimiser."""

from __future__ import annotations

import datetime as dt

import pytest

from edugov.workforce.rules.eligibility import (
    EligibilityRules,
    Spell,
    StaffFacts,
    assess,
    quota,
    whole_years,
)
from edugov.workforce.rules.establishment import (
    SchoolStaffing,
    StaffingNorms,
    county_establishment,
    establishment,
    subject_gaps,
    subject_need,
)
from edugov.workforce.rules.rotation import (
    Problem,
    RotationRules,
    School,
    Teacher,
    check_plan,
    coefficients,
    greedy,
    solve,
)
from edugov.workforce.rules.synthetic import synthetic_county

ON = dt.date(2025, 9, 1)


# --- establishment --------------------------------------------------------------------

def test_national_ratios_and_combined_schools():
    assert establishment(SchoolStaffing("p", {"primary": 1900})) == pytest.approx(100)
    assert establishment(SchoolStaffing("j", {"junior": 1350})) == pytest.approx(100)
    assert establishment(SchoolStaffing("s", {"senior": 1250})) == pytest.approx(100)
    nine_year = SchoolStaffing("n", {"primary": 950, "junior": 675})
    assert establishment(nine_year) == pytest.approx(50 + 50)
    assert establishment(SchoolStaffing("k", {"kindergarten": 70})) == pytest.approx(10)


def test_boarding_and_small_rural_extras_are_configuration():
    norms = StaffingNorms(boarding_extra_share=0.1,
                          small_school_staff_per_class={"primary": 1.7})
    boarding = SchoolStaffing("b", {"primary": 1900}, boarding=True)
    assert establishment(boarding) == pytest.approx(100)  # national: no extra
    assert establishment(boarding, norms) == pytest.approx(110)
    village = SchoolStaffing("v", {"primary": 60}, classes=6, rural=True)
    assert establishment(village) == pytest.approx(60 / 19)
    assert establishment(village, norms) == pytest.approx(6 * 1.7)


def test_subject_gaps_show_shortage_and_surplus():
    school = SchoolStaffing("p", {"primary": 1900})
    need = subject_need(school)
    assert need["chinese"] == round(100 * 0.9 * 0.26)
    gaps = {g.subject: g for g in subject_gaps(school, {"chinese": 20, "math": 30,
                                                        "vocational": 1})}
    assert gaps["chinese"].shortage == need["chinese"] - 20
    assert gaps["math"].surplus == 30 - need["math"]
    assert gaps["vocational"].surplus == 1 and gaps["music"].shortage == need["music"]


def test_county_total_against_approved_establishment():
    schools = [SchoolStaffing("a", {"primary": 1900}), SchoolStaffing("b", {"junior": 1351})]
    result = county_establishment(schools, approved=200, actual=190)
    assert result.needed == 100 + 101 and not result.within_approved
    assert result.headroom == -1


# --- eligibility ----------------------------------------------------------------------

def facts(staff: int, *, born: int = 1985, sex: str = "F", **kw) -> StaffFacts:
    return StaffFacts(staff, sex, dt.date(born, 5, 1), **kw)


def test_continuous_years_follow_the_assignment_history():
    spells = [
        # 1: six years at school 10 across a post change → eligible.
        Spell(1, 10, "teacher", dt.date(2019, 9, 1), dt.date(2021, 8, 31)),
        Spell(1, 10, "admin", dt.date(2021, 9, 1), None),
        # 2: moved schools in 2022 → only three years at the current one.
        Spell(2, 11, "teacher", dt.date(2010, 9, 1), dt.date(2022, 8, 31)),
        Spell(2, 10, "teacher", dt.date(2022, 9, 1), None),
        # 3: a year away (secondment) breaks continuity at the same school.
        Spell(3, 10, "teacher", dt.date(2012, 9, 1), dt.date(2020, 8, 31)),
        Spell(3, 10, "teacher", dt.date(2021, 9, 1), None),
    ]
    result = {e.staff: e for e in assess(spells, [facts(1), facts(2), facts(3), facts(4)], ON)}
    assert (result[1].eligible, result[1].years, result[1].reason) == (True, 6, "tenure")
    assert (result[2].eligible, result[2].years) == (False, 3)
    assert (result[3].eligible, result[3].since) == (False, dt.date(2021, 9, 1))
    assert result[4].reason == "no_assignment"
    assert whole_years(dt.date(2019, 9, 2), ON) == 5


def test_principals_after_two_terms_and_exemptions():
    spells = [
        Spell(1, 10, "teacher", dt.date(2005, 9, 1), dt.date(2020, 8, 31)),
        Spell(1, 10, "principal", dt.date(2020, 9, 1), None),  # 5 years as principal
        Spell(2, 10, "principal", dt.date(2019, 9, 1), None),  # two 3-year terms
        Spell(3, 10, "teacher", dt.date(2010, 9, 1), None),  # retires 2029 (F, 55)
        Spell(4, 10, "teacher", dt.date(2010, 9, 1), None),  # exempted by the bureau
        Spell(5, 10, "teacher", dt.date(2010, 9, 1), None),  # 合同制
    ]
    staff = [facts(1), facts(2), facts(3, born=1974), facts(4), facts(5, established=False)]
    result = {e.staff: e for e in assess(spells, staff, ON, exempt=[4])}
    assert (result[1].eligible, result[1].years) == (False, 5)
    assert result[2].eligible and result[2].reason == "principal_terms"
    assert result[3].reason == "near_retirement"
    assert result[4].reason == "exempted" and result[5].reason == "not_established"
    later_retirement = EligibilityRules(retirement_age={"M": 63, "F": 58})
    assert {e.staff: e for e in assess(spells, staff, ON, rules=later_retirement)}[3].eligible


def test_quota_is_ten_percent_rounded_up():
    spells = [Spell(i, 10, "teacher", dt.date(2010, 9, 1), None) for i in range(1, 22)]
    staff = [facts(i, backbone=i <= 4) for i in range(1, 22)]
    q = quota(assess(spells, staff, ON))
    assert (q.eligible, q.minimum, q.backbone_eligible) == (21, 3, 4)
    assert q.backbone_minimum(3) == 1 and q.backbone_minimum(10) == 2


# --- rotation -------------------------------------------------------------------------

def small_county() -> Problem:
    """Town school 1 is rich in 骨干; rural schools 2 and 3 have none and lack maths."""
    schools = [
        School(1, "primary", 1000, need={"math": 6, "chinese": 6}),
        School(2, "primary", 500, receiving=True, need={"math": 4, "chinese": 3}),
        School(3, "primary", 500, receiving=True, need={"math": 4, "chinese": 3}),
    ]
    teachers = []
    for i in range(8):  # school 1: 8 maths (2 over need), 4 of them 骨干, all eligible
        teachers.append(Teacher(100 + i, 1, "math", backbone=i < 4, qualified=True,
                                eligible=True, years=8))
    for i in range(6):
        teachers.append(Teacher(200 + i, 1, "chinese", qualified=True, eligible=True))
    for school in (2, 3):
        for i in range(3):
            teachers.append(Teacher(school * 1000 + i, school, "math", eligible=True))
            teachers.append(Teacher(school * 1000 + 10 + i, school, "chinese",
                                    eligible=i == 0))
    return Problem(schools, teachers, RotationRules(time_limit_s=10, max_share=0.3))


def test_optimiser_meets_every_rule_and_narrows_the_gaps():
    problem = small_county()
    plan = solve(problem)
    assert plan.status == "optimal"
    assert all(check_plan(problem, plan.moves).values())
    before, after = coefficients(problem), coefficients(problem, plan.moves)
    assert after["primary", "backbone"] < before["primary", "backbone"]
    to_rural = {m.destination for m in plan.moves if m.teacher in (100, 101, 102, 103)}
    assert to_rural == {2, 3}  # 骨干 spread to both rural schools


def test_locks_and_exclusions_are_respected_and_impossible_locks_reported():
    problem = small_county()
    problem.locked = {103: 3}
    problem.excluded = frozenset({100, 101})
    plan = solve(problem)
    assert all(check_plan(problem, plan.moves).values())
    assert any(m.teacher == 103 and m.destination == 3 for m in plan.moves)
    assert not {m.teacher for m in plan.moves} & {100, 101}
    problem.locked = {200: 2, 201: 2, 202: 2, 203: 2}  # 语文 at school 1 would fall below need
    assert solve(problem).status == "infeasible"


def test_commute_limit_restricts_destinations():
    problem = small_county()
    problem.schools = [School(s.id, s.level, s.students, s.receiving, s.need,
                              location=(0.0, 0.0) if s.id != 3 else (50.0, 0.0))
                       for s in problem.schools]
    problem.rules = RotationRules(time_limit_s=10, max_share=0.3, max_commute_km=20)
    problem.__post_init__()
    plan = solve(problem)
    assert plan.moves and all(m.destination != 3 and m.source != 3 for m in plan.moves)
    assert check_plan(problem, plan.moves)["commute"]


def test_optimiser_beats_the_greedy_baseline_on_a_synthetic_county():
    county = synthetic_county(primary=12, junior=6)
    problem = Problem(county.schools, county.teachers, RotationRules(time_limit_s=20))
    plan, baseline = solve(problem), greedy(problem)
    assert all(check_plan(problem, plan.moves).values())
    before = coefficients(problem)
    ours, theirs = coefficients(problem, plan.moves), coefficients(problem, baseline.moves)
    assert sum(before[k] - ours[k] for k in before) >= sum(before[k] - theirs[k]
                                                          for k in before)
