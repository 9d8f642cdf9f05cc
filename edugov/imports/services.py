"""Every write of imports and exports: keyword-only, one transaction, one audit row.

``import_<entity>`` validates the whole file first and writes only when every row is
valid (or ``skip_invalid`` is asked), in one transaction with one audit row for the
import. ``actor`` is the acting user, or None for the server operator at the command line
(full scope). Job services drive the same pipeline for the web, run by tasks.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.imports import exports, workbooks
from edugov.imports.bulk import cyclic_gc_paused
from edugov.imports.entities import IMPORTERS
from edugov.imports.models import Entity, ImportIssue, ImportJob
from edugov.imports.pipeline import Context, Progress, RowError, validate, validate_columns
from edugov.imports.reading import UnusableInput, open_table
from edugov.imports.selectors import anchor_of, may_export, may_import, may_unmask
from edugov.registry.models import AcademicYear

#: Errors kept on a job's summary for the headline (all of them go to ImportIssue rows).
TOP_REASONS = 10
#: Files an upload purges on its way (the command line purges any backlog in full).
PURGE_ON_UPLOAD = 20

log = logging.getLogger(__name__)


class ImportConflict(Exception):
    """The database changed between validation and write; nothing was written."""


@dataclass
class ImportOutcome:
    entity: str
    file_name: str
    total: int
    valid: int
    invalid: int
    errors: list[RowError]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    written: bool = False
    dry_run: bool = False

    @property
    def summary(self) -> str:
        return f"valid={self.valid} invalid={self.invalid}"

    @property
    def counts(self) -> str:
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged}"


def resolve_year(year: AcademicYear | int | None) -> AcademicYear:
    """The academic year enrolments and classes go to: given, or the current one."""
    if isinstance(year, AcademicYear):
        return year
    if year is None:
        current = AcademicYear.objects.filter(is_current=True).first()
        if current is None:
            raise UnusableInput("尚未设置当前学年，请指定学年")
        return current
    found = AcademicYear.objects.filter(start_year=year).first()
    if found is None:
        raise UnusableInput(f"{year}–{year + 1}学年不存在，请先在基础数据中创建")
    return found


@cyclic_gc_paused()
def import_file(
    *,
    actor: User | None,
    entity: str,
    path: str | Path,
    file_name: str = "",
    year: AcademicYear | int | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    via: str = "cli",
) -> ImportOutcome:
    """Validate ``path`` as ``entity`` rows and, unless told otherwise, import them."""
    if not may_import(actor):
        raise PermissionDenied("无权导入基础数据")
    importer = IMPORTERS[entity]
    academic_year = resolve_year(year) if importer.needs_year else None
    file_name = file_name or Path(path).name
    ctx = Context(actor=actor, year=academic_year)
    # The workbook is not kept past validation: its cells are the biggest thing in memory.
    checked = validate_columns(importer, path, ctx, progress)
    if checked is None:
        checked = validate(importer, open_table(path), ctx, progress)
    outcome = ImportOutcome(entity=entity, file_name=file_name, total=checked.total,
                            valid=checked.valid, invalid=checked.invalid,
                            errors=checked.errors, dry_run=dry_run)
    if checked.errors and not (skip_invalid or dry_run):
        return outcome
    plan = checked.plan or importer.plan(checked.valid_rows, ctx)
    checked.valid_rows = []  # the plan holds what the write needs; free the parsed rows
    outcome.created, outcome.updated, outcome.unchanged = plan.created, plan.updated, \
        plan.unchanged
    outcome.extra = plan.extra
    if dry_run:
        return outcome
    details = {"file": file_name, "created": plan.created, "updated": plan.updated,
               "unchanged": plan.unchanged, "invalid_skipped": checked.invalid,
               "via": via, **plan.extra}
    if academic_year is not None:
        details["year"] = academic_year.start_year
    try:
        with transaction.atomic():
            importer.write(plan, ctx)
            audit.record(
                actor=actor, action=AuditLog.Action.IMPORT, entity=importer.audit_entity,
                summary=(f"导入{importer.label}「{file_name}」：新增{plan.created}，"
                         f"更新{plan.updated}，未变{plan.unchanged}"),
                details=details)
    except IntegrityError as exc:
        raise ImportConflict("导入期间数据被其他操作修改，未写入任何数据，请重新导入") from exc
    outcome.written = True
    return outcome


def import_institutions(*, actor: User | None, path: str | Path, file_name: str = "",
                        dry_run: bool = False, skip_invalid: bool = False,
                        progress: Progress | None = None, via: str = "cli") -> ImportOutcome:
    return import_file(actor=actor, entity=Entity.INSTITUTIONS, path=path, file_name=file_name,
                       dry_run=dry_run, skip_invalid=skip_invalid, progress=progress, via=via)


def import_classes(*, actor: User | None, path: str | Path, file_name: str = "",
                   year: AcademicYear | int | None = None, dry_run: bool = False,
                   skip_invalid: bool = False, progress: Progress | None = None,
                   via: str = "cli") -> ImportOutcome:
    return import_file(actor=actor, entity=Entity.CLASSES, path=path, file_name=file_name,
                       year=year, dry_run=dry_run, skip_invalid=skip_invalid,
                       progress=progress, via=via)


def import_students(*, actor: User | None, path: str | Path, file_name: str = "",
                    year: AcademicYear | int | None = None, dry_run: bool = False,
                    skip_invalid: bool = False, progress: Progress | None = None,
                    via: str = "cli") -> ImportOutcome:
    return import_file(actor=actor, entity=Entity.STUDENTS, path=path, file_name=file_name,
                       year=year, dry_run=dry_run, skip_invalid=skip_invalid,
                       progress=progress, via=via)


def import_staff(*, actor: User | None, path: str | Path, file_name: str = "",
                 dry_run: bool = False, skip_invalid: bool = False,
                 progress: Progress | None = None, via: str = "cli") -> ImportOutcome:
    return import_file(actor=actor, entity=Entity.STAFF, path=path, file_name=file_name,
                       dry_run=dry_run, skip_invalid=skip_invalid, progress=progress, via=via)


def export_entity(
    *,
    actor: User | None,
    entity: str,
    fmt: str,
    out: str | Path,
    unmasked: bool = False,
    year: AcademicYear | int | None = None,
    via: str = "cli",
) -> int:
    """Write what ``actor`` may see of ``entity`` to ``out``; audited; the row count."""
    if not may_export(actor):
        raise PermissionDenied("无权导出基础数据")
    if unmasked and not may_unmask(actor):
        raise PermissionDenied("您的角色无权导出完整个人信息")
    importer = IMPORTERS[entity]
    academic_year = resolve_year(year) if importer.needs_year else None
    sheet = exports.sheet_for(entity, actor=actor, year=academic_year, unmasked=unmasked)
    written = workbooks.write_table(out, fmt, sheet.headers, sheet.rows,
                                    date_columns=sheet.date_columns, title=importer.label)
    with transaction.atomic():
        audit.record(
            actor=actor, action=AuditLog.Action.EXPORT, entity=importer.audit_entity,
            summary=f"导出{importer.label}{written}行（{'未脱敏' if unmasked else '已脱敏'}）",
            details={"rows": written, "unmasked": unmasked, "format": fmt, "via": via,
                     "personal": sheet.personal})
    return written


# --- web jobs: created by the upload view, advanced by tasks ---------------------------------


def create_job(*, actor: User, entity: str, upload: UploadedFile,
               year: AcademicYear | None = None) -> ImportJob:
    """Store an uploaded file as a queued job (the task validates it next)."""
    if not may_import(actor):
        raise PermissionDenied("无权导入基础数据")
    job = ImportJob(entity=entity, user=actor, file_name=(upload.name or "")[:255],
                    academic_year=year, **anchor_of(actor))
    # Retention needs no scheduler: each upload first clears what has expired meanwhile
    # (one indexed query when nothing has).
    purge_expired_uploads(actor=None, limit=PURGE_ON_UPLOAD, via="upload")
    job.file.save(upload.name or "upload", upload, save=False)
    job.save()
    return job


def _job_progress(job_id: int) -> Progress:
    def report(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed=done, total=total)

    return report


def _store_issues(job: ImportJob, errors: list[RowError]) -> None:
    job.issues.all().delete()
    ImportIssue.objects.bulk_create(
        (ImportIssue(job=job, seq=i, row=e.row, letter=e.letter, column=e.column,
                     reason=e.reason[:255]) for i, e in enumerate(errors)),
        batch_size=2000)
    reasons = Counter(e.reason for e in errors).most_common(TOP_REASONS)
    job.summary = {**job.summary, "reasons": [[r, n] for r, n in reasons]}


def _apply(job: ImportJob, outcome: ImportOutcome) -> None:
    job.total, job.processed = outcome.total, outcome.total
    job.valid_rows, job.invalid_rows = outcome.valid, outcome.invalid
    job.created, job.updated, job.unchanged = outcome.created, outcome.updated, \
        outcome.unchanged
    job.summary = {**job.summary, "extra": outcome.extra}


def _run(job: ImportJob, *, dry_run: bool) -> ImportOutcome:
    if job.user is None:
        # Never fall back to the operator's full scope for a web job.
        raise PermissionDenied("上传该文件的用户已不存在")
    if not job.file:
        raise UnusableInput("上传的文件已不存在")
    return import_file(actor=job.user, entity=job.entity, path=job.file.path,
                       file_name=job.file_name, year=job.academic_year, dry_run=dry_run,
                       skip_invalid=job.skip_invalid, progress=_job_progress(job.pk),
                       via="web")


def _fail(job: ImportJob, message: str) -> ImportJob:
    job.status, job.message, job.finished_at = ImportJob.Status.FAILED, message, timezone.now()
    job.save()
    return job


def validate_job(*, job_id: int) -> ImportJob:
    """Dry-run the job's file; store its errors and the would-be counts for the report."""
    job = ImportJob.objects.select_related("user", "academic_year").get(pk=job_id)
    job.status, job.started_at = ImportJob.Status.VALIDATING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    try:
        outcome = _run(job, dry_run=True)
    except (UnusableInput, PermissionDenied) as exc:
        return _fail(job, exc.message if isinstance(exc, UnusableInput) else str(exc))
    _apply(job, outcome)
    _store_issues(job, outcome.errors)
    job.status = ImportJob.Status.VALIDATED
    job.save()
    return job


