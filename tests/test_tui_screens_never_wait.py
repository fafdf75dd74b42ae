"""No screen waits on the database: every screen's database work runs on the desk's one worker (issue 13).

A really hung database, not a mock. SQLite: another program holds the write lock (BEGIN IMMEDIATE), so a write waits
for it up to the busy timeout (4 s), then is NOT SAVED. SQLite's readers never wait for a writer (WAL), so a read
that hangs is shown on PostgreSQL, whose server processes serving the desk are frozen (SIGSTOP).

For each family of screens: while the database hangs, the key that asked is handled at once (Pilot's press returns
in well under a second, where a screen waiting on the database would take the whole busy timeout), the screen says
saving…, reading… or checking…, a second press of Save does nothing, other keys still act (typing echoes, Esc);
when the database lets go the action is recorded once and only once and shown as done; kept past the bound, it
says NOT SAVED and nothing is recorded.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from textual.widgets import Button, Checkbox, Input, RadioButton

from kiosk.custody import State
from kiosk.db import Custody, Event, database_proxy, resilience
from kiosk.db.waits import NOT_SAVED_WITHIN_SECONDS
from kiosk.screens.confiscate import ConfiscateScreen
from kiosk.screens.desk import DeskScreen
from kiosk.screens.labels import LabelsScreen
from kiosk.screens.lock import LockScreen
from kiosk.screens.pupil import PupilScreen
from kiosk.screens.release import ReleaseScreen
from kiosk.screens.safeguarding import FlagSafeguarding
from kiosk.widgets.collector_choice import CollectorChoice
from kiosk.widgets.scan_box import ScanBox
from tests.conftest import OFFICE_PIN, make_school
from tests.reliability.harness import OwnPostgres, start_own_postgres
from tests.tui_helpers import (
    another_program_holds_the_database,
    kiosk_app,
    message,
    open_confiscation,
    open_screen,
    scan,
    screen_text,
    settle,
    shown,
    signed_in,
    timed_press,
    type_keys,
    wait_for,
    widget_text,
)

# A key handled "at once": Pilot waits for the app to be idle after each key (~0.1 s on a loaded 2-core machine).
# A screen that waited on the held database would take the busy timeout (4 s) for the key that asked.
AT_ONCE = 1.0


def confiscations() -> list[Custody]:
    return list(Custody.select().where(Custody.state == State.HELD_FOR_PARENT))


def actions(name: str) -> int:
    return Event.select().where(Event.action == name).count()


async def fill_confiscation(pilot, school, pupil) -> ConfiscateScreen:
    """F5, the pupil's tag, and the form filled as the office does; not saved yet."""
    screen = await open_confiscation(pilot, school, pupil)
    await settle(pilot)
    screen.query_one("#by", Input).value = "Mr T. Ellis"
    screen.query_one("#where", Input).value = "Room S12"
    screen.query_one("#seal", ScanBox).value = "BAG-0042"
    return screen


# ── a confiscation ───────────────────────────────────────────────────────────────────────────────────────────
async def test_a_confiscation_saved_while_the_database_is_held_takes_keys_says_saving_and_is_saved_once(school):
    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await fill_confiscation(pilot, school, ruby)
        notes = screen.query_one("#notes", Input)
        with another_program_holds_the_database(school.path):
            assert await timed_press(pilot, "ctrl+s") < AT_ONCE, "Save waited on the database"
            save = screen.query_one("#save", Button)
            assert "saving…" in message(app, "#error") and save.disabled and "Saving" in str(save.label)
            assert "CONFISCATED" not in screen_text(app) and screen.receipt is None, "nothing shown before the commit"
            assert await timed_press(pilot, "ctrl+s") < AT_ONCE  # a second press: nothing more is asked
            await pilot.click("#save")
            notes.focus()
            assert await timed_press(pilot, *"late") < AT_ONCE, "typing waited on the database"
            assert notes.value == "late"
            assert confiscations() == [] and app.screen is screen
        await wait_for(pilot, lambda: screen.receipt is not None, "the confiscation to be saved", 10)
        await pilot.pause()
        assert "CONFISCATED" in screen.query_one("#done-headline").text
        assert "saving…" not in shown(app)
    held = confiscations()
    assert len(held) == 1 and held[0].seal_number == "BAG-0042", "saved once, with the form as it was at Save"
    assert actions("CONFISCATED") == 1


