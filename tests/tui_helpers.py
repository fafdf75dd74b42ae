"""Helpers for driving the kiosk's screens: in Pilot tests (start it, sign in, open a screen, read what it
says, wait for a worker), and as a launcher for a real terminal (tmux).

Run as a script it opens an existing kiosk database and key file and runs the app, exactly as the CLI will:
    python tests/tui_helpers.py DB_PATH KEY_FILE
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from textual.app import App  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from kiosk.config import Settings  # noqa: E402
from tests.helpers import flat  # noqa: E402

SCHOOL_SETTINGS = Settings(school_name="Hillcrest Academy", desk="Reception 1")


def kiosk_app(school, settings: Settings | None = None, **overrides) -> App:
    """The kiosk for the test's school (tests/conftest.py), as the CLI makes it; `overrides` change settings."""
    from kiosk.app import make_app

    settings = settings or school.settings
    settings = replace(settings, **overrides) if overrides else settings
    return make_app(settings=settings, keyring=school.keyring, clock=school.clock)


@asynccontextmanager
async def signed_in(app: App, initials: str = "AA", pin: str = "482913", **run_test) -> AsyncIterator[Pilot]:
    """The app running under Pilot (`run_test` options: size, message_hook…) with someone signed in at it."""
    async with app.run_test(**run_test) as pilot:
        await sign_in(pilot, initials, pin)
        yield pilot


def screen_text(app: App) -> str:
    """Exactly what the terminal shows now, as plain text (one line per row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot: Pilot, timeout: float = 5.0) -> None:
    """Let the desk's database worker give every answer it owes (a healthy database answers within the key's
    own frame; a slow one later), then let the screen catch up. Bounded: a hung database is a test's own business."""
    import asyncio

    worker = getattr(pilot.app, "desk_worker", None)
    deadline = asyncio.get_running_loop().time() + timeout
    while worker is not None and worker.outstanding and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    await pilot.pause()


@contextmanager
def another_program_holds_the_database(path: Path) -> Iterator[None]:
    """Another program takes SQLite's write lock (BEGIN IMMEDIATE) and keeps it until the block ends: every write
    of the kiosk waits for it (up to its busy timeout), as when a backup or another desk holds the file."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


async def timed_press(pilot: Pilot, *keys: str) -> float:
    """Press keys one at a time; the longest any one took to be handled (Pilot waits for the app to be idle after
    each), in seconds. A screen that waited on the database on the UI thread would take as long as the database."""
    longest = 0.0
    for key in keys:
        started = time.monotonic()
        await pilot.press(key)
        longest = max(longest, time.monotonic() - started)
    return longest


async def type_keys(pilot: Pilot, text: str) -> None:
    """Type like a person or a scanner: one key at a time, then Enter."""
    await pilot.press(*text, "enter")
    await settle(pilot)


async def sign_in(pilot: Pilot, initials: str = "AA", pin: str = "482913") -> None:
    """Initials, then the PIN, as a person types them; back once the lock screen has the database's answer (under
    a loaded machine the PIN's check can outlast settle's bound: the next key would then reach the lock screen)."""
    from kiosk.screens.lock import LockScreen

    await type_keys(pilot, initials)
    await type_keys(pilot, pin)
    lock = next((screen for screen in pilot.app.screen_stack if isinstance(screen, LockScreen)), None)
    if lock is not None:
        await wait_for(pilot, lambda: lock.checking is None, "the PIN's answer", seconds=30)


async def scan(pilot: Pilot, code: str) -> None:
    """A fast scan for tests that need many: put the code in the box and press Enter (~0.1 s, not ~0.8 s)."""
    from kiosk.widgets.scan_box import ScanBox

    box = pilot.app.screen.query_one("#scan", ScanBox)
    box.value = code
    await pilot.press("enter")
    await settle(pilot)


def burst(app: App, codes: list[str]) -> None:
    """Queue every key of several scans at once, as a scanner's burst arrives in one terminal read."""
    from textual import events

    driver = app._driver
    assert driver is not None
    for code in codes:
        for char in code:
            driver.send_message(events.Key(char, char))
        driver.send_message(events.Key("enter", "\r"))


