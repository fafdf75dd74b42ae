"""The desk for everyone at the hatch: F1 help for the signed-in role, every action in the command palette, a
high-contrast theme, a bell on refusals, and the desk card's barcodes driving the desk from the scanner alone.

Pilot tests on the `school` fixture (a real SQLite file, real PINs, a fixed clock).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.color import Color
from textual.command import CommandPalette

from kiosk.config import Settings
from kiosk.custody import Mode, State
from kiosk.db import Custody, Event
from kiosk.screens.close_day import ConfirmCloseDay, UncollectedList
from kiosk.screens.desk import DeskScreen
from kiosk.screens.help import HelpScreen
from kiosk.screens.lock import LockScreen
from kiosk.widgets.result_banner import ResultBanner
from kiosk.widgets.title_bar import TitleBar
from tests.conftest import TEACHER_PIN
from tests.tui_helpers import (
    burst,
    kiosk_app,
    scan,
    screen_text,
    settle,
    shown,
    shows_big,
    signed_in,
    type_keys,
)

TEACHER = ("TE", TEACHER_PIN)


async def palette(pilot, words: str) -> None:
    """Open the command palette, type, wait for the matches, and run the first one."""
    await pilot.press("ctrl+p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*words)
    await pilot.pause(0.4)  # the palette searches in the background
    await pilot.press("enter")
    await settle(pilot)


async def test_f1_lists_the_desks_keys_and_flows_for_the_office(school):
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        await pilot.press("f1")
        await settle(pilot)
        app = pilot.app
        assert isinstance(app.screen, HelpScreen)
        text = shown(app)
        for key, words in (("F2", "Hand in"), ("F3", "Hand back"), ("F5", "Confiscate a phone"),
                           ("F9", "Close the day"), ("F12", "Tags & labels"), ("Ctrl+L", "Lock the desk"),
                           ("Ctrl+P", "Command palette")):
            assert f"{key} {words}" in text, f"{key} is listed as '{words}'"
        assert "Keys on the desk" in text and "How the desk works" in text
        help_flows = str(app.screen.query_one("#help-flows").content)
        assert "Close the day (F9)" in help_flows and "scan CLOSE DAY again" in help_flows
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)


async def test_f1_for_a_teacher_leaves_out_what_a_teacher_cannot_do(school):
    async with signed_in(kiosk_app(school), *TEACHER, size=(100, 40)) as pilot:
        await pilot.press("f1")
        await settle(pilot)
        help_keys = str(pilot.app.screen.query_one("#help-keys").content.columns[1]._cells)
        help_flows = str(pilot.app.screen.query_one("#help-flows").content)
        assert "Confiscate a phone" in help_keys and "Confiscate (F5)" in help_flows
        assert "Close the day" not in help_keys and "Close the day" not in help_flows
        assert "Tags & labels" not in help_keys and "Release" not in help_flows


async def test_nothing_but_signing_in_is_offered_while_locked(school):
    async with kiosk_app(school).run_test() as pilot:
        await pilot.press("f1", "ctrl+p")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LockScreen), "no help, no palette before signing in"


async def test_the_command_palette_runs_hand_back_and_offers_every_desk_action(school):
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        desk = pilot.app.screen
        assert isinstance(desk, DeskScreen) and desk.mode == Mode.HAND_IN
        await palette(pilot, "hand back")
        assert pilot.app.screen is desk and desk.mode == Mode.HAND_BACK
        assert shows_big(pilot.app, "HAND BACK")

        await pilot.press("ctrl+p")
        await pilot.pause(0.4)
        offered = shown(pilot.app)
        for name in ("Help", "Hand in", "Hand back", "Confiscate a phone", "Release a confiscated phone",
                     "Close the day", "Tags & labels", "Lock the desk"):
            assert name in offered, f"the palette offers {name!r}"
        assert "Screenshot" not in offered, "no screenshots of pupils' names in the Downloads folder"
        await pilot.press("escape")
        await settle(pilot)

        await palette(pilot, "lock the")
        assert isinstance(pilot.app.screen, LockScreen)


async def test_the_high_contrast_theme_is_chosen_from_the_palette_and_applies(school):
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        assert "kiosk-high-contrast" in app.available_themes and "textual-light" in app.available_themes
        await palette(pilot, "change theme")
        await pilot.press(*"kiosk-high")
        await pilot.pause(0.4)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "kiosk-high-contrast"
        assert isinstance(app.screen, DeskScreen)
        banner = app.screen.query_one(ResultBanner)
        assert banner.styles.background == Color.parse("#000000") and banner.styles.color == Color.parse("#ffffff")
        assert app.screen.query_one(TitleBar).styles.color == Color.parse("#ffff00")
        await scan(pilot, "KZZZZ2222")
        assert banner.styles.text_style.bold, "results are bold in high contrast"
        # And back to a standard theme, for this session only: nothing is written to the settings.
        app.theme = "textual-light"
        await pilot.pause()
        assert banner.styles.background != Color.parse("#000000")


async def test_desk_card_barcodes_switch_the_mode_and_lock(school):
    zoe = school.pupils[0]
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        desk = app.screen
        assert isinstance(desk, DeskScreen)
        await type_keys(pilot, school.tag_of(zoe))
        await type_keys(pilot, "KXHANDBACK")  # key by key, as the scanner types it
        assert desk.mode == Mode.HAND_BACK and shows_big(app, "HAND BACK")
        assert desk.query_one(ResultBanner).result.headline == "HANDED IN", "a command is not a refusal"
        await type_keys(pilot, school.tag_of(zoe))
        assert desk.query_one(ResultBanner).result.headline == "HANDED BACK"
        await type_keys(pilot, "KX-HAND-IN")
        assert desk.mode == Mode.HAND_IN
        await type_keys(pilot, "KXLOCK")
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1
        assert "Zoë" not in screen_text(app)
        assert '"locked"' in Event.select().where(Event.action == "SIGNED_OUT").order_by(Event.seq.desc()).get() \
            .payload_json


async def test_close_day_from_the_desk_card_is_confirmed_by_scanning_it_again_then_lock_from_the_list(school):
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        await scan(pilot, school.tag_of(school.pupils[2]))
        burst(app, ["KXCLOSEDAY"])
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCloseDay), "the close of day asks first"
        burst(app, ["KXCLOSEDAY"])
        await pilot.pause()
        assert isinstance(app.screen, UncollectedList)
        assert Custody.get().state == State.UNCOLLECTED
        burst(app, ["KXLOCK"])
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1


async def test_a_teacher_scanning_close_day_is_told_no(school):
    async with signed_in(kiosk_app(school), *TEACHER, size=(100, 40)) as pilot:
        await scan(pilot, "KXCLOSEDAY")
        assert isinstance(pilot.app.screen, DeskScreen)
        assert pilot.app.screen.query_one(ResultBanner).result.headline == "NOT ALLOWED"


@dataclass(frozen=True)
class BellSettings(Settings):
    """The desk's settings with the bell on (the field the lead adds to kiosk/config.py)."""

    bell_on_refusal: bool = True


