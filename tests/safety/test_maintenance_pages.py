"""Maintenance pages: the grid, checklists, schedules, the risk register, incidents."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from edugov.safety.models import ChecklistTemplate, GridPost, Incident, RiskEntry, Schedule
from tests.conftest import Personas, World
from tests.safety.conftest import SafetyWorld


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_grid_appoint_replace_and_gaps(personas: Personas, world: World) -> None:
    principal = signed_in(personas.school_admin_a)
    url = reverse("safety:grid")
    page = principal.get(url).content.decode()
    assert "缺少校长（第一责任人）" in page and "缺少学校安全专干" in page
    for name in ("赵校长", "钱校长"):  # the second replaces the first, who is kept
        principal.post(url, {"level": "principal", "institution": world.school_a.pk,
                             "person_name": name, "phone": "13900001111"})
    posts = GridPost.objects.filter(institution=world.school_a, level="principal")
    assert [(p.person_name, p.active) for p in posts.order_by("pk")] == [
        ("赵校长", False), ("钱校长", True)]
    page = principal.get(url).content.decode()
    assert "钱校长" in page and "139****1111" in page and "缺少校长" not in page
    # A school cannot appoint at a school outside its reach: the choice is refused.
    principal.post(url, {"level": "principal", "institution": world.school_b.pk,
                         "person_name": "外校长"})
    assert not GridPost.objects.filter(person_name="外校长").exists()
    # County level posts: the county appoints its 安全股室, a school may not.
    signed_in(personas.county_a).post(url, {"level": "county_section",
                                            "region": world.county_a.pk, "person_name": "孙股长"})
    assert GridPost.objects.get(person_name="孙股长").region == world.county_a
    refused = principal.post(url, {"level": "county_section", "region": world.county_a.pk,
                                   "person_name": "李股长"})
    assert refused.status_code == 200 and not GridPost.objects.filter(person_name="李股长")


def test_checklist_new_version_by_the_bureau_only(personas: Personas,
                                                  safety: SafetyWorld) -> None:
    url = reverse("safety:checklists")
    data = {"code": "FIRE-DAILY", "domain": "fire", "name": "消防日巡查",
            "items": "疏散通道畅通|较大\n灭火器压力正常\n"}
    response = signed_in(personas.school_admin_a).post(url, data, follow=True)
    assert "只有教育局可以发布检查清单" in response.content.decode()
    assert "发布新版本" not in signed_in(personas.teacher_a).get(url).content.decode()
    signed_in(personas.county_a).post(url, data)
    versions = ChecklistTemplate.objects.filter(code="FIRE-DAILY").order_by("version")
    assert [(t.version, t.current) for t in versions] == [(1, False), (2, True)]
    assert [(i.text, i.failure_grade) for i in versions[1].items.order_by("order")] == [
        ("疏散通道畅通", "significant"), ("灭火器压力正常", "general")]
    safety.inspection.refresh_from_db()
    assert safety.inspection.template == versions[0]  # past inspections keep their version
    bad = signed_in(personas.county_a).post(url, {**data, "items": "x|特别"})
    assert "未知的隐患等级" in bad.content.decode()


def test_schedule_risk_and_incident_forms(personas: Personas, world: World,
                                          safety: SafetyWorld) -> None:
    principal = signed_in(personas.school_admin_a)
    principal.post(reverse("safety:schedules"), {
        "institution": world.school_a.pk, "template_code": "FIRE-DAILY", "kind": "self",
        "frequency": "weekly", "inspector_level": "safety_officer",
        "start": "2025-09-01", "end": "2026-01-31"})
    assert Schedule.objects.filter(frequency="weekly", institution=world.school_a).exists()
    principal.post(reverse("safety:risks"), {
        "institution": world.school_a.pk, "domain": "drowning", "title": "校外水塘",
        "likelihood": 4, "severity": 5, "controls": "设置围栏和警示牌", "owner_name": "周老师",
        "review_due": "2026-03-01"})
    risk = RiskEntry.objects.get(title="校外水塘")
    assert risk.grade == "major"
    assert "重大" in principal.get(reverse("safety:risks")).content.decode()
    principal.post(reverse("safety:incidents"), {
        "institution": world.school_a.pk, "occurred_at": "2025-10-20T16:30",
        "domain": "traffic", "severity": "IV", "title": "放学途中学生摔伤", "injured": 1,
        "deaths": 0})
    incident = Incident.objects.get()
    assert incident.occurred_at.date() == dt.date(2025, 10, 20)
    county_b = signed_in(personas.county_b)
    for name in ("safety:risks", "safety:incidents", "safety:schedules"):
        page = county_b.get(reverse(name)).content.decode()
        assert world.school_a.name not in page, name
