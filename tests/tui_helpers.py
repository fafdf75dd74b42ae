"""Helpers for driving the kiosk's screens: in Pilot tests, and as a launcher for a real terminal (tmux).

Run as a script it opens an existing kiosk database and key file and runs the app, exactly as the CLI will:
    python tests/tui_helpers.py DB_PATH KEY_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from textual.app import App  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from kiosk.config import Settings  # noqa: E402

SCHOOL_SETTINGS = Settings(school_name="Hillcrest Academy", desk="Reception 1")


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


async def type_keys(pilot: Pilot, text: str) -> None:
    """Type like a person or a scanner: one key at a time, then Enter."""
    await pilot.press(*text, "enter")
    await settle(pilot)


async def sign_in(pilot: Pilot, initials: str = "AA", pin: str = "482913") -> None:
    await type_keys(pilot, initials)
    await type_keys(pilot, pin)


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
