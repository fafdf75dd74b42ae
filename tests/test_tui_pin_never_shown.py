"""A PIN is never shown: digits that arrive as a burst (a keypad's macro, a paste, a PIN typed very fast) where a PIN
is typed are refused like a scan, but never echoed, at the lock screen or on a form's PIN box. Pilot, real SQLite."""

from __future__ import annotations

from textual.widgets import Input

from kiosk.db import Event
from kiosk.screens.desk import DeskScreen
from kiosk.screens.release import ReleaseScreen
from tests.conftest import OFFICE_PIN
from tests.test_tui_scan_routes import bells, scanner, toasts
from tests.tui_helpers import kiosk_app, open_screen, scan, screen_text, sign_in, type_keys

FAST_PIN = "246810"  # a PIN sent by a keypad's macro: faster than any person types
LONG_PIN = "24681013579246"  # longer than any admission number: a "barcode" to the desk, still a PIN


async def test_a_pin_in_a_burst_at_the_lock_screen_is_refused_without_its_digits(school):
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        lock = app.screen
        rung = bells(app)
        await type_keys(pilot, "aa")  # the initials, typed
        assert lock.who_typed == "aa"
        for pin in (FAST_PIN, LONG_PIN):
            await scanner(pilot, pin)
            said = str(lock.query_one("#sign-in-message").content)
            assert pin not in said and pin not in screen_text(app) and pin not in toasts(app), said
            assert said == ("A number was scanned or typed very fast — sign in first: type your PIN, then Enter; "
                            "nothing was recorded."), said
        assert rung == [1, 1]
        assert not Event.select().where(Event.action == "SIGN_IN_FAILED").exists(), "nothing was counted as a PIN"
        await type_keys(pilot, OFFICE_PIN)
        assert isinstance(app.screen, DeskScreen), "the PIN typed by a person still signs in"


async def test_a_pin_in_a_burst_on_a_forms_pin_box_is_refused_without_its_digits(school):
    school.confiscate(4)
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        release = await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, school.tag_of(school.pupils[4]))
        pin = release.query_one("#pin", Input)
        pin.focus()
        await scanner(pilot, FAST_PIN)
        assert FAST_PIN not in toasts(app) and FAST_PIN not in screen_text(app), toasts(app)
        assert "A number was scanned or typed very fast" in toasts(app), toasts(app)
        assert "Nothing was recorded" in toasts(app)


async def test_a_pin_typed_into_the_initials_box_first_is_never_shown(school):
    """Staff often type their PIN before their initials: at the initials step a box of digits only is masked as it
    is typed (a tryout saw "246810" on the screen that faces the hatch); initials stay readable."""
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        lock = app.screen
        await pilot.press(*[key for digit in OFFICE_PIN for key in (digit, "wait:80")])  # a person, typing
        await pilot.pause()
        assert lock.query_one("#sign-in", Input).value == OFFICE_PIN
        assert OFFICE_PIN not in screen_text(app) and "•" * len(OFFICE_PIN) in screen_text(app)
        await pilot.press("escape")  # start again: the initials, readable
        await pilot.pause()
        await pilot.press("a", "wait:80", "a")
        await pilot.pause()
        assert "aa" in screen_text(app)