def shown(app: App) -> str:
    """The screen's words with line wrapping undone (a phrase may wrap at 80 columns)."""
    return flat(screen_text(app))


def widget_text(app: App, selector: str) -> str:
    """What one Static on the current screen says, whole (however it wraps on screen)."""
    from rich.text import Text
    from textual.widgets import Static

    content = app.screen.query_one(selector, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def message(app: App, selector: str = "#problem") -> str:
    """What a MessageLine on the current screen says, or "" while it is hidden."""
    from kiosk.widgets.message_line import MessageLine

    line = app.screen.query_one(selector, MessageLine)
    return line.message if line.display else ""


async def open_screen(pilot: Pilot, key: str, kind: type) -> object:
    """Press a desk key (F5, F6…) and check the screen it opens is `kind`."""
    await pilot.press(key)
    await settle(pilot)  # what the screen reads as it opens (on the desk's worker) has come
    assert isinstance(pilot.app.screen, kind), f"{key} opened {pilot.app.screen!r}, not a {kind.__name__}"
    return pilot.app.screen


async def open_by_name(pilot: Pilot, name: str, kind: type):
    """Open a screen by its name in the registry, as the palette does (app.open_screen), and check the screen in
    front, once what it reads as it opens has come, is that one and a `kind`."""
    screen = pilot.app.open_screen(name)  # type: ignore[attr-defined]
    await settle(pilot)
    assert screen is not None, f"{name} did not open"
    assert screen is pilot.app.screen and isinstance(screen, kind), f"{name} opened {pilot.app.screen!r}"
    return screen


async def wait_until(pilot: Pilot, condition: Callable[[], object], timeout: float = 20.0) -> bool:
    """Let the app run (its timers, its workers) until `condition()` or the time is up; whether it held."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await pilot.pause(0.1)
    return True


def everything_on_screens(app: App) -> str:
    """Every word any screen in the stack holds, visible or scrolled away: statics, labels, inputs, tables."""
    from rich.text import Text
    from textual.widgets import DataTable, Input, Static

    parts: list[str] = [screen_text(app)]
    for screen in app.screen_stack:
        for widget in screen.query("*"):
            if isinstance(widget, Static):
                content = widget.content
                parts.append(content.plain if isinstance(content, Text) else str(content))
            if isinstance(widget, Input):
                parts.append(widget.value)
            if isinstance(widget, DataTable):
                for row in range(widget.row_count):
                    parts.extend(str(cell) for cell in widget.get_row_at(row))
    return "\n".join(parts)


async def open_confiscation(pilot: Pilot, school, pupil):
    """F5, then `pupil`'s tag scanned: the confiscation form for that pupil (or what the scan opened)."""
    from kiosk.screens.confiscate import ConfiscateScreen

    await open_screen(pilot, "f5", ConfiscateScreen)
    await scan(pilot, school.tag_of(pupil))
    return pilot.app.screen


async def fill_and_save_confiscation(pilot: Pilot, screen, *, seal: str = "BAG-0042",
                                     by: str = "Mr T. Ellis") -> None:
    """The confiscation form filled as the office does (the bag's number scanned into its box), then Ctrl+S."""
    from textual.widgets import Checkbox, Input

    from kiosk.widgets.scan_box import ScanBox

    screen.query_one("#by", Input).value = by
    screen.query_one("#where", Input).value = "Room S12"
    screen.query_one("#condition-2", Checkbox).value = True  # in a case
    seal_box = screen.query_one("#seal", ScanBox)
    seal_box.focus()
    await type_keys(pilot, seal)  # the bag's number, scanned: a form field keeps what was scanned
    assert seal_box.value == seal
    await pilot.press("ctrl+s")
    await settle(pilot)  # saved on the desk's worker: shown once it answers


async def open_release(pilot: Pilot, code: str):
    """F6, then `code` scanned (a pupil's tag, or a bag's number as people type it): the release screen for that
    phone (or what the scan opened)."""
    from kiosk.screens.release import ReleaseScreen

    await open_screen(pilot, "f6", ReleaseScreen)
    await scan(pilot, code)
    await settle(pilot)
    return pilot.app.screen


async def choose_carer(pilot: Pilot, release, which: Callable[[Any], bool] = lambda carer: True):
    """On the release screen, the first of the pupil's carers `which` picks (the first listed by default) chosen
    to collect; that carer."""
    from kiosk.widgets.collector_choice import CollectorChoice

    choice = release.query_one(CollectorChoice)
    carer = next(c for c in choice.carers if which(c))
    choice.choose(carer.id)
    await pilot.pause()
    return carer


async def save_release(pilot: Pilot, release, *, pin: str, id_seen: str = "passport") -> None:
    """The release form's last steps as the office does them: the ID seen, the PIN of whoever is signed in,
    Ctrl+S, and its answer from the desk's worker."""
    from textual.widgets import Input

    release.query_one("#id-seen", Input).value = id_seen
    release.query_one("#pin", Input).value = pin
    await pilot.press("ctrl+s")
    await settle(pilot)


async def lock_and_sign_in(pilot: Pilot, initials: str, pin: str) -> None:
    """Ctrl+L locks the desk (checked), then someone else signs in at it."""
    from kiosk.screens.lock import LockScreen

    await pilot.press("ctrl+l")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LockScreen)
    await sign_in(pilot, initials, pin)


