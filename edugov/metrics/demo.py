"""The data center's part of `edugov demo`, built last (``ORDER``), once every app's records are in.

For the demo city (the first city and its counties):

0. The built-in indicator catalog, if missing: the data migrations load it, but the flush
   before a rebuild (or ``--fresh``) empties it, and without it nothing below has a value.
1. 新增学位 (``places.added``) for each county and every academic year the registry built:
   entered by the county bureau through ``services.enter_data_value``, submitted by it and
   approved (locked) by the city bureau — the same history rows as the services write. The
   approval is taken with ``workflow.advance`` rather than ``services.move_data_value`` so
   no background recomputation is enqueued: step 2 stores the snapshots itself.
2. ``services.compute_and_store`` on the live engine for every year built (three), so the
   dashboards have value, change, rank and a trend at once.
3. Targets (``services.set_target``, as the city bureau) for the current year, for the city
   and every county, on the key indicators of ``KEY_INDICATORS`` that exist: the previous
   year's result improved by a planned step (0–4 %, 3–15 % for 新增学位) in the indicator's
   better direction, so some counties beat their target and some miss it.

Every number comes from ``ctx.rng`` streams, so the same seed builds the same data.
"""

from __future__ import annotations

import random

from edugov.core.models import Membership, User
from edugov.core.roles import Role
from edugov.demo.context import DemoContext
from edugov.metrics import selectors, services
from edugov.metrics.builtin import load_all_builtin
from edugov.metrics.models import Direction, Indicator, Result, Unit
from edugov.registry.models import AcademicYear, Region
from edugov.workflow import services as workflow

ORDER = 90
VERSION = "2"

#: The measure entered by the counties, and the indicators given targets (when present).
PLACES = "places.added"
KEY_INDICATORS = (
    "kg_inclusive_coverage",       # 普惠性幼儿园覆盖率
    "kg_public_share",             # 公办园在园幼儿占比
    "migrant_public_share",        # 随迁子女在公办学校就读比例
    "student_teacher_primary",     # 小学生师比
    "student_teacher_junior",      # 初中生师比
    "large_class_share",           # 大班额占比
    "certified_teachers",          # 专任教师持证率
    "standardized_school_share",   # 义务教育标准化学校比例
    "fitness_pass_rate",           # 体质健康合格率 (health)
    "myopia_rate",                 # 近视率 (health)
    "places_added",                # 新增学位数
)


def build(ctx: DemoContext) -> None:
    registry = ctx.shared.get("registry")
    if registry is None or not registry.city_ids:
        return
    if not Indicator.objects.filter(builtin=True).exists():
        load_all_builtin(Indicator)
    city = Region.objects.get(pk=registry.city_ids[0])
    counties = list(Region.objects.filter(parent=city).order_by("code"))
    years = list(AcademicYear.objects.filter(pk__in=registry.year_ids).order_by(
        "start_year").values_list("start_year", flat=True))
    current, previous = years[-1], years[-2]
    city_user = bureau_user(Role.CITY_BUREAU, city)
    values = enter_places(ctx.rng("metrics/places"), counties, city_user, tuple(years))
    for year in years:
        services.compute_and_store(actor=None, year=year)
    targets = set_targets(ctx.rng("metrics/targets"), [city, *counties], city_user,
                          previous, current)
    ctx.counts.update({"metrics_data_values": values, "metrics_targets": targets,
                       "metrics_results": Result.objects.count()})


def bureau_user(role: Role, region: Region) -> User | None:
    """The demo account holding ``role`` for ``region`` (None: the step is the system's)."""
    membership = Membership.objects.filter(role=role, region=region).select_related(
        "user").order_by("pk").first()
    return None if membership is None else membership.user


def enter_places(rng: random.Random, counties: list[Region], city_user: User | None,
                 years: tuple[int, ...]) -> int:
    """One approved 新增学位 figure per county and year, with its workflow history."""
    count = 0
    for county in counties:
        county_user = bureau_user(Role.COUNTY_BUREAU, county)
        places = rng.randrange(300, 1500, 10)
        for n, year in enumerate(years):
            if n:  # this year's places against last year's: most counties add more
                places = int(round(places * rng.uniform(0.9, 1.35), -1))
            item = services.enter_data_value(
                actor=county_user, measure=PLACES, year=year, value=places, region=county,
                note=f"{year}年民生实事：新建、改扩建学校新增学位")
            workflow.advance(actor=county_user, item=item, transition="submit",
                             as_system=county_user is None)
            workflow.advance(actor=city_user, item=item, transition="approve",
                             as_system=city_user is None)
            count += 1
    return count


def set_targets(rng: random.Random, regions: list[Region], city_user: User | None,
                previous: int, current: int) -> int:
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=KEY_INDICATORS)}
    latest = {year: dict(((r.indicator_id, r.region_id), r.value) for r in
                         selectors.current_results(year).filter(
                             indicator__in=indicators.values(), region__in=regions))
              for year in (previous, current)}
    count = 0
    for code in KEY_INDICATORS:  # a fixed order: the rng draws are the same every build
        indicator = indicators.get(code)
        if indicator is None:
            continue
        for region in regions:
            key = (indicator.pk, region.pk)
            reference = latest[previous].get(key)
            if reference is None:
                reference = latest[current].get(key)
            if reference is None or (reference == 0 and indicator.direction == Direction.LOWER):
                continue  # no figure, or nothing left to lower (e.g. no 大班额 at all)
            step = rng.uniform(0.03, 0.15) if code == "places_added" else rng.uniform(0, 0.04)
            value = reference * (1 - step if indicator.direction == Direction.LOWER else 1 + step)
            if indicator.unit == Unit.PERCENT:
                value = min(value, 100.0)
            services.set_target(actor=city_user, indicator=indicator, region=region,
                                year=current, value=round(value, indicator.decimals))
            count += 1
    return count
