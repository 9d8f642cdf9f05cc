"""One error shape for every error: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from edugov.registry import selectors, services
from tests.api.conftest import session_client

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def error_of(response, status: int, code: str):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert CHINESE.search(body["error"]["message"]), body
    return body["error"]


def test_401_not_authenticated(world):
    error_of(Client().get("/api/v1/students"), 401, "not_authenticated")


def test_403_permission_denied(personas, world):
    error = error_of(session_client(personas.teacher_a).patch(
        f"/api/v1/institutions/{world.school_a.code}", {"books": 1},
        content_type="application/json"), 403, "permission_denied")
    assert error["message"] == "无权修改基础数据"


def test_404_out_of_scope_unknown_object_and_unknown_path(personas, world):
    client = session_client(personas.county_a)
    error_of(client.get(f"/api/v1/institutions/{world.school_b.code}"), 404, "not_found")
    error_of(client.get("/api/v1/students/999999"), 404, "not_found")
    error_of(client.get("/api/v1/no-such-route"), 404, "not_found")
    error_of(client.get("/api/"), 404, "not_found")


def test_405_method_not_allowed(personas, world):
    response = session_client(personas.county_a).delete("/api/v1/regions")
    error = error_of(response, 405, "method_not_allowed")
    assert error["details"] == {"allowed": ["GET"]}
    assert response["Allow"] == "GET"


def test_422_query_validation(personas, world):
    client = session_client(personas.county_a)
    error = error_of(client.get("/api/v1/students?page_size=501&sex=X"), 422,
                     "validation_error")
    fields = {d["field"]: d for d in error["details"]}
    assert fields["page_size"]["message"] == "不能大于 500"
    assert fields["sex"]["type"] == "enum"
    error_of(client.get("/api/v1/institutions?region=12"), 422, "validation_error")
    error_of(client.get("/api/v1/classes/abc"), 404, "not_found")  # int converter: no route


def test_422_patch_negative_area_has_field_details(personas, world):
    response = session_client(personas.county_a).patch(
        f"/api/v1/institutions/{world.school_a.code}",
        {"teaching_area_m2": -5, "books": 10}, content_type="application/json")
    error = error_of(response, 422, "validation_error")
    assert error["details"] == [{
        "field": "teaching_area_m2", "loc": ["body", "payload", "teaching_area_m2"],
        "type": "greater_than_equal", "message": "不能小于 0",
    }]
    world.school_a.refresh_from_db()
    assert world.school_a.books == 0  # nothing was written


def test_422_from_a_service_validation_error(personas, world, monkeypatch):
    def refuse(**kwargs):  # type: ignore[no-untyped-def]
        raise ValidationError({"books": "图书册数与上报数据不一致"})

    monkeypatch.setattr(services, "update_institution", refuse)
    error = error_of(session_client(personas.county_a).patch(
        f"/api/v1/institutions/{world.school_a.code}", {"books": 1},
        content_type="application/json"), 422, "validation_error")
    assert error["details"] == [{"field": "books", "loc": ["books"], "type": "invalid",
                                 "message": "图书册数与上报数据不一致"}]


def test_422_malformed_json_body(personas, world):
    response = session_client(personas.county_a).patch(
        f"/api/v1/institutions/{world.school_a.code}", "{not json",
        content_type="application/json")
    assert response.status_code in {400, 422}
    body = response.json()
    assert set(body) == {"error"} and CHINESE.search(body["error"]["message"])


def test_500_server_error_hides_internals(personas, world, monkeypatch, caplog):
    def explode(user):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "regions_for", explode)
    response = session_client(personas.county_a).get("/api/v1/regions")
    error = error_of(response, 500, "server_error")
    assert "secret" not in response.content.decode()
    assert error["details"] is None
    assert "secret internals" in caplog.text  # operators still get the traceback
