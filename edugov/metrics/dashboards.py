"""What the dashboards show, read in a handful of queries (not a query per indicator).

Every figure comes from the stored snapshots (``ComputationRun`` → ``Result``) and carries
the time it was computed. Reads are scoped: the region or school must be visible to the
user (``selectors.region_for`` / ``institution_for`` raise DoesNotExist → 404); sibling
regions appear only through the published ranking exception (selectors).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from edugov.metrics import selectors
from edugov.metrics.models import ComputationRun, Indicator, Result, Target
from edugov.metrics.rules import comparison
from edugov.registry.models import Institution, Region

#: Years shown in trends and searched for streaks.
HISTORY_YEARS = 6


@dataclass(frozen=True)
class Row:
    """One indicator of one unit in one year: everything a dashboard line states."""

    indicator: Indicator
    value: float | None
    target: float | None
    completion: float | None
    previous: float | None
    change: float | None
    rank: int | None
    peers: int
    streak: int
    computed_at: dt.datetime | None

    @property
    def change_unit(self) -> str:
        return "个百分点" if self.indicator.is_rate else self.indicator.unit

    def shown(self, value: float | None) -> str:
        return show(self.indicator, value)

    @property
    def value_text(self) -> str:
        return self.shown(self.value)

    @property
    def target_text(self) -> str:
        return self.shown(self.target)

    @property
    def completion_text(self) -> str:
        return "—" if self.completion is None else f"{self.completion * 100:.0f}%"

    @property
    def change_text(self) -> str:
        if self.change is None:
            return "—"
        places = self.indicator.decimals
        return f"{self.change:+.{places}f}{self.change_unit}"


def show(indicator: Indicator, value: float | None) -> str:
    if value is None:
        return "—"
    unit = "" if indicator.unit == "比" else indicator.unit
    return f"{value:,.{indicator.decimals}f}{unit}"


def latest_runs(year: int) -> dict[int, ComputationRun]:
    """The current (latest) run of each year up to ``year``, newest years first."""
    runs: dict[int, ComputationRun] = {}
    for run in ComputationRun.objects.filter(year__lte=year, year__gt=year - HISTORY_YEARS
                                             ).order_by("year", "computed_at", "id"):
        runs[run.year] = run
    return dict(sorted(runs.items(), reverse=True))


@dataclass
class History:
    """Stored values of a set of units by indicator, year and unit id."""

    runs: dict[int, ComputationRun]
    values: dict[tuple[int, int, int], float | None] = field(default_factory=dict)

    def get(self, indicator: Indicator, year: int, unit_id: int) -> float | None:
        return self.values.get((indicator.pk, year, unit_id))

    def computed_at(self, year: int) -> dt.datetime | None:
        run = self.runs.get(year)
        return None if run is None else run.computed_at


def region_history(regions: list[Region], year: int) -> History:
    history = History(latest_runs(year))
    rows = Result.objects.filter(run__in=history.runs.values(), region__in=regions)
    for indicator_id, region_id, y, value in rows.values_list("indicator_id", "region_id",
                                                              "year", "value"):
        history.values[(indicator_id, y, region_id)] = value
    return history


def institution_history(schools: list[Institution], year: int) -> History:
    history = History(latest_runs(year))
    rows = Result.objects.filter(run__in=history.runs.values(), institution__in=schools)
    for indicator_id, school_id, y, value in rows.values_list(
            "indicator_id", "institution_id", "year", "value"):
        history.values[(indicator_id, y, school_id)] = value
    return history


def siblings_of(region: Region) -> list[Region]:
    if region.parent_id is None:
        return [region]
    return list(Region.objects.filter(parent_id=region.parent_id).order_by("code"))


def applies(indicator: Indicator, level: str) -> bool:
    return not indicator.levels or level in indicator.levels


def row_for(indicator: Indicator, unit_id: int, peers: list[int], history: History,
            year: int, target: float | None) -> Row:
    value = history.get(indicator, year, unit_id)
    previous = history.get(indicator, year - 1, unit_id)
    ranks = {y: comparison.rank({str(p): history.get(indicator, y, p) for p in peers},
                                indicator.direction) for y in history.runs}
    here = ranks.get(year, {})
    delta = comparison.change(value, previous)
    return Row(
        indicator=indicator, value=value, target=target,
        completion=comparison.completion(value, target, indicator.direction),
        previous=previous, change=None if delta is None else delta.absolute,
        rank=here.get(str(unit_id)), peers=len(here),
        streak=comparison.streak({y: r.get(str(unit_id)) for y, r in ranks.items()},
                                 up_to=year),
        computed_at=history.computed_at(year))


@dataclass
class RegionBoard:
    region: Region
    year: int
    rows: list[Row]
    children: list[Region]
    schools: list[Institution]
    computed_at: dt.datetime | None
    years: list[int]


def region_board(user: Any, *, code: str, year: int) -> RegionBoard:
    region = selectors.region_for(user, code)
    peers = siblings_of(region)
    history = region_history(peers, year)
    targets = dict(Target.objects.filter(region=region, year=year).values_list(
        "indicator_id", "value"))
    rows = [row_for(ind, region.pk, [p.pk for p in peers], history, year, targets.get(ind.pk))
            for ind in selectors.indicators_for(user) if applies(ind, region.level)]
    children = list(selectors.regions_for(user).filter(parent=region).order_by("code"))
    # Schools placed directly in this region (a county's own, beside its townships).
    schools = list(selectors.institutions_for(user).filter(region=region, status="active")
                   .order_by("code"))
    return RegionBoard(region, year, rows, children, schools, history.computed_at(year),
                       sorted(history.runs))


@dataclass
class SchoolBoard:
    school: Institution
    year: int
    rows: list[Row]
    computed_at: dt.datetime | None


def school_board(user: Any, *, code: str, year: int) -> SchoolBoard:
    """A school's indicators, ranked among schools of its kind in its county (the rank
    is true among all peers; other schools' values are not shown)."""
    school = selectors.institutions_for(user).select_related("region").get(code=code)
    peers = list(Institution.objects.filter(region_id=school.region_id, kind=school.kind,
                                            status="active"))
    history = institution_history(peers, year)
    rows = [row_for(ind, school.pk, [p.pk for p in peers], history, year, None)
            for ind in selectors.indicators_for(user) if applies(ind, "institution")]
    return SchoolBoard(school, year, rows, history.computed_at(year))


