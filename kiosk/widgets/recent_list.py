"""The last scans at this desk, newest first: time, icon, what happened, and the pupil — or, for a scan that named
no pupil, the code or the words that were read, so staff can tell which of a queue's scans failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from kiosk.custody import Severity
from kiosk.text import plain_text
from kiosk.widgets.result_banner import ICONS

# How many rows the desk keeps: a morning's queue at the hatch. When it is full, the oldest row that was not
# refused goes first, so a refusal is still there to find after a long queue of ✔.
KEPT_ROWS = 40
# How long a refusal keeps its place ahead of newer rows: a queue at the hatch (thirty scans take a few minutes).
# Later, whatever came of it, a ✖ from minutes ago is worth less than the answers since ("⚠ ALREADY IN …").
REFUSAL_KEPT_FOR = timedelta(minutes=5)
# The icon of a line the desk itself adds (the afternoon's switch to HAND BACK).
DESK_NOTE_ICON = "▶"


@dataclass(frozen=True)
class RecentScan:
    at: str  # school-local "08:34"
    severity: Severity
    headline: str
    pupil: str = ""
    form: str = ""
    read: str = ""  # what was scanned or typed, as the office reads it: "K0EJ-85R5", "'chloee'"
    when: datetime | None = field(default=None, compare=False)  # the moment, to age a refusal (None: never aged)

    @property
    def refused(self) -> bool:
        return self.severity is Severity.REFUSED


@dataclass(frozen=True)
class DeskNote:
    """A line about the desk rather than a scan: "15:10 ▶ HAND BACK  the desk switched at 15:10"."""

    at: str
    headline: str
    text: str
    refused = False
    when = None


RecentRow = RecentScan | DeskNote


class RecentRows:
    """The desk's rows, newest first. The desk owns one for the school day (kiosk/screens/desk_day.py) and the
    list shows it, so the rows outlive a lock; a role away from the hatch gets a list of its own."""

    def __init__(self, *, keep: int = KEPT_ROWS) -> None:
        self.keep = keep
        self.rows: list[RecentRow] = []

    def add(self, row: RecentRow) -> None:
        self.rows.insert(0, row)
        if len(self.rows) > self.keep:
            # The oldest row that was not refused goes, unless every row was refused.
            gone = next((i for i in range(len(self.rows) - 1, -1, -1) if not self.rows[i].refused),
                        len(self.rows) - 1)
            del self.rows[gone]

    def clear(self) -> None:
        self.rows.clear()


def shown_rows(rows: list[RecentRow], room: int) -> list[RecentRow]:
    """The rows that fit in `room` lines, still newest first: the newest row (the answer to the scan just made),
    then the refusals of the queue being served (a ✔ from a moment ago is never worth more than a ✖ from a queue
    ago), then the newest of the rest. A refusal more than REFUSAL_KEPT_FOR older than the newest row has no place
    ahead of the rest: nine-minute-old ✖ rows never hide the answers since."""
    if len(rows) <= room:
        return rows
    newest = rows[0]
    cutoff = newest.when - REFUSAL_KEPT_FOR if newest.when is not None else None
    queued = [row for row in rows[1:] if row.refused and (cutoff is None or row.when is None or row.when >= cutoff)]
    first = [newest, *queued][:room]
    taken = {id(row) for row in first}
    rest = [row for row in rows if id(row) not in taken][: room - len(first)]
    chosen = taken | {id(row) for row in rest}
    return [row for row in rows if id(row) in chosen]


class RecentList(Widget):
    """Shows the rows it is given (`rows`: the desk's, kept across a lock) in the lines it has; the screen adds one
    after every scan. Everything in a row is plain text: a name or a code is never read as markup."""

    COMPONENT_CLASSES = {
        "recent-list--ok", "recent-list--warning", "recent-list--refused", "recent-list--time", "recent-list--note",
    }

    def __init__(self, *, rows: RecentRows | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows if rows is not None else RecentRows()

    @property
    def scans(self) -> list[RecentRow]:
        """Every row kept, newest first (more than may fit on screen)."""
        return list(self.rows.rows)

    def add(self, row: RecentRow) -> None:
        self.rows.add(row)
        self.refresh()  # its height is fixed (kiosk.tcss): no new layout, which would cost every scan a reflow

    def clear(self) -> None:
        self.rows.clear()
        self.refresh()

    def render(self) -> RenderResult:
        if not self.rows.rows:
            return Text("No scans yet.", style="dim")
        room = max(1, self.content_size.height)
        time_style = self.get_component_rich_style("recent-list--time")
        lines = Text(no_wrap=True, overflow="ellipsis")
        for index, row in enumerate(shown_rows(self.rows.rows, room)):
            if index:
                lines.append("\n")
            lines.append(f"{row.at}  ", time_style)
            if isinstance(row, DeskNote):
                lines.append(f"{DESK_NOTE_ICON} {row.headline:<15}", self.get_component_rich_style("recent-list--note"))
                lines.append(f" {plain_text(row.text)}")
                continue
            lines.append(f"{ICONS[row.severity]} {row.headline:<15}",
                         self.get_component_rich_style(f"recent-list--{row.severity.value}"))
            if row.pupil:
                lines.append(f" {plain_text(row.pupil):<24} ")
                lines.append(plain_text(row.form), "bold")
                if row.refused and row.read:
                    lines.append(f"  {plain_text(row.read)}")
            elif row.read:
                lines.append(f" {plain_text(row.read)}", "bold")
        return lines
