"""Every scan lands on the phone that was scanned, whatever is open on the desk: the scanner path in a real `kiosk`
process in a real terminal (tmux). A scan is sent as tmux sends a scanner's burst (the code and Enter in one write,
0.01–0.5 ms a key); a person types one key at a time, 120 ms apart.

The receptionist's morning from issue 14: type `davies`, Enter, the name list opens; the scanner fires for the
next phone and its Enter used to choose the highlighted Davies, recording the wrong child and losing the scanned
one without a word. A scan while F1 help or the "Close the day?" box was open was lost too; one at the lock screen
was typed into the initials.
"""

from __future__ import annotations

import sys

import pytest

from kiosk.custody import State
from kiosk.db import Custody, Event
from kiosk.widgets.big_text import draw
from tests.conftest import OFFICE_PIN, add_pupil
from tests.helpers import flat, wait_until
from tests.test_tui_scan_routes import LUCAS_TAG
from tests.tmux_terminal import LAUNCHER, Terminal

pytestmark = pytest.mark.tmux


def in_office(pupil) -> bool:
    return Custody.select().where((Custody.pupil == pupil.id) & (Custody.state == State.IN_OFFICE)).exists()


def queue_at_the_hatch(school):
    """Luna and Noah Davies (the name list) and Lucas Hill, whose phone is scanned next (its tag has a Y and an
    N in it: the close-day question's own keys)."""
    davies = [add_pupil(school.clock, "100201", "Luna", "Davies", None, 8, "8B"),
              add_pupil(school.clock, "100202", "Noah", "Davies", None, 9, "9C")]
    lucas = add_pupil(school.clock, "100203", "Lucas", "Hill", None, 10, "10HA", code=LUCAS_TAG)
    return davies, lucas


def start(school, tmux_terminal) -> Terminal:
    terminal = tmux_terminal()
    terminal.start([sys.executable, str(LAUNCHER), str(school.path), str(school.key_path)])
    terminal.wait_for("Desk locked", "Hillcrest Academy")
    return terminal


def sign_in(terminal: Terminal) -> None:
    terminal.type_slowly("AA")
    terminal.wait_for("PIN for AA")
    terminal.type_slowly(OFFICE_PIN)
    terminal.wait_for("Ann Adams (office)")
    terminal.send("F2")  # the real clock may be past 14:30, when the desk opens in hand-back mode
    terminal.wait_for(*draw("HAND IN"))


def scan(terminal: Terminal, code: str) -> None:
    terminal.send(code, "Enter")  # one write: the kiosk reads the code and Enter together, as a scanner's


def test_a_scan_into_the_open_name_list_hands_in_the_scanned_pupil_and_says_the_list_closed(school, tmux_terminal):
    davies, lucas = queue_at_the_hatch(school)
    terminal = start(school, tmux_terminal)
    sign_in(terminal)
    terminal.type_slowly("davies")
    terminal.wait_for("Choose the pupil", "Luna Davies", "Noah Davies")
    scan(terminal, LUCAS_TAG)
    screen = terminal.wait_for(*draw("✔ HANDED IN"), "Lucas Hill")
    assert "Choose the pupil" not in screen, "the list closed"
    assert "name list closed for a scan" in screen and "'davies' kept" in screen, "and the screen says so"
    assert wait_until(lambda: in_office(lucas)), "the scanned pupil is handed in"
    assert not any(in_office(pupil) for pupil in davies), "the highlighted Davies is not"
    assert Event.select().where(Event.action == "HANDED_IN").count() == 1


def test_a_scan_while_help_is_open_is_handed_in(school, tmux_terminal):
    _davies, lucas = queue_at_the_hatch(school)
    terminal = start(school, tmux_terminal)
    sign_in(terminal)
    terminal.send("F1")
    terminal.wait_for("How the desk works")
    scan(terminal, LUCAS_TAG)
    screen = terminal.wait_for(*draw("✔ HANDED IN"), "Lucas Hill")
    assert "How the desk works" not in screen and "help closed for a scan" in screen
    assert wait_until(lambda: in_office(lucas))


