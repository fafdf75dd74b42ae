"""How far apart the kiosk sees the keys of a scan and of a person: the figures behind the scanner threshold.

The real kiosk (a small fictional school, signed in at the desk) runs in a real pseudo-terminal with an
instrumented KioskApp.on_event that notes, for every key, the time Textual stamped on it when its input thread
parsed it (Message.time) and time.monotonic() when the app's on_event saw it. Keys are fed four ways:

* tmux: `tmux send-keys CODE Enter`, one write, as the tests' scanner does;
* wedge: straight into the pty, one character every N ms (a USB keyboard-wedge scanner: each character is its
  own USB report, so its own read);
* person: straight into the pty, 80–300 ms apart (random), then Enter;
* Pilot: `pilot.press(*CODE, "enter")`, as the Pilot tests type (it waits for the app after every key);
* busy: a person's keys while the app stalls for 600 ms at the first of them, to see which clock still tells
  a person from a scanner.

    PYTHONPATH=$PWD python3 -m bench.key_gaps            # prints a table of the gaps (ms) per feed
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import random
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = "K0EJ85R5"


# ── the instrumented kiosk (run in the child) ─────────────────────────────────────────────────────────────────
def run_kiosk(db: str, key: str, log: str, busy: bool) -> None:
    from textual import events

    from kiosk.app import KioskApp
    from kiosk.clock import Clock
    from kiosk.config import Settings
    from kiosk.db import open_database
    from kiosk.keyring import load_key_file

    out = open(log, "a", buffering=1)  # noqa: SIM115 - open for the app's life

    class Measured(KioskApp):
        async def on_event(self, event: events.Event) -> None:
            if isinstance(event, events.Key) and not event.is_forwarded:
                out.write(json.dumps({"key": event.key, "made": event.time, "seen": time.monotonic()}) + "\n")
                if busy and event.key == "d":
                    time.sleep(0.6)  # one slow moment (a big redraw, a stall): keys typed meanwhile queue up
            await super().on_event(event)

    open_database(db)
    Measured(settings=Settings(school_name="Hillcrest Academy", desk="Reception 1"),
             keyring=load_key_file(Path(key)), clock=Clock()).run()


# ── the school ─────────────────────────────────────────────────────────────────────────────────────────────
def make_school(folder: Path) -> tuple[Path, Path]:
    os.environ["KIOSK_CONFIG_DIR"] = str(folder / "config")
    os.environ["KIOSK_DATA_DIR"] = str(folder / "data")
    from tests.conftest import make_school as build

    school = build(folder)
    return school.path, school.key_path


# ── feeding keys ───────────────────────────────────────────────────────────────────────────────────────────
class Pty:
    """The kiosk in a pseudo-terminal of its own; what it draws is read and thrown away (else it would block)."""

    def __init__(self, db: Path, key: Path, log: Path, busy: bool = False) -> None:
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TERM"] = "xterm-256color"
            os.execv(sys.executable, [sys.executable, "-m", "bench.key_gaps", "--child", str(db), str(key), str(log),
                                      "busy" if busy else "calm"])
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.screen = b""
        self.alive = True
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while self.alive:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.screen = (self.screen + os.read(self.fd, 65536))[-200_000:]
                except OSError:
                    return

    def write(self, data: str) -> None:
        os.write(self.fd, data.encode())

    def wait_for(self, words: bytes, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while words not in self.screen:
            if time.monotonic() > deadline:
                raise TimeoutError(f"never saw {words!r}")
            time.sleep(0.05)

    def close(self) -> None:
        self.write("\x11")  # Ctrl+Q asks first on a signed-in desk; Ctrl+Q again quits
        time.sleep(0.3)
        self.write("\x11")
        time.sleep(0.3)
        self.alive = False
        try:
            os.kill(self.pid, 15)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def type_slowly(terminal: Pty, text: str) -> None:
    for character in text:
        terminal.write(character)
        time.sleep(0.12)


def signed_in(terminal: Pty) -> None:
    terminal.wait_for(b"Desk locked")
    type_slowly(terminal, "AA\r")
    terminal.wait_for(b"PIN for AA")
    type_slowly(terminal, "482913\r")
    terminal.wait_for(b"Ann Adams")
    time.sleep(0.5)


def read_log(log: Path) -> list[dict[str, float | str]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def gaps(rows: list[dict[str, float | str]], field: str) -> list[float]:
    times = [float(row[field]) for row in rows]
    return [round((b - a) * 1000, 2) for a, b in zip(times, times[1:], strict=False)]


def feed_pty(db: Path, key: Path, folder: Path, name: str, feed, *, busy: bool = False, repeats: int = 5):
    log = folder / f"{name}.jsonl"
    terminal = Pty(db, key, log, busy=busy)
    try:
        signed_in(terminal)
        log.write_text("")
        runs = []
        for _ in range(repeats):
            before = len(read_log(log))
            feed(terminal)
            time.sleep(0.8)
            runs.append(read_log(log)[before:])
        return runs
    finally:
        terminal.close()


def feed_tmux(db: Path, key: Path, folder: Path, repeats: int = 5):
    tmux = shutil.which("tmux")
    assert tmux, "tmux is not installed"
    socket = f"kiosk-gaps-{uuid.uuid4().hex[:8]}"
    log = folder / "tmux.jsonl"
    env = {**os.environ, "TERM": "xterm-256color"}

    def run(*args: str) -> str:
        return subprocess.run([tmux, "-L", socket, *args], capture_output=True, text=True, env=env, check=True,
                              timeout=10).stdout

    command = f"cd {ROOT} && {sys.executable} -m bench.key_gaps --child {db} {key} {log} calm"
    run("new-session", "-d", "-s", "desk", "-x", "120", "-y", "40", command)
    try:
        def wait_for(words: str) -> None:
            deadline = time.monotonic() + 20
            while words not in run("capture-pane", "-p", "-t", "desk"):
                assert time.monotonic() < deadline, f"never saw {words}"
                time.sleep(0.05)

        wait_for("Desk locked")
        for character in "AA":
            run("send-keys", "-t", "desk", character)
            time.sleep(0.12)
        run("send-keys", "-t", "desk", "Enter")
        wait_for("PIN for AA")
        for character in "482913":
            run("send-keys", "-t", "desk", character)
            time.sleep(0.12)
        run("send-keys", "-t", "desk", "Enter")
        wait_for("Ann Adams")
        time.sleep(0.5)
        log.write_text("")
        runs = []
        for _ in range(repeats):
            before = len(read_log(log))
            run("send-keys", "-t", "desk", CODE, "Enter")
            time.sleep(0.8)
            runs.append(read_log(log)[before:])
        # Character by character, each its own send-keys: what tmux itself adds between writes.
        before = len(read_log(log))
        for character in CODE:
            run("send-keys", "-t", "desk", character)
        run("send-keys", "-t", "desk", "Enter")
        time.sleep(0.8)
        return runs, read_log(log)[before:]
    finally:
        subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True, env=env)


def feed_pilot(folder: Path, repeats: int = 5) -> list[list[dict[str, float | str]]]:
    """The tests' own typing: the app in this process under Pilot, signed in at the desk."""
    import asyncio

    from textual import events

    from kiosk.app import KioskApp
    from kiosk.clock import FixedClock
    from kiosk.config import Settings
    from kiosk.keyring import load_key_file
    from tests.tui_helpers import sign_in

    rows: list[dict[str, float | str]] = []

    class Measured(KioskApp):
        async def on_event(self, event: events.Event) -> None:
            if isinstance(event, events.Key) and not event.is_forwarded:
                rows.append({"key": event.key, "made": event.time, "seen": time.monotonic()})
            await super().on_event(event)

    from datetime import UTC, datetime

    app = Measured(settings=Settings(school_name="Hillcrest Academy", desk="Reception 1"),
                   keyring=load_key_file(folder / "config" / "kiosk.key"),
                   clock=FixedClock(datetime(2026, 11, 30, 8, 30, tzinfo=UTC)))
    runs: list[list[dict[str, float | str]]] = []

    async def run() -> None:
        async with app.run_test() as pilot:
            await sign_in(pilot)
            for _ in range(repeats):
                rows.clear()
                await pilot.press(*CODE, "enter")
                await pilot.pause(0.3)
                runs.append(list(rows))

    asyncio.run(run())
    return runs


def summary(name: str, runs: list[list[dict[str, float | str]]]) -> dict[str, object]:
    made = [g for run in runs for g in gaps(run, "made")]
    seen = [g for run in runs for g in gaps(run, "seen")]

    def spread(values: list[float]) -> str:
        if not values:
            return "—"
        return f"min {min(values):.2f} · median {statistics.median(values):.2f} · max {max(values):.2f}"

    return {"feed": name, "keys": sum(len(r) for r in runs), "made (Message.time)": spread(made),
            "seen (on_event monotonic)": spread(seen)}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _flag, db, key, log, mood = sys.argv[1:]
        run_kiosk(db, key, log, busy=mood == "busy")
        return 0
    random.seed(14)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db, key = make_school(folder)
        results = []
        tmux_runs, tmux_one_by_one = feed_tmux(db, key, folder)
        results.append(summary("tmux send-keys CODE Enter (one write)", tmux_runs))
        results.append(summary("tmux send-keys, one call per key", [tmux_one_by_one]))
        for every in (0.002, 0.004, 0.008, 0.015):
            def wedge(terminal: Pty, every: float = every) -> None:
                for character in CODE + "\r":
                    terminal.write(character)
                    time.sleep(every)
            results.append(summary(f"wedge: a key every {every * 1000:.0f} ms",
                                   feed_pty(db, key, folder, f"wedge{every}", wedge)))

        def person(terminal: Pty) -> None:
            for character in "davies\r":
                terminal.write(character)
                time.sleep(random.uniform(0.08, 0.3))
        results.append(summary("Pilot: pilot.press(*CODE, 'enter')", feed_pilot(folder)))
        results.append(summary("person: 80-300 ms apart", feed_pty(db, key, folder, "person", person)))
        results.append(summary("person, app stalls 600 ms at the first key",
                               feed_pty(db, key, folder, "busy", person, busy=True, repeats=3)))
        for row in results:
            print(f"{row['feed']:<40} keys {row['keys']:>3}")
            print(f"    made (Message.time)       {row['made (Message.time)']}")
            print(f"    seen (on_event monotonic) {row['seen (on_event monotonic)']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
