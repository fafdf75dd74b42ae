"""The desk as the office meets it: sign in, scan, read the result, close the day, lock.

Pilot tests on the `school` fixture: a real SQLite file, real staff PINs, a fixed clock the tests move.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from textual import events
from textual.widgets import DataTable

from kiosk.app import KioskApp, make_app
from kiosk.clock import to_db
from kiosk.crash import CRASH_EXIT
from kiosk.custody import DeskCounts, Kind, Severity, State, close_day, desk_counts, hand_in, normalise, resolve
from kiosk.custody.codes import new_code
from kiosk.db import Custody, Event, Tag, database_proxy, resilience
from kiosk.screens.close_day import ConfirmCloseDay, UncollectedList
from kiosk.screens.desk import DeskScreen
from kiosk.screens.lock import LockScreen
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.widgets.desk_figures import DeskFigures
from kiosk.widgets.recent_list import RecentList
from kiosk.widgets.result_banner import ResultBanner
from kiosk.widgets.scan_box import ScanBox
from tests.conftest import OFFICE_PIN, make_school
from tests.reliability.harness import OwnPostgres, start_own_postgres
from tests.tui_helpers import burst, scan, screen_text, settle, shows_big, sign_in, type_keys


def desk_app(school, **overrides) -> KioskApp:
    settings = replace(school.settings, **overrides) if overrides else school.settings
    return make_app(settings=settings, keyring=school.keyring, clock=school.clock)


def custodies_of(school, pupil) -> list[Custody]:
    return list(Custody.select().where(Custody.tag == Tag.get(Tag.code == school.tag_of(pupil))))


def banner(app) -> ResultBanner:
    return app.screen.query_one(ResultBanner)


def signed_out_reasons() -> list[str]:
    return [e.payload_json for e in Event.select().where(Event.action == "SIGNED_OUT").order_by(Event.seq)]


async def test_desk_opens_locked_and_opens_after_initials_then_pin(school):
    async with desk_app(school).run_test() as pilot:
        app = pilot.app
        assert isinstance(app.screen, LockScreen)
        text = screen_text(app)
        assert "Desk locked" in text and "Hillcrest Academy" in text and "Reception 1" in text
        await type_keys(pilot, "AA")
        await pilot.press(*OFFICE_PIN)
        assert OFFICE_PIN not in screen_text(app), "the PIN must be masked while typed"
        await pilot.press("enter")
        await settle(pilot)  # the PIN is checked on the desk's worker: the desk opens when it answers
        assert isinstance(app.screen, DeskScreen)
        assert "Ann Adams (office)" in screen_text(app)
        assert shows_big(app, "HAND IN"), "08:30 opens in hand-in mode, in big letters"
        assert isinstance(app.focused, ScanBox)


async def test_wrong_pin_shows_the_domains_message_and_stays_locked(school):
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot, "AA", "111111")
        app = pilot.app
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1
        assert "Those initials and PIN do not match" in screen_text(app)
        assert "(4 more" in screen_text(app), "the domain's count of tries left is shown"
        # Back at step 1: the right details now open the desk.
        await sign_in(pilot)
        assert isinstance(app.screen, DeskScreen)


async def test_hand_in_by_tag_shows_handed_in_with_the_slot_and_opens_one_custody(school):
    ruby = school.pupils[4]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await type_keys(pilot, school.tag_of(ruby))  # key by key, as a scanner types
        app = pilot.app
        [custody] = custodies_of(school, ruby)
        assert custody.state == State.IN_OFFICE and custody.closed_at is None
        result = banner(app).result
        assert result.severity is Severity.OK and result.headline == "HANDED IN"
        assert result.slot == custody.slot == "7C-01"
        assert "-ok" in banner(app).classes
        assert shows_big(app, "✔ HANDED IN") and shows_big(app, "7C-01")
        text = screen_text(app)
        assert "Ruby Mitchell · 7C" in text and "SLOT" in text
        assert "in office 1" in text
        assert app.screen.query_one(ScanBox).value == ""


async def test_a_school_id_card_hands_in_the_pupils_phone(school):
    ruby = school.pupils[4]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await type_keys(pilot, ruby.mis_id)  # the admission number on the ID card's barcode
        assert banner(pilot.app).result.headline == "HANDED IN"
        assert banner(pilot.app).result.pupil == "Ruby Mitchell"
    assert [c.state for c in custodies_of(school, ruby)] == [State.IN_OFFICE]


async def test_rescan_says_already_in_and_never_opens_a_second_custody(school):
    ruby = school.pupils[4]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await scan(pilot, school.tag_of(ruby))
        school.clock.advance(seconds=5)
        await scan(pilot, school.tag_of(ruby))
        app = pilot.app
        result = banner(app).result
        assert result.severity is Severity.WARNING and result.headline == "ALREADY IN"
        assert "-warning" in banner(app).classes
        assert shows_big(app, "⚠ ALREADY IN")
        assert "Already in the office since 08:30, slot 7C-01." in screen_text(app)
        assert len(custodies_of(school, ruby)) == 1


async def test_the_same_scan_twice_within_the_repeat_window_is_ignored_quietly(school):
    ruby = school.pupils[4]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await scan(pilot, school.tag_of(ruby))
        await scan(pilot, school.tag_of(ruby))  # the clock has not moved: a double trigger
        app = pilot.app
        assert banner(app).result.headline == "HANDED IN", "a double read must not turn the result amber"
        assert len(app.screen.query_one(RecentList).scans) == 1
        assert "same scan ignored" in screen_text(app)


async def test_hand_back_returns_the_phone_and_counts_it(school):
    leo = school.pupils[5]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await scan(pilot, school.tag_of(leo))
        await pilot.press("f3")
        app = pilot.app
        assert shows_big(app, "HAND BACK")
        await scan(pilot, school.tag_of(leo))
        [custody] = custodies_of(school, leo)
        assert custody.state == State.RETURNED and custody.closed_at is not None
        assert banner(app).result.headline == "HANDED BACK" and banner(app).result.slot == "11B-01"
        assert "handed back today 1" in screen_text(app)
        await pilot.press("f2")
        assert shows_big(app, "HAND IN")


async def test_a_confiscated_phone_is_refused_at_hand_back_and_stays_held(school):
    zoe = school.pupils[0]
    tag = Tag.get(Tag.code == school.tag_of(zoe))
    now = to_db(school.clock.now())
    held = Custody.create(tag=tag, pupil=zoe, kind=Kind.CONFISCATED, state=State.HELD_FOR_PARENT,
                          slot_box="SAFE", slot_position=1, opened_at=now, opened_by=school.office.staff_id,
                          opened_desk="Reception 1", state_changed_at=now, reason="used in a lesson")
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await scan(pilot, tag.code)
        app = pilot.app
        result = banner(app).result
        # The headline names what was refused (from arm's length CONFISCATED could read as "confiscation done");
        # the line under it says why and what to do instead.
        assert result.severity is Severity.REFUSED and result.headline == "NOT HANDED BACK"
        assert result.slot is None, "a refused phone's slot is not offered"
        assert "-refused" in banner(app).classes and shows_big(app, "✖ NOT HANDED BACK")
        assert "Confiscated — held for a parent or carer (F6 release)" in screen_text(app)
    held = Custody.get_by_id(held.id)
    assert held.state == State.HELD_FOR_PARENT and held.closed_at is None


async def test_an_unknown_or_misread_code_shows_red_with_what_to_do(school):
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        stranger = new_code()
        await scan(pilot, stranger)
        app = pilot.app
        assert banner(app).result.headline == "UNKNOWN TAG" and "-refused" in banner(app).classes
        assert "is not on this kiosk" in screen_text(app) and "type the pupil's name" in screen_text(app)
        misread = school.tag_of(school.pupils[1])
        misread = misread[:-1] + ("A" if misread[-1] != "A" else "B")  # a wrong check character
        await scan(pilot, misread)
        assert banner(app).result.headline == "SCAN AGAIN"
        assert "did not read correctly" in screen_text(app)
    assert Custody.select().count() == 0


async def on_the_worker(pilot, run):
    """Run `run` on the desk's database worker (its own thread and connection, where the desk's jobs run), and
    return its answer (or the DeskError it raised)."""
    answers: list = []
    pilot.app.desk_worker.submit(run, owner=pilot.app, then=answers.append, failed=answers.append)
    assert await wait_until(pilot, lambda: bool(answers), timeout=20), "the worker never answered"
    return answers[0]


def busy_timeout(ms: int):
    """A job for the worker: this connection (the worker's own) waits at most `ms` for another program's lock."""
    return lambda: database_proxy.obj.execute_sql(f"PRAGMA busy_timeout = {ms}")


async def test_a_database_held_by_another_program_is_shown_not_crashed_on(school):
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        # Another program takes the write lock and keeps it past this desk's (shortened) busy timeout.
        await on_the_worker(pilot, busy_timeout(200))
        other = sqlite3.connect(school.path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            await scan(pilot, school.tag_of(school.pupils[4]))
            assert banner(pilot.app).result.headline == "NOT SAVED"
            assert "kept the database busy" in screen_text(pilot.app)
            assert pilot.app.is_running and isinstance(pilot.app.focused, ScanBox)
        finally:
            other.execute("ROLLBACK")
            other.close()
        # When the other program lets go, the same scan goes through.
        school.clock.advance(seconds=3)
        await scan(pilot, school.tag_of(school.pupils[4]))
        assert banner(pilot.app).result.headline == "HANDED IN"
    assert len(custodies_of(school, school.pupils[4])) == 1


async def test_typing_a_name_opens_the_picker_and_choosing_hands_in(school):
    ruby = school.pupils[4]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await type_keys(pilot, "mitch")
        app = pilot.app
        assert isinstance(app.screen, PupilPicker)
        text = screen_text(app)
        assert "Ruby Mitchell" in text and "7C" in text and "Year 7" in text and "MIS 100005" in text
        assert "HAND IN" in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DeskScreen)
        assert isinstance(app.focused, ScanBox), "the scan box has the focus back"
        assert banner(app).result.headline == "HANDED IN" and banner(app).result.pupil == "Ruby Mitchell"
        [custody] = custodies_of(school, ruby)
        assert custody.state == State.IN_OFFICE
        # Esc leaves the picker without touching anything.
        await type_keys(pilot, "webb")
        assert isinstance(app.screen, PupilPicker)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeskScreen) and isinstance(app.focused, ScanBox)
        assert custodies_of(school, school.pupils[5]) == []


async def test_a_name_nobody_has_says_so(school):
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await type_keys(pilot, "nobodyhere")
        assert isinstance(pilot.app.screen, DeskScreen)
        assert banner(pilot.app).result.headline == "NO MATCH"


async def test_close_of_day_asks_first_then_lists_the_uncollected_phone(school):
    zoe, leo = school.pupils[0], school.pupils[5]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await scan(pilot, school.tag_of(zoe))
        await scan(pilot, school.tag_of(leo))
        await pilot.press("f3")
        await scan(pilot, school.tag_of(leo))
        app = pilot.app
        await pilot.press("f9")
        assert isinstance(app.screen, ConfirmCloseDay)
        assert "1 phone is still in the office" in screen_text(app)
        await pilot.press("enter")  # Cancel has the focus: Enter alone changes nothing
        await pilot.pause()
        assert isinstance(app.screen, DeskScreen)
        assert custodies_of(school, zoe)[0].state == State.IN_OFFICE
        await pilot.press("f9", "y")
        await pilot.pause()
        assert isinstance(app.screen, UncollectedList)
        assert "1 phone uncollected" in screen_text(app)
        table = app.screen.query_one("#uncollected", DataTable)
        rows = [table.get_row_at(index) for index in range(table.row_count)]
        assert rows == [["9C", "Zoë Hall", "9C-01", "08:30", ""]], "only the phone nobody collected"
        assert "Zoë Hall" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeskScreen) and isinstance(app.focused, ScanBox)
        assert "uncollected 1" in screen_text(app)
    assert custodies_of(school, zoe)[0].state == State.UNCOLLECTED
    assert custodies_of(school, leo)[0].state == State.RETURNED


async def test_ctrl_l_locks_from_anywhere_and_leaves_no_pupil_on_screen(school):
    ruby = school.pupils[4]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await scan(pilot, school.tag_of(ruby))
        app = pilot.app
        desk = app.screen
        desk_banner, desk_recent = desk.query_one(ResultBanner), desk.query_one(RecentList)
        await type_keys(pilot, "ruby")  # the picker is open over the desk, full of names
        assert isinstance(app.screen, PupilPicker)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) and app.screen_stack == [app.screen]
        text = screen_text(app)
        for private in ("Ruby", "Mitchell", "7C", "HANDED"):
            assert private not in text
        assert "Desk locked" in text
        assert desk_banner.result is None and not desk_recent.display
        assert app.who is None and '"reason":"locked"' in signed_out_reasons()[-1].replace(" ", "")
        # Signing in again: a new desk screen with no result in its banner; the recent list is the desk's and
        # comes back (tests/test_tui_desk_odds.py: kept across a lock, never on the lock screen).
        await sign_in(pilot)
        assert isinstance(app.screen, DeskScreen) and app.screen is not desk
        assert [s.pupil for s in app.screen.query_one(RecentList).scans] == ["Ruby Mitchell"]
        assert banner(app).result is None


async def test_the_desk_locks_itself_after_the_idle_time_on_the_injected_clock(school):
    async with desk_app(school, idle_lock_seconds=10).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        school.clock.advance(seconds=9)
        app.lock_if_idle()
        assert isinstance(app.screen, DeskScreen)
        await pilot.press("f2")  # any key is activity
        school.clock.advance(seconds=9)
        app.lock_if_idle()
        assert isinstance(app.screen, DeskScreen), "a key press restarts the idle time"
        school.clock.advance(seconds=2)
        # No direct call now: the app's own timer must notice.
        for _ in range(40):
            if isinstance(app.screen, LockScreen):
                break
            await asyncio.sleep(0.05)
        assert isinstance(app.screen, LockScreen)
        assert '"reason":"idle"' in signed_out_reasons()[-1].replace(" ", "")


async def test_a_burst_of_scans_in_one_read_stays_apart(school):
    """Every key of five scans is queued before the app reads any (the scanner-burst trap, in Pilot)."""
    codes = [school.tag_of(p) for p in school.pupils[:5]]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        burst(pilot.app, codes)
        await pilot.pause()
        await pilot.pause()
        assert sorted(c.tag.code for c in Custody.select()) == sorted(codes)
        assert [s.headline for s in pilot.app.screen.query_one(RecentList).scans] == ["HANDED IN"] * 5
        assert pilot.app.screen.query_one(RecentList).scans[0].pupil == "Ruby Mitchell"


# ── the header figures: moved by each receipt, re-counted in the background ────────────────────────────────


def figures_shown(app) -> DeskCounts | None:
    return app.screen.query_one(DeskFigures).counts


def figures_counted(school) -> DeskCounts:
    return desk_counts(school.clock, school.settings)


async def wait_until(pilot, condition, timeout: float = 20.0) -> bool:
    """Let the app run (its timers and its background reading) until `condition()` or the time is up."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await pilot.pause(0.1)
    return True


async def test_the_figures_follow_each_receipt_with_no_recount(school):
    """With the background reading stopped, the receipts alone keep the header right: a burst of hand-ins, a
    re-scan that changes nothing, and hand-backs, one of them a phone left overnight."""
    leo = school.pupils[5]
    hand_in(school.ctx(), resolve(normalise(school.tag_of(leo))))
    close_day(school.ctx())  # Leo's phone stays overnight: uncollected 1
    school.clock.advance(days=1)  # the next day (handed back the same afternoon, it was not left overnight)
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        assert await wait_until(pilot, lambda: figures_shown(app) is not None)
        app.screen.poller.stop()  # from here on, nothing counts again: only the receipts move the figures
        await pilot.pause()
        assert figures_shown(app) == figures_counted(school) == DeskCounts(0, 0, 1, 6)

        codes = [school.tag_of(p) for p in school.pupils[:4]]
        burst(app, codes)
        await pilot.pause()
        await pilot.pause()
        assert figures_shown(app) == figures_counted(school) == DeskCounts(4, 0, 1, 6)
        school.clock.advance(seconds=5)
        await scan(pilot, codes[0])  # ALREADY IN: nothing changes
        assert banner(app).result.headline == "ALREADY IN"
        assert figures_shown(app) == figures_counted(school)

        await pilot.press("f3")
        await scan(pilot, codes[1])
        await scan(pilot, school.tag_of(leo))
        assert "left overnight" in banner(app).result.message
        await scan(pilot, school.tag_of(school.pupils[4]))  # never handed in: nothing changes
        assert figures_shown(app) == figures_counted(school) == DeskCounts(3, 2, 0, 6)
        assert "in office 3 · handed back today 2" in screen_text(app)
        assert "uncollected 0 · expected 6" in screen_text(app)


OTHER_DESK = """
import sys
from pathlib import Path
from kiosk.auth import sign_in
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.custody import DeskContext, hand_back, hand_in, normalise, resolve
from kiosk.db import open_database
from kiosk.keyring import load_key_file
from datetime import datetime
db, key, at, pin = sys.argv[1:5]
open_database(db)
keyring, clock = load_key_file(Path(key)), FixedClock(datetime.fromisoformat(at))
settings = Settings(school_name="Hillcrest Academy", desk="Reception 2")
who = sign_in(keyring=keyring, clock=clock, desk="Reception 2", who="AA", pin=pin)
ctx = DeskContext(keyring, clock, settings, who)
for step in sys.argv[5:]:
    action, code = step.split(":")
    print((hand_in if action == "in" else hand_back)(ctx, resolve(normalise(code))).outcome.value, flush=True)
"""


def another_desk(school, tmp_path, *steps: str) -> subprocess.Popen:
    """Reception 2, a process of its own on the same database file, doing `steps` ("in:CODE", "back:CODE")."""
    return subprocess.Popen(
        [sys.executable, "-c", OTHER_DESK, str(school.path), str(tmp_path / "config" / "kiosk.key"),
         school.clock.now().isoformat(), OFFICE_PIN, *steps],
        cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def test_another_desks_work_reaches_the_figures_through_a_burst(school, tmp_path):
    """Reception 2 hands phones in and back while this desk takes a burst: this desk's own scans show at once
    (from their receipts) and the other desk's arrive with the background re-count, with nothing counted twice."""
    mine, theirs = school.pupils[:3], school.pupils[3:]
    pre = hand_in(school.ctx(), resolve(normalise(school.tag_of(theirs[0]))))
    assert pre.outcome.value == "HANDED IN"
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        assert await wait_until(pilot, lambda: figures_shown(app) == DeskCounts(1, 0, 0, 6))
        other = another_desk(school, tmp_path, f"back:{school.tag_of(theirs[0])}",
                             *(f"in:{school.tag_of(p)}" for p in theirs[1:]))
        burst(app, [school.tag_of(p) for p in mine])
        await pilot.pause()
        out, err = other.communicate(timeout=60)
        assert other.returncode == 0, err
        assert out.split() == ["HANDED", "BACK", "HANDED", "IN", "HANDED", "IN"]
        assert [s.headline for s in app.screen.query_one(RecentList).scans] == ["HANDED IN"] * 3
        # In office: 3 of mine + 2 of theirs; handed back: 1 of theirs.
        assert figures_counted(school) == DeskCounts(5, 1, 0, 6)
        assert await wait_until(pilot, lambda: figures_shown(app) == figures_counted(school)), figures_shown(app)
        assert "in office 5 · handed back today 1" in screen_text(app)
        # And this desk's next hand-back shows at once, on top of what the other desk did.
        await pilot.press("f3")
        await scan(pilot, school.tag_of(theirs[1]))
        assert figures_shown(app) == figures_counted(school) == DeskCounts(4, 2, 0, 6)


# ── the database going away (a real PostgreSQL server of the test's own, stopped and started) ──────────────


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


def shows_unreachable(app) -> bool:
    return resilience.UNREACHABLE_BANNER.upper() in " ".join(screen_text(app).split()).upper()


async def test_the_unreachable_line_comes_and_goes_by_itself_with_the_server(school_on_postgres,
                                                                             stoppable_postgres):
    school = school_on_postgres
    async with desk_app(school).run_test(size=(100, 32)) as pilot:
        await sign_in(pilot)
        app = pilot.app
        assert await wait_until(pilot, lambda: figures_shown(app) is not None)
        assert not shows_unreachable(app)
        zoe = school.tag_of(school.pupils[0])
        stoppable_postgres.stop_server()
        # Nobody presses anything: the desk's own timer notices.
        assert await wait_until(pilot, lambda: shows_unreachable(app)), screen_text(app)
        text = " ".join(screen_text(app).split())
        assert "✖ DATABASE UNREACHABLE — DO NOT HAND PHONES BACK UNTIL IT RETURNS (since 08:30:" in text
        assert "cannot be reached" in text and "it reconnects by itself" in text
        assert "figures unavailable" in text
        # The desk still answers: a scan is refused plainly, F9 says why it cannot close the day.
        await scan(pilot, zoe)
        assert banner(app).result.headline in ("NOT SAVED", "NOT READ")
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, DeskScreen) and app.is_running
        assert "cannot be reached" in banner(app).result.message

        stoppable_postgres.start_server()
        assert await wait_until(pilot, lambda: not shows_unreachable(app)), screen_text(app)
        assert await wait_until(pilot, lambda: figures_shown(app) == figures_counted(school))
        school.clock.advance(seconds=5)
        await scan(pilot, zoe)
        assert banner(app).result.headline == "HANDED IN"
        assert figures_shown(app) == figures_counted(school) == DeskCounts(1, 0, 0, 6)


def backends_of(server: OwnPostgres, url: str) -> list[int]:
    name = url.rsplit("/", 1)[1]
    return [pid for (pid,) in server.admin("SELECT pid FROM pg_stat_activity WHERE datname = %s", name)]


async def test_a_hung_database_server_never_freezes_the_desk(school_on_postgres, stoppable_postgres):
    """Every server process serving this desk is frozen (SIGSTOP: a server that accepts and never answers, the
    worst kind of outage). The background reading hangs and so does a scan's hand-in; the desk must still take
    keys, say SAVING, and show the hand-in once the server answers. A watchdog thaws the server after a while, so a
    desk that did freeze fails this test rather than hanging it."""
    school = school_on_postgres
    zoe, ruby = school.pupils[0], school.pupils[4]
    rubys = school.tag_of(ruby)  # read now: the test's own connection is frozen with the rest
    async with desk_app(school).run_test(size=(100, 32)) as pilot:
        await sign_in(pilot)
        app = pilot.app
        desk = app.screen
        assert await wait_until(pilot, lambda: figures_shown(app) is not None)
        await scan(pilot, school.tag_of(zoe))  # the worker's own connection is open (and will be frozen too)
        assert banner(app).result.headline == "HANDED IN"
        frozen = backends_of(stoppable_postgres, school.url)
        assert len(frozen) >= 3, "the desk's connections: its own, the figures' reading and the worker's"
        thawed = threading.Event()

        def thaw() -> None:
            thawed.set()
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)

        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        watchdog = threading.Timer(45.0, thaw)
        watchdog.start()
        try:
            desk.poll()  # a reading now starts and hangs on the frozen server
            assert await wait_until(pilot, lambda: desk.poller.busy)
            burst(app, [rubys])  # its hand-in hangs on the frozen server too
            await pilot.pause(0.3)
            assert desk.saving and shows_big(app, "SAVING...") and not thawed.is_set()
            await pilot.press(*"webb")
            assert await wait_until(pilot, lambda: "webb" in screen_text(app), timeout=2), "typed keys must show"
            await pilot.press("ctrl+u", "f3")
            await pilot.pause()
            assert shows_big(app, "HAND BACK") and not thawed.is_set(), "the desk froze with the server"
            await pilot.press("f2")
            await pilot.pause()
            assert shows_big(app, "HAND IN") and not thawed.is_set(), "the desk froze with the server"
            assert desk.saving and banner(app).result is None, "nothing shown before the server answers"
        finally:
            watchdog.cancel()
            thaw()
        assert await wait_until(pilot, lambda: not desk.poller.busy)
        assert await wait_until(pilot, lambda: not desk.saving)
        assert banner(app).result.headline == "HANDED IN" and banner(app).result.pupil == "Ruby Mitchell"
    assert [c.state for c in custodies_of(school, ruby)] == [State.IN_OFFICE]


