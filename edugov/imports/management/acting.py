"""Who a command acts as: ``--user USERNAME``, or the server operator (full scope)."""

from __future__ import annotations

from django.core.management.base import CommandError

from edugov.core.models import User


def acting_user(username: str | None) -> User | None:
    """The active user named, or None: the operator, audited with ``via: cli``."""
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"用户不存在或已停用：{username}", returncode=2)
    return user
