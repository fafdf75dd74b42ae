"""Moving between screens: the app knows the screens by name (kiosk/screens/registry.py) and opens one only for a
role allowed it; screens ask for every move with a message (kiosk/messages.py: OpenScreen, LockRequested, GaveWay)
and never import one another to push it; the desk card answers through one module (kiosk/screens/desk_card.py).

Pilot tests on the `school` fixture (real SQLite file, real PINs, fixed clock); the messages are read as the app
received them (`run_test(message_hook=...)`, as Harlequin's tests do). The last tests read the source.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiosk.app import COMMAND_WORDS, command_words
from kiosk.custody.safeguarding import flag_safeguarding
from kiosk.messages import GaveWay, LockRequested, OpenScreen
from kiosk.screens import finding
from kiosk.screens.base import LOOKING
from kiosk.screens.confiscate import ConfiscateScreen
from kiosk.screens.dashboard import DashboardScreen
from kiosk.screens.desk import DeskScreen
from kiosk.screens.labels import LabelsScreen
from kiosk.screens.lock import LockScreen
from kiosk.screens.pupil import PupilScreen
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.registry import SCREENS
from kiosk.screens.release import ReleaseScreen
from kiosk.screens.reports import ReportsScreen
from kiosk.screens.safeguarding import FlagSafeguarding, HoldsAlert, HoldsScreen
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.screens.stocktake import EndOfDayScreen, StocktakeScreen
from kiosk.widgets.scan_box import ScanBox
from tests.tui_helpers import (
    fill_and_save_confiscation,
    kiosk_app,
    message,
    open_confiscation,
    open_screen,
    scan,
    settle,
    shown,
    signed_in,
    type_keys,
)

REPO = Path(__file__).resolve().parent.parent
SCREENS_DIR = REPO / "kiosk" / "screens"

# Who may open which screen, as the policy has it (the registry's permissions must give exactly this).
EVERY_SCREEN = set(SCREENS)
MAY_OPEN = {
    # The office: everything but the DSL's holds and the DSL's lists beyond them (issue 16).
    "AA": EVERY_SCREEN - {"holds", "police_cases", "closed_cases", "searches_told", "examination"},
    "TE": {"desk", "confiscate", "search_record"},  # a teacher confiscates and searches, nothing more
    "SO": {"desk", "release", "labels", "print_jobs", "pupil", "dashboard", "reports", "end_of_day",
           "stocktake", "outbox"},  # admin
    "PS": EVERY_SCREEN,  # the DSL
}


def posted(seen: list, kind: type) -> list:
    """The messages of `kind` the app's pumps received, each once (a message that bubbles is received again)."""
    return list({id(m): m for m in seen if isinstance(m, kind)}.values())


async def at_the_desk(pilot, school, initials: str) -> DeskScreen:
    """Signed in without typing the PIN (the lock screen's own message; signing in is test_auth's business)."""
    app = pilot.app
    app.post_message(LockScreen.Unlocked(school.signed_in(initials)))
    await pilot.pause()
    desk = app.screen_stack[1]
    assert isinstance(desk, DeskScreen)
    return desk


# ── the registry ────────────────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("initials", sorted(MAY_OPEN))
async def test_the_app_opens_a_screen_by_name_only_for_a_role_allowed_it(school, initials):
    async with kiosk_app(school).run_test(size=(160, 45)) as pilot:
        app = pilot.app
        await at_the_desk(pilot, school, initials)
        for name in sorted(EVERY_SCREEN - {"desk"}):
            before = list(app.screen_stack)
            opened = app.open_screen(name)
            await pilot.pause()
            if name in MAY_OPEN[initials]:
                assert opened is not None and app.screen is opened, f"{initials} may open {name}"
                assert type(opened).__name__ == SCREENS[name].class_name
                app.pop_screen()
                await pilot.pause()
            else:
                assert opened is None, f"{initials} may not open {name}"
            assert app.screen_stack == before, "refused: nothing opened; opened: closed again"


