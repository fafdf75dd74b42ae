"""The desk screen: scan a phone's tag (or type a name) to hand it in or back, and see the result at once."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from kiosk.auth.roles import Permission
from kiosk.clock import local
from kiosk.custody import (
    BadScan,
    CloseDayReport,
    Conflict,
    DeskContext,
    DeskError,
    Mode,
    NotPermitted,
    Receipt,
    Refused,
    RepeatFilter,
    Resolved,
    RetiredTag,
    UnknownTag,
    close_day,
    default_mode,
    desk_counts,
    find_pupils,
    hand_back,
    hand_in,
    normalise,
    resolve,
    resolve_pupil,
)
from kiosk.custody.safeguarding import open_holds
from kiosk.custody.scans import CommandScan, NameSearch
from kiosk.db.connection import storage_guard
from kiosk.errors import StorageFailed
from kiosk.screens.close_day import ConfirmCloseDay, UncollectedList
from kiosk.screens.confiscate import ConfiscateScreen
from kiosk.screens.dashboard import DashboardScreen
from kiosk.screens.pupil import PupilScreen
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.release import ReleaseScreen
from kiosk.screens.reports import ReportsScreen
from kiosk.screens.safeguarding import HoldsAlert, HoldsScreen
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.screens.stocktake import EndOfDayScreen
from kiosk.widgets.big_text import BigText
from kiosk.widgets.recent_list import RecentList, RecentScan
from kiosk.widgets.result_banner import Result, ResultBanner
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.title_bar import TitleBar

SCAN_PROMPT = "scan a tag, a school ID card, or type a name"
MODE_WORDS = {Mode.HAND_IN: "HAND IN", Mode.HAND_BACK: "HAND BACK"}
# The headline for each desk error; the error's own message says what to do next.
PROBLEM_HEADLINES: list[tuple[type[DeskError], str]] = [
    (BadScan, "SCAN AGAIN"), (UnknownTag, "UNKNOWN TAG"), (RetiredTag, "OLD TAG"), (Conflict, "TRY AGAIN"),
    (NotPermitted, "NOT ALLOWED"), (Refused, "REFUSED"), (StorageFailed, "NOT SAVED"), (DeskError, "PROBLEM"),
]
# A kiosk-sized terminal gets letters twice the size.
LARGE_FROM = (140, 40)


def problem_headline(error: DeskError) -> str:
    return next(headline for kind, headline in PROBLEM_HEADLINES if isinstance(error, kind))


class DeskScreen(Screen[None]):
    """Hand in or back by scan or by name; the scan box keeps the focus and each result replaces the last."""

    AUTO_FOCUS = "#scan"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("f1", "app.help", "Help"),  # first, so the footer shows it even at 80 columns
        Binding("f2", "mode('hand in')", "Hand in"),
        Binding("f3", "mode('hand back')", "Hand back"),
        Binding("f5", "confiscate", "Confiscate"),
        Binding("f6", "release", "Release"),
        Binding("f8", "search_record", "Search"),
        Binding("f9", "close_day", "Close day"),
        Binding("f10", "holds", "Holds"),
        # Oversight keys come after the desk's own, so at 80 columns the footer still shows those first.
        Binding("f7", "dashboard", "Dashboard"),
        Binding("f4", "pupil", "Pupil"),
        Binding("f11", "reports", "Reports"),
        Binding("ctrl+t", "end_of_day", "End of day"),
        Binding("f12", "app.labels", "Labels"),  # F1 help and the palette's actions live on the app
    ]

    mode: reactive[str] = reactive(Mode.HAND_IN, init=False)

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.repeats = RepeatFilter(ctx.settings.repeat_scan_seconds)
        self.set_reactive(DeskScreen.mode, default_mode(ctx.clock, ctx.settings))

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        with Horizontal(id="mode-bar"):
            yield BigText(MODE_WORDS[self.mode], id="mode")
            yield Static(id="counts")
        scan = ScanBox(id="scan")
        scan.border_title = SCAN_PROMPT
        yield scan
        yield ResultBanner(id="banner")
        yield RecentList(id="recent")
        yield Footer(compact=True)  # compact: every desk key fits in 80 columns

    def on_mount(self) -> None:
        self.query_one("#recent").border_title = "recent scans"
        self._show_mode()
        self.refresh_counts()
        # Other desks change the figures too.
        self.set_interval(30.0, self.refresh_counts)
        # The DSL and the head hear about safeguarding holds as soon as they sign in.
        if self.ctx.who.can(Permission.READ_DSL_NOTES):
            self.call_after_refresh(self.alert_holds)

    def on_screen_resume(self) -> None:
        # Back from confiscating or releasing: the figures may have changed.
        self.refresh_counts()

    def on_resize(self, event: events.Resize) -> None:
        large = event.size.width >= LARGE_FROM[0] and event.size.height >= LARGE_FROM[1]
        self.query_one(ResultBanner).set_scale(2 if large else 1)

    def on_descendant_blur(self) -> None:
        # The scan box never loses the focus while this screen is in front: a scanner must always land in it.
        if self.is_current:
            self.call_after_refresh(self.query_one("#scan", ScanBox).focus)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The domain refuses what a role may not do; the footer just does not offer it.
        needs = {"close_day": Permission.CLOSE_DAY, "confiscate": Permission.CONFISCATE,
                 "release": Permission.RELEASE, "search_record": Permission.RECORD_SEARCH,
                 "holds": Permission.READ_DSL_NOTES, "pupil": Permission.VIEW_REPORTS,
                 "dashboard": Permission.VIEW_REPORTS, "reports": Permission.VIEW_REPORTS,
                 "end_of_day": Permission.CLOSE_DAY}
        if action in needs:
            return self.ctx.who.can(needs[action])
        return True

    # ── mode ────────────────────────────────────────────────────────────────────────────────────────────
    def action_mode(self, mode: str) -> None:
        self.mode = mode

    def watch_mode(self) -> None:
        # A new mode is a new run of scans: the same tag straight after a switch is meant, not a double read.
        self.repeats = RepeatFilter(self.ctx.settings.repeat_scan_seconds)
        self._show_mode()

    def _show_mode(self) -> None:
        self.query_one("#mode", BigText).text = MODE_WORDS[self.mode]
        self.query_one("#mode-bar").set_class(self.mode == Mode.HAND_IN, "-hand-in")
        self.query_one("#mode-bar").set_class(self.mode == Mode.HAND_BACK, "-hand-back")

    def refresh_counts(self) -> None:
        try:
            counts = desk_counts(self.ctx.clock, self.ctx.settings)
        except DeskError:
            # Called from a timer too: an exception there would end the app. The scan result says the rest.
            self.query_one("#counts", Static).update("counts unavailable: the database is not answering")
            return
        self.query_one("#counts", Static).update(
            f"in office [b]{counts.in_office:,}[/] · handed back today [b]{counts.handed_back_today:,}[/]\n"
            f"uncollected [b]{counts.uncollected:,}[/] · expected [b]{counts.expected:,}[/]"
        )

    # ── scans ───────────────────────────────────────────────────────────────────────────────────────────
    @on(ScanBox.Scanned, "#scan")
    def scanned(self, event: ScanBox.Scanned) -> None:
        """Each scan is handled to the end before the next message is read, so scans keep their order."""
        event.stop()
        if not event.value.strip():
            return
        box = self.query_one("#scan", ScanBox)
        box.border_subtitle = ""
        try:
            scan = normalise(event.value)
        except BadScan as error:
            self.show_problem(error)
            return
        if isinstance(scan, CommandScan):  # a desk-card barcode: the scanner alone drives the desk
            if scan.command == "lock":
                self.app.action_lock()  # type: ignore[attr-defined]
            elif scan.command == "close day":
                if self.check_action("close_day", ()):
                    self.action_close_day()
                else:
                    self.show_problem(NotPermitted("Closing the day needs the office, the DSL or the head."))
            else:
                self.mode = scan.command
                box.border_subtitle = f"{MODE_WORDS[self.mode]} mode (desk card)"
            return
        if self.repeats.is_repeat(scan, self.ctx.clock.now()):
            box.border_subtitle = "same scan ignored"
            return
        if isinstance(scan, NameSearch):
            self.pick_pupil(scan)
            return
        try:
            found = resolve(scan, accept_admission_numbers=self.ctx.settings.accept_admission_numbers)
        except DeskError as error:
            if isinstance(error, StorageFailed):
                self.repeats.forget()  # not read, so scanning it again at once is a new attempt
            self.show_problem(error)
            return
        self.act(found)

    def act(self, found: Resolved) -> None:
        """Hand the phone in or back, in the desk's current mode."""
        try:
            receipt = (hand_in if self.mode == Mode.HAND_IN else hand_back)(self.ctx, found)
        except DeskError as error:
            if isinstance(error, StorageFailed):
                # Nothing was saved: scanning again at once (what the message asks) must be acted on.
                self.repeats.forget()
            self.show_problem(error)
        else:
            self.show_receipt(receipt)
        self.refresh_counts()

    def show_receipt(self, receipt: Receipt) -> None:
        self.show(Result.of_receipt(receipt))

    def show_problem(self, error: DeskError) -> None:
        self.show(Result.problem(problem_headline(error), error.message))

    def show(self, result: Result) -> None:
        self.query_one(ResultBanner).show(result)
        at = f"{local(self.ctx.clock.now(), self.ctx.settings.tz):%H:%M}"
        self.query_one(RecentList).add(RecentScan(at=at, severity=result.severity, headline=result.headline,
                                                  pupil=result.pupil, form=result.form))

    # ── a typed name ────────────────────────────────────────────────────────────────────────────────────
    def pick_pupil(self, search: NameSearch) -> None:
        pupils = find_pupils(search)
        if not pupils:
            self.show(Result.problem("NO MATCH", f"No pupil on the roster matches '{search.text}'. "
                                                 "Check the spelling, or scan the phone's tag."))
            return

        def chosen(pupil_id: int | None) -> None:
            if pupil_id is None:
                return
            try:
                found = resolve_pupil(pupil_id)
            except DeskError as error:
                self.show_problem(error)
                return
            self.act(found)

        self.app.push_screen(PupilPicker(pupils, mode=MODE_WORDS[self.mode], typed=search.text), chosen)

    # ── close of day ────────────────────────────────────────────────────────────────────────────────────
    def action_close_day(self) -> None:
        in_office = desk_counts(self.ctx.clock, self.ctx.settings).in_office

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                report: CloseDayReport = close_day(self.ctx)
            except DeskError as error:
                self.show_problem(error)
                return
            self.refresh_counts()
            self.app.push_screen(UncollectedList(report, tz=self.ctx.settings.tz, clock=self.ctx.clock))

        self.app.push_screen(ConfirmCloseDay(in_office=in_office, desk=self.ctx.desk), confirmed)

    # ── confiscation, release, searches and holds (each its own screen; Esc comes back here) ────────────
    def action_confiscate(self) -> None:
        self.app.push_screen(ConfiscateScreen(self.ctx))

    def action_release(self) -> None:
        self.app.push_screen(ReleaseScreen(self.ctx))

    def action_search_record(self) -> None:
        self.app.push_screen(SearchRecordScreen(self.ctx))

    def action_holds(self) -> None:
        self.app.push_screen(HoldsScreen(self.ctx))

    # ── oversight: the pupil view, the dashboard, reports and the end of day ───────────────────────────
    def action_pupil(self) -> None:
        self.app.push_screen(PupilScreen(self.ctx))

    def action_dashboard(self) -> None:
        self.app.push_screen(DashboardScreen(self.ctx))

    def action_reports(self) -> None:
        self.app.push_screen(ReportsScreen(self.ctx))

    def action_end_of_day(self) -> None:
        self.app.push_screen(EndOfDayScreen(self.ctx))

    def alert_holds(self) -> None:
        try:
            holds = storage_guard(open_holds)()
        except DeskError as error:
            self.show_problem(error)
            return
        if not holds:
            return

        def answered(open_now: bool | None) -> None:
            if open_now:
                self.action_holds()

        self.app.push_screen(HoldsAlert(self.ctx, holds), answered)

    def forget_pupils(self) -> None:
        """Called when the desk locks: the banner and the recent list hold pupils' names."""
        self.query_one(ResultBanner).clear()
        self.query_one(RecentList).clear()
        self.query_one("#scan", ScanBox).clear()
