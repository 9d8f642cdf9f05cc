"""Users, memberships (role × scope) and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edugov.core.roles import INSTITUTION_ROLES, REGION_ROLES, Role


class User(AbstractUser):
    display_name = models.CharField(_("显示名称"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    # The staff record of a teacher's account, so their home page can show their classes.
    staff = models.OneToOneField(
        "registry.Staff", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="account", verbose_name=_("教职工档案"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def roles(self) -> set[str]:
        return {m.role for m in self.memberships.all()}


class Membership(models.Model):
    """A role a user holds over a scope: a region subtree or one institution."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "registry.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "registry.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role__in=sorted(r.value for r in REGION_ROLES),
                      region__isnull=False, institution__isnull=True)
                    | Q(role__in=sorted(r.value for r in INSTITUTION_ROLES),
                        institution__isnull=False, region__isnull=True)
                    | Q(role__in=[Role.PARENT.value, Role.TUTORING_OPERATOR.value],
                        region__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "institution"], name="membership_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        scope = self.region or self.institution or "-"
        return f"{self.user} · {self.get_role_display()} · {scope}"


class AuditLog(models.Model):
    """One row per write through a service, per export, per unmasking of personal data."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        IMPORT = "import", _("导入")
        EXPORT = "export", _("导出")
        UNMASK = "unmask", _("查看完整信息")
        RESTORE = "restore", _("恢复")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    entity = models.CharField(max_length=64, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity", "object_id"], name="audit_entity_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.entity}:{self.object_id}"


class ApiToken(models.Model):
    """A bearer token for the REST API; only the sha256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the clear token, so a user can tell their tokens apart.
    prefix = models.CharField(_("前缀"), max_length=12, editable=False)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"


class RateCounter(models.Model):
    """Hits of one client in one fixed window of one rate limit (``core/ratelimit.py``).

    A database row rather than a cache entry so every gunicorn worker counts against the
    same number; rows of windows that have ended are deleted as new windows open.
    """

    bucket = models.CharField(max_length=32)
    client = models.CharField(max_length=64)
    #: Start and end of the window, Unix seconds: plain integers compare the same on
    #: SQLite and PostgreSQL, and the window is arithmetic on them.
    window_start = models.BigIntegerField()
    expires = models.BigIntegerField(db_index=True)
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("访问频率计数")
        verbose_name_plural = _("访问频率计数")
        constraints = [models.UniqueConstraint(fields=["bucket", "client", "window_start"],
                                               name="ratecounter_one_per_window")]

    def __str__(self) -> str:
        return f"{self.bucket}:{self.client}@{self.window_start} = {self.hits}"