async def test_a_screen_asked_for_by_a_role_not_allowed_it_opens_nothing(school):
    async with kiosk_app(school).run_test(size=(160, 45)) as pilot:
        app = pilot.app
        desk = await at_the_desk(pilot, school, "TE")
        for name in ("holds", "release", "reports", "labels", "stocktake"):
            desk.post_message(OpenScreen(name))
            await pilot.pause()
            assert app.screen_stack == [app.screen_stack[0], desk], f"a teacher's desk opened {name}"
        desk.post_message(OpenScreen("confiscate"))
        await pilot.pause()
        assert isinstance(app.screen, ConfiscateScreen)


async def test_nothing_opens_while_the_desk_is_locked(school):
    async with kiosk_app(school).run_test(size=(160, 45)) as pilot:
        app = pilot.app
        for name in EVERY_SCREEN:
            assert app.open_screen(name) is None
        app.screen.post_message(OpenScreen("release"))
        await pilot.pause()
        assert len(app.screen_stack) == 1 and isinstance(app.screen, LockScreen)


async def test_the_screen_in_front_is_not_opened_again_unless_it_is_replaced(school):
    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        app = pilot.app
        await open_screen(pilot, "f12", LabelsScreen)
        labels = app.screen
        assert app.open_screen("labels") is None and app.screen is labels, "Tags & labels from the palette"
        fresh = app.open_screen("labels", replacing=True)
        await pilot.pause()
        assert app.screen is fresh and fresh is not labels and len(app.screen_stack) == 3


# ── screens move by message ───────────────────────────────────────────────────────────────────────────────
DESK_KEYS = [("f4", "pupil", PupilScreen), ("f5", "confiscate", ConfiscateScreen), ("f6", "release", ReleaseScreen),
             ("f7", "dashboard", DashboardScreen), ("f8", "search_record", SearchRecordScreen),
             ("ctrl+r", "reports", ReportsScreen), ("ctrl+t", "end_of_day", EndOfDayScreen),
             ("f12", "labels", LabelsScreen)]


async def test_the_desk_keys_ask_the_app_for_each_screen_by_name(school):
    seen: list = []
    async with signed_in(kiosk_app(school), message_hook=seen.append, size=(160, 45)) as pilot:
        app = pilot.app
        desk = app.screen
        for key, name, kind in DESK_KEYS:
            seen.clear()
            await open_screen(pilot, key, kind)
            asked = posted(seen, OpenScreen)
            assert [m.name for m in asked] == [name], f"{key} asks for {name!r} by name"
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is desk


async def test_the_dashboard_and_end_of_day_ask_for_their_screens_by_name(school):
    seen: list = []
    async with signed_in(kiosk_app(school), message_hook=seen.append, size=(160, 45)) as pilot:
        app = pilot.app
        dashboard = await open_screen(pilot, "f7", DashboardScreen)
        for key, name, kind in (("r", "reports", ReportsScreen), ("f4", "pupil", PupilScreen),
                                ("e", "end_of_day", EndOfDayScreen)):
            seen.clear()
            await open_screen(pilot, key, kind)
            assert [m.name for m in posted(seen, OpenScreen)] == [name]
            if kind is not EndOfDayScreen:
                await pilot.press("escape")
                await pilot.pause()
                assert app.screen is dashboard
        seen.clear()
        await open_screen(pilot, "t", StocktakeScreen)
        assert [m.name for m in posted(seen, OpenScreen)] == ["stocktake"]
        stock = app.screen
        await scan(pilot, school.tag_of(school.pupils[0]))
        await pilot.press("ctrl+s")
        await pilot.pause()
        seen.clear()
        await pilot.press("ctrl+n")  # a new stock-take, in place of the finished one
        await pilot.pause()
        asked = posted(seen, OpenScreen)
        assert [(m.name, m.replacing) for m in asked] == [("stocktake", True)]
        assert isinstance(app.screen, StocktakeScreen) and app.screen is not stock
        assert app.screen_stack[-2] is not stock and isinstance(app.screen_stack[-2], EndOfDayScreen)


