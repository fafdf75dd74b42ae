"""The app-wide messages: how a screen asks the app to move (open a screen, lock, give way to the screen behind).

Screens never push, pop or reach into one another: they post one of these, it bubbles up to the app (a screen's
parent), and the app, which knows the screens by name (kiosk/screens/registry.py), makes the move. Messages a
widget sends to its own screen stay nested in the widget (ScanBox.Scanned, LockScreen.Unlocked).
"""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.screen import Screen


class OpenScreen(Message):
    """Staff asked for a screen by its name; the app opens it if their role may (else nothing opens)."""

    def __init__(self, name: str, *, replacing: bool = False, **needs: object) -> None:
        super().__init__()
        self.name = name  # a name in kiosk/screens/registry.py: "confiscate", "search_record"…
        # Instead of the screen that asked, not on top of it ("next confiscation": a fresh form in its place).
        self.replacing = replacing
        self.needs = needs  # what the screen is opened with: pupil=…, custody_id=…

    def __repr__(self) -> str:  # what a test's message log shows; the needs may name a pupil, so only their keys
        return f"OpenScreen({self.name!r}, replacing={self.replacing}, needs={sorted(self.needs)})"


class LockRequested(Message):
    """Lock the desk now (the desk card's LOCK): every screen above the lock screen goes, with its pupils."""

    def __init__(self, reason: str = "locked") -> None:
        super().__init__()
        self.reason = reason  # recorded with the sign-out: "locked" or "idle"


class GaveWay(Message):
    """A screen gave way to the one behind it: the app closes it, and the screen behind acts on the desk-card
    `code` as if it had been scanned there (an untouched form giving way to the desk; the name list closing)."""

    def __init__(self, screen: Screen[Any], code: str) -> None:
        super().__init__()
        self.screen = screen
        self.code = code
