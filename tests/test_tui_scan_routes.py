"""A scan always wins: a scanner's burst is taken whole at the app, whatever is open, and routed by the screen in
front (kiosk/app.py route_scan, kiosk/widgets/scanner.py). Pilot, real SQLite file, fixed clock.

The keys of a burst are queued as a scanner's arrive, each stamped with the time the terminal would have given it
(Message.time, what the kiosk reads), so both sides of the 35 ms threshold are tested exactly, without sleeping:
SCANNER_GAP is a wedge scanner's (its slowest measured key was 19 ms after the one before), PERSON_GAP just over
the threshold. One test types with real pauses too (Pilot's "wait:" keys).
"""

from __future__ import annotations

import importlib
import inspect
import time
from pathlib import Path

from textual import events
from textual.command import CommandPalette
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.widgets import Input

import kiosk.screens as screens_package
from kiosk.app import scan_stance
from kiosk.custody import Mode, State
from kiosk.custody.codes import check_character
from kiosk.db import Custody, Event
from kiosk.screens.close_day import ConfirmCloseDay, UncollectedList
from kiosk.screens.confiscate import ConfiscateScreen
from kiosk.screens.desk import DeskScreen
from kiosk.screens.desk_card import GIVES_WAY, REFUSES, TAKES
from kiosk.screens.dialogs import ConfirmQuit
from kiosk.screens.help import HelpScreen
from kiosk.screens.labels import LabelsScreen
from kiosk.screens.lock import LockScreen
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.release import ReleaseScreen
from kiosk.screens.safeguarding import FlagSafeguarding
from kiosk.screens.stocktake import StocktakeScreen
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.scanner import KEY_GAP_SECONDS
from tests.conftest import OFFICE_PIN, add_pupil
from tests.tui_helpers import (
    kiosk_app,
    open_confiscation,
    open_screen,
    scan,
    screen_text,
    settle,
    sign_in,
    type_keys,
)

SCANNER_GAP = 0.019  # the slowest gap measured from a wedge scanner (a key every 15 ms)
PERSON_GAP = 0.045  # faster than any person, still over the threshold


def tag_code(body: str) -> str:
    """A valid tag code with the given six characters (Y and N in it: the close-day question's own keys)."""
    return f"K{body}{check_character('K' + body)}"


LUCAS_TAG = tag_code("Y0EJN5")


def queue_keys(app, text: str, *, gap: float, enter: str = "enter") -> None:
    """Queue `text` and Enter for the app as a terminal delivers them, each key stamped `gap` after the one
    before (the stamp is what tells a scanner from a person)."""
    driver = app._driver
    start = time.monotonic()
    keys = [(c if c.isalnum() else _character_to_key(c), c) for c in text] + [(enter, "\r")]
    for number, (key, character) in enumerate(keys):
        event = events.Key(key, character)
        event.time = start + number * gap
        driver.send_message(event)


async def scanner(pilot, text: str, *, gap: float = SCANNER_GAP, enter: str = "enter") -> None:
    """A wedge scanner reads `text`: its keys and Enter, `gap` apart, then the app catches up."""
    queue_keys(pilot.app, text, gap=gap, enter=enter)
    await pilot.pause()
    await settle(pilot)
    await pilot.pause()


def bells(app) -> list[int]:
    """Count the bells the app rings (the terminal's own bell is written by the driver, which Pilot has not)."""
    rung: list[int] = []
    app.bell = lambda: rung.append(1)
    return rung


def toasts(app) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


def desk_of(app) -> DeskScreen:
    return next(s for s in app.screen_stack if isinstance(s, DeskScreen))


def in_office(pupil) -> bool:
    return Custody.select().where((Custody.pupil == pupil.id) & (Custody.state == State.IN_OFFICE)).exists()


def add_davies_and_lucas(school) -> tuple[list, object]:
    """Two pupils called Davies (the name list) and Lucas Hill, whose tag is scanned."""
    davies = [add_pupil(school.clock, "100201", "Luna", "Davies", None, 8, "8B"),
              add_pupil(school.clock, "100202", "Noah", "Davies", None, 9, "9C")]
    lucas = add_pupil(school.clock, "100203", "Lucas", "Hill", None, 10, "10HA", code=LUCAS_TAG)
    return davies, lucas


