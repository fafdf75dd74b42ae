"""A small column chart for a trend (confiscations per week): one column per value, the count on top."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

# Eighths of a cell, for the top of a column.
EIGHTHS = " ▁▂▃▄▅▆▇█"
MAX_STEP = 8  # cells per column, gap included: wider columns stop reading as a trend


class BarChart(Widget):
    """The screen sets `bars` (label, value) with show(); the chart fits itself to its size.

    Columns are as wide as the room allows (1–8 cells), each label under its column when it fits;
    `highlight` picks out one column (e.g. this week).
    """

    DEFAULT_CSS = """
    BarChart {
        height: 7;
        width: 1fr;
    }
    BarChart > .bar-chart--bar {
        color: $primary-lighten-1;
    }
    BarChart > .bar-chart--highlight {
        color: $accent;
    }
    BarChart > .bar-chart--label {
        color: $text-muted;
    }
    """

    COMPONENT_CLASSES = {"bar-chart--bar", "bar-chart--highlight", "bar-chart--label"}

    def __init__(self, *, empty: str = "Nothing to show yet.", id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.bars: list[tuple[str, int]] = []
        self.highlight: int | None = None
        self.empty = empty

    def show(self, bars: Sequence[tuple[str, int]], *, highlight: int | None = None) -> None:
        bars = list(bars)
        if bars == self.bars and highlight == self.highlight:
            return
        self.bars, self.highlight = bars, highlight
        self.refresh()

    def render(self) -> RenderResult:
        width, height = self.content_size.width, self.content_size.height
        if not self.bars or not any(value for _, value in self.bars):
            return Text(self.empty, style="dim")
        if width < 2 or height < 3:
            return Text("")
        count = len(self.bars)
        step = max(1, min(MAX_STEP, width // count))
        shown = self.bars[-(width // step):]  # the most recent, if even one cell each does not fit
        offset = len(self.bars) - len(shown)
        bar_width = max(1, step - 1) if step > 1 else 1
        rows = height - 1  # the last row holds the labels
        top = max(value for _, value in shown)
        bar_style = self.get_component_rich_style("bar-chart--bar")
        high_style = self.get_component_rich_style("bar-chart--highlight")
        label_style = self.get_component_rich_style("bar-chart--label")
        # The tallest column leaves one row above it for its count; each count sits just above its column.
        eighths = [round(value / top * (rows - 1) * 8) if top else 0 for _, value in shown]
        gap = " " if step > 1 else ""
        lines: list[Text] = []
        for level in range(rows, 0, -1):  # cells above the baseline: rows … 1
            line = Text(no_wrap=True, overflow="crop")
            for index, ((_, value), filled) in enumerate(zip(shown, eighths, strict=True)):
                highlighted = self.highlight is not None and index + offset == self.highlight
                full, part = divmod(filled, 8)
                column_top = full + (1 if part else 0)
                if level <= full:
                    line.append("█" * bar_width, high_style if highlighted else bar_style)
                elif level == column_top:
                    line.append(EIGHTHS[part] * bar_width, high_style if highlighted else bar_style)
                elif level == column_top + 1:
                    number = str(value)
                    cell = number.center(bar_width) if len(number) <= bar_width else " " * bar_width
                    line.append(cell, "bold" if value else "dim")
                else:
                    line.append(" " * bar_width)
                line.append(gap)
            lines.append(line)
        lines.append(self._labels(shown, step, bar_width, width, label_style))
        return Text("\n").join(lines)

    def _labels(self, shown: list[tuple[str, int]], step: int, bar_width: int, width: int, style) -> Text:
        """Each label under its column where it fits; one that would touch the label before it is left out."""
        line = [" "] * width
        free_from = 0
        for index, (label, _) in enumerate(shown):
            start = index * step + max(0, (bar_width - len(label)) // 2)
            if start < free_from or start + len(label) > width:
                continue
            line[start:start + len(label)] = label
            free_from = start + len(label) + 1
        return Text("".join(line).rstrip(), style=style, no_wrap=True, overflow="crop")
