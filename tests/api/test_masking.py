"""Personal data is masked by default; unmasking is explicit, role-limited and audited."""

from __future__ import annotations

import pytest

from edugov.core.models import AuditLog
from tests.api.conftest import session_client

pytestmark = pytest.mark.django_db


def test_lists_and_details_are_masked_by_default(personas, world):
    client = session_client(personas.county_a)
    student = world.student_a
    listed = client.get("/api/v1/students").json()["items"][0]
    detail = client.get(f"/api/v1/students/{student.pk}").json()
    for row in (listed, detail):
        assert row["student_no"] == "G" + row["id_number"]  # the 学籍号 embeds the ID number
        assert row["id_number"] == student.id_number[:6] + "********" + student.id_number[-4:]
        assert row["guardian_phone"] == "138****5678"
        assert row["address"].endswith("******") and row["address"] != student.address
    assert detail["masked"] is True
    staff = client.get(f"/api/v1/staff/{world.staff_a.pk}").json()
    assert staff["id_number"] != world.staff_a.id_number and staff["phone"] == "139****1111"
    assert not AuditLog.objects.filter(action="unmask").exists()


def test_lists_ignore_unmask(personas, world):
    row = session_client(personas.county_a).get("/api/v1/students?unmask=true").json()
    assert row["items"][0]["id_number"] != world.student_a.id_number


@pytest.mark.parametrize("persona", ["county_a", "city_bureau", "school_admin_a", "superuser"])
def test_unmask_on_request_is_audited(persona, personas, world):
    user = getattr(personas, persona)
    client = session_client(user)
    student = client.get(f"/api/v1/students/{world.student_a.pk}?unmask=true").json()
    assert student["masked"] is False
    assert student["id_number"] == world.student_a.id_number
    assert student["student_no"] == world.student_a.student_no
    assert student["address"] == world.student_a.address
    assert student["guardian_phone"] == world.student_a.guardian_phone
    staff = client.get(f"/api/v1/staff/{world.staff_a.pk}?unmask=true").json()
    assert staff["id_number"] == world.staff_a.id_number and staff["phone"] == "13900001111"
    logs = list(AuditLog.objects.filter(action="unmask").order_by("pk"))
    assert [(log.user, log.entity, log.object_id) for log in logs] == [
        (user, "registry.student", str(world.student_a.pk)),
        (user, "registry.staff", str(world.staff_a.pk)),
    ]
    assert logs[0].summary == "student_no,id_number,address,guardian_phone"


def test_teacher_may_not_unmask(personas, world):
    response = session_client(personas.teacher_a).get(
        f"/api/v1/students/{world.student_a.pk}?unmask=true")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not AuditLog.objects.filter(action="unmask").exists()


def test_unmask_out_of_scope_is_404_and_not_audited(personas, world):
    response = session_client(personas.county_a).get(
        f"/api/v1/students/{world.student_b.pk}?unmask=true")
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action="unmask").exists()
