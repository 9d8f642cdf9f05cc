"""/api/v1/safety: the hazard path through the API, errors in the one shape, the lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from edugov.core.models import AuditLog
from edugov.safety import services
from edugov.safety.models import Hazard
from edugov.workflow.selectors import history_of as hazard_history
from tests.api.conftest import session_client, token_client
from tests.conftest import Personas, World
from tests.safety.conftest import T0, SafetyWorld

API = "/api/v1/safety"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=body, content_type="application/json")


@pytest.fixture
def hazard(world: World, personas: Personas) -> Hazard:
    return services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                  domain="fire", grade="significant", title="疏散通道堵塞",
                                  now=T0)


def test_hazard_path_through_the_api(personas: Personas, hazard: Hazard) -> None:
    principal, teacher = token_client(personas.school_admin_a), token_client(personas.teacher_a)
    county = token_client(personas.county_a)
    url = f"{API}/hazards/{hazard.pk}/actions"

    refused = post(teacher, url, {"action": "assign", "owner_name": "刘老师", "measures": "清理"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    incomplete = post(principal, url, {"action": "assign", "owner_name": "刘老师"})
    assert incomplete.status_code == 422
    assert incomplete.json()["error"]["code"] == "validation_error"

    done = post(principal, url, {"action": "assign", "owner_name": "刘老师", "measures": "清理"})
    assert done.status_code == 200 and done.json()["state"] == "assigned"
    assert post(teacher, url, {"action": "accept"}).json()["state"] == "rectifying"
    submitted = post(teacher, url, {"action": "submit", "evidence_note": "已清理"}).json()
    assert submitted["state_label"] == "待验收"
    # 较大: the school may not sign it off, the county may.
    assert post(principal, url, {"action": "verify"}).status_code == 403
    no_reason = post(county, url, {"action": "return"})
    assert no_reason.status_code == 422
    assert "需要填写理由" in no_reason.json()["error"]["details"][0]["message"]
    assert post(county, url, {"action": "verify"}).json()["state"] == "verified"
    closed = post(county, url, {"action": "close"}).json()
    assert closed["state"] == "closed" and closed["closed_on_time"] is False  # T0 is long past
    wrong_state = post(principal, url, {"action": "accept"})
    assert wrong_state.status_code == 422 and "当前状态为“已销号”" in wrong_state.content.decode()
    assert [a["name"] for a in closed["actions"]] == ["reopen"]

    history = county.get(f"{API}/hazards/{hazard.pk}/history").json()
    assert [(h["action"], h["to_label"], h["actor"]) for h in history["items"]] == [
        ("上报", "已上报", "teacher_a"), ("交办整改", "已交办", "school_a"),
        ("开始整改", "整改中", "teacher_a"), ("提交验收", "待验收", "teacher_a"),
        ("验收通过", "已验收", "county_a"), ("销号", "已销号", "county_a")]
    assert history["items"][3]["evidence"] == "已清理"
    assert history["institution"]["code"] == hazard.institution.code


def test_session_writes_need_csrf(personas: Personas, hazard: Hazard) -> None:
    client = session_client(personas.school_admin_a, enforce_csrf_checks=True)
    response = post(client, f"{API}/hazards/{hazard.pk}/actions", {"action": "dismiss",
                                                                  "reason": "重复上报"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"


def test_hazard_list_filters_and_scope(personas: Personas, world: World, hazard: Hazard) -> None:
    services.report_hazard(actor=personas.county_b, institution=world.school_b, domain="food",
                           title="冷库温度超标", now=T0)
    city = token_client(personas.city_bureau)
    everything = city.get(f"{API}/hazards").json()
    assert everything["count"] == 2 and everything["page_size"] == 50
    only_a = city.get(f"{API}/hazards?region=980101&state=open&grade=significant").json()
    assert [h["id"] for h in only_a["items"]] == [hazard.pk]
    assert only_a["items"][0]["institution"] == {"code": "3198010101", "name": "东城实验小学"}
    assert only_a["items"][0]["overdue"] is True  # T0 + 15 days is long past
    assert city.get(f"{API}/hazards?domain=food").json()["count"] == 1
    assert city.get(f"{API}/hazards?region=98").status_code == 422
    county_b = token_client(personas.county_b)
    assert county_b.get(f"{API}/hazards/{hazard.pk}").status_code == 404
    assert county_b.get(f"{API}/hazards").json()["count"] == 1


def test_inspection_detail_shows_results_and_hazards(personas: Personas,
                                                    safety: SafetyWorld) -> None:
    items = list(safety.template.items.order_by("order"))
    raised = services.record_inspection(
        actor=personas.teacher_a, inspection=safety.inspection, now=T0, answers=[
            services.Answer(items[0].pk, passed=True),
            services.Answer(items[1].pk, passed=True, reading=0.6),  # out of range: fails
            services.Answer(items[2].pk, passed=True, evidence={"name": "log.jpg"})])
    client = token_client(personas.school_admin_a)
    listed = client.get(f"{API}/inspections?state=completed").json()
    assert [i["id"] for i in listed["items"]] == [safety.inspection.pk]
    detail = client.get(f"{API}/inspections/{safety.inspection.pk}").json()
    assert detail["state_label"] == "已完成"
    assert [(r["passed"], r["hazard_id"]) for r in detail["results"]] == [
        (True, None), (False, raised[0].pk), (True, None)]
    assert detail["results"][1]["reading_unit"] == "MPa"
    assert client.get(f"{API}/inspections?state=planned&due_from=2025-10-14").json()["count"] == 4


def test_the_four_lists_as_json(personas: Personas, world: World, hazard: Hazard,
                                safety: SafetyWorld) -> None:
    services.appoint(actor=personas.school_admin_a, level="principal", person_name="赵校长",
                     phone="13900002222", institution=world.school_a)
    county = token_client(personas.county_a)
    query = "region=980101&start=2025-09-01&end=2025-12-31"
    hazards = county.get(f"{API}/lists/hazard?{query}").json()
    assert hazards["title"] == "隐患清单" and hazards["headers"][1] == "隐患编号"
    assert hazards["count"] == 1 and hazards["items"][0][1] == hazard.code
    people = county.get(f"{API}/lists/responsibility?{query}").content.decode()
    assert "139****2222" in people and "13900002222" not in people
    paged = county.get(f"{API}/lists/inspection?{query}&page_size=1&page=2").json()
    assert paged["count"] == 1 and paged["items"] == []
    assert county.get(f"{API}/lists/nonsense?{query}").status_code == 422
    assert county.get(f"{API}/lists/hazard?region=980102").status_code == 404
    backwards = county.get(f"{API}/lists/hazard?region=980101&start=2025-12-01&end=2025-11-01")
    assert backwards.status_code == 422
    # School staff get their county's list, limited to their school, without naming a region.
    teacher = token_client(personas.teacher_a)
    mine = teacher.get(f"{API}/lists/hazard?start=2025-09-01&end=2025-12-31").json()
    assert mine["region"] == "980101" and mine["count"] == 1


def test_unauthenticated_is_401(hazard: Hazard) -> None:
    response = Client().get(f"{API}/hazards/{hazard.pk}")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_actions_write_history_and_audit(personas: Personas, hazard: Hazard) -> None:
    client = token_client(personas.school_admin_a)
    before = AuditLog.objects.count()
    post(client, f"{API}/hazards/{hazard.pk}/actions",
         {"action": "dismiss", "reason": "已于上周处理"})
    hazard.refresh_from_db()
    assert hazard.state == "dismissed"
    assert AuditLog.objects.count() > before
    change = list(hazard_history(hazard))[-1]
    assert (change.transition, change.reason) == ("dismiss", "已于上周处理")