async def test_a_confiscation_asks_for_the_search_record_with_its_pupil_and_for_a_fresh_form(school):
    zoe = school.pupils[0]
    seen: list = []
    async with signed_in(kiosk_app(school), message_hook=seen.append, size=(160, 45)) as pilot:
        app = pilot.app
        confiscation = await open_confiscation(pilot, school, zoe)
        seen.clear()
        search = await open_screen(pilot, "f8", SearchRecordScreen)
        asked = posted(seen, OpenScreen)
        assert [(m.name, m.needs["pupil"].id) for m in asked] == [("search_record", zoe.id)]
        assert search.pupil is not None and search.pupil.id == zoe.id and app.screen_stack[-2] is confiscation
        await pilot.press("escape")
        await pilot.pause()
        await fill_and_save_confiscation(pilot, confiscation)
        assert confiscation.receipt is not None
        seen.clear()
        await pilot.press("n")
        await pilot.pause()
        assert [(m.name, m.replacing) for m in posted(seen, OpenScreen)] == [("confiscate", True)]
        assert isinstance(app.screen, ConfiscateScreen) and app.screen is not confiscation
        assert isinstance(app.screen_stack[-2], DeskScreen), "in place of the last one, not on top of it"


async def test_lock_is_asked_for_by_message_from_the_desk_a_form_and_a_dialog(school):
    school.confiscate(4)
    ruby = school.pupils[4]
    seen: list = []
    async with kiosk_app(school).run_test(message_hook=seen.append, size=(160, 45)) as pilot:
        app = pilot.app
        for where in ("desk", "release form", "dialog"):
            await at_the_desk(pilot, school, "AA")
            if where != "desk":
                await open_screen(pilot, "f6", ReleaseScreen)
                await scan(pilot, school.tag_of(ruby))
            if where == "dialog":
                await open_screen(pilot, "ctrl+g", FlagSafeguarding)
            seen.clear()
            await type_keys(pilot, "KXLOCK")
            assert len(posted(seen, LockRequested)) == 1, f"the {where} asked to lock"
            assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1


async def test_an_untouched_form_and_the_name_list_give_way_by_message(school):
    seen: list = []
    async with signed_in(kiosk_app(school), message_hook=seen.append, size=(160, 45)) as pilot:
        app = pilot.app
        desk = app.screen
        release = await open_screen(pilot, "f6", ReleaseScreen)
        seen.clear()
        await type_keys(pilot, "KXHANDBACK")
        gave_way = posted(seen, GaveWay)
        assert [(m.screen, m.code) for m in gave_way] == [(release, "KXHANDBACK")]
        assert app.screen is desk and desk.mode == "hand back"

        await type_keys(pilot, "zoe")
        picker = app.screen
        assert isinstance(picker, PupilPicker)
        seen.clear()
        await type_keys(pilot, "KXHANDIN")
        assert [(m.screen, m.code) for m in posted(seen, GaveWay)] == [(picker, "KXHANDIN")]
        assert app.screen is desk and desk.mode == "hand in"


async def test_the_holds_alert_opens_the_holds_by_name(school):
    held = school.confiscate(4)
    flag_safeguarding(school.ctx(), held.custody_id, concern="for the DSL", acknowledged=True, kind="risk_of_harm")
    seen: list = []
    async with kiosk_app(school).run_test(message_hook=seen.append, size=(160, 45)) as pilot:
        app = pilot.app
        await at_the_desk(pilot, school, "PS")  # the DSL is told of the hold as they sign in
        await settle(pilot)
        assert isinstance(app.screen, HoldsAlert)
        seen.clear()
        await pilot.press("enter")  # Open the holds
        await pilot.pause()
        assert [m.name for m in posted(seen, OpenScreen)] == ["holds"]
        assert isinstance(app.screen, HoldsScreen) and isinstance(app.screen_stack[-2], DeskScreen)


