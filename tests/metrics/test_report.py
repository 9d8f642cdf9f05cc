"""The annual report, opened as a reader would and checked against the results."""

from __future__ import annotations

import re
import zipfile

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from edugov.metrics import selectors, services
from edugov.metrics.models import Indicator

YEAR = 2025


@pytest.fixture
def stored(metrics_world, personas):
    services.compute_and_store(actor=None, year=YEAR - 1)
    services.compute_and_store(actor=None, year=YEAR)
    for code, value in (("kg_public_share", 50), ("kg_children_per_teacher", 15)):
        services.set_target(actor=personas.city_bureau, indicator=Indicator.objects.get(code=code),
                            region=metrics_world.base.county_a, year=YEAR, value=value)
    return metrics_world


def assessed(personas, code: str):  # type: ignore[no-untyped-def]
    return selectors.assess(personas.city_bureau, indicator=Indicator.objects.get(code=code),
                            region_code="980101", year=YEAR)


def expected_sentence(a) -> str:  # type: ignore[no-untyped-def]
    words = "提高" if a.change > 0 else "降低"
    text = (f"公办园在园幼儿占比为{a.value:.2f}%，目标50.00%，"
            f"完成年度任务的{a.completion * 100:.0f}%，"
            f"较去年{words}{abs(a.change):.2f}个百分点，位居全市第{a.rank}")
    return text + (f"，连续{a.streak}年位居全市第一" if a.streak >= 2 else "")


def test_docx_sentences_tables_and_chart(stored, personas, tmp_path):
    out = tmp_path / "report.docx"
    call_command("report", "annual", "--region", "980101", "--year", str(YEAR),
                 "--out", str(out))
    document = Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    a = assessed(personas, "kg_public_share")
    assert a.value is not None and a.previous is not None and a.rank == 1
    assert "一、学前教育" in text
    assert expected_sentence(a) in text
    ratio = assessed(personas, "kg_children_per_teacher")
    assert f"幼儿园专任教师与幼儿比（1:N）为1:{ratio.value:,.2f}" in text
    # The domain's table repeats the figures.
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells[0] == ["指标", "数值", "目标", "完成率", "较上年", "排名"]
    assert ["公办园在园幼儿占比", f"{a.value:,.2f}%", "50.00%", f"{a.completion * 100:.0f}%",
            f"{a.change:+.2f}个百分点", f"{a.rank}/{a.peers}"] in cells


def test_city_report_ranks_in_the_province_and_charts_counties(stored, personas, tmp_path):
    out = tmp_path / "city.docx"
    call_command("report", "annual", "--region", "980100", "--year", str(YEAR),
                 "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        charts = [n for n in archive.namelist() if n.startswith("word/charts/")]
        chart = archive.read(charts[0]).decode()
    assert charts
    # Native chart: the Chinese county names are category labels with their values.
    assert "<c:v>东城区</c:v>" in chart and "<c:v>西城县</c:v>" in chart
    name = re.search(r"<a:t>(.*?)（分区域）</a:t>", chart).group(1)  # type: ignore[union-attr]
    for county in ("980101", "980102"):
        result = selectors.current_results(YEAR).get(indicator__name=name, region__code=county)
        # Charted as the tables show it: rounded to the indicator's decimals.
        assert f"<c:v>{round(result.value, result.indicator.decimals)!r}</c:v>" in chart


def test_xlsx_report(stored, personas, tmp_path):
    out = tmp_path / "report.xlsx"
    call_command("report", "annual", "--region", "980101", "--year", str(YEAR),
                 "--out", str(out))
    book = load_workbook(out)
    summary = "\n".join(str(c.value) for c in book["分析报告"]["A"] if c.value)
    assert expected_sentence(assessed(personas, "kg_public_share")) in summary
    rows = {r[0]: r for r in book["学前教育"].iter_rows(min_row=2, values_only=True)}
    assert rows["公办园在园幼儿占比"][1] == pytest.approx(
        assessed(personas, "kg_public_share").value)
    with zipfile.ZipFile(out) as archive:
        assert any(n.startswith("xl/charts/") for n in archive.namelist())
