"""Every write of the data center: keyword-only, one transaction, one audit row each."""

from __future__ import annotations

import time
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.roles import REGION_ROLES
from edugov.core.scoping import scope_of, visible_to
from edugov.metrics.catalog import DataMeasure, measures
from edugov.metrics.engine.backends import open_source
from edugov.metrics.engine.compute import Computation, IndicatorDef, compute
from edugov.metrics.models import ComputationRun, DataValue, Indicator, Result, Target
from edugov.metrics.rules.formula import FormulaError, Node, check, dependency_order, parse
from edugov.metrics.workflow import APPROVED, DRAFT, ENTERING
from edugov.registry.models import Institution, Region
from edugov.workflow import services as workflow

# -- indicators -------------------------------------------------------------------------


def check_formula(formula: str, *, code: str = "") -> Node:
    """Parse and check ``formula`` against the measures and the other indicators.

    Raises ValidationError on ``formula`` whose message carries the position and reason
    (``第12个字符处：度量“students.enroled”未知``) and whose params carry the span.
    """
    try:
        node = parse(formula)
        others = dict(Indicator.objects.exclude(code=code).values_list("code", "formula"))
        check(node, measures=measures().specs(), indicators={*others, code})
        formulas = {c: parse(f) for c, f in others.items()}
        formulas[code] = node
        dependency_order(formulas)
    except FormulaError as exc:
        raise ValidationError({"formula": ValidationError(
            str(exc), code="formula", params={"start": exc.start, "end": exc.end,
                                              "reason": exc.message})}) from exc
    return node


@transaction.atomic
def save_indicator(*, actor: User | None, code: str, name: str, formula: str, unit: str,
                   factor: float = 1.0, direction: str = "higher", decimals: int = 2,
                   levels: Iterable[str] = (), policy_source: str = "",
                   description: str = "") -> Indicator:
    """Create or change an indicator; built-in ones are changed only by the catalog loader."""
    existing = Indicator.objects.filter(code=code).first()
    if existing is not None and existing.builtin:
        raise ValidationError({"code": "内置指标不能修改，请复制为新指标后再调整"})
    check_formula(formula, code=code)
    indicator = existing or Indicator(code=code)
    for field, value in {"name": name, "formula": formula, "unit": unit, "factor": factor,
                         "direction": direction, "decimals": decimals,
                         "levels": list(levels), "policy_source": policy_source,
                         "description": description}.items():
        setattr(indicator, field, value)
    indicator.full_clean()
    indicator.save()
    audit.record(actor=actor, action=AuditLog.Action.UPDATE if existing else
                 AuditLog.Action.CREATE, entity=audit.entity_name(Indicator),
                 object_id=indicator.code, summary=f"{indicator.name}: {formula}"[:255])
    return indicator


# -- aggregate data values --------------------------------------------------------------


def ensure_role(actor: User | None, roles: frozenset[str], what: str) -> None:
    """The command line (actor None) and superusers may do anything; others need a role."""
    if actor is None:
        return
    if not scope_of(actor).has_role(*roles):
        raise PermissionDenied(f"您的角色不能{what}")


def ensure_in_scope(actor: User | None, *, region: Region | None,
                    institution: Institution | None) -> None:
    """Out of the actor's jurisdiction is as good as not existing (404 upstream)."""
    if region is not None and not visible_to(actor, Region.objects.filter(pk=region.pk)).exists():
        raise Region.DoesNotExist("行政区划不存在，或不在您的管辖范围内")
    if institution is not None and not visible_to(
            actor, Institution.objects.filter(pk=institution.pk)).exists():
        raise Institution.DoesNotExist("学校不存在，或不在您的管辖范围内")


