"""The desk fits and reads well from the smallest terminal (80×24) to a kiosk-sized one (160×45).

Each state the office sees is checked for what matters at arm's length: the result banner is the biggest
thing on screen, its headline is in block letters, and nothing in it is cut off. Set KIOSK_SHOTS_DIR to
also save an SVG screenshot of every state, to look at.
"""

from __future__ import annotations

from datetime import date
from itertools import takewhile

import pytest
from textual.widget import Widget

from kiosk.clock import to_db
from kiosk.custody import Kind, State, close_day
from kiosk.custody.codes import new_code
from kiosk.custody.exceptions import add_exception
from kiosk.db import Custody, Tag
from kiosk.screens.lock import LockScreen
from kiosk.widgets.big_text import BigText
from kiosk.widgets.recent_list import RecentList
from kiosk.widgets.result_banner import ResultBanner
from kiosk.widgets.scan_box import ScanBox
from tests.conftest import HEAD_PIN, OFFICE_PIN
from tests.tui_helpers import keep_shot, kiosk_app, scan, screen_text, settle, sign_in, signed_in, type_keys

SIZES = [(80, 24), (160, 45), (200, 60)]


def assert_banner_reads_from_arms_length(app) -> None:
    screen = app.screen
    banner = screen.query_one(ResultBanner)
    for other in (screen.query_one("#mode-bar"), screen.query_one(ScanBox), screen.query_one(RecentList)):
        assert banner.region.area > other.region.area, f"the banner must be bigger than {other!r}"
    headline = banner.query_one("#headline", BigText)
    assert headline.fitting_scale(headline.content_size.width) >= 1, "the headline is in block letters"
    def displayed(widget: Widget) -> bool:
        return all(node.display for node in takewhile(lambda n: n is not banner, widget.ancestors_with_self))

    shown = [child for child in banner.query("*") if displayed(child)]
    for child in shown:
        # A widget scrolled wholly out of sight has an empty region; one partly out is not contained.
        assert child.region.area and banner.region.contains_region(child.region), \
            f"{child!r} is cut off at {app.size}"


@pytest.fixture
def ruby_has_an_exception(school):
    add_exception(school.ctx(school.signed_in("SO")), pupil_id=school.pupils[4].id, kind="medical",
                  valid_from=date(2026, 9, 1), valid_to=date(2027, 7, 20), notes="glucose monitor",
                  agreement_ref="MED-14")


@pytest.mark.parametrize("size", SIZES)
async def test_the_lock_screen_fits(school, size):
    async with kiosk_app(school).run_test(size=size) as pilot:
        text = screen_text(pilot.app)
        assert "Desk locked" in text and "Your initials" in text
        keep_shot(pilot.app, "lock")
        await type_keys(pilot, "AA")
        await type_keys(pilot, "000000")
        assert "do not match" in screen_text(pilot.app)
        keep_shot(pilot.app, "lock-wrong-pin")


