"""Office oversight as the office manager, the DSL and the head meet it: the dashboard (F7) that keeps up with
other desks by itself, the pupil view (F4), reports (Ctrl+R), the end of day and the stock-take (Ctrl+T).

Pilot tests on the `school` fixture (real SQLite file, real PINs, fixed clock). Screens that read in worker
threads are waited for with a deadline, never a fixed sleep. Set KIOSK_SHOTS_DIR to keep SVG screenshots.
"""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import UTC, date, datetime

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input, OptionList, Static

from kiosk.auth import add_staff
from kiosk.custody import hand_back, hand_in
from kiosk.custody.codes import grouped
from kiosk.custody.exceptions import add_exception
from kiosk.custody.safeguarding import add_dsl_note, flag_safeguarding
from kiosk.custody.searches import record_search
from kiosk.db import Event
from kiosk.documents.saved import papers_dir
from kiosk.reports.figures import confiscation_figures, daily_lines, search_figures
from kiosk.reports.periods import Period, period
from kiosk.screens.dashboard import OVERDUE, DashboardScreen
from kiosk.screens.pupil import REFER, PupilScreen
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.reports import ChoosePaper, ReportsScreen
from kiosk.screens.stocktake import EndOfDayScreen, StocktakeScreen
from kiosk.widgets.bar_chart import BarChart
from kiosk.widgets.bar_list import BarList
from tests import desk_process
from tests.conftest import DSL_PIN
from tests.helpers import flat, pdf_words
from tests.tui_helpers import (
    burst,
    everything_on_screens,
    keep_shot,
    kiosk_app,
    open_screen,
    scan,
    screen_text,
    settle,
    sign_in,
    signed_in,
    type_keys,
    wait_for,
    widget_text,
)

CANARY = "CANARY-5f3a9 bruise seen on arm"
NOTE_CANARY = "CANARY-77d1 second note about the family"


def words(app, selector: str) -> str:
    """What a widget says, spacing aside (figures are laid out in padded columns)."""
    return flat(widget_text(app, selector))


def rows(app, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell.plain if isinstance(cell, Text) else cell) for cell in table.get_row_at(index)]
            for index in range(table.row_count)]


def do(school, action, pupil_index: int, who=None):
    return action(school.ctx(who), school.scanned(pupil_index))


def a_busy_morning(school) -> None:
    """Zoë, Łukasz, Minh and Aoife hand in; Zoë's phone goes back; Leo's was confiscated a week ago (overdue)
    and Ruby's this morning."""
    for index in (0, 1, 2, 3):
        do(school, hand_in, index)
    school.clock.advance(minutes=5)
    do(school, hand_back, 0)
    now = school.clock.now()
    school.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    school.confiscate(5, seal="BAG-0007")
    school.clock.set(now)
    school.confiscate(4, seal="BAG-0009", reason="used on site")


def on_a_safeguarding_hold(school) -> int:
    """Leo's phone, confiscated and put on a hold by the DSL with a concern and a second note."""
    dsl = school.signed_in("PS")
    receipt = school.confiscate(5, seal="BAG-0042")
    flag_safeguarding(school.ctx(dsl), receipt.custody_id, concern=CANARY, acknowledged=True, kind="risk_of_harm")
    add_dsl_note(school.ctx(dsl), receipt.custody_id, NOTE_CANARY)
    return receipt.custody_id


async def open_dashboard(pilot) -> DashboardScreen:
    screen = await open_screen(pilot, "f7", DashboardScreen)
    await wait_for(pilot, lambda: screen.board is not None, "the dashboard's first reading")
    return screen


async def sign_in_as_dsl(pilot) -> None:
    await sign_in(pilot, "PS", DSL_PIN)
    await pilot.pause()
    if pilot.app.screen.__class__.__name__ == "HoldsAlert":
        await pilot.press("escape")  # "later": the alert about open holds
        await settle(pilot)


# ── dashboard ───────────────────────────────────────────────────────────────────────────────────────────
async def test_dashboard_shows_the_days_counts_by_form_and_the_trend(school):
    a_busy_morning(school)
    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        app = pilot.app
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
        keep_shot(app, "dashboard")


