"""The head of year's inbox, shown at sign-in: each 2nd or later confiscation this term in their year group, until
they mark it read (read per member of staff; kiosk/custody/head_of_year.py)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from kiosk.custody import DeskContext, DeskError
from kiosk.custody.head_of_year import mark_notices_read
from kiosk.custody.queries.head_of_year import HeadOfYearNotice
from kiosk.screens.base import FOCUSED_BUTTON_CSS
from kiosk.screens.desk_card import DeskCardKeys
from kiosk.screens.wording import ordinal, when_text
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain
from kiosk.widgets.worker_jobs import SAVING, on_the_worker

SHOWN = 8  # lines on an 80x24 screen; the rest are counted


def notice_line(notice: HeadOfYearNotice, ctx: DeskContext) -> str:
    """"Zoë Hall · 9C · 2nd confiscation this term · Mon 30 Nov 10:00 · used in lesson" (no notes, ever)."""
    return (f"{notice.pupil.name} · {notice.pupil.form} · {ordinal(notice.count_this_term)} confiscation this term"
            f" · {when_text(notice.confiscated_at, ctx)} · {notice.reason_category or 'reason not recorded'}")


class HeadOfYearInbox(DeskCardKeys, ModalScreen[bool]):
    """The unread notices (read on the desk's worker before this opens). Enter marks them read; Esc keeps them for
    the next sign-in. Dismisses True once marked read."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS
    AUTO_FOCUS = "#inbox-read"
    BINDINGS = [Binding("escape", "later", "Later")]

    def __init__(self, ctx: DeskContext, notices: Sequence[HeadOfYearNotice]) -> None:
        super().__init__()
        self.ctx = ctx
        self.notices = tuple(n for n in notices if not n.read)
        self.saving = False

    def compose(self) -> ComposeResult:
        count = len(self.notices)
        what = "a repeat confiscation" if count == 1 else f"{count} repeat confiscations"
        heading = f"Year {self.ctx.who.year_group}: {what} this term"
        with Vertical(id="inbox", classes="dialog"):
            yield Label(plain(heading), id="inbox-title", classes="dialog-title")
            yield Label("A 2nd or 3rd confiscation this term: the behaviour policy asks the head of year to follow "
                        "it up.", classes="dialog-hint")
            yield Static(plain(Text("\n".join(f"• {notice_line(n, self.ctx)}" for n in self.notices[:SHOWN]))),
                         id="inbox-list")
            more = Label(plain(f"… and {count - SHOWN} more" if count > SHOWN else ""), id="inbox-more",
                         classes="dialog-hint")
            more.display = count > SHOWN
            yield more
            yield MessageLine(id="inbox-problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Mark read (Enter)", variant="primary", id="inbox-read")
                yield Button("Later (Esc)", id="inbox-later")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "inbox-read":
            self.action_mark_read()
        else:
            self.action_later()

    def action_mark_read(self) -> None:
        """Written on the desk's worker; the inbox closes once the commit returned (NOT SAVED keeps it open)."""
        if self.saving:
            return
        self.saving = True
        problem = self.query_one("#inbox-problem", MessageLine)
        problem.waiting(SAVING)
        on_the_worker(self, partial(mark_notices_read, self.ctx, custody_ids=[n.custody_id for n in self.notices]),
                      then=lambda _count: self.dismiss(True), failed=self.not_saved)

    def not_saved(self, error: DeskError) -> None:
        self.saving = False
        self.query_one("#inbox-problem", MessageLine).say(error.message)

    def action_later(self) -> None:
        self.dismiss(False)
