"""The kiosk's Textual app: opens on the lock screen, opens the desk on sign-in, and locks again."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from kiosk import resources
from kiosk.auth.staff import SignedIn, record_sign_out
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.custody import DeskContext
from kiosk.keyring import Keyring
from kiosk.screens.desk import DeskScreen
from kiosk.screens.lock import LockScreen

IDLE_CHECK_SECONDS = 1.0


class KioskApp(App[None]):
    """The desk. The lock screen is the bottom of the screen stack; locking pops everything above it."""

    CSS_PATH = str(resources.stylesheet())
    TITLE = "Phone custody kiosk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+l", "lock", "Lock", priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, *, settings: Settings, keyring: Keyring, clock: Clock) -> None:
        super().__init__()
        self.settings = settings
        self.keyring = keyring
        self.clock = clock
        self.who: SignedIn | None = None
        self.last_key_at = clock.now()

    def get_default_screen(self) -> Screen:
        return LockScreen(settings=self.settings, keyring=self.keyring, clock=self.clock)

    def on_mount(self) -> None:
        self.set_interval(IDLE_CHECK_SECONDS, self.lock_if_idle)

    async def on_event(self, event: events.Event) -> None:
        # Every key reaches the app first (before it is forwarded to the focused widget): that is the one
        # place that sees them all, whoever handles them afterwards.
        if isinstance(event, events.Key | events.MouseDown | events.Paste) and not event.is_forwarded:
            self.last_key_at = self.clock.now()
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Locked, the desk offers nothing but signing in: no lock, and no quitting to the office PC's desktop.
        if action in ("lock", "quit", "help_quit"):
            return self.who is not None
        return True

    def on_lock_screen_unlocked(self, message: LockScreen.Unlocked) -> None:
        self.who = message.who
        self.last_key_at = self.clock.now()
        self.push_screen(DeskScreen(DeskContext(self.keyring, self.clock, self.settings, message.who)))
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
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.lock_screen.reset()
        self.refresh_bindings()
        if who is not None:
            record_sign_out(keyring=self.keyring, clock=self.clock, who=who, reason=reason)


def make_app(*, settings: Settings, keyring: Keyring, clock: Clock | None = None) -> KioskApp:
    """The one way to build the kiosk, for the CLI and the tests. The database must already be open."""
    return KioskApp(settings=settings, keyring=keyring, clock=clock or Clock())
