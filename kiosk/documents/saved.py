"""Saving a paper (notice, receipt) as a PDF file in the kiosk's data folder, where the office can print it.

The files name pupils, so the folder and the files are readable by the desk's own account only, and each is
written whole through kiosk.platform (the one writer of private files).
"""

from __future__ import annotations

import errno
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk import platform
from kiosk.clock import local
from kiosk.config import data_dir


def papers_dir() -> Path:
    """Where the kiosk keeps the papers it produces: one folder per school day."""
    return data_dir() / "papers"


def save_paper(pdf: bytes, *, kind: str, custody_id: int, at: datetime, tz: ZoneInfo) -> Path:
    """Write `pdf` as papers/YYYY-MM-DD/<kind>-<custody>-<HHMMSS>.pdf and return the path."""
    return save_private(pdf, name=f"{kind}-{custody_id}", suffix=".pdf", at=at, tz=tz)


def save_private(data: bytes, *, name: str, suffix: str, at: datetime, tz: ZoneInfo) -> Path:
    """Write `data` as papers/YYYY-MM-DD/<name>-<HHMMSS><suffix>, readable by the desk's account only.

    Written to a temporary file and renamed, so a printer or a person never opens half a file. A second file
    of the same name in the same second gets a numbered name rather than replacing the first.
    """
    when = local(at, tz)
    folder = platform.private_folder(papers_dir() / f"{when:%Y-%m-%d}")
    stem = f"{name}-{when:%H%M%S}"
    path = folder / f"{stem}{suffix}"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}{suffix}"
    return platform.write_private(path, data)


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to a file the command line was given, whole or not at all, readable by this account only
    (reports name pupils). An existing file of that name is replaced only once the new one is complete."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "that is a folder: give a file name, e.g. report.pdf", str(path))
    if not path.parent.is_dir():  # a mistyped folder is refused, never created
        raise FileNotFoundError(errno.ENOENT, "there is no such folder", str(path.parent))
    return platform.write_private(path, data)
