"""The kiosk's Textual app: opens on the lock screen, opens the desk on sign-in, and locks again."""

from __future__ import annotations

from functools import partial

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Input

from kiosk import resources
from kiosk.auth.roles import Permission
from kiosk.auth.staff import SignedIn, record_sign_out
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.custody import DeskContext, DeskError, Severity
from kiosk.custody.desk import close_this_threads_connection
from kiosk.custody.scans import COMMAND_CODES
from kiosk.keyring import Keyring
from kiosk.screens.close_day import ConfirmCloseDay
from kiosk.screens.desk import DeskScreen
from kiosk.screens.finding import DeskCardKeys
from kiosk.screens.help import HelpScreen, key_words
from kiosk.screens.lock import LockScreen
from kiosk.widgets.desk_worker import DeskWorker
from kiosk.widgets.scan_box import SUBMIT_KEYS

IDLE_CHECK_SECONDS = 1.0
# As the desk's ANSWER_WAIT_SECONDS: a healthy database records the sign-out in the frame that locks the desk.
SIGN_OUT_WAIT_SECONDS = 0.03
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

# How the command palette words each action a screen offers; an action not listed uses its footer words.
COMMAND_WORDS: dict[str, tuple[str, str]] = {
    "mode('hand in')": ("Hand in", "Switch the desk to HAND IN: each phone scanned is taken in"),
    "mode('hand back')": ("Hand back", "Switch the desk to HAND BACK: each phone scanned is given back"),
    "confiscate": ("Confiscate a phone", "Record a confiscation, then print the notice and the bag label"),
    "release": ("Release a confiscated phone", "Give a confiscated phone back to a parent or carer"),
    "search_record": ("Record a search", "Record a search of a pupil's phone"),
    "close_day": ("Close the day", "Mark every phone still in the office uncollected, and list them"),
    "holds": ("Safeguarding holds", "The phones held for the DSL"),
    "app.labels": ("Tags & labels", "Print tag labels; replace a lost or damaged tag"),
    "app.help": ("Help", "The keys of this screen and how the desk works"),
    "lock": ("Lock the desk", "Back to the lock screen; nothing about any pupil stays on screen"),
}
SCREEN_NAMES = {"DeskScreen": "desk", "LabelsScreen": "Tags & labels screen", "ConfiscateScreen": "confiscation screen",
                "ReleaseScreen": "release screen", "SearchRecordScreen": "search record screen",
                "HoldsScreen": "holds screen"}


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
            name, help_text = COMMAND_WORDS.get(binding.action, (binding.description, ""))
            shown_key = key_words(binding.key)
            found[name] = (name, f"{help_text} ({shown_key})" if help_text else shown_key,
                           partial(app.run_action, binding.action, active.node))
        for action in ("lock", "app.help", "app.labels"):
            name, help_text = COMMAND_WORDS[action]
            if name not in found and app.check_action(action.removeprefix("app."), ()):
                found[name] = (name, help_text, partial(app.run_action, action))
        # Textual's own commands, last: no screenshots (they would save pupils' names to the Downloads folder).
        found["Change theme"] = ("Change theme", "High contrast, light or dark: for this session only",
                                 app.action_change_theme)
        found["Quit"] = ("Quit", "Close the kiosk program (Ctrl+Q)", app.action_quit)
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
    """The desk. The lock screen is the bottom of the screen stack; locking pops everything above it."""

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
        self._card_keys = ""  # what a scanner typed outside any text box, until its Enter
        # This desk's one database worker: the screens' database actions run there, one at a time, in order, so
        # a database that hangs never freezes the screen (kiosk/widgets/desk_worker.py). Its thread keeps its own
        # connection and closes it when the app closes.
        self.desk_worker = DeskWorker(self, on_exit=close_this_threads_connection)
        self.register_theme(HIGH_CONTRAST)

    def get_key_display(self, binding: Binding) -> str:
        # As printed on the keyboard: "F2", not "f2"; "^L" for Ctrl+L (F1 help spells it out).
        return super().get_key_display(binding).upper()

    def get_default_screen(self) -> Screen:
        return LockScreen(settings=self.settings, keyring=self.keyring, clock=self.clock)

    def on_mount(self) -> None:
        self.desk_worker.start()
        self.set_interval(IDLE_CHECK_SECONDS, self.lock_if_idle)
        # The banner is the desk's own; looking at it often is cheap and catches every way a result arrives.
        if getattr(self.settings, "bell_on_refusal", False):
            self.set_interval(BELL_CHECK_SECONDS, self.ring_on_refusal)

    def on_unmount(self) -> None:
        self.desk_worker.stop()  # what has not begun is dropped; what is running finishes on its own

    def on_desk_worker_finished(self, message: DeskWorker.Finished) -> None:
        """A database job has finished: its answer goes to the screen that asked (or, gone, to the lock screen)."""
        self.desk_worker.answers_came()

    async def on_event(self, event: events.Event) -> None:
        # Every key reaches the app first (before it is forwarded to the focused widget): that is the one
        # place that sees them all, whoever handles them afterwards.
        if isinstance(event, events.Key | events.MouseDown | events.Paste) and not event.is_forwarded:
            self.last_key_at = self.clock.now()
            if isinstance(event, events.Key) and self.desk_card_scanned(event):
                return
        await super().on_event(event)

    def desk_card_scanned(self, event: events.Key) -> bool:
        """A desk-card barcode scanned where no text box has the focus (a dialog, help, a report, a list): LOCK
        locks, and CLOSE DAY scanned again confirms the close of day; HAND IN, HAND BACK (and CLOSE DAY
        elsewhere) belong to the desk, so a toast says to go back to it. True when the scan was used: its Enter
        is kept from the focused button, which would otherwise be pressed (or the help closed, or a list's row
        chosen) by a code meant for something else. Where a text box has the focus the screen reads the scan
        itself, and so do the screens that read desk-card codes their own way (DeskCardKeys)."""
        if self.who is None or isinstance(self.focused, Input) or isinstance(self.screen, DeskCardKeys):
            self._card_keys = ""
            return False
        if event.key in SUBMIT_KEYS:
            typed, self._card_keys = self._card_keys.upper(), ""
            code = next((code for code in COMMAND_CODES if typed.endswith(code)), None)
            if code is None:
                return False
            command = COMMAND_CODES[code]
            if command == "lock":
                self.lock("locked")
            elif command == "close day" and isinstance(self.screen, ConfirmCloseDay):
                self.screen.dismiss(True)
            else:
                self.notify(f"That is the desk card's {command.upper()} barcode: press Esc to go back to the desk, "
                            "then scan it there. Nothing here has changed.", severity="warning")
            return True
        if event.character and len(event.character) == 1 and event.character.isalnum():
            self._card_keys = (self._card_keys + event.character)[-16:]
            # From its "KX" on, a code's letters are kept from the screen's one-letter keys too (on the reports
            # screen C would save a CSV and D show a day as the scanner typed KXCLOSEDAY).
            return in_a_desk_card_code(self._card_keys)
        self._card_keys = ""
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Locked, the desk offers nothing but signing in: no lock, no palette, no quitting to the desktop.
        if action in ("lock", "quit", "help_quit", "command_palette", "help", "change_theme"):
            return self.who is not None
        if action == "labels":
            return self.who is not None and self.who.can(Permission.HAND_IN)
        return True

    def on_lock_screen_unlocked(self, message: LockScreen.Unlocked) -> None:
        self.who = message.who
        self.last_key_at = self.clock.now()
        self.push_screen(DeskScreen(DeskContext(self.keyring, self.clock, self.settings, message.who),
                                    worker=self.desk_worker))
        self.refresh_bindings()

    def lock_if_idle(self) -> None:
        """Lock after settings.idle_lock_seconds without a key, timed by the injected clock."""
        idle = (self.clock.now() - self.last_key_at).total_seconds()
        if idle < self.settings.idle_lock_seconds:
            return
        if self.who is not None:
            self.lock("idle")
        else:
            self.last_key_at = self.clock.now()
            self.lock_screen.reset()

    def action_lock(self) -> None:
        self.lock("locked")

    @property
    def lock_screen(self) -> LockScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, LockScreen)
        return screen

    def lock(self, reason: str) -> None:
        """Back to the lock screen: every screen above it goes, with its pupils; the sign-out is audited."""
        who, self.who = self.who, None
        for screen in self.screen_stack:
            if isinstance(screen, DeskScreen):
                screen.forget_pupils()
        # Answers still to come are for screens that are going: they are told on the lock screen, with no name.
        self.desk_worker.let_go()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.lock_screen.reset()
        self.refresh_bindings()
        if who is not None:
            # On the worker too, behind any scan still being saved (the trail keeps the order things were done).
            self.desk_worker.submit(partial(record_sign_out, keyring=self.keyring, clock=self.clock, who=who,
                                            reason=reason),
                                    owner=self, then=lambda _: None, failed=self.sign_out_not_saved,
                                    wait=SIGN_OUT_WAIT_SECONDS)

    def sign_out_not_saved(self, error: DeskError) -> None:
        self.notify(f"The desk is locked, but its sign-out was not recorded: {error.message}", severity="warning",
                    timeout=15)


    # ── F1 help and the Labels screen ───────────────────────────────────────────────────────────────────
    def action_help(self) -> None:
        if self.who is None or isinstance(self.screen, HelpScreen):
            return
        keys = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.show and active.enabled:
                keys.append((key_words(binding.key), COMMAND_WORDS.get(binding.action, (binding.description, ""))[0]))
        if self.ENABLE_COMMAND_PALETTE:
            keys.append((key_words(self.COMMAND_PALETTE_BINDING), "Command palette: every action by name"))
        name = SCREEN_NAMES.get(type(self.screen).__name__, "this screen")
        self.push_screen(HelpScreen(who=self.who, keys=keys, screen_name=name))

    def action_labels(self) -> None:
        # Imported when first opened: the label engine (PIL, barcodes, QR) is a tenth of a second of start-up.
        from kiosk.screens.labels import LabelsScreen

        if self.who is None or not self.who.can(Permission.HAND_IN) or isinstance(self.screen, LabelsScreen):
            return
        self.push_screen(LabelsScreen(DeskContext(self.keyring, self.clock, self.settings, self.who)))

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

def in_a_desk_card_code(typed: str) -> bool:
    """Do the last keys typed (at least "KX") begin, or make up, a desk-card code?"""
    typed = typed.upper()
    return any(typed.endswith(code[:length]) for code in COMMAND_CODES for length in range(2, len(code) + 1))


def make_app(*, settings: Settings, keyring: Keyring, clock: Clock | None = None) -> KioskApp:
    """The one way to build the kiosk, for the CLI and the tests. The database must already be open."""
    return KioskApp(settings=settings, keyring=keyring, clock=clock or Clock())
