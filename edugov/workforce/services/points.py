"""积分制: the county's items for a year (bureau) and evidence-based units (school/bureau)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.scoping import visible_to
from edugov.registry.models import Region, Staff
from edugov.workforce.models import PointsEvidence, PointsItem
from edugov.workforce.permissions import require_bureau, require_recorder
from edugov.workforce.rules.points import SOURCES
from edugov.workforce.selectors.points import points_items_for
from edugov.workforce.services.conduct import visible_staff


@transaction.atomic
def define_item(*, actor: User, county: Region, year: int, code: str, label: str, source: str,
                per_unit: Decimal, cap: Decimal | None = None, unit: str = "") -> PointsItem:
    require_bureau(actor, "设置积分项目")
    if not visible_to(actor, Region.objects.filter(pk=county.pk)).exists():
        raise Http404
    if source not in SOURCES:
        raise ValidationError({"source": "计分依据无效"})
    if cap is not None and cap < 0:
        raise ValidationError({"cap": "上限不能为负数"})
    item, created = PointsItem.objects.update_or_create(
        county=county, year=year, code=code,
        defaults={"label": label, "source": source, "per_unit": per_unit, "cap": cap,
                  "unit": unit})
    audit.record(actor=actor, action=AuditLog.Action.CREATE if created
                 else AuditLog.Action.UPDATE, entity=audit.entity_name(item), object_id=item.pk,
                 summary=f"积分项目 {county.code} {year} {code}：{per_unit}/{unit or '单位'}")
    return item


@transaction.atomic
def record_evidence(*, actor: User, item: PointsItem, staff: Staff, units: Decimal,
                    evidence: str) -> PointsEvidence:
    """Units of an evidence item for one teacher (replacing earlier units), with the proof."""
    require_recorder(actor, "录入积分材料")
    if not points_items_for(actor).filter(pk=item.pk).exists():
        raise Http404
    staff = visible_staff(actor, staff)
    if item.source != "evidence":
        raise ValidationError("该积分项目由系统根据记录自动计算，无需录入")
    if not evidence.strip():
        raise ValidationError({"evidence": "请填写证明材料"})
    if units < 0:
        raise ValidationError({"units": "数量不能为负数"})
    entry, _ = PointsEvidence.objects.update_or_create(
        item=item, staff=staff,
        defaults={"units": units, "evidence": evidence, "recorded_by": actor})
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(entry),
                 object_id=entry.pk, summary=f"积分材料 {staff.pk} {item.code}：{units}")
    return entry
