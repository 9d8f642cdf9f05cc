"""Import jobs (a file uploaded on the web, validated, then imported by a task) and their errors."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Entity(models.TextChoices):
    INSTITUTIONS = "institutions", _("学校")
    CLASSES = "classes", _("班级")
    STUDENTS = "students", _("学生")
    STAFF = "staff", _("教职工")


def upload_path(job: ImportJob, filename: str) -> str:
    # A fresh folder per upload: the original name is kept for the user, never trusted as a path.
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"imports/{job.entity}/{uuid.uuid4().hex}{suffix}"


class ImportJob(models.Model):
    """One uploaded file on its way through validation and import (web flow)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队等待校验")
        VALIDATING = "validating", _("正在校验")
        VALIDATED = "validated", _("校验完成，待确认")
        IMPORTING = "importing", _("正在导入")
        DONE = "done", _("导入完成")
        FAILED = "failed", _("失败")

    entity = models.CharField(_("数据类型"), max_length=16, choices=Entity.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices,
                              default=Status.QUEUED)
    file = models.FileField(_("文件"), upload_to=upload_path, max_length=255)
    file_name = models.CharField(_("文件名"), max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("操作人"))
    # Where the job belongs, for who else may see it: the uploader's region (bureaus) or
    # institution (school administrators); both empty for superusers.
    region = models.ForeignKey("registry.Region", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    institution = models.ForeignKey("registry.Institution", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    academic_year = models.ForeignKey("registry.AcademicYear", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+",
                                      verbose_name=_("学年"))
    skip_invalid = models.BooleanField(_("仅导入有效行"), default=False)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    processed = models.PositiveIntegerField(_("已处理行数"), default=0)
    valid_rows = models.PositiveIntegerField(_("有效行数"), default=0)
    invalid_rows = models.PositiveIntegerField(_("无效行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    #: {"reasons": {reason: count}, "extra": {...}} — the report page's headline figures.
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    #: When the retention purge deleted the uploaded file (services.purge_expired_uploads);
    #: the row and its issues stay as history.
    file_purged_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        # The retention purge runs on every upload: finding expired files must stay cheap.
        indexes = [models.Index(fields=["finished_at"], name="import_job_file_kept",
                                condition=models.Q(file_purged_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.get_entity_display()} · {self.file_name}"

    #: Statuses a job never leaves: its file is only history from then on.
    FINISHED = (Status.DONE, Status.FAILED)

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.VALIDATING, self.Status.IMPORTING}

    @property
    def file_purged(self) -> bool:
        return self.file_purged_at is not None


class ImportIssue(models.Model):
    """One bad cell (or row) found when validating a job's file."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    seq = models.PositiveIntegerField()
    row = models.PositiveIntegerField(_("行号"))
    letter = models.CharField(_("列"), max_length=4, blank=True)
    column = models.CharField(_("列名"), max_length=32, blank=True)
    reason = models.CharField(_("原因"), max_length=255)

    class Meta:
        verbose_name = _("导入错误")
        verbose_name_plural = _("导入错误")
        ordering = ["job", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="import_issue_seq")]

    def __str__(self) -> str:
        return f"第{self.row}行 {self.letter}列「{self.column}」：{self.reason}"