async def test_the_bell_rings_once_per_refusal_only_when_the_setting_asks(school):
    for settings, expected in ((BellSettings(school_name="Hillcrest Academy", desk="Reception 1"), 2),
                               (school.settings, 0)):
        app = kiosk_app(school, settings)
        rings: list[str] = []
        app.bell = lambda rings=rings: rings.append("ding")  # type: ignore[method-assign]
        async with signed_in(app, size=(100, 40)) as pilot:
            for code in (school.tag_of(school.pupils[3]), "KZZZZ2222", "KZZZZ2222", school.tag_of(school.pupils[5])):
                await scan(pilot, code)  # handed in (no bell), refused, refused again, handed in
                await pilot.pause(0.3)
        assert len(rings) == expected


# ── a desk-card code where nothing reads it: its Enter presses nothing, its letters are no screen's keys ──────
async def test_a_desk_card_code_on_the_help_screen_neither_closes_it_nor_changes_the_desk(school):
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        desk = app.screen
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        for code in ("KXHANDBACK", "KXCLOSEDAY", "KXHANDIN"):
            burst(app, [code])
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen), f"{code}'s Enter must not close the help"
        assert desk.mode == Mode.HAND_IN and not Event.select().where(Event.action == "DAY_CLOSED").exists()
        assert "HAND IN barcode: press Esc to go back to the desk" in " ".join(
            str(n.message) for n in app._notifications)
        burst(app, ["KXLOCK"])
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1


