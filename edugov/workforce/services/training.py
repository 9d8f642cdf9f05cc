"""The training ledger: single records (spreadsheet imports are in ``services.imports``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.registry.models import Staff
from edugov.workforce.models import TrainingRecord
from edugov.workforce.permissions import require_recorder
from edugov.workforce.rules.training import LEVELS, TrainingRules
from edugov.workforce.services.conduct import visible_staff


@transaction.atomic
def record_training(*, actor: User, staff: Staff, course: str, hours: Decimal, level: str,
                    date: dt.date, provider: str, rules: TrainingRules | None = None,
                    today: dt.date | None = None) -> TrainingRecord:
    require_recorder(actor, "登记培训学时")
    staff = visible_staff(actor, staff)
    rules = rules or TrainingRules()
    if not 0 < hours <= Decimal(str(rules.max_hours_per_record)):
        raise ValidationError({"hours": f"学时应大于0且不超过{rules.max_hours_per_record:g}"})
    if level not in LEVELS:
        raise ValidationError({"level": "培训级别无效"})
    if date > (today or dt.date.today()):
        raise ValidationError({"date": "完成日期不能晚于今天"})
    if TrainingRecord.objects.filter(staff=staff, course=course, date=date).exists():
        raise ValidationError("该教师同一课程同一日期的记录已存在")
    record = TrainingRecord.objects.create(staff=staff, course=course, hours=hours, level=level,
                                           date=date, provider=provider, imported_by=actor)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(record),
                 object_id=record.pk, summary=f"培训 {staff.pk} {course} {hours}学时")
    return record
