"""Writes of the core app: users and their memberships."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from edugov.core import audit
from edugov.core.models import AuditLog, Membership, User
from edugov.core.roles import INSTITUTION_ROLES, REGION_ROLES, Role
from edugov.registry.models import Institution, Region


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str | None = None,
    region: Region | None = None,
    institution: Institution | None = None,
    display_name: str = "",
    superuser: bool = False,
    check_password: bool = True,
) -> User:
    """Create a user and, when ``role`` is given, their one membership."""
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名 {username} 已存在"})
    if check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user = User.objects.create_user(username=username, password=password,
                                    display_name=display_name, is_superuser=superuser,
                                    is_staff=superuser)
    if role is not None:
        add_membership(actor=actor, user=user, role=role, region=region, institution=institution)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity="core.user",
                 object_id=user.pk, summary=f"{username} {role or ''}".strip())
    return user


def membership_scope_error(role: str, region: Region | None,
                           institution: Institution | None) -> str | None:
    if role not in Role.values:
        return f"未知角色：{role}"
    if role in REGION_ROLES and (region is None or institution is not None):
        return "教育局角色需要指定行政区划"
    if role in INSTITUTION_ROLES and (institution is None or region is not None):
        return "学校角色需要指定学校"
    if role not in REGION_ROLES | INSTITUTION_ROLES and (region or institution):
        return "该角色不设管辖范围"
    return None


@transaction.atomic
def add_membership(
    *, actor: User | None, user: User, role: str, region: Region | None = None,
    institution: Institution | None = None,
) -> Membership:
    error = membership_scope_error(role, region, institution)
    if error:
        raise ValidationError({"role": error})
    membership = Membership.objects.create(user=user, role=role, region=region,
                                           institution=institution)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity="core.membership",
                 object_id=membership.pk, summary=str(membership))
    return membership