async def test_a_desk_card_code_on_the_reports_screen_presses_no_button_and_no_report_key(school):
    from textual.widgets import Button

    from kiosk.screens.reports import ReportsScreen

    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        app = pilot.app
        await pilot.press("ctrl+r")
        await settle(pilot)
        reports = app.screen
        assert isinstance(reports, ReportsScreen)
        await pilot.press("w")
        await settle(pilot)
        reports.query_one("#save-csv", Button).focus()
        await pilot.pause()
        # KXHANDBACK has a D (the day's report) and a C (save a CSV), and its Enter would press CSV.
        burst(app, ["KXHANDBACK", "KXCLOSEDAY"])
        await pilot.pause(0.3)
        assert app.screen is reports, "no paper list (S) opened, nothing closed"
        assert reports.kind == "week", "D and Y did not change the period"
        assert "Saving the CSV" not in screen_text(app) and not reports.saved
        # Typed by a person, the report's keys still work.
        await pilot.press("d")
        await settle(pilot)
        assert reports.kind == "day"


# ── a head of year: looks pupils up and reads the figures, does not work the hatch ─────────────────────────────
async def test_a_head_of_year_gets_a_desk_that_says_what_it_is_for(school):
    from kiosk.auth import add_staff
    from kiosk.screens.pupil import PupilScreen

    add_staff(keyring=school.keyring, clock=school.clock, desk="Reception 1", name="Nia Evans", initials="NE",
              role="head_of_year", pin="370461")
    async with signed_in(kiosk_app(school), "NE", "370461", size=(100, 40)) as pilot:
        app = pilot.app
        desk = app.screen
        assert isinstance(desk, DeskScreen)
        text = shown(app)
        assert "Nia Evans (head of year)" in text and "head_of_year" not in text
        assert shows_big(app, "LOOK UP") and not shows_big(app, "HAND IN")
        assert desk.query_one("#mode-bar").has_class("-no-hatch") and not desk.query_one("#mode-bar").has_class(
            "-hand-in")
        assert "scanning here hands nothing in or back for your role" in text
        assert "Your role does not hand phones in or back. F4 pupil, F5 confiscate, F8 search record, " \
               "F7 dashboard, Ctrl+R reports; Ctrl+L to lock." in text
        footer = screen_text(app).splitlines()[-1]
        assert "F4 Pupil" in footer and "Hand in" not in footer and "Hand back" not in footer
        await pilot.press("f3")
        await settle(pilot)
        assert shows_big(app, "LOOK UP")
        # A scan says the same plainly, and changes nothing (no picker, no custody).
        await scan(pilot, school.tag_of(school.pupils[0]))
        result = desk.query_one(ResultBanner).result
        assert result.headline == "NOT ALLOWED" and "does not hand phones in or back" in result.message
        await scan(pilot, "KXHANDIN")
        assert shows_big(app, "LOOK UP") and not Custody.select().exists()
        await pilot.press("f1")
        await settle(pilot)
        flows = str(app.screen.query_one("#help-flows").content)
        assert "Look a pupil up (F4)" in flows and "Reports (Ctrl+R)" in flows and "S saves a PDF" in flows
        assert "Hand in (morning)" not in flows
        await pilot.press("escape")
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, PupilScreen)


async def test_f4_is_offered_for_the_pupil_pages_permission_not_the_reports_one(school, monkeypatch):
    from kiosk.auth.roles import GRANTS, Permission, Role

    # No role today reads the reports without the pupil pages; one that did must not be offered F4.
    monkeypatch.setitem(GRANTS, Role.TEACHER, frozenset({Permission.CONFISCATE, Permission.VIEW_REPORTS}))
    async with signed_in(kiosk_app(school), *TEACHER, size=(160, 45)) as pilot:
        footer = screen_text(pilot.app).splitlines()[-1]
        assert "^R Reports" in footer and "F4 Pupil" not in footer and "Hand in" not in footer
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DeskScreen)
