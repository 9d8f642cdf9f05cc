"""Permission-walker cases for the data center routes (/api/v1/metrics).

The rows live in test_permissions.ROUTES; the probes and the data they need (a stored
result per county and school, targets, data values in each workflow state) are here.
Data is created lazily, once per walk, by the first case that needs it.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from edugov.metrics.models import ComputationRun, DataValue, Indicator, Result, Target

if TYPE_CHECKING:
    from tests.api.test_permissions import Case, Ctx, Probe

INDICATOR = "kg_public_share"
YEAR = 2025
BUREAUS = {"superuser", "city_bureau", "county_a", "county_b"}
CITY = {"superuser", "city_bureau"}
ENTERING = BUREAUS | {"school_admin_a"}
#: Bureau roles see the ranking of the counties beside their own (published league table).
RANKING_READERS = BUREAUS
#: One data value per transition, in the state the transition starts from, by year.
TRANSITION_ITEMS = {"submit": (2021, "draft"), "approve": (2022, "submitted"),
                    "return": (2023, "submitted"), "reopen": (2024, "approved")}
#: Who may take each transition (superuser: anything).
TAKERS = {"submit": ENTERING, "approve": CITY, "return": CITY, "reopen": BUREAUS}


def walker() -> ModuleType:
    """The walker module, imported late: it imports this one to build its ROUTES."""
    from tests.api import test_permissions

    return test_permissions


def _probe(*args: Any, **kwargs: Any) -> Probe:
    return walker().Probe(*args, **kwargs)


def ensure_data(ctx: Ctx) -> None:
    """A stored run with results for both counties and schools, targets, data values."""
    w = ctx.world
    if ComputationRun.objects.filter(year=YEAR).exists():
        return
    indicator = Indicator.objects.get(code=INDICATOR)
    run = ComputationRun.objects.create(year=YEAR, engine="live", computed_at=timezone.now())
    Result.objects.bulk_create([
        Result(run=run, indicator=indicator, year=YEAR, region=w.county_a, value=61.5),
        Result(run=run, indicator=indicator, year=YEAR, region=w.county_b, value=48.0),
        Result(run=run, indicator=indicator, year=YEAR, institution=w.school_a, value=70.0),
        Result(run=run, indicator=indicator, year=YEAR, institution=w.school_b, value=40.0),
    ])
    for region in (w.county_a, w.county_b):
        Target.objects.create(indicator=indicator, region=region, year=YEAR, value=60)
    for side in "ab":
        school = getattr(w, f"school_{side}")
        for year, state in TRANSITION_ITEMS.values():
            DataValue.objects.create(measure="outreach.sessions", institution=school,
                                     year=year, value=12, state=state,
                                     entered_at=timezone.now())


def item_id(ctx: Ctx, side: str, transition: str) -> int:
    year, _state = TRANSITION_ITEMS[transition]
    school = getattr(ctx.world, f"school_{side}")
    return DataValue.objects.get(institution=school, year=year, measure="outreach.sessions").pk


def in_scope(ctx: Ctx, side: str, sees: dict[str, set[str]]) -> bool:
    return side in sees[ctx.persona]


def scoped_data_list(key: Any, sees: dict[str, set[str]], query: str = "") -> Case:
    def probes(ctx: Ctx) -> list[Probe]:
        ensure_data(ctx)
        return [_probe("GET", {}, 401 if ctx.anonymous else 200,
                       query=f"?page_size=500{query}",
                       sees={side: in_scope(ctx, side, sees) for side in "ab"}, key=key)]
    return probes


def region_detail(path_params: Any, sees_regions: dict[str, set[str]]) -> Case:
    """A route about one county: 200 when the county is in scope, else 404."""
    def probes(ctx: Ctx) -> list[Probe]:
        ensure_data(ctx)
        return [_probe("GET", path_params(ctx, side),
                       401 if ctx.anonymous else (200 if in_scope(ctx, side, sees_regions)
                                                  else 404),
                       query=f"?year={YEAR}",
                       sees={side: in_scope(ctx, side, sees_regions)})
                for side in "ab"]
    return probes


def rankings(ctx: Ctx) -> list[Probe]:
    """Counties ranked city-wide: every bureau sees both counties (the published
    exception); school roles learn their school's place among visible schools only."""
    ensure_data(ctx)
    city = ctx.world.city.code
    bureau = ctx.persona in RANKING_READERS
    probes = [_probe("GET", {"indicator": INDICATOR},
                     401 if ctx.anonymous else (200 if bureau else 404),
                     query=f"?year={YEAR}&parent={city}",
                     sees={"a": bureau, "b": bureau})]
    SEES = walker().SEES
    for side in "ab":
        county = getattr(ctx.world, f"county_{side}").code
        seen = side in SEES[ctx.persona]
        probes.append(_probe(
            "GET", {"indicator": INDICATOR}, 401 if ctx.anonymous else (200 if seen else 404),
            query=f"?year={YEAR}&parent={county}&units=institutions",
            sees={side: seen, "ab".replace(side, ""): False},
            key=lambda c, s: c.markers(s)[0]))
    return probes


