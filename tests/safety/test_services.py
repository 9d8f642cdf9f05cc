"""Services: inspection → hazard → rectification → 销号, escalation, notices, risks, incidents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from edugov.core.models import AuditLog
from edugov.safety import selectors, services
from edugov.safety.models import GridPost, Hazard, Inspection, Notification
from edugov.workflow.definitions import WorkflowError
from edugov.workflow.selectors import history_of
from tests.conftest import Personas, World
from tests.safety.conftest import T0, SafetyWorld

DAY = dt.timedelta(days=1)


def answers_for(inspection: Inspection, *, fail_first: bool = True,
                pressure: float = 1.2) -> list[services.Answer]:
    items = list(inspection.template.items.order_by("order"))
    return [
        services.Answer(items[0].pk, passed=not fail_first, note="楼梯间堆放桌椅"),
        services.Answer(items[1].pk, passed=True, reading=pressure),
        services.Answer(items[2].pk, passed=True,
                        evidence={"name": "duty.jpg", "size": 20480, "sha256": "ab" * 32}),
    ]


def test_planning_expands_the_schedule_once(safety: SafetyWorld, personas: Personas) -> None:
    assert safety.schedule.inspections.count() == 5
    again = services.plan_inspections(actor=personas.school_admin_a, plan=safety.schedule,
                                      start=dt.date(2025, 10, 13), end=dt.date(2025, 10, 20),
                                      now=T0)
    assert again == 1  # only Monday the 20th is new
    assert safety.inspection.state == "planned"
    assert history_of(safety.inspection).get().to_state == "planned"


def test_templates_are_versioned(safety: SafetyWorld, personas: Personas) -> None:
    v2 = services.publish_template(actor=personas.county_a, code="FIRE-DAILY", domain="fire",
                                   name="消防日巡查", items=[services.ItemSpec("新增项目")])
    safety.template.refresh_from_db()
    assert (v2.version, v2.current, safety.template.current) == (2, True, False)
    assert safety.inspection.template_id == safety.template.pk  # past inspections keep v1
    with pytest.raises(PermissionDenied):
        services.publish_template(actor=personas.school_admin_a, code="X", domain="fire",
                                  name="x", items=[services.ItemSpec("x")])


def test_failed_items_and_bad_readings_become_hazards(safety: SafetyWorld,
                                                      personas: Personas) -> None:
    hazards = services.record_inspection(actor=personas.teacher_a, inspection=safety.inspection,
                                         answers=answers_for(safety.inspection, pressure=0.6),
                                         now=T0)
    safety.inspection.refresh_from_db()
    assert safety.inspection.state == "completed"
    assert safety.inspection.inspector == personas.teacher_a
    assert len(hazards) == 2  # the blocked exit, and the pressure reading out of range
    blocked = hazards[0]
    assert (blocked.grade, blocked.source) == ("significant", "inspection")
    assert blocked.state == "reported"
    assert blocked.code.startswith("YH20251013")
    assert blocked.rectify_deadline == T0 + 15 * DAY
    assert blocked.result is not None and blocked.result.passed is False


def test_inspection_needs_every_item_and_required_evidence(safety: SafetyWorld,
                                                           personas: Personas) -> None:
    answers = answers_for(safety.inspection)
    with pytest.raises(ValidationError, match="逐项"):
        services.record_inspection(actor=personas.teacher_a, inspection=safety.inspection,
                                   answers=answers[:2], now=T0)
    no_photo = [*answers[:2], services.Answer(answers[2].item_id, passed=True)]
    with pytest.raises(ValidationError, match="照片"):
        services.record_inspection(actor=personas.teacher_a, inspection=safety.inspection,
                                   answers=no_photo, now=T0)
    assert Hazard.objects.count() == 0  # nothing half-written


def test_full_closure_path_with_return_and_reopen(safety: SafetyWorld,
                                                  personas: Personas) -> None:
    hazard = services.record_inspection(actor=personas.teacher_a, inspection=safety.inspection,
                                        answers=answers_for(safety.inspection), now=T0)[0]
    services.assign_hazard(actor=personas.school_admin_a, hazard=hazard, owner=personas.teacher_a,
                           owner_name="", measures="清理楼梯间杂物", now=T0 + DAY)
    assert hazard.state == "assigned" and hazard.due_at == hazard.rectify_deadline
    assert Notification.objects.filter(recipient=personas.teacher_a, kind="assigned").exists()
    services.act_on_hazard(actor=personas.teacher_a, hazard=hazard, transition="accept",
                           now=T0 + 2 * DAY)
    services.act_on_hazard(actor=personas.teacher_a, hazard=hazard, transition="submit",
                           evidence={"photo": "after.jpg"}, now=T0 + 3 * DAY)
    # 较大: the school may not verify its own significant hazard.
    with pytest.raises(PermissionDenied):
        services.act_on_hazard(actor=personas.school_admin_a, hazard=hazard, transition="verify")
    with pytest.raises(WorkflowError, match="理由"):
        services.act_on_hazard(actor=personas.county_a, hazard=hazard, transition="return")
    services.act_on_hazard(actor=personas.county_a, hazard=hazard, transition="return",
                           reason="仍有杂物", now=T0 + 4 * DAY)
    services.act_on_hazard(actor=personas.teacher_a, hazard=hazard, transition="submit",
                           now=T0 + 5 * DAY)
    services.act_on_hazard(actor=personas.county_a, hazard=hazard, transition="verify",
                           now=T0 + 6 * DAY)
    services.act_on_hazard(actor=personas.county_a, hazard=hazard, transition="close",
                           now=T0 + 7 * DAY)
    hazard.refresh_from_db()
    assert hazard.state == "closed" and hazard.closed_at == T0 + 7 * DAY
    assert hazard.verified_by == personas.county_a
    services.act_on_hazard(actor=personas.county_a, hazard=hazard, transition="reopen",
                           reason="复查发现反弹", now=T0 + 8 * DAY)
    hazard.refresh_from_db()
    assert (hazard.state, hazard.reopen_count, hazard.closed_at) == ("rectifying", 1, None)
    steps = [(c.transition, c.actor_id) for c in history_of(hazard)]
    assert [s for s, _ in steps] == ["create", "assign", "accept", "submit", "return", "submit",
                                     "verify", "close", "reopen"]
    assert steps[4] == ("return", personas.county_a.pk)
    assert AuditLog.objects.filter(entity="safety.hazard", object_id=str(hazard.pk)).count() == 9
    assert Hazard.objects.filter(pk=hazard.pk).exists()  # nothing is deleted


def test_major_hazard_needs_interim_controls_and_is_supervised(world: World,
                                                               personas: Personas) -> None:
    hazard = services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                    domain="building", title="教学楼外墙瓷砖松动", grade="major",
                                    now=T0)
    assert hazard.supervised and hazard.supervision_level == 1
    with pytest.raises(ValidationError, match="临时管控"):
        services.assign_hazard(actor=personas.school_admin_a, hazard=hazard, owner=None,
                               owner_name="李四", measures="更换瓷砖", now=T0)
    services.assign_hazard(actor=personas.school_admin_a, hazard=hazard, owner=None,
                           owner_name="李四", measures="更换瓷砖", interim_controls="设置围挡",
                           now=T0)
    assert hazard.due_at == T0 + 30 * DAY


def test_regrading_on_assignment_moves_the_deadline(world: World, personas: Personas) -> None:
    hazard = services.report_public_hazard(institution=world.school_a, domain="surroundings",
                                           title="校门口有流动摊贩", contact="13812345678", now=T0)
    assert hazard.masked_contact == "138****5678" and hazard.reported_by is None
    services.assign_hazard(actor=personas.county_a, hazard=hazard, owner=None, owner_name="王五",
                           measures="联合城管清理", grade="significant", now=T0)
    assert hazard.rectify_deadline == T0 + 15 * DAY and hazard.supervision_level == 1


def test_overdue_hazards_escalate_level_by_level(world: World, personas: Personas) -> None:
    hazard = services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                    domain="electricity", title="配电箱未上锁", now=T0)
    services.assign_hazard(actor=personas.school_admin_a, hazard=hazard, owner=personas.teacher_a,
                           owner_name="", measures="加锁", now=T0)
    assert services.escalate_overdue(now=T0 + 6 * DAY) == {"hazards": 0, "inspections": 0}
    assert services.escalate_overdue(now=T0 + 8 * DAY)["hazards"] == 1
    hazard.refresh_from_db()
    assert (hazard.state, hazard.supervision_level) == ("assigned", 1)
    assert hazard.due_at == T0 + 15 * DAY  # the escalation window of the state
    assert Notification.objects.filter(recipient=personas.county_a, kind="escalated").count() == 1
    assert not Notification.objects.filter(recipient=personas.county_b).exists()
    # The generic command escalates through the same hook, up to the city.
    call_command("workflow_escalate", stdout=open("/dev/null", "w"))  # noqa: SIM115
    hazard.refresh_from_db()
    assert hazard.supervision_level == 2
    assert Notification.objects.filter(recipient=personas.city_bureau, kind="escalated").exists()
    history = [c.transition for c in history_of(hazard)]
    assert history.count("escalate_assigned") == 2


def test_missed_inspections_escalate_and_notify(safety: SafetyWorld, world: World,
                                                personas: Personas) -> None:
    services.escalate_overdue(now=T0 + DAY)
    states = dict(safety.schedule.inspections.values_list("due_date", "state"))
    assert states[dt.date(2025, 10, 13)] == "missed"
    assert states[dt.date(2025, 10, 14)] == "planned"
    assert Notification.objects.filter(recipient=personas.school_admin_a, kind="overdue",
                                       inspection=safety.inspection).count() == 1
    # A missed inspection can still be done late.
    safety.inspection.refresh_from_db()
    services.record_inspection(actor=personas.teacher_a, inspection=safety.inspection,
                               answers=answers_for(safety.inspection, fail_first=False),
                               now=T0 + 3 * DAY)
    assert Inspection.objects.get(pk=safety.inspection.pk).state == "completed"


def test_reminders_and_digest_are_sent_once(world: World, personas: Personas) -> None:
    hazard = services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                    domain="food", title="留样柜温度异常", now=T0)
    services.assign_hazard(actor=personas.school_admin_a, hazard=hazard, owner=personas.teacher_a,
                           owner_name="", measures="维修", now=T0)
    assert services.remind_approaching(now=T0 + 2 * DAY) == 0
    assert services.remind_approaching(now=T0 + 6 * DAY) == 2  # owner and principal
    services.remind_approaching(now=T0 + 6 * DAY + dt.timedelta(hours=3))
    assert Notification.objects.filter(kind="approaching").count() == 2
    call_command("safety_daily", now=(T0 + 8 * DAY).isoformat(), stdout=open("/dev/null", "w"))  # noqa: SIM115
    digest = Notification.objects.get(recipient=personas.county_a, kind="digest")
    assert "逾期未整改 1 条" in digest.message
    assert Notification.objects.filter(recipient=personas.county_b, kind="digest").exists()


def test_scope_is_enforced_by_services_and_selectors(world: World, personas: Personas) -> None:
    hazard = services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                    domain="fire", title="消防栓被遮挡", now=T0)
    with pytest.raises(PermissionDenied):
        services.assign_hazard(actor=personas.county_b, hazard=hazard, owner=None,
                               owner_name="x", measures="y")
    with pytest.raises(PermissionDenied):
        services.report_hazard(actor=personas.teacher_a, institution=world.school_b,
                               domain="fire", title="x")
    assert list(selectors.hazards_for(personas.county_a)) == [hazard]
    assert not selectors.hazards_for(personas.county_b).exists()
    assert not selectors.hazards_for(personas.parent).exists()
    assert selectors.hazards_for(personas.city_bureau).count() == 1


def test_grid_posts_replace_holders_and_gaps_are_reported(world: World,
                                                          personas: Personas) -> None:
    area = services.add_area(actor=personas.school_admin_a, institution=world.school_a,
                             name="1号教学楼", kind="teaching")
    services.appoint(actor=personas.school_admin_a, level="principal", person_name="张校长",
                     phone="13900001111", institution=world.school_a)
    services.appoint(actor=personas.school_admin_a, level="principal", person_name="赵校长",
                     phone="13900002222", institution=world.school_a)
    services.appoint(actor=personas.county_a, level="county_section", person_name="钱股长",
                     region=world.county_a)
    with pytest.raises(PermissionDenied):
        services.appoint(actor=personas.county_a, level="bureau_lead", person_name="x",
                         region=world.county_b)
    assert GridPost.objects.filter(level="principal").count() == 2
    assert GridPost.objects.get(level="principal", active=True).person_name == "赵校长"
    gaps = {g.label for g in selectors.grid_gaps(personas.county_a)}
    assert gaps == {"缺少教育局分管领导", "缺少学校安全专干", "缺少楼栋/区域责任人"}
    services.appoint(actor=personas.school_admin_a, level="area_owner", person_name="孙老师",
                     area=area)
    rows = selectors.responsibility_list(personas.county_a)
    assert {r["person"] for r in rows} == {"赵校长", "钱股长", "孙老师"}
    assert all("*" in r["phone"] for r in rows if r["phone"])


def test_risk_register_grades_and_lists_major_risks(world: World, personas: Personas) -> None:
    risk = services.register_risk(actor=personas.school_admin_a, institution=world.school_a,
                                  domain="drowning", title="学校周边河塘", likelihood=4,
                                  severity=5, controls="设置警示牌，家校联防",
                                  owner_name="周老师", review_due=dt.date(2025, 12, 1))
    assert risk.grade == "major"
    services.register_risk(actor=personas.school_admin_a, institution=world.school_a,
                           domain="traffic", title="上下学路段", likelihood=2, severity=3,
                           controls="护学岗", owner_name="吴老师", review_due=dt.date(2025, 12, 1))
    assert [r.title for r in selectors.major_risks(personas.county_a)] == ["学校周边河塘"]
    services.review_risk(actor=personas.school_admin_a, risk=risk, likelihood=2, severity=5,
                         controls="加装护栏", next_review=dt.date(2026, 3, 1),
                         reviewed=dt.date(2025, 12, 1))
    assert risk.grade == "significant"
    with pytest.raises(ValidationError):
        services.register_risk(actor=personas.school_admin_a, institution=world.school_a,
                               domain="fire", title="x", likelihood=6, severity=1, controls="",
                               owner_name="", review_due=dt.date(2025, 12, 1))


def test_incidents_link_preceding_hazards(world: World, personas: Personas) -> None:
    hazard = services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                    domain="building", title="楼梯扶手松动", now=T0)
    incident = services.record_incident(
        actor=personas.school_admin_a, institution=world.school_a, occurred_at=T0 + DAY,
        domain="building", severity="IV", title="学生扶手处摔伤", injured=1, hazards=[hazard])
    assert list(incident.hazards.all()) == [hazard] and not incident.serious
    other = services.report_hazard(actor=personas.superuser, institution=world.school_b,
                                   domain="fire", title="x", now=T0)
    with pytest.raises(ValidationError):
        services.record_incident(actor=personas.superuser, institution=world.school_a,
                                 occurred_at=T0, domain="fire", severity="III", title="x",
                                 hazards=[other])
