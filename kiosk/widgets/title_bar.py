"""The top line of every screen: school · desk · who is signed in, and the school-local time."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from kiosk.clock import Clock, local
from kiosk.formatting import clock_time
from kiosk.widgets.plain import plain

# Every screen passes "Name (role)" with the role as stored ("head_of_year"); people read "head of year".
_ROLE_AT_END = re.compile(r"\(([a-z_]+)\)$")


def role_words(role: str) -> str:
    """'head of year', not 'head_of_year'; the DSL keeps its capitals."""
    return "DSL" if role == "dsl" else role.replace("_", " ")


def staff_words(staff: str) -> str:
    """'Nia Evans (head of year)' from 'Nia Evans (head_of_year)'; anything else as it is."""
    return _ROLE_AT_END.sub(lambda match: f"({role_words(match.group(1))})", staff)


class TitleBar(Widget):
    """Shows where the desk is and who is at it; the time comes from the injected clock, not the wall."""

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    staff: reactive[str] = reactive("")

    def __init__(self, *, school: str, desk: str, clock: Clock, tz: ZoneInfo, staff: str = "",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.school = school
        self.desk = desk
        self.clock = clock
        self.tz = tz
        self.set_reactive(TitleBar.staff, staff)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh)

    def render(self) -> RenderResult:
        time = clock_time(local(self.clock.now(), self.tz))
        left = plain(Text.assemble((self.school, "bold"), " · ", self.desk))
        if self.staff:
            left.append(" · ")
            left.append(staff_words(self.staff), "bold")
        room = max(0, self.content_size.width - len(time) - 1)
        left.truncate(room, overflow="ellipsis")
        gap = " " * max(1, self.content_size.width - left.cell_len - len(time))
        return Text.assemble(left, gap, (time, "bold"))
