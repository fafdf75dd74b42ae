"""End of day (F12): the reconciliation by form with the phones still in the office (saved as a printable
PDF), and the stock-take: scan every phone in the safe and the boxes, and the kiosk says what is missing and
what is there that should not be, and records the stock-take in the audit log.

Every read and the stock-take's own record run on the desk's worker (kiosk/widgets/worker_jobs.py), scans in the
order they were read: the screen says reading… or saving… meanwhile and keeps taking scans."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Label, Static
from textual.widgets.data_table import ColumnKey

from kiosk.auth.roles import Permission
from kiosk.clock import local_today
from kiosk.custody import BadScan, DeskContext, DeskError, normalise
from kiosk.custody.codes import grouped
from kiosk.custody.queries import PhoneRecord, TagSeen, last_record_of_tag, open_record_count, tag_seen
from kiosk.custody.scans import CommandScan, TagScan
from kiosk.custody.states import REFER_TO_DSL_SHORT, left_overnight, state_words
from kiosk.custody.stocktake import StockItem, StocktakeResult, stocktake
from kiosk.formatting import long_date
from kiosk.messages import OpenScreen
from kiosk.reports.reconciliation import Reconciliation, reconcile
from kiosk.screens.base import DeskCardScreen
from kiosk.screens.wording import when_text
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import READING, SAVING, on_the_worker, unattended_save

UNKNOWN_TAG = "? unknown tag"
# Form 4, slot 6, "Fri 27 Nov 08:20" and "⚠ overnight" with 2 cells of padding each leave a name 22 cells in 74.
NAME_WIDTH = 22


@dataclass(frozen=True)
class Finished:
    """A stock-take as recorded, with where the kiosk last had each unexpected phone (read in the same job)."""

    result: StocktakeResult
    last_seen: dict[str, PhoneRecord | None]  # by tag code: the phone's last record, None if never handed in


def take_stock(ctx: DeskContext, scans: list[str]) -> Finished:
    """On the worker: record the stock-take, then read the last record of each phone that was not expected."""
    result = stocktake(ctx, scans)
    return Finished(result, {item.code: last_record_of_tag(code=item.code)
                             for item in result.unexpected if item.pupil is not None})


def reconcile_today(ctx: DeskContext) -> Reconciliation:
    """On the worker: today's reconciliation, by the desk's clock."""
    return reconcile(local_today(ctx.clock, ctx.settings.tz), ctx.settings)


class EndOfDayScreen(Screen[None]):
    """Handed in (expected back) against handed back, form by form, and every phone still in the office.
    P saves the printable PDF; T opens the stock-take. Esc goes back."""

    AUTO_FOCUS = "#still-in"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    DEFAULT_CSS = """
    #eod-still-box { margin-right: 2; }
    EndOfDayScreen.-narrow #eod-still-box { margin-right: 0; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("p", "save_pdf", "Save PDF"),
        Binding("t", "stocktake", "Stock-take"),
    ]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.reconciliation: Reconciliation | None = None
        self.pdf_path = None

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("END OF DAY", id="eod-heading", classes="screen-heading -end-of-day")
        with VerticalScroll(id="eod-body"):
            yield MessageLine(id="eod-message")
            yield Static(id="eod-summary")
            with Horizontal(classes="buttons", id="eod-buttons"):
                yield Button("Save printable PDF (P)", variant="primary", id="save-pdf", compact=True)
                yield Button("Stock-take (T)", id="stocktake", compact=True)
                yield Button("Back (Esc)", id="back", compact=True)
            # The phones still in the office first: the list staff act on, on screen at 80x24 without scrolling.
            with Horizontal(id="eod-tables"):
                with Vertical(id="eod-still-box"):
                    yield Label("Still in the office", id="still-title", classes="section-title")
                    yield DataTable(id="still-in", cursor_type="row", zebra_stripes=True)
                with Vertical(id="eod-forms-box"):
                    yield Label("By form", classes="section-title")
                    yield DataTable(id="reconcile", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reconcile", DataTable).add_columns("Form", "Handed in", "Handed back", "Still in", "")
        self.query_one("#still-in", DataTable).add_columns("Form", "Pupil", "Slot", "In since", "Note")
        # The right-hand box needs no gap after it (the app stylesheet gives the forms box one).
        self.query_one("#eod-forms-box").styles.margin = (0, 0, 0, 0)
        self.show()

    def on_screen_resume(self) -> None:
        # Back from the stock-take (or another desk's hand-backs): read again.
        if self.reconciliation is not None:
            self.show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stocktake":
            return self.ctx.who.can(Permission.CLOSE_DAY)
        if action == "save_pdf":
            return self.reconciliation is not None
        return True

    def show(self) -> None:
        """Read today's figures on the desk's worker; the heading says reading… until they come."""
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        message = self.query_one("#eod-message", MessageLine)

        def not_read(error: DeskError) -> None:
            self.query_one("#eod-heading", Static).update(plain(f"END OF DAY · {long_date(today)}"))
            message.say(error.message)

        job = on_the_worker(self, partial(reconcile_today, self.ctx), then=self.read, failed=not_read)
        if not job.done:
            self.query_one("#eod-heading", Static).update(plain(f"END OF DAY · {long_date(today)} · {READING}"))
        self.refresh_bindings()

    def read(self, rec: Reconciliation) -> None:
        today = rec.day
        if self.query_one("#eod-message", MessageLine).severity == "refused":
            self.query_one("#eod-message", MessageLine).clear()  # an earlier reading's failure is over
        self.reconciliation = rec
        self.refresh_bindings()
        self.query_one("#eod-heading", Static).update(plain(f"END OF DAY · {long_date(today)}"))
        handed_in = sum(line[1] for line in rec.lines)
        back = sum(line[2] for line in rec.lines)
        earlier = sum(1 for s in rec.still_in if left_overnight(s.state) and s.earlier_day)  # not today's close
        summary = Text.assemble("Handed in today ", (f"{handed_in:,}", "bold"), " · handed back ",
                                (f"{back:,}", "bold"), " · still in the office ", (f"{len(rec.still_in):,}", "bold"))
        if earlier:
            summary.append(f" (of which {earlier} from earlier days)")
        summary.append("\n")
        if rec.still_in:
            summary.append(f"⚠ {len(rec.still_in)} phone{'s' * (len(rec.still_in) != 1)} still to go home.", "bold")
        else:
            summary.append("✔ Every phone handed in has gone home.", "bold")
        self.query_one("#eod-summary", Static).update(plain(summary))
        table = self.query_one("#reconcile", DataTable)
        table.clear()
        for form, handed, returned, still in rec.lines:
            table.add_row(*plain_cells(form, handed, returned, Text(str(still), "bold") if still else 0,
                                       Text(f"⚠ {still} still in", "bold") if still else "✔ all back"), key=form)
        if rec.lines:
            table.add_row(Text("All", "bold"), Text(f"{handed_in:,}", "bold"), Text(f"{back:,}", "bold"),
                          Text(f"{len(rec.still_in):,}", "bold"), "")
        still_table = self.query_one("#still-in", DataTable)
        still_table.clear()
        # A long name is cut, so the Note column is on screen without sideways scrolling (the list has half the
        # width on a large screen, all of it at 80 columns: about 76 cells either way).
        for phone in rec.still_in:
            pupil = phone.pupil if len(phone.pupil) <= NAME_WIDTH else phone.pupil[: NAME_WIDTH - 1] + "…"
            still_table.add_row(*plain_cells(phone.form, pupil, phone.slot or "—", when_text(phone.since, self.ctx),
                                             Text(f"⚠ {'overnight' if phone.earlier_day else 'at close'}", "bold")
                                             if left_overnight(phone.state) else ""))
        still_table.display = bool(rec.still_in)
        self.query_one("#still-title", Label).update(plain(
            f"Still in the office ({len(rec.still_in)})" if rec.still_in else "Still in the office: none"))

    def action_save_pdf(self) -> None:
        if self.reconciliation is None:
            return
        message = self.query_one("#eod-message", MessageLine)
        # Here, not at the top: the PDF library takes a noticeable time to load.
        from kiosk.documents.saved import save_private
        from kiosk.reports.reconciliation import reconciliation_pdf

        try:
            pdf = reconciliation_pdf(self.reconciliation, self.ctx.settings)
            path = save_private(pdf, name=f"end-of-day-{self.reconciliation.day:%Y-%m-%d}", suffix=".pdf",
                                at=self.ctx.clock.now(), tz=self.ctx.settings.tz)
        except OSError as error:
            message.say(f"The PDF was not saved: {error.strerror or error}. Check the disk, then try again.")
            return
        self.pdf_path = path
        message.say(f"Printable PDF saved: {path}", "ok")

    def action_stocktake(self) -> None:
        if self.ctx.who.can(Permission.CLOSE_DAY):
            self.post_message(OpenScreen("stocktake"))

    def action_back(self) -> None:
        self.dismiss()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"save-pdf": self.action_save_pdf, "stocktake": self.action_stocktake,
         "back": self.action_back}[event.button.id or ""]()


