"""The annual policy review pack (policy §8): the year's figures in one PDF, with tables and charts.

Counts only where a name is not needed: the pack goes to the head and governors."""

from __future__ import annotations

import math
from datetime import date

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from kiosk.config import Settings
from kiosk.documents.pdf import Document, chart_font
from kiosk.formatting import day_month, month_year, short_date
from kiosk.reports.figures import (
    confiscation_figures,
    daily_lines,
    desk_time,
    exam_incidents,
    safeguarding_figures,
    search_figures,
)
from kiosk.reports.periods import Period

BAR = colors.HexColor("#2f5d8a")


def _bar_chart(title: str, labels: list[str], values: list[int], *, horizontal: bool = False,
               height_mm: float = 60) -> Drawing:
    font = chart_font()
    width = 170 * mm
    drawing = Drawing(width, height_mm * mm)
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    chart.x, chart.y = (45 * mm, 8 * mm) if horizontal else (12 * mm, 14 * mm)
    chart.width = width - chart.x - 5 * mm
    chart.height = height_mm * mm - chart.y - 10 * mm
    chart.data = [values or [0]]
    # Thin out crowded labels (52 weeks) so each one that is shown can be read.
    every = max(1, len(labels) // 13)
    chart.categoryAxis.categoryNames = [label if i % every == 0 else "" for i, label in enumerate(labels)] or ["none"]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    if not horizontal and len(labels) > 12:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.dy = -6
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max(values or [0])
    chart.valueAxis.valueMax = max(top, 1)
    chart.valueAxis.valueStep = max(1, math.ceil(top / 5))
    chart.bars[0].fillColor = BAR
    drawing.add(chart)
    drawing.add(String(0, height_mm * mm - 4 * mm, title, fontName=font, fontSize=9))
    return drawing


def review_pack(p: Period, settings: Settings, *, include_safeguarding: bool, today: date | None = None) -> bytes:
    days = daily_lines(p, settings, today=today)
    school_days = [d for d in days if d.handed_in or d.handed_back]
    conf = confiscation_figures(p, settings)
    searches = search_figures(p, settings)
    exams = exam_incidents(p, settings)
    time = desk_time(p, settings, today=today)
    doc = Document(f"Mobile phone policy: annual review pack, {p.label}", settings.school_name)
    doc.para("Figures from the phone custody kiosk's records for the annual review of the Mobile and Smart "
             "Technology Policy (§8). Pupils are counted, not named.")
    doc.heading("The year at a glance")
    repeaters = conf.repeat_pupils
    doc.facts([
        ("School days with hand-ins", f"{len(school_days)}"),
        ("Phones handed in", f"{sum(d.handed_in for d in days):,}"),
        ("Phones handed back", f"{sum(d.handed_back for d in days):,}"),
        ("Left uncollected overnight", f"{sum(d.left_uncollected for d in days):,}"),
        ("Average hand-ins per school day",
         f"{sum(d.handed_in for d in days) / len(school_days):,.0f}" if school_days else "0"),
        ("Confiscations", f"{conf.total:,} (released {conf.released:,}, still held {conf.still_held:,})"),
        ("Median time held before release", f"{conf.median_hours_held} hours" if conf.median_hours_held else "—"),
        ("Pupils confiscated from twice or more", f"{len(repeaters)} "
                                                   f"({sum(1 for r in repeaters if r[2] >= 3)} three times or more)"),
        ("Phones found in exams (reported to the exam board)", f"{len(exams)}"),
        ("Searches recorded", f"{searches.total} ({searches.nothing_found} found nothing; DSL informed of "
                              f"{searches.dsl_informed})"),
        ("Office time per hand-in / hand-back",
         f"{time.seconds_per_hand_in or '—'} s / {time.seconds_per_hand_back or '—'} s (average)"),
    ])
    if include_safeguarding:
        doc.heading("Safeguarding (counts only)")
        doc.facts([(k.capitalize(), str(v)) for k, v in safeguarding_figures(p, settings).items()])
    doc.heading("Confiscations")
    weeks = list(conf.by_week.items())
    doc.flowable(_bar_chart("Confiscations per week", [day_month(d) for d, _ in weeks], [n for _, n in weeks]))
    doc.flowable(_bar_chart("By reason", list(conf.by_reason), list(conf.by_reason.values()), horizontal=True,
                            height_mm=12 + 8 * max(1, len(conf.by_reason))))
    doc.flowable(_bar_chart("By year group", list(conf.by_year), list(conf.by_year.values()), height_mm=50))
    doc.table(["Form", "Confiscations"], [[form, n] for form, n in conf.by_form.items()], widths_mm=[40, 40])
    doc.heading("Phones found in exams")
    doc.table(["Exam board", "Paper", "Date"], [[e.board, e.paper, short_date(e.at)] for e in exams])
    doc.heading("Hand-ins per month")
    months: dict[str, int] = {}
    for d in days:
        months[f"{month_year(d.day)}"] = months.get(f"{month_year(d.day)}", 0) + d.handed_in
    doc.flowable(_bar_chart("Phones handed in per month", list(months), list(months.values()), height_mm=55))
    return doc.render()
