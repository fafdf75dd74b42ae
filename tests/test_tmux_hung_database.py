"""A database that hangs, in a real terminal (tmux): the desk takes a scan while another program holds SQLite's
write lock, says SAVING and keeps echoing what is typed, then says NOT SAVED when its bounded wait runs out; once
the other program lets go, the same scan hands the phone in.

The kiosk runs as its own process, as at a school. Its busy timeout is shortened to three seconds here (the real
bound is measured by `python -m bench.run --only B9`), so the wait for NOT SAVED is short.
"""

from __future__ import annotations

import sqlite3
import sys
import time

import pytest

from kiosk.custody import State
from kiosk.db import Custody, Event, Tag
from kiosk.widgets.big_text import draw
from tests.conftest import OFFICE_PIN
from tests.tmux_terminal import ROOT

pytestmark = pytest.mark.tmux

BUSY_MS = 3000
# The kiosk as tests/tui_helpers.py runs it, with SQLite's busy timeout (how long a write waits for another
# program's lock before the desk says NOT SAVED) shortened before the database is opened.
LAUNCH = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from kiosk.db import connection
connection.SQLITE_PRAGMAS["busy_timeout"] = int(sys.argv[3])
from tests.tui_helpers import main
raise SystemExit(main(sys.argv[1:3]))
"""


def test_a_scan_while_the_database_is_held_says_saving_echoes_keys_then_not_saved_then_hands_in(school, tmp_path,
                                                                                             tmux_terminal):
    terminal = tmux_terminal()
    ruby = school.pupils[4]
    code = school.tag_of(ruby)
    terminal.start([sys.executable, "-c", LAUNCH, str(school.path), str(tmp_path / "config" / "kiosk.key"),
                    str(BUSY_MS)])
    terminal.wait_for("Desk locked", "Hillcrest Academy")
    terminal.send("AA", "Enter")
    terminal.wait_for("PIN for AA")
    terminal.type_slowly(OFFICE_PIN)  # as a person types it: a PIN in one write is a scan, refused
    terminal.wait_for("Ann Adams (office)")
    terminal.send("F2")  # the real clock may be past 14:30, when the desk opens in hand-back mode
    terminal.wait_for(*draw("HAND IN"))

    other = sqlite3.connect(school.path, isolation_level=None)  # another program holds the write lock
    other.execute("BEGIN IMMEDIATE")
    try:
        sent = time.monotonic()
        terminal.send(code, "Enter")
        screen = terminal.wait_for(*draw("SAVING..."), "saving…", timeout=2)
        assert time.monotonic() - sent < 2
        assert "Ruby Mitchell" not in screen and "SLOT" not in screen, "nothing shown before the database answers"
        terminal.send("webb")  # a person types while the write is out: the keys show at once
        screen = terminal.wait_for("webb", timeout=1)
        assert "saving…" in screen and "NOT SAVED" not in screen, "still waiting for the database"
        terminal.send("C-u")
        screen = terminal.wait_for(*draw("✖ NOT SAVED"), "kept the database busy", timeout=BUSY_MS / 1000 + 10)
        waited = time.monotonic() - sent
        assert BUSY_MS / 1000 - 0.5 < waited < BUSY_MS / 1000 + 5, f"NOT SAVED after {waited:.1f} s"
        assert "saving…" not in screen
    finally:
        other.execute("ROLLBACK")
        other.close()

    terminal.send(code, "Enter")  # at once: the repeat filter knows it was not saved, so it is a new attempt
    terminal.wait_for(*draw("✔ HANDED IN"), "Ruby Mitchell · 7C", timeout=10)
    custodies = list(Custody.select().join(Tag).where(Tag.code == code))
    assert [c.state for c in custodies] == [State.IN_OFFICE]
    assert Event.select().where(Event.action == "HANDED_IN").count() == 1