async def at_hand_in(pilot) -> DeskScreen:
    await sign_in(pilot)
    desk = desk_of(pilot.app)
    desk.mode = Mode.HAND_IN
    return desk


# ── the desk, and what opens over it ───────────────────────────────────────────────────────────────────────
async def test_a_scan_into_the_open_name_list_hands_in_the_scanned_pupil_not_the_highlighted_one(school):
    davies, lucas = add_davies_and_lucas(school)
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        desk = await at_hand_in(pilot)
        await type_keys(pilot, "davies")
        assert isinstance(app.screen, PupilPicker)
        await scanner(pilot, LUCAS_TAG)
        assert app.screen is desk, "the list closed without choosing"
        assert in_office(lucas), "the scanned pupil is handed in"
        assert not any(in_office(pupil) for pupil in davies), "the highlighted Davies is not"
        assert desk.last_result.pupil == "Lucas Hill"
        box = desk.query_one("#scan", ScanBox)
        assert box.value == "davies" and box.selection.end - box.selection.start == len("davies"), \
            "the name typed for the list is back in the box, selected: typing replaces it, Enter searches again"
        assert "name list closed for a scan" in box.border_subtitle and "'davies' kept" in box.border_subtitle
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PupilPicker), "Enter searches for the name again"
        # The desk card's codes do what kiosk/screens/desk_card.py says: HAND BACK closes the list, the desk switches.
        await scanner(pilot, "KXHANDBACK")
        assert app.screen is desk and desk.mode == Mode.HAND_BACK
        assert not any(in_office(pupil) for pupil in davies)


async def test_a_scan_while_a_name_is_half_typed_at_the_desk_keeps_the_name(school):
    ruby = school.pupils[4]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        desk = await at_hand_in(pilot)
        await pilot.press(*"mitc")
        await scanner(pilot, school.tag_of(ruby))
        assert in_office(ruby) and desk.last_result.headline == "HANDED IN"
        box = desk.query_one("#scan", ScanBox)
        assert box.typed_so_far == "mitc", "the person's typing is kept, the scan never joined it"
        assert "'mitc' kept" in box.border_subtitle
        assert app.screen is desk


async def test_a_scan_while_help_is_open_closes_it_and_is_handed_in(school):
    zoe = school.pupils[0]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        desk = await at_hand_in(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await scanner(pilot, school.tag_of(zoe))
        assert app.screen is desk and in_office(zoe)
        assert "help closed for a scan" in desk.query_one("#scan", ScanBox).border_subtitle


async def test_a_scan_on_the_close_day_question_does_not_close_the_day_and_is_handed_in(school):
    _davies, lucas = add_davies_and_lucas(school)
    zoe = school.pupils[0]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        desk = await at_hand_in(pilot)
        await scan(pilot, school.tag_of(zoe))
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmCloseDay)
        await scanner(pilot, LUCAS_TAG)  # its Y would answer the question, its Enter press Cancel
        assert app.screen is desk, "the question closed, unanswered"
        assert in_office(lucas) and in_office(zoe), "the day was NOT closed: both phones are in the office"
        assert not Event.select().where(Event.action == "DAY_CLOSED").exists()
        assert "close of day NOT done for a scan" in desk.query_one("#scan", ScanBox).border_subtitle


