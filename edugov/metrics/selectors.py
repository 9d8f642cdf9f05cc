"""Every read of the data center for a user, scoped through core.scoping.visible_to.

Results belong to a region or an institution, so a result is visible exactly when its
region or institution is (``visible_to`` on those querysets decides). One published
exception, as bureaus publish their league tables: a bureau user may see the ranking of
the regions beside their own (a county sees every county of its city ranked), values and
ranks of those regions only, never their schools.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from edugov.core.roles import REGION_ROLES
from edugov.core.scoping import scope_of, visible_to
from edugov.metrics.models import ComputationRun, DataValue, Indicator, Result, Target
from edugov.metrics.rules import comparison
from edugov.metrics.rules.equity import weighted_cv
from edugov.registry.models import Enrolment, Institution, Region


def indicators_for(user: Any) -> QuerySet[Indicator]:
    """The catalog is public to every signed-in user: definitions hold no personal data."""
    if user is None or not user.is_authenticated:
        return Indicator.objects.none()
    return Indicator.objects.all()


def indicator_for(user: Any, code: str) -> Indicator:
    return indicators_for(user).get(code=code)


def regions_for(user: Any) -> QuerySet[Region]:
    return visible_to(user, Region.objects.all())


def institutions_for(user: Any) -> QuerySet[Institution]:
    return visible_to(user, Institution.objects.all())


def region_for(user: Any, code: str) -> Region:
    return regions_for(user).get(code=code)


def data_values_for(user: Any) -> QuerySet[DataValue]:
    return DataValue.objects.filter(
        Q(region__in=regions_for(user)) | Q(institution__in=institutions_for(user)))


def targets_for(user: Any) -> QuerySet[Target]:
    return Target.objects.filter(region__in=regions_for(user)).select_related(
        "indicator", "region")


def latest_run(year: int) -> ComputationRun | None:
    return ComputationRun.objects.filter(year=year).order_by("-computed_at", "-id").first()


def current_results(year: int) -> QuerySet[Result]:
    run = latest_run(year)
    if run is None:
        return Result.objects.none()
    return Result.objects.filter(run=run)


def results_for(user: Any, *, year: int) -> QuerySet[Result]:
    return current_results(year).filter(
        Q(region__in=regions_for(user)) | Q(institution__in=institutions_for(user))
    ).select_related("indicator", "region", "institution")


def may_see_sibling_ranking(user: Any, parent: Region) -> bool:
    """The parent is visible, or is directly above a region a bureau user holds."""
    if regions_for(user).filter(pk=parent.pk).exists():
        return True
    scope = scope_of(user)
    if not scope.has_role(*REGION_ROLES):
        return False
    return any(path.startswith(parent.path) and path.count("/") == parent.path.count("/") + 1
               for path in scope.region_paths)


# -- value, target, completion, change ---------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """One region's indicator in one year, with everything an annual report states."""

    indicator: Indicator
    region: Region
    year: int
    value: float | None
    target: float | None
    completion: float | None  # 实际/目标 (direction-aware), e.g. 1.04 = 完成年度任务的104%
    previous: float | None
    change: float | None  # absolute; percentage points (百分点) for % and ‰ rates
    change_unit: str
    rank: int | None
    peers: int
    streak: int  # consecutive years ranked first among siblings, ending this year

    @property
    def completion_text(self) -> str:
        if self.completion is None:
            return "无目标或无数据"
        return f"完成年度任务的{self.completion * 100:.0f}%"


def region_value(indicator: Indicator, region: Region, year: int) -> float | None:
    row = current_results(year).filter(indicator=indicator, region=region).first()
    return None if row is None else row.value


def sibling_values(indicator: Indicator, region: Region, year: int) -> dict[str, float | None]:
    """Values of ``region`` and every region with the same parent, by region code."""
    siblings = Region.objects.filter(parent_id=region.parent_id) if region.parent_id \
        else Region.objects.filter(pk=region.pk)
    rows = current_results(year).filter(indicator=indicator, region__in=siblings)
    values = dict(rows.values_list("region__code", "value"))
    return {code: values.get(code) for code in siblings.values_list("code", flat=True)}