class StocktakeScreen(DeskCardScreen):
    """Scan every phone, one after another (the box is burst-safe); each scan is listed with what the kiosk
    knows of it. Ctrl+S finishes: the stock-take is recorded and what is missing or unexpected is shown."""

    AUTO_FOCUS = "#scan"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "finish", "Finish"),
        Binding("ctrl+n", "again", "New stock-take"),
    ]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx)  # the desk card: LOCK locks; the others say to go back to the desk (Esc, Esc)
        self.scans: list[str] = []
        self.codes: set[str] = set()
        self.expected: int | None = None  # None until read
        self.result: StocktakeResult | None = None
        self.number_column: ColumnKey | None = None
        self.pending: set[str] = set()  # scanned, being looked up on the worker
        self.finishing = False  # the stock-take's record is being saved
        self.last_seen: dict[str, PhoneRecord | None] = {}

    @property
    def dsl(self) -> bool:
        return self.ctx.who.can(Permission.READ_DSL_NOTES)

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("STOCK-TAKE · scan every phone in the safe and the boxes", id="stock-heading",
                     classes="screen-heading -stocktake")
        scan = ScanBox(id="scan")
        scan.border_title = "scan each phone's tag · Ctrl+S when all are scanned"
        yield scan
        with VerticalScroll(id="stock-body"):
            yield MessageLine(id="stock-problem")
            yield Static(id="stock-count")
            with Vertical(id="stock-result"):
                yield Static(id="stock-headline")
                yield Label("Missing", id="missing-title", classes="section-title")
                yield DataTable(id="missing", cursor_type="row", zebra_stripes=True)
                yield Label("Unexpected", id="unexpected-title", classes="section-title")
                yield DataTable(id="unexpected", cursor_type="row", zebra_stripes=True)
                yield Static(id="stock-unreadable")
            yield Label("Scanned, newest first", classes="section-title")
            yield DataTable(id="scanned", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.number_column = self.query_one("#scanned", DataTable).add_columns(
            "#", "Tag", "Pupil", "Form", "The kiosk says")[0]
        self.query_one("#missing", DataTable).add_columns("Tag", "Pupil", "Form", "Slot", "Recorded as")
        self.query_one("#unexpected", DataTable).add_columns("Tag", "Pupil", "Form", "The kiosk says")
        self.query_one("#stock-result").display = False
        self.show_count()
        on_the_worker(self, open_record_count, then=self.counted, failed=lambda error: self.problem(error.message))

    def counted(self, expected: int) -> None:
        self.expected = expected
        self.show_count()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "finish":
            return self.result is None and not self.finishing
        if action == "again":
            return self.result is not None
        return True

    def problem(self, message: str) -> None:
        self.show_problem(message)

    def desk_card_advice(self) -> str:
        # Esc now would lose every phone scanned so far.
        return "Finish the stock-take first (Ctrl+S), then go back to the desk and scan it there."

    def show_problem(self, message: str, severity: str = "refused") -> None:
        self.query_one("#stock-problem", MessageLine).say(message, severity)

    def show_count(self) -> None:
        count = self.query_one("#stock-count", Static)
        result = self.result
        if result is None:
            expected = f"{self.expected}" if self.expected is not None else READING
            count.update(plain(Text.assemble(
                "Scanned ", (f"{len(self.codes)}", "bold"), " of the ", (expected, "bold"),
                " phones the kiosk has in the office.")))
            return
        # Finished: the scans split into the expected and the not expected, so the figures add up.
        count.update(plain(Text.assemble(
            "Scanned ", (f"{len(self.codes)}", "bold"), ": ", (f"{len(result.present)}", "bold"), " of the ",
            (f"{result.expected}", "bold"), " expected, ", (f"{len(result.unexpected)}", "bold"), " not expected.")))

    # ── scanning ────────────────────────────────────────────────────────────────────────────────────────
    @on(ScanBox.Scanned, "#scan")
    def scanned(self, event: ScanBox.Scanned) -> None:
        event.stop()
        if self.result is not None or not event.value.strip():
            return
        if self.finishing:
            self.problem("The stock-take is being saved: that scan was not counted. Start a new one (Ctrl+N) "
                         "once it has finished.")
            return
        self.query_one("#stock-problem", MessageLine).clear()
        box = self.query_one("#scan", ScanBox)
        box.border_subtitle = ""
        try:
            scan = normalise(event.value)
        except BadScan as error:
            self.problem(error.message)
            return
        if isinstance(scan, CommandScan):
            self.desk_card(scan.command, event.value.strip())
            return
        if not isinstance(scan, TagScan):
            self.problem("That is not a phone's tag. Scan the tag label on each phone or bag.")
            return
        if scan.code in self.codes or scan.code in self.pending:
            box.border_subtitle = f"{grouped(scan.code)} already scanned"
            return
        # Looked up on the worker, in the order scanned; the box says so while any lookup is out.
        raw, code = event.value, scan.code
        self.pending.add(code)

        def not_seen(error: DeskError) -> None:
            self.pending.discard(code)
            self.show_pending()
            self.problem(f"{grouped(code)} was not counted: {error.message}")

        job = on_the_worker(self, partial(tag_seen, code=code), then=lambda seen: self.add(raw, code, seen),
                            failed=not_seen)
        if not job.done:
            self.show_pending()

    def show_pending(self) -> None:
        box = self.query_one("#scan", ScanBox)
        box.border_subtitle = f"{len(self.pending)} scan(s): {READING}" if self.pending else ""

    def add(self, raw: str, code: str, seen: TagSeen) -> None:
        self.pending.discard(code)
        self.show_pending()
        if seen.pupil is None:
            says = Text(UNKNOWN_TAG, "bold")
        elif seen.in_office is None:
            says = Text("⚠ not expected", "bold")  # not recorded as in the office
        else:
            says = Text(f"✔ {state_words(seen.in_office.state, dsl=self.dsl, short=True)}, "
                        f"slot {seen.in_office.slot or '—'}")
        self.scans.append(raw)
        self.codes.add(code)
        table = self.query_one("#scanned", DataTable)
        # Newest at the top, where the eye is after a scan.
        # The number stays a str: the table sorts on it as a number.
        table.add_row(str(len(self.codes)), *plain_cells(grouped(code), seen.pupil.name if seen.pupil else "—",
                                                         seen.pupil.form if seen.pupil else "—", says), key=code)
        table.sort(self.number_column, key=int, reverse=True)
        table.move_cursor(row=0, animate=False)
        self.show_count()

    # ── finishing ───────────────────────────────────────────────────────────────────────────────────────
    def action_finish(self) -> None:
        """The stock-take is recorded on the desk's worker (behind the scans still being looked up); the result
        shows only once the record is committed."""
        if self.result is not None or self.finishing:
            return
        if not self.codes and not self.pending and self.expected:
            self.problem(f"Nothing scanned yet: scan every phone in the office ({self.expected}) first.")
            return
        self.finishing = True
        self.refresh_bindings()
        problem = self.query_one("#stock-problem", MessageLine)
        problem.waiting(f"Finishing the stock-take: {SAVING}")
        # The scans still being looked up are in the stock-take too (the worker answers in order: their lookups
        # are listed before it finishes).
        scans = [*self.scans, *self.pending]

        def not_finished(error: DeskError) -> None:
            self.finishing = False
            self.refresh_bindings()
            self.problem(error.message)

        on_the_worker(self, partial(take_stock, self.ctx, scans), then=self.finished, failed=not_finished,
                      unattended=unattended_save("The stock-take"))

    def finished(self, done: Finished) -> None:
        self.finishing = False
        problem = self.query_one("#stock-problem", MessageLine)
        if problem.severity == "waiting":
            problem.clear()
        self.result = done.result
        self.last_seen = done.last_seen
        self.query_one("#scan").display = False
        self.show_result(done.result)
        self.refresh_bindings()

    def show_result(self, result: StocktakeResult) -> None:
        headline = self.query_one("#stock-headline", Static)
        if not result.missing and not result.unexpected:
            headline.set_classes("-ok")
            headline.update(plain(f"✔ ALL PRESENT: {len(result.present)} of {result.expected} phones found, "
                            "nothing unexpected."))
        else:
            headline.set_classes("-refused")
            headline.update(plain(f"⚠ {len(result.missing)} MISSING · {len(result.unexpected)} UNEXPECTED · "
                            f"{len(result.present)} of {result.expected} found"))
        self.fill("missing", result.missing, "Missing: the kiosk says these are in the office; nobody scanned them")
        self.fill("unexpected", result.unexpected, "Unexpected: scanned, but not recorded as in the office")
        unreadable = self.query_one("#stock-unreadable", Static)
        unreadable.update(plain(Text.assemble(
            (f"{len(result.unreadable)} scan(s) could not be read: ", "bold") if result.unreadable else "",
            ", ".join(result.unreadable) + "\n" if result.unreadable else "",
            (f"Recorded in the audit log: {self.ctx.who.name}, {when_text(self.ctx.clock.now(), self.ctx)}.",
             "dim"))))
        self.query_one("#stock-result").display = True
        self.show_count()
        self.query_one("#stock-body", VerticalScroll).scroll_home(animate=False)
        self.query_one("#missing" if result.missing else "#scanned", DataTable).focus()

    def fill(self, which: str, items: tuple[StockItem, ...], title: str) -> None:
        table = self.query_one(f"#{which}", DataTable)
        table.clear()
        for item in items:
            pupil = item.pupil.name if item.pupil else "—"
            form = item.pupil.form if item.pupil else "—"
            if which == "missing":
                table.add_row(*plain_cells(grouped(item.code), pupil, form, item.slot or "—",
                                           Text(state_words(item.state, dsl=self.dsl, short=True), "bold")))
            else:
                table.add_row(*plain_cells(grouped(item.code), pupil, form, Text(self.last_known(item), "bold")))
        table.display = bool(items)
        self.query_one(f"#{which}-title", Label).update(plain(f"{title} ({len(items)})" if items else
                                                        f"{title.split(':')[0]}: none"))

    def last_known(self, item: StockItem) -> str:
        """Where the kiosk last had an unexpected phone: handed back at 15:02, released on Friday…"""
        if item.pupil is None:
            return UNKNOWN_TAG
        last = self.last_seen.get(item.code)
        if last is None or last.closed_at is None:
            return "⚠ never handed in"
        if last.refer_to_dsl(dsl=self.dsl):
            return f"⚠ {REFER_TO_DSL_SHORT}"
        return f"⚠ {state_words(last.state)} {when_text(last.closed_at, self.ctx)}"

    def action_again(self) -> None:
        self.post_message(OpenScreen("stocktake", replacing=True))

    def action_back(self) -> None:
        self.dismiss()
