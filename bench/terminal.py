"""A real terminal for the benchmarks: tmux on a private socket (other tmux users are never touched)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.common import ROOT


class TerminalGone(Exception):
    pass


class Tmux:
    """One private tmux server. A keeper session holds it up, so each launch only creates a session."""

    def __init__(self, width: int = 120, height: int = 40) -> None:
        path = shutil.which("tmux")
        if path is None:
            raise FileNotFoundError("tmux is not installed (apt-get install tmux)")
        self.path = path
        self.socket = f"kiosk-bench-{uuid.uuid4().hex[:8]}"
        self.width, self.height = width, height
        self.env = {**os.environ, "TERM": "xterm-256color"}
        self.run("new-session", "-d", "-s", "keeper", "-x", "80", "-y", "24", "sleep 3600")

    def run(self, *args: str) -> str:
        done = subprocess.run([self.path, "-L", self.socket, *args], capture_output=True, text=True, env=self.env,
                              timeout=20)
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args[:2])} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, session: str, command: list[str], env: dict[str, str | None] | None = None) -> None:
        """Run `command` in a new session with `env` on top of this one (None: unset); when it exits, the pane
        says so and stays, to show why."""
        env = env or {}
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if v is not None)
        unsets = " ".join(k for k, v in env.items() if v is None)
        shell = (f"{'unset ' + unsets + '; ' if unsets else ''}export TERM=xterm-256color {exports}; "
                 f"{shlex.join(command)}; echo APP EXITED $?; sleep 600")
        self.run("new-session", "-d", "-s", session, "-x", str(self.width), "-y", str(self.height), "-c", str(ROOT),
                 shell)

    def send(self, session: str, *keys: str) -> None:
        self.run("send-keys", "-t", session, *keys)

    def type_slowly(self, session: str, text: str, *, gap: float = 0.12) -> None:
        """Typed as a person types, one key at a time (no Enter): the kiosk takes keys arriving faster than 35 ms
        apart for a scanner's burst, and refuses a PIN that comes as one at the lock screen."""
        for key in text:
            self.run("send-keys", "-t", session, "-l", key)
            time.sleep(gap)

    def text(self, session: str) -> str:
        return self.run("capture-pane", "-p", "-t", session)

    def wait_for(self, session: str, test: Callable[[str], bool] | str, *, timeout: float = 30.0,
                 poll: float = 0.02) -> tuple[float, str]:
        """Poll the screen until `test` holds; returns (perf_counter when seen, screen text)."""
        check = (lambda text: test in text) if isinstance(test, str) else test
        deadline = time.perf_counter() + timeout
        while True:
            text = self.text(session)
            seen = time.perf_counter()
            if check(text):
                return seen, text
            if "APP EXITED" in text:
                raise TerminalGone(f"the app exited; the terminal shows:\n{text}")
            if seen > deadline:
                raise TimeoutError(f"gave up after {timeout:.0f} s; the terminal shows:\n{text}")
            time.sleep(poll)

    def kill(self, session: str) -> None:
        try:
            self.run("kill-session", "-t", session)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass

    def close(self) -> None:
        try:
            self.run("kill-server")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass


def read_pid(pidfile: Path, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return int(pidfile.read_text())
        except (OSError, ValueError):
            time.sleep(0.01)
    raise TimeoutError(f"no pid in {pidfile}")