def confirm_job(*, actor: User, job: ImportJob, skip_invalid: bool) -> bool:
    """Move a validated job on to importing (once: a second click finds it taken)."""
    if not may_import(actor):
        raise PermissionDenied("无权导入基础数据")
    if job.invalid_rows and not skip_invalid:
        return False
    return bool(ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
        status=ImportJob.Status.IMPORTING, skip_invalid=skip_invalid, processed=0))


def execute_job(*, job_id: int) -> ImportJob:
    """Import the job's file (validated again: the registry may have changed meanwhile)."""
    job = ImportJob.objects.select_related("user", "academic_year").get(pk=job_id)
    try:
        outcome = _run(job, dry_run=False)
    except (UnusableInput, PermissionDenied, ImportConflict) as exc:
        return _fail(job, getattr(exc, "message", None) or str(exc))
    job.refresh_from_db(fields=["summary"])
    _apply(job, outcome)
    _store_issues(job, outcome.errors)
    if not outcome.written:
        return _fail(job, "数据在校验后发生变化，出现无效行，未写入任何数据；请查看错误后重新上传")
    job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
    job.save()
    return job


# --- retention: uploaded files of finished jobs are deleted, the jobs stay -------------------


@dataclass
class PurgeOutcome:
    cutoff: dt.datetime
    purged: int
    dry_run: bool = False


