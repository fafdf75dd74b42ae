"""The desk card's barcodes (KXHANDIN, KXHANDBACK, KXLOCK, KXCLOSEDAY) scanned on the screens that are not the
desk, and the one way those screens word a scan that finds nobody (Pilot, real SQLite file, fixed clock).

Codes are typed key by key and ended with Enter, as a keyboard-wedge scanner sends them, into whatever has the
focus: the scan box, a form field with text in it, a button, the bag-number box.
"""

from __future__ import annotations

from textual.widgets import Button, Input, TextArea

from kiosk.clock import to_db
from kiosk.custody import Mode, State
from kiosk.custody.codes import new_code
from kiosk.db import Custody, Tag
from kiosk.screens.close_day import ConfirmCloseDay
from kiosk.screens.confiscate import ConfiscateScreen
from kiosk.screens.desk import DeskScreen
from kiosk.screens.lock import LockScreen
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.release import ReleaseScreen
from kiosk.screens.safeguarding import FlagSafeguarding
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.screens.stocktake import StocktakeScreen
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.scan_box import ScanBox
from tests.tui_helpers import (
    kiosk_app,
    message,
    open_confiscation,
    open_screen,
    scan,
    screen_text,
    settle,
    sign_in,
    signed_in,
    type_keys,
)

GO_BACK = "Go back to the desk first (Esc)"


def desk_of(app) -> DeskScreen:
    return next(s for s in app.screen_stack if isinstance(s, DeskScreen))


async def confiscating(pilot, school, pupil) -> ConfiscateScreen:
    """Signed in, on the confiscation screen with `pupil` found."""
    await sign_in(pilot)
    screen = await open_confiscation(pilot, school, pupil)
    assert screen.found is not None and screen.found.pupil.id == pupil.id
    return screen


async def releasing_ruby(pilot, school) -> ReleaseScreen:
    """Signed in, on the release screen with Ruby's confiscated phone found (confiscate her phone first)."""
    await sign_in(pilot)
    screen = await open_screen(pilot, "f6", ReleaseScreen)
    await scan(pilot, school.tag_of(school.pupils[4]))
    assert screen.chosen_phone is not None
    return screen


async def test_an_empty_confiscation_gives_way_to_the_desk_which_changes_mode(school):
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        assert desk_of(app).mode == Mode.HAND_IN
        await open_screen(pilot, "f5", ConfiscateScreen)
        await type_keys(pilot, "KXHANDBACK")
        await pilot.pause()
        assert isinstance(app.screen, DeskScreen), "nothing was entered: the queue goes on at the desk"
        assert app.screen.mode == Mode.HAND_BACK
        assert "HAND BACK mode (desk card)" in app.screen.query_one("#scan").border_subtitle


async def test_an_empty_release_screen_hands_close_day_to_the_desk_which_asks_first(school):
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await open_screen(pilot, "f6", ReleaseScreen)
        await type_keys(pilot, "KXCLOSEDAY")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCloseDay), "the desk's own close of day, with its question"
        assert isinstance(app.screen_stack[-2], DeskScreen)


async def test_a_started_confiscation_keeps_everything_whatever_has_the_focus(school):
    zoe = school.pupils[0]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        screen = await confiscating(pilot, school, zoe)

        # A form field with something typed in it: the code is taken off the end, the typing stays.
        where = screen.query_one("#where", Input)
        where.focus()
        await type_keys(pilot, "Room S12")
        assert app.focused is not where, "Enter after typing moves on, as before"
        where.focus()
        await type_keys(pilot, "KXHANDIN")
        assert app.screen is screen and where.value == "Room S12"
        assert "desk card's HAND IN barcode" in message(app) and GO_BACK in message(app)
        assert "-warning" in screen.query_one("#problem").classes
        assert app.focused is where, "the Enter of the code did not move on either"

        # The Cancel button focused: the code's Enter must not press it.
        screen.query_one("#cancel", Button).focus()
        await type_keys(pilot, "KXHANDBACK")
        assert app.screen is screen, "Cancel was not pressed"
        assert "desk card's HAND BACK barcode" in message(app)

        # The scan box (now for changing the pupil) and the bag-number box.
        screen.query_one("#scan", ScanBox).focus()
        await type_keys(pilot, "KXHANDIN")
        assert app.screen is screen and screen.found is not None and screen.found.pupil.id == zoe.id
        seal = screen.query_one("#seal", ScanBox)
        seal.focus()
        await type_keys(pilot, "KXCLOSEDAY")
        assert app.screen is screen and seal.value == "", "a desk-card code is no bag number"
        assert "desk card's CLOSE DAY barcode" in message(app)
        assert where.value == "Room S12" and screen.query_one("#by", Input).value == "Ann Adams"
        assert desk_of(app).mode == Mode.HAND_IN, "the desk was not touched"

        seal.value = "BAG-0042"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.receipt is not None and message(app) == "", "the warning was about the form: saved, it goes"


