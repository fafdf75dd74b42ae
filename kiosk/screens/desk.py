"""The desk screen: scan a phone's tag (or type a name) to hand it in or back, and see the result at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from kiosk.auth.roles import Permission
from kiosk.clock import local, local_today
from kiosk.custody import (
    BadScan,
    CloseDayReport,
    DeskContext,
    DeskCounts,
    DeskError,
    Mode,
    NotPermitted,
    PupilSummary,
    Receipt,
    RepeatFilter,
    close_day,
    default_mode,
    desk_counts,
    find_pupils,
    normalise,
)
from kiosk.custody.daily import BeforeClose, before_close, closed_words
from kiosk.custody.desk import (
    ConnectionWatch,
    Health,
    changes_figures,
    close_this_threads_connection,
    hand_over_pupil,
    hand_over_scan,
)
from kiosk.custody.queries.sign_in_alert import SignInAlert, dsl_sign_in_alert
from kiosk.custody.scans import CommandScan, NameSearch
from kiosk.errors import StorageFailed
from kiosk.formatting import clock_time
from kiosk.messages import OpenScreen
from kiosk.screens.close_day import ConfirmCloseDay, UncollectedList
from kiosk.screens.desk_card import AtTheDesk
from kiosk.screens.desk_day import DeskDay
from kiosk.screens.desk_words import (
    MODE_WORDS,
    NO_HATCH_PROMPT,
    SAVING_HEADLINE,
    SCAN_PROMPT,
    problem_headline,
    receipt_result,
    saving_words,
    scanned_before_switch,
    switched_words,
    unattended_words,
    what_was_read,
)
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.registry import SCREENS, may_open
from kiosk.widgets.big_text import LARGE_FROM, BigText
from kiosk.widgets.database_down import DatabaseDown
from kiosk.widgets.desk_figures import DeskFigures
from kiosk.widgets.desk_footer import DeskFooter
from kiosk.widgets.desk_worker import FRAME_WAIT_SECONDS, DeskWorker
from kiosk.widgets.plain import plain
from kiosk.widgets.poller import Poller, Reading
from kiosk.widgets.recent_list import DeskNote, RecentList, RecentScan
from kiosk.widgets.result_banner import Result, ResultBanner
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.title_bar import TitleBar, role_words

T = TypeVar("T")

# The desk of a role that does not work the hatch has no mode: the bar says what it is for instead (a head of year
# looks pupils up; a teacher confiscates).
NO_HAND_IN_WORDS = ((Permission.VIEW_PUPILS, "LOOK UP"), (Permission.CONFISCATE, "CONFISCATE"))
# What each key the desk may offer such a role opens (by the screen's name), in the order the line lists them.
LOOK_UP_KEYS = (("pupil", "F4 pupil"), ("confiscate", "F5 confiscate"), ("search_record", "F8 search record"),
                ("dashboard", "F7 dashboard"), ("reports", "Ctrl+R reports"))
# A kiosk-sized terminal gets letters twice the size (LARGE_FROM, from big_text: the lock screen uses it too).
# The figures and the database's health are read this often: other desks' work shows within this many seconds.
REFRESH_SECONDS = 3.0
# After a read that may have missed this desk's own latest scans, read again this soon (a few times a second at
# most, however fast the scans come).
RECOUNT_SECONDS = 0.3
# How long an explicit refresh (the desk opening, coming back from another screen) waits for its answer, so it
# shows in the same frame. The 3-second timer never waits, and nothing waits behind a read already running.
REFRESH_WAIT_SECONDS = 0.5
# A result that arrives while later scans are still being saved stays in the banner this long; then the banner
# says SAVING again for those (the result stays in the recent list).
RESULT_HOLD_SECONDS = 2.0
# How often the desk looks at the clock for the afternoon's switch to HAND BACK (settings.hand_back_from).
AFTERNOON_CHECK_SECONDS = 1.0
# The footer's keys in order of importance at the hatch: at 80 columns the first of these are what it shows.
# (Keys a role does not have are skipped: the DSL and the head get F10 Holds where the office gets F4 Pupil.)
HATCH_KEYS = ("app.help", "mode('hand in')", "mode('hand back')", "lock", "confiscate", "holds", "pupil",
              "release", "close_day", "search_record", "dashboard", "reports", "end_of_day", "labels")


@dataclass(frozen=True)
class Poll:
    """One background reading: is the database answering, and the figures if it is."""

    changes: int  # how many figure-changing actions this desk had made when the reading began
    health: Health
    counts: DeskCounts | None


class DeskScreen(AtTheDesk, Screen[None]):
    """Hand in or back by scan or by name; the scan box keeps the focus and each result replaces the last.
    The desk card's barcodes drive it from the scanner alone (AtTheDesk). F4-F8, F10, F12, Ctrl+R and Ctrl+T ask the
    app for the other screens by name (their action is the screen's name in kiosk/screens/registry.py), and are
    offered to a role that may open them."""

    AUTO_FOCUS = "#scan"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("f1", "app.help", "Help"),
        Binding("f2", "mode('hand in')", "Hand in"),
        Binding("f3", "mode('hand back')", "Hand back"),
        Binding("f4", "pupil", "Pupil"),
        Binding("f5", "confiscate", "Confiscate"),
        Binding("f6", "release", "Release"),
        Binding("f7", "dashboard", "Dashboard"),
        Binding("f8", "search_record", "Search"),
        Binding("f9", "close_day", "Close day"),
        Binding("f10", "holds", "Holds"),
        # Not F11: Windows Terminal keeps F11 (and Alt+Enter) for full screen, so the kiosk never sees it there
        # (tests/test_windows_terminal_keys.py checks every key against Windows Terminal's own).
        Binding("ctrl+r", "reports", "Reports"),
        Binding("f12", "labels", "Labels"),  # F1 help and the palette's actions live on the app
        Binding("ctrl+t", "end_of_day", "End of day"),
    ]

    mode: reactive[str] = reactive(Mode.HAND_IN, init=False)

    class Polled(Message):
        """A background reading has arrived (posted from the reading's own thread)."""

        def __init__(self, reading: Reading[Poll]) -> None:
            super().__init__()
            self.reading = reading

    def __init__(self, ctx: DeskContext, *, worker: DeskWorker, day: DeskDay | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.worker = worker  # the app's: every database action of this screen runs there, in order
        # The desk's own memory of today (the app's, kept across a lock): its recent scans, a mode chosen by hand.
        self.day = (day if day is not None else DeskDay()).on(self.today)
        self.repeats = RepeatFilter(ctx.settings.repeat_scan_seconds)
        self.set_reactive(DeskScreen.mode, self.day.mode_by_hand or default_mode(ctx.clock, ctx.settings))
        # The afternoon's switch to HAND BACK happens once a day: already, when the desk opens after the time.
        self._afternoon_on = self.today if self.afternoon else None
        self._switched_at: str | None = None  # "15:10" once this desk has switched by itself
        # Counted up by every action of this desk that may change the figures, when it is sent to the worker and
        # again when its receipt moves them; a reading that began before the latest of these may have missed
        # it, so it is not shown over the figures the receipts built (nor is any reading while a write is out).
        self.changes = 0
        self._writes_out = 0  # hand-ins, hand-backs and closes of day sent to the worker, not yet answered
        self._reads_out = 0  # lookups sent to the worker, not yet answered
        self._set_aside = False  # a reading was not shown because a write was out
        self._saving_mode = self.mode  # the mode of the scans being saved, for the SAVING line's advice
        self._hold: Timer | None = None  # while set, a fresh result keeps the banner (see RESULT_HOLD_SECONDS)
        self._note = ""  # the scan box's own word under it ("same scan ignored"); "saving…" goes before it
        self._box_line = ""  # what the scan box's border line says now
        self._scans_sent = 0  # numbers each scan sent to the worker: the repeat filter remembers only the newest
        self._applied = 0  # the number of the newest reading shown
        self._recount: Timer | None = None
        self.connection = ConnectionWatch(now=ctx.clock.now)
        # Kept at hand: every scan of a burst touches these, and a query each time is time the queue waits.
        self._figures = DeskFigures(id="counts")
        self._scan_box = ScanBox(id="scan")
        self._banner = ResultBanner(id="banner", ready=None if self.hands_in else self.look_up_line())
        # The recent list is the desk's, for whoever works its hatch today; a role away from the hatch (a teacher,
        # a head of year looking pupils up) gets a list of its own and never sees the hatch's.
        self._recent = RecentList(rows=self.day.recent if self.hands_in else None, id="recent")
        self.poller: Poller[Poll] = Poller(self.read_database, lambda reading: self.post_message(self.Polled(reading)),
                                           name="desk figures", on_exit=close_this_threads_connection)

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({role_words(who.role)})")
        with Horizontal(id="mode-bar"):
            yield BigText(self.mode_words, id="mode")
            yield self._figures
        yield DatabaseDown(id="db-down")
        self._scan_box.border_title = SCAN_PROMPT if self.hands_in else NO_HATCH_PROMPT
        yield self._scan_box
        yield self._banner
        yield self._recent
        yield DeskFooter(first=HATCH_KEYS)

    def on_mount(self) -> None:
        self.query_one("#recent").border_title = "recent scans"
        self._show_mode()
        self.poller.start()  # the first reading is asked for as the screen comes to the front (on_screen_resume)
        # Other desks change the figures, and the database may go away: both are read in the background.
        self.set_interval(REFRESH_SECONDS, self.poll)
        self.set_interval(AFTERNOON_CHECK_SECONDS, self.check_afternoon)
        # The DSL and the head hear about safeguarding holds as soon as they sign in.
        if self.ctx.who.can(Permission.READ_DSL_NOTES):
            self.call_after_refresh(self.alert_holds)
        # A head of year hears of their year's 2nd and 3rd confiscations this term (kiosk/custody/head_of_year.py).
        if self.ctx.who.limited_to_year_group:
            self.call_after_refresh(self.alert_year_notices)

    def on_unmount(self) -> None:
        self.poller.stop()

    def on_screen_resume(self) -> None:
        # Opened, or back from confiscating or releasing: the figures may have changed.
        self.changes += 1
        self.refresh_counts()

    def on_resize(self, event: events.Resize) -> None:
        large = event.size.width >= LARGE_FROM[0] and event.size.height >= LARGE_FROM[1]
        self.query_one(ResultBanner).set_scale(2 if large else 1)
        # The mode too: HAND IN or HAND BACK must read from across the office on a kiosk-sized screen.
        self.query_one("#mode", BigText).scale = 2 if large else 1
        self.set_class(large, "-large")

    def on_descendant_blur(self) -> None:
        # The scan box never loses the focus while this screen is in front: a scanner must always land in it.
        if self.is_current:
            self.call_after_refresh(self.query_one("#scan", ScanBox).focus)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The domain refuses what a role may not do; the footer just does not offer it.
        if action in SCREENS:  # a key that opens a screen
            return may_open(self.ctx.who, action)
        needs = {"close_day": Permission.CLOSE_DAY, "mode": Permission.HAND_IN}
        if action in needs:
            return self.ctx.who.can(needs[action])
        return True

    # ── mode ────────────────────────────────────────────────────────────────────────────────────────────
    @property
    def hands_in(self) -> bool:
        """Does this role work the hatch? A head of year signs in to look pupils up and read the figures."""
        return self.ctx.who.can(Permission.HAND_IN)

    @property
    def mode_words(self) -> str:
        if self.hands_in:
            return MODE_WORDS[self.mode]
        return next((words for needs, words in NO_HAND_IN_WORDS if self.ctx.who.can(needs)), "NO HAND IN")

    def look_up_line(self) -> str:
        """For a role without the hatch: what this desk does for them, by the keys they have."""
        keys = ", ".join(words for action, words in LOOK_UP_KEYS if self.check_action(action, ()))
        return f"Your role does not hand phones in or back. {keys or 'F1 help'}; Ctrl+L to lock."

    def action_mode(self, mode: str) -> None:
        self.mode = mode
        self._chose_mode(mode)

    @property
    def today(self) -> date:
        return local_today(self.ctx.clock, self.ctx.settings.tz)

    @property
    def afternoon(self) -> bool:
        """Is it the school's hand-back time or later (settings.hand_back_from)?"""
        return default_mode(self.ctx.clock, self.ctx.settings) == Mode.HAND_BACK

    def _chose_mode(self, mode: str) -> None:
        """Staff switched the mode by hand (a key or the desk card). In the afternoon that choice stands for the
        rest of the day: the switch to HAND BACK and the next sign-in leave it alone."""
        if self.afternoon:
            self.day.on(self.today).mode_by_hand = mode
            self._afternoon_on = self.today

    def check_afternoon(self) -> None:
        """The timer's look at the clock: at the hand-back time, a desk someone is signed in at switches to HAND
        BACK by itself, once a day, and says so. A scan being saved keeps the mode it was scanned in."""
        today = self.today
        if self._afternoon_on == today or not self.afternoon:
            return
        self._afternoon_on = today
        if not self.hands_in or self.day.on(today).mode_by_hand is not None or self.mode == Mode.HAND_BACK:
            return
        at = clock_time(datetime.combine(today, self.ctx.settings.hand_back_time))
        self._switched_at = at
        self.mode = Mode.HAND_BACK
        now = clock_time(local(self.ctx.clock.now(), self.ctx.settings.tz))
        self._recent.add(DeskNote(at=now, headline=MODE_WORDS[Mode.HAND_BACK], text=switched_words(at)))
        self._set_note(f"HAND BACK from {at}")
        if self._banner.result is None and not self._banner.saving:
            self._banner.idle(f"It is {at}: {switched_words(at)}. Scan each phone to hand it back.")

    def watch_mode(self) -> None:
        # A new mode is a new run of scans: the same tag straight after a switch is meant, not a double read,
        # and the last result (a red CONFISCATED from hand-back, say) must not read as this mode's: it is dimmed
        # until the next scan replaces it.
        self.repeats = RepeatFilter(self.ctx.settings.repeat_scan_seconds)
        self._banner.set_class(self._banner.result is not None, "-previous")
        self._show_mode()

    def _show_mode(self) -> None:
        self.query_one("#mode", BigText).text = self.mode_words
        self.query_one("#mode-bar").set_class(self.hands_in and self.mode == Mode.HAND_IN, "-hand-in")
        self.query_one("#mode-bar").set_class(self.hands_in and self.mode == Mode.HAND_BACK, "-hand-back")
        self.query_one("#mode-bar").set_class(not self.hands_in, "-no-hatch")

    # ── the figures and the database's health, read in the background ───────────────────────────────────
    def read_database(self) -> Poll:
        """On the reading's own thread: one cheap probe, then the figures if the database answered."""
        changes = self.changes
        health = self.connection.check()  # reconnects by itself when the server is back
        counts = None
        if health.ok:
            try:
                counts = desk_counts(self.ctx.clock, self.ctx.settings)
            except DeskError:
                counts = None  # answered the probe, failed the count: the next reading tries again
        return Poll(changes, health, counts)

    def poll(self) -> None:
        """The timer's reading: never waits."""
        self.poller.ask()

    def refresh_counts(self) -> None:
        """Read the figures and the database's health now. Waits a moment for the answer (so it shows in this
        frame), never long: a server that does not answer leaves the reading to arrive when it can."""
        reading = self.poller.ask(wait=REFRESH_WAIT_SECONDS)
        if reading is not None:
            self.show_reading(reading)

    def on_desk_screen_polled(self, message: Polled) -> None:
        self.show_reading(message.reading)

    def show_reading(self, reading: Reading[Poll]) -> None:
        if reading.number <= self._applied:
            return  # already shown, or older than what is shown
        self._applied = reading.number
        figures = self.query_one(DeskFigures)
        poll = reading.value
        if poll is None:  # the reading itself failed (a bug, not the database): say so, and read again soon
            self.log.error(f"desk figures: {reading.error!r}")
            self.recount_soon()
            return
        self.query_one(DatabaseDown).show(poll.health, self.ctx.settings.tz)
        self.set_class(not poll.health.ok, "-database-down")
        if not poll.health.ok:
            figures.unavailable()
        elif poll.counts is None or poll.changes != self.changes or self._writes_out:
            # Began before this desk's latest hand-in or hand-back, or one is still being saved (so it may or may
            # not include it): keep the figures the receipts built, and read again shortly (once nothing is out:
            # the last answer asks for it).
            if self._writes_out:
                self._set_aside = True  # the last answer asks again
            else:
                self.recount_soon()
        else:
            figures.show(poll.counts)

    def recount_soon(self) -> None:
        if self._recount is None:
            self._recount = self.set_timer(RECOUNT_SECONDS, self._recount_now)

    def _recount_now(self) -> None:
        self._recount = None
        self.poller.ask()

    @property
    def last_result(self) -> Result | None:
        """What the banner shows now (None when idle); safe to ask before the screen is built or as it closes."""
        return self._banner.result

    @property
    def database_down(self) -> bool:
        return self.query_one(DatabaseDown).showing

    # ── scans ───────────────────────────────────────────────────────────────────────────────────────────
    @on(ScanBox.Scanned, "#scan")
    def scanned(self, event: ScanBox.Scanned) -> None:
        """Each scan is sent to the worker in the order it was read; the worker keeps that order. A scanner's burst
        the app took whole, wherever the focus was (kiosk/app.py route_scan), comes here the same way, with a note
        on what was closed or kept for it, shown under the box."""
        event.stop()
        self.read_scan(event.value)
        if event.note:
            self._set_note(" · ".join(part for part in (self._note, event.note) if part))

    def read_scan(self, value: str) -> None:
        if not value.strip():
            return
        self._set_note("")
        try:
            scan = normalise(value)
        except BadScan as error:
            self.show_problem(error, read=what_was_read(value))
            return
        if isinstance(scan, CommandScan):  # a desk-card barcode: the scanner alone drives the desk
            self.desk_card(scan.command, value.strip())
            return
        if not self.hands_in:  # nothing to hand in or back: say what this desk is for, before any picker opens
            self.show_problem(NotPermitted(self.look_up_line()), read=what_was_read(value, scan))
            return
        if self.repeats.is_repeat(scan, self.ctx.clock.now()):
            self._set_note("same scan ignored")
            return
        if isinstance(scan, NameSearch):
            self.pick_pupil(scan)
            return
        self.hand_over(partial(hand_over_scan, self.ctx, scan, mode=self.mode), read=what_was_read(value, scan))

    def close_day_by_card(self) -> None:
        """CLOSE DAY scanned at the desk: asks first, as F9 does."""
        if self.check_action("close_day", ()):
            self.action_close_day()
        else:
            self.show_problem(NotPermitted("Closing the day needs the office, the DSL or the head."))

    def mode_by_card(self, mode: str) -> None:
        """HAND IN or HAND BACK scanned at the desk."""
        if self.hands_in:
            self.mode = mode
            self._chose_mode(mode)
            self._set_note(f"{MODE_WORDS[self.mode]} mode (desk card)")
        else:
            self.show_problem(NotPermitted(self.look_up_line()))

    def hand_over(self, run: Callable[[], Receipt], *, read: str = "") -> None:
        """Hand a phone in or back on the worker (`run`: the domain's hand_over_scan or hand_over_pupil, in the
        desk's current mode; `read`: what was scanned, for the recent list). The result is shown when the
        database has answered, never before, and says so if the desk's mode changed meanwhile."""
        if not self.hands_in:  # the domain would refuse it too; this says what the desk is for instead
            self.show_problem(NotPermitted(self.look_up_line()))
            return
        mode = self.mode
        self._writes_out += 1
        self._saving_mode = mode
        self.changes += 1  # a reading that begins from now on may or may not include it
        self._scans_sent += 1
        number = self._scans_sent
        job = self.worker.submit(run, owner=self, wait=FRAME_WAIT_SECONDS,
                                 then=lambda receipt: self.handed_over(receipt, mode, read),
                                 failed=lambda error: self.not_handed_over(error, number, read),
                                 unattended=lambda answer: self._unattended(answer, mode, read))
        if not job.done:
            self.show_saving()

    def handed_over(self, receipt: Receipt, mode: str, read: str = "") -> None:
        """The database has answered: the receipt is saved (or says why nothing was done)."""
        self._write_answered()
        if changes_figures(receipt):
            # The receipt says what changed: the figures move by it rather than being counted again.
            self.changes += 1
            self._figures.apply(receipt)
        result = receipt_result(receipt, mode)
        if mode != self.mode and self.hands_in:
            # Scanned in one mode, answered in another (the afternoon's switch, or F2/F3 while it was saved): it
            # was handled in the mode it was scanned in, and the banner says so beside the mode bar's new word.
            note = scanned_before_switch(mode, self.mode, self._switched_at)
            result = replace(result, notes=(*result.notes, note))
        self.show(result, read=read)

    def not_handed_over(self, error: DeskError, number: int, read: str = "") -> None:
        self._write_answered()
        if isinstance(error, StorageFailed):
            # Nothing was saved: scanning it again at once (what the message asks) must be acted on, if it is
            # still the scan the repeat filter remembers (the newest).
            if number == self._scans_sent:
                self.repeats.forget()
            self.poll()  # is the database still there? The red line says so within moments.
        self.show_problem(error, read=read)

    def _unattended(self, answer: Receipt | DeskError, mode: str, read: str = "") -> str:
        self._writes_out = max(0, self._writes_out - 1)
        # The lock screen says only what happened; the desk's list has the row for the next sign-in to read.
        result = (Result.problem(problem_headline(answer), answer.message) if isinstance(answer, DeskError)
                  else receipt_result(answer, mode))
        self._remember(result, read)
        return unattended_words(answer, mode)

    def show_problem(self, error: DeskError, *, read: str = "") -> None:
        self.show(Result.problem(problem_headline(error), error.message), read=read)

    def show(self, result: Result, *, read: str = "") -> None:
        """The banner shows the result; the recent list keeps it, with what was scanned (`read`)."""
        self._banner.show(result)
        self._remember(result, read)
        if self._writes_out:
            # Later scans are still being saved: this result is read first, then the banner says SAVING again.
            self._hold_result()

    def _remember(self, result: Result, read: str) -> None:
        now = self.ctx.clock.now()
        at = clock_time(local(now, self.ctx.settings.tz))
        self.day.on(self.today)  # a desk signed in past midnight starts the new day's list
        self._recent.add(RecentScan(at=at, severity=result.severity, headline=result.headline,
                                    pupil=result.pupil, form=result.form, read=read, when=now))

    # ── while the database has not answered ─────────────────────────────────────────────────────────────
    def show_saving(self) -> None:
        """A write is out longer than FRAME_WAIT_SECONDS: say so in the scan box's border at once, and in the
        banner (in block letters, no earlier result left to be read as this one's) unless a fresh result is
        being read there."""
        self._show_box_line()
        if self._writes_out and self._hold is None:
            self._banner.waiting(SAVING_HEADLINE, saving_words(self._writes_out, self._saving_mode))

    def _hold_result(self) -> None:
        if self._hold is not None:
            self._hold.stop()
        self._hold = self.set_timer(RESULT_HOLD_SECONDS, self._result_held)

    def _result_held(self) -> None:
        self._hold = None
        if self._writes_out:
            self.show_saving()

    def _write_answered(self) -> None:
        self._writes_out = max(0, self._writes_out - 1)
        if self._writes_out:
            if self._banner.saving:
                self._banner.waiting(SAVING_HEADLINE, saving_words(self._writes_out, self._saving_mode))
        else:
            if self._hold is not None:
                self._hold.stop()
                self._hold = None
            if self._set_aside:  # a reading came while writes were out: read again now that none is
                self._set_aside = False
                self.recount_soon()
        self._show_box_line()

    def _set_note(self, note: str) -> None:
        self._note = note
        self._show_box_line()

    def _show_box_line(self) -> None:
        """The scan box's border line: what is being waited for, then the desk's last note."""
        waiting = ("saving…" if self._writes_out == 1 else f"saving {self._writes_out} scans…" if self._writes_out
                   else "waiting for the database…" if self._reads_out else "")
        line = " · ".join(part for part in (waiting, self._note) if part)
        if self._box_line != line:
            self._box_line = line
            self._scan_box.border_subtitle = plain(line)  # it may repeat what was typed: text, never markup

    def _read(self, run: Callable[[], T], then: Callable[[T], None], *,
              failed: Callable[[DeskError], None] | None = None) -> None:
        """A lookup on the worker (never a write): the box says it is waiting if it takes longer than a moment."""
        self._reads_out += 1

        def answered() -> None:
            self._reads_out = max(0, self._reads_out - 1)
            self._show_box_line()

        def gave(value: T) -> None:
            answered()
            then(value)

        def refused(error: DeskError) -> None:
            answered()
            (failed or self.show_problem)(error)

        job = self.worker.submit(run, owner=self, wait=FRAME_WAIT_SECONDS, then=gave, failed=refused)
        if not job.done:
            self._show_box_line()

    @property
    def saving(self) -> bool:
        """Is a hand-in, hand-back or close of day waiting for the database's answer?"""
        return self._writes_out > 0

    # ── a typed name ────────────────────────────────────────────────────────────────────────────────────
    def pick_pupil(self, search: NameSearch) -> None:
        mode = self.mode

        def not_found(error: DeskError) -> None:
            self.repeats.forget()
            self.show_problem(error, read=f"'{search.shown}'")

        self._read(partial(find_pupils, search), lambda pupils: self.offer_pupils(search, pupils, mode),
                   failed=not_found)

    def offer_pupils(self, search: NameSearch, pupils: Sequence[PupilSummary], mode: str) -> None:
        if not pupils:
            self.show(Result.problem("NO MATCH", f"No pupil on the roster matches '{search.shown}'. "
                                                 "Check the spelling, or scan the phone's tag."),
                      read=f"'{search.shown}'")
            return
        if not self.is_current:
            return  # staff have moved on to another screen since typing it: nothing is changed

        def chosen(pupil_id: int | None) -> None:
            if pupil_id is not None:
                self.hand_over(partial(hand_over_pupil, self.ctx, pupil_id, mode=mode))

        self.app.push_screen(PupilPicker(pupils, mode=MODE_WORDS[mode], typed=search.text), chosen)

    # ── close of day ────────────────────────────────────────────────────────────────────────────────────
    def action_close_day(self) -> None:
        def refused(error: DeskError) -> None:  # a key press must never end the app
            self.show_problem(error)
            self.poll()

        self._read(partial(before_close, self.ctx.clock, self.ctx.settings), self.ask_to_close_day, failed=refused)

    def ask_to_close_day(self, now: BeforeClose) -> None:
        if not self.is_current:
            return  # asked from here, answered elsewhere: staff have moved on

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.close_the_day()

        # Closed already today (by the schedule's `kiosk close-day`, or F9 earlier): the question says when and by
        # whom, and counts today's uncollected phones as today's, never as earlier days'.
        closed = closed_words(now.closed, self.ctx.settings.tz) if now.closed is not None else None
        self.app.push_screen(ConfirmCloseDay(in_office=now.in_office, earlier=now.uncollected_earlier,
                                             today=now.uncollected_today, closed=closed, desk=self.ctx.desk),
                             confirmed)

    def close_the_day(self) -> None:
        shown_before = self._banner.result

        def answered() -> None:
            self._write_answered()
            # A close of day still out when the banner's result was held long enough shows SAVING… there; once
            # answered, the banner shows what it showed before, as when the answer comes within the frame.
            if self._banner.saving and not self._writes_out:
                if shown_before is not None:
                    self._banner.show(shown_before)
                else:
                    self._banner.clear()

        def closed(report: CloseDayReport) -> None:
            answered()
            self.changes += 1
            self.app.push_screen(UncollectedList(report, tz=self.ctx.settings.tz, clock=self.ctx.clock))

        def not_closed(error: DeskError) -> None:
            answered()
            self.show_problem(error)
            self.poll()

        def unattended(answer: CloseDayReport | DeskError) -> str:
            self._writes_out = max(0, self._writes_out - 1)
            if isinstance(answer, DeskError):
                return f"The close of day asked for as the desk locked: ✖ {problem_headline(answer)}. Close it again."
            return f"The day was closed as the desk locked: {len(answer.uncollected)} phone(s) uncollected."

        self._writes_out += 1
        self.changes += 1
        job = self.worker.submit(partial(close_day, self.ctx), owner=self, wait=FRAME_WAIT_SECONDS,
                                 then=closed, failed=not_closed, unattended=unattended)
        if not job.done:
            # "saving…" in the scan box's border: the banner's SAVING words are a scan's ("do not give the phone
            # back"), and the close of day's answer is its own list, not the banner.
            self._show_box_line()

    # ── the other screens, asked of the app by name (each its own; Esc comes back here) ─────────────────────
    def ask_for_screen(self, name: str) -> None:
        self.post_message(OpenScreen(name))

    def action_confiscate(self) -> None:
        self.ask_for_screen("confiscate")

    def action_release(self) -> None:
        self.ask_for_screen("release")

    def action_search_record(self) -> None:
        self.ask_for_screen("search_record")

    def action_holds(self) -> None:
        self.ask_for_screen("holds")

    def action_pupil(self) -> None:
        self.ask_for_screen("pupil")

    def action_dashboard(self) -> None:
        self.ask_for_screen("dashboard")

    def action_reports(self) -> None:
        self.ask_for_screen("reports")

    def action_end_of_day(self) -> None:
        self.ask_for_screen("end_of_day")

    def action_labels(self) -> None:
        self.ask_for_screen("labels")

    def alert_holds(self) -> None:
        self._read(dsl_sign_in_alert, self.show_holds_alert)

    def show_holds_alert(self, alert: SignInAlert) -> None:
        """The holds, and the police cases awaiting an outcome (kiosk/custody/queries/sign_in_alert.py)."""
        from kiosk.screens.safeguarding import HoldsAlert

        if not alert.anything:
            return

        def answered(open_now: bool | None) -> None:
            if open_now:
                self.action_holds()

        police = alert.police_words(today=local_today(self.ctx.clock, self.ctx.settings.tz), tz=self.ctx.settings.tz)
        self.app.push_screen(HoldsAlert(self.ctx, alert.holds, police=police), answered)

    def alert_year_notices(self) -> None:
        from kiosk.custody.head_of_year import inbox

        self._read(partial(inbox, self.ctx), self.show_year_notices)

    def show_year_notices(self, notices: tuple[Any, ...]) -> None:
        from kiosk.screens.head_of_year_inbox import HeadOfYearInbox

        if any(not n.read for n in notices):
            self.app.push_screen(HeadOfYearInbox(self.ctx, notices))

    def forget_pupils(self) -> None:
        """Called when the desk locks: the banner and the recent list hold pupils' names. (Answers still to
        come from the worker go to the lock screen, without a name: the app lets go of them.)"""
        if self._hold is not None:
            self._hold.stop()
            self._hold = None
        self.query_one(ResultBanner).clear()
        # The recent list is the desk's (self.day): kept for the next sign-in here, hidden until then.
        self.query_one(RecentList).display = False
        self.query_one("#scan", ScanBox).clear()