def retention_days(days: int | None = None) -> int:
    """``days``, or EDUGOV_IMPORT_RETENTION_DAYS; at least one."""
    days = settings.EDUGOV_IMPORT_RETENTION_DAYS if days is None else days
    if days < 1:
        raise ImproperlyConfigured(f"保留天数必须为正整数（当前为{days}）")
    return days


def expired_uploads(*, now: dt.datetime, days: int) -> QuerySet[ImportJob]:
    """Finished jobs that ended more than ``days`` before ``now`` and still keep their file."""
    cutoff = now - dt.timedelta(days=days)
    jobs = (ImportJob.objects.filter(file_purged_at__isnull=True, finished_at__lt=cutoff,
                                     status__in=ImportJob.FINISHED)
            .exclude(file="").order_by("finished_at", "pk"))
    return jobs


def purge_expired_uploads(
    *,
    actor: User | None,
    now: dt.datetime | None = None,
    days: int | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    via: str = "cli",
) -> PurgeOutcome:
    """Delete the stored files of jobs finished more than ``days`` ago; one audit row a run."""
    now = now or timezone.now()
    days = retention_days(days)
    cutoff = now - dt.timedelta(days=days)
    expired = expired_uploads(now=now, days=days).only("pk", "file")
    if limit is not None:
        expired = expired[:limit]
    # Read first: on SQLite a transaction is BEGIN IMMEDIATE, a write lock every upload
    # would take for nothing.
    jobs = list(expired)
    if dry_run or not jobs:
        return PurgeOutcome(cutoff=cutoff, purged=len(jobs), dry_run=dry_run)
    purged = 0
    with transaction.atomic():
        for job in jobs:
            # The file goes first: if this transaction then rolls back, the next run finds
            # the row again and deleting a missing file is a no-op.
            try:
                job.file.storage.delete(job.file.name)
            except OSError:
                log.exception("import job %s: could not delete %s", job.pk, job.file.name)
                continue
            # Conditional, so a concurrent run (another upload) does not count it twice.
            purged += ImportJob.objects.filter(pk=job.pk, file_purged_at__isnull=True).update(
                file="", file_purged_at=now)
        if purged:
            audit.record(
                actor=actor, action=AuditLog.Action.DELETE, entity=audit.entity_name(ImportJob),
                summary=f"按保留期限删除{purged}个已结束导入任务的上传文件",
                details={"purged": purged, "cutoff": cutoff.isoformat(),
                         "retention_days": days, "via": via})
    return PurgeOutcome(cutoff=cutoff, purged=purged)
