"""The annual report: a bureau's 工作总结 statistics section, generated from the results.

Per domain (学前教育, 班额, 师资队伍 …) one paragraph of sentences — value, target and
completion (完成年度任务的N%), change from last year (较去年增加N人 / 提高N个百分点),
rank among sibling regions (位居全市第N) and the first-place streak (连续N年位居全市第一) —
then a table and a bar chart of the sub-regions. Written as .docx (python-docx) or .xlsx
(XlsxWriter). Charts are native Word/Excel charts, not images: their Chinese labels are
text rendered by the reader's own fonts, so no CJK font file has to ship with edugov.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone

from edugov.metrics import dashboards, selectors
from edugov.metrics.models import Indicator, Result
from edugov.registry.models import Region

#: Domains in the order of a 工作总结, each with the indicator codes (or code prefixes,
#: ending in "_") it gathers. Indicators no domain names go under 其他指标.
DOMAINS: list[tuple[str, tuple[str, ...]]] = [
    ("学前教育", ("kg_",)),
    ("义务教育入学", ("migrant_public_share", "enrollment_")),
    ("班额控制", ("large_classes", "large_class_share", "huge_classes",
                  "over_standard_classes")),
    ("师资队伍", ("student_teacher_", "qualified_teachers_", "backbone_teachers",
                  "pe_art_teachers", "certified_teachers", "workforce_")),
    ("办学条件", ("teaching_area_per_student", "sports_area_per_student",
                  "equipment_value_per_student", "multimedia_rooms",
                  "standardized_school_share")),
    ("集团化办学", ("group_",)),
    ("学生健康", ("health_",)),
    ("校园安全", ("safety_",)),
    ("民生实事", ("places_added",)),
]
OTHER = "其他指标"
CHINESE_NUMBERS = "一二三四五六七八九十"


class CommandLine:
    """The command line reads everything, as the other ``edugov`` commands do."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None


def domain_of(code: str) -> str:
    for name, members in DOMAINS:
        if any(code == m or (m.endswith("_") and code.startswith(m)) for m in members):
            return name
    return OTHER


def scope_word(region: Region) -> str:
    """位居全市/全省第N: named after the level of the parent region."""
    parent = region.parent
    if parent is None:
        return ""
    return {"province": "全省", "city": "全市", "county": "全县"}.get(parent.level, "同级")


def number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def sentence(region: Region, row: dashboards.Row) -> str:
    """One indicator as a report sentence; "" when it has no value this year."""
    ind = row.indicator
    if row.value is None:
        return ""
    unit = "" if ind.unit == "比" else ind.unit
    places = ind.decimals
    parts = [f"{ind.name}{'为' if ind.unit != '比' else '为1:'}{number(row.value, places)}{unit}"]
    if row.target is not None:
        parts.append(f"目标{number(row.target, places)}{unit}")
        if row.completion is not None:
            parts.append(f"完成年度任务的{row.completion * 100:.0f}%")
    if row.change is not None:
        parts.append(change_words(ind, row.change))
    where = scope_word(region)
    if row.rank is not None and where and row.peers > 1:
        parts.append(f"位居{where}第{row.rank}")
        if row.streak >= 2:
            parts.append(f"连续{row.streak}年位居{where}第一")
    return "，".join(parts) + "。"


def change_words(ind: Indicator, change: float) -> str:
    places = ind.decimals
    if round(change, places) == 0:
        return "与去年持平"
    if ind.is_rate:
        word = "提高" if change > 0 else "降低"
        return f"较去年{word}{number(abs(change), places)}个百分点"
    word = "增加" if change > 0 else "减少"
    unit = "" if ind.unit == "比" else ind.unit
    return f"较去年{word}{number(abs(change), places)}{unit}"


@dataclass
class Domain:
    name: str
    rows: list[dashboards.Row]
    sentences: list[str]
    chart_indicator: Indicator | None = None
    chart: list[tuple[str, float]] = field(default_factory=list)  # (label, value)
    chart_kind: str = "分区域"  # or 历年: a region without sub-regions charts its trend


@dataclass
class AnnualReport:
    region: Region
    year: int
    domains: list[Domain]
    computed_at: Any

    @property
    def title(self) -> str:
        return f"{self.region.name}{self.year}学年教育事业统计分析"


def children_values(indicator: Indicator, region: Region, year: int
                    ) -> list[tuple[str, float]]:
    run = dashboards.latest_runs(year).get(year)
    if run is None:
        return []
    rows = Result.objects.filter(run=run, indicator=indicator, region__parent=region,
                                 value__isnull=False).order_by("region__code")
    return [(name, float(value or 0.0))  # the filter above leaves no None
            for name, value in rows.values_list("region__name", "value")]


