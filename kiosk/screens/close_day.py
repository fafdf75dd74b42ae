"""Closing the day: confirm, then list every phone not collected. Closed a second time the same day (after the
scheduled `kiosk close-day`, or F9 again), both say when and by whom it was closed and list the same phones."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label

from kiosk.clock import Clock, local, local_today
from kiosk.custody import CloseDayReport, UncollectedPhone
from kiosk.custody.daily import closed_words
from kiosk.formatting import clock_time, moment
from kiosk.widgets.plain import plain, plain_cells


def form_order(phone: UncollectedPhone) -> tuple[int, str, str]:
    """7C before 10HA: by year, then form, then name (the report comes sorted as text, where 10HA < 7C)."""
    year = phone.pupil.year if phone.pupil.year is not None else 99
    return (year, phone.pupil.form, phone.pupil.name)


class ConfirmCloseDay(ModalScreen[bool]):
    """Asks before every phone still in the office is marked uncollected. Cancel has the focus."""

    AUTO_FOCUS = "#cancel"
    BINDINGS = [Binding("y", "answer(True)", "Close the day"), Binding("n,escape", "answer(False)", "Cancel")]

    def __init__(self, *, in_office: int, desk: str, earlier: int = 0, today: int = 0,
                 closed: str | None = None) -> None:
        super().__init__()
        self.in_office = in_office
        self.earlier = earlier  # already uncollected from earlier days: the list that follows names them too
        self.today = today  # handed in today, already marked uncollected by today's close
        self.closed = closed  # "closed at 18:00 by kiosk close-day at Reception 1": the day was closed already
        self.desk = desk

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-close", classes="dialog"):
            yield Label("Close the day again?" if self.closed else "Close the day?", id="confirm-title")
            # Desk and staff names are text, never markup.
            yield Label(self.question(), id="confirm-text", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button("Close the day (Y)", variant="warning", id="close")
                yield Button("Cancel (N)", id="cancel")

    def question(self) -> str:
        phones = "1 phone is" if self.in_office == 1 else f"{self.in_office} phones are"
        if self.closed is None:
            # The list that follows names every uncollected phone, earlier days' too: say so, so the numbers agree.
            earlier = ("" if not self.earlier else ", and 1 more left from an earlier day" if self.earlier == 1
                       else f", and {self.earlier} more left from earlier days")
            return (f"{phones} still in the office{earlier}. Closing the day at {self.desk} marks them "
                    f"UNCOLLECTED (kept overnight) and lists {'them all' if earlier else 'them'}.")
        uncollected = [f"{self.today} from today" if self.today else "",
                       f"{self.earlier} from earlier days" if self.earlier != 1 and self.earlier
                       else "1 from an earlier day" if self.earlier else ""]
        listed = " and ".join(part for part in uncollected if part) or "none"
        still = (f"{phones} still in the office, handed in since: closing again marks them UNCOLLECTED too"
                 if self.in_office else "Nothing has been handed in since: closing again changes nothing")
        return f"The day was already {self.closed}. {still}. Uncollected now: {listed}; Y lists them."

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "close")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class UncollectedList(ModalScreen[None]):
    """Every phone left uncollected, by form: where it is and since when."""

    AUTO_FOCUS = "#uncollected"
    BINDINGS = [Binding("escape,enter", "close", "Done")]

    def __init__(self, report: CloseDayReport, *, tz: ZoneInfo, clock: Clock) -> None:
        super().__init__()
        self.report = report
        self.tz = tz
        self.clock = clock

    def compose(self) -> ComposeResult:
        report = self.report
        count = len(report.uncollected)
        title = "1 phone uncollected" if count == 1 else f"{count} phones uncollected"
        first = report.already.at if report.already is not None else report.closed_at
        with Vertical(id="uncollected-box", classes="dialog"):
            yield Label(plain(f"Day closed at {clock_time(local(first, self.tz))} · {title}"), id="uncollected-title")
            if report.already is not None:
                yield Label(self.closed_before(), id="uncollected-again", markup=False)
            if report.carers_told:
                # Issue 18: the carers of each phone left tonight are emailed (sent by the outbox, once a night).
                told = report.carers_told
                yield Label(f"{told} message{'s' * (told != 1)} to carers queued: their child's phone is here "
                            "overnight (see the Outbox).", id="uncollected-told", markup=False)
            if count:
                yield DataTable(id="uncollected", cursor_type="row", zebra_stripes=True)
            else:
                yield Label("Every phone has been handed back.", id="uncollected-none")
            yield Label("Enter or Esc: done", id="uncollected-hint")

    def closed_before(self) -> str:
        """For a second close the same day: who closed it first, and what this one added (the command says the same)."""
        assert self.report.already is not None
        more = self.report.newly_uncollected
        added = (f"{more} more phone{'s' * (more != 1)}, handed in since, marked uncollected now." if more
                 else "Nothing more to mark.")
        return f"Already {closed_words(self.report.already, self.tz)}. {added}"

    def on_mount(self) -> None:
        if not self.report.uncollected:
            return
        table = self.query_one("#uncollected", DataTable)
        table.add_columns("Form", "Name", "Slot", "Since", "Note")
        today = local_today(self.clock, self.tz)
        for phone in sorted(self.report.uncollected, key=form_order):
            when = moment(local(phone.since, self.tz), today)
            # Names and forms are text, never markup: a table reads a str cell as markup (kiosk/widgets/plain.py).
            table.add_row(*plain_cells(phone.pupil.form, phone.pupil.name, phone.slot or "—", when,
                                       "earlier day" if phone.overnight_before else ""), key=str(phone.custody_id))

    @on(DataTable.RowSelected)
    def row_chosen(self, event: DataTable.RowSelected) -> None:
        # Enter on the table means "done" as well: there is nothing to do with one row here.
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
