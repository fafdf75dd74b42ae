"""The office dashboard (F7): the day at a glance, read afresh every two seconds, so what this desk and every
other desk does shows up without a key press, and a slow database never holds up the keyboard: the figures are
read on the desk's worker (kiosk/widgets/worker_jobs.py; a reading takes ~10 ms on a year of data), the label
printer is asked on a thread of its own (lpstat can hang, and is no database work)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Label, Static
from textual.worker import Worker, get_current_worker

from kiosk.auth.roles import Permission
from kiosk.clock import local, local_today
from kiosk.custody import DeskContext
from kiosk.formatting import clock_time_seconds, day_month, long_day, weekday_date
from kiosk.messages import OpenScreen
from kiosk.reports.dashboard import Dashboard, EndingException, FormNow, HeldPhone, dashboard
from kiosk.text import plain_text
from kiosk.widgets.bar_chart import MAX_STEP, BarChart
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import on_the_worker

REFRESH_SECONDS = 2.0
PRINTER_CHECK_SECONDS = 10.0  # asking CUPS runs lpstat twice: often enough to notice a jam, not every refresh
OVERDUE = "⚠ OVERDUE"


@dataclass(frozen=True)
class PrinterStatus:
    """The label printer as the office knows it, and whether it can print now."""

    description: str
    ready: bool
    detail: str  # "ready", or what is wrong: "not ready: the printer queue 'QL' is stopped"


def printer_status(settings) -> PrinterStatus:
    """Blocking (a CUPS queue is asked with lpstat): call it from a worker thread, never the UI thread."""
    from kiosk.labels import PrintFailed, queue_status
    from kiosk.labels.from_settings import default_folder

    kind, target = settings.label_printer_kind.strip().lower(), settings.label_printer.strip()
    if kind == "file":
        path = target or str(default_folder())  # one file per print job there (kiosk/labels/files.py)
        return PrinterStatus(f"saves labels to {path}", True, "ready")
    if kind == "brother":
        if not target:
            return PrinterStatus(f"Brother {settings.brother_model}", False, "not ready: no printer set up")
        where = f"Brother {settings.brother_model} at {target}"
        if target.startswith("/dev/") and not os.path.exists(target):
            return PrinterStatus(where, False, "not ready: not connected (check the cable and that it is on)")
        return PrinterStatus(where, True, "ready")
    if kind == "cups":
        if not target:
            return PrinterStatus("CUPS", False, "not ready: no printer queue set up")
        try:
            queue = queue_status(target)
        except PrintFailed as error:
            return PrinterStatus(f"CUPS queue {target}", False, f"not ready: {error.problem}")
        if not queue.enabled:
            return PrinterStatus(f"CUPS queue {target}", False,
                                 "not ready: the queue is stopped" + (f" ({queue.reason})" if queue.reason else ""))
        if not queue.accepting:
            return PrinterStatus(f"CUPS queue {target}", False, "not ready: the queue is not accepting jobs")
        return PrinterStatus(f"CUPS queue {target}", True, "ready")
    return PrinterStatus(kind or "no printer", False, f"not ready: {kind!r} is not a kind of printer the kiosk knows")


def week_label(monday: date) -> str:
    return f"{monday.day}/{monday.month}"


def days_words(days: int) -> str:
    return "today" if days == 0 else "1 day" if days == 1 else f"{days} days"


def held_words(days: int, overdue: bool) -> Text:
    """The Held column: "3 days", or "⚠ 7 days OVERDUE" picked out (the flag folded in, to keep the table narrow)."""
    if overdue:
        return Text(f"⚠ {days_words(days)} {OVERDUE.removeprefix('⚠ ')}", "bold reverse")
    return Text(days_words(days))


# The held table's longest cells, so it fits 76 columns (2 cells of padding per column): 20+4+18+16+6+10 = 74.
HELD_WIDTHS = {"pupil": 20, "form": 4, "reason": 18}


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def chart_labels(labels: list[str], *, width: int, keep: list[int]) -> list[str]:
    """The week labels the chart can show at `width` cells, with the weeks in `keep` (this week, the tallest,
    the last and the first, in that order of need) among them; the others where they fit. A label left out
    is "".

    The positions are the BarChart's own: a column every `step` cells, each label centred under its column,
    one blank cell between labels. Left to the chart alone, every other week is labelled from the left and
    this week (or the tallest) can be the one left out."""
    count = len(labels)
    if not count or width < 2:
        return labels
    step = max(1, min(MAX_STEP, width // count))
    shown = min(count, width // step)
    offset = count - shown
    bar_width = max(1, step - 1) if step > 1 else 1
    spans: dict[int, tuple[int, int]] = {}
    for index in range(offset, count):
        start = (index - offset) * step + max(0, (bar_width - len(labels[index])) // 2)
        spans[index] = (start, start + len(labels[index]))
    placed: list[tuple[int, int]] = []
    chosen: set[int] = set()
    for index in [*(i for i in keep if i in spans), *spans]:
        start, end = spans[index]
        if index in chosen or end > width or any(start <= e and s <= end for s, e in placed):
            continue
        placed.append((start, end))
        chosen.add(index)
    return [label if index in chosen else "" for index, label in enumerate(labels)]


def ends_words(days_left: int) -> str:
    return "ends today" if days_left == 0 else "ends tomorrow" if days_left == 1 else f"in {days_left} days"


class DashboardScreen(Screen[None]):
    """Counts, the forms, the phones held for parents and the week-by-week trend, refreshed on the desk's worker.

    The worker only reads; its answer is posted as Refreshed (or RefreshFailed), and the widgets are updated here,
    on the UI thread, and only where something changed, so the cursor in a table stays where the user left it.
    """

    AUTO_FOCUS = "#forms"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Desk"),
        Binding("e", "end_of_day", "End of day"),
        Binding("r", "reports", "Reports"),
        Binding("f4", "pupil", "Pupil"),
    ]
    # The exceptions table is new to this screen; its look lives beside it (the app stylesheet has the rest).
    DEFAULT_CSS = """
    #dash-ending-box { height: auto; margin-top: 1; }
    #ending { height: auto; max-height: 10; }
    #dash-held-box { margin-right: 2; }
    DashboardScreen.-narrow #dash-held-box { margin-right: 0; margin-bottom: 1; }
    """

    class Refreshed(Message):
        """The figures were read afresh."""

        def __init__(self, board: Dashboard) -> None:
            super().__init__()
            self.board = board

    class RefreshFailed(Message):
        """The figures could not be read; `message` says why, in the desk's words."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class PrinterChecked(Message):
        """The label printer was asked how it is (in its own worker: a slow print service never holds up the
        figures)."""

        def __init__(self, printer: PrinterStatus) -> None:
            super().__init__()
            self.printer = printer

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.board: Dashboard | None = None
        self.printer: PrinterStatus | None = None
        self.reading = False  # a reading of the figures is out on the desk's worker
        self.printer_worker: Worker[None] | None = None
        self.printer_asked_at = float("-inf")
        self.timer: Timer | None = None
        self._shown_forms: list[FormNow] | None = None
        self._shown_held: list[HeldPhone] | None = None
        self._shown_ending: list[EndingException] | None = None

    @property
    def shows_safeguarding(self) -> bool:
        return self.ctx.who.can(Permission.SAFEGUARDING)

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("DASHBOARD", id="dash-heading", classes="screen-heading -dashboard")
        with VerticalScroll(id="dash-body"):
            yield MessageLine(id="dash-problem")
            with Horizontal(id="dash-top"):
                yield Static("Reading the figures…", id="dash-figures")
                with Vertical(id="dash-trend-box"):
                    yield Label("Confiscations per week", classes="dash-title")
                    yield BarChart(empty="No confiscations this term.", id="dash-trend")
            yield Static("Label printer: asking…", id="dash-printer")
            # The phones held for parents first: they are what needs action, and at 80x24 what comes first is
            # what is on screen without scrolling.
            with Horizontal(id="dash-tables"):
                with Vertical(id="dash-held-box"):
                    yield Label("Held for parents", id="dash-held-title", classes="dash-title")
                    yield DataTable(id="held", cursor_type="row", zebra_stripes=True)
                    yield Static("No confiscated phone is waiting for a parent.", id="dash-held-none")
                with Vertical(id="dash-forms-box"):
                    yield Label("By form today", classes="dash-title")
                    yield DataTable(id="forms", cursor_type="row", zebra_stripes=True)
            with Vertical(id="dash-ending-box"):
                yield Label("Exceptions ending soon", id="dash-ending-title", classes="dash-title")
                yield DataTable(id="ending", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#forms", DataTable).add_columns("Form", "On roll", "Handed in", "Handed back", "In office")
        # Six columns that fit 76 cells whatever the names (cut to HELD_WIDTHS): the 80-column body with its
        # scrollbar never needs a horizontal one, so the layout has one state, not two.
        self.query_one("#held", DataTable).add_columns("Pupil", "Form", "Reason", "Held", "Until")
        # The right-hand box needs no gap after it (the app stylesheet gives the forms box one).
        self.query_one("#dash-forms-box").styles.margin = (0, 0, 0, 0)
        self.query_one("#held").display = False
        self.query_one("#ending", DataTable).add_columns("Pupil", "Form", "Exception", "Until", "")
        self.query_one("#dash-ending-box").display = False
        self.refresh_figures()
        self.timer = self.set_interval(REFRESH_SECONDS, self.refresh_figures)

    def on_screen_suspend(self) -> None:
        # Under another screen (end of day, reports) nobody is looking: stop reading until it is back.
        if self.timer is not None:
            self.timer.pause()

    def on_screen_resume(self) -> None:
        if self.timer is not None:
            self.timer.resume()
            self.refresh_figures()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needs = {"end_of_day": Permission.CLOSE_DAY, "reports": Permission.VIEW_REPORTS,
                 "pupil": Permission.VIEW_PUPILS}
        if action in needs:
            return self.ctx.who.can(needs[action])
        return True

    # ── reading, on the desk's worker ───────────────────────────────────────────────────────────────────
    def refresh_figures(self) -> None:
        # A reading still under way (a busy database) is left to finish, not asked for again behind itself.
        if not self.reading:
            self.reading = True
            on_the_worker(self, partial(dashboard, self.ctx.clock, self.ctx.settings,
                                        show_safeguarding=self.shows_safeguarding),
                          then=lambda board: self.post_message(self.Refreshed(board)),
                          failed=lambda error: self.post_message(self.RefreshFailed(error.message)))
        due = time.monotonic() - self.printer_asked_at >= PRINTER_CHECK_SECONDS
        if due and (self.printer_worker is None or not self.printer_worker.is_running):
            self.printer_asked_at = time.monotonic()
            self.printer_worker = self.check_printer()

    @work(thread=True, exclusive=True, group="dashboard-printer")
    def check_printer(self) -> None:
        printer = printer_status(self.ctx.settings)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PrinterChecked(printer))

    # ── showing, on the UI thread ───────────────────────────────────────────────────────────────────────
    @on(RefreshFailed)
    def failed(self, event: RefreshFailed) -> None:
        self.reading = False
        self.query_one("#dash-problem", MessageLine).say(f"{event.message} (trying again every few seconds)")

    @on(Refreshed)
    def refreshed(self, event: Refreshed) -> None:
        self.reading = False
        board = self.board = event.board
        self.query_one("#dash-problem", MessageLine).clear()
        tz = self.ctx.settings.tz
        at = local(board.at, tz)
        self.query_one("#dash-heading", Static).update(plain(
            f"DASHBOARD · {long_day(at)} · updated {clock_time_seconds(at)} · refreshes by itself"))
        self.query_one("#dash-figures", Static).update(plain(self.figures(board)))
        self.show_trend(board)
        # The labels depend on the chart's width, known only once it is laid out (the first reading comes
        # before that).
        self.call_after_refresh(self.show_trend, board)
        self.show_forms(board.forms)
        self.show_held(board.held)
        self.show_ending(board.ending)

    @on(PrinterChecked)
    def printer_checked(self, event: PrinterChecked) -> None:
        self.printer = event.printer
        line = self.query_one("#dash-printer", Static)
        line.update(plain(self.printer_line(event.printer)))
        line.set_class(not event.printer.ready, "-refused")
        line.set_class(event.printer.ready, "-ready")

    def figures(self, board: Dashboard) -> Text:
        overdue = sum(1 for phone in board.held if phone.overdue)
        lines: list[tuple[str, str, Text | None]] = [
            ("In the office now", f"{board.in_office:,}", None),
            ("Handed in today", f"{board.handed_in_today:,}", None),
            ("Handed back today", f"{board.handed_back_today:,}", None),
            ("Uncollected, earlier days", f"{board.uncollected_earlier:,}",
             Text("  ⚠ still here", "bold") if board.uncollected_earlier else None),
        ]
        if board.uncollected_today:  # the day was closed this afternoon: today's, not earlier days'
            lines.append(("Uncollected, today", f"{board.uncollected_today:,}", Text("  at the close")))
        lines += [
            ("Held for parents", f"{len(board.held):,}",
             Text.assemble(" ", (f"⚠ {overdue} OVERDUE", "bold reverse")) if overdue else None),
        ]
        if board.safeguarding_holds is not None:
            lines.append(("Safeguarding holds", f"{board.safeguarding_holds:,}",
                          Text("  restricted", "dim")))
        lines.append(("Exceptions today", f"{board.exceptions_today:,}",
                      Text(f"  ⚠ {board.exceptions_expiring} ending soon (listed below)", "bold")
                      if board.exceptions_expiring else None))
        text = Text(no_wrap=False)
        for index, (label, value, extra) in enumerate(lines):
            if index:
                text.append("\n")
            text.append(f"{label:<26}")
            text.append(f"{value:>5}", "bold")
            if extra is not None:
                text.append_text(extra)
        return text

    @staticmethod
    def printer_line(printer: PrinterStatus) -> Text:
        text = Text.assemble("Label printer ", ("✔ ready" if printer.ready else f"✖ {printer.detail}", "bold"))
        text.append(f" · {printer.description}", "dim")
        return text

    def show_trend(self, board: Dashboard) -> None:
        weeks = list(board.confiscations_per_week.items())
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        this_week = next((index for index, (monday, _) in enumerate(weeks)
                          if monday <= today < monday + timedelta(days=7)), None)
        chart = self.query_one("#dash-trend", BarChart)
        tallest = max(range(len(weeks)), key=lambda index: weeks[index][1]) if weeks else None
        keep = [i for i in (this_week, tallest, len(weeks) - 1, 0) if i is not None]
        labels = chart_labels([week_label(monday) for monday, _ in weeks], width=chart.content_size.width, keep=keep)
        chart.show([(label, n) for label, (_, n) in zip(labels, weeks, strict=True)], highlight=this_week)

    def show_forms(self, forms: list[FormNow]) -> None:
        if forms == self._shown_forms:
            return
        self._shown_forms = list(forms)
        table = self.query_one("#forms", DataTable)
        row = table.cursor_row
        table.clear()
        for form in forms:
            table.add_row(*plain_cells(form.form, form.on_roll, form.handed_in_today, form.handed_back_today,
                                       Text(str(form.in_office), "bold") if form.in_office else 0), key=form.form)
        if forms:
            table.add_row(Text("All", "bold"), *(Text(f"{sum(getattr(f, name) for f in forms):,}", "bold")
                                                 for name in ("on_roll", "handed_in_today", "handed_back_today",
                                                              "in_office")), key="*all*")
        table.move_cursor(row=min(row, max(0, table.row_count - 1)), animate=False)

    def show_held(self, held: list[HeldPhone]) -> None:
        if held == self._shown_held:
            return
        self._shown_held = list(held)
        overdue = sum(1 for phone in held if phone.overdue)
        limit = self.ctx.settings.hold_ageing_days
        self.query_one("#dash-held-title", Label).update(plain(
            f"Held for parents ({len(held)})" + (f" · {overdue} held over {limit} days" if overdue else "")))
        table = self.query_one("#held", DataTable)
        row = table.cursor_row
        table.clear()
        for phone in held:
            table.add_row(*plain_cells(cut(plain_text(phone.pupil), HELD_WIDTHS["pupil"]),
                                       cut(plain_text(phone.form), HELD_WIDTHS["form"]),
                                       cut(plain_text(phone.reason or "—"), HELD_WIDTHS["reason"]),
                                       held_words(phone.days_held, phone.overdue),
                                       day_month(phone.held_until) if phone.held_until else "—"),
                          key=str(phone.custody_id))
        table.display = bool(held)
        self.query_one("#dash-held-none").display = not held
        if held:
            table.move_cursor(row=min(row, len(held) - 1), animate=False)

    def show_ending(self, ending: list[EndingException]) -> None:
        if ending == self._shown_ending:
            return
        self._shown_ending = list(ending)
        self.query_one("#dash-ending-title", Label).update(plain(f"Exceptions ending soon ({len(ending)}): renew with "
                                                           "the head, or let them lapse"))
        table = self.query_one("#ending", DataTable)
        row = table.cursor_row
        table.clear()
        for exc in ending:
            table.add_row(*plain_cells(exc.pupil, exc.form, exc.kind, weekday_date(exc.until),
                                       Text(ends_words(exc.days_left), "bold" if exc.days_left <= 2 else "")),
                          key=str(exc.exception_id))
        self.query_one("#dash-ending-box").display = bool(ending)
        if ending:
            table.move_cursor(row=min(row, len(ending) - 1), animate=False)

    # ── keys ────────────────────────────────────────────────────────────────────────────────────────────
    def action_back(self) -> None:
        self.dismiss()

    def action_end_of_day(self) -> None:
        self.post_message(OpenScreen("end_of_day"))

    def action_reports(self) -> None:
        self.post_message(OpenScreen("reports"))

    def action_pupil(self) -> None:
        self.post_message(OpenScreen("pupil"))