async def test_a_confiscation_held_past_the_bound_says_not_saved_records_nothing_and_can_be_saved_again(school):
    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await fill_confiscation(pilot, school, ruby)
        with another_program_holds_the_database(school.path):
            started = time.monotonic()
            assert await timed_press(pilot, "ctrl+s") < AT_ONCE
            assert "saving…" in message(app, "#error")
            await wait_for(pilot, lambda: "NOT SAVED" in message(app, "#error"), "NOT SAVED",
                           NOT_SAVED_WITHIN_SECONDS + 4)
            waited = time.monotonic() - started
            assert "kept the database busy" in message(app, "#error")
            assert waited < NOT_SAVED_WITHIN_SECONDS + 1, f"NOT SAVED after {waited:.1f} s"
            assert screen.receipt is None and not screen.query_one("#save", Button).disabled
            assert confiscations() == [] and actions("CONFISCATED") == 0
        await timed_press(pilot, "ctrl+s")  # the database is free: the same form, saved
        await settle(pilot)
        assert screen.receipt is not None
    assert len(confiscations()) == 1 and actions("CONFISCATED") == 1


async def test_esc_while_a_confiscation_is_saving_goes_back_at_once_and_its_answer_is_told_on_the_desk(school):
    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await fill_confiscation(pilot, school, ruby)
        with another_program_holds_the_database(school.path):
            await timed_press(pilot, "ctrl+s")
            assert await timed_press(pilot, "escape") < AT_ONCE
            assert isinstance(app.screen, DeskScreen), "Esc went back to the desk while the save was out"
        told = "✔ The confiscation (bag BAG-0042) was saved after its screen closed."
        await wait_for(pilot, lambda: any(str(n.message) == told for n in app._notifications), "the toast", 10)
        assert not any("Ruby" in str(n.message) for n in app._notifications), "a toast names no pupil"
    assert len(confiscations()) == 1


# ── a release ────────────────────────────────────────────────────────────────────────────────────────────────
async def open_release_form(pilot, school, index: int) -> ReleaseScreen:
    await open_screen(pilot, "f6", ReleaseScreen)
    await scan(pilot, school.tag_of(school.pupils[index]))
    release = pilot.app.screen
    choice = release.query_one(CollectorChoice)
    await wait_for(pilot, lambda: bool(choice.carers), "the carers")
    choice.choose(choice.carers[0].id)
    await pilot.pause()
    release.query_one("#id-seen", Input).value = "passport"
    release.query_one("#pin", Input).value = OFFICE_PIN
    return release


async def test_a_release_while_the_database_is_held_takes_keys_says_saving_and_releases_once(school):
    receipt = school.confiscate(4)
    school.after_school()  # a 1st-rung phone is collected after school (issue 16)
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        release = await open_release_form(pilot, school, 4)
        with another_program_holds_the_database(school.path):
            assert await timed_press(pilot, "ctrl+s") < AT_ONCE, "Release waited on the database"
            button = release.query_one("#release", Button)
            assert button.disabled and "Releasing" in str(button.label)
            assert "saving…" in message(app, "#release-error")
            assert release.query_one("#pin", Input).value == "", "the PIN does not stay in the box while it is out"
            assert await timed_press(pilot, "ctrl+s") < AT_ONCE  # a second press: nothing more is asked
            seen = release.query_one("#id-seen", Input)
            seen.focus()
            assert await timed_press(pilot, "end", *" ok") < AT_ONCE and seen.value == "passport ok"
            assert Custody.get_by_id(receipt.custody_id).state == State.HELD_FOR_PARENT
        await wait_for(pilot, lambda: release.receipt is not None, "the release to be saved", 10)
        await pilot.pause()
        assert release.query_one("#release-done").display and "Released to Mrs Dana Mitchell" in shown(app)
        assert release.receipt.id_seen == "passport", "released with the form as it was at Release"
    assert Custody.get_by_id(receipt.custody_id).state == State.RELEASED
    assert actions("RELEASED") == 1 and actions("PIN_CONFIRMED") == 1


# ── a safeguarding hold ──────────────────────────────────────────────────────────────────────────────────────
async def test_a_hold_flagged_while_the_database_is_held_keeps_its_dialog_until_the_answer_and_holds_once(school):
    receipt = school.confiscate(4)
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        release = await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, school.tag_of(school.pupils[4]))
        await settle(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FlagSafeguarding)
        concern = dialog.query_one("#concern", Input)
        concern.value = "Worried by messages seen"
        dialog.query_one("#kind-risk_of_harm", RadioButton).value = True  # a hold records its kind (issue 16)
        dialog.query_one("#acknowledged", Checkbox).value = True
        dialog.query_one("#flag-ok", Button).focus()
        with another_program_holds_the_database(school.path):
            assert await timed_press(pilot, "enter") < AT_ONCE, "the hold waited on the database"
            ok = dialog.query_one("#flag-ok", Button)
            assert ok.disabled and "Saving" in str(ok.label) and "saving…" in message(app, "#flag-error")
            assert await timed_press(pilot, "escape") < AT_ONCE
            assert app.screen is dialog and "Still saving" in message(app, "#flag-error"), \
                "the dialog stays until the screen behind can be told whether the phone is on hold"
            concern.focus()
            assert await timed_press(pilot, *" too") < AT_ONCE and concern.value.endswith(" too")
            assert Custody.get_by_id(receipt.custody_id).state == State.HELD_FOR_PARENT
        await wait_for(pilot, lambda: app.screen is release, "the dialog to close once saved", 10)
        await settle(pilot)
        assert "ON A SAFEGUARDING HOLD" in widget_text(app, "#phone-status"), "the phone read again, on hold"
    assert Custody.get_by_id(receipt.custody_id).state == State.SAFEGUARDING_HOLD
    assert actions("SAFEGUARDING_HOLD") == 1