# ── finding a pupil on a form: the lookups run on the desk's worker ──────────────────────────────────────────
async def test_a_form_finds_its_pupil_on_the_desk_worker_and_says_so_while_the_database_is_slow(school, monkeypatch):
    zoe = school.pupils[0]
    asked_on: list[str] = []
    answer = threading.Event()
    resolve = finding.resolve

    def slow_resolve(*args, **kwargs):
        asked_on.append(threading.current_thread().name)
        answer.wait(10)
        return resolve(*args, **kwargs)

    monkeypatch.setattr(finding, "resolve", slow_resolve)
    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        app = pilot.app
        screen = await open_screen(pilot, "f5", ConfiscateScreen)
        screen.query_one("#scan", ScanBox).value = school.tag_of(zoe)
        await pilot.press("enter")
        await pilot.pause()
        assert asked_on == ["desk worker"], "looked up off the UI thread"
        assert message(app) == LOOKING and screen.found is None, "the screen went back to its keys, and says why"
        answer.set()
        await settle(pilot)
        assert screen.found is not None and screen.found.pupil.id == zoe.id
        assert message(app) == "", "the waiting line goes with the answer"


async def test_a_typed_name_is_looked_up_and_chosen_on_the_desk_worker(school, monkeypatch):
    asked_on: list[str] = []
    for name in ("find_pupils", "pupil_by_id"):
        real = getattr(finding, name)

        def noted(*args, real=real, **kwargs):
            asked_on.append(threading.current_thread().name)
            return real(*args, **kwargs)

        monkeypatch.setattr(finding, name, noted)
    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        app = pilot.app
        screen = await open_screen(pilot, "f8", SearchRecordScreen)
        await type_keys(pilot, "zoe")
        assert isinstance(app.screen, PupilPicker)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and screen.pupil is not None and screen.pupil.id == school.pupils[0].id
        assert asked_on == ["desk worker", "desk worker"], "the name list, then the pupil chosen"


