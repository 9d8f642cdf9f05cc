"""Who may do what in the workforce scenario: role checks shared by services and views.

Jurisdiction itself is ``core.scoping.visible_to`` (404 outside it); these are the role
checks on top (403 with a Chinese reason).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from edugov.core.roles import Role
from edugov.core.scoping import scope_of

BUREAU_ROLES = (Role.COUNTY_BUREAU, Role.CITY_BUREAU)
SCHOOL_ROLES = (Role.SCHOOL_ADMIN, Role.TEACHER)
#: Who reads and writes the 师德 negative list and the barred list: county and city bureaus.
CONDUCT_ROLES = BUREAU_ROLES
#: Who records training, honours and appraisals for a school: bureaus and school admins.
RECORD_ROLES = (*BUREAU_ROLES, Role.SCHOOL_ADMIN)


def is_bureau(user: Any) -> bool:
    return scope_of(user).has_role(*BUREAU_ROLES)


def require_bureau(user: Any, what: str) -> None:
    if not is_bureau(user):
        raise PermissionDenied(f"只有教育局可以{what}")


def require_recorder(user: Any, what: str) -> None:
    if not scope_of(user).has_role(*RECORD_ROLES):
        raise PermissionDenied(f"只有教育局或学校管理员可以{what}")


def own_staff_id(user: Any) -> int | None:
    """The staff record of a teacher's account (None for other accounts)."""
    return getattr(user, "staff_id", None)
