"""The review's charts: round value ticks that contain every bar, and category labels that never collide."""

from __future__ import annotations

import random

import pytest
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.pdfbase.pdfmetrics import stringWidth

from kiosk.documents.charts import LABEL_GAP, LABEL_SIZE, bar_chart, fit_labels, shortened, sideways_bar_chart
from kiosk.documents.pdf import chart_font
from kiosk.reports.axis import nice_axis

ROUND = {1, 2, 5}


def _is_round(step: float) -> bool:
    while step >= 10:
        step /= 10
    while step < 1:
        step *= 10
    return round(step, 6) in ROUND


@pytest.mark.parametrize("maximum", [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 19, 23, 49, 50, 51, 98, 99, 100, 101, 392, 400,
                                     401, 999, 1000, 1001, 4321, 98765, 1_000_001])
def test_the_axis_steps_are_round_and_the_top_tick_contains_the_tallest_bar(maximum):
    axis = nice_axis(maximum)
    assert _is_round(axis.step) and axis.step >= 1
    assert axis.top >= maximum, "a bar would run past the last tick"
    assert axis.top - axis.step < maximum, "a whole empty interval above the tallest bar"
    assert len(axis.ticks) - 1 <= 5
    assert axis.ticks[0] == 0 and axis.ticks[-1] == axis.top
    assert all(float(t).is_integer() for t in axis.ticks)


def test_many_maxima_including_fractions_keep_every_rule():
    rng = random.Random(19)
    for _ in range(2000):
        maximum = rng.choice([rng.uniform(0.01, 1), rng.uniform(1, 100), rng.uniform(100, 1e6)])
        axis = nice_axis(maximum, whole=False)
        assert _is_round(axis.step), (maximum, axis)
        assert axis.top >= maximum and axis.top - axis.step < maximum, (maximum, axis)
        assert 1 <= len(axis.ticks) - 1 <= 5, (maximum, axis)


def test_the_broken_weekly_chart_of_the_old_pack_gets_hundreds():
    # The old pack stepped by ceil(392 / 5) = 79 → 98 (ticks 0/98/196/294/392); bars above 392 ran past the axis.
    assert nice_axis(392).ticks == (0, 100, 200, 300, 400)
    assert nice_axis(0).ticks == (0, 1), "an empty chart still has an axis"


@pytest.mark.parametrize(("count", "slot"), [(5, 80.0), (13, 30.0), (39, 11.0), (52, 8.5), (190, 2.4), (2, 400.0)])
def test_shown_week_labels_never_collide(count, slot):
    font = chart_font()
    labels = [f"{1 + i % 28} {('Sep', 'Oct', 'Nov', 'Dec')[i % 4]}" for i in range(count)]
    fitted = fit_labels(labels, slot=slot, font=font)
    centres = [(i * slot, stringWidth(text, font, LABEL_SIZE)) for i, text in enumerate(fitted.shown) if text]
    assert centres, "at least the first label is shown"
    for (a, wa), (b, wb) in zip(centres, centres[1:], strict=False):
        assert (b - wb / 2) - (a + wa / 2) >= LABEL_GAP - 1e-6, fitted.shown
    assert fitted.stride == 1 or slot * (fitted.stride - 1) < max(stringWidth(t, font, LABEL_SIZE) for t in labels) \
        + LABEL_GAP, "no more labels left out than needed"


def test_a_long_reason_is_cut_to_its_room():
    font = chart_font()
    text = shortened("a reason typed at the desk by somebody who did not stop typing for a while", room=100,
                     font=font)
    assert text.endswith("…") and stringWidth(text, font, LABEL_SIZE) <= 100


def _chart(drawing) -> VerticalBarChart:
    return next(item for item in drawing.contents if hasattr(item, "valueAxis"))


def test_a_drawn_chart_runs_its_axis_to_a_round_top_above_every_bar():
    values = [3, 392, 17, 250]
    chart = _chart(bar_chart("Confiscations per week", ["1 Sep", "8 Sep", "15 Sep", "22 Sep"], values))
    assert chart.valueAxis.valueMax == 400 and chart.valueAxis.valueStep == 100
    chart = _chart(sideways_bar_chart("By reason", ["a", "b"], [7, 2]))
    assert chart.valueAxis.valueMax == 8 and chart.valueAxis.valueStep == 2