@transaction.atomic
def enter_data_value(*, actor: User | None, measure: str, year: int, value: Decimal | float,
                     region: Region | None = None, institution: Institution | None = None,
                     note: str = "") -> DataValue:
    """Enter (or change, while still a draft) a figure for a region or an institution."""
    if not isinstance(measures().measures.get(measure), DataMeasure):
        raise ValidationError({"measure": f"“{measure}”不是可填报的汇总数据度量"})
    if (region is None) == (institution is None):
        raise ValidationError("请指定行政区划或学校之一")
    ensure_role(actor, ENTERING, "填报汇总数据")
    ensure_in_scope(actor, region=region, institution=institution)
    item = DataValue.objects.select_for_update().filter(
        measure=measure, year=year, region=region, institution=institution).first()
    now = timezone.now()
    if item is not None and item.state != DRAFT:
        raise ValidationError(f"该数据当前为“{item.state_label}”，不能直接修改；"
                              "已锁定的数据请先解锁更正")
    created = item is None
    item = item or DataValue(measure=measure, year=year, region=region, institution=institution)
    item.value, item.note = Decimal(str(value)), note
    item.entered_by = actor if actor is not None and actor.is_authenticated else None
    item.entered_at = now
    item.save()
    if created:
        workflow.start(actor=actor, item=item, now=now)
    audit.record(actor=actor, action=AuditLog.Action.CREATE if created else
                 AuditLog.Action.UPDATE, entity=audit.entity_name(DataValue),
                 object_id=item.pk, summary=f"{measure} {year}: {item.value}")
    return item


def recompute_after_commit(year: int) -> None:
    """Approved figures change indicators: refresh the year's snapshot once committed."""
    # Imported here: tasks builds on this module (compute_and_store).
    from edugov.metrics.tasks import schedule_recompute

    transaction.on_commit(lambda: schedule_recompute(year))


def move_data_value(*, actor: User | None, item: DataValue, transition: str,
                    reason: str = "") -> DataValue:
    """submit / approve / return / reopen: the shared workflow checks role and state.

    A role that may not take the transition at all is refused with PermissionDenied
    (403 upstream) before the state is looked at; a wrong state or a missing reason
    stays a WorkflowError.
    """
    ensure_in_scope(actor, region=item.region, institution=item.institution)
    allowed = item.workflow.transition(transition).roles
    if allowed:
        ensure_role(actor, allowed, f"执行“{item.workflow.transition(transition).label}”")
    workflow.advance(actor=actor, item=item, transition=transition, reason=reason)
    if transition in ("approve", "reopen"):  # the value starts or stops counting
        recompute_after_commit(item.year)
    return item


@transaction.atomic
def correct_data_value(*, actor: User | None, item: DataValue, value: Decimal | float,
                       reason: str) -> DataValue:
    """Correct an approved (locked) value: reopen with the reason, keep the old value.

    The reopened value is a draft again and must be submitted and approved anew before
    the indicators use it.
    """
    ensure_in_scope(actor, region=item.region, institution=item.institution)
    ensure_role(actor, item.workflow.transition("reopen").roles, "解锁更正")
    item.refresh_from_db()
    if item.state != APPROVED:
        raise ValidationError("只有已审核锁定的数据需要解锁更正；草稿可直接修改")
    old = item.value
    workflow.advance(actor=actor, item=item, transition="reopen", reason=reason)
    item.refresh_from_db()
    item.value = Decimal(str(value))
    item.entered_by = actor if actor is not None and actor.is_authenticated else None
    item.entered_at = timezone.now()
    item.save(update_fields=["value", "entered_by", "entered_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(item),
                 object_id=item.pk,
                 summary=f"更正 {item.measure} {item.year}: {old} → {item.value}",
                 details={"old": float(old), "new": float(item.value), "reason": reason})
    recompute_after_commit(item.year)
    return item


# -- targets ----------------------------------------------------------------------------


@transaction.atomic
def set_target(*, actor: User | None, indicator: Indicator, region: Region, year: int,
               value: float) -> Target:
    """Set (or change) a target; 市/县教育局 for regions in their jurisdiction."""
    ensure_role(actor, REGION_ROLES, "设定目标")
    ensure_in_scope(actor, region=region, institution=None)
    target, _ = Target.objects.update_or_create(
        indicator=indicator, region=region, year=year,
        defaults={"value": value, "set_by": actor if actor and actor.is_authenticated else None})
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(Target),
                 object_id=target.pk, summary=f"{indicator.name} {region.name} {year}: {value}")
    return target


TARGET_COLUMNS = ("指标代码", "行政区划代码", "学年", "目标值")


