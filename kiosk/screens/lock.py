"""The lock screen: the desk opens here and comes back here; it shows nothing about any pupil.

Signing in checks the PIN and records the attempt (a write), on the desk's worker like every database action: the
screen says "checking…" while the database has not answered, and keeps taking keys (Esc starts again).

A scanner that fires at the lock screen (the app recognises the burst: kiosk/widgets/scanner.py) never types into
the box: a pupil's tag or a desk-card barcode is refused with its code named and the bell ("sign in first"), and
whatever was typed in the box stays as it was, so the initials or PIN being typed go on from where they were. At
the PIN step (and while a PIN is being checked) every scan is refused that way: nothing scanned is ever read as a
PIN. At the first step any other barcode is read as a staff badge, as the prompt asks.

Someone signed in at another live session (another PC, another browser: kiosk/auth/desk_sessions.py) is asked
first, after their PIN matched: sign in here and lock that desk (Y), or not (N, Esc): then they are not signed in
here, and the trail says so.
"""

from __future__ import annotations

from functools import partial

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Digits, Footer, Label, Static

from kiosk.auth.desk_sessions import DeskSignIn, ElsewhereSession, decline, sign_in_at_desk, take_over
from kiosk.auth.staff import SignedIn, record_sign_out
from kiosk.clock import Clock, local, local_today
from kiosk.config import Settings
from kiosk.errors import DeskError
from kiosk.formatting import clock_time, moment
from kiosk.keyring import Keyring
from kiosk.text import initials_for_the_record, may_be_initials
from kiosk.widgets.big_text import LARGE_FROM, BigText
from kiosk.widgets.plain import plain
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import on_the_worker

ASK_WHO = "Your initials (or scan your staff badge), then Enter"
ASK_PIN = "PIN for {who}, then Enter  (Esc: start again)"
CHECKING = "Checking… (waiting for the database)"
# Recorded when a sign-in the database confirmed only after the person had pressed Esc (or the desk was reset): the
# desk does not open for whoever is at it now, and the trail says the session ended at once.
ABANDONED = "started again before the sign-in was confirmed"
ASK_TAKE_OVER = "You are signed in at {desk} since {since}. Sign in here and lock that desk?"
ANSWER_TAKE_OVER = "Y then Enter: sign in here and lock {desk}  ·  N then Enter (or Esc): not here"
NOT_HERE = "Not signed in here: you are still signed in at {desk}."
# Said of a refused burst that may be a PIN (kiosk/auth/pins.py: every PIN is digits only) in place of its digits.
A_NUMBER = "A number was scanned or typed very fast"


def scan_named(what: str, code: str, *, where_a_pin_is_typed: bool) -> str:
    """How a refused scan is named: its code, as scanned, except where a PIN is typed (the lock screen, a PIN box):
    there a code with no letter may be a PIN sent by a keypad's macro or pasted, and a PIN is never shown."""
    if where_a_pin_is_typed and not any(character.isalpha() for character in code):
        return A_NUMBER
    return f"{what[0].upper()}{what[1:]} was scanned: {code}"


class SignInBox(ScanBox):
    """The lock screen's one box. At the initials step, a value of digits only is shown masked: a PIN typed there
    first by mistake (staff often do), or a badge's number, is never shown on a screen that faces the hatch."""

    mask_digits = True

    def _watch_value(self, value: str) -> None:
        if self.mask_digits:
            self.password = value.isdigit()
        super()._watch_value(value)