async def test_f1_names_the_screen_it_is_about(school):
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        await open_screen(pilot, "f7", DashboardScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert "Keys on the dashboard" in shown(app), "before the registry it was 'Keys on the this screen'"
        await pilot.press("escape", "e")
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert "Keys on the end-of-day screen" in shown(app)


# ── the palette and help word a screen's key from the registry ───────────────────────────────────────────────
def test_a_key_that_opens_a_screen_is_worded_by_the_registry():
    assert command_words("confiscate", "Confiscate") == SCREENS["confiscate"].command == (
        "Confiscate a phone", "Record a confiscation, then print the notice and the bag label")
    assert command_words("app.open('labels')", "") == command_words("labels", "Labels") == SCREENS["labels"].command
    assert command_words("dashboard", "Dashboard") == ("Dashboard", ""), "no words of its own: the key's"
    assert command_words("search", "Search") == ("Search", ""), "the confiscation's F8: not a screen's name"
    assert command_words("close_day", "Close day") == COMMAND_WORDS["close_day"]


# ── the source: screens do not import one another ───────────────────────────────────────────────────────────
# Modules of kiosk/screens that are no screen: any screen may import them.
SHARED = {"base", "desk_card", "desk_day", "desk_words", "finding", "record_dialog", "registry", "wording"}
# (importer, module, name): the dialogs a module opens and waits on with a callback (composition, not navigation).
ALLOWED = {
    ("desk", "close_day", "ConfirmCloseDay"), ("desk", "close_day", "UncollectedList"),
    ("desk", "pupil_picker", "PupilPicker"), ("desk", "safeguarding", "HoldsAlert"),
    ("desk", "head_of_year_inbox", "HeadOfYearInbox"),
    ("desk_card", "close_day", "ConfirmCloseDay"),  # CLOSE DAY scanned again on the question confirms it
    ("finding", "pupil_picker", "PupilPicker"), ("pupil", "pupil_picker", "PupilPicker"),
    ("confiscate", "dialogs", "ParentInformedDialog"), ("confiscate", "safeguarding", "FlagSafeguarding"),
    ("release", "safeguarding", "FlagSafeguarding"), ("safeguarding", "dialogs", "TextPrompt"),
    ("pupil", "handover", "HandoverDialog"),
}


def screen_imports(folder: Path) -> set[tuple[str, str, str]]:
    """(importer, module, name) for every import of one kiosk/screens module by another, at the top of the module
    or inside a function; the name is "*" when the whole module is imported."""
    found = set()
    modules = {path.stem for path in folder.glob("*.py")}
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                for alias in node.names:
                    if parts == ["kiosk", "screens"] and alias.name in modules:
                        found.add((path.stem, alias.name, "*"))
                    elif parts[:2] == ["kiosk", "screens"] and len(parts) == 3 and parts[2] in modules:
                        found.add((path.stem, parts[2], alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[:2] == ["kiosk", "screens"] and len(parts) == 3 and parts[2] in modules:
                        found.add((path.stem, parts[2], "*"))
    return {(importer, module, name) for importer, module, name in found if importer != module}


def moves_between_screens(folder: Path) -> set[tuple[str, str, str]]:
    return {found for found in screen_imports(folder) if found[1] not in SHARED and found not in ALLOWED}


def test_no_screen_imports_another_screen_except_the_dialogs_it_owns():
    assert moves_between_screens(SCREENS_DIR) == set()


def test_the_import_check_names_a_screen_that_imports_another(tmp_path):
    """The check bites: the imports navigation used before messages (the desk importing the confiscation screen
    to push it, or the holds screen from the module of the alert it owns; the dashboard the pupil page) are
    reported, wherever in the module they are."""
    copy = tmp_path / "screens"
    shutil.copytree(SCREENS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    desk = copy / "desk.py"
    desk.write_text(desk.read_text() + "\n\ndef opens():\n"
                    "    from kiosk.screens.confiscate import ConfiscateScreen\n"
                    "    from kiosk.screens.safeguarding import HoldsScreen\n\n"
                    "    return ConfiscateScreen, HoldsScreen\n")
    dashboard = copy / "dashboard.py"
    dashboard.write_text("from kiosk.screens import pupil\n" + dashboard.read_text())
    assert moves_between_screens(copy) == {("desk", "confiscate", "ConfiscateScreen"),
                                           ("desk", "safeguarding", "HoldsScreen"), ("dashboard", "pupil", "*")}


ASKS = {"OpenScreen", "ask_for_screen", "open_screen"}  # the ways the kiosk's code names a screen to open


def test_every_screen_asked_for_by_name_is_in_the_registry():
    """A name mistyped in an OpenScreen (or the palette's app.open('…')) would open nothing: every one is a
    registry name."""
    asked = set()
    for path in (REPO / "kiosk").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            called = getattr(node, "func", None)
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and \
                    (getattr(called, "id", None) or getattr(called, "attr", None)) in ASKS:
                asked.add(node.args[0].value)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "open('" in node.value:
                asked.add(node.value.split("open('")[1].split("'")[0])
    assert asked, "the scan found the moves"
    assert {"confiscate", "search_record", "stocktake", "end_of_day", "holds", "labels"} <= asked
    assert asked <= set(SCREENS), sorted(asked - set(SCREENS))


def test_the_app_starts_without_loading_a_screen_it_opens_later():
    """The registry imports a screen's module when it is first opened: not the PDF maker, the label engine or the
    screens behind the desk's keys at start-up (B4)."""
    later = [entry.module for name, entry in SCREENS.items() if name != "desk"]
    code = ("import sys, kiosk.app\n"
            f"print(sorted(m for m in sys.modules if m in {later!r} or m.startswith(('reportlab', 'qrcode'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr
