"""The four lists (四个清单) a county submits: columns and row building from plain records.

责任清单 (who is responsible for what), 排查清单 (inspections due and done per school and
domain), 隐患清单 (hazards found), 整改清单 (rectification of each hazard to 销号). Records
come in as mappings of plain values (selectors produce them with ``.values()``), rows go
out as tuples in column order, ready for a page table or an .xlsx sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from edugov.safety.rules.grading import GRADE_LABELS
from edugov.safety.rules.grid import LEVEL_LABELS

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int = 12


@dataclass(frozen=True)
class ListSpec:
    code: str
    title: str
    columns: tuple[Column, ...]
    build: Callable[[Iterable[Record]], list[tuple[Any, ...]]]

    @property
    def headers(self) -> list[str]:
        return [c.label for c in self.columns]


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()


def _rate(part: int, whole: int) -> float | None:
    """A share in percent with one decimal; no value when nothing was due (DESIGN §5)."""
    return round(100.0 * part / whole, 1) if whole else None


RESPONSIBILITY_COLUMNS = (
    Column("no", "序号", 6), Column("unit", "单位/区域", 24), Column("level", "责任层级", 16),
    Column("area", "责任区域", 16), Column("person", "责任人", 10), Column("phone", "联系电话", 14),
    Column("duty", "主要职责", 40),
)


def responsibility_rows(posts: Iterable[Record]) -> list[tuple[Any, ...]]:
    """Keys: unit, level, area, person, phone (already masked as the viewer may see), duty."""
    return [(n, p["unit"], LEVEL_LABELS.get(p["level"], p["level"]), p.get("area") or "",
             p["person"], p.get("phone") or "", p.get("duty") or "")
            for n, p in enumerate(posts, start=1)]


INSPECTION_COLUMNS = (
    Column("no", "序号", 6), Column("unit", "学校", 24), Column("domain", "排查领域", 14),
    Column("due", "应检次数", 10), Column("done", "实检次数", 10),
    Column("coverage", "覆盖率(%)", 10),
    Column("items", "检查项数", 10), Column("failed", "不合格项数", 10),
    Column("hazards", "发现隐患数", 10),
)


def inspection_rows(summaries: Iterable[Record]) -> list[tuple[Any, ...]]:
    """Keys: unit, domain_label, due, done, items, failed, hazards (counts for the period)."""
    return [(n, s["unit"], s["domain_label"], s["due"], s["done"], _rate(s["done"], s["due"]),
             s["items"], s["failed"], s["hazards"])
            for n, s in enumerate(summaries, start=1)]


HAZARD_COLUMNS = (
    Column("no", "序号", 6), Column("code", "隐患编号", 16), Column("unit", "学校", 24),
    Column("domain", "隐患类别", 12), Column("title", "隐患描述", 36),
    Column("location", "具体位置", 16),
    Column("grade", "隐患等级", 8), Column("found", "发现日期", 12),
    Column("source", "发现途径", 10),
    Column("owner", "整改责任人", 10), Column("deadline", "整改期限", 12),
    Column("interim", "临时管控措施", 24), Column("supervised", "挂牌督办", 8),
    Column("state", "当前状态", 10),
)


def hazard_rows(hazards: Iterable[Record]) -> list[tuple[Any, ...]]:
    """Keys: code, unit, domain_label, title, location, grade, reported_at, source_label,
    owner, rectify_deadline, interim_controls, supervised, state_label."""
    return [(n, h["code"], h["unit"], h["domain_label"], h["title"], h.get("location") or "",
             GRADE_LABELS.get(h["grade"], h["grade"]), _date(h["reported_at"]),
             h["source_label"], h.get("owner") or "", _date(h.get("rectify_deadline")),
             h.get("interim_controls") or "", "是" if h.get("supervised") else "否",
             h["state_label"])
            for n, h in enumerate(hazards, start=1)]


RECTIFICATION_COLUMNS = (
    Column("no", "序号", 6), Column("code", "隐患编号", 16), Column("unit", "学校", 24),
    Column("grade", "隐患等级", 8), Column("measures", "整改措施", 36),
    Column("owner", "责任人", 10),
    Column("deadline", "整改期限", 12), Column("submitted", "整改完成日期", 12),
    Column("closed", "销号日期", 12), Column("on_time", "是否按期", 8),
    Column("days", "整改天数", 8),
    Column("state", "当前状态", 10),
)


def rectification_days(reported: dt.datetime, closed: dt.datetime | None) -> float | None:
    if closed is None:
        return None
    return round((closed - reported).total_seconds() / 86400, 1)


def on_time_label(deadline: dt.datetime | None, closed: dt.datetime | None,
                  now: dt.datetime) -> str:
    """按期: closed by the deadline; 逾期: closed late or still open past it; 未到期 otherwise."""
    if deadline is None:
        return ""
    if closed is not None:
        return "按期" if closed <= deadline else "逾期"
    return "逾期" if now > deadline else "未到期"


def rectification_rows(hazards: Iterable[Record], *, now: dt.datetime) -> list[tuple[Any, ...]]:
    """Keys: code, unit, grade, measures, owner, rectify_deadline, submitted_at, closed_at,
    reported_at, state_label."""
    return [(n, h["code"], h["unit"], GRADE_LABELS.get(h["grade"], h["grade"]),
             h.get("measures") or "", h.get("owner") or "", _date(h.get("rectify_deadline")),
             _date(h.get("submitted_at")), _date(h.get("closed_at")),
             on_time_label(h.get("rectify_deadline"), h.get("closed_at"), now),
             rectification_days(h["reported_at"], h.get("closed_at")), h["state_label"])
            for n, h in enumerate(hazards, start=1)]
