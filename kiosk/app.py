"""The kiosk's Textual app: opens on the lock screen, opens the desk on sign-in, locks again, and makes every move
between screens: a screen asks with a message (kiosk/messages.py) and the app opens what it names
(kiosk/screens/registry.py), if the member of staff signed in may see it.

It also reads every key first: a scanner's burst (kiosk/widgets/scanner.py tells it from a person) is taken whole
here, whatever has the focus, and routed (route_scan): to the box of the screen that takes scans, after closing
what gives way over it, or refused with its code named and the bell. Its keys never reach a field, a button or a
list, and its Enter never submits, presses or chooses anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events
from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Input, TextArea

from kiosk import resources
from kiosk.auth.session import LOCKED_WORDS, SessionEnded, session_ended
from kiosk.auth.staff import SignedIn, record_sign_out
from kiosk.clock import Clock
from kiosk.config import Settings, data_dir, key_file_path
from kiosk.crash import CRASH_EXIT, crash_folder, crash_words, write_crash_report
from kiosk.custody import DeskContext, DeskError, Severity
from kiosk.custody.desk import close_this_threads_connection
from kiosk.keyring import KeyFileError, Keyring, load_key_file
from kiosk.mail.background import OutboxThread
from kiosk.mail.compose import Attached
from kiosk.mail.from_settings import sender_from_settings
from kiosk.messages import GaveWay, LockRequested, OpenScreen
from kiosk.screens.close_day import ConfirmCloseDay, UncollectedList
from kiosk.screens.desk import DeskScreen
from kiosk.screens.desk_card import (
    GIVES_WAY,
    REFUSES,
    TAKES,
    AnswersDeskCard,
    AwayFromDesk,
    LooseKeys,
    desk_card_command,
    scan_box_of,
)
from kiosk.screens.desk_day import DeskDay
from kiosk.screens.dialogs import ConfirmQuit
from kiosk.screens.help import HelpScreen, key_words
from kiosk.screens.lock import LockScreen, scan_named
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.registry import SCREENS, called, may_open
from kiosk.text import plain_text
from kiosk.widgets.desk_worker import FRAME_WAIT_SECONDS, DeskWorker, Job
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.scanner import KEY_GAP_SECONDS, Burst, ScannerKeys, WhatWasScanned, what_was_scanned

IDLE_CHECK_SECONDS = 1.0
IDLE_WARNING_SECONDS = 30  # before the idle lock throws away a form filled in but not saved, it says so this early
UNSAVED_AT_LOCK = ("A form that was being filled in was not saved when the desk locked: nothing was recorded for it. "
                   "Sign in and start it again.")
# How often the desk asks whether the signed-in account is still usable (locked at another desk, made inactive, its
# role changed): a short read, and the longest a locked account's session carries on here.
SESSION_CHECK_SECONDS = 2.0
BELL_CHECK_SECONDS = 0.1

# For low vision: white on black, yellow keys and focus, nothing dimmed. The meaning colours of results
# (green ✔, amber ⚠, red ✖) stay as they are in every theme; kiosk.tcss makes them bolder here.
HIGH_CONTRAST = Theme(
    name="kiosk-high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffff00",
    warning="#ffd700",
    error="#ff5555",
    success="#00ff66",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1c1c1c",
    boost="#262626",
    dark=True,
    variables={
        "text-muted": "#ffffff",
        "border": "#ffff00",
        "border-blurred": "#ffffff",
        "footer-background": "#000000",
        "footer-key-foreground": "#ffff00",
        "footer-description-foreground": "#ffffff",
        "block-cursor-background": "#ffff00",
        "block-cursor-foreground": "#000000",
        "input-cursor-background": "#ffff00",
        "input-cursor-foreground": "#000000",
        "input-selection-background": "#ffff00 50%",
        "scrollbar": "#ffffff",
        "button-color-foreground": "#000000",
    },
)

# How the command palette and F1 help word each action that opens no screen; a key that opens one (its action is
# the screen's name, or app.open('labels')) is worded by kiosk/screens/registry.py, any other by its footer words.
COMMAND_WORDS: dict[str, tuple[str, str]] = {
    "mode('hand in')": ("Hand in", "Switch the desk to HAND IN: each phone scanned is taken in"),
    "mode('hand back')": ("Hand back", "Switch the desk to HAND BACK: each phone scanned is given back"),
    "close_day": ("Close the day", "Mark every phone still in the office uncollected, and list them"),
    "app.help": ("Help", "The keys of this screen and how the desk works"),
    "lock": ("Lock the desk", "Back to the lock screen; nothing about any pupil stays on screen"),
}
# Offered by the palette on every screen, whatever its keys.
EVERYWHERE = ("lock", "app.help", "app.open('labels')")

# ── a scan made anywhere: the screens that close for it (GIVES_WAY) and how the desk then says so ──────────────
# Over the desk (or a form), wanting no scan: each closes, and the screen behind is asked in turn. The words go in
# the note under the desk's box. Built on none of the desk card's classes, so listed here (kiosk/screens/desk_card.py
# has the stance of those that are).
CLOSE_FOR_A_SCAN: dict[type[Screen[Any]], str] = {
    PupilPicker: "name list closed",
    HelpScreen: "help closed",
    ConfirmCloseDay: "close of day NOT done",
    UncollectedList: "uncollected list closed",
    CommandPalette: "palette closed",
}
# The screens opened by name that only show things (their modules load when first opened: named, not imported).
READ_ONLY_SCREENS = ("dashboard", "reports", "holds", "end_of_day", "police_cases", "closed_cases", "searches_told",
                     "print_jobs", "outbox")
READ_ONLY_DIALOGS = {"ChoosePaper": "paper choice closed"}  # the reports screen's question: which paper to save


def command_words(action: str, description: str) -> tuple[str, str]:
    """The palette's name and line for a key's action: a screen's own words for "confiscate" or
    app.open('labels'), COMMAND_WORDS for the others, else the key's footer words."""
    if action in COMMAND_WORDS:
        return COMMAND_WORDS[action]
    _namespace, name, parameters = parse_action(action)
    entry = SCREENS.get(str(parameters[0]) if name == "open" and parameters else name)
    if entry is not None and entry.command is not None:
        return entry.command
    return description, ""


