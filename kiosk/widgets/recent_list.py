"""The last few scans at this desk, newest first: time, icon, pupil, form and what happened."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from kiosk.custody import Severity
from kiosk.widgets.result_banner import ICONS


@dataclass(frozen=True)
class RecentScan:
    at: str  # school-local "08:34"
    severity: Severity
    headline: str
    pupil: str = ""
    form: str = ""


class RecentList(Widget):
    """Keeps the last `size` scans; the screen adds one after every scan and clears them on lock."""

    COMPONENT_CLASSES = {
        "recent-list--ok", "recent-list--warning", "recent-list--refused", "recent-list--time",
    }

    def __init__(self, *, size: int = 8, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scans: deque[RecentScan] = deque(maxlen=size)

    def add(self, scan: RecentScan) -> None:
        self.scans.appendleft(scan)
        self.refresh()  # its height is fixed (kiosk.tcss): no new layout, which would cost every scan a reflow

    def clear(self) -> None:
        self.scans.clear()
        self.refresh()

    def render(self) -> RenderResult:
        if not self.scans:
            return Text("No scans yet.", style="dim")
        time_style = self.get_component_rich_style("recent-list--time")
        lines = Text(no_wrap=True, overflow="ellipsis")
        for index, scan in enumerate(self.scans):
            style = self.get_component_rich_style(f"recent-list--{scan.severity.value}")
            if index:
                lines.append("\n")
            lines.append(f"{scan.at}  ", time_style)
            lines.append(f"{ICONS[scan.severity]} {scan.headline:<15}", style)
            if scan.pupil:
                lines.append(f" {scan.pupil:<24} ")
                lines.append(scan.form, "bold")
        return lines