async def test_a_scan_on_the_uncollected_list_the_palette_and_the_dashboard_closes_them(school):
    pupils = school.pupils
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        desk = await at_hand_in(pilot)
        await pilot.press("f9", "y")
        await settle(pilot)
        assert isinstance(app.screen, UncollectedList)
        await scanner(pilot, school.tag_of(pupils[0]))
        assert app.screen is desk and in_office(pupils[0])

        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await scanner(pilot, school.tag_of(pupils[1]))
        assert app.screen is desk and in_office(pupils[1]), "the palette ran no command and closed"

        await pilot.press("f7")
        await settle(pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        await scanner(pilot, school.tag_of(pupils[2]))
        assert app.screen is desk and in_office(pupils[2])
        assert "the dashboard closed for a scan" in desk.query_one("#scan", ScanBox).border_subtitle


async def test_a_burst_of_several_scans_into_the_name_list_is_every_one_handed_in(school):
    zoe, ruby, leo = school.pupils[0], school.pupils[4], school.pupils[5]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        desk = await at_hand_in(pilot)
        await type_keys(pilot, "hall")
        assert isinstance(app.screen, PupilPicker)
        for pupil in (ruby, leo):
            queue_keys(app, school.tag_of(pupil), gap=0.002)
        await pilot.pause()
        await settle(pilot)
        assert app.screen is desk
        assert in_office(ruby) and in_office(leo) and not in_office(zoe)


# ── forms that take a scan, dialogs that refuse one ───────────────────────────────────────────────────────────
async def test_a_scan_on_a_confiscation_form_goes_to_its_pupil_box_not_the_field_with_the_focus(school):
    zoe, ruby = school.pupils[0], school.pupils[4]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        screen = await open_confiscation(pilot, school, zoe)
        where = screen.query_one("#where", Input)
        where.focus()
        await scanner(pilot, school.tag_of(ruby))
        assert isinstance(app.screen, ConfiscateScreen) and app.screen is screen
        assert screen.found.pupil.id == ruby.id, "the scan went to the pupil box, as if scanned there"
        assert where.value == "", "not one character of it was typed into the field"
        # Once something is typed on the form, another pupil's scan still reaches the pupil box, which refuses it
        # (the form stays Ruby's: tests/test_tui_form_for_one_pupil.py), and the field keeps only what was typed.
        where.focus()
        await type_keys(pilot, "Room S12")
        where.focus()
        await scanner(pilot, school.tag_of(zoe))
        assert screen.found.pupil.id == ruby.id and where.value == "Room S12"
        # A barcode that is none of the kiosk's codes, scanned into a form field, is typed there as before.
        seal = screen.query_one("#seal", ScanBox)
        seal.focus()
        await scanner(pilot, "BAG-0042")
        assert seal.value == "BAG-0042" and screen.found.pupil.id == ruby.id


async def test_the_labels_and_stock_take_screens_take_a_scan_in_their_box_and_help_over_a_form_closes(school):
    zoe, ruby, leo = school.pupils[0], school.pupils[4], school.pupils[5]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        desk = await at_hand_in(pilot)
        labels = await open_screen(pilot, "f12", LabelsScreen)
        labels.query_one("#print").focus()  # not the pupil box
        await scanner(pilot, school.tag_of(zoe))
        assert app.screen is labels and labels.found.pupil.id == zoe.id

        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await scanner(pilot, school.tag_of(ruby))
        assert app.screen is labels and labels.found.pupil.id == ruby.id, "help closed, the form took the scan"
        assert "help closed" in toasts(app)
        await pilot.press("escape")
        await settle(pilot)

        desk.action_end_of_day()
        await settle(pilot)
        app.screen.action_stocktake()
        await settle(pilot)
        stock = app.screen
        assert isinstance(stock, StocktakeScreen)
        stock.query_one("#scan").blur()
        await scanner(pilot, school.tag_of(leo))
        assert stock.codes == {school.tag_of(leo)}
        assert not in_office(leo), "counted by the stock-take, not handed in"


async def test_a_scan_while_a_pin_is_typed_on_the_release_form_is_refused_and_names_its_code(school):
    school.confiscate(4)
    zoe = school.pupils[0]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        release = await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, school.tag_of(school.pupils[4]))
        pin = release.query_one("#pin", Input)
        pin.value = "48"
        pin.focus()
        rung = bells(app)
        await scanner(pilot, school.tag_of(zoe))
        assert app.screen is release and pin.value == "48", "not read as PIN digits, not typed into the PIN"
        assert release.chosen_phone is not None, "the phone being released is still the one chosen"
        assert f"A tag was scanned: {school.tag_of(zoe)} — finish here first" in toasts(app)
        assert rung == [1]


async def test_a_scan_in_a_dialog_is_refused_with_its_code_and_the_bell_and_the_text_stays(school):
    school.confiscate(4)
    zoe = school.pupils[0]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, school.tag_of(school.pupils[4]))
        await open_screen(pilot, "ctrl+g", FlagSafeguarding)
        concern = app.screen.query_one("#concern", Input)
        concern.focus()
        await type_keys(pilot, "pupil upset at break")
        concern.focus()
        rung = bells(app)
        await scanner(pilot, school.tag_of(zoe))
        assert isinstance(app.screen, FlagSafeguarding) and concern.value == "pupil upset at break"
        assert f"A tag was scanned: {school.tag_of(zoe)} — finish here or press Esc first" in toasts(app)
        assert "Nothing was recorded for it" in toasts(app) and rung == [1]
        assert not in_office(zoe)
        assert Custody.get(Custody.pupil == school.pupils[4].id).state == State.HELD_FOR_PARENT, "nothing flagged"
        await scanner(pilot, "KXLOCK")  # the desk card's LOCK still locks from a dialog
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1


