"""Names are text, never markup or control codes (issue 15).

A roster can hold anything the MIS lets a school type: "Eve [/]" crashed the desk with Textual's MarkupError,
"[bold red]…[/]" came out styled, "[@click=app.quit]…[/]" became a link that quits, and ESC ] 2 ; … BEL retitled
the terminal. Here hostile names go through every screen that shows a pupil, a carer, a bag number or a typed
word, and through the import and the command line: each shows literally (markup) or cleaned (control codes), and
nothing crashes (a crash under Pilot is raised when the test's app closes).
"""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, OptionList

from kiosk.custody import hand_in, normalise, resolve
from kiosk.custody.confiscation import confiscate
from kiosk.custody.safeguarding import flag_safeguarding
from kiosk.db import Carer, Custody, Event, Pupil
from kiosk.roster import import_roster
from kiosk.screens.close_day import ConfirmCloseDay, UncollectedList
from kiosk.screens.confiscate import ConfiscateScreen
from kiosk.screens.dashboard import DashboardScreen
from kiosk.screens.desk import DeskScreen
from kiosk.screens.lock import LockScreen
from kiosk.screens.pupil import PupilScreen
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.release import ReleaseScreen
from kiosk.screens.reports import ReportsScreen
from kiosk.screens.safeguarding import HoldsAlert, HoldsScreen
from kiosk.screens.stocktake import EndOfDayScreen
from kiosk.text import clean, plain_text
from tests.conftest import DSL_PIN, add_pupil
from tests.tui_helpers import (
    everything_on_screens,
    fill_and_save_confiscation,
    kiosk_app,
    open_screen,
    scan,
    screen_text,
    settle,
    sign_in,
    signed_in,
    type_keys,
)

# Two pupils whose names are markup, and one whose name is terminal escapes (as an old database may hold them).
EVE = ("Eve [/]", "[@click=app.quit]Quinn[/]")
RAE = ("[bold red]Rae[/]", "Eveson")
OSC = ("\x1b]2;PWNED\x07Oscar", "\x1b[31mOwen\u202eS\x9b0m")
OSC_SHOWN = ("Oscar", "OwenS")
BAG = "BAG[/]1"
BY = "[b]Mr T. Ellis[/]"


def hostile_pupils(school) -> tuple[Pupil, Pupil, Pupil]:
    eve = add_pupil(school.clock, "200001", *EVE, None, 9, "9C")
    rae = add_pupil(school.clock, "200002", *RAE, None, 9, "9C[/]")
    oscar = add_pupil(school.clock, "200003", *OSC, None, 9, "9C")
    return eve, rae, oscar


def assert_literal(app, *texts: str) -> None:
    """Each text is on the screens as written, and no escape or direction override reached the terminal."""
    everything = everything_on_screens(app)
    for text in texts:
        assert text in everything, f"{text!r} is not shown literally"
    shown = screen_text(app)
    for bad in ("\x1b", "\x07", "\u202e", "\x9b", "PWNED"):
        assert bad not in shown, f"{bad!r} reached the screen"


def name(pupil_name: tuple[str, str]) -> str:
    return " ".join(pupil_name)


async def test_hostile_names_at_hand_in_the_name_list_hand_back_the_pupil_page_and_close_of_day(school):
    eve, rae, oscar = hostile_pupils(school)
    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        app = pilot.app
        await scan(pilot, school.tag_of(eve))
        assert_literal(app, name(EVE))
        await scan(pilot, school.tag_of(oscar))
        assert_literal(app, " ".join(OSC_SHOWN))
        await type_keys(pilot, "eve")  # "Eve [/]" and "Rae Eveson": the name list
        assert isinstance(app.screen, PupilPicker)
        assert_literal(app, name(EVE), name(RAE))
        options = app.screen.query_one(OptionList)
        picked = next(i for i in range(options.option_count)
                      if options.get_option_at_index(i).id == str(rae.id))
        options.highlighted = picked
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)
        assert_literal(app, name(RAE), "9C[/]")
        await pilot.press("f3")
        await scan(pilot, school.tag_of(eve))
        assert_literal(app, name(EVE))  # the banner and the recent list
        await open_screen(pilot, "f4", PupilScreen)
        await scan(pilot, school.tag_of(eve))
        assert_literal(app, name(EVE), f"Mrs Dana {EVE[1]}")
        await pilot.press("escape")
        await settle(pilot)
        await open_screen(pilot, "f4", PupilScreen)
        await scan(pilot, school.tag_of(oscar))
        assert_literal(app, " ".join(OSC_SHOWN))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmCloseDay)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, UncollectedList)
        assert_literal(app, name(RAE), " ".join(OSC_SHOWN))
    assert app.return_code in (0, None)