@pytest.mark.parametrize("size", SIZES)
async def test_every_result_is_the_biggest_thing_on_screen_and_never_cut_off(school, ruby_has_an_exception,
                                                                             size):
    ruby, zoe = school.pupils[4], school.pupils[0]
    now = to_db(school.clock.now())
    Custody.create(tag=Tag.get(Tag.code == school.tag_of(zoe)), pupil=zoe, kind=Kind.CONFISCATED,
                   state=State.HELD_FOR_PARENT, slot_box="SAFE", slot_position=1, opened_at=now,
                   opened_by=school.office.staff_id, opened_desk="Reception 1", state_changed_at=now)
    async with signed_in(kiosk_app(school), size=size) as pilot:
        app = pilot.app
        keep_shot(app, "desk-ready")
        assert_banner_reads_from_arms_length(app)

        await scan(pilot, school.tag_of(ruby))
        assert "exception: medical — glucose monitor, until 20 Jul" in screen_text(app)
        assert_banner_reads_from_arms_length(app)
        keep_shot(app, "desk-handed-in")

        school.clock.advance(seconds=30)
        await scan(pilot, school.tag_of(ruby))
        assert_banner_reads_from_arms_length(app)
        keep_shot(app, "desk-already-in")

        await pilot.press("f3")
        await scan(pilot, school.tag_of(zoe))
        assert_banner_reads_from_arms_length(app)
        assert "Confiscated — held for a parent or carer" in screen_text(app)
        keep_shot(app, "desk-refused")

        await scan(pilot, new_code())
        assert_banner_reads_from_arms_length(app)
        assert "is not on this kiosk" in screen_text(app)
        keep_shot(app, "desk-unknown-tag")

        # The widest headline there is, with a note under it.
        close_day(school.ctx())
        school.clock.advance(days=1)
        # A day later the idle lock may already have locked the desk (it reads the same clock), depending on when
        # its timer ticks: lock now either way and sign in again, so the test does not depend on that timing.
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await sign_in(pilot)
        await pilot.pause()
        await pilot.press("f2")
        await scan(pilot, school.tag_of(ruby))
        assert_banner_reads_from_arms_length(app)
        assert app.screen.query_one(ResultBanner).result.headline == "LEFT OVERNIGHT"
        keep_shot(app, "desk-left-overnight")


@pytest.mark.parametrize("size", SIZES)
async def test_the_picker_and_the_close_of_day_list_fit(school, size):
    async with signed_in(kiosk_app(school), size=size) as pilot:
        app = pilot.app
        for pupil in school.pupils:
            await scan(pilot, school.tag_of(pupil))
        await type_keys(pilot, "l")  # matches five of the six pupils
        text = screen_text(app)
        assert "Choose the pupil to HAND IN" in text and "MIS 100005" in text
        keep_shot(app, "picker")
        await pilot.press("escape")
        await pilot.press("f9")
        assert "6 phones are still in the office" in " ".join(screen_text(app).split())
        keep_shot(app, "close-day-confirm")
        await pilot.press("y")
        await settle(pilot)
        text = screen_text(app)
        assert "6 phones uncollected" in text
        for pupil in school.pupils:
            assert pupil.display_name in text, f"{pupil.display_name} is missing from the uncollected list"
        keep_shot(app, "close-day-list")


HATCH_KEYS = ["F1 Help", "F2 Hand in", "F3 Hand back", "^L Lock", "F5 Confiscate"]
EVERY_DESK_KEY = ["F1 Help", "F2 Hand in", "F3 Hand back", "F4 Pupil", "F5 Confiscate", "F6 Release",
                  "F7 Dashboard", "F8 Search", "F9 Close day", "F10 Holds", "^R Reports", "F12 Labels",
                  "^T End of day", "^L Lock"]


def footer_line(app) -> str:
    return " ".join(screen_text(app).splitlines()[-1].split())


@pytest.mark.parametrize("initials, pin", [("AA", OFFICE_PIN), ("HG", HEAD_PIN)])
async def test_at_80_columns_the_footer_shows_the_hatch_keys_and_f1_lists_the_rest(school, initials, pin):
    async with signed_in(kiosk_app(school), initials, pin, size=(80, 24)) as pilot:
        app = pilot.app
        footer = footer_line(app)
        for key in HATCH_KEYS + (["F10 Holds"] if initials == "HG" else ["F4 Pupil"]):
            assert key in footer, f"{key!r} missing from the 80-column footer: {footer!r}"
        assert "^P palette" in footer
        hidden = [key for key in EVERY_DESK_KEY if key not in footer]
        assert hidden, "fourteen keys cannot all fit in 80 columns"
        keep_shot(app, f"desk-footer-{initials}")
        await pilot.press("f1")
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        # F1 lists every key this role has, including those the footer had no room for.
        for key in hidden:
            number, _, words = key.partition(" ")
            spelled = number.replace("^", "Ctrl+")
            if initials == "AA" and words in ("Holds",):
                continue  # the DSL's and the head's key only
            assert f"{spelled} " in text, f"F1 help does not list {key!r}"


