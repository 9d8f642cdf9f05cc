"""Import jobs in the admin: history, view only, scoped like the import pages.

ImportJob declares no ``scope_institution``: a job is anchored to the uploader's region or
school (or to nobody, for a superuser), so the admin lists ``selectors.jobs_for`` — the
same rows the import pages show — and only to users who may import at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from edugov.core.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from edugov.imports import selectors
from edugov.imports.models import ImportIssue, ImportJob

#: Issues shown under a job: a 300k-row file can have as many, the page renders them all.
SHOWN_ISSUES = 200


class ImportIssueInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ImportIssue
    extra = 0
    fields = readonly_fields = ("row", "letter", "column", "reason")
    verbose_name_plural = _("校验错误（前200条，全部见导入任务页面）")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportIssue]:
        return super().get_queryset(request).filter(seq__lt=SHOWN_ISSUES)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The issues are part of the job: whoever may view the (scoped) job sees them.
        return request.user.has_perm("imports.view_importjob")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "entity", "file_name", "user", "status", "valid_rows",
                    "invalid_rows", "finished_at", "stored_file"]
    list_filter = ["entity", "status", "created_at", "finished_at"]
    search_fields = ["file_name", "user__username", "user__display_name"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "entity", "status", "file_name", "stored_file", "user", "region", "institution",
        "academic_year", "skip_invalid", "total", "processed", "valid_rows", "invalid_rows",
        "created", "updated", "unchanged", "message", "created_at", "started_at",
        "finished_at", "file_purged_at")
    inlines = [ImportIssueInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return selectors.jobs_for(request.user).select_related("region", "institution")

    def unscoped_refused(self, request: HttpRequest) -> bool:
        # Scoped by jobs_for above; like the pages, only for users who may import.
        return not selectors.may_import(request.user)

    @admin.display(description=_("上传文件"))
    def stored_file(self, job: ImportJob) -> str:
        if job.file_purged:
            return str(_("文件已按保留期限删除"))
        return job.file.name or "—"
