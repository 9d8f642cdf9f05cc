"""What the top bar shows a user: links their roles open, and who they are acting as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from edugov.core.roles import REGISTRY_ROLES, REGISTRY_WRITE_ROLES, Role
from edugov.core.scoping import memberships_of, scope_of


@dataclass(frozen=True)
class NavLink:
    label: Any
    url: str
    active: bool = False


def optional_reverse(name: str, *args: Any, **kwargs: Any) -> str:
    """Reverse ``name``, or "" when another app has not defined it yet (or no longer does)."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def nav_links(request: HttpRequest) -> list[NavLink]:
    user = request.user
    scope = scope_of(user)
    wanted: list[tuple[Any, str]] = []
    if user.is_authenticated:
        wanted.append((_("首页"), "web:home"))
    if scope.has_role(*REGISTRY_ROLES):
        wanted += [
            (pgettext_lazy("section", "学校"), "registry:institution_list"),
            (pgettext_lazy("section", "学生"), "registry:student_list"),
            (pgettext_lazy("section", "教职工"), "registry:staff_list"),
            (pgettext_lazy("section", "班级"), "registry:class_list"),
        ]
    if Role.PARENT in scope.roles:
        wanted += [(_("入学申请"), "enrollment:my_applications"),
                   (_("孩子的健康"), "health:my_children")]
    bureau = scope.has_role(Role.CITY_BUREAU, Role.COUNTY_BUREAU)
    if scope.has_role(Role.CITY_BUREAU, Role.COUNTY_BUREAU, Role.SCHOOL_ADMIN):
        wanted.append((_("招生入学"), "enrollment:round_list" if bureau
                       else "enrollment:review_queue"))
    if scope.has_role(*REGISTRY_ROLES):
        wanted += [
            (_("教师队伍"), "workforce:office" if bureau else "workforce:me"),
            (_("学生健康"), "health:office"),
            (_("校园安全"), "safety:home"),
            (_("数据中心"), "metrics:home"),
        ]
    if scope.has_role(*REGISTRY_WRITE_ROLES):
        wanted.append((_("数据导入"), "imports:index"))
    if user.is_authenticated and user.is_staff:
        wanted.append((_("管理后台"), "admin:index"))
    links = []
    for label, name in wanted:
        url = optional_reverse(name)
        if url:
            links.append(NavLink(label, url, _is_active(request.path, url)))
    return links


def _is_active(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def acting_as(user: Any) -> list[str]:
    """One "role · scope" line per membership, e.g. "县（区）教育局 · 东城区"."""
    if not user.is_authenticated:
        return []
    lines = [str(_("系统管理员"))] if user.is_superuser else []
    for m in memberships_of(user):
        scope = m.region or m.institution
        lines.append(f"{m.get_role_display()} · {scope}" if scope else str(m.get_role_display()))
    return lines
