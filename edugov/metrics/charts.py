"""Server-side SVG charts for the dashboards: geometry here, markup in templates.

No JavaScript and no CDN: a chart is plain SVG computed from the results, so it renders
anywhere (and in tests) exactly as the numbers say. Labels are text elements, so Chinese
renders with the page's own fonts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 150
VALUE_WIDTH = 80
CHART_WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    shown: str  # the value as displayed (decimals and unit applied)
    x: float
    y: float
    width: float
    highlight: bool
    rank: int | None


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, best first; units without a value are listed with no bar."""

    title: str
    bars: list[Bar]
    width: int
    height: int
    bar_height: int
    label_width: int
    target_x: float | None  # a vertical line at the target, when there is one

    @property
    def plot_right(self) -> int:
        return self.width - VALUE_WIDTH


def bar_chart(title: str, rows: Sequence[tuple[str, float | None, str, int | None]], *,
              highlight: str = "", target: float | None = None) -> BarChart:
    """rows: (label, value, shown value, rank) in display order."""
    plot = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([abs(v) for _l, v, _s, _r in rows if v is not None] + [target or 0.0, 0.0])
    scale = plot / top if top > 0 else 0.0
    bars = []
    for position, (label, value, shown, rank) in enumerate(rows):
        width = abs(value) * scale if value is not None else 0.0
        bars.append(Bar(label, value, shown, LABEL_WIDTH, position * (BAR_HEIGHT + BAR_GAP),
                        round(width, 1), label == highlight, rank))
    height = max(len(rows), 1) * (BAR_HEIGHT + BAR_GAP)
    target_x = LABEL_WIDTH + round(target * scale, 1) if target is not None and scale else None
    return BarChart(title, bars, CHART_WIDTH, height, BAR_HEIGHT, LABEL_WIDTH, target_x)


@dataclass(frozen=True)
class Point:
    label: str  # the year
    value: float
    shown: str
    x: float
    y: float


@dataclass(frozen=True)
class LineChart:
    title: str
    points: list[Point]
    width: int
    height: int
    baseline_y: float
    path: str  # the SVG polyline points attribute
    ticks: list[tuple[float, str]]  # (y, label) of the value axis


def nice_ceiling(value: float) -> float:
    """1, 2, 2.5, 5 × 10ⁿ at or above ``value``: round axis ends."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def line_chart(title: str, points: Sequence[tuple[str, float | None, str]]) -> LineChart:
    """A trend over years: years without a value are skipped, not drawn as 0."""
    width, height, left, right, top, bottom = 640, 220, 60, 20, 16, 30
    present = [(label, v, s) for label, v, s in points if v is not None]
    lowest = min([v for _l, v, _s in present] + [0.0])
    highest = nice_ceiling(max([v for _l, v, _s in present] + [0.0]))
    span = (highest - lowest) or 1.0
    step = (width - left - right) / max(len(points) - 1, 1)
    placed = []
    for position, (label, value, shown) in enumerate(points):
        if value is None:
            continue
        x = left + position * step if len(points) > 1 else (width - right + left) / 2
        y = top + (highest - value) / span * (height - top - bottom)
        placed.append(Point(label, value, shown, round(x, 1), round(y, 1)))
    ticks = [(round(top + i / 4 * (height - top - bottom), 1),
              f"{highest - i / 4 * span:g}") for i in range(5)]
    path = " ".join(f"{p.x},{p.y}" for p in placed)
    return LineChart(title, placed, width, height, height - bottom, path, ticks)
