"""Close of day run twice on one day, as it is when a desk presses F9 and the office manager's scheduled
`kiosk close-day` runs at 18:00 (in either order): both give the same true answer. The second says the day is
already closed (when, where, by whom or by the command), lists the same phones, and never calls today's phones
"from an earlier day" nor says "0 phone(s) were not collected today" while they are still here. A phone the close
found and the pupil collected later that afternoon was not "left overnight", wherever the office reads about it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from textual.widgets import DataTable

from kiosk.custody import Outcome, State, close_day, hand_back, hand_in
from kiosk.custody.queries.history import EVENT_WORDS
from kiosk.db import Custody
from kiosk.reports.dashboard import dashboard
from kiosk.reports.figures import daily_lines
from kiosk.reports.periods import Period
from kiosk.reports.reconciliation import reconcile
from kiosk.screens.close_day import ConfirmCloseDay, UncollectedList
from kiosk.screens.desk import DeskScreen
from kiosk.widgets.result_banner import ResultBanner
from tests.tui_helpers import kiosk_app, scan, screen_text, settle, shown, signed_in, widget_text

ROOT = Path(__file__).resolve().parent.parent
FRIDAY = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)  # London is on GMT: the school's times too
MONDAY = date(2026, 11, 30)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute, tzinfo=UTC)


def a_monday(school) -> None:
    """Minh's phone has been here since Friday (left overnight); on Monday Zoë, Ruby and Leo hand theirs in at
    08:30 and Zoë collects hers at 15:00. Ruby's and Leo's are still in the office at the end of the day."""
    school.clock.set(FRIDAY)
    hand_in(school.ctx(), school.scanned(2))
    close_day(school.ctx())
    school.clock.set(at(8, 30))
    for index in (0, 4, 5):  # Zoë, Ruby, Leo
        hand_in(school.ctx(), school.scanned(index))
    school.clock.set(at(15))
    hand_back(school.ctx(), school.scanned(0))


def kiosk_close_day(school, when: datetime) -> str:
    """A real `kiosk close-day` process at `when` (faketime moves its clock), as a scheduled task runs it."""
    env = {**os.environ, "TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    moment = when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    done = subprocess.run(["faketime", moment, sys.executable, "-m", "kiosk.cli", "--db", school.url,
                           "--desk", "Reception 1", "close-day"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def listed_by_the_command(out: str) -> list[tuple[str, bool]]:
    """(name, from an earlier day) for each phone the command listed."""
    rows = [line for line in out.splitlines() if "slot " in line]
    return [(next(name for name in NAMES if name in line), "(from an earlier day)" in line) for line in rows]


def listed_by_the_desk(app) -> list[tuple[str, bool]]:
    table = app.screen.query_one("#uncollected", DataTable)
    rows = [table.get_row_at(index) for index in range(table.row_count)]
    return sorted((str(row[1]), row[4] == "earlier day") for row in rows)


NAMES = ("Minh Nguyễn", "Zoë Hall", "Ruby Mitchell", "Leo Webb")
EXPECTED = sorted([("Leo Webb", False), ("Minh Nguyễn", True), ("Ruby Mitchell", False)])


async def test_f9_at_the_desk_then_the_scheduled_command_give_the_same_answer(school):
    a_monday(school)
    school.clock.set(at(17))
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmCloseDay) and "Close the day?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, UncollectedList)
        at_the_desk = listed_by_the_desk(app)
    assert at_the_desk == EXPECTED

    out = kiosk_close_day(school, at(18))

    assert "The day was already closed at 17:00 by Ann Adams (AA) at Reception 1. Nothing more to mark." in out
    assert "2 phone(s) were not collected today; 3 in the office uncollected in all." in out
    assert "0 phone(s)" not in out
    assert sorted(listed_by_the_command(out)) == at_the_desk, "the same phones, today's never 'earlier'"


async def test_the_scheduled_command_then_f9_at_the_desk_give_the_same_answer(school):
    a_monday(school)
    school.clock.set(at(18))
    code, out, _ = school.cli("--desk", "Reception 1", "close-day")
    assert code == 0 and out.startswith("Day closed. 2 phone(s) were not collected today; 3 in the office")
    by_the_command = sorted(listed_by_the_command(out))
    assert by_the_command == EXPECTED

    school.clock.set(at(18, 10))
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        assert "uncollected 3" in screen_text(app)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmCloseDay)
        question = widget_text(app, "#confirm-text")
        assert "Close the day again?" in screen_text(app)
        assert "The day was already closed at 18:00 by kiosk close-day at Reception 1." in question
        assert "Uncollected now: 2 from today and 1 from an earlier day" in question
        assert "more left from earlier days" not in question
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, UncollectedList)
        listing = shown(app)
        assert "Day closed at 18:00 · 3 phones uncollected" in listing
        assert "Already closed at 18:00 by kiosk close-day at Reception 1. Nothing more to mark." in listing
        assert listed_by_the_desk(app) == by_the_command


def test_closing_again_after_more_phones_came_in_marks_only_those_and_says_so(school):
    a_monday(school)
    school.clock.set(at(16))
    first = close_day(school.ctx())
    assert (first.already, first.newly_uncollected, first.from_today, first.from_earlier_days) == (None, 2, 2, 1)
    school.clock.set(at(16, 30))  # after-school club: Zoë's phone comes back in
    hand_in(school.ctx(), school.scanned(0))

    again = kiosk_close_day(school, at(18))

    assert "already closed at 16:00 by Ann Adams (AA) at Reception 1. 1 more phone(s), handed in since" in again
    assert "3 phone(s) were not collected today; 4 in the office uncollected in all." in again
    assert sorted(listed_by_the_command(again)) == sorted([*EXPECTED, ("Zoë Hall", False)])


async def test_a_phone_collected_after_an_early_close_is_not_left_overnight(school):
    ruby = school.pupils[4]
    hand_in(school.ctx(), school.scanned(4))  # Monday 08:30
    school.clock.set(at(15, 30))
    close_day(school.ctx())  # the day is closed early; Ruby comes back for her phone at 15:45

    school.clock.set(at(15, 40))
    same_afternoon = hand_in(school.ctx(), school.scanned(4))  # scanned at HAND IN by mistake: it is in
    assert same_afternoon.outcome is Outcome.ALREADY_IN and "overnight" not in same_afternoon.message
    assert "not collected at the close of day" in same_afternoon.message
    rec = reconcile(MONDAY, school.settings)
    assert [phone.words for phone in rec.still_in] == ["not collected at the close of day"]
    board = dashboard(school.clock, school.settings, show_safeguarding=False)
    assert (board.uncollected_earlier, board.uncollected_today) == (0, 1)

    school.clock.set(at(15, 45))
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        assert isinstance(app.screen, DeskScreen)
        await pilot.press("f3")
        await scan(pilot, school.tag_of(ruby))
        result = app.screen.query_one(ResultBanner).result
        assert result.headline == "HANDED BACK" and "overnight" not in result.message
        assert "collected after the close of day" in result.message
        assert "overnight" not in screen_text(app)
        assert "handed back today 1" in screen_text(app) and "uncollected 0" in screen_text(app)

    assert Custody.get(Custody.pupil == ruby).state == State.RETURNED
    day = daily_lines(Period(MONDAY, MONDAY, ""), school.settings, today=MONDAY)[0]
    assert (day.handed_in, day.handed_back, day.left_uncollected) == (1, 1, 0), "not counted as left overnight"
    assert "overnight" not in EVENT_WORDS["LEFT_UNCOLLECTED"], "its history line says what happened at 15:30"
    board = dashboard(school.clock, school.settings, show_safeguarding=False)
    assert (board.uncollected_earlier, board.uncollected_today) == (0, 0)

    # The same phone left until the next day is left overnight, and says so.
    school.clock.set(at(16))
    hand_in(school.ctx(), school.scanned(4))
    close_day(school.ctx())
    school.clock.set(datetime(2026, 12, 1, 8, 20, tzinfo=UTC))
    next_morning = hand_back(school.ctx(), school.scanned(4))
    assert "(it was left overnight)" in next_morning.message
    tuesday = daily_lines(Period(MONDAY, date(2026, 12, 1), ""), school.settings, today=date(2026, 12, 1))
    assert [line.left_uncollected for line in tuesday] == [1, 0]
