"""A real terminal for the tests: one tmux session on a private server socket (other tmux users on the machine
are never touched), to start the kiosk in, type into as a scanner does, and read back as text.

Tests get one from the `tmux_terminal` fixture (tests/conftest.py), which closes it afterwards.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Opens an existing database and key file and runs the kiosk exactly as the CLI does.
LAUNCHER = ROOT / "tests" / "tui_helpers.py"


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
        """Keys in one write: the kiosk reads them together, as a scanner's burst (each key 0.01–0.5 ms apart)."""
        self.tmux("send-keys", "-t", self.session, *keys)

    def type_slowly(self, text: str, *, gap: float = 0.12, enter: bool = True) -> None:
        """Typed as a person types: one key at a time, `gap` seconds apart (people: 80–300 ms), then Enter. A PIN
        sent in one write would be a scanner's burst, which the lock screen refuses."""
        for character in text:
            self.tmux("send-keys", "-t", self.session, "-l", character)
            time.sleep(gap)
        if enter:
            self.tmux("send-keys", "-t", self.session, "Enter")

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
