"""The afternoon at the desk: at the school's hand-back time (settings.hand_back_from) a desk someone is signed in
at switches to HAND BACK by itself, says so, and loses no scan: one being saved at the switch is handled in the
mode it was scanned in and says so. Staff who choose the mode by hand in the afternoon keep it for the day."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.custody import Mode, State
from kiosk.db import Custody, Event
from kiosk.screens.desk import DeskScreen
from kiosk.widgets.recent_list import RecentList
from kiosk.widgets.result_banner import ResultBanner
from kiosk.widgets.scan_box import ScanBox
from tests.conftest import OFFICE_PIN
from tests.tui_helpers import (
    another_program_holds_the_database,
    kiosk_app,
    scan,
    screen_text,
    settle,
    shows_big,
    sign_in,
    signed_in,
    wait_for,
)

# London is on GMT in November: these are the school's times too.
BEFORE = datetime(2026, 11, 30, 15, 9, 58, tzinfo=UTC)
AT = datetime(2026, 11, 30, 15, 10, 0, tzinfo=UTC)


def afternoon_desk(school):
    """The kiosk with the school's hand-back time at 15:10. The tests move the clock by minutes at a time, which
    would otherwise lock an idle desk (idle_lock_seconds) before it could switch."""
    return kiosk_app(school, hand_back_from="15:10", idle_lock_seconds=24 * 3600)


def desk(app) -> DeskScreen:
    screen = app.screen
    assert isinstance(screen, DeskScreen)
    return screen


async def test_the_desk_switches_to_hand_back_at_the_set_time_and_a_scan_being_saved_keeps_its_mode(school):
    zoe = school.pupils[0]
    school.clock.set(BEFORE)
    async with signed_in(afternoon_desk(school), size=(100, 40)) as pilot:
        app = pilot.app
        assert desk(app).mode == Mode.HAND_IN and shows_big(app, "HAND IN")
        with another_program_holds_the_database(school.path):
            # Zoë's phone is scanned at 15:09:58 and waits on the database (another program holds it).
            app.screen.query_one("#scan", ScanBox).value = school.tag_of(zoe)
            await pilot.press("enter")
            await pilot.pause()
            assert desk(app).saving, "the hand-in is in flight"
            school.clock.set(AT)
            await wait_for(pilot, lambda: desk(app).mode == Mode.HAND_BACK, "the desk to switch by itself")
            assert desk(app).saving, "the switch came while the hand-in was still being saved"
            assert shows_big(app, "HAND BACK")
        await settle(pilot)
        result = app.screen.query_one(ResultBanner).result
        assert result is not None and result.headline == "HANDED IN", "handed in, the mode it was scanned in"
        assert any("Scanned before the desk switched to HAND BACK at 15:10: handled as HAND IN" in note
                   for note in result.notes)
        assert "handled as HAND IN" in screen_text(app)
        assert Custody.get(Custody.pupil == zoe).state == State.IN_OFFICE
        assert Event.select().where(Event.action == "HANDED_IN").count() == 1, "no scan lost, none doubled"
        rows = [str(row.text) for row in app.screen.query_one(RecentList).scans if hasattr(row, "text")]
        assert rows == ["the desk switched to HAND BACK at 15:10 (the school's hand-back time)"]
        assert "switched to HAND BACK at 15:10" in screen_text(app)

        # The next scan of the same phone, in the new mode, hands it back (it is not taken for a double read).
        school.clock.advance(seconds=1)
        await scan(pilot, school.tag_of(zoe))
        assert app.screen.query_one(ResultBanner).result.headline == "HANDED BACK"
        assert Custody.get(Custody.pupil == zoe).state == State.RETURNED


async def test_the_switch_is_visible_on_an_idle_desk(school):
    school.clock.set(BEFORE)
    async with signed_in(afternoon_desk(school), size=(80, 24)) as pilot:
        app = pilot.app
        school.clock.set(AT)
        await wait_for(pilot, lambda: desk(app).mode == Mode.HAND_BACK, "the desk to switch by itself")
        await pilot.pause()
        text = screen_text(app)
        assert shows_big(app, "HAND BACK") and "HAND BACK from 15:10" in text
        assert "switched to HAND BACK at 15:10" in text


async def test_a_mode_chosen_by_hand_in_the_afternoon_stands_for_the_rest_of_the_day(school):
    school.clock.set(BEFORE)
    async with signed_in(afternoon_desk(school), size=(100, 40)) as pilot:
        app = pilot.app
        school.clock.set(AT)
        await wait_for(pilot, lambda: desk(app).mode == Mode.HAND_BACK, "the desk to switch by itself")
        # A late arrival at 15:20: staff press F2 to hand the phone in; the desk is not switched back under them.
        school.clock.set(datetime(2026, 11, 30, 15, 20, tzinfo=UTC))
        await pilot.press("f2")
        await pilot.pause(2.5)  # the afternoon's check runs every second
        assert desk(app).mode == Mode.HAND_IN
        # Locked and signed in again the same afternoon: still what staff chose.
        await pilot.press("ctrl+l")
        await pilot.pause()
        school.clock.set(datetime(2026, 11, 30, 15, 40, tzinfo=UTC))
        await sign_in(pilot, "AA", OFFICE_PIN)
        assert desk(app).mode == Mode.HAND_IN and shows_big(app, "HAND IN")
        # The next day begins as every day does, and switches at the time again.
        await pilot.press("ctrl+l")
        await pilot.pause()
        school.clock.set(datetime(2026, 12, 1, 15, 9, 58, tzinfo=UTC))
        await sign_in(pilot, "AA", OFFICE_PIN)
        assert desk(app).mode == Mode.HAND_IN
        school.clock.set(datetime(2026, 12, 1, 15, 10, tzinfo=UTC))
        await wait_for(pilot, lambda: desk(app).mode == Mode.HAND_BACK, "the next day's switch")


async def test_a_mode_pressed_before_the_time_does_not_stop_the_switch(school):
    school.clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    async with signed_in(afternoon_desk(school), size=(100, 40)) as pilot:
        app = pilot.app
        await pilot.press("f3")  # one pupil going to the dentist at 14:00
        await pilot.press("f2")
        school.clock.set(AT)
        await wait_for(pilot, lambda: desk(app).mode == Mode.HAND_BACK, "the switch despite the morning's keys")


async def test_the_switch_happens_while_another_screen_is_in_front(school):
    school.clock.set(BEFORE)
    async with signed_in(afternoon_desk(school), size=(100, 40)) as pilot:
        app = pilot.app
        the_desk = desk(app)
        await pilot.press("f7")  # the dashboard, over the desk
        await settle(pilot)
        assert app.screen is not the_desk
        school.clock.set(AT)
        await wait_for(pilot, lambda: the_desk.mode == Mode.HAND_BACK, "the desk behind to switch")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is the_desk and shows_big(app, "HAND BACK")
        assert "switched to HAND BACK at 15:10" in screen_text(app)
