"""Safety fixtures over the shared world: a fire checklist, a clock, a planned inspection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from edugov.safety import services
from edugov.safety.models import ChecklistTemplate, Inspection, Schedule
from tests.conftest import Personas, World

#: The clock every safety test runs on (a Monday in term time).
T0 = timezone.make_aware(dt.datetime(2025, 10, 13, 9, 0))


@dataclass
class SafetyWorld:
    template: ChecklistTemplate
    schedule: Schedule
    inspection: Inspection


FIRE_ITEMS = (
    services.ItemSpec("疏散通道畅通，无堆放杂物", guidance="逐层检查楼梯间和走廊",
                      failure_grade="significant"),
    services.ItemSpec("灭火器压力在绿区", evidence="reading", reading_min=1.0, reading_max=1.4,
                      reading_unit="MPa"),
    services.ItemSpec("消防控制室值班记录完整", evidence="photo"),
)


@pytest.fixture
def safety(world: World, personas: Personas) -> SafetyWorld:
    template = services.publish_template(actor=personas.county_a, code="FIRE-DAILY",
                                         domain="fire", name="消防日巡查", items=FIRE_ITEMS)
    plan = services.create_schedule(actor=personas.school_admin_a, institution=world.school_a,
                                    template_code="FIRE-DAILY", frequency="daily",
                                    inspector_level="safety_officer",
                                    start=dt.date(2025, 9, 1), end=dt.date(2026, 1, 31))
    services.plan_inspections(actor=personas.school_admin_a, plan=plan,
                              start=dt.date(2025, 10, 13), end=dt.date(2025, 10, 17), now=T0)
    inspection = plan.inspections.get(due_date=dt.date(2025, 10, 13))
    return SafetyWorld(template, plan, inspection)