# ── signing in at the lock screen ────────────────────────────────────────────────────────────────────────────
async def test_signing_in_while_the_database_is_held_says_checking_takes_keys_and_opens_the_desk_once(school):
    signed_in_before = actions("SIGNED_IN")
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await type_keys(pilot, "AA")
        with another_program_holds_the_database(school.path):
            await pilot.press(*OFFICE_PIN)
            assert await timed_press(pilot, "enter") < AT_ONCE, "signing in waited on the database"
            assert isinstance(app.screen, LockScreen) and "Checking" in screen_text(app)
            assert await timed_press(pilot, *"12", "enter") < AT_ONCE  # typed while it checks: not a second go
            assert "Checking" in widget_text(app, "#sign-in-checking")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen), "the desk to open", 10)
        await settle(pilot)
        assert app.who is not None and app.who.initials == "AA"
    assert actions("SIGNED_IN") == signed_in_before + 1 and actions("SIGN_IN_FAILED") == 0


async def test_esc_while_a_sign_in_is_checked_starts_again_and_a_late_yes_never_opens_the_desk(school):
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await type_keys(pilot, "AA")
        with another_program_holds_the_database(school.path):
            await pilot.press(*OFFICE_PIN, "enter")
            assert await timed_press(pilot, "escape") < AT_ONCE
            assert "initials" in widget_text(app, "#sign-in-prompt").lower()
        await wait_for(pilot, lambda: app.desk_worker.outstanding == 0 and actions("SIGNED_OUT") == 1,
                       "the late sign-in to be closed in the trail", 10)
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) and app.who is None, "whoever is at the desk now did not sign in"
    last = list(Event.select().order_by(Event.seq.desc()).limit(2))
    assert [e.action for e in reversed(last)] == ["SIGNED_IN", "SIGNED_OUT"]
    assert "started again" in last[0].payload_json


async def test_a_sign_in_held_past_the_bound_says_not_saved_and_stays_locked(school):
    signed_in_before = actions("SIGNED_IN")
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await type_keys(pilot, "AA")
        with another_program_holds_the_database(school.path):
            await pilot.press(*OFFICE_PIN)
            assert await timed_press(pilot, "enter") < AT_ONCE
            await wait_for(pilot, lambda: "NOT SAVED" in widget_text(app, "#sign-in-message"), "NOT SAVED",
                           NOT_SAVED_WITHIN_SECONDS + 4)
            assert isinstance(app.screen, LockScreen) and app.who is None
        await type_keys(pilot, "AA")  # the database is free: signing in works again
        await type_keys(pilot, OFFICE_PIN)
        assert isinstance(app.screen, DeskScreen)
    assert actions("SIGNED_IN") == signed_in_before + 1


# ── reads: a frozen PostgreSQL server (SQLite's readers never wait for a writer) ────────────────────────────
@pytest.fixture(scope="module")
def stoppable_postgres():
    server = start_own_postgres()
    yield server
    server.stop()


@pytest.fixture
def school_on_postgres(stoppable_postgres, tmp_path):
    school = make_school(tmp_path, stoppable_postgres.fresh_database())
    resilience.open_database(school.url)  # as the kiosk opens it: reconnecting by itself
    yield school
    stoppable_postgres.start_server()
    database_proxy.obj.close()


def backends_of(server: OwnPostgres, url: str) -> list[int]:
    name = url.rsplit("/", 1)[1]
    return [pid for (pid,) in server.admin("SELECT pid FROM pg_stat_activity WHERE datname = %s", name)]