async def test_hostile_names_and_a_hostile_bag_number_through_confiscation_and_release(school):
    eve, _rae, _oscar = hostile_pupils(school)
    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        app = pilot.app
        screen = await open_screen(pilot, "f5", ConfiscateScreen)
        await scan(pilot, school.tag_of(eve))
        assert_literal(app, EVE[0], EVE[1])
        await fill_and_save_confiscation(pilot, screen, seal=BAG, by=BY)
        assert screen.receipt is not None, "the confiscation was saved"
        assert_literal(app, BAG)
        record = Custody.get_by_id(screen.receipt.custody_id)
        assert record.seal_number == BAG and record.confiscated_by_name == BY
        await pilot.press("escape")
        await settle(pilot)
        # Scanned again at the confiscation screen: "already confiscated (bag BAG[/]1)".
        await open_screen(pilot, "f5", ConfiscateScreen)
        await scan(pilot, school.tag_of(eve))
        assert_literal(app, BAG)
        await pilot.press("escape")
        await settle(pilot)
        release = await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, school.tag_of(eve))
        await settle(pilot)
        assert_literal(app, BAG, BY, f"Mrs Dana {EVE[1]}", name(EVE))
        release.query_one("#collector-name", Input).value = "[@click=app.quit]Stranger[/]"
        await settle(pilot)
        assert_literal(app, name(EVE))
    assert app.return_code in (0, None)


async def test_hostile_names_on_the_dashboard_reports_end_of_day_and_holds(school):
    eve, rae, oscar = hostile_pupils(school)
    hand_in(school.ctx(), school.scanned(0))
    for pupil, bag in ((eve, BAG), (oscar, f"{BAG}-2")):  # a bag each: a seal names one phone while held
        confiscate(school.ctx(), resolve(normalise(school.tag_of(pupil))), confiscated_by_name=BY,
                   reason_category="used in lesson", location="Room S12", condition=["in a case"], seal_number=bag)
    hand_in(school.ctx(), resolve(normalise(school.tag_of(rae))))
    held = Custody.get((Custody.pupil == eve) & (Custody.state == "HELD_FOR_PARENT"))
    flag_safeguarding(school.ctx(school.signed_in("PS")), held.id, concern="[b]concern[/] " + BAG, acknowledged=True,
                      kind="risk_of_harm")
    async with kiosk_app(school, idle_lock_seconds=10_000).run_test(size=(160, 45)) as pilot:
        app = pilot.app
        await sign_in(pilot, "PS", DSL_PIN)  # the DSL sees every screen, the holds too
        await settle(pilot)
        assert isinstance(app.screen, HoldsAlert), "the DSL is told of the hold at sign-in"
        assert_literal(app, EVE[0], BAG)
        await pilot.press("escape")
        await settle(pilot)
        await open_screen(pilot, "f7", DashboardScreen)
        assert_literal(app, " ".join(OSC_SHOWN))  # held for a parent (Eve's phone is on a safeguarding hold)
        await pilot.press("escape")
        await settle(pilot)
        await open_screen(pilot, "ctrl+r", ReportsScreen)
        await settle(pilot)
        assert "\x1b" not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await open_screen(pilot, "ctrl+t", EndOfDayScreen)
        assert_literal(app, RAE[0], "9C[/]")  # the name is cut to the column's width
        await pilot.press("escape")
        await settle(pilot)
        await open_screen(pilot, "f10", HoldsScreen)
        assert_literal(app, EVE[0], BAG)
    assert app.return_code in (0, None)


async def test_initials_that_are_markup_or_a_pin_at_the_lock_screen(school):
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await type_keys(pilot, "[/]")  # used to crash the lock screen: "PIN for [/]"
        assert isinstance(app.screen, LockScreen)
        assert "[/]" in screen_text(app)
        await pilot.press("escape")
        await type_keys(pilot, "864213")  # a PIN typed where the initials go
        await type_keys(pilot, "864213")
        assert "864213" not in screen_text(app), "a PIN typed as initials is not echoed back"
    failed = [json.loads(e.payload_json) for e in Event.select().where(Event.action == "SIGN_IN_FAILED")]
    assert failed, "the failed sign-ins are recorded"
    assert all("864213" not in json.dumps(payload) for payload in failed), failed
    assert any(payload["reason"] == "unknown initials" for payload in failed)


