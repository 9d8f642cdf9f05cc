"""Institutions keyed by 学校标识码, with the facility figures the equity indicators use.

Creating an institution, or moving one to another 区划, needs the 区划 in the actor's
jurisdiction; updating one needs the institution itself in reach (so a school
administrator may update their own school's figures but not create schools).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from edugov.imports import labels
from edugov.imports.bulk import Writer
from edugov.imports.entities.lookups import chunks, reachable_institution_ids
from edugov.imports.pipeline import (
    INVALID,
    Column,
    Context,
    Importer,
    Plan,
    RowError,
    duplicate_errors,
    is_set,
)
from edugov.imports.rules import cells
from edugov.imports.selectors import within_reach
from edugov.registry.choices import InstitutionKind, InstitutionStatus, Rating
from edugov.registry.models import Institution, Region


class InstitutionRow(NamedTuple):
    row: int
    code: str
    name: str
    kind: str
    ownership: str
    inclusive: bool | None
    rating: str | None
    locality: str
    region_code: str
    status: str | None
    standardized: bool | None
    boarding: bool | None
    address: str | None
    phone: str | None
    founded: dt.date | None
    teaching_area_m2: Decimal | None
    sports_area_m2: Decimal | None
    equipment_value_yuan: Decimal | None
    multimedia_classrooms: int | None
    books: int | None
    music_rooms: int | None
    art_rooms: int | None


COLUMNS = (
    Column("学校标识码", "code", cells.digits((10,), "学校标识码"), required=True),
    Column("名称", "name", cells.max_length(128), required=True, width=24),
    Column("办学类型", "kind", cells.choice(labels.KIND, "办学类型"), required=True,
           choices=tuple(labels.KIND)),
    Column("举办者", "ownership", cells.choice(labels.OWNERSHIP, "举办者"), required=True,
           choices=tuple(labels.OWNERSHIP), width=8),
    Column("是否普惠", "inclusive", cells.flag, choices=("是", "否"), width=8,
           note="仅幼儿园；空白为“否”"),
    Column("等级", "rating", cells.choice(labels.RATING, "等级"), choices=tuple(labels.RATING),
           note="空白为“未定级”"),
    Column("城乡分类", "locality", cells.choice(labels.LOCALITY, "城乡分类"), required=True,
           choices=tuple(labels.LOCALITY), width=8),
    Column("所在区划代码", "region_code", cells.digits((6, 9, 12), "所在区划代码"),
           required=True, note="6、9或12位，须为系统中已有且在您管辖范围内的区划"),
    Column("办学状态", "status", cells.choice(labels.INSTITUTION_STATUS, "办学状态"),
           choices=tuple(labels.INSTITUTION_STATUS), note="空白为“正常办学”"),
    Column("标准化学校", "standardized", cells.flag, choices=("是", "否"), width=8),
    Column("寄宿制", "boarding", cells.flag, choices=("是", "否"), width=8),
    Column("地址", "address", cells.max_length(255), width=30),
    Column("办公电话", "phone", cells.phone),
    Column("成立日期", "founded", cells.parse_date, kind="date"),
    Column("教学及辅助用房面积（m²）", "teaching_area_m2", cells.amount(12, 2), kind="number",
           width=16, note="非负数，空白为0"),
    Column("体育运动场馆面积（m²）", "sports_area_m2", cells.amount(12, 2), kind="number",
           width=16, note="非负数，空白为0"),
    Column("教学仪器设备值（元）", "equipment_value_yuan", cells.amount(14, 2), kind="number",
           width=16, note="非负数，空白为0"),
    *(Column(header, key, cells.integer(0, 2_000_000_000), kind="number", width=12,
             note="非负整数，空白为0")
      for header, key in (("网络多媒体教室数", "multimedia_classrooms"), ("图书册数", "books"),
                          ("音乐专用教室数", "music_rooms"), ("美术专用教室数", "art_rooms"))),
)

INSTITUTION_FIELDS = ("code", "name", "kind", "ownership", "inclusive", "rating", "locality",
                      "region", "status", "standardized", "boarding", "address", "phone",
                      "founded", "teaching_area_m2", "sports_area_m2", "equipment_value_yuan",
                      "multimedia_classrooms", "books", "music_rooms", "art_rooms")
UNKNOWN_REGION = "所在区划代码不存在或不在管辖范围内"
ZERO = Decimal("0.00")


class InstitutionImporter(Importer):
    entity = "institutions"
    label = "学校"
    audit_entity = "registry.institution"
    columns = COLUMNS
    row_type = InstitutionRow

    def check_row(self, row: Any, ctx: Context) -> list[tuple[str, str]]:
        if row.inclusive and row.kind is not INVALID \
                and row.kind != InstitutionKind.KINDERGARTEN.value:
            return [("inclusive", "仅幼儿园可认定为普惠性")]
        return []

    def check_rows(self, rows: Sequence[Any], ctx: Context) -> list[RowError]:
        errors = duplicate_errors(rows, "code", ctx, "学校标识码")
        existing = existing_institutions([r.code for r in rows if is_set(r.code)])
        regions = regions_by_code({r.region_code for r in rows if is_set(r.region_code)})
        reachable_regions = set(within_reach(ctx.actor, Region.objects.filter(
            pk__in=[pk for pk, _ in regions.values()])).values_list("id", flat=True))
        reachable = reachable_institution_ids(ctx, [v[0] for v in existing.values()])
        ctx.memo["institutions"], ctx.memo["regions"] = existing, regions
        for row in rows:
            found = existing.get(row.code)
            if found is not None and found[0] not in reachable:
                errors.append(ctx.error(row.row, "code", "学校标识码已被管辖范围外的学校使用"))
                continue
            if row.region_code is INVALID:
                continue
            region = regions.get(row.region_code)
            moving = found is None or region is None or found[8] != region[0]
            if region is None or (moving and region[0] not in reachable_regions):
                errors.append(ctx.error(row.row, "region_code", UNKNOWN_REGION))
        return errors

    def plan(self, rows: Sequence[Any], ctx: Context) -> Plan:
        existing: dict[str, tuple[Any, ...]] = ctx.memo["institutions"]
        regions: dict[str, tuple[int, str]] = ctx.memo["regions"]
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        result = Plan(payload=(new, changed))
        for row in rows:
            values = (
                row.code, row.name, row.kind, row.ownership, bool(row.inclusive),
                row.rating or Rating.NONE.value, row.locality, regions[row.region_code][0],
                row.status or InstitutionStatus.ACTIVE.value, bool(row.standardized),
                bool(row.boarding), row.address or "", row.phone or "", row.founded,
                row.teaching_area_m2 or ZERO, row.sports_area_m2 or ZERO,
                row.equipment_value_yuan or ZERO, row.multimedia_classrooms or 0,
                row.books or 0, row.music_rooms or 0, row.art_rooms or 0)
            found = existing.get(row.code)
            if found is None:
                new.append(values)
                result.created += 1
            elif values != found[1:]:
                changed.append((*values, found[0]))
                result.updated += 1
            else:
                result.unchanged += 1
        return result

    def write(self, plan: Plan, ctx: Context) -> None:
        new, changed = plan.payload
        writer = Writer(Institution, INSTITUTION_FIELDS)
        writer.insert(new)
        writer.update(changed, touch="updated_at")


def existing_institutions(codes: list[str]) -> dict[str, tuple[Any, ...]]:
    """学校标识码 → (id, *INSTITUTION_FIELDS) for every institution, reachable or not."""
    columns = ("id", *("region_id" if f == "region" else f for f in INSTITUTION_FIELDS))
    found: dict[str, tuple[Any, ...]] = {}
    for batch in chunks(codes):
        for values in Institution.objects.filter(code__in=batch).values_list(*columns):
            found[values[1]] = values
    return found


def regions_by_code(codes: set[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for batch in chunks(sorted(codes)):
        for pk, code, path in Region.objects.filter(code__in=batch).values_list(
                "id", "code", "path"):
            found[code] = (pk, path)
    return found