async def test_typing_shows_in_the_box_and_editing_keys_act_on_every_character_typed(school):
    """The scan box takes a burst's characters together; a person still sees what they type, and Backspace
    or the arrows act on all of it, in order."""
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        await pilot.press(*"webb")
        assert await wait_until(pilot, lambda: "webb" in screen_text(app)), "typed letters appear in the box"
        await pilot.press("ctrl+u")  # Input's own key: clear to the start
        # Then every key at once, as a burst arrives in one read: the editing keys land among typed letters.
        keys = [*"mitx", "backspace", *"ch", "left", "left", "left", "delete", "t", "end", "enter"]
        for key in keys:
            app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, PupilPicker), "'mitch' was typed: the picker opens on Ruby Mitchell"
        assert "Ruby Mitchell" in screen_text(app) and "'mitch'" in screen_text(app)


async def test_close_of_day_counts_the_phones_left_from_earlier_days_as_its_list_does(school):
    leo, zoe = school.pupils[5], school.pupils[0]
    hand_in(school.ctx(), resolve(normalise(school.tag_of(leo))))
    close_day(school.ctx())
    school.clock.advance(days=1)  # Leo's phone is still here the next morning
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        await scan(pilot, school.tag_of(zoe))
        await pilot.press("f9")
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "1 phone is still in the office, and 1 more left from an earlier day" in text
        await pilot.press("y")
        await pilot.pause()
        assert "2 phones uncollected" in screen_text(app)
        table = app.screen.query_one("#uncollected", DataTable)
        rows = [table.get_row_at(index) for index in range(table.row_count)]
        assert [row[1] for row in rows] == ["Zoë Hall", "Leo Webb"]
        assert rows[1][4] == "earlier day" and rows[0][4] == ""


