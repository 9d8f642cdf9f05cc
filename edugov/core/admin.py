"""Admin for users, memberships and the audit log, and the scoping mixin every admin uses.

Only ``is_staff`` users reach the admin at all; among them, a non-superuser sees exactly
the rows ``visible_to`` gives them, as on every other page. Models that declare no scope
(users, memberships, the audit log, API tokens) are for superusers only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from edugov.core.models import AuditLog, Membership, User
from edugov.core.scoping import visible_to


def declares_scope(model: type[models.Model]) -> bool:
    return hasattr(model, "scope_institution") or hasattr(model, "scope_region_path")


class ScopedAdminMixin:
    """Limit an admin's rows, and the choices of its foreign keys, to the user's jurisdiction."""

    model: type[models.Model]
    #: Admin changelists of 300k-row tables: counting every row twice per page is the slow
    #: part, so show "显示全部" without the unfiltered total.
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return scoped(request, queryset)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped(request, field.queryset)
        return field

    def unscoped_refused(self, request: HttpRequest) -> bool:
        return not declares_scope(self.model) and not request.user.is_superuser

    def has_module_permission(self, request: HttpRequest) -> bool:
        return not self.unscoped_refused(request) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (not self.unscoped_refused(request)
                and super().has_view_permission(request, obj))  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (not self.unscoped_refused(request)
                and super().has_change_permission(request, obj))  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return not self.unscoped_refused(request) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (not self.unscoped_refused(request)
                and super().has_delete_permission(request, obj))  # type: ignore[misc]


def scoped(request: HttpRequest, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """``visible_to`` for scoped models; unscoped ones only for superusers."""
    if declares_scope(queryset.model):
        return visible_to(request.user, queryset)
    return queryset if request.user.is_superuser else queryset.none()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["region", "institution"]


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "display_name", "is_active", "is_staff", "is_superuser",
                    "last_login"]
    search_fields = ["username", "display_name", "phone"]
    raw_id_fields = ["staff"]
    inlines = [MembershipInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("平台信息"), {"fields": ("display_name", "phone", "staff")}),
    )


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "region", "institution", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name"]
    raw_id_fields = ["user", "region", "institution"]
    list_select_related = ["user", "region", "institution"]


class ReadOnlyAdminMixin:
    """The audit log is evidence: nobody edits or deletes it through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "user", "action", "entity", "object_id", "summary"]
    list_filter = ["action", "entity"]
    search_fields = ["entity", "object_id", "summary", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "at"
