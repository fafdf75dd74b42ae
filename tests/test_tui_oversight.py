"""Office oversight as the office manager, the DSL and the head meet it: the dashboard (F7) that keeps up with
other desks by itself, the pupil view (F4), reports (F11), the end of day and the stock-take (Ctrl+T).

Pilot tests on the `school` fixture (real SQLite file, real PINs, fixed clock). Screens that read in worker
threads are waited for with a deadline, never a fixed sleep. Set KIOSK_SHOTS_DIR to keep SVG screenshots.
"""

from __future__ import annotations

import asyncio
import json
import stat
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from kiosk.custody import hand_back, hand_in, normalise, resolve
from kiosk.custody.safeguarding import add_dsl_note, flag_safeguarding
from kiosk.db import Event
from kiosk.documents.saved import papers_dir
from kiosk.reports.figures import confiscation_figures, daily_lines, search_figures
from kiosk.reports.periods import period
from kiosk.screens.dashboard import OVERDUE, DashboardScreen
from kiosk.screens.pupil import REFER, PupilScreen
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.reports import ReportsScreen
from kiosk.screens.stocktake import EndOfDayScreen, StocktakeScreen
from kiosk.widgets.bar_chart import BarChart
from kiosk.widgets.bar_list import BarList
from tests.test_confiscation import DSL_PIN, as_role, take
from tests.test_tui_confiscation import CANARY, everything_on_screens, kiosk, shot
from tests.tui_helpers import burst, scan, screen_text, sign_in, type_keys

NOTE_CANARY = "CANARY-77d1 second note about the family"

# A second desk, in another process: opens the same SQLite file and hands phones in through the domain.
OTHER_DESK = """
import sys
from datetime import datetime
from pathlib import Path
from kiosk.auth import SignedIn
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.custody import DeskContext, hand_in, normalise, resolve
from kiosk.db import open_database
from kiosk.keyring import load_key_file
open_database(sys.argv[1])
who = SignedIn(staff_id=1, name="Ann Adams", initials="AA", role="office", desk="Reception 2")
ctx = DeskContext(load_key_file(Path(sys.argv[2])), FixedClock(datetime.fromisoformat(sys.argv[3])),
                  Settings(desk="Reception 2"), who)
for code in sys.argv[4:]:
    hand_in(ctx, resolve(normalise(code)))
print("done")
"""


def flat(text: str) -> str:
    """Words with runs of spaces collapsed (figures are laid out in padded columns)."""
    return " ".join(text.split())


def words(app, selector: str) -> str:
    content = app.screen.query_one(selector, Static).content
    return flat(content.plain if isinstance(content, Text) else str(content))


def rows(app, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell.plain if isinstance(cell, Text) else cell) for cell in table.get_row_at(index)]
            for index in range(table.row_count)]


async def wait_for(pilot, condition: Callable[[], bool], what: str, seconds: float = 8.0) -> None:
    """Let the app run (no key pressed) until `condition` holds, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds} s waiting for {what}")
        await pilot.pause(0.1)


def do(school, action, pupil_index: int, who=None):
    return action(school.ctx(who), resolve(normalise(school.tag_of(school.pupils[pupil_index]))))


def a_busy_morning(school) -> None:
    """Zoë, Łukasz, Minh and Aoife hand in; Zoë's phone goes back; Leo's was confiscated a week ago (overdue)
    and Ruby's this morning."""
    for index in (0, 1, 2, 3):
        do(school, hand_in, index)
    school.clock.advance(minutes=5)
    do(school, hand_back, 0)
    now = school.clock.now()
    school.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    take(school, 5, seal="BAG-0007")
    school.clock.set(now)
    take(school, 4, seal="BAG-0009", reason="used on site")


def on_a_safeguarding_hold(school) -> int:
    """Leo's phone, confiscated and put on a hold by the DSL with a concern and a second note."""
    dsl = as_role(school, "PS")
    receipt = take(school, 5, seal="BAG-0042")
    flag_safeguarding(school.ctx(dsl), receipt.custody_id, concern=CANARY, acknowledged=True)
    add_dsl_note(school.ctx(dsl), receipt.custody_id, NOTE_CANARY)
    return receipt.custody_id


