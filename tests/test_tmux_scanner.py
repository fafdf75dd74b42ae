"""The scanner path in a real terminal: twenty scans typed into tmux in one write stay twenty hand-ins.

A keyboard-wedge scanner types a code and Enter in a few milliseconds, so at a busy hatch several scans
reach the kiosk in one terminal read. Pilot cannot show what a real terminal does with that; tmux can.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from kiosk.db import Custody, Event, Tag
from kiosk.widgets.big_text import draw
from tests.conftest import OFFICE_PIN, add_pupil

pytestmark = pytest.mark.tmux

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "tests" / "tui_helpers.py"
MORE_PUPILS = [  # fourteen more invented pupils, so that a burst of twenty scans has twenty different phones
    ("100101", "Amelia", "Clarke"), ("100102", "Noah", "Patel"), ("100103", "Isla", "Okafor"),
    ("100104", "Oscar", "Brown"), ("100105", "Maryam", "Khan"), ("100106", "Finn", "Lloyd"),
    ("100107", "Priya", "Singh"), ("100108", "Kwame", "Mensah"), ("100109", "Grace", "Evans"),
    ("100110", "Theo", "Walker"), ("100111", "Mei", "Chen"), ("100112", "Arthur", "Price"),
    ("100113", "Niamh", "Hughes"), ("100114", "Yusuf", "Ahmed"),
]


class Terminal:
    """One tmux session on a private server socket, so other tmux users on the machine are never touched."""

    def __init__(self, tmux: str, width: int = 120, height: int = 40) -> None:
        self.tmux_path = tmux
        self.socket = f"kiosk-test-{uuid.uuid4().hex[:8]}"
        self.session = "desk"
        self.width, self.height = width, height
        self.env = {**os.environ, "TERM": "xterm-256color"}

    def tmux(self, *args: str) -> str:
        done = subprocess.run([self.tmux_path, "-L", self.socket, *args], capture_output=True, text=True,
                              env=self.env, timeout=10)
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args[:2])} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: list[str]) -> None:
        # After the app exits the shell says so and waits, so a crash stays on screen for the failure message.
        shell = f"TERM=xterm-256color {shlex.join(command)}; echo KIOSK EXITED $?; sleep 60"
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(self.width), "-y", str(self.height),
                  "-c", str(ROOT), shell)

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def wait_for(self, *wanted: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if all(w in text for w in wanted):
                return text
            if "KIOSK EXITED" in text or time.monotonic() > deadline:
                raise AssertionError(f"never saw {wanted!r} in the terminal; it shows:\n{text}")
            time.sleep(0.1)

    def close(self) -> None:
        for args in (("kill-session", "-t", self.session), ("kill-server",)):
            try:
                self.tmux(*args)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass


@pytest.fixture
def terminal():
    tmux = shutil.which("tmux")
    if tmux is None:
        if os.environ.get("KIOSK_REQUIRE_TMUX") == "1":
            pytest.fail("tmux is required here (KIOSK_REQUIRE_TMUX=1) but is not installed")
        print("SKIPPED: tmux is not installed, so the real-terminal scanner test cannot run "
              "(apt-get install tmux)")
        pytest.skip("tmux is not installed")
    term = Terminal(tmux)
    try:
        yield term
    finally:
        term.close()


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_burst_of_twenty_scans_in_one_write_opens_twenty_custodies(school, tmp_path, terminal):
    extra = [add_pupil(school.clock, mis_id, forename, surname, None, 8, "8B")
             for mis_id, forename, surname in MORE_PUPILS]
    pupils = school.pupils + extra
    codes = [school.tag_of(p) for p in pupils]
    assert len(set(codes)) == 20

    terminal.start([sys.executable, str(LAUNCHER), str(school.path), str(tmp_path / "config" / "kiosk.key")])
    terminal.wait_for("Desk locked", "Hillcrest Academy")
    terminal.send("AA", "Enter")
    terminal.wait_for("PIN for AA")
    terminal.send(OFFICE_PIN, "Enter")
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
