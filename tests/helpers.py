"""Helpers any test may use that drive no screen: waiting with a deadline, reading a PDF back, a free port,
starting a real server (PostgreSQL, CUPS) or skipping — failing where CI requires it. Screens: tui_helpers.
It imports pytest only where a helper fails or skips a test, so bench/ may use it too (via tests.pgserver)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar


def flat(text: str) -> str:
    """Words with runs of spaces and line breaks collapsed (figures are laid out in padded columns)."""
    return " ".join(text.split())


def wait_until(condition: Callable[[], object], timeout: float = 20.0, step: float = 0.1) -> bool:
    """Poll `condition` until it holds or `timeout` seconds have passed; whether it held (asked once more)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def pdf_text(path: Path | str) -> str:
    """The text of a PDF as poppler's pdftotext lays it out (-layout), or a failure saying what is missing."""
    import pytest

    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDFs back; .ci/run installs it")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_words(path: Path | str) -> str:
    """The words of a PDF with runs of spaces collapsed (reports lay figures out in padded columns)."""
    return flat(pdf_text(path))


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Startable(Protocol):
    def start(self) -> None: ...


S = TypeVar("S", bound=_Startable)


def start_or_skip(server: S, *, missing: type[Exception], require_flag: str, what: str) -> S:
    """`server`, started. Where it cannot be had (`missing` is raised) the test fails if the environment
    variable `require_flag` is 1 (.ci/run sets it: CI must never skip for want of a server), else skips."""
    import pytest

    try:
        server.start()
    except missing as exc:
        if os.environ.get(require_flag) == "1":
            pytest.fail(f"{what} is required here ({require_flag}=1) but: {exc}")
        pytest.skip(f"no {what} for these tests: {exc}")
    return server
