"""Bar charts for the review papers: round value ticks that contain every bar, and category labels spaced (or
shortened) so that no two labels, and no label and the axis, ever overlap, measured with the font's own widths."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from kiosk.documents.pdf import chart_font
from kiosk.reports.axis import Axis, nice_axis

BAR = colors.HexColor("#2f5d8a")
LABEL_SIZE = 7
# The least white space between two neighbouring labels, in points.
LABEL_GAP = 4
WIDTH = 170 * mm
MAX_BAR = 36  # points


@dataclass(frozen=True)
class FittedLabels:
    shown: tuple[str, ...]  # one per bar; "" where a label is left out so its neighbours can be read
    stride: int  # every `stride`-th label is shown, from the first


def fit_labels(labels: Sequence[str], *, slot: float, font: str, size: float = LABEL_SIZE,
               gap: float = LABEL_GAP) -> FittedLabels:
    """Labels centred under bars `slot` points apart: show every k-th, with k the smallest for which no two shown
    labels come closer than `gap` (each measured with stringWidth in the font it is drawn in)."""
    widths = [stringWidth(label, font, size) for label in labels]
    for stride in range(1, max(len(labels), 1) + 1):
        shown = range(0, len(labels), stride)
        if all(stride * slot >= (widths[a] + widths[a + stride]) / 2 + gap
               for a in shown if a + stride < len(labels)):
            return FittedLabels(tuple(label if i % stride == 0 else "" for i, label in enumerate(labels)), stride)
    return FittedLabels(tuple(labels[:1]) + ("",) * (len(labels) - 1), max(len(labels), 1))


def shortened(label: str, *, room: float, font: str, size: float = LABEL_SIZE) -> str:
    """The label cut with an ellipsis so that it fits `room` points (a reason typed long at the desk)."""
    if stringWidth(label, font, size) <= room:
        return label
    while label and stringWidth(label + "…", font, size) > room:
        label = label[:-1]
    return label.rstrip() + "…"


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, height_mm: float = 55,
              unit: str = "", whole: bool = True, value_labels: bool | None = None) -> Drawing:
    """Vertical bars, one per label (weeks, year groups): the value axis runs 0 to a round top above every bar."""
    font = chart_font()
    drawing = Drawing(WIDTH, height_mm * mm)
    chart = VerticalBarChart()
    axis = nice_axis(max(values, default=0), whole=whole)
    tick_width = max(stringWidth(_number(t) + unit, font, LABEL_SIZE) for t in axis.ticks)
    chart.x, chart.y = tick_width + 8, 12
    chart.width = WIDTH - chart.x - 4
    chart.height = height_mm * mm - chart.y - 16
    chart.data = [list(values) or [0]]
    names = list(labels) or [""]
    fitted = fit_labels(names, slot=chart.width / len(names), font=font)
    chart.categoryAxis.categoryNames = list(fitted.shown)
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = LABEL_SIZE
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -3
    chart.categoryAxis.tickDown = 2
    _value_axis(chart.valueAxis, axis, font, unit)
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barSpacing = 1
    # Bars no wider than MAX_BAR: a few weeks' chart shows slim bars with room between, not blocks across the page.
    slot = chart.width / len(names)
    if slot * chart.barWidth / (chart.barWidth + chart.groupSpacing) > MAX_BAR:
        chart.groupSpacing = chart.barWidth * (slot / MAX_BAR - 1)
    if value_labels if value_labels is not None else len(names) <= 16:
        chart.barLabelFormat = (lambda v: _number(v) + unit)
        chart.barLabels.fontName = font
        chart.barLabels.fontSize = LABEL_SIZE
        chart.barLabels.nudge = 5
    drawing.add(chart)
    drawing.add(String(0, height_mm * mm - 10, title, fontName=font, fontSize=9))
    return drawing


def sideways_bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, unit: str = "",
                       whole: bool = True) -> Drawing:
    """Horizontal bars for long labels (reasons): each label in the left margin, cut to fit if it must be."""
    font = chart_font()
    names = list(labels) or ["none"]
    height = 26 + 14 * len(names)
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    room = 60 * mm
    names = [shortened(name, room=room, font=font) for name in names]
    chart.x = min(room, max(stringWidth(n, font, LABEL_SIZE) for n in names)) + 8
    chart.y = 14
    chart.width = WIDTH - chart.x - 20
    chart.height = height - chart.y - 16
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.reverseDirection = True  # the first (largest) at the top, as it reads in the table
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = LABEL_SIZE
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    _value_axis(chart.valueAxis, nice_axis(max(values, default=0), whole=whole), font, unit)
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = (lambda v: _number(v) + unit)
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = LABEL_SIZE
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    drawing.add(String(0, height - 10, title, fontName=font, fontSize=9))
    return drawing


def _value_axis(value_axis: Any, axis: Axis, font: str, unit: str) -> None:
    """0 to the axis's round top in its round steps, so the last tick is at or above the tallest bar."""
    value_axis.valueMin = 0
    value_axis.valueMax = axis.top
    value_axis.valueStep = axis.step
    value_axis.labels.fontName = font
    value_axis.labels.fontSize = LABEL_SIZE
    value_axis.labelTextFormat = (lambda v: _number(v) + unit)
    value_axis.visibleGrid = True
    value_axis.gridStrokeColor = colors.HexColor("#d8d8d8")
    value_axis.gridStrokeWidth = 0.25


def _number(value: float) -> str:
    """1,200 and 12.5 and 3: as people write them."""
    rounded = round(float(value), 1)
    return f"{int(rounded):,}" if rounded == int(rounded) else f"{rounded:,.1f}"