def read_target_rows(file: IO[bytes] | Path) -> list[tuple[int, tuple[Any, ...]]]:
    from openpyxl import load_workbook

    sheet = load_workbook(file, read_only=True, data_only=True).active
    rows = list(sheet.iter_rows(values_only=True)) if sheet is not None else []
    if not rows or tuple(str(c or "").strip() for c in rows[0][:4]) != TARGET_COLUMNS:
        raise ValidationError(f"表头应为：{'、'.join(TARGET_COLUMNS)}")
    return [(number, tuple(row[:4])) for number, row in enumerate(rows[1:], start=2)
            if any(c is not None for c in row[:4])]


@transaction.atomic
def import_targets(*, actor: User | None, file: IO[bytes] | Path) -> int:
    """Targets from an xlsx sheet (指标代码, 行政区划代码, 学年, 目标值); all or nothing."""
    ensure_role(actor, REGION_ROLES, "导入目标")
    errors: list[str] = []
    parsed = []
    indicators = {i.code: i for i in Indicator.objects.all()}
    regions = {r.code: r for r in visible_to(actor, Region.objects.all())}
    for number, (code, region_code, year, value) in read_target_rows(file):
        indicator = indicators.get(str(code or "").strip())
        region = regions.get(str(region_code or "").strip())
        if indicator is None:
            errors.append(f"第{number}行：未知指标代码“{code}”")
        elif region is None:
            errors.append(f"第{number}行：行政区划“{region_code}”不存在或不在管辖范围内")
        else:
            try:
                parsed.append((indicator, region, int(year), float(value)))
            except (TypeError, ValueError):
                errors.append(f"第{number}行：学年或目标值不是数字")
    if errors:
        raise ValidationError(errors)
    for indicator, region, year, value in parsed:
        Target.objects.update_or_create(indicator=indicator, region=region, year=year,
                                        defaults={"value": value, "set_by": actor})
    audit.record(actor=actor, action=AuditLog.Action.IMPORT, entity=audit.entity_name(Target),
                 summary=f"导入目标 {len(parsed)} 条", details={"rows": len(parsed)})
    return len(parsed)


# -- computing and storing results -------------------------------------------------------


def indicator_defs(indicators: Iterable[Indicator] | None = None) -> list[IndicatorDef]:
    rows = Indicator.objects.all() if indicators is None else indicators
    return [IndicatorDef(i.code, i.formula, i.factor, tuple(i.levels)) for i in rows]


def compute_catalog(*, year: int, engine: str = "live", warehouse: Path | None = None,
                    region_code: str | None = None) -> Computation:
    with open_source(engine, warehouse=warehouse) as source:
        return compute(source, measures(), indicator_defs(), year=year,
                       region_code=region_code)


@transaction.atomic
def compute_and_store(*, actor: User | None, year: int, engine: str = "live",
                      warehouse: Path | None = None) -> ComputationRun:
    """Compute the whole catalog for ``year`` and store it as a new dated snapshot."""
    started = time.perf_counter()
    result = compute_catalog(year=year, engine=engine, warehouse=warehouse)
    run = ComputationRun.objects.create(
        year=year, engine=engine, computed_at=timezone.now(),
        computed_by=actor if actor is not None and actor.is_authenticated else None)
    ids = {i.code: i.pk for i in Indicator.objects.all()}
    levels = {i.code: set(i.levels) for i in Indicator.objects.all()}
    rows = []
    for record in result.long().itertuples(index=False):
        applies = not levels[record.indicator] or record.level in levels[record.indicator]
        if not applies:
            continue
        value = None if np.isnan(record.value) else float(record.value)
        is_region = record.unit_type == "region"
        rows.append(Result(run=run, indicator_id=ids[record.indicator], year=year, value=value,
                           region_id=record.unit_id if is_region else None,
                           institution_id=None if is_region else record.unit_id))
    Result.objects.bulk_create(rows, batch_size=2000)
    run.seconds = time.perf_counter() - started
    run.save(update_fields=["seconds"])
    audit.record(actor=actor, action=AuditLog.Action.CREATE,
                 entity=audit.entity_name(ComputationRun), object_id=run.pk,
                 summary=f"计算 {year} 学年指标（{engine}）：{len(rows)} 条结果")
    return run