@dataclass
class IndicatorBoard:
    """One indicator for a region: its row, the ranking of its children (drill-down), the
    ranking among siblings (published), and the trend over the years."""

    region: Region
    indicator: Indicator
    row: Row
    #: (code, name, value, rank, "region" or "institution") best first
    children: list[tuple[str, str, float | None, int | None, str]]
    siblings: list[selectors.RankedRow]
    trend: list[tuple[int, float | None]]
    computed_at: dt.datetime | None


def indicator_board(user: Any, *, code: str, indicator_code: str, year: int) -> IndicatorBoard:
    region = selectors.region_for(user, code)
    indicator = selectors.indicator_for(user, indicator_code)
    peers = siblings_of(region)
    history = region_history(peers, year)
    target = Target.objects.filter(region=region, year=year, indicator=indicator).first()
    row = row_for(indicator, region.pk, [p.pk for p in peers], history, year,
                  None if target is None else target.value)
    children: list[tuple[str, str, float | None, int | None, str]] = []
    child_regions = list(selectors.regions_for(user).filter(parent=region))
    if child_regions:
        ranked = selectors.region_ranking(user, indicator=indicator, parent_code=region.code,
                                          year=year)
        children = [(r.code, r.name, r.value, r.rank, "region") for r in ranked]
    else:
        schools, _peers = ranked_schools(user, indicator, region, year)
        children = [(r.code, r.name, r.value, r.rank, "institution") for r in schools]
    siblings = selectors.region_ranking(user, indicator=indicator,
                                        parent_code=region.parent.code, year=year) \
        if region.parent is not None else []
    trend = [(y, history.get(indicator, y, region.pk)) for y in sorted(history.runs)]
    return IndicatorBoard(region, indicator, row, children, siblings, trend,
                          history.computed_at(year))


def ranked_schools(user: Any, indicator: Indicator, region: Region, year: int,
                   ) -> tuple[list[selectors.RankedRow], int]:
    try:
        return selectors.institution_ranking(user, indicator=indicator,
                                             region_code=region.code, year=year)
    except Region.DoesNotExist:
        return [], 0
