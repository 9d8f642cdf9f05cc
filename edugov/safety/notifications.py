"""Who hears about a hazard or an inspection, and the in-app notice (email where configured).

Recipients follow the grid and memberships: a hazard's owner; the school's principals
(school administrators); at escalation the bureau staff one level up (county, then city).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from edugov.core.models import User
from edugov.core.roles import Role
from edugov.registry.models import Institution
from edugov.safety.choices import SupervisionLevel
from edugov.safety.models import Hazard, Inspection, Notification

LEVEL_ROLE = {SupervisionLevel.COUNTY: Role.COUNTY_BUREAU, SupervisionLevel.CITY: Role.CITY_BUREAU}


def ancestor_paths(path: str) -> list[str]:
    """'/98/9801/980101/' → ['/98/', '/98/9801/', '/98/9801/980101/']."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def principals_of(institution: Institution) -> list[User]:
    return list(User.objects.filter(
        is_active=True, memberships__role=Role.SCHOOL_ADMIN,
        memberships__institution=institution).distinct())


def bureau_staff_over(institution: Institution, level: int) -> list[User]:
    """Bureau users of ``level``'s role whose region contains the institution."""
    role = LEVEL_ROLE.get(SupervisionLevel(level))
    if role is None:
        return []
    paths = ancestor_paths(institution.region.path)
    return list(User.objects.filter(
        is_active=True, memberships__role=role, memberships__region__path__in=paths).distinct())


def hazard_audience(hazard: Hazard) -> list[User]:
    people = principals_of(hazard.institution)
    if hazard.owner is not None:
        people.append(hazard.owner)
    return people


def notify(recipients: Iterable[User], *, kind: str, message: str, key: str, now: dt.datetime,
           hazard: Hazard | None = None, inspection: Inspection | None = None) -> int:
    """Create one notice per recipient unless ``key`` was already sent to them."""
    unique = {u.pk: u for u in recipients if u is not None}
    rows = [Notification(recipient_id=pk, kind=kind, message=message[:500], dedupe_key=key[:80],
                         created_at=now, hazard=hazard, inspection=inspection)
            for pk in unique]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    _email_later([u for u in unique.values() if u.email], message)
    return len(rows)


def _email_later(users: list[User], message: str) -> None:
    """Email only where the deployment configured it, and only once the write committed."""
    if not getattr(settings, "EDUGOV_SAFETY_EMAIL", False) or not users:
        return
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", None)
    mails = tuple(("校园安全提醒", message, sender, [u.email]) for u in users)
    transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
