"""Incidents linked to the hazards and inspections before them; planning from a page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from edugov.core.models import AuditLog
from edugov.safety import services
from edugov.safety.models import Hazard, Incident, Inspection
from tests.conftest import Personas, World
from tests.safety.conftest import SafetyWorld

DAY = dt.timedelta(days=1)


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def recent(world: World, personas: Personas) -> dict[str, Hazard]:
    """Hazards found ten and five days ago (the candidate window is the last 12 months)."""
    now = timezone.now()
    return {
        "stairs": services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                         domain="building", title="楼梯扶手松动",
                                         now=now - 10 * DAY),
        "wiring": services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                         domain="electric", title="配电箱未上锁",
                                         now=now - 5 * DAY),
        "other": services.report_hazard(actor=personas.superuser, institution=world.school_b,
                                        domain="building", title="外校隐患",
                                        now=now - 5 * DAY),
    }


def incident_at(world: World, personas: Personas, **links: object) -> Incident:
    return services.record_incident(
        actor=personas.school_admin_a, institution=world.school_a,
        occurred_at=timezone.now() - DAY, domain="building", severity="IV",
        title="学生扶手处摔伤", injured=1, **links)  # type: ignore[arg-type]


def test_linking_later_adds_and_removes_with_an_audit_row(
        world: World, personas: Personas, recent: dict[str, Hazard]) -> None:
    incident = incident_at(world, personas, hazards=[recent["stairs"]])
    services.link_incident(actor=personas.teacher_a, incident=incident,
                           hazards=[recent["wiring"]], inspections=[])
    assert list(incident.hazards.all()) == [recent["wiring"]]
    assert Hazard.objects.filter(pk=recent["stairs"].pk).exists()  # unlinked, not deleted
    row = AuditLog.objects.filter(entity="safety.incident", object_id=str(incident.pk),
                                  action=AuditLog.Action.UPDATE).get()
    assert row.details == {"hazards_added": [recent["wiring"].pk],
                           "hazards_removed": [recent["stairs"].pk]}
    services.link_incident(actor=personas.teacher_a, incident=incident,  # no change
                           hazards=[recent["wiring"]], inspections=[])
    assert AuditLog.objects.filter(entity="safety.incident", action="update").count() == 1


def test_links_must_be_same_school_before_the_incident_and_in_reach(
        world: World, personas: Personas, recent: dict[str, Hazard]) -> None:
    incident = incident_at(world, personas)
    with pytest.raises(ValidationError, match="同一学校"):
        services.link_incident(actor=personas.superuser, incident=incident,
                               hazards=[recent["other"]], inspections=[])
    later = services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                   domain="building", title="事后发现", now=timezone.now())
    with pytest.raises(ValidationError, match="晚于事故发生时间"):
        services.link_incident(actor=personas.school_admin_a, incident=incident,
                               hazards=[later], inspections=[])
    with pytest.raises(ValidationError, match="晚于事故发生时间"):
        incident_at(world, personas, hazards=[later])
    with pytest.raises(PermissionDenied):
        services.link_incident(actor=personas.county_b, incident=incident,
                               hazards=[], inspections=[])


def test_recording_in_two_steps_offers_the_schools_candidates(
        world: World, personas: Personas, recent: dict[str, Hazard]) -> None:
    city = signed_in(personas.city_bureau)  # reaches both schools: step one first
    url = reverse("safety:incidents")
    assert "第一步：选择学校" in city.get(url).content.decode()
    page = city.get(url, {"school": world.school_a.pk, "domain": "electric"}).content.decode()
    assert "配电箱未上锁" in page and "楼梯扶手松动" in page and "外校隐患" not in page
    assert page.index("配电箱未上锁") < page.index("楼梯扶手松动")  # the category's first
    occurred = timezone.localtime(timezone.now() - DAY).strftime("%Y-%m-%dT%H:%M")
    form = {"institution": world.school_a.pk, "occurred_at": occurred, "domain": "building",
            "severity": "IV", "title": "学生扶手处摔伤", "injured": 1, "deaths": 0}
    refused = city.post(url, {**form, "hazards": [recent["other"].pk]})
    assert refused.status_code == 200 and "不属于该学校的可选隐患" in refused.content.decode()
    assert not Incident.objects.exists()
    done = city.post(url, {**form, "hazards": [recent["stairs"].pk]}, follow=True)
    incident = Incident.objects.get()
    assert list(incident.hazards.all()) == [recent["stairs"]]
    detail = done.content.decode()
    assert "已登记事故" in detail
    assert reverse("safety:hazard_detail", args=[recent["stairs"].pk]) in detail
    listing = city.get(url).content.decode()
    assert reverse("safety:hazard_detail", args=[recent["stairs"].pk]) in listing
    hazard_page = city.get(reverse("safety:hazard_detail", args=[recent["stairs"].pk]))
    assert reverse("safety:incident_detail", args=[incident.pk]) in hazard_page.content.decode()
    # A school admin reaches one school: no step one, that school's candidates straight away.
    page = signed_in(personas.school_admin_a).get(url).content.decode()
    assert "第一步" not in page and "楼梯扶手松动" in page


def test_links_page_edits_and_is_scoped(world: World, personas: Personas,
                                        recent: dict[str, Hazard],
                                        safety: SafetyWorld) -> None:
    incident = incident_at(world, personas, hazards=[recent["stairs"]])
    url = reverse("safety:incident_links", args=[incident.pk])
    teacher = signed_in(personas.teacher_a)
    page = teacher.get(url).content.decode()
    assert "楼梯扶手松动" in page and "checked" in page
    response = teacher.post(url, {"hazards": [recent["wiring"].pk]}, follow=True)
    assert "已保存关联：隐患 1 条" in response.content.decode()
    assert list(incident.hazards.all()) == [recent["wiring"]]
    teacher.post(url, {"csrfmiddlewaretoken": "x"})  # nothing ticked: every link removed
    assert not incident.hazards.exists()
    future = Inspection.objects.create(
        institution=world.school_a, template=safety.template, domain="fire",
        due_date=timezone.localdate(), state="planned", state_changed_at=timezone.now())
    late = teacher.post(url, {"inspections": [future.pk]})
    assert "晚于事故发生时间" in late.content.decode() and not incident.inspections.exists()
    assert signed_in(personas.county_b).get(url).status_code == 404
    assert signed_in(personas.county_b).get(
        reverse("safety:incident_detail", args=[incident.pk])).status_code == 404


def test_planning_a_schedule_from_its_page_is_idempotent(
        personas: Personas, safety: SafetyWorld) -> None:
    url = reverse("safety:schedule_plan", args=[safety.schedule.pk])
    principal = signed_in(personas.school_admin_a)
    assert safety.schedule.inspections.count() == 5
    week = {"start": "2025-10-20", "end": "2025-10-24"}
    first = principal.post(url, week, follow=True).content.decode()
    assert "已生成检查 5 次" in first
    again = principal.post(url, {"start": "2025-10-13", "end": "2025-10-24"}, follow=True)
    assert "没有新增" in again.content.decode()
    assert safety.schedule.inspections.count() == 10
    bad = principal.post(url, {"start": "2025-10-24", "end": "2025-10-20"})
    assert "结束日期不能早于开始日期" in bad.content.decode()
    assert "生成检查" in principal.get(reverse("safety:schedules")).content.decode()
    assert signed_in(personas.teacher_a).post(url, week).status_code == 403
    assert signed_in(personas.county_b).post(url, week).status_code == 404
    with pytest.raises(PermissionDenied):
        services.plan_inspections(actor=personas.teacher_a, plan=safety.schedule,
                                  start=dt.date(2025, 11, 3), end=dt.date(2025, 11, 7))
    assert safety.schedule.inspections.count() == 10
