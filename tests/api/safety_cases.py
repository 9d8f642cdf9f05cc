"""Permission-walker cases for the campus safety routes (/api/v1/safety).

The rows live in test_permissions.ROUTES; the probes and the data they need (a checklist,
one inspection and one reported hazard in each county's school) are here. Data is made
lazily, once per walk, by the first case that needs it.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from edugov.safety.models import ChecklistItem, ChecklistTemplate, Hazard, Inspection

if TYPE_CHECKING:
    from tests.api.test_permissions import Case, Ctx, Probe

T0 = timezone.make_aware(dt.datetime(2025, 10, 13, 9, 0))
#: Who may take 交办 (assign): principals and bureaus; teachers are refused (403).
ASSIGNERS = {"superuser", "city_bureau", "county_a", "county_b", "school_admin_a"}


def walker() -> ModuleType:
    """The walker module, imported late: it imports this one to build its ROUTES."""
    from tests.api import test_permissions

    return test_permissions


def _probe(*args: Any, **kwargs: Any) -> Probe:
    return walker().Probe(*args, **kwargs)


def ensure_data(ctx: Ctx) -> None:
    """A checklist, and per county an inspection and a hazard reported at its school."""
    if ChecklistTemplate.objects.filter(code="WALK-FIRE").exists():
        return
    template = ChecklistTemplate.objects.create(code="WALK-FIRE", domain="fire", name="消防检查")
    ChecklistItem.objects.create(template=template, order=1, text="疏散通道畅通")
    for side in "ab":
        school = getattr(ctx.world, f"school_{side}")
        Inspection.objects.create(institution=school, template=template, domain="fire",
                                  due_date=T0.date(), state="planned", state_changed_at=T0)
        Hazard.objects.create(institution=school, domain="fire", grade="general",
                              title="安全出口指示灯不亮", source="staff", reported_at=T0,
                              reported_on=T0.date(), state="reported", state_changed_at=T0,
                              code=f"YHWALK{side.upper()}")


def hazard_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return Hazard.objects.get(institution=getattr(ctx.world, f"school_{side}")).pk


def inspection_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return Inspection.objects.get(institution=getattr(ctx.world, f"school_{side}")).pk


def school_code(ctx: Ctx, side: str) -> str:
    return str(ctx.markers(side)[0])


def scoped(list_case: Case) -> Case:
    def probes(ctx: Ctx) -> list[Probe]:
        ensure_data(ctx)
        return list_case(ctx)
    return probes


def hazards(ctx: Ctx) -> list[Probe]:
    return scoped(walker().scoped_list(school_code))(ctx)


def inspections(ctx: Ctx) -> list[Probe]:
    return scoped(walker().scoped_list(school_code))(ctx)


def hazard_detail(ctx: Ctx) -> list[Probe]:
    return walker().scoped_detail("hazard_id", hazard_id)(ctx)


def hazard_history(ctx: Ctx) -> list[Probe]:
    return walker().scoped_detail("hazard_id", hazard_id)(ctx)


def inspection_detail(ctx: Ctx) -> list[Probe]:
    return walker().scoped_detail("inspection_id", inspection_id)(ctx)


def hazard_actions(ctx: Ctx) -> list[Probe]:
    """交办 the county's reported hazard: 200 for principals and bureaus in scope, 403 for
    the teacher (in scope, wrong role), 404 out of scope."""
    sees = walker().SEES[ctx.persona]

    def expected(side: str) -> int:
        if ctx.anonymous:
            return 401
        if side not in sees:
            return 404
        return 200 if ctx.persona in ASSIGNERS else 403

    return [_probe("POST", {"hazard_id": hazard_id(ctx, side)}, expected(side),
                   body={"action": "assign", "owner_name": "刘老师", "measures": "更换灯管"})
            for side in "ab"]


def lists(ctx: Ctx) -> list[Probe]:
    """The 隐患清单 of each county: bureaus reaching it see its school's rows, others 404."""
    ensure_data(ctx)
    seen_regions = walker().SEES_REGIONS[ctx.persona]
    probes = []
    for side in "ab":
        seen = side in seen_regions
        county = ctx.markers(side)[2]
        probes.append(_probe(
            "GET", {"code": "hazard"}, 401 if ctx.anonymous else (200 if seen else 404),
            query=f"?region={county}&start=2025-09-01&end=2025-12-31",
            sees={side: seen, "ab".replace(side, ""): False},
            key=lambda c, s: str(c.markers(s)[1])))
    return probes