async def test_a_new_mode_dims_the_last_result_until_the_next_scan(school):
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        await pilot.press("f3")
        await scan(pilot, school.tag_of(school.pupils[4]))  # never handed in: amber NOT HANDED IN
        assert banner(app).result.headline == "NOT HANDED IN" and "-previous" not in banner(app).classes
        lit = banner(app).styles.background
        await pilot.press("f2")
        await pilot.pause()
        assert banner(app).result.headline == "NOT HANDED IN" and "-previous" in banner(app).classes
        assert banner(app).styles.tint.a > 0, "dimmed: not this mode's result"
        await scan(pilot, school.tag_of(school.pupils[4]))
        assert banner(app).result.headline == "HANDED IN" and "-previous" not in banner(app).classes
        assert banner(app).styles.tint.a == 0 and lit != banner(app).styles.background


def test_a_hand_back_says_where_the_phone_came_from(school):
    """The desk's figures move by the receipt's from_state (not by the words of its message)."""
    from kiosk.custody import hand_back

    leo, zoe = school.pupils[5], school.pupils[0]
    hand_in(school.ctx(), resolve(normalise(school.tag_of(leo))))
    close_day(school.ctx())  # Leo's phone is left overnight
    hand_in(school.ctx(), resolve(normalise(school.tag_of(zoe))))
    overnight = hand_back(school.ctx(), resolve(normalise(school.tag_of(leo))))
    today = hand_back(school.ctx(), resolve(normalise(school.tag_of(zoe))))
    assert (overnight.from_state, today.from_state) == (State.UNCOLLECTED, State.IN_OFFICE)
    assert hand_in(school.ctx(), resolve(normalise(school.tag_of(zoe)))).from_state is None
    # Whatever its words say, the receipt moves the figures the right way.
    from kiosk.custody.desk import counts_after

    worded_otherwise = replace(overnight, message=f"Slot {overnight.slot}")
    assert counts_after(DeskCounts(0, 0, 1, 6), worded_otherwise) == DeskCounts(0, 1, 0, 6)


async def test_a_confiscated_phone_scanned_at_hand_in_is_not_handed_in_and_says_why(school):
    zoe = school.pupils[0]
    tag = Tag.get(Tag.code == school.tag_of(zoe))
    now = to_db(school.clock.now())
    Custody.create(tag=tag, pupil=zoe, kind=Kind.CONFISCATED, state=State.HELD_FOR_PARENT, slot_box="SAFE",
                   slot_position=1, opened_at=now, opened_by=school.office.staff_id, opened_desk="Reception 1",
                   state_changed_at=now, reason="used in a lesson")
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        await pilot.press("f2")
        await scan(pilot, tag.code)
        app = pilot.app
        result = banner(app).result
        assert result.severity is Severity.REFUSED and result.headline == "NOT HANDED IN"
        assert shows_big(app, "✖ NOT HANDED IN")
        assert "Confiscated — held for a parent or carer (F6 release)" in screen_text(app)
        assert "✖ NOT HANDED IN" in str(app.screen.query_one(RecentList).render())


def test_the_picker_rows_have_no_dim_parts_to_vanish_on_the_highlight(school):
    from kiosk.custody import PupilSummary

    aoife = school.pupils[1]
    line = PupilPicker._line(replace(PupilSummary.of(aoife), legal_name="Aoife Legal"))
    assert f"MIS {aoife.mis_id}" in line.plain and "legal name Aoife Legal" in line.plain
    assert not any("dim" in str(span.style) for span in line.spans)


def test_a_held_phone_at_hand_back_is_not_handed_back_and_names_the_dsl(school):
    from kiosk.custody import Mode, hand_back
    from kiosk.screens.desk import receipt_result

    leo = school.pupils[5]
    tag = Tag.get(Tag.code == school.tag_of(leo))
    now = to_db(school.clock.now())
    Custody.create(tag=tag, pupil=leo, kind=Kind.CONFISCATED, state=State.SAFEGUARDING_HOLD, slot_box="SAFE",
                   slot_position=2, opened_at=now, opened_by=school.office.staff_id, opened_desk="Reception 1",
                   state_changed_at=now, reason="used in a lesson", dsl_flag=True)
    receipt = hand_back(school.ctx(), resolve(normalise(tag.code)))
    result = receipt_result(receipt, Mode.HAND_BACK)
    assert (result.severity, result.icon, result.headline) == (Severity.REFUSED, "✖", "NOT HANDED BACK")
    assert result.message == "Held — do not hand back: refer to the Designated Safeguarding Lead"
    assert result.slot is None


# ── the desk never waits on the database: its one serial worker (kiosk/widgets/desk_worker.py) ──────────────


@contextmanager
def another_program_holds_the_database(path):
    """Another program takes SQLite's write lock (BEGIN IMMEDIATE) and keeps it until the block ends: every write
    of the desk waits for it (up to its busy timeout), as when a backup or another desk holds the file."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def record_banner(app) -> list:
    """Every result the desk's banner is given from now on, in order (the banner shows each in turn)."""
    shown: list = []
    banner_widget = banner(app)
    show = banner_widget.show

    def recording(result) -> None:
        shown.append(result)
        show(result)

    banner_widget.show = recording  # type: ignore[method-assign]
    return shown


def handed_in_codes() -> list[str]:
    """The tags of the HANDED_IN events, in the order the trail has them."""
    return [Tag.get_by_id(e.tag_id).code for e in Event.select().where(Event.action == "HANDED_IN").order_by(Event.seq)]


async def test_a_burst_while_the_database_is_held_is_queued_in_order_echoes_keys_and_is_shown_in_turn(school):
    """Five scans arrive in one read while another program holds the database: the desk goes on taking keys, says
    SAVING for all five, hands in nothing before the database answers, then saves and shows each in scan order."""
    pupils = school.pupils[:5]
    codes = [school.tag_of(p) for p in pupils]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        desk = app.screen
        shown = record_banner(app)
        with another_program_holds_the_database(school.path):
            burst(app, codes)
            await pilot.pause(0.3)
            assert desk.saving and banner(app).saving
            assert shows_big(app, "SAVING...") and "saving 5 scans…" in screen_text(app)
            assert "Waiting for the database to save 5 scans. Keep the phone until this says HANDED IN." in \
                " ".join(screen_text(app).split())
            assert shown == [] and not app.screen.query_one(RecentList).scans, "no result before the database answers"
            assert Custody.select().count() == 0
            # A person types meanwhile: every key reaches the box and shows.
            await pilot.press(*"webb")
            assert await wait_until(pilot, lambda: "webb" in screen_text(app), timeout=2), screen_text(app)
            assert app.screen.query_one(ScanBox).value == "webb"
            await pilot.press("ctrl+u")
            assert desk.saving, "still waiting: nothing was given up while the keys were taken"
        assert await wait_until(pilot, lambda: not desk.saving, timeout=20)
        await pilot.pause()
        assert [(r.headline, r.pupil) for r in shown] == [("HANDED IN", p.display_name) for p in pupils]
        assert [s.pupil for s in app.screen.query_one(RecentList).scans] == [p.display_name for p in reversed(pupils)]
        assert not banner(app).saving and "saving" not in screen_text(app)
        assert figures_shown(app) in (None, figures_counted(school)), "the figures moved by each receipt, once"
    assert handed_in_codes() == codes, "saved in the order scanned"


async def test_success_is_never_shown_before_the_database_has_answered(school, monkeypatch):
    """The hand-in job is held on an Event the test controls: until it is let go the desk says SAVING (no earlier
    result left to read as this one's), the trail has no hand-in, and the figures do not move."""
    import kiosk.screens.desk as desk_module

    gate = threading.Event()
    real = desk_module.hand_over_scan

    def held_until_let_go(*args, **kwargs):
        assert gate.wait(20), "the test never let the job go"
        return real(*args, **kwargs)

    monkeypatch.setattr(desk_module, "hand_over_scan", held_until_let_go)
    ruby, leo = school.pupils[4], school.pupils[5]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        assert await wait_until(pilot, lambda: figures_shown(app) is not None)
        gate.set()
        await scan(pilot, school.tag_of(leo))  # a first result, which must not linger as the next scan's
        assert banner(app).result.headline == "HANDED IN" and banner(app).result.pupil == "Leo Webb"
        before = figures_shown(app)
        gate.clear()
        burst(app, [school.tag_of(ruby)])
        await pilot.pause(0.3)
        assert banner(app).saving and banner(app).result is None
        text = screen_text(app)
        assert "Leo Webb" not in text.split("recent scans")[0], "the last result is not left to be read as this one"
        assert "Ruby Mitchell" not in text and "saving…" in text
        assert figures_shown(app) == before, "the figures move only by a saved receipt"
        assert custodies_of(school, ruby) == []
        gate.set()
        assert await wait_until(pilot, lambda: banner(app).result is not None, timeout=10)
        assert banner(app).result.headline == "HANDED IN" and banner(app).result.pupil == "Ruby Mitchell"
        assert [c.state for c in custodies_of(school, ruby)] == [State.IN_OFFICE]
        assert figures_shown(app).in_office == before.in_office + 1


@pytest.mark.parametrize("slow", [False, True], ids=["answered-at-once", "answered-later"])
async def test_a_bug_in_a_desk_job_reaches_the_crash_handler(school, monkeypatch, slow):
    """A job that raises something other than a DeskError is a bug: it must end the app as any bug in a key handler
    does (Textual's crash handler, a non-zero exit), not vanish with the worker's thread nor read as NOT SAVED —
    whether the answer came within the Enter's frame or by message afterwards."""
    import time

    import kiosk.screens.desk as desk_module

    def broken(*args, **kwargs):
        if slow:
            time.sleep(0.3)  # past the moment the desk waits: the answer comes by message
        raise ZeroDivisionError("a bug in the hand-in job")

    monkeypatch.setattr(desk_module, "hand_over_scan", broken)
    app = desk_app(school)
    with pytest.raises(ZeroDivisionError, match="a bug in the hand-in job"):
        async with app.run_test() as pilot:
            await sign_in(pilot)
            burst(app, [school.tag_of(school.pupils[4])])
            await pilot.pause(1.0)
            assert not app.is_running, "the bug was swallowed: the desk carried on"
    assert app.return_code == CRASH_EXIT  # non-zero, for the supervisor (kiosk/crash.py)


async def test_locking_while_a_scan_is_saving_keeps_its_answer_and_names_no_pupil_on_the_lock_screen(school):
    """Ctrl+L while the database is held: the desk locks at once; the scan is still saved when the database lets go,
    its answer is told on the lock screen without a name, and the sign-out comes after it in the trail."""
    ruby = school.pupils[4]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        with another_program_holds_the_database(school.path):
            burst(app, [school.tag_of(ruby)])
            await pilot.pause(0.3)
            assert app.screen.saving
            await pilot.press("ctrl+l")
            await pilot.pause()
            assert isinstance(app.screen, LockScreen) and app.screen_stack == [app.screen]
            assert "Ruby" not in screen_text(app) and "SAVING" not in screen_text(app)
        told = "A scan made as the desk locked: ✔ HANDED IN."
        assert await wait_until(pilot, lambda: any(told == str(n.message) for n in app._notifications), timeout=20)
        await pilot.pause()
        assert not any("Ruby" in str(n.message) or "Mitchell" in str(n.message) for n in app._notifications)
        assert "Ruby" not in screen_text(app) and isinstance(app.screen, LockScreen)
        assert await wait_until(pilot, lambda: app.desk_worker.outstanding == 0, timeout=20)
    assert [c.state for c in custodies_of(school, ruby)] == [State.IN_OFFICE], "the scan was saved, not lost"
    trail = [e.action for e in Event.select().order_by(Event.seq)]
    assert trail[-2:] == ["HANDED_IN", "SIGNED_OUT"], "the sign-out waited behind the scan made before it"


async def test_scans_refused_after_the_desk_locked_are_told_in_one_toast_not_one_each(school):
    """Tried at 80x24: four scans NOT SAVED after Ctrl+L came back as four identical toasts over the scan box."""
    codes = [school.tag_of(pupil) for pupil in school.pupils[:4]]
    async with desk_app(school).run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        app = pilot.app
        with another_program_holds_the_database(school.path):
            burst(app, codes)
            await pilot.pause(0.3)
            await pilot.press("ctrl+l")
            await pilot.pause()
            assert isinstance(app.screen, LockScreen)
            assert await wait_until(pilot, lambda: app.desk_worker.outstanding == 0, timeout=30)
        await pilot.pause()
        said = [str(n.message) for n in app._notifications if "as the desk locked" in str(n.message)]
        assert len(said) == 1, said
        assert said[0].startswith("A scan made as the desk locked: ✖ NOT SAVED") and said[0].endswith("(× 4)")
    assert all(custodies_of(school, pupil) == [] for pupil in school.pupils[:4])


async def test_a_scan_not_saved_because_the_lock_was_held_too_long_is_shown_in_turn_and_can_be_scanned_again(school):
    """The worker's busy timeout is shortened to 300 ms: a write that waits that long becomes NOT SAVED, the desk
    having said SAVING meanwhile; the next scan of the same tag (at once) is a new attempt and goes through."""
    ruby = school.pupils[4]
    async with desk_app(school).run_test() as pilot:
        await sign_in(pilot)
        app = pilot.app
        await on_the_worker(pilot, busy_timeout(300))
        shown = record_banner(app)
        with another_program_holds_the_database(school.path):
            burst(app, [school.tag_of(ruby)])
            await pilot.pause(0.1)
            assert app.screen.saving and banner(app).saving
            assert await wait_until(pilot, lambda: not app.screen.saving, timeout=10)
        assert [r.headline for r in shown] == ["NOT SAVED"] and "kept the database busy" in shown[0].message
        await scan(pilot, school.tag_of(ruby))  # the same code within the repeat window: not a double read now
        assert banner(app).result.headline == "HANDED IN"
    assert len(custodies_of(school, ruby)) == 1


async def test_the_worker_ends_with_the_app_and_closes_its_own_connection(school):
    app = desk_app(school)
    closed: list[bool] = []
    async with app.run_test() as pilot:
        await sign_in(pilot)
        await scan(pilot, school.tag_of(school.pupils[4]))
        worker = app.desk_worker
        thread = worker._thread
        close = worker.on_exit

        def closing() -> None:
            close()
            closed.append(database_proxy.obj.is_closed())  # this thread's connection, as the worker ends

        worker.on_exit = closing
    thread.join(5)
    assert not thread.is_alive() and closed == [True]