def trend_values(indicator: Indicator, region: Region, year: int) -> list[tuple[str, float]]:
    history = dashboards.region_history([region], year)
    points = []
    for y in sorted(history.runs):
        value = history.get(indicator, y, region.pk)
        if value is not None:
            points.append((f"{y}学年", value))
    return points


def pick_chart(domain: Domain, region: Region, year: int) -> None:
    """The sub-regions compared on the domain's first indicator they have values for;
    failing that, the region's own trend over the years."""
    for kind, values_of in (("分区域", children_values), ("历年", trend_values)):
        for row in domain.rows:
            # Rounded as the tables show them, or the chart labels carry every float digit.
            values = [(name, round(value, row.indicator.decimals))
                      for name, value in values_of(row.indicator, region, year)]
            if len(values) > 1:
                domain.chart_indicator, domain.chart, domain.chart_kind = (
                    row.indicator, values, kind)
                return


def annual_report(user: Any, *, region_code: str, year: int) -> AnnualReport:
    board = dashboards.region_board(user, code=region_code, year=year)
    region = board.region
    grouped: dict[str, list[dashboards.Row]] = {}
    for row in board.rows:
        if row.value is not None:
            grouped.setdefault(domain_of(row.indicator.code), []).append(row)
    order = [name for name, _m in DOMAINS] + [OTHER]
    domains = []
    for name in order:
        rows = grouped.get(name)
        if not rows:
            continue
        domain = Domain(name, rows, [s for s in (sentence(region, r) for r in rows) if s])
        pick_chart(domain, region, year)
        domains.append(domain)
    return AnnualReport(region, year, domains, board.computed_at)


def table_rows(domain: Domain) -> list[list[str]]:
    return [[r.indicator.name, r.value_text, r.target_text, r.completion_text, r.change_text,
             f"{r.rank}/{r.peers}" if r.rank else "—"] for r in domain.rows]


TABLE_HEADERS = ["指标", "数值", "目标", "完成率", "较上年", "排名"]


# -- .docx ------------------------------------------------------------------------------


def write_docx(report: AnnualReport, out: Path | io.BytesIO) -> None:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(12)
    # East Asian text takes its font from eastAsia, not from the Latin name.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    document.add_heading(report.title, level=1)
    if report.computed_at is not None:
        stamp = timezone.localtime(report.computed_at)
        document.add_paragraph(f"数据来源：教育管理服务平台数据中心，计算时间 "
                               f"{stamp:%Y-%m-%d %H:%M}。")
    for position, domain in enumerate(report.domains):
        document.add_heading(f"{CHINESE_NUMBERS[position % 10]}、{domain.name}", level=2)
        document.add_paragraph(report.region.name + "".join(domain.sentences))
        table = document.add_table(rows=1, cols=len(TABLE_HEADERS))
        table.style = "Table Grid"
        for cell, header in zip(table.rows[0].cells, TABLE_HEADERS, strict=True):
            cell.text = header
        for values in table_rows(domain):
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
        if domain.chart_indicator is not None:
            add_docx_chart(document, f"{domain.chart_indicator.name}（{domain.chart_kind}）",
                           domain.chart)
    document.save(out if isinstance(out, io.BytesIO) else str(out))


def chart_xml(title: str, points: Sequence[tuple[str, float]]) -> bytes:
    """A DrawingML bar chart with its data cached in the chart part itself."""
    categories = "".join(f'<c:pt idx="{i}"><c:v>{escape(label)}</c:v></c:pt>'
                         for i, (label, _v) in enumerate(points))
    values = "".join(f'<c:pt idx="{i}"><c:v>{value!r}</c:v></c:pt>'
                     for i, (_l, value) in enumerate(points))
    count = len(points)
    text = escape(title)
    return f'''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<c:chart><c:title><c:tx><c:rich><a:bodyPr/><a:p><a:pPr><a:defRPr/></a:pPr><a:r>
<a:rPr lang="zh-CN"><a:ea typeface="宋体"/></a:rPr><a:t>{text}</a:t></a:r></a:p></c:rich></c:tx>
<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>
<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>
<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>{text}</c:v></c:tx>
<c:dLbls><c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/>
<c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>
<c:cat><c:strLit><c:ptCount val="{count}"/>{categories}</c:strLit></c:cat>
<c:val><c:numLit><c:formatCode>General</c:formatCode><c:ptCount val="{count}"/>{values}
</c:numLit></c:val></c:ser><c:gapWidth val="80"/><c:axId val="1"/><c:axId val="2"/>
</c:barChart>
<c:catAx><c:axId val="1"/><c:scaling><c:orientation val="minMax"/></c:scaling>
<c:delete val="0"/><c:axPos val="b"/><c:txPr><a:bodyPr/><a:p><a:pPr><a:defRPr>
<a:ea typeface="宋体"/></a:defRPr></a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>
<c:crossAx val="2"/></c:catAx>
<c:valAx><c:axId val="2"/><c:scaling><c:orientation val="minMax"/></c:scaling>
<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/><c:crossAx val="1"/></c:valAx>
</c:plotArea><c:plotVisOnly val="1"/></c:chart></c:chartSpace>'''.encode()