def scan_stance(kind: type[Screen[Any]]) -> str:
    """What a scan made while a screen of this kind is in front does there (TAKES, GIVES_WAY, REFUSES:
    kiosk/screens/desk_card.py); a screen nobody has thought about refuses, which loses nothing."""
    if issubclass(kind, tuple(CLOSE_FOR_A_SCAN)) or kind.__name__ in READ_ONLY_DIALOGS:
        return GIVES_WAY
    if registry_name(kind) in READ_ONLY_SCREENS:
        return GIVES_WAY
    stance: str = getattr(kind, "SCANS", REFUSES)
    return stance


def registry_name(kind: type[Screen[Any]]) -> str | None:
    """The name the app opens screens of this kind by (kiosk/screens/registry.py), if it is one of those."""
    return next((name for name, entry in SCREENS.items()
                 if entry.class_name == kind.__name__ and entry.module == kind.__module__), None)


def closed_words(screen: Screen[Any]) -> str:
    """How the note under the desk's box says `screen` closed for a scan."""
    for kind, words in CLOSE_FOR_A_SCAN.items():
        if isinstance(screen, kind):
            return words
    return READ_ONLY_DIALOGS.get(type(screen).__name__) or f"{called(screen)} closed"


class DeskCommands(Provider):
    """The command palette's kiosk commands: every key the screen in front offers this role, plus lock, help
    and labels. Built from the bindings, so a key added to a screen is in the palette too."""

    def commands(self) -> list[tuple[str, str, object]]:
        app = self.app
        if not isinstance(app, KioskApp) or app.who is None:
            return []
        found: dict[str, tuple[str, str, object]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not active.enabled or binding.action in ("command_palette", "app.command_palette"):
                continue
            name, help_text = command_words(binding.action, binding.description)
            shown_key = key_words(binding.key)
            found[name] = (name, f"{help_text} ({shown_key})" if help_text else shown_key,
                           partial(app.run_action, binding.action, active.node))
        for action in EVERYWHERE:
            name, help_text = command_words(action, "")
            _namespace, action_name, parameters = parse_action(action)
            if name not in found and app.check_action(action_name, parameters):
                found[name] = (name, help_text, partial(app.run_action, action))
        # Textual's own commands, last: no screenshots (they would save pupils' names to the Downloads folder).
        found["Change theme"] = ("Change theme", "High contrast, light or dark: for this session only",
                                 app.action_change_theme)
        found["Quit"] = ("Quit", "Close the kiosk program (Ctrl+Q; asks first)", app.action_quit)
        return list(found.values())

    async def discover(self) -> Hits:
        for name, help_text, run in self.commands():
            yield DiscoveryHit(name, run, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self.commands():
            score = max(matcher.match(name), matcher.match(help_text) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, text=name, help=help_text)  # type: ignore[arg-type]


class KioskApp(App[None]):
    """The desk. The lock screen is the bottom of the screen stack; locking pops everything above it. Every other
    screen is opened by name (open_screen), when a screen asks with OpenScreen or the palette runs app.open."""

    CSS_PATH = str(resources.stylesheet())
    TITLE = "Phone custody kiosk"
    # The palette opens only when someone is signed in (check_action); it offers the kiosk's own commands.
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {DeskCommands}
    BINDINGS = [
        Binding("ctrl+l", "lock", "Lock", priority=True),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, *, settings: Settings, keyring: Keyring, clock: Clock) -> None:
        super().__init__()
        self.settings = settings
        self.keyring = keyring
        self.clock = clock
        self.who: SignedIn | None = None
        self.last_key_at = clock.now()
        # The label printer chosen on the Labels screen for this run of the kiosk; never saved.
        self.label_printer: tuple[str, str] | None = None
        self._rung_for: object = None
        self.loose_keys = LooseKeys()  # a desk-card code typed where no screen reads it (kiosk/screens/desk_card.py)
        self.scanner = ScannerKeys()  # tells a scanner's burst from a person's keys (kiosk/widgets/scanner.py)
        self._waiting_for_keys: Timer | None = None
        self._idle_warned_for: datetime | None = None  # the quiet spell (its last key) already warned of the lock
        # This desk's one database worker: the screens' database actions run there, one at a time, in order, so
        # a database that hangs never freezes the screen (kiosk/widgets/desk_worker.py). Its thread keeps its own
        # connection and closes it when the app closes.
        self.desk_worker = DeskWorker(self, on_exit=close_this_threads_connection)
        # Messages to carers and staff, sent beside the desk on a thread of their own (kiosk/mail/background.py).
        self.outbox = outbox_thread(settings, clock, keyring)
        self.desk_day = DeskDay()  # the desk's recent scans and afternoon mode, kept across a lock (not a restart)
        self._session_check: Job[SessionEnded | None] | None = None
        self.crash_report: Path | None = None  # where the report of a fault that stopped the kiosk was written
        self.register_theme(HIGH_CONTRAST)
        self.theme = settings.theme  # the desk's default (kiosk.toml `theme`); the palette changes it for a session

    # ── a fault nobody expected ─────────────────────────────────────────────────────────────────────────
    def _handle_exception(self, error: Exception) -> None:
        """Instead of Textual's own (a Rich traceback with every frame's local variables: the PIN being checked,
        the key's bytes, pupils' names): a crash report with no values (kiosk/crash.py), plain words on the
        terminal once it is restored, and exit code CRASH_EXIT so a supervisor starts the kiosk again."""
        self._return_code = CRASH_EXIT
        first = self._exception is None
        if first:
            # As Textual does: a test driving the app with Pilot gets the exception back when it ends.
            self._exception = error
            self._exception_event.set()
            self.crash_report = write_crash_report(error, folder=crash_folder(data_dir()))
            self._exit_renderables.append(Text(crash_words(self.crash_report)))
        self.bell()
        self._close_messages_no_wait()

    def get_key_display(self, binding: Binding) -> str:
        # As printed on the keyboard: "F2", not "f2"; "^L" for Ctrl+L (F1 help spells it out).
        return super().get_key_display(binding).upper()

    def get_default_screen(self) -> Screen[Any]:
        return LockScreen(settings=self.settings, keyring=self.keyring, clock=self.clock)

    def on_mount(self) -> None:
        self.desk_worker.start()
        if self.outbox is not None:
            self.outbox.start()
        self.set_interval(IDLE_CHECK_SECONDS, self.lock_if_idle)
        self.set_interval(SESSION_CHECK_SECONDS, self.check_session)
        # The banner is the desk's own; looking at it often is cheap and catches every way a result arrives.
        if getattr(self.settings, "bell_on_refusal", False):
            self.set_interval(BELL_CHECK_SECONDS, self.ring_on_refusal)

    def on_unmount(self) -> None:
        self.desk_worker.stop()  # what has not begun is dropped; what is running finishes on its own
        if self.outbox is not None:
            self.outbox.stop()

    def on_desk_worker_finished(self, message: DeskWorker.Finished) -> None:
        """A database job has finished: its answer goes to the screen that asked (or, gone, to the lock screen)."""
        self.desk_worker.answers_came()

    async def on_event(self, event: events.Event) -> None:
        # Every key reaches the app first (before it is forwarded to the focused widget): that is the one
        # place that sees them all, whoever handles them afterwards.
        if isinstance(event, events.Key | events.MouseDown | events.Paste) and not event.is_forwarded:
            self.last_key_at = self.clock.now()
            if isinstance(event, events.Key):
                await self.read_key(event)
                return
            for key in self.scanner.let_go():  # a click or a paste comes after the keys typed before it
                await self.pass_on(key)
        await super().on_event(event)

    # ── the scanner: a burst taken whole, before any widget sees its keys ───────────────────────────────────
    async def read_key(self, event: events.Key) -> None:
        """Pass the key on, hold it a moment (it may begin a scan), or, at a burst's Enter, route the scan."""
        reading = self.scanner.read(event, hold_every_key=self.hold_every_key())
        for key in reading.passed:
            await self.pass_on(key)
        if reading.holding:
            self.wait_for_the_next_key()
        burst = reading.burst
        if burst is not None and not self.route_scan(burst):
            for key in (*burst.held, burst.enter):
                await self.pass_on(key)

    async def pass_on(self, event: events.Key) -> None:
        """A key that is a person's (or a scan's the app does not take): on to the screen, as Textual would."""
        if self.who is None:
            self.loose_keys.clear()
        elif self.loose_keys.read(self, event):
            return  # a desk-card code where no screen reads it: its keys reach nothing else
        await super().on_event(event)

    def hold_every_key(self) -> bool:
        """Hold back every character for a moment, not only those that may begin one of the kiosk's codes: where
        any character would act (a list, a button, a screen's one-letter keys) or be a PIN's."""
        focused = self.focused
        if isinstance(focused, Input):
            return focused.password
        return not isinstance(focused, TextArea)

    def wait_for_the_next_key(self) -> None:
        """Keys held: if no key comes within KEY_GAP_SECONDS they are a person's, and go on then (in the app's
        queue, so in order with the keys and messages around them)."""
        if self._waiting_for_keys is not None:
            self._waiting_for_keys.stop()
        hold = self.scanner.holds
        self._waiting_for_keys = self.set_timer(KEY_GAP_SECONDS, partial(self.call_later, self.no_more_keys, hold))

    async def no_more_keys(self, hold: int) -> None:
        for key in self.scanner.waited(hold):
            await self.pass_on(key)

    def route_scan(self, burst: Burst) -> bool:
        """A scanner's burst, at its Enter: where it goes, by the screen in front. True when it is taken here (its
        keys and Enter reach nothing else); False for a barcode of another kind typed into a field (a bag's
        number into its box, a staff badge at the lock screen): it stays typed there, and its Enter goes on."""
        scanned = what_was_scanned(burst.text)
        if self.who is None:
            return isinstance(self.screen, LockScreen) and self.screen.scanned(
                scanned.words, scanned.code, pupil_or_desk_card=scanned.kind in ("tag", "desk card"))
        if not burst.whole and self.typing_into_a_field():
            return self.move_a_stray_scan(burst.text)
        if scanned.command is not None:
            self.desk_card_scanned(scanned.command, scanned.code)
            return True
        closed: list[str] = []
        kept = ""
        while scan_stance(type(self.screen)) == GIVES_WAY and len(self.screen_stack) > 2:
            screen = self.screen
            closed.append(closed_words(screen))
            if isinstance(screen, PupilPicker):
                kept = screen.typed  # the name typed for the list: back in the box it came from
            self.close_for_a_scan(screen)
        screen = self.screen
        box = scan_box_of(screen) if scan_stance(type(screen)) == TAKES else None
        if box is None or (isinstance(self.focused, Input) and self.focused.password):
            advice = getattr(screen, "SCAN_ADVICE", "finish here or press Esc first, then scan it again")
            if box is not None:
                advice = "finish here first (a PIN is being typed), then scan it again"
            self.refuse_scan(scanned, advice, closed)
            return True
        note = self.scan_note(box, closed, kept)
        if kept and not box.typed_so_far:
            box.value = kept
            box.select_all()  # typing a new name replaces it; Enter searches for it again
        box.post_message(ScanBox.Scanned(box, burst.text, note=note))
        if closed and not isinstance(screen, DeskScreen):
            self.notify(f"{'; '.join(closed)} for {scanned.words} scanned: {scanned.code}.", markup=False)
        return True

    def move_a_stray_scan(self, text: str) -> bool:
        """A barcode of another kind (a bag's seal, an IMEI) read by the scanner while the focus was in a form's
        field no scanner is meant for (who took it, the room): where the form has a box for that barcode
        (`box_for_a_scan`), its characters come out of the wrong field and go in that box, and the desk says so.
        False (it stays typed where it is and its Enter goes on) in the box for it, or where there is none."""
        focused = self.focused
        box_for = getattr(self.screen, "box_for_a_scan", None)
        if box_for is None or not isinstance(focused, Input):
            return False
        box = box_for(text)
        if box is None or focused is box or focused.id in getattr(self.screen, "SCANNED_INTO", ()):
            return False
        # The keys reached the field through its own message queue: move them once it has taken every one.
        focused.call_later(self.moved_to_its_box, focused, box, text)
        return True

    def moved_to_its_box(self, field: Input, box: Input, text: str) -> None:
        if isinstance(field, ScanBox):
            field.show_typed()
        end = field.cursor_position
        start = end - len(text)
        code = plain_text(text).strip()
        if start < 0 or field.value[start:end] != text:
            # Not there as one run (edited between): left as typed, and said, so nobody saves it unseen.
            self.notify(f"A scanned code ({code}) went into the box with the cursor: check that box.",
                        severity="warning", markup=False)
            return
        field.value = field.value[:start] + field.value[end:]
        field.cursor_position = start
        if isinstance(box, ScanBox) and box.id == "scan":
            # The form's pupil box (a bag's label finds the phone sealed in it): as if scanned there.
            box.post_message(ScanBox.Scanned(box, code))
            return
        box.value = code
        where = box.placeholder or box.id or "its"
        self.notify(f"Scanned {code}: put in its own box ({where}), not in the box with the cursor.", markup=False)

    def typing_into_a_field(self) -> bool:
        """Is the focus in a box where characters are text (not a PIN)?"""
        focused = self.focused
        return isinstance(focused, TextArea) or (isinstance(focused, Input) and not focused.password)

    def desk_card_scanned(self, command: str, code: str) -> None:
        """A desk-card barcode from the scanner: what kiosk/screens/desk_card.py says it does on this screen."""
        screen = self.screen
        if isinstance(screen, AnswersDeskCard):
            screen.desk_card(command, code)
        else:
            LooseKeys.answer(self, screen, command)

    def close_for_a_scan(self, screen: Screen[Any]) -> None:
        """Close a screen that gives way to a scan, as its own Esc would (with no answer: the day is not closed,
        no pupil is chosen)."""
        if isinstance(screen, CommandPalette):
            screen._action_escape()  # its own Esc: stops what it was gathering and says it closed
        else:
            screen.dismiss(None)

    @staticmethod
    def scan_note(box: ScanBox, closed: list[str], kept: str) -> str:
        """The note under the box: what was closed for the scan, and what typing was kept."""
        parts = [f"{' · '.join(closed)} for a scan"] if closed else []
        if kept:
            parts.append(f"'{kept}' kept: Enter searches again")
        elif box.typed_so_far.strip():
            parts.append(f"'{box.typed_so_far.strip()[:20]}' kept")
        return " · ".join(parts)

    def refuse_scan(self, scanned: WhatWasScanned, advice: str, closed: list[str]) -> None:
        """Where a scan cannot be acted on now: never swallowed, never typed in. Its code is named (never one that may
        be a PIN, in a PIN box: scan_named), with the bell."""
        self.bell()
        before = f"{'; '.join(closed)}. " if closed else ""
        pin_box = isinstance(self.focused, Input) and self.focused.password
        self.notify(f"{before}{scan_named(scanned.words, scanned.code, where_a_pin_is_typed=pin_box)} — {advice}. "
                    "Nothing was recorded for it.", severity="error", markup=False, timeout=10)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Locked, the desk offers nothing but signing in: no lock, no palette, no quitting to the desktop.
        if action in ("lock", "quit", "help_quit", "command_palette", "help", "change_theme"):
            return self.who is not None
        if action == "open":
            return bool(parameters) and may_open(self.who, str(parameters[0]))
        return True

    async def action_quit(self) -> None:
        """Ctrl+Q (or the palette's Quit): a signed-in desk asks first (ConfirmQuit); Ctrl+Q again quits."""
        if isinstance(self.screen, ConfirmQuit):
            self.exit()
            return

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.exit()

        self.push_screen(ConfirmQuit(desk=self.settings.desk), answered)

    def on_lock_screen_unlocked(self, message: LockScreen.Unlocked) -> None:
        self.who = message.who
        self.last_key_at = self.clock.now()
        self.open_screen("desk", worker=self.desk_worker, day=self.desk_day)
        self.refresh_bindings()

    # ── moving between screens: asked for by message, made here ──────────────────────────────────────────
    def open_screen(self, name: str, *, replacing: bool = False, **needs: Any) -> Screen[Any] | None:
        """Open the screen called `name` (kiosk/screens/registry.py) with what it needs, on top of the screen in
        front or instead of it (`replacing`). Nothing opens for a role that may not see it, nor when that screen
        is already in front. The screen opened, or None."""
        entry = SCREENS.get(name)
        if entry is None:
            self.log.error(f"no screen is called {name!r}")
            return None
        if self.who is None or not may_open(self.who, name):
            return None
        screen_class = entry.screen_class()
        if not replacing and type(self.screen) is screen_class:
            return None
        build: Callable[..., Screen[Any]] = screen_class  # each takes the desk's context, then its needs
        screen = build(DeskContext(self.keyring, self.clock, self.settings, self.who), **needs)
        if isinstance(screen, AwayFromDesk):
            # Its place above the desk, which stays the same while it is open (screens come and go above it).
            place = len(self.screen_stack) - (1 if replacing else 0)
            desk = next((i for i, s in enumerate(self.screen_stack) if isinstance(s, DeskScreen)), None)
            screen.escapes_to_desk = place - desk if desk is not None else None
        if replacing:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
        return screen

    def action_open(self, name: str) -> None:
        """The command palette's way to a screen (Tags & labels, from any screen)."""
        self.open_screen(name)

    def on_open_screen(self, message: OpenScreen) -> None:
        self.open_screen(message.name, replacing=message.replacing, **message.needs)

    def on_lock_requested(self, message: LockRequested) -> None:
        if self.who is not None:  # a second LOCK, read as the first locked, must not wipe initials being typed
            # A screen whose PIN check locked the signed-in account asks with "account locked": said on the lock
            # screen, so whoever is at the desk knows why it locked.
            words = LOCKED_WORDS.format(name=self.who.name) if message.reason == "account locked" else ""
            self.lock(message.reason, words)

    # ── a lock ends the session ──────────────────────────────────────────────────────────────────────────
    def check_session(self) -> None:
        """While someone is signed in, ask (on the desk's worker, one question at a time) whether their account is
        still usable: five wrong PINs at any desk, an admin making it inactive or changing its role end the session
        here within SESSION_CHECK_SECONDS."""
        who = self.who
        if who is None or (self._session_check is not None and not self._session_check.done):
            return
        self._session_check = self.desk_worker.submit(
            partial(session_ended, who=who, clock=self.clock), owner=self,
            then=lambda ended: self.end_session(who, ended),
            failed=lambda _error: None)  # not read this time (the database is busy): asked again shortly

    def end_session(self, who: SignedIn, ended: SessionEnded | None) -> None:
        if ended is not None and self.who is who:  # the same session that was asked about
            self.lock(ended.reason, ended.words)

    def on_gave_way(self, message: GaveWay) -> None:
        """Close the screen that gave way; the screen behind it acts on the desk-card code, as if scanned there."""
        if message.screen is not self.screen:
            return  # something else came in front meanwhile: nothing is closed under it
        message.screen.dismiss(None)
        behind = self.screen
        command = desk_card_command(message.code)
        if command is not None and isinstance(behind, AnswersDeskCard):
            # On its own queue, after it has been told it is in front again.
            behind.call_later(behind.desk_card, command, message.code)

    def lock_if_idle(self) -> None:
        """Lock after settings.idle_lock_seconds without a key, timed by the injected clock."""
        idle = (self.clock.now() - self.last_key_at).total_seconds()
        if idle < self.settings.idle_lock_seconds:
            self.warn_before_the_idle_lock(self.settings.idle_lock_seconds - idle)
            return
        if self.who is not None:
            # Locked all the same (a desk left signed in is worse), but whoever signs in next is told a form went.
            self.lock("idle", UNSAVED_AT_LOCK if self.unsaved_form() else "")
        else:
            self.last_key_at = self.clock.now()
            self.lock_screen.reset()

    def unsaved_form(self) -> bool:
        """Is a form open with something entered that locking would lose (kiosk/screens/base.py form_filled)?"""
        return any(getattr(screen, "form_filled", lambda: False)() for screen in self.screen_stack)

    def warn_before_the_idle_lock(self, seconds_left: float) -> None:
        if (self.who is None or seconds_left > IDLE_WARNING_SECONDS or self._idle_warned_for == self.last_key_at
                or not self.unsaved_form()):
            return
        self._idle_warned_for = self.last_key_at  # once per quiet spell
        self.bell()
        self.notify(f"The desk locks in {round(seconds_left)} seconds, and what is typed on this form has not been "
                    "saved: press any key to keep working on it.", severity="warning", markup=False,
                    timeout=IDLE_WARNING_SECONDS)

    def action_lock(self) -> None:
        self.lock("locked")

    @property
    def lock_screen(self) -> LockScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, LockScreen)
        return screen

    def lock(self, reason: str, words: str = "") -> None:
        """Back to the lock screen: every screen above it goes, with its pupils; the sign-out is audited. `words`:
        why, said on the lock screen (a locked account), or nothing (Ctrl+L, idle)."""
        who, self.who = self.who, None
        # The idle time starts again: the lock screen's words (why it locked, a form not saved) stay until then.
        self.last_key_at = self.clock.now()
        for screen in self.screen_stack:
            if isinstance(screen, DeskScreen):
                screen.forget_pupils()
        # Answers still to come are for screens that are going: they are told on the lock screen, with no name.
        self.desk_worker.let_go()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.lock_screen.reset(words)
        self.refresh_bindings()
        if who is not None:
            # On the worker too, behind any scan still being saved (the trail keeps the order things were done).
            self.desk_worker.submit(partial(record_sign_out, keyring=self.keyring, clock=self.clock, who=who,
                                            reason=reason),
                                    owner=self, then=lambda _: None, failed=self.sign_out_not_saved,
                                    wait=FRAME_WAIT_SECONDS)

    def sign_out_not_saved(self, error: DeskError) -> None:
        self.notify(plain_text(f"The desk is locked, but its sign-out was not recorded: {error.message}"),
                    severity="warning", timeout=15, markup=False)


    # ── F1 help ─────────────────────────────────────────────────────────────────────────────────────────
    def action_help(self) -> None:
        if self.who is None or isinstance(self.screen, HelpScreen):
            return
        keys = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.show and active.enabled:
                keys.append((key_words(binding.key), command_words(binding.action, binding.description)[0]))
        if self.ENABLE_COMMAND_PALETTE:
            keys.append((key_words(self.COMMAND_PALETTE_BINDING), "Command palette: every action by name"))
        self.push_screen(HelpScreen(who=self.who, keys=keys, screen_name=called(self.screen)))

    # ── the bell on refusals ────────────────────────────────────────────────────────────────────────────
    def ring_on_refusal(self) -> None:
        """One bell for each new refused result on the desk, so staff need not look (bell_on_refusal)."""
        desk = next((s for s in self.screen_stack if isinstance(s, DeskScreen)), None)
        if desk is None:
            return
        result = desk.last_result
        if result is None or result is self._rung_for:
            return
        self._rung_for = result
        if result.severity is Severity.REFUSED:
            self.bell()



def outbox_thread(settings: Settings, clock: Clock, keyring: Keyring | None = None) -> OutboxThread | None:
    """The desk's outbox sender, when kiosk.toml sends by SMTP and its relay is fully set; else none (the outbox
    still fills: `kiosk outbox` shows it, and `kiosk outbox send` can run as a service instead)."""
    if settings.mail_via != "smtp":
        return None
    try:
        sender = sender_from_settings(settings, key_file=key_file_path(settings))
        # Each message sent or failed is an audit event (kiosk/mail/trail.py), sealed with the school's key.
        audit_key = (keyring or load_key_file(key_file_path(settings))).audit_key
    except (DeskError, KeyFileError):
        return None
    return OutboxThread(sender=sender, clock=clock, settings=settings, render_attachment=_attachment,
                        audit_key=audit_key, on_exit=close_this_threads_connection)


def _attachment(kind: str | None, facts: str | None, settings: Settings) -> Attached | None:
    # The PDF maker loads with the first paper sent, not at start-up (B4).
    from kiosk.documents.attachments import attachment_for

    return attachment_for(kind, facts, settings)


def make_app(*, settings: Settings, keyring: Keyring, clock: Clock | None = None) -> KioskApp:
    """The one way to build the kiosk, for the CLI and the tests. The database must already be open."""
    return KioskApp(settings=settings, keyring=keyring, clock=clock or Clock())