async def test_an_overdue_phone_and_a_printer_that_is_not_ready_are_flagged_in_words(school):
    a_busy_morning(school)  # Leo's phone: confiscated Mon 23 Nov, 7 days ago; the limit is 5 days
    async with signed_in(kiosk_app(school, label_printer_kind="cups", label_printer="NO_SUCH_QUEUE")) as pilot:
        app = pilot.app
        screen = await open_dashboard(pilot)
        held = {row[0]: row for row in rows(app, "#held")}
        # The flag is folded into Held, so the table fits 80 columns.
        assert held["Leo Webb"][3] == "⚠ 7 days OVERDUE" and OVERDUE.removeprefix("⚠ ") in held["Leo Webb"][3]
        assert held["Ruby Mitchell"][3] == "today" and len(held["Ruby Mitchell"]) == 5
        assert "Held for parents 2 ⚠ 1 OVERDUE" in words(app, "#dash-figures")
        await wait_for(pilot, lambda: screen.printer is not None, "the printer check")
        printer = words(app, "#dash-printer")
        assert printer.startswith("Label printer ✖ not ready: ") and "CUPS queue NO_SUCH_QUEUE" in printer


async def test_at_80x24_the_held_phones_come_first_and_need_no_sideways_scrolling(school):
    a_busy_morning(school)
    # A long name and a long reason: cut to fit, never a horizontal scrollbar.
    leo = school.pupils[5]
    leo.preferred_forename = "Leonardo-Maximilian"
    leo.save()
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        await open_dashboard(pilot)
        await pilot.pause()
        text = screen_text(app)
        assert "⚠ 7 days OVERDUE" in text, "the overdue phone is on the first screen"
        assert text.index("Held for parents (2)") < text.index("By form today")
        held_box = app.screen.query_one("#dash-held-box")
        assert (held_box.styles.margin.right, held_box.styles.margin.bottom) == (0, 1), "a blank row between"
        table = app.screen.query_one("#held", DataTable)
        assert not table.show_horizontal_scrollbar
        assert table.virtual_size.width <= 76, "fits the 80-column body with its scrollbar, in one layout state"
        trend = app.screen.query_one("#dash-trend", BarChart)
        await wait_for(pilot, lambda: trend.highlight is not None and trend.bars[trend.highlight][0] == "30/11",
                       "this week's label under its column")


