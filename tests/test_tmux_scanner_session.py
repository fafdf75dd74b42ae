"""A whole desk session from the scanner alone, in a real terminal (tmux): after signing in, every step is a
scan — the desk card's HAND IN, a burst of tags, HAND BACK, the tags again, CLOSE DAY scanned twice (ask, then
confirm), and LOCK. The database must end as the office expects and the lock screen must show.
"""

from __future__ import annotations

import sys

import pytest

from kiosk.custody import State
from kiosk.db import Custody, Event, Tag
from kiosk.widgets.big_text import draw
from tests.conftest import OFFICE_PIN, add_pupil
from tests.helpers import wait_until
from tests.test_tmux_scanner import MORE_PUPILS
from tests.tmux_terminal import LAUNCHER, Terminal

pytestmark = pytest.mark.tmux


def scan(terminal: Terminal, *codes: str) -> None:
    """Codes as a keyboard-wedge scanner sends them: each code then Enter, all in one write (a burst)."""
    keys: list[str] = []
    for code in codes:
        keys += [code, "Enter"]
    terminal.send(*keys)


def states() -> dict[str, str]:
    return {c.tag.code: c.state for c in Custody.select(Custody, Tag).join(Tag)}


def test_a_whole_session_runs_from_the_scanner_after_sign_in(school, tmux_terminal):
    terminal = tmux_terminal(width=100, height=32)
    extra = [add_pupil(school.clock, mis_id, forename, surname, None, 8, "8B")
             for mis_id, forename, surname in MORE_PUPILS]
    pupils = school.pupils + extra
    codes = [school.tag_of(p) for p in pupils]
    kept, collected = codes[-2:], codes[:-2]  # two phones stay in the office overnight

    terminal.start([sys.executable, str(LAUNCHER), str(school.path), str(school.key_path)])
    terminal.wait_for("Desk locked")
    terminal.send("AA", "Enter")  # the one thing typed: who signs in (a badge scan does the same)
    terminal.wait_for("PIN for AA")
    terminal.type_slowly(OFFICE_PIN)  # as a person types it: a PIN in one write is a scan, refused
    terminal.wait_for("Ann Adams (office)")

    scan(terminal, "KXHANDIN")  # the desk opens in HAND BACK after 14:30: the card puts it right
    terminal.wait_for(*draw("HAND IN"))
    scan(terminal, *codes)
    assert wait_until(lambda: len(states()) == len(codes)), f"only {len(states())} of {len(codes)} handed in"
    assert set(states().values()) == {State.IN_OFFICE}
    terminal.wait_for("in office 20")

    scan(terminal, "KXHANDBACK")
    terminal.wait_for(*draw("HAND BACK"))
    scan(terminal, *collected)
    assert wait_until(lambda: sum(s == State.RETURNED for s in states().values()) == len(collected))
    terminal.wait_for("handed back today 18")

    scan(terminal, "KXCLOSEDAY")
    terminal.wait_for("Close the day?", "2 phones are still in the office")
    scan(terminal, "KXCLOSEDAY")  # scanning the card again confirms
    screen = terminal.wait_for("2 phones uncollected")
    assert pupils[-1].display_name in screen, "the list names the phones left overnight"

    scan(terminal, "KXLOCK")
    screen = terminal.wait_for("Desk locked", "initials")
    assert not any(p.display_name in screen for p in pupils), "the lock screen shows nothing about any pupil"

    final = states()
    assert {code: final[code] for code in kept} == {code: State.UNCOLLECTED for code in kept}
    assert {final[code] for code in collected} == {State.RETURNED}
    assert Event.select().where(Event.action == "HANDED_IN").count() == 20, "no scan recorded twice"
    assert Event.select().where(Event.action == "HANDED_BACK").count() == 18
    assert Event.select().where(Event.action == "DAY_CLOSED").count() == 1
    signed_out = Event.select().where(Event.action == "SIGNED_OUT").order_by(Event.seq.desc()).first()
    assert signed_out is not None and '"locked"' in signed_out.payload_json
    assert "KIOSK EXITED" not in screen