def assess(user: Any, *, indicator: Indicator, region_code: str, year: int) -> Assessment:
    region = region_for(user, region_code)  # 404 outside the user's jurisdiction
    value = region_value(indicator, region, year)
    previous = region_value(indicator, region, year - 1)
    target = Target.objects.filter(indicator=indicator, region=region, year=year).first()
    target_value = None if target is None else target.value
    delta = comparison.change(value, previous)
    peers = sibling_values(indicator, region, year)
    ranks = comparison.rank(peers, indicator.direction)
    return Assessment(
        indicator=indicator, region=region, year=year, value=value, target=target_value,
        completion=comparison.completion(value, target_value, indicator.direction),
        previous=previous, change=None if delta is None else delta.absolute,
        change_unit="百分点" if indicator.is_rate else indicator.get_unit_display(),
        rank=ranks.get(region.code), peers=sum(v is not None for v in peers.values()),
        streak=first_place_streak(indicator, region, year),
    )


def first_place_streak(indicator: Indicator, region: Region, year: int) -> int:
    """连续N年位居第一: years in a row, ending at ``year``, ranked first among siblings."""
    years = ComputationRun.objects.filter(year__lte=year).values_list("year", flat=True)
    ranks_by_year = {
        y: comparison.rank(sibling_values(indicator, region, y), indicator.direction).get(
            region.code) for y in sorted(set(years))}
    return comparison.streak(ranks_by_year, up_to=year)


# -- rankings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedRow:
    code: str
    name: str
    value: float | None
    rank: int | None


def region_ranking(user: Any, *, indicator: Indicator, parent_code: str, year: int,
                   ) -> list[RankedRow]:
    """The child regions of ``parent_code`` ranked, best first (direction-aware)."""
    parent = Region.objects.get(code=parent_code)
    if not may_see_sibling_ranking(user, parent):
        raise Region.DoesNotExist("行政区划不存在，或不在您的管辖范围内")
    children = {r.code: r.name for r in Region.objects.filter(parent=parent)}
    rows = current_results(year).filter(indicator=indicator, region__parent=parent)
    values = dict(rows.values_list("region__code", "value"))
    ranked = comparison.peers_ranked([(c, values.get(c)) for c in children],
                                     indicator.direction)
    return [RankedRow(code, children[code], value, rank) for code, value, rank in ranked]


def institution_ranking(user: Any, *, indicator: Indicator, region_code: str, year: int,
                        kind: str | None = None) -> tuple[list[RankedRow], int]:
    """Peer institutions in a region's subtree ranked; only visible ones are listed.

    Ranks are computed among all peers, so a school administrator learns their school's
    true place without seeing the other schools. Returns (rows, number of peers ranked).
    """
    region = Region.objects.get(code=region_code)
    peers = Institution.objects.filter(region__path__startswith=region.path)
    if kind:
        peers = peers.filter(kind=kind)
    rows = current_results(year).filter(indicator=indicator, institution__in=peers)
    values = {str(pk): (code, name, value) for pk, code, name, value in rows.values_list(
        "institution_id", "institution__code", "institution__name", "value")}
    ranks = comparison.rank({i: v for i, (_c, _n, v) in values.items()}, indicator.direction)
    visible = {str(pk) for pk in institutions_for(user).filter(
        pk__in=[int(i) for i in values]).values_list("pk", flat=True)}
    if not visible:
        raise Region.DoesNotExist("行政区划不存在，或不在您的管辖范围内")
    listed = [RankedRow(values[i][0], values[i][1], values[i][2], ranks.get(i))
              for i in visible]
    listed.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
    return listed, len(ranks)


def school_spread(indicator: Indicator, region: Region, year: int) -> tuple[float | None, int]:
    """(差异系数, schools) of ``indicator`` across the schools under ``region`` this year.

    Weighted by each school's active enrolment, per policy-rules.md §2.1(b) (教督〔2017〕6号):
    the same coefficient the 优质均衡 check applies to its seven resource indicators,
    offered for any indicator that has per-school values.
    """
    values = {pk: float(v or 0.0) for pk, v in current_results(year).filter(  # no None left
        indicator=indicator, institution__region__path__startswith=region.path,
        value__isnull=False).values_list("institution_id", "value")}
    students = dict(Enrolment.objects.filter(
        institution_id__in=values, academic_year__start_year=year, status="active",
    ).values_list("institution_id").annotate(n=Count("pk")).values_list("institution_id", "n"))
    pairs = [(values[pk], students[pk]) for pk in values if students.get(pk)]
    cv = weighted_cv([v for v, _ in pairs], [w for _, w in pairs]) if len(pairs) > 1 else None
    return cv, len(pairs)
