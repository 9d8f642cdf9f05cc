"""API tokens: issue, revoke and authenticate; only a sha256 of each secret is stored.

The clear token is returned once, by :func:`issue_token`; it has 256 bits of entropy,
so a plain (unsalted) sha256 is enough to make the stored hash useless to a thief.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from edugov.core import audit
from edugov.core.models import ApiToken, AuditLog, User

#: Marks edugov tokens so secret scanners and humans recognise a leaked one.
TOKEN_PREFIX = "eg_"
#: last_used is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _require_owner_or_superuser(actor: User | None, user: User) -> None:
    """Users manage their own tokens, superusers anyone's; actor None is the command line."""
    if actor is None:
        return
    if not (actor.is_authenticated and (actor.pk == user.pk or actor.is_superuser)):
        raise PermissionDenied("只能管理自己的 API 令牌")


@transaction.atomic
def issue_token(
    *, actor: User | None, user: User, name: str, expires: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with the clear secret, shown only this once."""
    _require_owner_or_superuser(actor, user)
    if expires is not None and expires <= timezone.now():
        raise ValidationError({"expires": "过期时间必须晚于当前时间"})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw),
                                    prefix=raw[:10], expires=expires)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(token),
                 object_id=token.pk, summary=f"{user.username}: {name}",
                 details={"user": user.username,
                          "expires": expires.isoformat() if expires else None})
    return token, raw


@transaction.atomic
def revoke_token(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke ``token`` (idempotent); the row stays for the audit trail."""
    _require_owner_or_superuser(actor, token.user)
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
        audit.record(actor=actor, action=AuditLog.Action.DELETE,
                     entity=audit.entity_name(token), object_id=token.pk,
                     summary=f"{token.user.username}: {token.name} 已吊销")
    return token


def user_for_token(raw: str) -> User | None:
    """The active user a usable token belongs to, or None (unknown, revoked, expired)."""
    now = timezone.now()
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=hash_token(raw)).first())
    if token is None or token.revoked is not None or not token.user.is_active:
        return None
    if token.expires is not None and token.expires <= now:
        return None
    if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user
