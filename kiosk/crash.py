"""Writing down a fault nobody expected: where in the code it happened, never what the kiosk was holding.

A traceback as Python or Textual prints it carries the exception's message and (Textual's) every frame's local
variables: a PIN being checked, the key's bytes, a pupil's name or a carer's telephone number. A crash report
here holds the kind of fault and the file, line and function of each frame, nothing else, in a file private to
the account; the person at the desk is told in plain words, and the process ends with CRASH_EXIT so that a
supervisor (systemd, a Windows scheduled task) starts it again.
"""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

from kiosk import __version__
from kiosk.platform import private_folder, write_private

# EX_SOFTWARE (sysexits.h): an internal fault, not a mistake on the command line (2) nor a refusal (1).
CRASH_EXIT = 70
# Follow an exception's cause and context this far (a fault while handling a fault while handling…).
MOST_CHAINED = 5


def crash_lines(error: BaseException, *, at: datetime) -> list[str]:
    """The crash report: the kiosk's version, when, then for the fault (and what it happened while handling)
    its kind and its frames as file:line in function. No message, no values, no source lines: the message of
    an exception can hold what was typed or read (a PIN, a name), and so can a line's own variables."""
    lines = [f"Phone custody kiosk {__version__}: stopped by a fault at {at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC.",
             "Only the kind of fault and where it happened are written here: no names, PINs, notes or values.", ""]
    seen: set[int] = set()
    current: BaseException | None = error
    depth = 0
    while current is not None and id(current) not in seen and depth < MOST_CHAINED:
        seen.add(id(current))
        kind = type(current)
        heading = "Fault" if depth == 0 else "While handling"
        lines.append(f"{heading}: {kind.__module__}.{kind.__qualname__}")
        for frame in traceback.extract_tb(current.__traceback__, limit=None):
            lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
        current = current.__cause__ or current.__context__
        depth += 1
    return lines


def crash_folder(data_folder: Path) -> Path:
    """Where crash reports go: a private folder in the kiosk's data folder."""
    return data_folder / "crashes"


def write_crash_report(error: BaseException, *, folder: Path, at: datetime | None = None) -> Path | None:
    """Write the crash report to a new file in `folder` (0700), private to the account (0600) from the moment it
    exists. Its path, or None when it could not be written (a full disk, a folder not ours): the fault is then
    only told on screen, and the kiosk still stops."""
    at = at or datetime.now(UTC)
    text = "\n".join(crash_lines(error, at=at)) + "\n"
    try:
        private_folder(folder)  # 0700 (an access list on Windows), as every folder of the kiosk's files
        stamp = at.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
        path = folder / f"crash-{stamp}-{os.getpid()}.txt"
        number = 1
        while path.exists():
            number += 1
            path = folder / f"crash-{stamp}-{os.getpid()}-{number}.txt"
        write_private(path, text.encode("utf-8"))  # the one writer of the kiosk's files: private, whole or not at all
        return path
    except OSError:
        return None


def crash_words(path: Path | None) -> str:
    """What the person at the desk (or the command line) is told."""
    report = (f"A crash report was written to {path} for the IT technician (it holds no names, PINs or notes)."
              if path is not None else "No crash report could be written (the data folder could not be written to).")
    return ("The kiosk stopped because of a fault. Nothing unsaved was kept: what the desk had shown as saved is "
            "saved, anything not yet shown as saved was not (check the last scan when it starts again). "
            f"{report} Start the kiosk again; if it happens again, call the IT technician.")