def test_a_scan_on_the_close_day_question_is_handed_in_and_the_day_is_not_closed(school, tmux_terminal):
    _davies, lucas = queue_at_the_hatch(school)
    ruby = school.pupils[4]
    terminal = start(school, tmux_terminal)
    sign_in(terminal)
    scan(terminal, school.tag_of(ruby))
    terminal.wait_for(*draw("✔ HANDED IN"), "Ruby Mitchell")
    terminal.send("F9")
    terminal.wait_for("Close the day?", "1 phone is still in the office")
    scan(terminal, LUCAS_TAG)  # its Y would close the day, its Enter press the focused Cancel
    screen = terminal.wait_for(*draw("✔ HANDED IN"), "Lucas Hill")
    assert "Close the day?" not in screen and "close of day NOT done for a scan" in screen
    assert wait_until(lambda: in_office(lucas))
    assert in_office(ruby), "Ruby's phone is still in the office: the day was not closed"
    assert not Event.select().where(Event.action == "DAY_CLOSED").exists()


def wait_for_words(terminal: Terminal, words: str) -> str:
    """Wait for a sentence that may wrap inside the lock screen's panel (its side borders between the lines)."""
    def said() -> str:
        return flat(terminal.text().replace("┃", " "))

    assert wait_until(lambda: words in said(), timeout=10), f"never saw {words!r}; the terminal shows:\n{said()}"
    return said()


def bell_rung(terminal: Terminal) -> bool:
    return terminal.tmux("display", "-p", "-t", terminal.session, "#{window_bell_flag}").strip() == "1"


def test_a_scan_at_the_lock_screen_says_sign_in_first_with_its_code_and_sign_in_goes_on(school, tmux_terminal):
    _davies, lucas = queue_at_the_hatch(school)
    terminal = start(school, tmux_terminal)
    terminal.type_slowly("A", enter=False)  # half the initials, then the scanner fires
    assert not bell_rung(terminal)
    scan(terminal, LUCAS_TAG)
    screen = wait_for_words(terminal, f"A tag was scanned: {LUCAS_TAG} — sign in first.")
    assert "PIN for" not in screen, "not read as a staff badge"
    assert wait_until(lambda: bell_rung(terminal), timeout=3), "with the terminal's bell"
    scan(terminal, "KXHANDIN")
    wait_for_words(terminal, "The desk card's HAND IN barcode was scanned: KXHANDIN — sign in first.")
    terminal.type_slowly("A")  # the initials go on from the A typed before the scans
    terminal.wait_for("PIN for AA")
    terminal.type_slowly(OFFICE_PIN[:3], enter=False)
    scan(terminal, LUCAS_TAG)
    wait_for_words(terminal, f"A tag was scanned: {LUCAS_TAG} — sign in first: type your PIN, then Enter.")
    terminal.type_slowly(OFFICE_PIN[3:])  # the PIN goes on too: no scanned character joined it
    terminal.wait_for("Ann Adams (office)")
    assert not in_office(lucas), "nothing scanned at the lock screen was recorded"
    assert not Event.select().where(Event.action == "SIGN_IN_FAILED").exists()


def test_slow_typing_into_a_form_field_stays_typing_and_the_same_code_scanned_finds_the_pupil(school, tmux_terminal):
    zoe, ruby = school.pupils[0], school.pupils[4]
    ruby_tag = school.tag_of(ruby)
    terminal = start(school, tmux_terminal)
    sign_in(terminal)
    terminal.send("F5")
    terminal.wait_for("CONFISCATE A PHONE")
    scan(terminal, school.tag_of(zoe))  # into the confiscation's pupil box
    terminal.wait_for("Zoë Hall · 9C")  # found: the "taken by" field has the focus
    terminal.type_slowly(ruby_tag, gap=0.09, enter=False)  # a person typing, 90 ms a key: it is typing
    screen = terminal.wait_for(f"Ann Adams{ruby_tag}")
    assert "Ruby Mitchell" not in screen, "the pupil did not change"
    scan(terminal, ruby_tag)  # the same characters from the scanner: a scan, for the form's pupil box
    # …which refuses it: Zoë's form has something typed on it (tests/test_tui_form_for_one_pupil.py).
    screen = terminal.wait_for("This form is for Zoë Hall")
    assert f"Ann Adams{ruby_tag}{ruby_tag}" not in screen, "no character of the scan was typed into the field"
    assert "Ruby Mitchell · 7C" not in screen and "Zoë Hall · 9C" in screen
    assert Custody.select().count() == 0, "nothing was saved"
