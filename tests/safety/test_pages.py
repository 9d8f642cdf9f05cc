"""Pages: scoped lists and details, actions, the phone form, the four lists, public reports."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from edugov.core.models import AuditLog, User
from edugov.safety import services
from edugov.safety.models import Hazard
from tests.conftest import Personas, World
from tests.safety.conftest import T0, SafetyWorld


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def hazard(world: World, personas: Personas) -> Hazard:
    return services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                  domain="fire", title="安全出口指示灯不亮", now=T0)


def test_pages_answer_each_role(client: Client, personas: Personas, safety: SafetyWorld,
                                hazard: Hazard) -> None:
    for user in (personas.teacher_a, personas.school_admin_a, personas.county_a,
                 personas.city_bureau):
        login(client, user)
        for name in ("safety:home", "safety:hazard_list", "safety:inspection_list",
                     "safety:lists", "safety:overview", "safety:notifications",
                     "safety:hazard_new"):
            assert client.get(reverse(name)).status_code == 200, (user, name)
        client.logout()
    assert client.get(reverse("safety:hazard_list")).status_code == 302  # login first


def test_out_of_scope_hazards_and_regions_are_404(client: Client, personas: Personas,
                                                  world: World, hazard: Hazard) -> None:
    login(client, personas.county_b)
    assert client.get(reverse("safety:hazard_detail", args=[hazard.pk])).status_code == 404
    assert hazard.code not in client.get(reverse("safety:hazard_list")).content.decode()
    assert client.get(reverse("safety:lists") + "?region=980101").status_code == 404
    login(client, personas.county_a)
    page = client.get(reverse("safety:hazard_list") + "?grade=general&state=open").content
    assert hazard.code in page.decode()


def test_assign_and_act_through_the_pages(client: Client, personas: Personas,
                                          hazard: Hazard) -> None:
    login(client, personas.school_admin_a)
    detail = reverse("safety:hazard_detail", args=[hazard.pk])
    assert "交办整改" in client.get(detail).content.decode()
    client.post(reverse("safety:hazard_assign", args=[hazard.pk]),
                {"owner_name": "刘老师", "measures": "更换灯管", "grade": "general"})
    hazard.refresh_from_db()
    assert hazard.state == "assigned" and hazard.owner_name == "刘老师"
    for step in ("accept", "submit", "verify", "close"):
        client.post(reverse("safety:hazard_act", args=[hazard.pk]), {"transition": step})
    hazard.refresh_from_db()
    assert hazard.state == "closed"
    response = client.post(reverse("safety:hazard_act", args=[hazard.pk]),
                           {"transition": "reopen"}, follow=True)
    assert "需要填写理由" in response.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).state == "closed"


def test_inspection_form_on_a_phone_records_results(client: Client, personas: Personas,
                                                    safety: SafetyWorld) -> None:
    login(client, personas.teacher_a)
    url = reverse("safety:inspection_form", args=[safety.inspection.pk])
    page = client.get(url).content.decode()
    assert 'capture="environment"' in page and 'inputmode="decimal"' in page
    items = list(safety.template.items.order_by("order"))
    photo = io.BytesIO(b"\xff\xd8jpeg")
    photo.name = "duty.jpg"
    client.post(url, {f"item-{items[0].pk}": "fail", f"note-{items[0].pk}": "堆放杂物",
                      f"item-{items[1].pk}": "pass", f"reading-{items[1].pk}": "1.2",
                      f"item-{items[2].pk}": "pass", f"photo-{items[2].pk}": photo})
    safety.inspection.refresh_from_db()
    assert safety.inspection.state == "completed"
    result = safety.inspection.results.get(item=items[2])
    assert result.evidence["name"] == "duty.jpg" and result.evidence["size"] == 6
    assert Hazard.objects.get().title == "疏散通道畅通，无堆放杂物：堆放杂物"


def test_four_lists_page_and_xlsx_export(client: Client, personas: Personas, world: World,
                                         safety: SafetyWorld, hazard: Hazard) -> None:
    services.appoint(actor=personas.school_admin_a, level="principal", person_name="赵校长",
                     phone="13900002222", institution=world.school_a)
    login(client, personas.county_a)
    query = "?region=980101&start=2025-09-01&end=2025-12-31"
    page = client.get(reverse("safety:lists") + query + "&list=responsibility").content.decode()
    assert "赵校长" in page and "139****2222" in page and "13900002222" not in page
    response = client.get(reverse("safety:lists_export") + query)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["责任清单", "排查清单", "隐患清单", "整改清单"]
    sheet = book["隐患清单"]
    assert sheet["A1"].value == "东城区校园安全隐患清单"
    assert "2025年09月01日" in sheet["A2"].value
    assert sheet["B4"].value == hazard.code and sheet["G4"].value == "一般"
    inspections = book["排查清单"]
    assert [c.value for c in inspections[4]][2:6] == ["消防安全", 5, 0, 0]
    assert AuditLog.objects.filter(action="export", entity="safety.lists").exists()


def test_public_report_is_anonymous_csrf_protected_and_rate_limited(
        world: World, settings: object) -> None:
    cache.clear()
    client = Client(enforce_csrf_checks=True)
    url = reverse("safety:public_report")
    form = client.get(url)
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.content.decode()
    data = {"institution": world.school_a.code, "domain": "surroundings",
            "title": "校门口车辆乱停", "contact": "13812345678"}
    assert client.post(url, data).status_code == 403  # no CSRF token
    token = client.cookies["csrftoken"].value
    data["csrfmiddlewaretoken"] = token
    done = client.post(url, data)
    assert "受理编号" in done.content.decode()
    hazard = Hazard.objects.get()
    assert hazard.source == "public" and hazard.reported_by is None
    for _ in range(4):
        client.post(url, data)
    assert client.post(url, data).status_code == 429
    assert Hazard.objects.count() == 5
    cache.clear()


def test_public_report_honeypot_drops_bots(world: World) -> None:
    cache.clear()
    Client().post(reverse("safety:public_report"), {
        "institution": world.school_a.code, "domain": "fire", "title": "x", "website": "spam"})
    assert not Hazard.objects.exists()
    cache.clear()