# ── the lock screen ──────────────────────────────────────────────────────────────────────────────────────
async def test_a_tag_at_the_lock_screen_says_sign_in_first_and_the_initials_go_on(school):
    zoe = school.pupils[0]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        lock = app.screen
        rung = bells(app)
        await pilot.press("a")  # half the initials
        await scanner(pilot, school.tag_of(zoe))
        said = str(lock.query_one("#sign-in-message").content)
        assert said == f"A tag was scanned: {school.tag_of(zoe)} — sign in first."
        assert rung == [1] and lock.who_typed is None, "not read as a staff badge"
        assert lock.query_one("#sign-in", ScanBox).typed_so_far == "a", "the half-typed initials stay as they were"
        await scanner(pilot, "KXHANDIN")
        assert str(lock.query_one("#sign-in-message").content) == \
            "The desk card's HAND IN barcode was scanned: KXHANDIN — sign in first."
        await type_keys(pilot, "a")
        assert lock.who_typed == "aa"
        # At the PIN step every scan is refused: nothing scanned is ever read as PIN digits.
        await pilot.press(*OFFICE_PIN[:3])
        await scanner(pilot, "100001")  # an ID card's number
        # Digits are never shown here: they may be a PIN (tests/test_tui_pin_never_shown.py).
        assert str(lock.query_one("#sign-in-message").content) == \
            "A number was scanned or typed very fast — sign in first: type your PIN, then Enter; nothing was recorded."
        assert not Event.select().where(Event.action == "SIGN_IN_FAILED").exists(), "no wrong PIN was counted"
        await type_keys(pilot, OFFICE_PIN[3:])
        assert isinstance(app.screen, DeskScreen), "the PIN typed before and after the scan signs in"
        assert not in_office(zoe)
        # Any other barcode at the first step is a staff badge, as the prompt asks (a school's may be digits).
        await pilot.press("ctrl+l")
        await pilot.pause()
        await scanner(pilot, "7700123456")
        assert lock.who_typed == "7700123456" and "PIN for your badge" in screen_text(app)


# ── a person is unaffected ───────────────────────────────────────────────────────────────────────────────
async def test_the_same_keys_are_typing_just_over_the_threshold_and_a_scan_just_under(school):
    zoe, ruby = school.pupils[0], school.pupils[4]
    assert SCANNER_GAP < KEY_GAP_SECONDS < PERSON_GAP
    async with kiosk_app(school).run_test() as pilot:
        await sign_in(pilot)
        screen = await open_confiscation(pilot, school, zoe)
        where = screen.query_one("#where", Input)
        where.focus()
        await scanner(pilot, school.tag_of(ruby), gap=PERSON_GAP)
        assert where.value == school.tag_of(ruby), "a person's keys, however tag-like, are typing"
        assert screen.found.pupil.id == zoe.id
        where.value = ""
        where.focus()
        await scanner(pilot, school.tag_of(ruby), gap=SCANNER_GAP)
        assert where.value == "" and screen.found.pupil.id == ruby.id
        # A person with real pauses (80 ms a key): typing, and Enter moves on as before.
        where.focus()
        await pilot.press(*[key for character in "K9 lab" for key in (character, "wait:80")], "enter")
        await pilot.pause()
        assert where.value == "K9 lab" and pilot.app.focused is not where
        await pilot.press("escape", "escape")  # a filled form: the first Esc says what it would discard
        await settle(pilot)
        desk = desk_of(pilot.app)
        desk.mode = Mode.HAND_IN
        await pilot.press(*[key for character in school.tag_of(zoe) for key in (character, "wait:80")], "enter")
        await settle(pilot)
        assert in_office(zoe), "a tag typed by hand at the desk is still a hand-in, through the box"


