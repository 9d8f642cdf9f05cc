"""Import jobs in the admin: view only, scoped like the import pages, searchable, filterable."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from edugov.core.models import User
from edugov.core.roles import Role
from edugov.imports.models import ImportIssue, ImportJob

CHANGELIST = "admin:imports_importjob_changelist"


def admin_client(world, role: str = Role.COUNTY_BUREAU, **anchor) -> Client:  # type: ignore[no-untyped-def]
    """A staff user of county A (or ``anchor``) holding every imports permission."""
    user = User.objects.create_user(username=f"admin_{role}", is_staff=True)
    user.memberships.create(role=role, **(anchor or {"region": world.county_a}))
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="imports"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def jobs(world, personas):  # type: ignore[no-untyped-def]
    a = ImportJob.objects.create(entity="students", status="failed", file_name="东城学生.xlsx",
                                 file="imports/students/a.xlsx", region=world.county_a,
                                 user=personas.county_a, finished_at=timezone.now())
    b = ImportJob.objects.create(entity="staff", status="done", file_name="西城教职工.xlsx",
                                 file="imports/staff/b.xlsx", region=world.county_b,
                                 user=personas.county_b, finished_at=timezone.now())
    ImportIssue.objects.create(job=a, seq=0, row=5, letter="E", column="身份证号",
                               reason="身份证号校验码错误")
    return a, b


def shown(response) -> set[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return {job.pk for job in response.context["cl"].result_list}


def test_superuser_sees_every_job_and_can_search_and_filter(jobs, personas):
    a, b = jobs
    root = Client()
    root.force_login(personas.superuser)
    url = reverse(CHANGELIST)
    assert shown(root.get(url)) == {a.pk, b.pk}
    assert shown(root.get(url, {"q": "东城"})) == {a.pk}
    assert shown(root.get(url, {"q": "county_b"})) == {b.pk}
    assert shown(root.get(url, {"entity": "staff"})) == {b.pk}
    assert shown(root.get(url, {"status": "failed"})) == {a.pk}
    today = timezone.localdate()
    assert shown(root.get(url, {"created_at__year": today.year,
                                "created_at__month": today.month})) == {a.pk, b.pk}


def test_staff_user_sees_their_jurisdiction_only(jobs, world):
    a, b = jobs
    county_a = admin_client(world)
    assert shown(county_a.get(reverse(CHANGELIST))) == {a.pk}
    # An unseen row: the admin redirects to its index ("does not exist").
    assert county_a.get(reverse("admin:imports_importjob_change", args=[b.pk])).status_code == 302
    page = county_a.get(reverse("admin:imports_importjob_change", args=[a.pk]))
    assert page.status_code == 200 and "身份证号校验码错误" in page.content.decode()


def test_staff_user_without_an_import_role_is_refused(jobs, world):
    teacher = admin_client(world, Role.TEACHER, institution=world.school_a)
    assert teacher.get(reverse(CHANGELIST)).status_code == 403


def test_jobs_are_history_view_only(jobs, world):
    a, _b = jobs
    county_a = admin_client(world)
    assert county_a.get(reverse("admin:imports_importjob_add")).status_code == 403
    assert county_a.get(reverse("admin:imports_importjob_delete", args=[a.pk])).status_code == 403
    change = reverse("admin:imports_importjob_change", args=[a.pk])
    form = county_a.get(change)
    assert "<form" in form.content.decode() and 'name="_save"' not in form.content.decode()
    county_a.post(change, {"file_name": "改名.xlsx", "status": "done"})
    a.refresh_from_db()
    assert (a.file_name, a.status) == ("东城学生.xlsx", "failed")
    # Nor can an error row be removed through the inline.
    assert a.issues.count() == 1


def test_a_purged_file_is_shown_as_such(jobs, personas):
    a, _b = jobs
    ImportJob.objects.filter(pk=a.pk).update(file="", file_purged_at=timezone.now())
    root = Client()
    root.force_login(personas.superuser)
    assert "文件已按保留期限删除" in root.get(reverse(CHANGELIST)).content.decode()
    page = root.get(reverse("admin:imports_importjob_change", args=[a.pk])).content.decode()
    assert "文件已按保留期限删除" in page