def post_target(ctx: Ctx) -> list[Probe]:
    SEES_REGIONS = walker().SEES_REGIONS
    def expected(side: str) -> int:
        if ctx.anonymous:
            return 401
        if ctx.persona not in BUREAUS:
            return 403
        return 200 if side in SEES_REGIONS[ctx.persona] else 404
    return [_probe("POST", {}, expected(side),
                   body={"indicator": INDICATOR, "region": ctx.markers(side)[2],
                         "year": YEAR + 1, "value": 75.5})
            for side in "ab"]


def post_data_value(ctx: Ctx) -> list[Probe]:
    SEES = walker().SEES
    def expected(side: str) -> int:
        if ctx.anonymous:
            return 401
        if ctx.persona not in ENTERING:
            return 403
        return 200 if side in SEES[ctx.persona] else 404
    return [_probe("POST", {}, expected(side),
                   body={"measure": "places.added", "year": YEAR, "value": 360,
                         "institution": ctx.markers(side)[0], "note": "walker"})
            for side in "ab"]


def transitions(ctx: Ctx) -> list[Probe]:
    """Each transition on an item in its starting state: 200 for who may take it, 403
    for a role in scope that may not, 404 out of scope."""
    SEES = walker().SEES
    ensure_data(ctx)
    probes = []
    for transition, takers in TAKERS.items():
        for side in "ab":
            if ctx.anonymous:
                status = 401
            elif side not in SEES[ctx.persona]:
                status = 404
            else:
                status = 200 if ctx.persona in takers else 403
            body: dict[str, Any] = {"transition": transition}
            if transition in ("return", "reopen"):
                body["reason"] = "核对后更正"
            if transition == "reopen":
                body["value"] = 15
            probes.append(_probe("POST", {"value_id": item_id(ctx, side, transition)}, status,
                                 body=body))
    return probes


def equity(ctx: Ctx) -> list[Probe]:
    SEES_REGIONS = walker().SEES_REGIONS
    return region_detail(lambda c, s: {"county": c.markers(s)[2]}, SEES_REGIONS)(ctx)


def assessment(ctx: Ctx) -> list[Probe]:
    SEES_REGIONS = walker().SEES_REGIONS
    return region_detail(lambda c, s: {"indicator": INDICATOR, "region": c.markers(s)[2]},
                         SEES_REGIONS)(ctx)


def values(ctx: Ctx) -> list[Probe]:
    SEES = walker().SEES
    return scoped_data_list(lambda c, s: c.markers(s)[0], SEES,
                            f"&year={YEAR}&indicator={INDICATOR}")(ctx)


def targets(ctx: Ctx) -> list[Probe]:
    SEES_REGIONS = walker().SEES_REGIONS
    return scoped_data_list(lambda c, s: c.markers(s)[2], SEES_REGIONS, f"&year={YEAR}")(ctx)


def data_values(ctx: Ctx) -> list[Probe]:
    SEES = walker().SEES
    return scoped_data_list(lambda c, s: c.markers(s)[0], SEES)(ctx)


