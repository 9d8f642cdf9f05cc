"""The data center's safety measures agree with the selectors' ORM counts (live engine)."""

from __future__ import annotations

import datetime as dt
import math

from edugov.metrics.catalog import measures
from edugov.metrics.engine.backends import live_source
from edugov.safety import selectors, services
from tests.conftest import Personas, World
from tests.safety.conftest import T0, SafetyWorld

DAY = dt.timedelta(days=1)


def total(name: str, year: int = 2025) -> float:
    measure = measures().get(name)
    fact = measure.fact(live_source().tables, year)  # type: ignore[attr-defined]
    value = fact.value.sum().execute()
    return 0.0 if value is None or math.isnan(value) else float(value)


def test_measures_match_the_overview(world: World, personas: Personas,
                                     safety: SafetyWorld) -> None:
    hazard = services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                    domain="fire", title="灭火器过期", now=T0)
    services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                           domain="building", title="围墙开裂", grade="major", now=T0)
    services.assign_hazard(actor=personas.school_admin_a, hazard=hazard, owner=None,
                           owner_name="刘", measures="更换", now=T0)
    for step in ("accept", "submit", "verify", "close"):
        services.act_on_hazard(actor=personas.school_admin_a, hazard=hazard, transition=step,
                               now=T0 + 2 * DAY)
    services.escalate_overdue(now=T0 + DAY)  # the 13th's inspection is missed
    services.record_incident(actor=personas.school_admin_a, institution=world.school_a,
                             occurred_at=T0, domain="fire", severity="III", title="火情")
    assert total("safety.inspections_due") == 5
    assert total("safety.inspections_missed") == 1
    assert total("safety.hazards_found") == 2
    assert total("safety.hazards_closed") == 1
    assert total("safety.hazards_closed_on_time") == 1
    assert total("safety.rectification_days") == 2.0
    assert total("safety.hazards_supervised_major") == 1
    assert total("safety.incidents") == 1
    assert total("safety.hazards_found", year=2024) == 0
    counts = selectors.safety_counts(personas.city_bureau, world.city,
                                     selectors.Period(dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
                                     now=T0 + 3 * DAY)
    assert (counts.hazards_found, counts.hazards_closed, counts.supervised_major,
            counts.serious_incidents) == (2, 1, 1, 1)
    assert counts.rectification_days_total == 2.0
