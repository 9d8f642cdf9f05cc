"""Retention of uploaded files: finished jobs lose their file after the retention period,
keep their row and errors; the purge is audited, runs on uploads and from the command line."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from edugov.core.models import AuditLog
from edugov.imports import services
from edugov.imports.models import ImportIssue, ImportJob

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def job_with_file(media: Path, *, finished: dt.datetime | None, status: str = "done",
                  region=None, name: str = "学生.xlsx") -> ImportJob:  # type: ignore[no-untyped-def]
    job = ImportJob(entity="students", status=status, file_name=name, finished_at=finished,
                    region=region)
    job.file.save(name, ContentFile(b"uploaded bytes"), save=False)
    job.save()
    return job


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def stored(job: ImportJob, media: Path) -> bool:
    return (media / job.file.name).is_file()


@pytest.fixture
def settings_30(settings):  # type: ignore[no-untyped-def]
    settings.EDUGOV_IMPORT_RETENTION_DAYS = 30
    return settings


def test_purges_finished_jobs_past_retention_and_keeps_their_history(media, db, settings_30):
    old_done = job_with_file(media, finished=NOW - 31 * DAY)
    old_failed = job_with_file(media, finished=NOW - 40 * DAY, status="failed")
    ImportIssue.objects.create(job=old_failed, seq=0, row=2, reason="必填项为空")
    recent = job_with_file(media, finished=NOW - 29 * DAY)
    # Never finished: a validated job waits for its confirmation, a running one reads its file.
    waiting = job_with_file(media, finished=None, status="validated")
    running = job_with_file(media, finished=None, status="importing")
    paths = {job.pk: media / job.file.name for job in (old_done, old_failed)}

    outcome = services.purge_expired_uploads(actor=None, now=NOW)

    assert outcome.purged == 2 and outcome.cutoff == NOW - 30 * DAY
    for job in (old_done, old_failed):
        assert not paths[job.pk].exists()
        job.refresh_from_db()
        assert job.file_purged_at == NOW and not job.file
        assert job.status in {"done", "failed"} and job.file_name == "学生.xlsx"
    assert old_failed.issues.count() == 1
    for job in (recent, waiting, running):
        assert stored(job, media)
        job.refresh_from_db()
        assert job.file_purged_at is None
    audit = AuditLog.objects.get()
    assert (audit.action, audit.entity, audit.details["purged"], audit.details["retention_days"]) \
        == ("delete", "imports.importjob", 2, 30)


def test_a_second_run_finds_nothing_and_audits_nothing(media, db, settings_30):
    job_with_file(media, finished=NOW - 31 * DAY)
    assert services.purge_expired_uploads(actor=None, now=NOW).purged == 1
    assert services.purge_expired_uploads(actor=None, now=NOW + DAY).purged == 0
    assert AuditLog.objects.count() == 1


def test_the_cutoff_is_strict_and_follows_the_setting(media, db, settings):
    settings.EDUGOV_IMPORT_RETENTION_DAYS = 7
    edge = job_with_file(media, finished=NOW - 7 * DAY)
    older = job_with_file(media, finished=NOW - 7 * DAY - dt.timedelta(seconds=1))
    assert services.purge_expired_uploads(actor=None, now=NOW).purged == 1
    assert stored(edge, media) and not stored(older, media)


def test_dry_run_counts_without_deleting(media, db, settings_30):
    job = job_with_file(media, finished=NOW - 31 * DAY)
    outcome = services.purge_expired_uploads(actor=None, now=NOW, dry_run=True)
    assert (outcome.purged, outcome.dry_run) == (1, True)
    assert stored(job, media) and not AuditLog.objects.exists()
    job.refresh_from_db()
    assert job.file_purged_at is None


def test_a_file_already_missing_is_still_marked(media, db, settings_30):
    job = job_with_file(media, finished=NOW - 31 * DAY)
    (media / job.file.name).unlink()
    assert services.purge_expired_uploads(actor=None, now=NOW).purged == 1


@pytest.mark.parametrize("days", [0, -3])
def test_retention_must_be_positive(db, settings, days):
    settings.EDUGOV_IMPORT_RETENTION_DAYS = days
    with pytest.raises(ImproperlyConfigured):
        services.purge_expired_uploads(actor=None, now=NOW)


# --- on upload ---------------------------------------------------------------------------------


def test_an_upload_purges_expired_files(media, personas, students_xlsx, student_row,
                                        settings_30):
    expired = job_with_file(media, finished=timezone.now() - 31 * DAY)
    kept = job_with_file(media, finished=timezone.now() - 29 * DAY)
    client = signed_in(personas.county_a)
    with open(students_xlsx([student_row()]), "rb") as handle:
        client.post(reverse("imports:upload", args=["students"]), {"file": handle})
    new = ImportJob.objects.latest("pk")
    assert new.status == "validated" and stored(new, media)
    assert not stored(expired, media) and stored(kept, media)
    assert AuditLog.objects.get(action="delete").details["via"] == "upload"


def test_an_upload_purges_a_bounded_batch(media, db, settings_30):
    for _ in range(services.PURGE_ON_UPLOAD + 2):
        job_with_file(media, finished=NOW - 31 * DAY)
    outcome = services.purge_expired_uploads(actor=None, now=NOW,
                                             limit=services.PURGE_ON_UPLOAD, via="upload")
    assert outcome.purged == services.PURGE_ON_UPLOAD
    assert ImportJob.objects.filter(file_purged_at__isnull=True).count() == 2


# --- pages of a purged job ---------------------------------------------------------------------


@pytest.fixture
def purged_job(media, world, settings_30) -> ImportJob:  # type: ignore[no-untyped-def]
    job = job_with_file(media, finished=NOW - 31 * DAY, region=world.county_a)
    job.invalid_rows = 1
    job.save()
    ImportIssue.objects.create(job=job, seq=0, row=2, letter="E", column="身份证号",
                               reason="身份证号校验码错误")
    services.purge_expired_uploads(actor=None, now=NOW)
    job.refresh_from_db()
    return job


def test_job_page_says_the_file_was_purged_and_hides_the_error_workbook(purged_job, personas):
    client = signed_in(personas.county_a)
    html = client.get(reverse("imports:job", args=[purged_job.pk])).content.decode()
    assert "文件已按保留期限删除" in html and "身份证号校验码错误" in html
    assert reverse("imports:job_errors", args=[purged_job.pk]) not in html
    assert "文件已按保留期限删除" in client.get(reverse("imports:index")).content.decode()
    status = client.get(reverse("imports:job_status", args=[purged_job.pk])).json()
    assert status["file_purged"] is True


def test_error_workbook_of_a_purged_job_redirects_with_a_message(purged_job, personas):
    client = signed_in(personas.county_a)
    response = client.get(reverse("imports:job_errors", args=[purged_job.pk]), follow=True)
    assert response.redirect_chain == [(reverse("imports:job", args=[purged_job.pk]), 302)]
    assert "文件已按保留期限删除，无法生成错误行文件" in response.content.decode()


def test_error_workbook_still_served_while_the_file_is_kept(media, world, personas,
                                                            students_xlsx, student_row):
    path = students_xlsx([student_row(sex="女")])
    job = ImportJob(entity="students", status="validated", file_name="学生.xlsx",
                    region=world.county_a, invalid_rows=1)
    job.file.save("学生.xlsx", ContentFile(path.read_bytes()), save=False)
    job.save()
    ImportIssue.objects.create(job=job, seq=0, row=2, letter="C", column="性别",
                               reason="性别与身份证号不一致")
    client = signed_in(personas.county_a)
    html = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert reverse("imports:job_errors", args=[job.pk]) in html
    response = client.get(reverse("imports:job_errors", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


# --- command line ------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("imports", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_purge_command_dry_run_then_purge(media, db, settings_30):
    job = job_with_file(media, finished=timezone.now() - 31 * DAY)
    job_with_file(media, finished=timezone.now() - DAY)
    assert "试运行：将删除1个文件" in run("purge", "--dry-run")
    assert stored(job, media)
    assert "已删除1个文件" in run("purge")
    assert not stored(job, media)
    audit = AuditLog.objects.get()
    assert audit.user is None and audit.details["via"] == "cli"


def test_purge_command_days_option(media, db, settings_30):
    job = job_with_file(media, finished=timezone.now() - 3 * DAY)
    assert "已删除1个文件" in run("purge", "--days", "2")
    assert not stored(job, media)


def test_purge_command_refuses_a_bad_number_of_days(db):
    with pytest.raises(CommandError) as refused:
        run("purge", "--days", "0")
    assert refused.value.returncode == 2 and "保留天数必须为正整数" in str(refused.value)
