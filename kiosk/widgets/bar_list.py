"""Labelled horizontal bars (confiscations by reason, by year group, by form): easier to compare than digits."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

EIGHTHS = " ▏▎▍▌▋▊▉█"
MAX_LABEL = 24
MAX_BAR = 40  # longer bars are no easier to compare, and push the numbers away from them


class BarList(Widget):
    """One line per (label, value): the label, a bar scaled to the largest value, and the value itself."""

    DEFAULT_CSS = """
    BarList {
        height: auto;
        width: 1fr;
    }
    BarList > .bar-list--bar {
        color: $primary-lighten-1;
    }
    BarList > .bar-list--label {
        color: $text;
    }
    """

    COMPONENT_CLASSES = {"bar-list--bar", "bar-list--label"}

    def __init__(self, *, empty: str = "None.", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.bars: list[tuple[str, int]] = []
        self.empty = empty

    def show(self, bars: Sequence[tuple[str, int]]) -> None:
        bars = list(bars)
        if bars != self.bars:
            self.bars = bars
            self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(1, len(self.bars))

    def render(self) -> RenderResult:
        if not self.bars:
            return Text(self.empty, style="dim")
        width = self.content_size.width
        label_width = min(MAX_LABEL, max(len(label) for label, _ in self.bars))
        number_width = max(len(f"{value:,}") for _, value in self.bars)
        room = max(1, min(MAX_BAR, width - label_width - number_width - 2))
        top = max(value for _, value in self.bars) or 1
        bar_style = self.get_component_rich_style("bar-list--bar")
        label_style = self.get_component_rich_style("bar-list--label")
        lines = []
        for label, value in self.bars:
            full, part = divmod(round(value / top * room * 8), 8)
            bar = "█" * full + (EIGHTHS[part] if part else "")
            line = Text(no_wrap=True, overflow="crop")
            line.append(f"{label[:label_width]:<{label_width}} ", label_style)
            line.append(f"{value:>{number_width},} ", "bold")
            line.append(bar, bar_style)
            lines.append(line)
        return Text("\n").join(lines)
