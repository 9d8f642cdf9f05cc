"""The admin applies the same scoping as the pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from edugov.core.models import User
from edugov.core.roles import Role


@pytest.fixture
def staff_county_a(world) -> Client:  # type: ignore[no-untyped-def]
    """A county-A bureau user with admin access and view/change rights on the registry."""
    user = User.objects.create_user(username="admin_a", is_staff=True)
    user.memberships.create(role=Role.COUNTY_BUREAU, region=world.county_a)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label__in=["registry", "core"],
        codename__regex=r"^(view|change)_"))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("model", "a", "b"), [
    ("student", "student_a", "student_b"),
    ("staff", "staff_a", "staff_b"),
    ("institution", "school_a", "school_b"),
    ("schoolclass", "class_a", "class_b"),
])
def test_staff_user_sees_only_their_jurisdiction(staff_county_a, world, model, a, b) -> None:  # type: ignore[no-untyped-def]
    changelist = staff_county_a.get(reverse(f"admin:registry_{model}_changelist"))
    assert changelist.status_code == 200
    shown = {obj.pk for obj in changelist.context["cl"].result_list}
    assert shown == {getattr(world, a).pk}
    out_of_scope = reverse(f"admin:registry_{model}_change", args=[getattr(world, b).pk])
    # The admin redirects to its index with a "does not exist" message for unseen rows.
    assert staff_county_a.get(out_of_scope).status_code == 302
    inside = reverse(f"admin:registry_{model}_change", args=[getattr(world, a).pk])
    assert staff_county_a.get(inside).status_code == 200


def test_admin_lists_mask_id_numbers(client_for, world) -> None:  # type: ignore[no-untyped-def]
    page = client_for("superuser").get(reverse("admin:registry_student_changelist"))
    assert world.student_a.id_number not in page.content.decode()


def test_users_memberships_and_audit_are_superuser_only(staff_county_a) -> None:  # type: ignore[no-untyped-def]
    for name in ("core_user", "core_membership", "core_auditlog"):
        assert staff_county_a.get(reverse(f"admin:{name}_changelist")).status_code == 403


def test_audit_log_is_read_only(client_for) -> None:  # type: ignore[no-untyped-def]
    root = client_for("superuser")
    assert root.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    assert root.get(reverse("admin:core_auditlog_add")).status_code == 403


def test_foreign_keys_cannot_point_outside_the_jurisdiction(staff_county_a, world) -> None:  # type: ignore[no-untyped-def]
    form = staff_county_a.get(reverse("admin:registry_schoolclass_change",
                                      args=[world.class_a.pk])).context["adminform"].form
    assert list(form.fields["institution"].queryset) == [world.school_a]
    assert world.staff_b not in form.fields["head_teacher"].queryset
    # Posting another county's school is a validation error, not a silent move.
    response = staff_county_a.post(
        reverse("admin:registry_schoolclass_change", args=[world.class_a.pk]),
        {"institution": world.school_b.pk, "academic_year": world.year.pk, "grade": 3,
         "number": 1, "name": "", "head_teacher": ""})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    world.class_a.refresh_from_db()
    assert world.class_a.institution == world.school_a