async def test_the_pupil_page_read_while_the_server_is_frozen_says_reading_takes_keys_then_shows(
        school_on_postgres, stoppable_postgres):
    """Every server process serving the desk is frozen; a watchdog thaws them, so a screen that froze with them
    fails this test instead of hanging it."""
    school = school_on_postgres
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        page = await open_screen(pilot, "f4", PupilScreen)
        await type_keys(pilot, "webb")  # the worker's own connection is open (and will be frozen too)
        await wait_for(pilot, lambda: "PUPIL · Leo Webb" in widget_text(app, "#pupil-heading"), "Leo's page")
        frozen = backends_of(stoppable_postgres, school.url)
        thawed = threading.Event()

        def thaw() -> None:
            thawed.set()
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)

        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        watchdog = threading.Timer(30.0, thaw)
        watchdog.start()
        try:
            await pilot.press(*"mitchell")
            assert await timed_press(pilot, "enter") < AT_ONCE, "the page's read waited on the server"
            assert "reading…" in message(app, "#pupil-problem") and not thawed.is_set()
            assert "Leo Webb" in widget_text(app, "#pupil-heading"), "nothing shown before the server answers"
            assert await timed_press(pilot, *"zo") < AT_ONCE
            # A key may be held a few ms in case it begins a scanner's burst (kiosk/widgets/scanner.py): echoed soon.
            await wait_for(pilot, lambda: page.query_one("#scan", ScanBox).value == "zo", "the keys to echo", AT_ONCE)
            assert not thawed.is_set(), "the screen froze with the server"
        finally:
            watchdog.cancel()
            thaw()
        await wait_for(pilot, lambda: "PUPIL · Ruby Mitchell" in widget_text(app, "#pupil-heading"), "Ruby's page",
                       10)
        assert "reading…" not in message(app, "#pupil-problem")


async def test_a_screen_that_reads_as_it_opens_says_not_read_when_the_server_is_gone_and_esc_goes_back(
        school_on_postgres, stoppable_postgres):
    """The Labels screen reads the forms and year groups as it opens: with the server stopped it says NOT READ
    (once was a crash of the whole desk), still prints one pupil's labels, and Esc goes back to the desk."""
    school = school_on_postgres
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        stoppable_postgres.stop_server()
        await pilot.press("f12")
        await settle(pilot, timeout=15)
        assert isinstance(app.screen, LabelsScreen) and app.is_running
        assert "NOT READ" in message(app, "#labels-result")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeskScreen)


# ── a queue of scans behind a database that does not answer ─────────────────────────────────────────────────
async def test_six_scans_into_a_held_database_are_all_not_saved_within_one_bound_and_the_next_one_saves(school):
    """Tried at the hatch: six pupils scanned while another program held the database each waited the whole bound in
    turn (25 s for six). Once one scan has waited the bound, those queued behind it are answered at once."""
    from kiosk.widgets.recent_list import RecentScan
    from tests.tui_helpers import burst

    pupils = school.pupils[:6]
    codes = [school.tag_of(pupil) for pupil in pupils]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        rows = app.desk_day.recent.rows

        def not_saved() -> list[RecentScan]:
            return [row for row in rows if isinstance(row, RecentScan) and row.headline == "NOT SAVED"]

        with another_program_holds_the_database(school.path):
            started = time.monotonic()
            burst(app, codes)
            await wait_for(pilot, lambda: len(not_saved()) == 6, "six NOT SAVED rows", 30)
            waited = time.monotonic() - started
            assert waited < NOT_SAVED_WITHIN_SECONDS + 1.5, f"six scans took {waited:.1f} s to be refused"
            assert sorted(row.read.replace("-", "") for row in not_saved()) == sorted(codes), "each row names its code"
            assert Custody.select().count() == 0
        await scan(pilot, codes[0])  # the database is free again: tried afresh, and saved
        assert Custody.select().count() == 1


# ── the parent-informed dialog ───────────────────────────────────────────────────────────────────────────────
async def test_a_double_enter_in_the_parent_informed_dialog_while_saving_never_closes_it_before_the_answer(school):
    """Tried at the desk: Record is disabled while saving and the focus moves to Cancel, so the second Enter of a
    double press pressed Cancel and the dialog closed: the record was then made, or not, with no word either way."""
    from kiosk.screens.dialogs import ParentInformedDialog

    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await fill_confiscation(pilot, school, ruby)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.receipt is not None, "the confiscation to be saved", 10)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ParentInformedDialog), "the dialog", 10)
        dialog = app.screen
        await settle(pilot)
        with another_program_holds_the_database(school.path):
            await pilot.press("enter")  # Record
            await pilot.press("enter")  # the double press: the focus is on Cancel now
            await pilot.click("#informed-cancel")
            assert app.screen is dialog, "closed while its answer was out"
            assert "saving" in message(app, "#informed-error")
            await wait_for(pilot, lambda: "NOT SAVED" in message(app, "#informed-error"), "NOT SAVED",
                           NOT_SAVED_WITHIN_SECONDS + 4)
            assert app.screen is dialog and actions("PARENT_INFORMED") == 0
        await pilot.press("escape")  # nothing out now: Esc closes it
        await settle(pilot)
        assert app.screen is screen and actions("PARENT_INFORMED") == 0