async def test_lock_locks_from_a_form_field_on_the_release_screen_and_from_a_search_record(school):
    school.confiscate(4)
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        screen = await releasing_ruby(pilot, school)
        id_seen = screen.query_one("#id-seen", Input)
        id_seen.focus()
        await type_keys(pilot, "driving licenceKXLOCK")
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1
        assert "Ruby" not in screen_text(app)

        await sign_in(pilot)
        await open_screen(pilot, "f8", SearchRecordScreen)
        await type_keys(pilot, "KXLOCK")
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1


async def test_a_search_record_opened_from_a_confiscation_says_go_back_and_keeps_the_form(school):
    zoe = school.pupils[0]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        confiscation = await confiscating(pilot, school, zoe)
        search = await open_screen(pilot, "f8", SearchRecordScreen)
        grounds = search.query_one("#grounds", TextArea)
        grounds.focus()
        await type_keys(pilot, "seen filming in the toilets")
        grounds.focus()
        await type_keys(pilot, "KXHANDIN")
        assert app.screen is search and grounds.text == "seen filming in the toilets"
        assert "Go back to the desk first (Esc then Esc)" in message(app), "the confiscation is in between"
        assert app.screen_stack[-2] is confiscation


async def test_a_stock_take_keeps_its_scans_when_the_desk_card_is_scanned(school):
    school.confiscate(4)
    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        desk_of(app).action_end_of_day()
        await pilot.pause()
        app.screen.action_stocktake()
        await pilot.pause()
        stock = app.screen
        assert isinstance(stock, StocktakeScreen)
        await scan(pilot, school.tag_of(ruby))
        await type_keys(pilot, "KXHANDBACK")
        assert app.screen is stock and len(stock.codes) == 1
        said = stock.query_one("#stock-problem", MessageLine).message
        assert "desk card's HAND BACK barcode" in said and "Finish the stock-take first (Ctrl+S)" in said


async def test_a_scan_that_finds_nobody_is_worded_as_the_desk_words_it(school):
    zoe = school.pupils[0]
    old = Tag.create(code=new_code(), pupil=zoe, status="lost", created_at=to_db(school.clock.now()))
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, old.code)
        assert message(app).startswith("OLD TAG · Tag ")
        await open_screen(pilot, "escape", DeskScreen)
        for key, kind in (("f5", ConfiscateScreen), ("f8", SearchRecordScreen)):
            await open_screen(pilot, key, kind)
            await scan(pilot, "999999")
            assert message(app) == "UNKNOWN TAG · No pupil has admission number 999999. Check the card, or " \
                                   "type the name."
            await scan(pilot, "KMTEST")  # letters only: a name search that finds nobody
            assert message(app).startswith("No pupil on the roster matches 'KMTEST'"), "named as it was scanned"
            await pilot.press("escape")
            await settle(pilot)


async def test_a_desk_card_code_never_chooses_from_the_pupil_list(school):
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await type_keys(pilot, "zoe")
        assert isinstance(app.screen, PupilPicker)
        await type_keys(pilot, "KXHANDBACK")
        await pilot.pause()
        assert isinstance(app.screen, DeskScreen), "the list closed without choosing Zoë"
        assert app.screen.mode == Mode.HAND_BACK, "and the desk read the code"
        assert Custody.select().count() == 0, "nobody's phone was handed in by the code's Enter"


async def test_a_dialog_keeps_its_text_and_waits_but_lock_still_locks(school):
    school.confiscate(4)
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await releasing_ruby(pilot, school)
        await open_screen(pilot, "ctrl+g", FlagSafeguarding)
        concern = app.screen.query_one("#concern", Input)
        concern.focus()
        await type_keys(pilot, "pupil upset at break")
        concern.focus()
        await type_keys(pilot, "KXHANDIN")
        assert isinstance(app.screen, FlagSafeguarding) and concern.value == "pupil upset at break"
        assert Custody.get_by_id(Custody.select().get().id).state == State.HELD_FOR_PARENT, "nothing was flagged"
        await type_keys(pilot, "KXLOCK")
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1
