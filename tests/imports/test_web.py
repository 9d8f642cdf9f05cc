"""The web flow: upload → validation report → confirm → progress → done; access; exports."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from edugov.core.models import AuditLog
from edugov.imports.models import ImportJob
from edugov.registry.models import Student


def client_for(user, **kwargs) -> Client:  # type: ignore[no-untyped-def]
    client = Client(**kwargs)
    client.force_login(user)
    return client


def upload(client, path, entity="students", **data):  # type: ignore[no-untyped-def]
    with open(path, "rb") as handle:
        return client.post(reverse("imports:upload", args=[entity]), {"file": handle, **data})


@pytest.fixture
def county_a(personas, media):  # type: ignore[no-untyped-def]
    return client_for(personas.county_a)


def test_upload_report_confirm_done(county_a, students_xlsx, student_row, personas):
    good, bad = student_row(), student_row(sex="女")
    response = upload(county_a, students_xlsx([good, bad, student_row()]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:job", args=[job.pk])
    # The immediate task backend has validated it already.
    assert (job.status, job.total, job.valid_rows, job.invalid_rows, job.created) == (
        "validated", 3, 2, 1, 2)
    assert (job.user, job.region) == (personas.county_a, personas.county_a.memberships.get().region)
    page = county_a.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200 and "性别与身份证号不一致" in html and "仅导入有效行" in html
    assert Student.objects.count() == 2  # nothing written yet

    status = county_a.get(reverse("imports:job_status", args=[job.pk])).json()
    assert status["status"] == "validated" and status["invalid"] == 1 and not status["running"]

    refused = county_a.post(reverse("imports:job_confirm", args=[job.pk]), {"mode": "all"})
    assert refused.status_code == 302
    assert ImportJob.objects.get().status == "validated"

    county_a.post(reverse("imports:job_confirm", args=[job.pk]), {"mode": "valid"})
    job.refresh_from_db()
    assert (job.status, job.created, job.skip_invalid) == ("done", 2, True)
    assert job.finished_at is not None
    assert Student.objects.filter(student_no=good[0]).exists()
    assert not Student.objects.filter(student_no=bad[0]).exists()
    assert "导入完成" in county_a.get(reverse("imports:job", args=[job.pk])).content.decode()
    # A second confirmation does nothing.
    county_a.post(reverse("imports:job_confirm", args=[job.pk]), {"mode": "valid"})
    assert AuditLog.objects.filter(action="import").count() == 1


def test_all_valid_file_imports_all(county_a, students_xlsx, student_row):
    upload(county_a, students_xlsx([student_row(), student_row()]))
    job = ImportJob.objects.get()
    assert job.invalid_rows == 0
    county_a.post(reverse("imports:job_confirm", args=[job.pk]), {"mode": "all"})
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 2)


def test_progress_page_polls_while_running(county_a, students_xlsx, student_row):
    upload(county_a, students_xlsx([student_row()]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="importing", total=10, processed=4)
    html = county_a.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "<progress" in html and reverse("imports:job_status", args=[job.pk]) in html
    status = county_a.get(reverse("imports:job_status", args=[job.pk])).json()
    assert (status["running"], status["processed"], status["total"]) == (True, 4, 10)


def test_error_workbook_download(county_a, students_xlsx, student_row):
    upload(county_a, students_xlsx([student_row(), student_row(birth_date="2016-13-01")]))
    job = ImportJob.objects.get()
    response = county_a.get(reverse("imports:job_errors", args=[job.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 2
    assert sheet["D2"].comment.text == "日期2016-13-01不存在"
    assert sheet["D2"].fill.fgColor.rgb.endswith("FFC7CE")


def test_errors_report_is_paginated(county_a, students_xlsx, student_row):
    upload(county_a, students_xlsx([student_row(sex="女") for _ in range(60)]))
    job = ImportJob.objects.get()
    assert job.issues.count() == 60
    first = county_a.get(reverse("imports:job", args=[job.pk])).content.decode()
    second = county_a.get(reverse("imports:job", args=[job.pk]) + "?page=2").content.decode()
    assert "<td class=\"num\">51</td>" in first and "<td class=\"num\">52</td>" in second


def test_unusable_upload_fails_the_job_with_the_reason(county_a, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("姓名,年龄\n张三,9\n", encoding="utf-8")
    upload(county_a, path)
    job = ImportJob.objects.get()
    assert job.status == "failed" and "缺少列：学籍号" in job.message
    assert "缺少列：学籍号" in county_a.get(reverse("imports:job", args=[job.pk])).content.decode()


def test_upload_form_and_template_download(county_a):
    page = county_a.get(reverse("imports:upload", args=["students"]))
    assert page.status_code == 200 and reverse("imports:template", args=["students"]) in \
        page.content.decode()
    response = county_a.get(reverse("imports:template", args=["staff"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.worksheets[0]["A1"].value == "身份证号"
    assert county_a.get(reverse("imports:upload", args=["pupils"])).status_code == 404


def test_upload_size_limit(county_a, students_xlsx, student_row, settings):
    settings.EDUGOV_IMPORT_MAX_BYTES = 1000
    response = upload(county_a, students_xlsx([student_row() for _ in range(30)]))
    assert response.status_code == 200 and "文件超过上传大小上限" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_wrong_suffix_is_refused(county_a, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x")
    response = upload(county_a, path)
    assert "仅支持" in response.content.decode() and not ImportJob.objects.exists()


def test_csrf_is_enforced(personas, media, students_xlsx, student_row):
    client = client_for(personas.county_a, enforce_csrf_checks=True)
    assert upload(client, students_xlsx([student_row()])).status_code == 403
    assert client.post(reverse("imports:job_confirm", args=[1])).status_code == 403


@pytest.mark.parametrize("who", ["teacher_a", "parent", "tutoring_operator"])
def test_roles_without_write_access_get_403(personas, media, who):
    client = client_for(getattr(personas, who))
    for url in (reverse("imports:index"), reverse("imports:upload", args=["students"]),
                reverse("imports:template", args=["students"])):
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("imports:index"))
    assert response.status_code == 302 and "login" in response.url


def test_jobs_of_another_jurisdiction_are_404(personas, media, students_xlsx, student_row):
    county_a = client_for(personas.county_a)
    upload(county_a, students_xlsx([student_row(sex="女")]))
    job = ImportJob.objects.get()
    county_b = client_for(personas.county_b)
    for name in ("imports:job", "imports:job_status", "imports:job_errors"):
        assert county_b.get(reverse(name, args=[job.pk])).status_code == 404
    assert county_b.post(reverse("imports:job_confirm", args=[job.pk]),
                         {"mode": "valid"}).status_code == 404
    # The city bureau above county A, and another writer in county A's school, see it.
    assert client_for(personas.city_bureau).get(
        reverse("imports:job", args=[job.pk])).status_code == 200
    assert job.pk not in [j.pk for j in county_b.get(
        reverse("imports:index")).context["jobs"]]


def test_school_admin_sees_own_school_jobs_only(personas, media, students_xlsx, student_row):
    upload(client_for(personas.school_admin_a), students_xlsx([student_row()]))
    job = ImportJob.objects.get()
    assert job.institution_id == personas.school_admin_a.memberships.get().institution_id
    assert client_for(personas.county_a).get(
        reverse("imports:job", args=[job.pk])).status_code == 200
    assert client_for(personas.county_b).get(
        reverse("imports:job", args=[job.pk])).status_code == 404


def test_web_export_scoped_masked_audited(personas, world, media):
    response = client_for(personas.county_a).get(
        reverse("imports:export", kwargs={"entity": "students", "fmt": "csv"}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert world.student_a.name in text and world.student_b.name not in text
    assert world.student_a.id_number not in text
    log = AuditLog.objects.get(action="export")
    assert log.details["via"] == "web" and log.details["rows"] == 1
    assert log.details["unmasked"] is False


def test_web_export_unmasked_and_refusals(personas, world, media):
    url = reverse("imports:export", kwargs={"entity": "staff", "fmt": "xlsx"})
    response = client_for(personas.county_b).get(url + "?unmasked=1")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A2"].value == world.staff_b.id_number and sheet.max_row == 2
    assert AuditLog.objects.get(action="export").details["unmasked"] is True
    assert client_for(personas.teacher_a).get(url).status_code == 403
    assert client_for(personas.parent).get(url).status_code == 403
    assert client_for(personas.county_a).get(
        reverse("imports:export", kwargs={"entity": "staff", "fmt": "pdf"})).status_code == 404