def test_the_chart_labels_this_week_the_tallest_the_first_and_the_last():
    from kiosk.screens.dashboard import chart_labels

    labels = [f"{day}/11" for day in (2, 9, 16, 23, 30)] + ["7/12", "14/12"]
    # 7 weeks in 35 cells: a column every 5 cells, a label of 4 or 5 characters under each — every other one.
    # Left to the chart, 2/11, 16/11, 30/11 and 14/12; a highlighted 23/11 is labelled all the same.
    shown = chart_labels(labels, width=35, keep=[3, 6, 0])
    assert shown[3] == "23/11" and shown[6] == "14/12" and shown[0] == "2/11"
    assert all(shown[i] in ("", labels[i]) for i in range(7))
    # Two weeks side by side cannot both be labelled: the first kept wins (this week, before the tallest).
    assert chart_labels(labels, width=35, keep=[4, 3])[3:5] == ["", "30/11"]
    # The labels do not touch: the chart would otherwise leave out the second of two.
    starts = [i * 5 + max(0, (4 - len(label)) // 2) for i, label in enumerate(shown) if label]
    ends = [start + len(label) for start, label in zip(starts, (lbl for lbl in shown if lbl), strict=True)]
    assert all(next_start > end for end, next_start in zip(ends, starts[1:], strict=False))
    assert chart_labels(labels, width=200, keep=[4]) == labels, "room for all: all"


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_dashboard_lists_the_exceptions_ending_soon_with_pupil_form_kind_and_until(school, size):
    a_busy_morning(school)  # today is Mon 30 Nov 2026
    head = school.ctx(school.signed_in("HG"))
    started = date(2026, 9, 1)
    for index, kind, until, notes in ((2, "medical", date(2026, 12, 2), "glucose monitor"),
                                      (3, "young carer", date(2026, 11, 30), None),
                                      (4, "educational visit", date(2026, 12, 14), None),  # 14 days: listed
                                      (0, "medical", date(2026, 12, 15), None),  # 15 days: not yet
                                      (5, "other", None, None),  # no end date
                                      (1, "medical", date(2026, 11, 27), None)):  # ended last Friday
        add_exception(head, pupil_id=school.pupils[index].id, kind=kind, valid_from=started, valid_to=until,
                      notes=notes, approved_by_name="Mr H. Grant-Ellis (head)")
    async with signed_in(kiosk_app(school), size=size) as pilot:
        app = pilot.app
        await open_dashboard(pilot)
        assert "Exceptions today 5 ⚠ 3 ending soon (listed below)" in words(app, "#dash-figures")
        assert rows(app, "#ending") == [["Aoife Ó Súilleabháin", "7C", "young carer", "Mon 30 Nov", "ends today"],
                                        ["Minh Nguyễn", "10HA", "medical", "Wed 2 Dec", "in 2 days"],
                                        ["Ruby Mitchell", "7C", "educational visit", "Mon 14 Dec", "in 14 days"]]
        assert "glucose" not in everything_on_screens(app), "the reasons (often medical) stay off the dashboard"
        app.screen.query_one("#ending").scroll_visible(animate=False)
        await pilot.pause()
        assert "Exceptions ending soon (3)" in screen_text(app)
        keep_shot(app, "dashboard-exceptions")


async def test_no_exceptions_ending_soon_means_no_list(school):
    add_exception(school.ctx(school.signed_in("HG")), pupil_id=school.pupils[0].id, kind="medical",
                  valid_from=date(2026, 9, 1), valid_to=date(2027, 7, 20))
    async with signed_in(kiosk_app(school)) as pilot:
        await open_dashboard(pilot)
        assert not pilot.app.screen.query_one("#dash-ending-box").display
        figures = words(pilot.app, "#dash-figures")
        assert "Exceptions today 1" in figures and "ending soon" not in figures


async def test_dashboard_catches_up_with_another_desk_by_itself(school, tmp_path):
    codes = [school.tag_of(p) for p in school.pupils[:3]]
    seen: list[object] = []
    async with signed_in(kiosk_app(school), message_hook=seen.append) as pilot:
        app = pilot.app
        screen = await open_dashboard(pilot)
        assert "In the office now 0" in words(app, "#dash-figures")
        other_desk = await asyncio.create_subprocess_exec(
            *desk_process.command(school, *(f"in:{code}" for code in codes), at=school.clock.now()),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
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
    import threading

    import kiosk.screens.dashboard as dashboard_screen

    real = dashboard_screen.dashboard
    started, release = threading.Event(), threading.Event()

    def slow_dashboard(*args, **kwargs):
        started.set()
        release.wait(30)  # a database busy with another desk's writes, until the test lets it go
        return real(*args, **kwargs)

    monkeypatch.setattr(dashboard_screen, "dashboard", slow_dashboard)
    try:
        async with signed_in(kiosk_app(school)) as pilot:
            app = pilot.app
            await pilot.press("f7")
            await wait_for(pilot, started.is_set, "the first reading to start")
            await pilot.press("escape")  # while the worker is still held up in the database
            assert not release.is_set()
            assert not isinstance(app.screen, DashboardScreen), "the key waited for the database"
            release.set()
    finally:
        release.set()


async def test_safeguarding_holds_are_counted_for_the_dsl_and_not_shown_to_the_office(school):
    on_a_safeguarding_hold(school)
    async with signed_in(kiosk_app(school)) as pilot:
        screen = await open_dashboard(pilot)
        assert screen.board.safeguarding_holds is None
        assert "Safeguarding" not in everything_on_screens(pilot.app)
    async with kiosk_app(school).run_test() as pilot:
        await sign_in_as_dsl(pilot)
        await open_dashboard(pilot)
        assert "Safeguarding holds 1 restricted" in words(pilot.app, "#dash-figures")
        keep_shot(pilot.app, "dashboard-dsl")


# ── pupil view ──────────────────────────────────────────────────────────────────────────────────────────
async def test_pupil_found_by_an_accent_free_partial_name_shows_their_page_and_history(school):
    do(school, hand_in, 2)  # Minh Nguyễn (legal name Thi Minh)
    school.clock.advance(hours=7)
    do(school, hand_back, 2)
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await pilot.press("f4")
        assert isinstance(app.screen, PupilScreen)
        await type_keys(pilot, "nguy")  # no accent, part of the surname
        title = words(app, "#pupil-title")
        assert "Minh Nguyễn · 10HA · Year 10 · MIS 100003" in title and "legal name Thi Minh Nguyễn" in title
        assert words(app, "#pupil-now").startswith("✔ No phone of theirs is in the office now.")
        code = school.tag_of(school.pupils[2])
        assert f"{code[:4]}-{code[4:]}" in words(app, "#pupil-tags"), "the tag as its label prints it"
        assert code not in words(app, "#pupil-tags")
        carers = words(app, "#pupil-carers")
        assert "1. Mrs Dana Nguyễn (Mother) · 07700900001 · ✔ parental responsibility" in carers
        assert "2. Mr Joe Nguyễn (Grandparent) · 07700900002 · no parental responsibility" in carers
        history = rows(app, "#history")
        assert [row[1] for row in history] == ["handed back · slot 10HA-01", "handed in · slot 10HA-01"]
        # At 80 columns: no year this year, and no desk, so the table needs no sideways scrolling.
        assert history[1][0] == "Mon 30 Nov 08:30" and history[1][2:] == ["Ann Adams"]
        table = app.screen.query_one("#history", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width, "the history fits 80 columns"
        keep_shot(app, "pupil")

        await type_keys(pilot, "zoe")  # the next search is just typing: Zoë Hall
        assert "Zoë Hall · 9C" in words(app, "#pupil-title")
        await type_keys(pilot, "9c")  # a form: both pupils to choose from
        assert isinstance(app.screen, PupilPicker)
        assert "Łukasz Nowakowski" in screen_text(app) and "Zoë Hall" in screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_an_overdue_phone_is_called_overdue_on_the_pupil_page_as_on_the_dashboard(school, size):
    a_busy_morning(school)  # Leo's phone: confiscated Mon 23 Nov at 08:00; today is Mon 30 Nov
    async with signed_in(kiosk_app(school), size=size) as pilot:
        app = pilot.app
        await pilot.press("f4")
        await type_keys(pilot, "webb")
        assert "⚠ held 7 days — OVERDUE." in words(app, "#pupil-now")
        table = app.screen.query_one("#history", DataTable)
        # "confiscated · used in lesson · bag BAG-0007": long, and still no sideways scrolling at 80 columns.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert not table.show_horizontal_scrollbar
        if size == (160, 45):
            assert rows(app, "#history")[0][0] == "Mon 23 Nov 2026 08:00", "the year where there is room"
        await type_keys(pilot, "ruby")  # confiscated this morning: not overdue
        assert "OVERDUE" not in words(app, "#pupil-now") and "Confiscated" in words(app, "#pupil-now")


async def test_the_desk_card_on_the_pupil_page_locks_or_goes_back_to_the_desk(school):
    from kiosk.custody import Mode
    from kiosk.screens.desk import DeskScreen
    from kiosk.screens.lock import LockScreen

    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        desk = app.screen
        assert isinstance(desk, DeskScreen) and desk.mode == Mode.HAND_IN
        await pilot.press("f4")
        await type_keys(pilot, "webb")
        assert isinstance(app.screen, PupilScreen)
        await type_keys(pilot, "KXHANDBACK")  # a page that is only read gives way to the desk
        assert app.screen is desk and desk.mode == Mode.HAND_BACK
        await pilot.press("f4")
        await type_keys(pilot, "webb")
        await type_keys(pilot, "KXLOCK")  # from anywhere
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1
        assert "Webb" not in screen_text(app)


async def test_office_sees_a_held_phone_only_as_refer_to_the_dsl_and_the_dsl_sees_the_hold(school):
    on_a_safeguarding_hold(school)
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await pilot.press("f4")
        await type_keys(pilot, "webb")
        assert words(app, "#pupil-now").startswith("✖ Held — refer to the DSL.")
        assert [row[1] for row in rows(app, "#history")] == [REFER]
        text = everything_on_screens(app)
        assert "CANARY" not in text and "BAG-0042" not in text and "safeguarding hold" not in text.lower()
    async with kiosk_app(school).run_test() as pilot:
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
    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        app = pilot.app
        await pilot.press("ctrl+r")
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        today = school.clock.now().date()
        for key, kind in (("w", "week"), ("t", "term")):
            await pilot.press(key)
            expected = period(kind, today, school.settings)
            await wait_for(pilot, lambda e=expected: screen.figures is not None and screen.figures.period == e,
                           f"the {kind}'s figures")
            days = daily_lines(expected, school.settings, today=today)
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
        keep_shot(app, "reports")


async def test_reports_at_80x24_say_there_is_more_below_and_leave_out_the_days_to_come(school):
    a_busy_morning(school)  # today is Monday 30 November
    record_search(school.ctx(), pupil_id=school.pupils[5].id, searched_by_name="Mrs A. Adams",
                  authorised_by_name="Head", grounds="reported filming", found="nothing", dsl_informed=True,
                  parent_informed=False)
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        await pilot.press("ctrl+r")
        screen = app.screen
        await pilot.press("w")
        await wait_for(pilot, lambda: screen.figures is not None and screen.figures.kind == "week", "the week")
        assert "Searches 1 nothing found 1 · DSL told 1" in words(app, "#report-summary")
        line = next(row for row in screen_text(app).splitlines() if "Searches" in row)
        assert line.rstrip().endswith("parents told 0"), "one line at 80 columns"
        # Tuesday to Friday have not happened: no rows of zeros for them.
        assert [row[0] for row in rows(app, "#daily")] == ["Mon 30 Nov 2026"]
        more = screen.query_one("#report-more", Static)
        await wait_for(pilot, lambda: not more.has_class("-hidden"), "the more-below line")
        assert "↓ more below" in screen_text(app)
        await pilot.press("end")  # the body has the focus: to the bottom
        await wait_for(pilot, lambda: more.has_class("-hidden"), "the line to go at the bottom")
        assert "↓ more below" not in screen_text(app)
    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: pilot.app.screen.figures is not None, "the report")
        await pilot.pause()
        assert "↓ more below" not in screen_text(pilot.app), "nothing below: no line"


async def open_reports(pilot) -> ReportsScreen:
    screen = await open_screen(pilot, "ctrl+r", ReportsScreen)
    await wait_for(pilot, lambda: screen.figures is not None, "the first report")
    return screen


async def type_range(pilot, screen: ReportsScreen, first: str, last: str) -> None:
    """R, then the two dates as the office types them (each box's old text is selected, so typing replaces it)."""
    await pilot.press("r")
    await type_keys(pilot, first)
    await type_keys(pilot, last)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_a_range_of_days_typed_as_the_office_types_them(school, size):
    a_busy_morning(school)  # today is Mon 30 Nov 2026; Leo's phone was confiscated Mon 23 Nov, Ruby's today
    async with signed_in(kiosk_app(school), size=size) as pilot:
        app = pilot.app
        screen = await open_reports(pilot)
        await pilot.press("r")
        first, last = screen.query_one("#range-from", Input), screen.query_one("#range-to", Input)
        assert (first.value, last.value) == ("30/11/2026", "4/12/2026"), "starts from the week on screen"
        assert app.focused is first
        await pilot.press("escape")  # closes the boxes, keeps the screen
        assert isinstance(app.screen, ReportsScreen) and not screen.query_one("#report-range").display

        await type_range(pilot, screen, "23 Nov", "30/11/2026")
        await wait_for(pilot, lambda: screen.figures is not None and screen.figures.kind == "custom", "the range")
        assert screen.figures.period == Period(date(2026, 11, 23), date(2026, 11, 30), "23 Nov 2026 – 30 Nov 2026")
        assert "23 Nov 2026 – 30 Nov 2026" in words(app, "#report-heading")
        assert "Confiscations 2 released 0 · still held 2" in words(app, "#report-summary")
        assert (first.value, last.value) == ("23/11/2026", "30/11/2026"), "the dates as they were understood"
        keep_shot(app, "reports-range")

        # A date that does not exist: said plainly, the typing kept, the report on screen unchanged.
        await type_range(pilot, screen, "31/11/2026", "2026-11-30")
        status = words(app, "#report-status")
        assert "First day: '31/11/2026' is not a date: November 2026 has 30 days." in status
        assert "The report on screen has not changed." in status
        assert first.value == "31/11/2026" and app.focused is first and first.selected_text == "31/11/2026"
        assert screen.figures.period.start == date(2026, 11, 23)
        text = screen_text(app)
        assert "From" in text and "31/11/2026" in text and "2026-11-30" in text, "both boxes on screen"
        assert "November 2026 has 30 days" in text
        keep_shot(app, "reports-range-bad")

        # Mended by typing over it, but now the wrong way round: the last day is the one to look at.
        await type_keys(pilot, "30 Nov")
        await type_keys(pilot, "24-11-2026")
        assert ("The range ends (24 Nov 2026) before it starts (30 Nov 2026): swap the two dates."
                in words(app, "#report-status"))
        assert (first.value, last.value) == ("30 Nov", "24-11-2026") and app.focused is last
        assert screen.figures.period.start == date(2026, 11, 23)

        await pilot.press("shift+tab")  # back to the first box, its text selected
        await type_keys(pilot, "24-11-2026")
        await type_keys(pilot, "2026-11-30")
        expected = Period(date(2026, 11, 24), date(2026, 11, 30), "24 Nov 2026 – 30 Nov 2026")
        await wait_for(pilot, lambda: screen.figures is not None and screen.figures.period == expected, "24–30 Nov")
        assert "Confiscations 1 released 0 · still held 1" in words(app, "#report-summary")
        assert words(app, "#report-status") == ""
        # [ goes to the seven days before; ] comes back; nothing after today.
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: screen.figures is not None
                       and screen.figures.period.start == date(2026, 11, 17), "17–23 Nov")
        assert screen.figures.period.end == date(2026, 11, 23)
        assert [name for name, _n in screen.query_one("#by-form", BarList).bars] == ["11B"]
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: screen.figures is not None and screen.figures.period == expected, "back")
        await pilot.press("right_square_bracket")
        assert "There is no later period with records yet." in words(app, "#report-status")


async def test_each_report_saves_as_a_pdf_with_the_figures_on_screen(school):
    a_busy_morning(school)  # this week: 4 handed in, 1 handed back; Ruby (7C) confiscated, used on site
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        screen = await open_reports(pilot)
        await pilot.press("s")
        chooser = app.screen
        assert isinstance(chooser, ChoosePaper)
        options = chooser.query_one("#paper-list", OptionList)
        titles = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert titles[0] == "1. Everything for the period" and len(titles) == 7
        assert not any("Safeguarding" in t for t in titles), "the office is not offered the safeguarding paper"
        keep_shot(app, "reports-choose-pdf")
        await pilot.press("escape")  # nothing saved
        assert app.screen is screen and screen.saved == []

        await pilot.press("s", "3")  # confiscations by reason, year group and form
        await wait_for(pilot, lambda: len(screen.saved) == 1, "the confiscations PDF")
        await pilot.press("s", "1")  # everything for the week
        await wait_for(pilot, lambda: len(screen.saved) == 2, "the week's PDF")
        await pilot.press("s")
        await pilot.press("down", "down", "down", "enter")  # 4. repeat confiscations, by the arrow keys
        await wait_for(pilot, lambda: len(screen.saved) == 3, "the repeat confiscations PDF")
        confiscations, everything, repeats = screen.saved
        for path in screen.saved:
            assert path.parent.parent == papers_dir() and stat.S_IMODE(path.stat().st_mode) == 0o600
            assert str(path) in everything_on_screens(app), "the office is told where the file is"
        assert confiscations.name.startswith("report-confiscations-week-2026-11-30")
        text = pdf_words(confiscations)
        assert "Confiscations: week beginning 30 November 2026" in text and "Hillcrest Academy" in text
        for line in ("Confiscations 1", "Released to a parent or carer 0", "Still held 1", "used on site 1 100%",
                     "Year 7 1 100%", "7C 1 100%", "0 pupils had a phone confiscated twice or more"):
            assert line in text, f"{line!r} not in the PDF"
        assert "Leo Webb" not in text and "11B" not in text, "last week's confiscation is not this week's"
        text = pdf_words(everything)
        for line in ("Phones report: week beginning 30 November 2026", "Phones handed in 4 over 1 school day",
                     "Phones handed back 1", "Mon 30 Nov 2026 4 1 0", "Total 4 1 0", "Searches recorded 0"):
            assert line in text, f"{line!r} not in the PDF"
        assert "Safeguarding" not in text
        assert "0 pupils had a phone confiscated twice or more" in pdf_words(repeats)


async def test_the_dsl_can_save_the_safeguarding_counts_and_nobody_else_is_offered_them(school):
    on_a_safeguarding_hold(school)
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await sign_in_as_dsl(pilot)
        screen = await open_reports(pilot)
        await pilot.press("s")
        options = app.screen.query_one("#paper-list", OptionList)
        assert str(options.get_option_at_index(7).prompt) == "8. Safeguarding (counts only)"
        await pilot.press("8")
        await wait_for(pilot, lambda: len(screen.saved) == 1, "the safeguarding PDF")
        text = pdf_words(screen.saved[0])
        assert "Safeguarding holds: week beginning 30 November 2026" in text
        assert "Holds placed 1" in text and "On hold now 1" in text and "Handed to police 0" in text
        assert "CANARY" not in text and "Leo" not in text, "counts only: no notes, no names"


async def test_a_head_of_year_sees_pupils_and_reports_but_no_safeguarding_details(school):
    add_staff(keyring=school.keyring, clock=school.clock, desk="Reception 1", name="Nia Evans", initials="NE",
              role="head_of_year", pin="370461")
    on_a_safeguarding_hold(school)
    async with signed_in(kiosk_app(school), "NE", "370461") as pilot:
        app = pilot.app
        keep_shot(app, "desk-head-of-year")
        await pilot.press("f4")
        assert isinstance(app.screen, PupilScreen)
        await type_keys(pilot, "webb")
        assert words(app, "#pupil-now").startswith("✖ Held — refer to the DSL.")
        assert [row[1] for row in rows(app, "#history")] == [REFER]
        assert "Carers" in words(app, "#pupil-carers")
        await pilot.press("escape")
        screen = await open_reports(pilot)
        assert screen.figures.safeguarding is None and "Safeguarding" not in everything_on_screens(app)
        assert "Confiscations 1" in words(app, "#report-summary")
        await pilot.press("s")
        assert "8. Safeguarding (counts only)" not in everything_on_screens(app)
        text = everything_on_screens(app)
        assert "CANARY" not in text and "BAG-0042" not in text


async def test_a_teacher_is_not_shown_pupil_pages_or_reports(school):
    async with signed_in(kiosk_app(school), "TE", "975310") as pilot:
        app = pilot.app
        desk = app.screen
        await pilot.press("f4")
        await pilot.press("ctrl+r")
        assert app.screen is desk, "neither screen opens for a teacher"
        # Reached some other way, each screen shows nothing but who it is for.
        await app.push_screen(PupilScreen(school.ctx(school.signed_in("TE"))))
        await pilot.pause()
        assert "Pupil pages are for the office, heads of year, the DSL and the head." in screen_text(app)
        assert not app.screen.query_one("#scan").display
        app.pop_screen()
        await app.push_screen(ReportsScreen(school.ctx(school.signed_in("TE"))))
        await pilot.pause()
        assert "Reports are for the office, heads of year, the DSL and the head." in screen_text(app)
        assert app.screen.figures is None


# ── end of day and stock-take ───────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_end_of_day_labels_a_phone_left_overnight_in_a_headed_column_that_fits(school, size):
    from kiosk.custody import close_day

    now = school.clock.now()
    school.clock.set(datetime(2026, 11, 27, 8, 30, tzinfo=UTC))  # Friday
    do(school, hand_in, 1)
    school.clock.set(datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
    close_day(school.ctx())
    school.clock.set(now)
    do(school, hand_in, 0)
    zoe = school.pupils[0]
    zoe.preferred_forename = "Zoë-Alexandra Maximiliane Christabel"  # a long name: cut at 80 columns, not the Note
    zoe.save()
    async with signed_in(kiosk_app(school), size=size) as pilot:
        app = pilot.app
        await pilot.press("ctrl+t")
        table = app.screen.query_one("#still-in", DataTable)
        assert [str(column.label) for column in table.columns.values()][-1] == "Note"
        notes = {row[1][:10]: row[4] for row in rows(app, "#still-in")}
        assert notes == {"Łukasz Now": "⚠ overnight", "Zoë-Alexan": ""}
        assert "⚠ overnight" in screen_text(app), "not cut at the right edge"
        assert table.virtual_size.width <= table.scrollable_content_region.width
        still_box = app.screen.query_one("#eod-still-box")
        # A gap before the By form table: under it at 80 columns, beside it on a large screen.
        assert (still_box.styles.margin.right, still_box.styles.margin.bottom) == ((0, 1) if size == (80, 24)
                                                                                   else (2, 0))


async def test_end_of_day_reconciles_by_form_lists_who_is_still_in_and_saves_a_pdf(school):
    a_busy_morning(school)
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, EndOfDayScreen)
        text = screen_text(app)  # 80x24: the list staff act on comes first
        assert "Still in the office (3)" in text and text.index("Still in the office") < text.index("By form")
        assert "Aoife Ó Súilleabháin" in text
        by_form = {row[0]: row[1:] for row in rows(app, "#reconcile")}
        assert by_form["9C"] == ["2", "1", "1", "⚠ 1 still in"] and by_form["All"][:3] == ["4", "1", "3"]
        still = [row[:3] for row in rows(app, "#still-in")]
        assert still == [["7C", "Aoife Ó Súilleabháin", "7C-01"], ["9C", "Łukasz Nowakowski", "9C-02"],
                         ["10HA", "Minh Nguyễn", "10HA-01"]]
        await pilot.press("p")
        path = app.screen.pdf_path
        assert path is not None and path.read_bytes().startswith(b"%PDF")
        assert str(path) in everything_on_screens(app)
        keep_shot(app, "end-of-day")


async def test_stocktake_shows_what_is_missing_and_what_is_there_unexpectedly(school):
    a_busy_morning(school)  # in the office: Łukasz, Minh, Aoife (daily); Leo, Ruby (confiscated)
    zoe, lukasz, minh, aoife, ruby, leo = (school.tag_of(p) for p in school.pupils)
    shown = {code: grouped(code) for code in (zoe, lukasz, leo)}  # as the labels print them: K2TK-9GHA
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await pilot.press("ctrl+t", "t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StocktakeScreen)
        await type_keys(pilot, lukasz)  # key by key, as a scanner types
        burst(app, [aoife, leo, zoe])  # back to back, in one read
        await wait_for(pilot, lambda: len(screen.codes) == 4, "four scans")
        await scan(pilot, lukasz)  # the same phone twice is counted once
        assert app.screen.query_one("#scan").border_subtitle == f"{shown[lukasz]} already scanned"
        scanned = {row[1]: row[4] for row in rows(app, "#scanned")}
        # Short words, so "The kiosk says" is not cut at 80 columns.
        assert scanned[shown[zoe]] == "⚠ not expected" and scanned[shown[leo]] == "✔ confiscated, slot SAFE-01"
        assert "Scanned 4 of the 5 phones" in words(app, "#stock-count")
        keep_shot(app, "stocktake-scanning")

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert words(app, "#stock-headline").startswith("⚠ 2 MISSING · 1 UNEXPECTED · 3 of 5 found")
        # The scans split so the figures add up: 4 = 3 expected + 1 not.
        assert words(app, "#stock-count") == "Scanned 4: 3 of the 5 expected, 1 not expected."
        missing = {row[1]: row for row in rows(app, "#missing")}
        assert set(missing) == {"Minh Nguyễn", "Ruby Mitchell"}
        assert missing["Ruby Mitchell"][3:] == ["SAFE-02", "confiscated"]
        assert rows(app, "#unexpected") == [[shown[zoe], "Zoë Hall", "9C", "⚠ handed back 08:35"]]
        assert grouped(minh) in [row[0] for row in rows(app, "#missing")]
        keep_shot(app, "stocktake-result")
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

    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await open_dashboard(pilot)
        no_canary(app)
        await pilot.press("escape", "f4")
        await type_keys(pilot, "leo")
        no_canary(app)
        await pilot.press("escape", "ctrl+r")
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
        await settle(pilot)
        assert rows(app, "#scanned")[0][4] == "✔ held (DSL), slot SAFE-01"
        no_canary(app)


# ── layout ──────────────────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_oversight_screens_fit_the_smallest_and_a_kiosk_sized_terminal(school, size):
    a_busy_morning(school)
    async with signed_in(kiosk_app(school), size=size) as pilot:
        app = pilot.app
        await open_dashboard(pilot)
        text = screen_text(app)
        # The figures, the trend and the table of forms all start on the first screen.
        assert "In the office now" in text and "Confiscations per week" in text and "On roll" in text
        assert "Label printer ✔ ready" in text
        keep_shot(app, "fit-dashboard")
        await pilot.press("escape", "f4")
        await type_keys(pilot, "ruby")
        text = screen_text(app)
        assert "Ruby Mitchell" in text and "Confiscated" in text and "Carers" in text
        keep_shot(app, "fit-pupil")
        await pilot.press("escape", "ctrl+r")
        await wait_for(pilot, lambda: app.screen.figures is not None, "the report")
        text = screen_text(app)
        assert "Review pack" in text and "Range" in text and "PDF" in text
        assert "Phones handed in" in text and "Desk minutes a day" in text
        keep_shot(app, "fit-reports")
        await pilot.press("escape", "ctrl+t")
        text = screen_text(app)
        assert "Save printable PDF" in text and "Still in" in text
        keep_shot(app, "fit-end-of-day")
