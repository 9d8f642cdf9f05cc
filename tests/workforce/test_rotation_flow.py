"""Rotation end to end: eligibility from the registry, solve, notify, answer, execute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from edugov.core.models import AuditLog
from edugov.registry import models as m
from edugov.workflow.definitions import WorkflowError
from edugov.workforce import services
from edugov.workforce.models import RotationProposal
from edugov.workforce.rules.rotation import RotationRules
from edugov.workforce.selectors import eligibility_in, proposals_for
from tests import factories as f

EFFECTIVE = dt.date(2025, 9, 1)
RULES = RotationRules(time_limit_s=10, max_share=0.5)


def enrol(school: m.Institution, year: m.AcademicYear, n: int, grade: int = 3) -> None:
    students = m.Student.objects.bulk_create(
        m.Student(student_no=f"L{school.code}{i:08d}", name="学生", sex="F",
                  birth_date=dt.date(2016, 1, 1), hukou_type="local",
                  current_institution=school) for i in range(n))
    m.Enrolment.objects.bulk_create(
        m.Enrolment(student=s, academic_year=year, institution=school, grade=grade)
        for s in students)


def teacher(school: m.Institution, subject: str, since: dt.date, *,
            backbone: str = "none") -> m.Staff:
    staff = f.StaffFactory(current_institution=school, current_post="teacher",
                           subject=subject, backbone_level=backbone,
                           education="bachelor", birth_date=dt.date(1985, 5, 1))
    m.Assignment.objects.create(staff=staff, institution=school, post="teacher", start=since)
    return staff


@pytest.fixture
def county(world):
    """County A: town school A (rich in 骨干 maths teachers) and two rural schools."""
    rural = [f.InstitutionFactory(region=world.county_a, locality="rural",
                                  name=f"乡村小学{i}") for i in (1, 2)]
    enrol(world.school_a, world.year, 380)
    for school in rural:
        enrol(school, world.year, 190)
    town_math = [teacher(world.school_a, "math", dt.date(2012, 9, 1), backbone="county")
                 for _ in range(5)]
    town_math += [teacher(world.school_a, "math", dt.date(2023, 9, 1)) for _ in range(3)]
    for school in rural:
        teacher(school, "math", dt.date(2015, 9, 1))
    return world, rural, town_math


def test_eligibility_comes_from_the_assignment_table(county, django_assert_max_num_queries):
    world, _, town_math = county
    with django_assert_max_num_queries(3):
        result = {e.staff: e for e in eligibility_in(world.county_a, EFFECTIVE)}
    assert all(result[s.pk].eligible for s in town_math[:5])
    assert not any(result[s.pk].eligible for s in town_math[5:])


def test_solve_notify_answer_execute(county, personas):
    world, rural, _ = county
    plan = services.create_plan(actor=personas.county_a, county=world.county_a,
                                academic_year=world.year, effective=EFFECTIVE)
    plan = services.solve_plan(actor=personas.county_a, plan=plan, rules=RULES)
    assert plan.result["status"] == "optimal" and all(plan.result["checks"].values())
    proposals = list(plan.proposals.order_by("pk"))
    assert proposals and {p.destination_id for p in proposals} <= {r.pk for r in rural}
    assert services.notify(actor=personas.county_a, plan=plan) == len(proposals)

    first, *others = list(plan.proposals.order_by("pk"))
    with pytest.raises(WorkflowError, match="需要填写理由"):
        services.respond(actor=personas.school_admin_a, proposal=first, accept=False)
    services.respond(actor=personas.school_admin_a, proposal=first, accept=False,
                     reason="该教师承担毕业班教学")
    for proposal in others:
        services.respond(actor=personas.school_admin_a, proposal=proposal, accept=True)
    assert services.execute(actor=personas.county_a, plan=plan) == len(others)
    for proposal in others:
        proposal.staff.refresh_from_db()
        assert proposal.staff.current_institution_id == proposal.destination_id
        closed = proposal.staff.assignments.get(institution=world.school_a)
        assert closed.end == EFFECTIVE - dt.timedelta(days=1)
    first.refresh_from_db()
    assert first.state == "contested"
    assert AuditLog.objects.filter(entity="registry.assignment").count() == len(others)


def test_locks_exclusions_and_resolve_keep_answered_proposals(county, personas):
    world, rural, town_math = county
    plan = services.create_plan(actor=personas.county_a, county=world.county_a,
                                academic_year=world.year, effective=EFFECTIVE)
    plan = services.set_lock(actor=personas.county_a, plan=plan, staff=town_math[0],
                             destination=rural[1])
    plan = services.set_excluded(actor=personas.county_a, plan=plan, staff=town_math[1])
    plan = services.solve_plan(actor=personas.county_a, plan=plan, rules=RULES)
    moved = {p.staff_id: p.destination_id for p in plan.proposals.all()}
    assert moved[town_math[0].pk] == rural[1].pk and town_math[1].pk not in moved
    services.notify(actor=personas.county_a, plan=plan)
    plan = services.solve_plan(actor=personas.county_a, plan=plan, rules=RULES)
    assert plan.proposals.filter(state="notified").count() == len(moved)


def test_scoping_and_roles(county, personas):
    world = county[0]
    plan = services.create_plan(actor=personas.county_a, county=world.county_a,
                                academic_year=world.year, effective=EFFECTIVE)
    services.solve_plan(actor=personas.county_a, plan=plan, rules=RULES)
    with pytest.raises(Http404):
        services.solve_plan(actor=personas.county_b, plan=plan, rules=RULES)
    with pytest.raises(PermissionDenied):
        services.notify(actor=personas.school_admin_a, plan=plan)
    assert proposals_for(personas.county_b).count() == 0
    assert proposals_for(personas.school_admin_a).count() == RotationProposal.objects.count()


def test_only_the_teacher_or_their_school_answers(personas, world):
    """An account whose only role is teacher answers its own proposal, nobody else's — also
    when it has no staff record linked (it once passed for any proposal of its school); a
    school admin answers for its own teachers, not for another school's sent to it."""
    town = f.StaffFactory(current_institution=world.school_a, current_post="teacher")
    rural = f.InstitutionFactory(region=world.county_a, locality="rural", name="乡村小学")
    other_school = f.StaffFactory(current_institution=rural, current_post="teacher")
    plan = services.create_plan(actor=personas.county_a, county=world.county_a,
                                academic_year=world.year, effective=EFFECTIVE)

    def proposal(staff, source, destination):  # type: ignore[no-untyped-def]
        return RotationProposal.objects.create(plan=plan, staff=staff, source=source,
                                               destination=destination, post="teacher",
                                               state="notified")

    outgoing = proposal(town, world.school_a, rural)
    incoming = proposal(other_school, rural, world.school_a)
    assert personas.teacher_a.staff_id is None
    for item in (outgoing, incoming):
        with pytest.raises(PermissionDenied, match="尚未关联教职工档案"):
            services.respond(actor=personas.teacher_a, proposal=item, accept=True)
    personas.teacher_a.staff = world.staff_a
    personas.teacher_a.save(update_fields=["staff"])
    with pytest.raises(PermissionDenied, match="只能答复本人"):
        services.respond(actor=personas.teacher_a, proposal=outgoing, accept=True)
    with pytest.raises(PermissionDenied, match="本校教师"):
        services.respond(actor=personas.school_admin_a, proposal=incoming, accept=True)
    assert {p.state for p in RotationProposal.objects.all()} == {"notified"}

    own = proposal(world.staff_a, world.school_a, rural)
    services.respond(actor=personas.teacher_a, proposal=own, accept=False, reason="家庭原因")
    services.respond(actor=personas.school_admin_a, proposal=outgoing, accept=True)
    services.respond(actor=personas.county_a, proposal=incoming, accept=True)
    states = dict(RotationProposal.objects.values_list("pk", "state"))
    assert states == {own.pk: "contested", outgoing.pk: "confirmed", incoming.pk: "confirmed"}
