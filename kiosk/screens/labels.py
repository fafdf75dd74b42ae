"""Tags & labels: print tag labels for one pupil, a form, a year, everyone or those never printed; replace a lost
or damaged tag in one step. Printing runs in a thread of its own, so the desk never waits for a printer; what the
screen reads (the forms, what will print) is read on the desk's worker (kiosk/widgets/worker_jobs.py), reading… shown
until it comes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from kiosk.auth.roles import Permission
from kiosk.custody import DeskContext, DeskError, Resolved, resolve_pupil
from kiosk.custody.codes import grouped
from kiosk.custody.queries import OnRoll, forms_and_years
from kiosk.errors import StorageFailed
from kiosk.labels import (
    LAYOUTS,
    PRINTER_KINDS,
    LabelChoice,
    NothingToPrint,
    PrintFailed,
    Progress,
    Queue,
    get_layout,
    list_queues,
    preview,
    print_labels,
    replace_tag_and_print,
)
from kiosk.labels.again import print_again
from kiosk.labels.from_settings import chosen_printer, default_folder, printer_for
from kiosk.messages import OpenScreen
from kiosk.screens.base import DeskCardScreen
from kiosk.screens.finding import Found
from kiosk.screens.wording import pupil_line
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain
from kiosk.widgets.print_outcome import JobOutcome, notify_outcome
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.tick_box import TickBox
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import READING, on_the_worker

# What to print, in the order the office thinks of it.
WHAT = (("One pupil", "pupil"), ("A form", "form"), ("A year group", "year"), ("Everyone on roll", "everyone"),
        ("Everyone whose label was never printed", "never"))
KIND_WORDS = (("CUPS printer queue", "cups"), ("Brother QL, directly", "brother"), ("Save to a file", "file"),
              ("Windows printer (its own driver)", "windows"))
TARGET_HINTS = {"cups": "queue name, e.g. Reception_QL (List printers shows them)",
                "brother": "/dev/usb/lp0 or tcp://192.0.2.10:9100",
                "file": "a folder (one PDF per job), or a .pdf or .png path",
                "windows": "the printer's name as Windows shows it, or default"}
PUPIL_PROMPT = "scan the tag or the school ID card, or type a name"


@dataclass(frozen=True)
class LabelsJob:
    """One press of Print or Replace, with its layout and printer fixed, so Retry repeats exactly that."""

    layout: str
    kind: str
    target: str
    choice: LabelChoice | None = None  # print these tags' labels
    replace_tag_code: str | None = None  # or replace this tag (scanned)…
    replace_pupil_id: int | None = None  # …or this pupil's only tag (lost)
    reason: str = "lost"
    # The print job that failed, when Retry repeats one: printed again as that job (the same labels, linked in the
    # print history, so the failed row no longer offers a retry of its own and nothing prints twice).
    failed_job: int | None = None

    @property
    def replaces(self) -> bool:
        return self.choice is None


def run_labels_job(ctx: DeskContext, job: LabelsJob, progress: Progress | None = None) -> JobOutcome:
    """Blocking: print or replace-and-print, waiting (minutes if need be) until the printer finished the job.
    Every failure comes back as an outcome with the domain's words; `progress` hears how the job is going."""
    try:
        printer = printer_for(ctx.settings, job.kind, job.target)
        if job.replaces:
            done = replace_tag_and_print(ctx, tag_code=job.replace_tag_code, pupil_id=job.replace_pupil_id,
                                         reason=job.reason, layout=job.layout, printer=printer,
                                         progress=progress)
            if done.printed is None:
                # The new tag stands; only its label is missing, and Retry prints just that.
                again = LabelsJob(layout=job.layout, kind=job.kind, target=job.target,
                                  choice=LabelChoice(tag_id=done.replaced.new_tag_id))
                return JobOutcome("warning", done.message, again)
            return JobOutcome("ok", done.message)
        if job.failed_job is not None:
            printed = print_again(ctx, job_id=job.failed_job, printer=printer, progress=progress)
        else:
            printed = print_labels(ctx, choice=job.choice or LabelChoice(), layout=job.layout, printer=printer,
                                   progress=progress)
        if not printed.marked:  # sent, not seen through: never shown as printed
            return JobOutcome("warning", printed.message, job)
        return JobOutcome("ok", printed.message)
    except NothingToPrint as error:
        return JobOutcome("warning", error.message)
    except PrintFailed as error:
        # Replacing already happened only when print_labels ran; a failure before it retries the whole job.
        again = job if job.replaces or error.job_id is None else replace(job, failed_job=error.job_id)
        return JobOutcome("refused", error.message, again)
    except DeskError as error:
        return JobOutcome("refused", error.message)