class LockScreen(Screen[None]):
    """Two steps: initials or a badge scan, then the PIN. Success posts Unlocked; the app opens the desk."""

    AUTO_FOCUS = "#sign-in"
    BINDINGS = [Binding("escape", "start_again", "Start again")]
    # "Checking…" is no refusal: amber, under the box, where a refusal would be red (kiosk.tcss #sign-in-message).
    DEFAULT_CSS = """
    #sign-in-checking {
        width: 100%;
        height: auto;
        color: $text-warning;
        text-style: bold;
    }
    """

    class Unlocked(Message):
        """A member of staff signed in at this desk."""

        def __init__(self, who: SignedIn) -> None:
            super().__init__()
            self.who = who

    def __init__(self, *, settings: Settings, keyring: Keyring, clock: Clock) -> None:
        super().__init__()
        self.settings = settings
        self.keyring = keyring
        self.clock = clock
        self.who_typed: str | None = None  # step 2 when set
        self.attempt = 0  # numbers each reset and each PIN sent, so an answer knows whether it is still wanted
        self.checking: int | None = None  # the attempt whose PIN is being checked (the database has not answered)
        # Step 3, only for someone signed in at another live session: who matched their PIN, and where they are.
        self.asking: tuple[SignedIn, ElsewhereSession] | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar(school=self.settings.school_name, desk=self.settings.desk, clock=self.clock,
                       tz=self.settings.tz)
        with Middle(), Center(), Vertical(id="lock-panel"):
            yield Static(plain(self.settings.school_name), id="lock-school")
            yield Static(plain(self.settings.desk), id="lock-desk")
            yield Digits(self._time(), id="lock-time")
            # On a kiosk-sized screen the panel is wider and the clock in block letters (lock-large in kiosk.tcss).
            with Center(id="lock-time-row"):
                yield BigText(self._time(), scale=2, id="lock-time-big")
            yield Static("Desk locked", id="lock-title")
            yield Label(ASK_WHO, id="sign-in-prompt")
            yield SignInBox(placeholder="initials", id="sign-in")
            yield Static("", id="sign-in-message")
            checking = Static(CHECKING, id="sign-in-checking")
            checking.display = False
            yield checking
            if self.settings.lock_notice:
                yield Static(plain(self.settings.lock_notice), id="lock-notice")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def _time(self) -> str:
        return clock_time(local(self.clock.now(), self.settings.tz))

    def _tick(self) -> None:
        self.query_one("#lock-time", Digits).update(self._time())
        self.query_one("#lock-time-big", BigText).text = self._time()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= LARGE_FROM[0] and event.size.height >= LARGE_FROM[1], "-large")

    def reset(self, message: str = "") -> None:
        """Back to step 1 with an empty box: nothing half-typed survives a lock or an idle spell. A PIN still being
        checked is given up on: if the database says yes after all, the desk does not open (see signed_in). Someone
        being asked whether to sign in here (step 3) is not signed in here."""
        if self.asking is not None:
            asked, self.asking = self.asking, None
            on_the_worker(self, partial(decline, keyring=self.keyring, clock=self.clock, who=asked[0], other=asked[1]),
                          then=lambda _: None, failed=lambda _: None)
        self.attempt += 1
        self.checking = None
        self.who_typed = None
        box = self.query_one("#sign-in", SignInBox)
        box.clear()
        box.password = False
        box.mask_digits = True
        box.placeholder = "initials"
        self.query_one("#sign-in-prompt", Label).update(plain(ASK_WHO))
        self.query_one("#sign-in-message", Static).update(plain(message))
        self.query_one("#sign-in-message").display = True
        self.query_one("#sign-in-checking").display = False
        box.focus()

    def action_start_again(self) -> None:
        self.reset()

    def scanned(self, what: str, code: str, *, pupil_or_desk_card: bool) -> bool:
        """A scanner's burst arrived here (`what`: "a tag", "the desk card's LOCK barcode"…, `code` as it reads).
        Refused, with its code named (never one that may be a PIN: scan_named) and the bell, unless it may be a
        staff badge (the first step, and neither a pupil's tag nor the desk card): then it is typed into the box like
        any badge. True when refused."""
        if self.who_typed is None and self.checking is None and not pupil_or_desk_card:
            return False
        step = "sign in first" if self.who_typed is None else "sign in first: type your PIN, then Enter"
        named = scan_named(what, code, where_a_pin_is_typed=True)
        ending = "; nothing was recorded." if named == A_NUMBER else "."
        message = self.query_one("#sign-in-message", Static)
        message.update(plain(f"{named} — {step}{ending}"))
        message.display = True
        self.app.bell()
        return True

    @on(ScanBox.Scanned, "#sign-in")
    def typed(self, event: ScanBox.Scanned) -> None:
        event.stop()
        value = event.value.strip()
        if not value:
            return
        if self.checking is not None:
            self.query_one("#sign-in-checking", Static).update(plain(f"{CHECKING}. Esc starts again."))
            return
        if self.asking is not None:
            self.answered(value)
            return
        if self.who_typed is None:
            self.who_typed = value
            box = self.query_one("#sign-in", SignInBox)
            box.mask_digits = False
            box.password = True
            box.placeholder = "PIN"
            # Echo only what may be initials: never a badge's code, nor a PIN typed here by mistake (digits).
            shown = initials_for_the_record(value) if may_be_initials(value) else "your badge"
            self.query_one("#sign-in-prompt", Label).update(plain(ASK_PIN.format(who=shown)))
            self.query_one("#sign-in-message", Static).update("")
            return
        self.attempt += 1
        attempt = self.checking = self.attempt
        job = on_the_worker(self, partial(sign_in_at_desk, keyring=self.keyring, clock=self.clock,
                                          desk=self.settings.desk, who=self.who_typed, pin=value),
                            then=lambda answer: self.signed_in(answer, attempt),
                            failed=lambda refused: self.refused(refused, attempt))
        if not job.done:
            checking = self.query_one("#sign-in-checking", Static)
            checking.update(plain(CHECKING))
            checking.display = True  # in the refusal's place
            self.query_one("#sign-in-message").display = False

    def signed_in(self, answer: DeskSignIn, attempt: int) -> None:
        who = answer.who
        if attempt != self.checking:
            # Esc (or the desk resetting) came first: whoever is at the desk now did not finish signing in. The
            # session the database opened is closed in the trail at once.
            on_the_worker(self, partial(record_sign_out, keyring=self.keyring, clock=self.clock, who=who,
                                        reason=ABANDONED),
                          then=lambda _: None, failed=lambda _: None)
            return
        if answer.elsewhere is not None:
            self.ask_take_over(who, answer.elsewhere)
            return
        self.reset()
        self.post_message(self.Unlocked(who))

    def ask_take_over(self, who: SignedIn, elsewhere: ElsewhereSession) -> None:
        """Step 3: signed in at another live session. The box now takes Y or N."""
        self.checking = None
        self.asking = (who, elsewhere)
        since = moment(local(elsewhere.since, self.settings.tz), local_today(self.clock, self.settings.tz))
        box = self.query_one("#sign-in", SignInBox)
        box.mask_digits = False
        box.clear()
        box.password = False
        box.placeholder = "Y or N"
        # Two windows may share a desk's name (every browser tab is "Reception" unless kiosk.toml names desks).
        there = (f"another {elsewhere.desk} window or PC" if elsewhere.desk.casefold() == self.settings.desk.casefold()
                 else elsewhere.desk)
        self.query_one("#sign-in-prompt", Label).update(plain(ASK_TAKE_OVER.format(desk=there, since=since)))
        message = self.query_one("#sign-in-message", Static)
        message.update(plain(ANSWER_TAKE_OVER.format(desk=there)))
        message.display = True
        self.query_one("#sign-in-checking").display = False
        box.focus()

    def answered(self, value: str) -> None:
        """Y: sign in here, and the other desk is asked to lock (recorded); N: not signed in here."""
        assert self.asking is not None
        who, elsewhere = self.asking
        answer = value.strip().casefold()
        if answer in ("n", "no"):
            self.reset(NOT_HERE.format(desk=elsewhere.desk))  # reset records that they did not sign in here
            return
        if answer not in ("y", "yes"):
            self.query_one("#sign-in", ScanBox).clear()
            self.app.bell()
            return
        self.asking = None
        self.attempt += 1
        attempt = self.checking = self.attempt
        on_the_worker(self, partial(take_over, keyring=self.keyring, clock=self.clock, who=who, other=elsewhere),
                      then=lambda taken: self.signed_in(DeskSignIn(taken, None), attempt),
                      failed=lambda refused: self.take_over_failed(refused, who, attempt))

    def take_over_failed(self, refused: DeskError, who: SignedIn, attempt: int) -> None:
        # NOT SAVED: the other desk was not asked to lock, and this one does not open; the sign-in just recorded
        # is closed in the trail (when the database answers again).
        on_the_worker(self, partial(record_sign_out, keyring=self.keyring, clock=self.clock, who=who,
                                    reason=ABANDONED), then=lambda _: None, failed=lambda _: None)
        if attempt == self.checking:
            self.reset(refused.message)

    def refused(self, refused: DeskError, attempt: int) -> None:
        # A wrong PIN, a locked account, or the database not answering (NOT SAVED: the attempt was not recorded).
        if attempt == self.checking:
            self.reset(refused.message)
