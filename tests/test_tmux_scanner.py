"""The scanner path in a real terminal: twenty scans typed into tmux in one write stay twenty hand-ins.

A keyboard-wedge scanner types a code and Enter in a few milliseconds, so at a busy hatch several scans
reach the kiosk in one terminal read. Pilot cannot show what a real terminal does with that; tmux can.
"""

from __future__ import annotations

import sys

import pytest

from kiosk.db import Custody, Event, Tag
from kiosk.widgets.big_text import draw
from tests.conftest import OFFICE_PIN, add_pupil
from tests.helpers import wait_until
from tests.tmux_terminal import LAUNCHER

pytestmark = pytest.mark.tmux

MORE_PUPILS = [  # fourteen more invented pupils, so that a burst of twenty scans has twenty different phones
    ("100101", "Amelia", "Clarke"), ("100102", "Noah", "Patel"), ("100103", "Isla", "Okafor"),
    ("100104", "Oscar", "Brown"), ("100105", "Maryam", "Khan"), ("100106", "Finn", "Lloyd"),
    ("100107", "Priya", "Singh"), ("100108", "Kwame", "Mensah"), ("100109", "Grace", "Evans"),
    ("100110", "Theo", "Walker"), ("100111", "Mei", "Chen"), ("100112", "Arthur", "Price"),
    ("100113", "Niamh", "Hughes"), ("100114", "Yusuf", "Ahmed"),
]


def test_a_burst_of_twenty_scans_in_one_write_opens_twenty_custodies(school, tmux_terminal):
    terminal = tmux_terminal()
    extra = [add_pupil(school.clock, mis_id, forename, surname, None, 8, "8B")
             for mis_id, forename, surname in MORE_PUPILS]
    pupils = school.pupils + extra
    codes = [school.tag_of(p) for p in pupils]
    assert len(set(codes)) == 20

    terminal.start([sys.executable, str(LAUNCHER), str(school.path), str(school.key_path)])
    terminal.wait_for("Desk locked", "Hillcrest Academy")
    terminal.send("AA", "Enter")
    terminal.wait_for("PIN for AA")
    terminal.type_slowly(OFFICE_PIN)  # as a person types it: a PIN in one write is a scan, refused
    terminal.wait_for("Ann Adams (office)")
    terminal.send("F2")  # the real clock may be past 14:30, when the desk opens in hand-back mode
    terminal.wait_for(*draw("HAND IN"))

    burst: list[str] = []
    for code in codes:
        burst += [code, "Enter"]
    terminal.send(*burst)  # one send-keys: the whole burst reaches the kiosk together

    def opened() -> set[str]:
        return {c.tag.code for c in Custody.select(Custody, Tag).join(Tag).where(Custody.closed_at.is_null())}

    wait_until(lambda: len(opened()) >= len(codes))
    assert opened() == set(codes), "every scan of the burst must become its own hand-in"
    assert Custody.select().count() == 20
    assert Event.select().where(Event.action == "HANDED_IN").count() == 20, "no scan recorded twice"

    last = pupils[-1]
    # The counts line is redrawn just after the banner: wait for both rather than catch a frame in between.
    screen = terminal.wait_for(last.display_name, *draw("✔ HANDED IN"), "in office 20")
    assert "SCAN AGAIN" not in screen and "too long" not in screen