async def open_dashboard(pilot) -> DashboardScreen:
    await pilot.press("f7")
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    await wait_for(pilot, lambda: screen.board is not None, "the dashboard's first reading")
    return screen


async def sign_in_as_dsl(pilot) -> None:
    await sign_in(pilot, "PS", DSL_PIN)
    await pilot.pause()
    if pilot.app.screen.__class__.__name__ == "HoldsAlert":
        await pilot.press("escape")  # "later": the alert about open holds
        await pilot.pause()


# ── dashboard ───────────────────────────────────────────────────────────────────────────────────────────
async def test_dashboard_shows_the_days_counts_by_form_and_the_trend(school):
    a_busy_morning(school)
    async with kiosk(school).run_test(size=(160, 45)) as pilot:
        app = pilot.app
        await sign_in(pilot)
        await open_dashboard(pilot)
        figures = words(app, "#dash-figures")
        for line in ("In the office now 3", "Handed in today 4", "Handed back today 1",
                     "Uncollected, earlier days 0", "Held for parents 2", "Exceptions today 0"):
            assert line in figures, f"{line!r} not in {figures!r}"
        assert "Label printer ✔ ready" in words(app, "#dash-printer")
        by_form = {row[0]: row[1:] for row in rows(app, "#forms")}
        # Form: on roll, handed in today, handed back today, in the office now.
        assert by_form["9C"] == ["2", "2", "1", "1"]
        assert by_form["10HA"] == ["1", "1", "0", "1"] and by_form["7C"] == ["2", "1", "0", "1"]
        assert by_form["11B"] == ["1", "0", "0", "0"] and by_form["All"] == ["6", "4", "1", "3"]
        held = {row[0]: row for row in rows(app, "#held")}
        assert set(held) == {"Leo Webb", "Ruby Mitchell"}
        trend = app.screen.query_one("#dash-trend", BarChart)
        weeks = dict(trend.bars)
        assert weeks["23/11"] == 1 and weeks["30/11"] == 1 and sum(weeks.values()) == 2
        assert trend.bars[trend.highlight][0] == "30/11", "this week is picked out"
        shot(app, "dashboard")


async def test_an_overdue_phone_and_a_printer_that_is_not_ready_are_flagged_in_words(school):
    a_busy_morning(school)  # Leo's phone: confiscated Mon 23 Nov, 7 days ago; the limit is 5 days
    async with kiosk(school, label_printer_kind="cups", label_printer="NO_SUCH_QUEUE").run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        screen = await open_dashboard(pilot)
        held = {row[0]: row for row in rows(app, "#held")}
        assert held["Leo Webb"][3] == "7 days" and held["Leo Webb"][5] == OVERDUE
        assert held["Ruby Mitchell"][3] == "today" and held["Ruby Mitchell"][5] == ""
        assert "Held for parents 2 ⚠ 1 OVERDUE" in words(app, "#dash-figures")
        await wait_for(pilot, lambda: screen.printer is not None, "the printer check")
        printer = words(app, "#dash-printer")
        assert printer.startswith("Label printer ✖ not ready: ") and "CUPS queue NO_SUCH_QUEUE" in printer


async def test_dashboard_catches_up_with_another_desk_by_itself(school, tmp_path):
    codes = [school.tag_of(p) for p in school.pupils[:3]]
    seen: list[object] = []
    async with kiosk(school).run_test(message_hook=seen.append) as pilot:
        app = pilot.app
        await sign_in(pilot)
        screen = await open_dashboard(pilot)
        assert "In the office now 0" in words(app, "#dash-figures")
        other_desk = await asyncio.create_subprocess_exec(
            sys.executable, "-c", OTHER_DESK, str(school.path), str(tmp_path / "config" / "kiosk.key"),
            school.clock.now().isoformat(), *codes, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(other_desk.communicate(), timeout=30)
        assert other_desk.returncode == 0, err.decode()
        # No key is pressed from here on: the dashboard reads again by itself.
        await wait_for(pilot, lambda: "In the office now 3" in words(app, "#dash-figures"),
                       "the dashboard to show the other desk's three hand-ins", seconds=6)
        assert "Handed in today 3" in words(app, "#dash-figures")
        assert {row[0]: row[4] for row in rows(app, "#forms")}["9C"] == "2"
        assert isinstance(app.screen, DashboardScreen) and app.screen is screen
    refreshed = [m for m in seen if isinstance(m, DashboardScreen.Refreshed)]
    assert len(refreshed) >= 2, "the worker posted a fresh reading more than once"


async def test_a_slow_database_never_holds_up_the_keyboard(school, monkeypatch):
    import kiosk.screens.dashboard as dashboard_screen

    real = dashboard_screen.dashboard
    started: list[float] = []

    def slow_dashboard(*args, **kwargs):
        started.append(time.monotonic())
        time.sleep(1.5)  # a database busy with another desk's writes
        return real(*args, **kwargs)

    monkeypatch.setattr(dashboard_screen, "dashboard", slow_dashboard)
    async with kiosk(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        await pilot.press("f7")
        await wait_for(pilot, lambda: bool(started), "the first reading to start")
        before = time.monotonic()
        await pilot.press("escape")  # while the worker is still reading
        assert time.monotonic() - before < 1.0, "the key waited for the database"
        assert not isinstance(app.screen, DashboardScreen)
        assert time.monotonic() - started[0] < 1.5, "the reading was still going when the key was handled"


async def test_safeguarding_holds_are_counted_for_the_dsl_and_not_shown_to_the_office(school):
    on_a_safeguarding_hold(school)
    async with kiosk(school).run_test() as pilot:
        await sign_in(pilot)
        screen = await open_dashboard(pilot)
        assert screen.board.safeguarding_holds is None
        assert "Safeguarding" not in everything_on_screens(pilot.app)
    async with kiosk(school).run_test() as pilot:
        await sign_in_as_dsl(pilot)
        await open_dashboard(pilot)
        assert "Safeguarding holds 1 restricted" in words(pilot.app, "#dash-figures")
        shot(pilot.app, "dashboard-dsl")


# ── pupil view ──────────────────────────────────────────────────────────────────────────────────────────
async def test_pupil_found_by_an_accent_free_partial_name_shows_their_page_and_history(school):
    do(school, hand_in, 2)  # Minh Nguyễn (legal name Thi Minh)
    school.clock.advance(hours=7)
    do(school, hand_back, 2)
    async with kiosk(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        await pilot.press("f4")
        assert isinstance(app.screen, PupilScreen)
        await type_keys(pilot, "nguy")  # no accent, part of the surname
        title = words(app, "#pupil-title")
        assert "Minh Nguyễn · 10HA · Year 10 · MIS 100003" in title and "legal name Thi Minh Nguyễn" in title
        assert words(app, "#pupil-now").startswith("✔ No phone of theirs is in the office now.")
        assert school.tag_of(school.pupils[2]) in words(app, "#pupil-tags")
        carers = words(app, "#pupil-carers")
        assert "1. Mrs Dana Nguyễn (Mother) · 07700900001 · ✔ parental responsibility" in carers
        assert "2. Mr Joe Nguyễn (Grandparent) · 07700900002 · no parental responsibility" in carers
        history = rows(app, "#history")
        assert [row[1] for row in history] == ["handed back · slot 10HA-01", "handed in · slot 10HA-01"]
        assert history[1][0] == "Mon 30 Nov 2026 08:30" and history[1][2:] == ["Reception 1", "Ann Adams"]
        shot(app, "pupil")

        await type_keys(pilot, "zoe")  # the next search is just typing: Zoë Hall
        assert "Zoë Hall · 9C" in words(app, "#pupil-title")
        await type_keys(pilot, "9c")  # a form: both pupils to choose from
        assert isinstance(app.screen, PupilPicker)
        assert "Łukasz Nowakowski" in screen_text(app) and "Zoë Hall" in screen_text(app)


async def test_office_sees_a_held_phone_only_as_refer_to_the_dsl_and_the_dsl_sees_the_hold(school):
    on_a_safeguarding_hold(school)
    async with kiosk(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        await pilot.press("f4")
        await type_keys(pilot, "webb")
        assert words(app, "#pupil-now").startswith("✖ Held — refer to the DSL.")
        assert [row[1] for row in rows(app, "#history")] == [REFER]
        text = everything_on_screens(app)
        assert "CANARY" not in text and "BAG-0042" not in text and "safeguarding hold" not in text.lower()
    async with kiosk(school).run_test() as pilot:
        app = pilot.app
        await sign_in_as_dsl(pilot)
        await pilot.press("f4")
        await type_keys(pilot, "webb")
        assert "On a safeguarding hold since" in words(app, "#pupil-now")
        what = [row[1] for row in rows(app, "#history")]
        assert "safeguarding hold placed" in what and "confiscated · used in lesson · bag BAG-0042" in what
        assert "CANARY" not in everything_on_screens(app), "note text is never on the pupil page, even for the DSL"


# ── reports ─────────────────────────────────────────────────────────────────────────────────────────────
async def test_reports_match_the_figures_and_save_a_csv_and_the_review_pack(school):
    a_busy_morning(school)
    async with kiosk(school).run_test(size=(160, 45)) as pilot:
        app = pilot.app
        await sign_in(pilot)
        await pilot.press("f11")
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        today = school.clock.now().date()
        for key, kind in (("w", "week"), ("t", "term")):
            await pilot.press(key)
            expected = period(kind, today, school.settings)
            await wait_for(pilot, lambda e=expected: screen.figures is not None and screen.figures.period == e,
                           f"the {kind}'s figures")
            days = daily_lines(expected, school.settings)
            conf = confiscation_figures(expected, school.settings)
            summary = words(app, "#report-summary")
            assert f"Phones handed in {sum(d.handed_in for d in days)}" in summary
            assert f"Phones handed back {sum(d.handed_back for d in days)}" in summary
            assert f"Confiscations {conf.total} released {conf.released} · still held {conf.still_held}" in summary
            assert f"Searches {search_figures(expected, school.settings).total}" in summary
            assert app.screen.query_one("#by-reason", BarList).bars == list(conf.by_reason.items())
            assert app.screen.query_one("#by-form", BarList).bars == list(conf.by_form.items())
            assert expected.label in words(app, "#report-heading")
        assert conf.total == 2 and "Safeguarding" not in everything_on_screens(app), "counts only for DSL/head"

        await pilot.press("c")
        await pilot.press("p")
        await wait_for(pilot, lambda: len(screen.saved) == 2, "the CSV and the review pack to be saved")
        csv_path, pdf_path = sorted(screen.saved, key=lambda p: p.suffix)
        for path in (csv_path, pdf_path):
            assert path.is_file() and path.parent.parent == papers_dir()
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, "reports name pupils: the desk's account only"
            assert str(path) in everything_on_screens(app), "the office is told where the file is"
        assert pdf_path.read_bytes().startswith(b"%PDF")
        csv = csv_path.read_text(encoding="utf-8-sig")
        assert csv.startswith("section,item,measure,value\n")
        assert "confiscations by reason,used in lesson,count,1" in csv and "totals,phones,handed in,4" in csv
        shot(app, "reports")


# ── end of day and stock-take ───────────────────────────────────────────────────────────────────────────
async def test_end_of_day_reconciles_by_form_lists_who_is_still_in_and_saves_a_pdf(school):
    a_busy_morning(school)
    async with kiosk(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, EndOfDayScreen)
        by_form = {row[0]: row[1:] for row in rows(app, "#reconcile")}
        assert by_form["9C"] == ["2", "1", "1", "⚠ 1 still in"] and by_form["All"][:3] == ["4", "1", "3"]
        still = [row[:3] for row in rows(app, "#still-in")]
        assert still == [["7C", "Aoife Ó Súilleabháin", "7C-01"], ["9C", "Łukasz Nowakowski", "9C-02"],
                         ["10HA", "Minh Nguyễn", "10HA-01"]]
        await pilot.press("p")
        path = app.screen.pdf_path
        assert path is not None and path.read_bytes().startswith(b"%PDF")
        assert str(path) in everything_on_screens(app)
        shot(app, "end-of-day")


async def test_stocktake_shows_what_is_missing_and_what_is_there_unexpectedly(school):
    a_busy_morning(school)  # in the office: Łukasz, Minh, Aoife (daily); Leo, Ruby (confiscated)
    zoe, lukasz, minh, aoife, ruby, leo = (school.tag_of(p) for p in school.pupils)
    async with kiosk(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        await pilot.press("ctrl+t", "t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StocktakeScreen)
        await type_keys(pilot, lukasz)  # key by key, as a scanner types
        burst(app, [aoife, leo, zoe])  # back to back, in one read
        await wait_for(pilot, lambda: len(screen.codes) == 4, "four scans")
        await scan(pilot, lukasz)  # the same phone twice is counted once
        assert app.screen.query_one("#scan").border_subtitle == f"{lukasz} already scanned"
        scanned = {row[1]: row[4] for row in rows(app, "#scanned")}
        assert scanned[zoe] == "⚠ not recorded as in the office" and scanned[leo] == "✔ confiscated, slot SAFE-01"
        assert "Scanned 4 of the 5 phones" in words(app, "#stock-count")
        shot(app, "stocktake-scanning")

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert words(app, "#stock-headline").startswith("⚠ 2 MISSING · 1 UNEXPECTED · 3 of 5 found")
        missing = {row[1]: row for row in rows(app, "#missing")}
        assert set(missing) == {"Minh Nguyễn", "Ruby Mitchell"}
        assert missing["Ruby Mitchell"][3:] == ["SAFE-02", "confiscated"]
        assert rows(app, "#unexpected") == [[zoe, "Zoë Hall", "9C", "⚠ handed back 08:35"]]
        shot(app, "stocktake-result")
    record = Event.select().where(Event.action == "STOCKTAKE").get()
    payload = json.loads(record.payload_json)
    assert sorted(payload["missing"]) == sorted([minh, ruby]) and payload["present"] == 3
    assert payload["unexpected"] == [zoe] and record.staff_id == school.office.staff_id


# ── safeguarding notes never reach the office ───────────────────────────────────────────────────────────
async def test_office_never_sees_a_dsl_note_on_any_oversight_screen(school):
    on_a_safeguarding_hold(school)
    leo = school.tag_of(school.pupils[5])

    def no_canary(app) -> None:
        text = everything_on_screens(app)
        assert "CANARY" not in text, f"a DSL note reached {type(app.screen).__name__}"

    async with kiosk(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        await open_dashboard(pilot)
        no_canary(app)
        await pilot.press("escape", "f4")
        await type_keys(pilot, "leo")
        no_canary(app)
        await pilot.press("escape", "f11")
        await wait_for(pilot, lambda: app.screen.figures is not None, "the report")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen.figures is not None and app.screen.figures.kind == "year",
                       "the year's report")
        no_canary(app)
        await pilot.press("escape", "ctrl+t")
        no_canary(app)
        await pilot.press("t")
        await scan(pilot, leo)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert rows(app, "#scanned")[0][4] == f"✔ {REFER}, slot SAFE-01"
        no_canary(app)


# ── layout ──────────────────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_oversight_screens_fit_the_smallest_and_a_kiosk_sized_terminal(school, size):
    a_busy_morning(school)
    async with kiosk(school).run_test(size=size) as pilot:
        app = pilot.app
        await sign_in(pilot)
        await open_dashboard(pilot)
        text = screen_text(app)
        # The figures, the trend and the table of forms all start on the first screen.
        assert "In the office now" in text and "Confiscations per week" in text and "On roll" in text
        assert "Label printer ✔ ready" in text
        shot(app, "fit-dashboard")
        await pilot.press("escape", "f4")
        await type_keys(pilot, "ruby")
        text = screen_text(app)
        assert "Ruby Mitchell" in text and "Confiscated" in text and "Carers" in text
        shot(app, "fit-pupil")
        await pilot.press("escape", "f11")
        await wait_for(pilot, lambda: app.screen.figures is not None, "the report")
        text = screen_text(app)
        assert "Review pack PDF" in text and "Phones handed in" in text and "Desk minutes a day" in text
        shot(app, "fit-reports")
        await pilot.press("escape", "ctrl+t")
        text = screen_text(app)
        assert "Save printable PDF" in text and "Still in" in text
        shot(app, "fit-end-of-day")
