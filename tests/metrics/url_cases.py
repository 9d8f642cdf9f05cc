"""The data center's pages for the project-wide URL walker (tests/web/url_cases.py).

The lead adds ``*METRICS_CASES`` to ``CASES`` there; until then
tests/metrics/test_pages_walk.py walks these same cases with the web walker's own check.
"""

from __future__ import annotations

from tests.web.url_cases import LOGIN, SEES_A, SEES_B, Case, detail, expect

BUREAU_WRITERS = ("superuser", "city_bureau", "county_a", "county_b")
#: Region pages: bureaus whose jurisdiction holds the region; school roles see no regions.
REGION_A = ("superuser", "city_bureau", "county_a")
REGION_B = ("superuser", "city_bureau", "county_b")


def bureau_only(ok: int) -> dict[str, int | str]:
    return expect(403, **{p: ok for p in BUREAU_WRITERS}, anonymous=LOGIN)


def region_cases(name: str, **kwargs: str) -> list[Case]:
    return [
        Case(name, detail(REGION_A), label="county A",
             kwargs=lambda w: {"code": w.county_a.code, **kwargs}),
        Case(name, detail(REGION_B), label="county B",
             kwargs=lambda w: {"code": w.county_b.code, **kwargs}),
    ]


METRICS_CASES: list[Case] = [
    Case("metrics:home", expect(302, parent=403, tutoring_operator=403, anonymous=LOGIN)),
    *region_cases("metrics:region"),
    *region_cases("metrics:region_indicator", indicator="kg_public_share"),
    *region_cases("metrics:equity"),
    Case("metrics:school", detail(SEES_A), label="county A",
         kwargs=lambda w: {"code": w.school_a.code}),
    Case("metrics:school", detail(SEES_B), label="county B",
         kwargs=lambda w: {"code": w.school_b.code}),
    Case("metrics:indicator_new", bureau_only(200)),
    Case("metrics:recompute", bureau_only(302), method="post"),
    Case("metrics:recompute", expect(405), label="GET is refused"),
]