def per_form_words(per_form: tuple[tuple[str, int], ...]) -> str:
    """The preview's count per form, in words: "8A: 1 label, 8B: 27 labels"."""
    return ", ".join(f"{form}: {count} label{'s' * (count != 1)}" for form, count in per_form)


def preview_lines(choice: LabelChoice, layout: str, described: str) -> list[str]:
    """On the desk's worker: what will print, line by line (it counts the tags)."""
    shown = preview(choice, get_layout(layout), described)
    lines = shown.lines()
    if shown.total:
        lines[1] = per_form_words(shown.per_form)  # "8A 1" alone did not say 1 what
    return lines


class LabelsScreen(DeskCardScreen):
    """Choose whose labels, the layout and the printer; see what will print; print in a worker; Retry on failure."""

    AUTO_FOCUS = "#pupil"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    # The buttons here are one row high: a frame all round (the desk card screens' focus style) covered the
    # label of the focused one. A bar each side instead, as on the forms at 80x24.
    DEFAULT_CSS = """
    LabelsScreen #labels-buttons Button:focus {
        outline: none;
        outline-left: heavy $foreground;
        outline-right: heavy $foreground;
        text-style: bold not reverse;
    }
    """
    BINDINGS = [
        Binding("escape", "back", "Desk"),
        Binding("ctrl+s", "print", "Print"),
        Binding("ctrl+r", "retry", "Retry"),
        Binding("f7", "print_jobs", "Print jobs"),  # the screen's name: the palette words it from the registry
    ]

    class JobFinished(Message):
        """A print or replace job finished (or failed); sent from the worker thread."""

        def __init__(self, outcome: JobOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class QueuesListed(Message):
        """The CUPS queues were listed (or listing them failed); sent from the worker thread."""

        def __init__(self, queues: list[Queue], problem: str | None) -> None:
            super().__init__()
            self.queues = queues
            self.problem = problem

    def __init__(self, ctx: DeskContext) -> None:
        # The desk card: LOCK locks; the others say to go back to the desk (the choices made here are kept).
        super().__init__(ctx)
        self.found: Found | None = None
        self.retry_job: LabelsJob | None = None
        self.printing = False
        # The forms and year groups on roll: read as the screen opens, on the worker (the lists say reading…).
        self.forms: tuple[str, ...] = ()
        self.years: tuple[int, ...] = ()
        self.previewing = False  # a preview is being read
        self.preview_again = False  # the choice changed while it was: read again once it answers
        self.preview_number = 0  # numbers each showing of the preview: an older count is not shown

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        settings = self.ctx.settings
        kind, target = chosen_printer(settings, getattr(self.app, "label_printer", None))
        layout = settings.label_layout if settings.label_layout in LAYOUTS else next(iter(LAYOUTS))
        yield TitleBar(school=settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock, tz=settings.tz,
                       staff=f"{who.name} ({who.role})")
        yield Static("TAGS & LABELS", classes="screen-heading -labels")
        with VerticalScroll(id="labels-body"):
            with Horizontal(classes="labels-row"):
                yield Label("Print labels for")
                yield Select(WHAT, allow_blank=False, value="pupil", id="what", compact=True)
            with Horizontal(classes="labels-row", id="pupil-row"):
                yield Label("Pupil")
                yield ScanBox(placeholder=PUPIL_PROMPT, id="pupil", compact=True)
            yield Static(id="labels-pupil")
            with Horizontal(classes="labels-row", id="form-row"):
                yield Label("Form")
                yield Select([], prompt=f"the forms: {READING}", id="form", compact=True)
            with Horizontal(classes="labels-row", id="year-row"):
                yield Label("Year group")
                yield Select([], prompt=f"the year groups: {READING}", id="year", compact=True)
            with Horizontal(classes="labels-row", id="never-row"):
                yield Label("")
                yield TickBox("only tags whose label was never printed", id="never", compact=True)
            with Horizontal(classes="labels-row"):
                yield Label("Layout")
                yield Select([(item.title, key) for key, item in LAYOUTS.items()], allow_blank=False,
                             value=layout, id="layout", compact=True)
            with Horizontal(classes="labels-row"):
                yield Label("Printer")
                yield Select(KIND_WORDS, allow_blank=False, value=kind if kind in PRINTER_KINDS else "file",
                             id="kind", compact=True)
            with Horizontal(classes="labels-row"):
                yield Label("")
                yield Input(target, placeholder=TARGET_HINTS.get(kind, ""), id="target", compact=True)
            yield Static(id="preview")
            with Horizontal(id="labels-buttons"):
                yield Button("Print  Ctrl+S", variant="primary", id="print", compact=True)
                yield Button("Retry  Ctrl+R", variant="warning", id="retry", compact=True)
                yield Button("Lost tag: replace", id="replace-lost", compact=True)
                yield Button("Damaged tag: replace", id="replace-damaged", compact=True)
                yield Button("Printers…", id="list-queues", compact=True)
                yield Button("Print jobs  F7", id="print-jobs", compact=True)
            yield MessageLine(id="labels-result")
            yield OptionList(id="queues")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#preview").border_title = "what will print"
        self.query_one("#queues").display = False
        on_the_worker(self, forms_and_years, then=self.show_on_roll, failed=self.on_roll_not_read)
        self.show_rows()
        self.show_retry(None)

    def show_on_roll(self, on_roll: OnRoll) -> None:
        self.forms, self.years = on_roll.forms, on_roll.years
        form, year = self.query_one("#form", Select), self.query_one("#year", Select)
        form.prompt, year.prompt = "choose a form", "choose a year"
        form.set_options([(f, f) for f in self.forms])
        year.set_options([(f"Year {y}", y) for y in self.years])

    def on_roll_not_read(self, error: DeskError) -> None:
        self.query_one("#form", Select).prompt = "the forms were not read"
        self.query_one("#year", Select).prompt = "the year groups were not read"
        self.show_result(f"{error.message} One pupil's labels can still be printed; Esc goes back.")

    # ── what the office chose ───────────────────────────────────────────────────────────────────────────
    @property
    def what(self) -> str:
        return str(self.query_one("#what", Select).value)

    def choice(self) -> LabelChoice | None:
        """The LabelChoice for the fields as they stand, or None while something is still to choose."""
        what = self.what
        never = self.query_one("#never", Checkbox).value
        if what == "pupil":
            if self.found is None:
                return None
            if self.found.tag_id is not None:
                return LabelChoice(tag_id=self.found.tag_id)
            return LabelChoice(pupil_id=self.found.pupil.id)
        if what == "form":
            form = self.query_one("#form", Select).value
            return None if form is Select.NULL else LabelChoice(form=str(form), never_printed=never)
        if what == "year":
            year = self.query_one("#year", Select).value
            return None if year is Select.NULL else LabelChoice(year=int(year), never_printed=never)  # type: ignore[arg-type]
        return LabelChoice(never_printed=what == "never")

    def printer_fields(self) -> tuple[str, str]:
        return str(self.query_one("#kind", Select).value), self.query_one("#target", Input).value.strip()

    @property
    def layout_key(self) -> str:
        return str(self.query_one("#layout", Select).value)

    def show_rows(self) -> None:
        what = self.what
        self.query_one("#pupil-row").display = what == "pupil"
        self.query_one("#labels-pupil").display = what == "pupil" and self.found is not None
        self.query_one("#form-row").display = what == "form"
        self.query_one("#year-row").display = what == "year"
        self.query_one("#never-row").display = what in ("form", "year")
        one = what == "pupil" and self.found is not None
        self.query_one("#replace-lost").display = one
        self.query_one("#replace-damaged").display = one
        self.show_preview()

    def show_preview(self) -> None:
        self.preview_number += 1  # a count asked for before now no longer says what will print
        box = self.query_one("#preview", Static)
        choice = self.choice()
        kind, target = self.printer_fields()
        try:
            printer = printer_for(self.ctx.settings, kind, target)
            described = printer.description
            unsuitable = printer.unsuitable(get_layout(self.layout_key))
        except DeskError as error:
            described, unsuitable = "none set up", error.message
        if choice is None:
            asks = {"pupil": "Scan the pupil's tag or ID card, or type their name, and press Enter.",
                    "form": "Choose the form.", "year": "Choose the year group."}
            box.update(plain(f"{asks.get(self.what, '')}\nPrinter: {described}"))
            return
        # Counted on the worker, one reading at a time: while one is out, a change (the printer's name being
        # typed, say) asks for one more once it answers, rather than a reading per key.
        if self.previewing:
            self.preview_again = True
            return
        self.previewing = True
        number = self.preview_number

        def counted(read: list[str]) -> None:
            if not self.answered_preview(number):
                return
            text = Text()
            for index, line in enumerate(read):
                bold = index == 0 and not line.startswith("No labels")
                text.append(("\n" if index else "") + line, "bold" if bold else "")
            if unsuitable:
                text.append(("\n" if read else "") + f"⚠ {unsuitable}", "bold")
            box.update(plain(text))

        def not_counted(error: DeskError) -> None:
            if self.answered_preview(number):
                box.update(plain(f"✖ {error.message}"))
                self.show_result(error.message)

        job = on_the_worker(self, partial(preview_lines, choice, self.layout_key, described), then=counted,
                            failed=not_counted)
        if not job.done:
            box.update(plain(f"{READING}\nPrinter: {described}"))

    def answered_preview(self, number: int) -> bool:
        """A preview's answer has come: False when the choice changed meanwhile (it is read again instead, or there
        is nothing to count now)."""
        self.previewing = False
        if self.preview_again:
            self.preview_again = False
            self.show_preview()
            return False
        return number == self.preview_number

    @on(Select.Changed)
    def select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "kind":
            target = self.query_one("#target", Input)
            kind = str(event.value)
            target.placeholder = TARGET_HINTS.get(kind, "")
            if kind == "file" and not target.value.strip():
                target.value = str(default_folder())
            elif kind != "file" and target.value.strip().lower().endswith((".pdf", ".png")):
                target.value = ""  # a file's path is no queue's name: ask for the printer instead
            self.remember_printer()
        if event.select.id == "what":
            self.show_rows()
            if self.what == "pupil":
                self.query_one("#pupil", ScanBox).focus()
            return
        self.show_preview()

    @on(Checkbox.Changed, "#never")
    def never_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.show_preview()

    @on(Input.Changed, "#target")
    def target_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.remember_printer()
        self.show_preview()

    @on(Input.Submitted, "#target")
    def target_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#print", Button).focus()

    def remember_printer(self) -> None:
        # For the rest of this session (the bag labels too); never written to the settings file.
        if hasattr(self.app, "label_printer"):
            self.app.label_printer = self.printer_fields()

    # ── one pupil ───────────────────────────────────────────────────────────────────────────────────────
    @on(ScanBox.Scanned, "#pupil")
    def pupil_scanned(self, event: ScanBox.Scanned) -> None:
        self.find_pupil(event, "print a label for")

    def identified(self, found: Found) -> None:
        self.found = found
        line = pupil_line(found.pupil)
        if found.tag_code is not None:
            line += f" · tag {grouped(found.tag_code)}"
        else:
            line.append(" · ")
            line.append("no active tag", "bold")
            line.append(": 'Lost tag' issues one and prints its label")
        self.query_one("#labels-pupil", Static).update(plain(line))
        self.show_rows()
        self.query_one("#print", Button).focus()

    # ── printing ────────────────────────────────────────────────────────────────────────────────────────
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return True if self.retry_job is not None else None
        if action == "print":
            return None if self.printing else True
        return True

    def action_print(self) -> None:
        choice = self.choice()
        if choice is None:
            self.show_result("Choose whose labels to print first (a pupil, a form or a year group).", "warning")
            return
        kind, target = self.printer_fields()
        self.start(LabelsJob(layout=self.layout_key, kind=kind, target=target, choice=choice))

    def action_replace(self, reason: str) -> None:
        if self.found is None:
            self.show_result("Find the pupil first: scan their tag or ID card, or type their name.", "warning")
            return
        kind, target = self.printer_fields()
        via_tag = self.found.tag_code is not None and self.found.via == "tag"
        # A scanned tag is the one replaced (a pupil may have two); otherwise the pupil's only tag.
        job = LabelsJob(layout=self.layout_key, kind=kind, target=target, reason=reason,
                        replace_tag_code=self.found.tag_code if via_tag else None,
                        replace_pupil_id=None if via_tag else self.found.pupil.id)
        self.start(job)

    def action_retry(self) -> None:
        if self.retry_job is not None:
            self.start(self.retry_job)

    def start(self, job: LabelsJob) -> None:
        if self.printing:
            return
        if not self.ctx.who.can(Permission.HAND_IN):
            self.show_result("Only staff who work the desk may print tag labels.")
            return
        self.printing = True
        self.show_retry(None)
        self.show_result("Printing… (the desk carries on; you may go back to it with Esc)", "warning")
        self.query_one("#print", Button).disabled = True
        self.refresh_bindings()
        self.print_in_background(job)

    @work(thread=True, exclusive=True, group="labels")
    def print_in_background(self, job: LabelsJob) -> None:
        app = self.app

        def progress(line: str) -> None:
            # From this thread to the app's: the line under the buttons follows the job while it is out.
            try:
                app.call_from_thread(self.show_progress, line)
            except RuntimeError:
                pass  # the app is closing: nobody is left to tell

        outcome = self._run(job, progress)
        # Decided on the app's thread, where screens come and go, so the answer cannot change under it.
        app.call_from_thread(self.deliver, app, outcome)

    def deliver(self, app: App[Any], outcome: JobOutcome) -> None:
        if self in app.screen_stack:
            self.post_message(self.JobFinished(outcome))
        else:
            # The office went back to the desk (or locked it) meanwhile: say how it went there, never on
            # the lock screen, which shows nothing about any pupil.
            notify_outcome(app, outcome)

    def show_progress(self, line: str) -> None:
        """How the job at the printer is going ("waiting for the printer… job queued: the printer is off or
        unreachable (1 min 05 s)"): never PRINTED until the printer finished it."""
        if self.printing and self.is_attached:
            self.show_result(f"{line}. The desk carries on; Esc goes back to it.", "waiting")

    def _run(self, job: LabelsJob, progress: Progress | None = None) -> JobOutcome:
        try:
            return run_labels_job(self.ctx, job, progress)
        except Exception as error:  # a worker must always report back, or the screen waits forever
            return JobOutcome("refused", f"NOT PRINTED: {error}", job)

    @on(JobFinished)
    def job_finished(self, event: JobFinished) -> None:
        event.stop()
        self.printing = False
        self.query_one("#print", Button).disabled = False
        if self.focused is None or isinstance(self.focused, Button):
            self.query_one("#print", Button).focus()
        outcome = event.outcome
        self.show_result(outcome.text, outcome.severity)
        self.show_retry(outcome.retry)
        if outcome.severity == "ok" and self.found is not None and self.what == "pupil":
            # A replaced tag changed the pupil's code: look them up again, so a second press prints the new one.
            self.refresh_found()
        self.show_preview()

    def refresh_found(self) -> None:
        """Read the pupil's current tag again, on the worker: from now on the pupil is known by name, and their
        current tag is the one to print."""
        found = self.found
        assert found is not None

        def again(resolved: Resolved | None) -> None:
            if self.found is found:
                self.identified(replace(found, resolved=resolved, via="name search"))

        def no_tag(error: DeskError) -> None:
            if isinstance(error, StorageFailed):
                self.show_result(error.message)
            else:
                again(None)  # no active tag now (UnknownTag)

        on_the_worker(self, partial(resolve_pupil, found.pupil.id), then=again, failed=no_tag)

    def show_retry(self, job: LabelsJob | None) -> None:
        self.retry_job = job
        self.query_one("#retry", Button).display = job is not None
        if job is not None:
            self.query_one("#retry", Button).focus()
        self.refresh_bindings()

    def show_result(self, text: str, severity: str = "refused") -> None:
        line = self.query_one("#labels-result", MessageLine)
        line.say(text, severity)
        self.call_after_refresh(line.scroll_visible)

    def show_problem(self, message: str, severity: str = "refused") -> None:
        self.show_result(message, severity)

    def clear_problem(self) -> None:
        self.query_one("#labels-result", MessageLine).clear()

    # ── the printers this PC has ────────────────────────────────────────────────────────────────────────
    @work(thread=True, exclusive=True, group="queues")
    def list_printers(self) -> None:
        try:
            self.post_message(self.QueuesListed(list_queues(), None))
        except PrintFailed as error:
            self.post_message(self.QueuesListed([], error.message))

    @on(QueuesListed)
    def queues_listed(self, event: QueuesListed) -> None:
        event.stop()
        if event.problem:
            self.show_result(event.problem)
            return
        if not event.queues:
            self.show_result("No printer queues are set up on this PC. Ask IT to add the label printer.", "warning")
            return
        options = self.query_one("#queues", OptionList)
        options.clear_options()
        options.add_options([Option(plain(f"{q.name}  ·  {q.state}{'  (default)' if q.is_default else ''}"), id=q.name)
                             for q in event.queues])
        options.border_title = "printer queues · Enter chooses"
        options.display = True
        options.focus()

    @on(OptionList.OptionSelected, "#queues")
    def queue_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#kind", Select).value = "cups"
        self.query_one("#target", Input).value = event.option.id or ""
        self.query_one("#queues").display = False
        self.remember_printer()
        self.show_preview()
        self.query_one("#print", Button).focus()

    # ── buttons ─────────────────────────────────────────────────────────────────────────────────────────
    def action_back(self) -> None:
        self.dismiss()

    def action_print_jobs(self) -> None:
        """The print history (kiosk/screens/print_jobs.py), over this screen: Esc comes back here."""
        self.post_message(OpenScreen("print_jobs"))

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button == "print":
            self.action_print()
        elif button == "retry":
            self.action_retry()
        elif button.startswith("replace-"):
            self.action_replace(button.removeprefix("replace-"))
        elif button == "print-jobs":
            self.action_print_jobs()
        elif button == "list-queues":
            self.show_result("Asking the print service for its printers…", "warning")
            self.list_printers()
