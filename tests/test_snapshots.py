"""Snapshot tests: every screen of the kiosk, at 80×24 and at a kiosk-sized 160×45, compared with the SVG
pictures kept in tests/__snapshots__/test_snapshots/ (pytest-textual-snapshot's SVG format, through syrupy).

Each screen is reached as staff reach it: sign in at the lock screen with initials and a PIN, then press the
screen's key (and scan a tag where the screen asks for one). Three journeys per size, each one app run that
stops to take a picture at every screen (one run per screen would cost a sign-in and a desk start-up each,
and CI is close to its time limit): the office (lock, desk, help, picker, confiscation and its dialogs,
release, search record, pupil, dashboard, reports, end of day, stock-take, labels, close of day), the DSL
(holds alert, holds, notes, add-note and police dialogs) and the desk in the high-contrast theme.

The school is the same on every run: invented pupils with fixed tag codes, a fixed clock (Monday 30 November
2026, 10:40 GMT), a morning of hand-ins, one phone left overnight, two confiscations (one held a week, so
overdue), one safeguarding hold with a DSL note and a search record, one medical exception. Cursors do not
blink in the pictures and readings done by worker threads are waited for.

A changed screen fails its journey's test, which names every screen that changed and keeps the new pictures
in the test's tmp folder. To accept the screens as they are now (after looking at them):

    python -m pytest -q tests/test_snapshots.py --snapshot-update

To look at them, turn each SVG into a PNG in /tmp/snapshots-png and open the PNGs. Headless Chromium draws
them as a terminal would (Debian: chromium); rsvg-convert (librsvg2-bin) is quicker but ignores the SVG's
text lengths, so block letters (the desk's headline and slot) come out garbled:

    mkdir -p /tmp/snapshots-png && for f in tests/__snapshots__/test_snapshots/*.svg; do
        read -r w h < <(grep -o 'viewBox="0 0 [0-9.]* [0-9.]*"' "$f" | head -1 | tr -d '"' \
                        | awk '{printf "%d %d", $3 + 0.999, $4 + 0.999}')
        chromium --headless --no-sandbox --hide-scrollbars --window-size="$w,$h" \
            --screenshot="/tmp/snapshots-png/$(basename "${f%.svg}").png" "file://$PWD/$f"; done
    # or, quicker and rougher: rsvg-convert -o "/tmp/snapshots-png/$(basename "${f%.svg}").png" "$f"

docs/screens-review.md lists what looked wrong on each screen when they were last reviewed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.app import make_app
from kiosk.auth import SignedIn, add_staff
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.custody import DeskContext, close_day, hand_back, hand_in, normalise, resolve
from kiosk.custody.codes import check_character
from kiosk.custody.confiscation import confiscate
from kiosk.custody.exceptions import add_exception
from kiosk.custody.safeguarding import add_dsl_note, flag_safeguarding
from kiosk.custody.searches import record_search
from kiosk.db import Staff, database_proxy, open_database
from kiosk.keyring import create_key_file, load_key_file
from tests.conftest import add_pupil

SIZES = [(80, 24), (160, 45)]
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]

SETTINGS = Settings(school_name="Hillcrest Academy", desk="Reception 1", label_printer_kind="file",
                    label_printer="/home/office/labels.pdf")
NOW = datetime(2026, 11, 30, 10, 40, tzinfo=UTC)  # Monday, GMT: the school's local time too

# name, initials, role, PIN — all invented.
STAFF = [("Ann Adams", "AA", "office", "482913"), ("Sam Okafor", "SO", "admin", "735106"),
         ("Priya Shah", "PS", "dsl", "864209"), ("Tom Ellis", "TE", "teacher", "975310")]
PINS = {initials: pin for _name, initials, _role, pin in STAFF}

# MIS id, forename, surname, preferred forename, year, form, the six characters of the tag code — invented.
PUPILS = [
    ("100001", "Zoë", "Hall", None, 9, "9C", "7XQ2M4"),
    ("100002", "Łukasz", "Nowakowski", "Luke", 9, "9C", "3HR8TB"),
    ("100003", "Thi Minh", "Nguyễn", "Minh", 10, "10HA", "5MN2PK"),
    ("100004", "Aoife", "Ó Súilleabháin", None, 7, "7C", "8VW3RD"),
    ("100005", "Ruby", "Mitchell", None, 7, "7C", "4JC6YE"),
    ("100006", "Leo", "Webb", None, 11, "11B", "2TK9GH"),
    ("100007", "Kwame", "Mensah", None, 9, "9C", "6PD4XA"),
    ("100008", "Freya", "Fitzgerald-Montgomery", None, 10, "10HA", "9BS5NC"),
    ("100009", "Arjun", "Singh", None, 11, "11B", "3ZF7QM"),
    ("100010", "Maryam", "Khan", None, 7, "7C", "5WE2HV"),
    ("100011", "Oscar", "Lloyd", None, 8, "8A", "7GM3KT"),
    ("100012", "Siobhán", "Mac Giolla Phádraig", None, 8, "8A", "4RN8DW"),
    ("100013", "Noah", "Adeyemi", None, 9, "9C", "8HT2VB"),
    ("100014", "Mia", "Chen", None, 8, "8A", "6QK5MZ"),
]
ZOE, LUKE, MINH, AOIFE, RUBY, LEO, KWAME, FREYA, ARJUN, MARYAM, OSCAR, SIOBHAN, NOAH, MIA = range(len(PUPILS))


def tag_code(body: str) -> str:
    return "K" + body + check_character("K" + body)


def code_of(index: int) -> str:
    return tag_code(PUPILS[index][6])


@dataclass
class SnapSchool:
    settings: Settings
    keyring: object
    clock: FixedClock

    def app(self):
        return make_app(settings=self.settings, keyring=self.keyring, clock=self.clock)


def build_school(folder: Path) -> None:
    """The school's history up to Monday 10:40, written through the domain as the desks would have."""
    open_database(str(folder / "kiosk.db"))
    keyring = create_key_file(folder / "kiosk.key")
    clock = FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    for name, initials, role, pin in STAFF:
        add_staff(keyring=keyring, clock=clock, desk="Reception 1", name=name, initials=initials, role=role, pin=pin)
    pupils = [add_pupil(clock, mis_id, forename, surname, preferred, year, form, code=tag_code(body))
              for mis_id, forename, surname, preferred, year, form, body in PUPILS]

    def who(initials: str) -> SignedIn:
        staff = Staff.get(Staff.initials == initials)
        return SignedIn(staff_id=staff.id, name=staff.name, initials=initials, role=staff.role, desk="Reception 1")

    def ctx(initials: str = "AA") -> DeskContext:
        return DeskContext(keyring, clock, SETTINGS, who(initials))

    def phone(index: int):
        return resolve(normalise(code_of(index)))

    def take(index: int, seal: str, reason: str = "used in lesson"):
        return confiscate(ctx(), phone(index), confiscated_by_name="Mr T. Ellis", reason_category=reason,
                          location="Room S12", condition=["screen cracked", "in a case"], seal_number=seal)

    add_exception(ctx("SO"), pupil_id=pupils[MARYAM].id, kind="medical", valid_from=date(2026, 9, 1),
                  valid_to=date(2027, 7, 20), notes="glucose monitor", agreement_ref="MED-14")
    # Monday last week: Leo's phone confiscated, still held (over the 5-day limit: overdue).
    clock.set(datetime(2026, 11, 23, 11, 5, tzinfo=UTC))
    take(LEO, "BAG-0007")
    # Friday: Oscar's phone handed in and never collected.
    clock.set(datetime(2026, 11, 27, 8, 20, tzinfo=UTC))
    hand_in(ctx(), phone(OSCAR))
    clock.set(datetime(2026, 11, 27, 17, 30, tzinfo=UTC))
    close_day(ctx())
    # This morning: eight phones handed in, one handed back to an early leaver. Maryam and Mia are not in yet.
    clock.set(datetime(2026, 11, 30, 8, 12, tzinfo=UTC))
    for index in (ZOE, LUKE, MINH, AOIFE, KWAME, FREYA, ARJUN, NOAH):
        clock.advance(seconds=40)
        hand_in(ctx(), phone(index))
    clock.set(datetime(2026, 11, 30, 9, 5, tzinfo=UTC))
    hand_back(ctx(), phone(MINH))
    # Ruby's phone confiscated in period 2; Siobhán's confiscated and put on a safeguarding hold by the DSL.
    clock.set(datetime(2026, 11, 30, 9, 50, tzinfo=UTC))
    take(RUBY, "BAG-0042")
    clock.set(datetime(2026, 11, 30, 10, 15, tzinfo=UTC))
    held = take(SIOBHAN, "BAG-0043", reason="used on site")
    flag_safeguarding(ctx("PS"), held.custody_id, concern="Worried by messages seen on the lock screen",
                      acknowledged=True, kind="risk_of_harm")
    add_dsl_note(ctx("PS"), held.custody_id, "Spoke to Siobhán; parents to be called after school")
    record_search(ctx("PS"), pupil_id=pupils[SIOBHAN].id, searched_by_name="Priya Shah",
                  authorised_by_name="Mr H. Grant-Ellis (head)", grounds="reported threatening messages",
                  found="nothing", dsl_informed=True, parent_informed=False, custody_id=held.custody_id)
    database_proxy.obj.close()


