"""积分入学 for 随迁子女: a configurable points table, itemised results (policy-rules.md §6.1).

No national formula exists; each city publishes a yearly 积分方案 of the shape
总积分 = 基础分 + 附加分 − 扣分. A table here is a list of factors, each either

* **per unit**: ``units × points_per_unit``, capped at ``cap`` (e.g. 居住证年限 5 分/年, cap
  100; 社保缴费月数; 自有产权住所 1 分/月 vs 租赁 0.2 分/月), or
* **by option**: a fixed score per declared value (e.g. 学历: 本科 20, 专科 10),

optionally with ``minimum`` units required to be eligible at all (the city's 门槛, e.g. 居住证
满 1 年, 社保满 12 个月). Negative points per unit express 扣分. Arithmetic is Decimal so
0.3 × 7 is 2.1, not 2.0999….
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


class PointsTableError(ValueError):
    """The table is malformed; Chinese message."""


@dataclass(frozen=True)
class Factor:
    code: str
    name: str
    unit: str = ""
    points_per_unit: Decimal = Decimal(0)
    #: Largest absolute contribution of this factor; None = unlimited.
    cap: Decimal | None = None
    #: Units needed to be eligible (门槛); None = no threshold.
    minimum: Decimal | None = None
    #: Categorical factor: declared value → points (points_per_unit unused).
    options: Mapping[str, Decimal] = field(default_factory=dict)
    evidence: str = ""


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    declared: str
    points: Decimal
    capped: bool
    evidence: str


@dataclass(frozen=True)
class Score:
    total: Decimal
    items: tuple[Item, ...]
    eligible: bool
    shortfalls: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": str(self.total),
            "eligible": self.eligible,
            "shortfalls": list(self.shortfalls),
            "items": [{"code": i.code, "name": i.name, "declared": i.declared,
                       "points": str(i.points), "capped": i.capped, "evidence": i.evidence}
                      for i in self.items],
        }


def _decimal(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise PointsTableError(f"{what} 不是有效数字：{value!r}") from exc


def parse_table(rows: Sequence[Mapping[str, Any]]) -> tuple[Factor, ...]:
    """Factors from JSON rows (as stored on a PointsTable); checks codes and numbers."""
    factors = []
    seen: set[str] = set()
    for row in rows:
        code = str(row.get("code", "")).strip()
        if not code:
            raise PointsTableError("积分项目缺少代码")
        if code in seen:
            raise PointsTableError(f"积分项目代码重复：{code}")
        seen.add(code)
        cap = row.get("cap")
        minimum = row.get("minimum")
        factor = Factor(
            code=code, name=str(row.get("name", code)), unit=str(row.get("unit", "")),
            points_per_unit=_decimal(row.get("points_per_unit", 0), f"{code} 每单位分值"),
            cap=None if cap in (None, "") else _decimal(cap, f"{code} 上限"),
            minimum=None if minimum in (None, "") else _decimal(minimum, f"{code} 门槛"),
            options={str(k): _decimal(v, f"{code} 选项 {k}")
                     for k, v in (row.get("options") or {}).items()},
            evidence=str(row.get("evidence", "")),
        )
        if factor.cap is not None and factor.cap < 0:
            raise PointsTableError(f"{code} 上限不能为负数")
        factors.append(factor)
    return tuple(factors)


def score(factors: Sequence[Factor], declared: Mapping[str, Any]) -> Score:
    """Itemised points for the values an applicant declared (units or option per factor)."""
    items = []
    shortfalls = []
    for factor in factors:
        value = declared.get(factor.code)
        if factor.options:
            raw = factor.options.get(str(value), Decimal(0)) if value is not None else Decimal(0)
            shown = "" if value is None else str(value)
        else:
            units = _decimal(value or 0, factor.name)
            if units < 0:
                raise PointsTableError(f"{factor.name} 不能为负数")
            raw = units * factor.points_per_unit
            shown = f"{units}{factor.unit}"
            if factor.minimum is not None and units < factor.minimum:
                shortfalls.append(f"{factor.name}不足 {factor.minimum}{factor.unit}")
        points, capped = _apply_cap(raw, factor.cap)
        items.append(Item(code=factor.code, name=factor.name, declared=shown,
                          points=_tidy(points),
                          capped=capped, evidence=factor.evidence))
    total = sum((i.points for i in items), Decimal(0))
    return Score(total=_tidy(total), items=tuple(items),
                 eligible=not shortfalls, shortfalls=tuple(shortfalls))


def _tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros without scientific notation (100, not 1E+2; 2.1, not 2.10)."""
    if not value:
        return Decimal(0)  # 0 units × −20 is −0; show 0
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _apply_cap(raw: Decimal, cap: Decimal | None) -> tuple[Decimal, bool]:
    if cap is None or abs(raw) <= cap:
        return raw, False
    return (cap if raw > 0 else -cap), True


#: A sample table in the common shape (policy-rules.md §6.1; figures from city examples,
#: to be replaced by each city's published 积分方案).
SAMPLE_TABLE: tuple[dict[str, Any], ...] = (
    {"code": "residence_permit_years", "name": "居住证年限", "unit": "年",
     "points_per_unit": 5, "cap": 100, "minimum": 1, "evidence": "居住证"},
    {"code": "social_insurance_months", "name": "社保缴费月数", "unit": "月",
     "points_per_unit": "0.5", "cap": 60, "minimum": 12, "evidence": "社保缴费证明"},
    {"code": "owned_home_months", "name": "自有产权住所月数", "unit": "月",
     "points_per_unit": 1, "cap": 60, "evidence": "房产证"},
    {"code": "rented_home_months", "name": "租赁住所月数（已备案）", "unit": "月",
     "points_per_unit": "0.2", "cap": 20, "evidence": "租赁备案证明"},
    {"code": "violations", "name": "违法违规记录（扣分）", "unit": "次",
     "points_per_unit": -20, "cap": 100, "evidence": "公安部门记录"},
)
