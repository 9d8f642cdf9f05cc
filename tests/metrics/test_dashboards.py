"""Dashboard pages: scoped drill-down, figures with their computed time, SVG charts,
.xlsx exports, adding an indicator by formula, and keeping snapshots fresh."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from edugov.metrics import selectors, services, tasks
from edugov.metrics.models import ComputationRun, Indicator, Result

YEAR = 2025


@pytest.fixture
def stored(metrics_world, personas):
    services.compute_and_store(actor=None, year=YEAR - 1)
    services.compute_and_store(actor=None, year=YEAR)
    indicator = Indicator.objects.get(code="kg_public_share")
    services.set_target(actor=personas.city_bureau, indicator=indicator,
                        region=metrics_world.base.county_a, year=YEAR, value=50)
    return metrics_world


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def result(code: str, region_code: str, year: int = YEAR) -> float | None:
    return selectors.current_results(year).get(indicator__code=code,
                                               region__code=region_code).value


def test_region_board_states_value_target_completion_change_rank_and_time(stored, personas):
    page = signed_in(personas.county_a).get(f"/metrics/regions/980101/?year={YEAR}")
    assert page.status_code == 200
    html = page.content.decode()
    a = selectors.assess(personas.county_a,
                         indicator=Indicator.objects.get(code="kg_public_share"),
                         region_code="980101", year=YEAR)
    row = re.search(r"公办园在园幼儿占比</a></td>(.*?)</tr>", html, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    assert cells[0] == f"{a.value:,.2f}%" and cells[1] == "50.00%"
    assert cells[2] == f"{a.completion * 100:.0f}%"
    assert cells[3] == f"{a.change:+.2f}个百分点"
    assert cells[4] == f"{a.rank}/{a.peers}"
    run = selectors.latest_run(YEAR)
    assert cells[6] == f"{timezone.localtime(run.computed_at):%Y-%m-%d %H:%M}"
    # Drill-down: the county lists its schools, each linking to the school's board.
    assert f"/metrics/schools/{stored.base.school_a.code}/" in html
    assert stored.base.school_b.name not in html


def test_pages_are_scoped(stored, personas):
    county_a = signed_in(personas.county_a)
    assert county_a.get("/metrics/regions/980102/").status_code == 404
    assert county_a.get("/metrics/regions/980102/equity/").status_code == 404
    assert county_a.get(f"/metrics/schools/{stored.base.school_b.code}/").status_code == 404
    assert signed_in(personas.parent).get("/metrics/regions/980101/").status_code == 403
    assert Client().get("/metrics/regions/980101/").status_code == 302
    school = signed_in(personas.school_admin_a)
    assert school.get("/metrics/").url.startswith(f"/metrics/schools/{stored.base.school_a.code}/")
    assert school.get("/metrics/regions/980101/").status_code == 404
    assert school.get("/metrics/indicators/new/").status_code == 403


def bars(html: str) -> dict[str, str]:
    return dict(re.findall(r'<g class="bar" data-label="([^"]*)" data-value="([^"]*)"', html))


def test_indicator_page_ranks_counties_in_a_bar_chart_and_trends_over_years(stored, personas):
    html = signed_in(personas.city_bureau).get(
        f"/metrics/regions/980100/indicators/kg_public_share/?year={YEAR}").content.decode()
    ranked = bars(html)
    assert float(ranked["东城区"]) == pytest.approx(result("kg_public_share", "980101"))
    assert float(ranked["西城县"]) == pytest.approx(result("kg_public_share", "980102"))
    # Best first: the chart lists the counties in rank order.
    assert list(ranked) == [r.name for r in selectors.region_ranking(
        personas.city_bureau, indicator=Indicator.objects.get(code="kg_public_share"),
        parent_code="980100", year=YEAR)]
    points = dict(re.findall(r'<g class="point" data-year="(\d+)" data-value="([^"]*)"', html))
    assert set(points) == {str(YEAR - 1), str(YEAR)}
    assert float(points[str(YEAR - 1)]) == pytest.approx(
        result("kg_public_share", "980100", YEAR - 1))
    # A county sees the city-wide ranking of the counties beside it (published) ...
    county = signed_in(personas.county_b).get(
        f"/metrics/regions/980102/indicators/kg_public_share/?year={YEAR}").content.decode()
    assert "东城区" in county and "同级排名" in county
    # ... but not the other county's schools.
    assert stored.base.school_a.name not in county


def test_equity_page_names_failing_schools_and_the_shortfall(stored, personas):
    html = signed_in(personas.county_b).get(
        f"/metrics/regions/980102/equity/?year={YEAR}").content.decode()
    assert "小学校际差异系数" in html and "未达标学校" in html
    # nine_b's 57 and 69-pupil classes aside, its 学历 teachers per hundred fall short.
    assert "nine_b" in html
    shortfall = re.findall(r"<td class=\"num\">(\d+)%</td>", html)
    assert shortfall and all(int(s) < 100 for s in shortfall)


def test_every_table_exports_to_xlsx(stored, personas):
    response = signed_in(personas.county_a).get(
        f"/metrics/regions/980101/?year={YEAR}&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["指标一览", "下级区域", "学校"]
    rows = {r[0]: r for r in book["指标一览"].iter_rows(min_row=5, values_only=True)}
    assert rows["公办园在园幼儿占比"][1] == pytest.approx(result("kg_public_share", "980101"))
    assert rows["公办园在园幼儿占比"][2] == 50


def test_a_new_indicator_is_checked_stored_and_computed(stored, personas):
    city = signed_in(personas.city_bureau)
    form = {"code": "kg_private_share", "name": "民办园在园幼儿占比", "unit": "%",
            "factor": 100, "direction": "lower", "decimals": 1,
            "formula": 'students.enrolled{kind="kindergarten", ownership="privat"}'}
    refused = city.post("/metrics/indicators/new/", form).content.decode()
    assert "第" in refused and "privat" in refused and "<mark>" in refused
    assert not Indicator.objects.filter(code="kg_private_share").exists()
    form["formula"] = ('students.enrolled{kind="kindergarten", ownership="private"}'
                       ' / students.enrolled{kind="kindergarten"}')
    done = city.post(f"/metrics/indicators/new/?year={YEAR}", form)
    assert done.status_code == 302 and "kg_private_share" in done.url
    public = result("kg_public_share", "980100")
    assert result("kg_private_share", "980100") == pytest.approx(100 - public)
    assert "民办园在园幼儿占比" in city.get(done.url).content.decode()


def test_reads_and_approvals_keep_the_snapshot_fresh(metrics_world, personas,
                                                    django_capture_on_commit_callbacks):
    assert not ComputationRun.objects.exists()
    signed_in(personas.county_a).get(f"/metrics/regions/980101/?year={YEAR}")
    # Tests run tasks immediately: the read found no snapshot and scheduled one.
    assert ComputationRun.objects.filter(year=YEAR).count() == 1
    first = ComputationRun.objects.get()
    ComputationRun.objects.filter(pk=first.pk).update(
        computed_at=timezone.now() - dt.timedelta(seconds=tasks.MAX_AGE + 1))
    tasks.cache.clear()
    signed_in(personas.county_a).get(f"/metrics/regions/980101/?year={YEAR}")
    assert ComputationRun.objects.filter(year=YEAR).count() == 2
    item = metrics_world.data_values["b"]  # county B's 800 新增学位, submitted
    tasks.cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.move_data_value(actor=personas.city_bureau, item=item, transition="approve")
    latest = selectors.latest_run(YEAR)
    assert Result.objects.get(run=latest, indicator__code="places_added",
                              region__code="980102").value == 800 + 90


def test_indicator_page_gives_the_enrolment_weighted_spread_across_schools(stored, personas):
    """差异系数 for any per-school indicator, as policy-rules §2.1(b) weights it."""
    from django.db.models import Count

    from edugov.metrics.rules.equity import weighted_cv
    from edugov.registry.models import Enrolment

    indicator = Indicator.objects.get(code="student_teacher_primary")
    city = stored.base.city
    values = dict(selectors.current_results(YEAR).filter(
        indicator=indicator, institution__isnull=False, value__isnull=False,
    ).values_list("institution_id", "value"))
    counts = dict(Enrolment.objects.filter(
        institution_id__in=values, academic_year__start_year=YEAR, status="active",
    ).values_list("institution_id").annotate(n=Count("pk")).values_list("institution_id", "n"))
    expected = weighted_cv([values[k] for k in counts], [counts[k] for k in counts])
    cv, schools = selectors.school_spread(indicator, city, YEAR)
    assert schools == len(counts) and schools >= 2
    assert cv == pytest.approx(expected)
    html = signed_in(personas.city_bureau).get(
        f"/metrics/regions/980100/indicators/student_teacher_primary/?year={YEAR}"
    ).content.decode()
    assert "校际差异系数" in html and f"{cv:.3f}" in html
