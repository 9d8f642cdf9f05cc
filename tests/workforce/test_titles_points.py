"""职称 applications through the workflow, honours, and 积分 with the rotation hook."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from edugov.workflow.selectors import history_of
from edugov.workforce.models import TitleRecord
from edugov.workforce.rules.points import Facts, Item, score
from edugov.workforce.rules.rotation import Problem, RotationRules, School, Teacher, solve
from edugov.workforce.rules.titles import TitleRules, application_refusals
from edugov.workforce.selectors.points import annual_scores, points_priority
from edugov.workforce.services import conduct, points, titles
from edugov.workforce.services.training import record_training
from tests.workforce.conftest import new_teacher

ON = dt.date(2025, 11, 1)


def test_title_ladder_one_step_at_a_time() -> None:
    assert application_refusals("second", "first", veto=None, training_behind=False,
                                rural_years=0) == []
    assert "只能申报一级教师" in application_refusals(
        "second", "senior", veto=None, training_behind=False, rural_years=0)[0]
    rural = TitleRules(rural_years_for_senior=1)
    assert application_refusals("first", "senior", veto=None, training_behind=False,
                                rural_years=0.5, rules=rural) == [
        "申报高级职称须有1年以上农村或薄弱学校任教经历"]


def keep_on_track(actor, staff, on=ON):
    record_training(actor=actor, staff=staff, course="周期研修", hours=Decimal(240),
                    level="county", date=dt.date(2024, 6, 1), provider="进修学校", today=on)
    record_training(actor=actor, staff=staff, course="周期研修二", hours=Decimal(120),
                    level="county", date=dt.date(2025, 6, 1), provider="进修学校", today=on)


def test_application_flow_records_the_new_title(personas, world, own_teacher) -> None:
    staff = world.staff_a
    staff.title = "second"
    staff.save()
    with pytest.raises(ValidationError, match="继续教育学时未达到"):
        titles.apply_for_title(actor=own_teacher, staff=staff, title="first", year=2025, on=ON)
    keep_on_track(personas.school_admin_a, staff)
    with pytest.raises(PermissionDenied, match="只能为本人"):
        titles.apply_for_title(actor=own_teacher, staff=new_teacher(world.school_a,
                               dt.date(2015, 9, 1)), title="third", year=2025, on=ON)
    application = titles.apply_for_title(actor=own_teacher, staff=staff, title="first",
                                         year=2025, on=ON, evidence={"论文": 2})
    titles.review_title(actor=personas.school_admin_a, application=application,
                        transition="recommend", on=ON)
    # A case recorded after the school's recommendation still stops the approval.
    case = conduct.record_case(actor=personas.county_a, staff=staff, occurred=ON, decided=ON,
                               category="care", sanction="warning")
    with pytest.raises(ValidationError, match="师德一票否决"):
        titles.review_title(actor=personas.county_a, application=application,
                            transition="approve", on=ON)
    case.delete()
    titles.review_title(actor=personas.county_a, application=application,
                        transition="approve", on=ON)
    staff.refresh_from_db()
    assert staff.title == "first"
    assert TitleRecord.objects.get(staff=staff).application == application
    assert [h.to_state for h in history_of(application)] == ["submitted", "recommended",
                                                             "approved"]


def test_points_items_and_itemised_scores() -> None:
    items = [Item("load", "课时量", "evidence", 0.5, cap=10),
             Item("train", "培训学时", "training_hours", 0.1),
             Item("honour", "荣誉", "honours", 2),
             Item("rural", "农村任教", "rural_years", 1, cap=5),
             Item("ethics", "师德扣分", "conduct", -10)]
    result = score(7, items, Facts(evidence={"load": 30}, training_hours=72,
                                   honour_tiers=("county", "city"), rural_years=6.3,
                                   conduct_cases=1))
    assert [line.points for line in result.lines] == [10.0, 7.2, 6.0, 5.0, -10.0]
    assert result.total == 18.2


def test_annual_scores_from_records(personas, world) -> None:
    county = world.county_a
    for code, label, source, per_unit in (("load", "课时量", "evidence", "0.5"),
                                          ("train", "培训学时", "training_hours", "0.1"),
                                          ("ethics", "师德", "conduct", "-10")):
        points.define_item(actor=personas.county_a, county=county, year=2024, code=code,
                           label=label, source=source, per_unit=Decimal(per_unit))
    load = county_item(county, "load")
    points.record_evidence(actor=personas.school_admin_a, item=load, staff=world.staff_a,
                           units=Decimal(16), evidence="2024学年课表")
    with pytest.raises(ValidationError, match="自动计算"):
        points.record_evidence(actor=personas.school_admin_a, item=county_item(county, "train"),
                               staff=world.staff_a, units=Decimal(1), evidence="x")
    record_training(actor=personas.county_a, staff=world.staff_a, course="暑期研修",
                    hours=Decimal(30), level="county", date=dt.date(2025, 7, 10),
                    provider="进修学校", today=ON)
    conduct.record_case(actor=personas.county_a, staff=world.staff_a,
                        occurred=dt.date(2025, 1, 5), decided=dt.date(2025, 1, 20),
                        category="practice", sanction="criticism")
    other = new_teacher(world.school_a, dt.date(2018, 9, 1))
    scores = annual_scores(county, 2024)
    assert [line.points for line in scores[world.staff_a.pk].lines] == [8.0, 3.0, -10.0]
    assert scores[other.pk].total == 0
    assert points_priority(county, 2024) == {world.staff_a.pk: 1.0, other.pk: 0.0}
    assert points_priority(county, 2023) == {}


def county_item(county, code):
    from edugov.workforce.models import PointsItem
    return PointsItem.objects.get(county=county, year=2024, code=code)


def test_priority_breaks_ties_between_interchangeable_teachers() -> None:
    # The town school has one maths teacher too many, the rural school needs one: one move.
    schools = [School(1, "primary", 400, need={"math": 2}),
               School(2, "primary", 200, receiving=True, need={"math": 1})]
    twins = [Teacher(i, 1, "math", backbone=True, qualified=True, eligible=True, years=8,
                     priority=p) for i, p in ((10, 0.0), (11, 5.0), (12, 1.0))]
    rules = RotationRules(quota_share=0.3, max_share=0.34, time_limit_s=10)
    plan = solve(Problem(schools, twins, rules))
    assert plan.status == "optimal" and [m.teacher for m in plan.moves] == [11]
    flipped = [Teacher(t.id, 1, "math", backbone=True, qualified=True, eligible=True, years=8,
                       priority=-t.priority) for t in twins]
    assert [m.teacher for m in solve(Problem(schools, flipped, rules)).moves] == [10]
