"""Import pages (upload → validation report → confirm → progress) and scoped exports.

Only users with a registry write role reach the import pages (403 otherwise); a job is
fetched through ``jobs_for``, so another jurisdiction's job answers 404.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import wraps
from io import BytesIO
from typing import IO, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from edugov.core.models import User
from edugov.imports import selectors, services, tasks, workbooks
from edugov.imports.entities import IMPORTERS
from edugov.imports.forms import CappedUpload, UploadForm, too_large_message
from edugov.imports.models import Entity, ImportJob
from edugov.imports.pipeline import RowError
from edugov.imports.reading import UnusableInput
from edugov.web.pagination import paginate

View = Callable[..., HttpResponseBase]
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}
RECENT_JOBS = 20


def import_page(view: View) -> View:
    """Signed in with a registry write role (403 otherwise)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not selectors.may_import(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def acting(request: HttpRequest) -> User:
    return cast(User, request.user)


def entity_or_404(entity: str) -> str:
    if entity not in Entity.values:
        raise Http404
    return entity


def job_or_404(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(selectors.jobs_for(request.user), pk=pk)


@import_page
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "imports/index.html", {
        "entities": Entity.choices,
        "jobs": selectors.jobs_for(request.user)[:RECENT_JOBS],
    })


@csrf_exempt
@import_page
def upload(request: HttpRequest, entity: str) -> HttpResponse:
    # The size cap must be in place before anything reads the body, CSRF included.
    cast(list[FileUploadHandler], request.upload_handlers).insert(0, CappedUpload(request))
    return _upload(request, entity_or_404(entity))


@csrf_protect
def _upload(request: HttpRequest, entity: str) -> HttpResponse:
    importer = IMPORTERS[entity]
    form = UploadForm(request.POST or None, request.FILES or None, needs_year=importer.needs_year)
    if request.method == "POST":
        if getattr(request, "import_upload_too_large", False):
            # The handler dropped the file; say why instead of "this field is required".
            form.is_valid()
            form.errors["file"] = form.error_class([too_large_message()])
        elif form.is_valid():
            job = services.create_job(actor=acting(request), entity=entity,
                                      upload=form.cleaned_data["file"],
                                      year=form.cleaned_data.get("year"))
            tasks.validate_import.enqueue(job.pk)
            return redirect("imports:job", pk=job.pk)
    return render(request, "imports/upload.html", {
        "entity": entity, "label": Entity(entity).label, "form": form,
        "columns": importer.columns,
    })


@import_page
def template(request: HttpRequest, entity: str) -> HttpResponseBase:
    entity = entity_or_404(entity)
    buffer = BytesIO()
    workbooks.write_template(entity, buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, content_type=FORMATS["xlsx"],
                        filename=f"{Entity(entity).label}导入模板.xlsx")


@never_cache
@import_page
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_or_404(request, pk)
    return render(request, "imports/job.html", {
        "job": job, "label": Entity(job.entity).label,
        "page": paginate(request, selectors.issues_of(job)),
        "status": job_as_dict(job),
    })


@never_cache
@import_page
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse(job_as_dict(job_or_404(request, pk)))


@import_page
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_or_404(request, pk)
    skip_invalid = request.POST.get("mode") == "valid"
    if services.confirm_job(actor=acting(request), job=job, skip_invalid=skip_invalid):
        tasks.run_import.enqueue(job.pk)
    else:
        messages.error(request, _("该任务当前不能导入（可能已在导入中，"
                                  "或存在无效行需选择“仅导入有效行”）"))
    return redirect("imports:job", pk=job.pk)


@import_page
def job_errors(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = job_or_404(request, pk)
    errors = [RowError(row=i.row, letter=i.letter, column=i.column, reason=i.reason)
              for i in selectors.issues_of(job)]
    if not errors:
        raise Http404
    if job.file_purged or not job.file or not job.file.storage.exists(job.file.name):
        # The error workbook copies the bad rows from the uploaded file: gone, say so.
        messages.error(request, _("文件已按保留期限删除，无法生成错误行文件") if job.file_purged
                       else _("上传的文件已不存在，无法生成错误行文件"))
        return redirect("imports:job", pk=job.pk)
    handle = _temporary_output(lambda path: workbooks.write_errors(job.file.path, errors, path),
                               ".xlsx")
    return FileResponse(handle, as_attachment=True, content_type=FORMATS["xlsx"],
                        filename=f"{Entity(job.entity).label}导入错误行.xlsx")


@login_required
def export(request: HttpRequest, entity: str, fmt: str) -> HttpResponseBase:
    entity = entity_or_404(entity)
    if fmt not in FORMATS:
        raise Http404
    unmasked = request.GET.get("unmasked") == "1"
    if not selectors.may_export(request.user) or (unmasked
                                                  and not selectors.may_unmask(request.user)):
        raise PermissionDenied
    try:
        handle = _temporary_output(lambda path: services.export_entity(
            actor=acting(request), entity=entity, fmt=fmt, out=path, unmasked=unmasked,
            via="web"), f".{fmt}")
    except UnusableInput as exc:
        messages.error(request, exc.message)
        return redirect("imports:index")
    name = f"{Entity(entity).label}-{timezone.localdate():%Y%m%d}.{fmt}"
    return FileResponse(handle, as_attachment=True, content_type=FORMATS[fmt], filename=name)


def _temporary_output(write: Callable[[str], Any], suffix: str) -> IO[bytes]:
    """Let ``write`` fill a temporary file; return it open for reading, already unlinked."""
    descriptor, path = tempfile.mkstemp(suffix=suffix, prefix="edugov-")
    os.close(descriptor)
    try:
        write(path)
        return open(path, "rb")
    finally:
        os.unlink(path)


def job_as_dict(job: ImportJob) -> dict[str, Any]:
    writing = job.status == ImportJob.Status.IMPORTING and job.total and \
        job.processed >= job.total
    return {
        "id": job.pk, "entity": job.entity, "status": job.status,
        "status_label": str(job.get_status_display()),
        "phase": _("正在写入数据库…") if writing else str(job.get_status_display()),
        "total": job.total, "processed": job.processed, "valid": job.valid_rows,
        "invalid": job.invalid_rows, "created": job.created, "updated": job.updated,
        "unchanged": job.unchanged, "message": job.message, "running": job.is_running,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "file_purged": job.file_purged,
    }