def test_plain_text_takes_out_escapes_controls_and_direction_overrides_and_keeps_letters():
    assert plain_text("\x1b]2;PWNED\x07Zoë") == "Zoë"
    assert plain_text("\x1b[1;31mRed\x1b[0m Łukasz") == "Red Łukasz"
    assert plain_text("Siobhán Ó Súilleabháin Nguyễn") == "Siobhán Ó Súilleabháin Nguyễn"
    assert plain_text("Eve [/] [bold red]x[/]") == "Eve [/] [bold red]x[/]", "brackets are text, kept"
    assert plain_text("A\u202eB\u2066C\u2069\u200fD") == "ABCD"
    assert plain_text("a\x00b\x7fc\x9b1md\x85e") == "abcd e"  # \x9b: CSI in one byte
    assert plain_text("one\ttab") == "one tab"
    assert plain_text("line one\r\nline two", lines=True) == "line one\nline two"
    assert clean("Zoë Hall").changed is False and clean("Zo\x1b[0më").changed is True


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_import_cleans_names_and_says_which_line_and_field(school, tmp_path):
    pupils = write(tmp_path / "pupils.csv", [
        "Adno,Forename,Surname,Year,Reg",
        "300001,\x1b]2;PWNED\x07Mia,Hart,Year 9,9C",
        "300002,Siobhán,Ó Súilleabháin,Year 9,9C",
        "300003,Ann\u202e,[b]Bold[/],Year 9,9\x1b[31mC",
    ])
    carers = write(tmp_path / "carers.csv", [
        "Adno,Contact Name,Relationship,Parental Responsibility,Priority,Telephone",
        "300001,Mrs \x1b[8mHidden\x1b[0m Hart,Mother,Yes,1,07700900123",
        "300002,Mr Ó Súilleabháin,Father,Yes,1,07700900124",
    ])
    report = import_roster(pupils, carers, clock=school.clock, audit_key=school.keyring.audit_key,
                           desk="Reception 1", staff_id=None, dry_run=False)
    mia = Pupil.get(Pupil.mis_id == "300001")
    ann = Pupil.get(Pupil.mis_id == "300003")
    assert (mia.legal_forename, mia.legal_surname) == ("Mia", "Hart")
    assert (ann.legal_forename, ann.legal_surname, ann.form) == ("Ann", "[b]Bold[/]", "9C")
    assert Pupil.get(Pupil.mis_id == "300002").legal_forename == "Siobhán"
    notes = [str(problem) for problem in report.problems]
    assert any("line 2" in note and "forename" in note and "control codes" in note for note in notes), notes
    assert any("line 4" in note and "forename" in note for note in notes), notes
    assert any("line 4" in note and "form" in note for note in notes), notes
    assert not any("pupils.csv line 3" in note for note in notes), "Siobhán is an ordinary name"
    assert any("carers.csv line 2" in note and "carer's name" in note for note in notes), notes
    assert not any("carers.csv line 3" in note for note in notes), notes
    assert Carer.get(Carer.pupil == mia).name == "Mrs Hidden Hart"
    summary = "\n".join(report.summary_lines())
    assert "\x1b" not in summary and "\u202e" not in summary


def test_the_command_line_prints_an_old_database_s_dirty_names_clean(school):
    add_pupil(school.clock, "200003", *OSC, None, 9, "9C")
    code, out, err = school.cli("tags", "list")
    assert code == 0, err
    assert "Oscar" in out and "OwenS" in out
    for bad in ("\x1b", "\x07", "\u202e", "\x9b", "PWNED"):
        assert bad not in out
    code, out, err = school.cli("tags", "list", "--csv")
    assert code == 0 and "\x1b" not in out and "Oscar" in out


async def test_markup_typed_at_the_desk_is_shown_as_typed(school):
    """What staff type is text too: a search for "[/]", and "[/]" kept in the box when a scan comes."""
    from tests.tui_helpers import burst

    async with signed_in(kiosk_app(school), size=(120, 40)) as pilot:
        app = pilot.app
        await type_keys(pilot, "[/]")
        assert "[/]" in everything_on_screens(app)
        await pilot.press(*"[/]")
        burst(app, [school.tag_of(school.pupils[0])])
        await settle(pilot)
        assert "'[/]' kept" in " ".join(screen_text(app).split())
    assert app.return_code in (0, None)
