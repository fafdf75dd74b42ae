"""Print jobs: the print history at the desk. What is at the printer, what did not print (and why), what printed
today; retry a job that did not print, reprint one that did, cancel one still at the printer.

The list is read on the desk's worker (kiosk/widgets/worker_jobs.py). Retry, reprint and cancel talk to the printer,
which may take minutes (a job is followed to its end), so they run in a thread of their own, as printing does on the
Labels screen; the desk carries on meanwhile.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Static

from kiosk.auth.roles import Permission
from kiosk.custody import DeskContext, DeskError
from kiosk.labels.again import cancel_print_job, follow_up_open_jobs, print_again
from kiosk.labels.history import PrintJobLine, PrintJobs, print_jobs
from kiosk.screens.base import FOCUSED_BUTTON_CSS
from kiosk.screens.desk_card import DeskCardKeys
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.print_outcome import JobOutcome, notify_outcome
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import READING, on_the_worker

SECTIONS = (("at_printer", "at the printer"), ("not_printed", "NOT PRINTED"), ("printed", "printed"))


class PrintJobsScreen(DeskCardKeys, Screen[None]):
    """Today's print jobs in one list (at the printer first, then not printed, then printed), the chosen job's
    details, and what can be done with it."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS + """
    PrintJobsScreen #jobs { height: auto; max-height: 60%; }
    PrintJobsScreen #jobs-empty { padding: 1 2; }
    PrintJobsScreen #job-detail { padding: 0 1; margin-top: 1; }
    PrintJobsScreen #jobs-buttons { height: auto; }
    PrintJobsScreen #jobs-buttons Button { margin-right: 1; }
    """
    AUTO_FOCUS = "#jobs"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "retry", "Retry"),
        Binding("p", "reprint", "Reprint"),
        Binding("c", "cancel_job", "Cancel job"),
        Binding("f5", "refresh", "Refresh"),
    ]

    class JobDone(Message):
        """A retry, reprint or cancel ended (or failed); sent from its thread."""

        def __init__(self, outcome: JobOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class FollowedUp(Message):
        """The open jobs were asked after at the print service; the list is read again."""

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.jobs: dict[int, PrintJobLine] = {}
        self.current: int | None = None
        self.busy = False  # a retry, reprint or cancel is out

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("PRINT JOBS · at the printer, not printed, printed today", classes="screen-heading -labels")
        with VerticalScroll(id="jobs-body"):
            yield DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
            yield Static(f"Today's print jobs: {READING}", id="jobs-empty")
            yield Static(id="job-detail")
            with Horizontal(id="jobs-buttons"):
                yield Button("Retry (R)", variant="warning", id="retry", compact=True)
                yield Button("Reprint (P)", id="reprint", compact=True)
                yield Button("Cancel job (C)", variant="error", id="cancel-job", compact=True)
                yield Button("Refresh (F5)", id="refresh", compact=True)
            yield MessageLine(id="jobs-result")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#jobs", DataTable).add_columns("Job", "Sent", "State", "Labels", "What", "By", "Printer")
        self.query_one("#jobs").display = False
        self.show_job(None)
        self.read_jobs()
        self.follow_up()  # a job sent without waiting, or whose desk closed, may have ended since

    # ── the list ────────────────────────────────────────────────────────────────────────────────────────
    def read_jobs(self) -> None:
        on_the_worker(self, partial(print_jobs, self.ctx), then=self.show_jobs, failed=self.not_read)

    def not_read(self, error: DeskError) -> None:
        self.say(error.message, "refused")
        if not self.jobs:
            self.query_one("#jobs-empty", Static).update(plain("The print jobs could not be read. Esc goes back."))

    def show_jobs(self, jobs: PrintJobs) -> None:
        table = self.query_one("#jobs", DataTable)
        chosen = self.current
        table.clear()
        self.jobs = {}
        for attribute, _words in SECTIONS:
            for line in getattr(jobs, attribute):
                self.jobs[line.id] = line
                state = Text(line.state_words, style="bold" if line.state != "completed" else "")
                table.add_row(*plain_cells(line.id, line.when, state, line.labels, line.what, line.staff,
                                           line.printer), key=str(line.id))
        table.display = bool(self.jobs)
        empty = self.query_one("#jobs-empty", Static)
        empty.display = not self.jobs
        empty.update(plain("No print jobs today."))
        if chosen in self.jobs:
            table.move_cursor(row=table.get_row_index(str(chosen)))
            self.show_job(chosen)
        else:
            self.show_job(next(iter(self.jobs), None))

    @on(DataTable.RowHighlighted, "#jobs")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_job(int(event.row_key.value))

    def show_job(self, job_id: int | None) -> None:
        self.current = job_id if job_id in self.jobs else None
        line = self.jobs.get(job_id) if job_id is not None else None
        detail = self.query_one("#job-detail", Static)
        detail.display = line is not None
        if line is not None:
            again = f" · printing job {line.again_of} again" if line.again_of else ""
            detail.update(plain(Text.assemble(
                (f"Job {line.id} · {line.labels} label{'s' * (line.labels != 1)} · {line.what}", "bold"),
                f"\nSent {line.when} by {line.staff} to {line.printer}, layout {line.layout}{again}\n",
                (line.outcome, "bold" if line.state != "completed" else ""))))
        self.query_one("#retry").display = line is not None and line.can_retry
        self.query_one("#reprint").display = line is not None and line.can_reprint
        self.query_one("#cancel-job").display = line is not None and line.can_cancel
        self.refresh_bindings()

    @property
    def line(self) -> PrintJobLine | None:
        return self.jobs.get(self.current) if self.current is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        line = self.line
        if action == "retry":
            return line is not None and line.can_retry and not self.busy
        if action == "reprint":
            return line is not None and line.can_reprint and not self.busy
        if action == "cancel_job":
            return line is not None and line.can_cancel and not self.busy
        return True

    # ── what can be done with a job ──────────────────────────────────────────────────────────────────────
    def action_retry(self) -> None:
        self.start("retry")

    def action_reprint(self) -> None:
        self.start("reprint")

    def action_cancel_job(self) -> None:
        self.start("cancel")

    def action_refresh(self) -> None:
        self.say(f"Asking the printers about open jobs: {READING}", "waiting")
        self.follow_up()

    def start(self, what: str) -> None:
        line = self.line
        if line is None or self.busy:
            return
        if not self.ctx.who.can(Permission.HAND_IN):
            self.say("Only staff who work the desk may print tag labels.", "refused")
            return
        self.busy = True
        self.refresh_bindings()
        words = {"retry": f"Printing job {line.id} again…", "reprint": f"Reprinting job {line.id}…",
                 "cancel": f"Cancelling job {line.id}…"}[what]
        self.say(f"{words} (the desk carries on; Esc goes back to it)", "waiting")
        self.act(what, line.id)

    @work(thread=True, exclusive=True, group="print-jobs")
    def act(self, what: str, job_id: int) -> None:
        app = self.app

        def progress(text: str) -> None:
            try:
                app.call_from_thread(self.say, f"{text}. The desk carries on; Esc goes back to it.", "waiting")
            except RuntimeError:
                pass  # the app is closing

        try:
            if what == "cancel":
                outcome = JobOutcome("ok", cancel_print_job(self.ctx, job_id=job_id).message)
            else:
                printed = print_again(self.ctx, job_id=job_id, progress=progress)
                outcome = JobOutcome("ok" if printed.marked else "warning", printed.message)
        except DeskError as error:
            outcome = JobOutcome("refused", error.message)
        except Exception as error:  # a worker must always report back, or the screen waits forever
            outcome = JobOutcome("refused", f"NOT PRINTED: {error}")
        app.call_from_thread(self.deliver, app, outcome)

    def deliver(self, app: App[Any], outcome: JobOutcome) -> None:
        if self in app.screen_stack:
            self.post_message(self.JobDone(outcome))
        else:
            notify_outcome(app, outcome)  # the office left meanwhile: a toast on the desk, none when locked

    @on(JobDone)
    def job_done(self, event: JobDone) -> None:
        event.stop()
        self.busy = False
        self.say(event.outcome.text, event.outcome.severity)
        self.read_jobs()

    @work(thread=True, exclusive=True, group="print-jobs-follow-up")
    def follow_up(self) -> None:
        try:
            follow_up_open_jobs(self.ctx)
        except DeskError:
            pass  # the list is read anyway, and says what it can
        self.post_message(self.FollowedUp())

    @on(FollowedUp)
    def followed_up(self, event: FollowedUp) -> None:
        event.stop()
        if not self.busy:
            self.query_one("#jobs-result", MessageLine).clear()
        self.read_jobs()

    def say(self, text: str, severity: str = "ok") -> None:
        self.query_one("#jobs-result", MessageLine).say(text, severity)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"retry": self.action_retry, "reprint": self.action_reprint, "cancel-job": self.action_cancel_job,
         "refresh": self.action_refresh}[event.button.id or ""]()

    def action_back(self) -> None:
        self.dismiss()
