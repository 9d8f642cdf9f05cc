"""The registry's part of `edugov demo`: a synthetic province, city or county set.

Builds, in order: regions (an invented province 98, its cities, counties, townships),
academic years 2023, 2024 and 2025 (current), institutions of every kind with facility
figures, staff (current and former) with assignment histories, classes, students (current
and former) and enrolments for the three years, education groups, pairings and the demo
accounts. What scenario builders need later is left in ``ctx.shared["registry"]`` (a
:class:`RegistryDemo`).

Each county draws from its own random streams, so a county's data depends only on the
seed and the county, and the build could one day run counties in parallel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from edugov.core.models import User
from edugov.demo.context import DemoContext
from edugov.registry.demo.accounts import build_accounts
from edugov.registry.demo.facilities import institution_row
from edugov.registry.demo.geography import Geography, plan_geography
from edugov.registry.demo.networks import build_groups, build_pairings
from edugov.registry.demo.people import BirthDays, Identities
from edugov.registry.demo.plan import plan_county
from edugov.registry.demo.staff import StaffMaker
from edugov.registry.demo.students import CURRENT_YEAR, FIRST_YEAR, StudentMaker
from edugov.registry.models import (
    AcademicYear,
    Assignment,
    Enrolment,
    Institution,
    Region,
    SchoolClass,
    Staff,
    Student,
    Term,
)

ORDER = 0
#: The tables written row by row in bulk (millions of rows at the province scale).
BULK_MODELS = (Student, Enrolment, SchoolClass, Staff, Assignment)
#: Bump when the generated data changes, so existing demo databases are rebuilt.
VERSION = "2"


@dataclass
class RegistryDemo:
    """What the registry built, for scenario builders that run after it."""

    province_id: int
    city_ids: list[int]
    county_ids: list[int]
    current_year_id: int
    previous_year_id: int
    #: Every academic year built, oldest first (the last is the current one).
    year_ids: list[int]
    #: Allocates 身份证号/学籍号 that never repeat those the registry gave out: a scenario
    #: inventing more people (applicants, parents) should draw from this one.
    identities: Identities
    births: BirthDays
    institution_ids: dict[str, list[int]] = field(default_factory=dict)


def make_years() -> list[AcademicYear]:
    """The academic years built, oldest first, with two terms each; the last is current."""
    years = []
    for start in range(FIRST_YEAR, CURRENT_YEAR + 1):
        year = AcademicYear.objects.create(start_year=start, is_current=start == CURRENT_YEAR)
        Term.objects.create(academic_year=year, number=1, start=dt.date(start, 9, 1),
                            end=dt.date(start + 1, 1, 24))
        Term.objects.create(academic_year=year, number=2, start=dt.date(start + 1, 2, 24),
                            end=dt.date(start + 1, 7, 10))
        years.append(year)
    return years


def build(ctx: DemoContext) -> None:
    years = make_years()
    geography = plan_geography(ctx.scale, ctx.rng("registry/geography"), ctx.writer)
    Region.objects.bulk_create(geography.regions, batch_size=2000)
    for index, county in enumerate(geography.counties):
        plan_county(county, ctx.scale, index, ctx.rng(f"registry/plan/{county.code}"),
                    ctx.writer)
    identities, births = Identities(), BirthDays()
    staff = StaffMaker(ctx.writer, identities, births)
    students = StudentMaker(ctx.writer, identities, births,
                            {year.start_year: year.pk for year in years})
    total = sum(s.students for c in geography.counties for s in c.institutions)
    stage = ctx.progress.stage("生成学校、教职工和学生", total, "人")
    with ctx.writer.keys_and_indexes_built_after_loading(BULK_MODELS):
        for county in geography.counties:
            rng = ctx.rng(f"registry/people/{county.code}")
            # Some counties invest more in buildings and equipment than others.
            county_shift = rng.gauss(0.0, 0.08)
            Institution.objects.bulk_create(
                [institution_row(rng, s, county_shift) for s in county.institutions],
                batch_size=2000)
            teachers = staff.county(county, rng)
            stage.advance(students.county(county, rng, teachers))
        stage.close()
    networks_rng = ctx.rng("registry/networks")
    members = build_groups(networks_rng, ctx.writer, geography.counties)
    pairings = build_pairings(networks_rng, ctx.writer, geography.counties)
    build_accounts(ctx, geography, staff.a_teacher)
    ctx.writer.finish()
    ctx.counts.update(count_rows(ctx, geography, members, pairings, students.former,
                                 staff.former))
    ctx.shared["registry"] = registry_demo(geography, years, identities, births)


def count_rows(ctx: DemoContext, geography: Geography, members: int, pairings: int,
               former_students: int, former_staff: int) -> dict[str, int]:
    """Rows written; ``students`` and ``staff`` are today's, former ones counted apart."""
    written = ctx.writer.written
    return {
        "regions": len(geography.regions),
        "institutions": sum(len(c.institutions) for c in geography.counties),
        "students": written(Student) - former_students,
        "former_students": former_students,
        "enrolments": written(Enrolment),
        "classes": written(SchoolClass),
        "staff": written(Staff) - former_staff,
        "former_staff": former_staff,
        "assignments": written(Assignment),
        "group_members": members,
        "pairings": pairings,
        "users": User.objects.count(),
    }


def registry_demo(geography: Geography, years: list[AcademicYear], identities: Identities,
                  births: BirthDays) -> RegistryDemo:
    demo = RegistryDemo(
        province_id=geography.province.pk, city_ids=[c.pk for c in geography.cities],
        county_ids=[c.region.pk for c in geography.counties],
        current_year_id=years[-1].pk, previous_year_id=years[-2].pk,
        year_ids=[year.pk for year in years], identities=identities, births=births)
    for county in geography.counties:
        for school in county.institutions:
            demo.institution_ids.setdefault(school.kind, []).append(school.id)
    return demo