async def hand_to_the_police(pilot: Pilot, police, *, evidence_seal: str = "EVID-889",
                             pin: str = "864209") -> None:
    """The police handover dialog filled with the officer's particulars, the evidence bag's number typed (its Enter
    goes on to the PIN), then the DSL's own PIN (DSL_PIN, tests/conftest.py) typed last: its Enter hands the phone
    over."""
    from textual.widgets import Input

    for field_id, value in (("officer-name", "PC Jo Marsh"), ("officer-number", "4471"),
                            ("force", "Kent Police"), ("crime-ref", "46/123456/26")):
        police.query_one(f"#{field_id}", Input).value = value
    police.query_one("#evidence-seal", Input).focus()
    await type_keys(pilot, evidence_seal)
    assert police.focused is police.query_one("#police-pin", Input), "Enter after the seal goes on to the PIN"
    await type_keys(pilot, pin)


async def wait_for(pilot: Pilot, condition: Callable[[], object], what: str, seconds: float = 8.0) -> None:
    """wait_until, failing the test with what it waited for when the time is up."""
    if not await wait_until(pilot, condition, timeout=seconds):
        raise AssertionError(f"gave up after {seconds} s waiting for {what}")


def keep_shot(app: App, name: str) -> None:
    """With KIOSK_SHOTS_DIR set, keep an SVG of the screen as it is now to look at (NAME-WxH.svg)."""
    folder = os.environ.get("KIOSK_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        app.save_screenshot(f"{name}-{app.size.width}x{app.size.height}.svg", folder)


def shows_big(app: App, text: str) -> bool:
    """Whether `text` is on screen in big block letters (scale 1, as at 80×24)."""
    from kiosk.widgets.big_text import draw

    shown = screen_text(app)
    return all(line.strip() in shown for line in draw(text) if line.strip())


def main(argv: list[str]) -> int:
    from kiosk.app import make_app
    from kiosk.clock import Clock
    from kiosk.db import open_database
    from kiosk.keyring import load_key_file

    db_path, key_path = argv
    open_database(db_path)
    app = make_app(settings=SCHOOL_SETTINGS, keyring=load_key_file(Path(key_path)), clock=Clock())
    app.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
