"""Editing the risk register and the areas (楼栋/区域) from the pages: who may, what is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from edugov.core.models import AuditLog
from edugov.core.roles import Role
from edugov.safety import selectors, services
from edugov.safety.models import GridPost, RiskEntry, SafetyArea
from tests.conftest import Personas, World, persona


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def risk(world: World, personas: Personas) -> RiskEntry:
    return services.register_risk(actor=personas.school_admin_a, institution=world.school_a,
                                  domain="laboratory", title="实验室危化品存放", likelihood=2,
                                  severity=4, controls="双人双锁", owner_name="吴老师",
                                  review_due=dt.date(2026, 3, 1))


EDIT = {"domain": "laboratory", "title": "实验室危化品存放", "likelihood": 3, "severity": 5,
        "controls": "双人双锁，专柜存放", "owner_name": "郑老师", "review_due": "2026-06-01",
        "reviewed": "2025-10-20"}


def test_school_admin_edits_and_reviews_a_risk_which_is_regraded(personas: Personas,
                                                                 risk: RiskEntry) -> None:
    principal = signed_in(personas.school_admin_a)
    edit_url = reverse("safety:risk_edit", args=[risk.pk])
    assert edit_url in page(principal, reverse("safety:risks"))  # linked from the register
    form = page(principal, edit_url)
    assert 'value="吴老师"' in form and "销册" in form
    done = principal.post(edit_url, EDIT, follow=True)
    assert "已保存风险点：实验室危化品存放（重大）" in done.content.decode()
    risk.refresh_from_db()
    assert (risk.likelihood, risk.severity, risk.grade) == (3, 5, "major")
    assert (risk.owner_name, risk.last_reviewed) == ("郑老师", dt.date(2025, 10, 20))
    entry = AuditLog.objects.filter(entity="safety.riskentry", action="update").get()
    assert entry.summary == "复评 实验室危化品存放 重大"
    assert entry.details["changed"]["grade"] == ["significant", "major"]
    # A major risk is now on the county's list of 重大风险.
    assert [r.title for r in selectors.major_risks(personas.county_a)] == ["实验室危化品存放"]
    # The county edits its schools' risks too; a review date before the next one is refused.
    bad = signed_in(personas.county_a).post(edit_url, {**EDIT, "review_due": "2025-10-01"})
    assert bad.status_code == 200 and "下次评估日期应晚于本次评估日期" in bad.content.decode()


def test_retiring_a_risk_keeps_it_out_of_the_register_and_it_can_come_back(
        personas: Personas, risk: RiskEntry) -> None:
    principal = signed_in(personas.school_admin_a)
    archive = reverse("safety:risk_archive", args=[risk.pk])
    refused = principal.post(archive, {"action": "retire", "reason": " "}, follow=True)
    assert "请填写销册理由" in refused.content.decode()
    principal.post(archive, {"action": "retire", "reason": "危化品已全部移交处置"})
    risk.refresh_from_db()
    assert risk.active is False  # kept, not deleted
    assert "<td>实验室危化品存放</td>" not in page(principal, reverse("safety:risks"))
    retired = page(principal, reverse("safety:risks") + "?show=retired")
    assert "<td>实验室危化品存放</td>" in retired and "（已销册）" in retired
    assert "已销册" in page(principal, reverse("safety:risk_edit", args=[risk.pk]))
    entry = AuditLog.objects.get(entity="safety.riskentry", summary="销册 实验室危化品存放")
    assert entry.details == {"reason": "危化品已全部移交处置"}
    principal.post(archive, {"action": "reinstate"})
    risk.refresh_from_db()
    assert risk.active is True
    assert "<td>实验室危化品存放</td>" in page(principal, reverse("safety:risks"))


def test_teachers_read_the_registers_but_cannot_change_them(
        personas: Personas, world: World, risk: RiskEntry) -> None:
    area = services.add_area(actor=personas.school_admin_a, institution=world.school_a,
                             name="一号教学楼", kind="teaching")
    teacher = signed_in(personas.teacher_a)
    register = page(teacher, reverse("safety:risks"))
    assert "实验室危化品存放" in register
    assert "登记风险点" not in register
    assert reverse("safety:risk_edit", args=[risk.pk]) not in register
    areas = page(teacher, reverse("safety:areas"))
    assert "一号教学楼" in areas and "添加区域" not in areas
    assert teacher.get(reverse("safety:risk_edit", args=[risk.pk])).status_code == 403
    assert teacher.post(reverse("safety:risk_archive", args=[risk.pk]),
                        {"action": "retire", "reason": "x"}).status_code == 403
    assert teacher.get(reverse("safety:area_edit", args=[area.pk])).status_code == 403
    # A well-formed POST to the register is refused by the service, and nothing is created.
    posted = teacher.post(reverse("safety:risks"), {
        "institution": world.school_a.pk, "domain": "fire", "title": "配电房", "likelihood": 1,
        "severity": 1, "controls": "上锁", "owner_name": "某老师", "review_due": "2026-01-01"},
        follow=True)
    assert "只有学校管理员或教育局可以维护" in posted.content.decode()
    assert not RiskEntry.objects.filter(title="配电房").exists()
    risk.refresh_from_db()
    assert risk.active


def test_the_other_county_gets_404(personas: Personas, world: World, risk: RiskEntry) -> None:
    area = services.add_area(actor=personas.county_a, institution=world.school_a,
                             name="东区食堂", kind="canteen")
    county_b = signed_in(personas.county_b)
    for url in (reverse("safety:risk_edit", args=[risk.pk]),
                reverse("safety:area_edit", args=[area.pk])):
        assert county_b.get(url).status_code == 404
    assert "东区食堂" not in page(county_b, reverse("safety:areas"))


def test_manages_follows_memberships_not_the_union_of_roles(world: World,
                                                            risk: RiskEntry) -> None:
    # Teacher at school A and school admin at school B: reaches A, but does not keep A's
    # registers (the scope alone would say "has school_admin and reaches A").
    both = persona("two_hats", Role.TEACHER, institution=world.school_a)
    both.memberships.create(role=Role.SCHOOL_ADMIN, institution=world.school_b)
    assert not services.manages(both, world.school_a)
    assert services.manages(both, world.school_b)
    with pytest.raises(PermissionDenied):
        services.retire_risk(actor=both, risk=risk, reason="x")


def test_areas_with_owners_from_creation_to_retirement(personas: Personas,
                                                       world: World) -> None:
    principal = signed_in(personas.school_admin_a)
    url = reverse("safety:areas")
    assert reverse("safety:areas") in page(principal, reverse("safety:grid"))  # linked
    principal.post(url, {"institution": world.school_a.pk, "name": "一号教学楼",
                         "kind": "teaching", "owner_name": "冯老师", "owner_phone": "13900002222"})
    principal.post(url, {"institution": world.school_a.pk, "name": "食堂", "kind": "canteen"})
    listing = page(principal, url)
    assert "冯老师" in listing and "139****2222" in listing and "暂无" in listing
    gaps = page(principal, reverse("safety:grid"))
    assert "食堂：缺少楼栋/区域责任人" in gaps and "一号教学楼：缺少" not in gaps
    # The same name twice in one school is refused on the form, with what was typed.
    again = principal.post(url, {"institution": world.school_a.pk, "name": "食堂",
                                 "kind": "canteen", "owner_name": "陈师傅"})
    assert again.status_code == 200 and "已有名为“食堂”的区域" in again.content.decode()
    assert 'value="陈师傅"' in again.content.decode()

    building = SafetyArea.objects.get(name="一号教学楼")
    edit = reverse("safety:area_edit", args=[building.pk])
    assert 'value="冯老师"' in page(principal, edit) and "13900002222" not in page(principal, edit)
    # A new owner: the earlier one steps down and is kept; the same owner keeps the phone.
    principal.post(edit, {"name": "一号教学楼（A栋）", "kind": "teaching", "owner_name": "褚老师",
                          "owner_phone": "13900003333"})
    principal.post(edit, {"name": "一号教学楼（A栋）", "kind": "teaching", "owner_name": "褚老师"})
    posts = GridPost.objects.filter(area=building).order_by("pk")
    assert [(p.person_name, p.phone, p.active) for p in posts] == [
        ("冯老师", "13900002222", False), ("褚老师", "13900003333", True)]
    building.refresh_from_db()
    assert building.name == "一号教学楼（A栋）"
    clash = principal.post(edit, {"name": "食堂", "kind": "teaching", "owner_name": "褚老师"})
    assert "已有名为“食堂”的区域" in clash.content.decode()

    # Retired: out of the list and the gaps, its owner steps down; it can come back.
    archive = reverse("safety:area_archive", args=[building.pk])
    principal.post(archive, {"action": "retire"})
    building.refresh_from_db()
    assert building.active is False
    assert not GridPost.objects.filter(area=building, active=True).exists()
    assert "<td>一号教学楼（A栋）</td>" not in page(principal, url)
    assert "<td>一号教学楼（A栋）</td>" in page(principal, url + "?show=retired")
    stale = principal.post(edit, {"name": "一号教学楼（A栋）", "kind": "teaching",
                                  "owner_name": "蒋老师"})
    assert "该区域已停用，请先恢复使用" in stale.content.decode()
    assert not GridPost.objects.filter(person_name="蒋老师").exists()
    principal.post(archive, {"action": "reinstate"})
    assert "一号教学楼（A栋）：缺少楼栋/区域责任人" in page(principal, reverse("safety:grid"))
    summaries = set(AuditLog.objects.filter(entity="safety.safetyarea")
                    .values_list("summary", flat=True))
    assert {"东城实验小学 一号教学楼", "停用区域 东城实验小学 一号教学楼（A栋）",
            "恢复区域 东城实验小学 一号教学楼（A栋）"} <= summaries


def test_a_blank_owner_leaves_the_area_vacant(personas: Personas, world: World) -> None:
    area = services.add_area(actor=personas.county_a, institution=world.school_a, name="操场",
                             kind="sports", owner_name="卫老师")
    services.update_area(actor=personas.county_a, area=area, name="操场", kind="sports",
                         owner_name="")
    assert selectors.area_owner(area) is None
    assert GridPost.objects.get(area=area).person_name == "卫老师"  # kept, stepped down