@pytest.fixture(scope="session")
def school_template(tmp_path_factory) -> Path:
    """Built once (PIN hashing is slow); each test gets its own copy of the database and key file."""
    folder = tmp_path_factory.mktemp("snapshot-school")
    build_school(folder)
    return folder


@pytest.fixture
def school(school_template, tmp_path) -> SnapSchool:
    for name in ("kiosk.db", "kiosk.key"):
        shutil.copy2(school_template / name, tmp_path / name)
    open_database(str(tmp_path / "kiosk.db"))
    return SnapSchool(SETTINGS, load_key_file(tmp_path / "kiosk.key"), FixedClock(NOW))


# ── driving the kiosk as staff do ───────────────────────────────────────────────────────────────────────────
async def enter(pilot: Pilot, selector: str, text: str) -> None:
    """What a scanner (or quick typing) leaves in a box, then Enter: one key press, not one per character."""
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    box.value = text
    await pilot.press("enter")


async def answered(pilot: Pilot, timeout: float = 10.0) -> None:
    """Every answer the desk's database worker owes has been given (the screens' reads and saves run there)."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while pilot.app.desk_worker.outstanding and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    await pilot.pause()


async def sign_in(pilot: Pilot, initials: str = "AA") -> None:
    await enter(pilot, "#sign-in", initials)
    await enter(pilot, "#sign-in", PINS[initials])
    await answered(pilot)  # the PIN is checked on the worker: the desk opens when it answers


class Camera:
    """Takes a picture of each screen the journey stops at and compares it with the one kept for that name.

    Every picture is compared (and, with --snapshot-update, written) before the test fails, so one run lists
    every screen that changed; the new pictures of those are kept in a folder named in the failure."""

    def __init__(self, snapshot, pilot: Pilot, mismatches: Path) -> None:
        self.snapshot = snapshot.use_extension(SVGImageExtension)
        self.pilot = pilot
        self.mismatches = mismatches
        self.changed: list[str] = []

    async def __call__(self, name: str) -> None:
        pilot = self.pilot
        # The screen's readings (the desk's worker, worker threads) land first; then no cursor blinks, so every
        # run is the same.
        await answered(pilot)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        # A worker's result can move the focus or restyle a button a moment later on a loaded machine (a flaky
        # "Day" button on the reports screen in CI): let that settle too before the picture.
        await pilot.pause(0.3)
        await pilot.app.workers.wait_for_complete()
        await answered(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        svg = pilot.app.export_screenshot(title=pilot.app.title, simplify=True)
        matches = self.snapshot(name=name) == svg  # compared (or, when updating, written) by syrupy
        if not matches:
            self.changed.append(name)
            self.mismatches.mkdir(parents=True, exist_ok=True)
            (self.mismatches / f"{name}.svg").write_text(svg, encoding="utf-8")

    def check(self) -> None:
        assert not self.changed, (
            f"{len(self.changed)} screen(s) differ from their snapshot: {', '.join(self.changed)}. The new pictures "
            f"are in {self.mismatches}; if the change is meant, look at them and run this test with --snapshot-update")


async def journey(school: SnapSchool, snapshot, tmp_path: Path, size, walk) -> None:
    app = school.app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        camera = Camera(snapshot, pilot, tmp_path / "changed-screens")
        await walk(pilot, camera)
    camera.check()


sizes = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)


@sizes
async def test_office_screens(school, snapshot, tmp_path, size):
    """Ann (office) through every screen the office uses, in the order of a day; the close of day last."""
    async def walk(pilot: Pilot, shoot: Camera) -> None:
        await shoot("lock")
        await sign_in(pilot)
        await enter(pilot, "#scan", code_of(MARYAM))  # her medical exception shows
        await shoot("desk-handed-in")
        await pilot.press("f1")
        await shoot("help")
        await pilot.press("escape")
        await enter(pilot, "#scan", "an")  # no tag: part of a name, several pupils match
        await shoot("pupil-picker")
        await pilot.press("escape", "f3")
        await enter(pilot, "#scan", code_of(RUBY))  # confiscated: refused at hand back
        await shoot("desk-refused")
        await pilot.press("f2", "f5")
        await enter(pilot, "#scan", code_of(KWAME))
        await shoot("confiscate-form")
        screen = pilot.app.screen
        screen.query_one("#by", Input).value = "Mr T. Ellis"
        screen.query_one("#where", Input).value = "Room S12"
        await enter(pilot, "#seal", "BAG-0044")
        await pilot.press("ctrl+s")
        await shoot("confiscate-saved")
        await pilot.press("i")
        await shoot("dialog-parent-informed")
        await pilot.press("escape", "g")
        await shoot("dialog-flag-safeguarding")
        await pilot.press("escape", "escape", "f6")
        await enter(pilot, "#scan", code_of(RUBY))
        await shoot("release")
        await pilot.press("escape", "f8")
        await enter(pilot, "#scan", code_of(LEO))
        await shoot("search-record")
        await pilot.press("escape", "f4")
        await enter(pilot, "#scan", code_of(LEO))
        await shoot("pupil")
        await pilot.press("escape", "f7")
        await shoot("dashboard")
        await pilot.press("escape", "ctrl+r")
        await shoot("reports")
        await pilot.press("escape", "ctrl+t")
        await shoot("end-of-day")
        await pilot.press("t")
        for index in (ZOE, LUKE, AOIFE, FREYA, ARJUN, NOAH, MINH):  # Kwame's is missing; Minh's went home
            await enter(pilot, "#scan", code_of(index))
        await shoot("stocktake-scanning")
        await pilot.press("ctrl+s")
        await shoot("stocktake-finished")
        await pilot.press("escape", "escape", "f12")
        await enter(pilot, "#pupil", code_of(MIA))
        await shoot("labels")
        await pilot.press("escape", "f9")
        await shoot("close-day-confirm")
        await pilot.press("y")
        await shoot("close-day-uncollected")

    await journey(school, snapshot, tmp_path, size, walk)


@sizes
async def test_dsl_screens(school, snapshot, tmp_path, size):
    """Priya (the DSL): told of the hold as she signs in, then the holds, their notes and the dialogs."""
    async def walk(pilot: Pilot, shoot: Camera) -> None:
        await sign_in(pilot, "PS")
        await shoot("holds-alert")
        await pilot.press("escape", "f10")
        await shoot("holds")
        await pilot.press("r")
        await shoot("holds-notes")
        await pilot.press("a")
        await shoot("dialog-add-note")
        await pilot.press("escape", "p")
        await shoot("dialog-police-handover")

    await journey(school, snapshot, tmp_path, size, walk)


@sizes
async def test_high_contrast_desk(school, snapshot, tmp_path, size):
    """The high-contrast theme (chosen in the command palette) on the desk and its refusal."""
    async def walk(pilot: Pilot, shoot: Camera) -> None:
        pilot.app.theme = "kiosk-high-contrast"
        await shoot("lock")
        await sign_in(pilot)
        await enter(pilot, "#scan", code_of(MARYAM))
        await shoot("desk-handed-in")
        await pilot.press("f3")
        await enter(pilot, "#scan", code_of(RUBY))
        await shoot("desk-refused")

    await journey(school, snapshot, tmp_path, size, walk)