# ── Ctrl+Q asks first ─────────────────────────────────────────────────────────────────────────────────────
async def test_ctrl_q_asks_first_and_a_scan_does_not_answer(school):
    zoe = school.pupils[0]
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) and app.is_running, "a locked desk offers no quitting"
        await at_hand_in(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuit) and app.is_running
        assert "Quit the kiosk?" in screen_text(app)
        await scanner(pilot, school.tag_of(zoe))
        assert isinstance(app.screen, ConfirmQuit) and app.is_running, "the scan's Enter pressed nothing"
        assert "answer the quit question first" in toasts(app) and not in_office(zoe)
        await pilot.press("enter")  # a person's Enter: "Keep the kiosk open" has the focus
        await pilot.pause()
        assert isinstance(app.screen, DeskScreen) and app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running, "Ctrl+Q twice quits"




# ── every screen has a stance someone chose ─────────────────────────────────────────────────────────────────
STANCES = {
    TAKES: {"DeskScreen", "DeskCardScreen", "FindingScreen", "ConfiscateScreen", "ReleaseScreen", "SearchRecordScreen",
            "LabelsScreen", "PupilScreen", "StocktakeScreen"},
    GIVES_WAY: {"PupilPicker", "HelpScreen", "ConfirmCloseDay", "UncollectedList", "DashboardScreen", "ReportsScreen",
                "ChoosePaper", "HoldsScreen", "EndOfDayScreen",
                # lists that only show things (issues 16–18): a scan closes them and lands on the desk
                "PoliceCasesScreen", "ClosedCasesScreen", "SearchesToldScreen", "PrintJobsScreen", "OutboxScreen"},
    # The lock screen is asked first, by its own rules (LockScreen.scanned); as a stance it would refuse.
    REFUSES: {"TextPrompt", "ParentInformedDialog", "ConfirmQuit", "FlagSafeguarding", "HoldsAlert",
              "PoliceHandoverDialog", "LockScreen",
              # forms and dialogs where something is being recorded (a scan there is refused, its code named)
              "PoliceOutcomeDialog", "ExaminationScreen", "HandoverDialog", "HeadOfYearInbox",
              "TagPhoneDialog",  # the phone a tag is for (an IMEI's barcode is no kiosk code: typed in its box)
              "CasesScreen",  # the police and closed cases' common part, never shown itself
              "RecordDialog"},  # every dialog that records something is built on it, never shown itself
}


def test_every_screen_of_the_kiosk_takes_gives_way_to_or_refuses_a_scan_as_listed():
    """A screen added later gets a stance by choice: this fails until it is listed here (and, if it should not
    refuse, built on the desk card's classes or named in the app's table)."""
    found = {}
    for path in sorted(Path(screens_package.__file__).parent.glob("*.py")):
        module = importlib.import_module(f"kiosk.screens.{path.stem}")
        for kind in vars(module).values():
            if inspect.isclass(kind) and issubclass(kind, Screen) and kind.__module__ == module.__name__:
                found[kind.__name__] = scan_stance(kind)
    assert set(found) == set().union(*STANCES.values()), "list the new screen's stance here"
    assert {name: stance for name, stance in found.items()} == \
        {name: stance for stance, names in STANCES.items() for name in names}
    assert scan_stance(CommandPalette) == GIVES_WAY


async def test_a_bag_scanned_while_the_cursor_is_in_who_took_it_goes_in_the_bag_box(school):
    """The receptionist holds the bag to the scanner while the cursor is still in "Confiscated by": the seal's
    number goes in the bag's box (said in a toast), and "Confiscated by" keeps only the name."""
    zoe = school.pupils[0]
    async with kiosk_app(school).run_test() as pilot:
        await sign_in(pilot)
        screen = await open_confiscation(pilot, school, zoe)
        by = screen.query_one("#by", Input)
        by.focus()
        name = by.value
        await scanner(pilot, "BAG-0042")
        await settle(pilot)
        assert by.value == name, "not one character of the bag's number stayed in Confiscated by"
        assert screen.query_one("#seal", ScanBox).value == "BAG-0042"
        assert "BAG-0042" in toasts(pilot.app)
        # An IMEI's barcode, read while the cursor is in the room, goes in the IMEI box.
        where = screen.query_one("#where", Input)
        where.focus()
        await scanner(pilot, "490154203237518")
        await settle(pilot)
        assert where.value == "" and screen.query_one("#phone-imei", Input).value == "490154203237518"
        # Scanned into its own box, a bag's number stays there (and a second scan there is the office's choice).
        seal = screen.query_one("#seal", ScanBox)
        seal.focus()
        await scanner(pilot, "BAG-0043")
        assert seal.value == "BAG-0043"
