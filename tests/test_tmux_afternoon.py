"""The afternoon switch in a real `kiosk` process in a real terminal (tmux), its clock moved by faketime: signed
in at 15:09:45 the desk says HAND IN; a phone scanned then is handed in; at 15:10 (the school's hand_back_from,
from its settings file) the desk says HAND BACK by itself and says why, and the same phone scanned again is
handed back. No key is pressed between the two scans."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from kiosk.custody import State
from kiosk.db import Custody, Event
from kiosk.widgets.big_text import draw
from tests.conftest import OFFICE_PIN
from tests.helpers import wait_until
from tests.tmux_terminal import ROOT

pytestmark = pytest.mark.tmux


def test_the_desk_switches_to_hand_back_at_the_set_time_in_a_real_terminal(school, tmux_terminal):
    faketime = shutil.which("faketime")
    if faketime is None:
        if os.environ.get("KIOSK_REQUIRE_TMUX") == "1":  # CI provisions it with tmux (.ci/run): never skipped there
            pytest.fail("faketime is required here (KIOSK_REQUIRE_TMUX=1) but is not installed")
        pytest.skip("faketime is not installed (apt-get install faketime)")
    config = Path(os.environ["KIOSK_CONFIG_DIR"])  # where the school's key file is (tests/conftest.py)
    (config / "kiosk.toml").write_text('school_name = "Hillcrest Academy"\ndesk = "Reception 1"\n'
                                       'hand_back_from = "15:10"\n', encoding="utf-8")
    zoe = school.tag_of(school.pupils[0])
    terminal = tmux_terminal(width=100, height=32)
    terminal.env.update({"TZ": "Europe/London", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                         "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))})
    # 15:09:45 on a December Wednesday (GMT): the desk opens in the morning's mode.
    terminal.start([faketime, "2026-12-09 15:09:45", sys.executable, "-m", "kiosk.cli", "--db", school.url])
    terminal.wait_for("Desk locked")
    terminal.send("AA", "Enter")
    terminal.wait_for("PIN for AA")
    terminal.type_slowly(OFFICE_PIN)  # as a person types it: a PIN in one write is a scan, refused
    terminal.wait_for("Ann Adams (office)", *draw("HAND IN"))

    terminal.send(zoe, "Enter")  # before 15:10: handed in
    terminal.wait_for(*draw("HANDED IN"))
    screen = terminal.wait_for(*draw("HAND BACK"), "switched to HAND BACK at 15:10", timeout=30)
    assert "HAND BACK from 15:10" in screen, "said under the scan box too"

    terminal.send(zoe, "Enter")  # the same phone, a moment later: handed back in the new mode
    terminal.wait_for(*draw("HANDED BACK"))
    assert wait_until(lambda: Custody.get().state == State.RETURNED)
    assert [e.action for e in Event.select().where(Event.custody.is_null(False)).order_by(Event.seq)] == [
        "HANDED_IN", "HANDED_BACK"]