async def test_at_160_columns_the_footer_shows_every_desk_key(school):
    async with signed_in(kiosk_app(school), "HG", HEAD_PIN, size=(160, 45)) as pilot:  # the head: every key
        app = pilot.app
        footer = footer_line(app)
        for key in EVERY_DESK_KEY:
            assert key in footer, f"{key!r} missing from the 160-column footer: {footer!r}"
        keep_shot(app, "desk-footer-head")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_on_a_kiosk_sized_screen_the_name_is_big_and_at_hand_back_the_slot_is_bigger_than_the_headline(
        school, size):
    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school), size=size) as pilot:
        app = pilot.app
        banner = app.screen.query_one(ResultBanner)
        headline, slot = banner.query_one("#headline", BigText), banner.query_one("#slot", BigText)
        name = banner.query_one("#pupil-big", BigText)

        def scale(big: BigText) -> int:
            return big.fitting_scale(big.content_size.width) if big.display else 0

        large = size == (160, 45)
        await scan(pilot, school.tag_of(ruby))
        assert_banner_reads_from_arms_length(app)
        assert scale(headline) == (2 if large else 1)
        # The name in block letters on its own line at kiosk size; one bold line (icon, name, form) at 80×24.
        assert scale(name) == (1 if large else 0)
        assert banner.query_one("#pupil").display is not large
        keep_shot(app, "desk-handed-in-name")

        await pilot.press("f3")
        await scan(pilot, school.tag_of(ruby))
        assert banner.result.headline == "HANDED BACK"
        assert_banner_reads_from_arms_length(app)
        if large:
            assert (scale(slot), scale(headline)) == (2, 1), "the slot staff fetch from is the biggest thing"
            assert slot.region.height > headline.region.height
        else:
            assert (scale(slot), scale(headline)) == (1, 1)
        keep_shot(app, "desk-handed-back-slot")
        # "Zoë": the block font has no ë, so the name keeps its exact spelling on the bold line, at both sizes.
        await scan(pilot, school.tag_of(school.pupils[0]))
        assert banner.result.pupil == "Zoë Hall"
        assert not name.display and banner.query_one("#pupil").display
        assert "Zoë Hall · 9C" in screen_text(app)
        # Neither the desk nor the banner scrolls at either size (the recent list just shows the newest it can).
        assert app.screen.max_scroll_y == 0 and banner.max_scroll_y == 0
        assert not any(widget.show_vertical_scrollbar for widget in app.screen.query("*"))


async def test_the_banner_has_no_left_edge_drawn_in_characters(school):
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        banner = pilot.app.screen.query_one(ResultBanner)
        for code in ("", school.tag_of(school.pupils[0]), new_code()):
            if code:
                await scan(pilot, code)
            # A `▌` edge is drawn row by row and shows gaps, like a rendering fault: the colour is the edge.
            assert banner.styles.border_left[0] in ("", "none"), banner.classes


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_the_lock_screen_clock_is_in_block_letters_at_kiosk_size(school, size):
    from textual.widgets import Digits

    async with kiosk_app(school).run_test(size=size) as pilot:
        await pilot.pause()
        app = pilot.app
        big = app.screen.query_one("#lock-time-big", BigText)
        digits = app.screen.query_one("#lock-time", Digits)
        large = size == (160, 45)
        assert big.text == app.screen._time(), "the big clock shows the school's time"
        shown_big = big.parent.display and big.fitting_scale(big.content_size.width) == 2
        assert shown_big is large and digits.display is not large
        if large:
            assert app.screen.query_one("#lock-panel").region.width >= 88
        # The panel is never cut off, and the sign-in box is on screen.
        assert app.screen.region.contains_region(app.screen.query_one("#lock-panel").region)
        assert app.screen.query_one("#sign-in").region.area