def add_docx_chart(document: Any, title: str, points: Sequence[tuple[str, float]]) -> None:
    """Embed a native chart: a chart part related from the document, shown inline."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    package = document.part.package
    existing = [p for p in package.iter_parts() if str(p.partname).startswith("/word/charts/")]
    partname = PackURI(f"/word/charts/chart{len(existing) + 1}.xml")
    part = Part(partname, "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
                chart_xml(title, points), package)
    rid = document.part.relate_to(part, RT.CHART)
    width, height = 5_486_400, 2_743_200  # 15.24 cm × 7.62 cm in EMU
    number_ = len(existing) + 1
    inline = parse_xml(
        '<wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
        'wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
        ' xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"'
        ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<wp:extent cx="{width}" cy="{height}"/><wp:docPr id="{1000 + number_}"'
        f' name="图表 {number_}"/><a:graphic><a:graphicData'
        ' uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        f'<c:chart r:id="{rid}"/></a:graphicData></a:graphic></wp:inline>')
    run = document.add_paragraph().add_run()
    drawing = parse_xml('<w:drawing xmlns:w="http://schemas.openxmlformats.org/'
                        'wordprocessingml/2006/main"/>')
    drawing.append(inline)
    run._r.append(drawing)


# -- .xlsx ------------------------------------------------------------------------------


def write_xlsx(report: AnnualReport, out: Path | io.BytesIO) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(out if isinstance(out, io.BytesIO) else str(out),
                               {"in_memory": True})
    heading = book.add_format({"bold": True, "font_size": 14})
    bold = book.add_format({"bold": True, "bg_color": "#E8F0F9", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    summary = book.add_worksheet("分析报告")
    summary.set_column(0, 0, 100)
    summary.write(0, 0, report.title, heading)
    line = 2
    for position, domain in enumerate(report.domains):
        summary.write(line, 0, f"{CHINESE_NUMBERS[position % 10]}、{domain.name}", bold)
        summary.write(line + 1, 0, report.region.name + "".join(domain.sentences), wrap)
        line += 3
    for domain in report.domains:
        sheet = book.add_worksheet(domain.name[:31])
        for col, header in enumerate(TABLE_HEADERS):
            sheet.write(0, col, header, bold)
            sheet.set_column(col, col, 34 if col == 0 else 14)
        for r, (row, values) in enumerate(zip(domain.rows, table_rows(domain), strict=True),
                                          start=1):
            sheet.write(r, 0, values[0])
            for col, (text, raw) in enumerate(zip(values[1:], (
                    row.value, row.target, None if row.completion is None else
                    row.completion * 100, row.change, row.rank), strict=True), start=1):
                if raw is None:
                    sheet.write(r, col, text)
                else:
                    sheet.write_number(r, col, raw)
        if domain.chart_indicator is not None:
            add_xlsx_chart(book, sheet, domain, first_row=len(domain.rows) + 3)
    book.close()


def add_xlsx_chart(book: Any, sheet: Any, domain: Domain, *, first_row: int) -> None:
    assert domain.chart_indicator is not None
    title = f"{domain.chart_indicator.name}（{domain.chart_kind}）"
    sheet.write(first_row, 0, "区域" if domain.chart_kind == "分区域" else "学年")
    sheet.write(first_row, 1, domain.chart_indicator.name)
    for i, (label, value) in enumerate(domain.chart, start=first_row + 1):
        sheet.write(i, 0, label)
        sheet.write_number(i, 1, value)
    last = first_row + len(domain.chart)
    chart = book.add_chart({"type": "column"})
    chart.add_series({"name": title, "categories": [sheet.name, first_row + 1, 0, last, 0],
                      "values": [sheet.name, first_row + 1, 1, last, 1],
                      "data_labels": {"value": True}})
    chart.set_title({"name": title})
    chart.set_legend({"none": True})
    sheet.insert_chart(first_row, 3, chart)


def write(report: AnnualReport, out: Path) -> None:
    if out.suffix.lower() == ".docx":
        write_docx(report, out)
    elif out.suffix.lower() == ".xlsx":
        write_xlsx(report, out)
    else:
        raise ValueError(f"不支持的文件类型：{out.suffix}（可用 .docx、.xlsx）")


def region_exists(code: str) -> bool:
    return selectors.regions_for(CommandLine()).filter(code=code).exists()
