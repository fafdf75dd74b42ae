"""The 'printer' that saves a file: a PDF (sheets, or roll labels at their size) or PNG images, one file per
job and never over an earlier one, so every job the office printed can be found and printed later.

The target is a folder (every job named by date, time and what is on it: `labels 2026-12-06 0931 form 7A
(28).pdf`) or a file name (used while it is free; once taken, the next job is named as in a folder, beside it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from PIL import Image

from kiosk import platform
from kiosk.labels.documents import each_sheet_image, labels_pdf, png_bytes, sheet_count
from kiosk.labels.layouts import Layout
from kiosk.labels.printers import JobTracker, PrintFailed, PrintReceipt, Progress

SUFFIXES = (".pdf", ".png")
_NOT_IN_A_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')  # what Windows or POSIX refuses, and control codes
WHAT_LENGTH = 80  # characters of "what is on it" in a file name


def job_stem(title: str, labels: int, when: datetime) -> str:
    """`labels 2026-12-06 0931 form 7A (28)`: the kind of label, the date and time, what is on it, how many."""
    kind, _, what = title.partition(" - ")
    prefix = "bag label" if kind.lower().startswith("bag") else "labels"
    what = " ".join(_NOT_IN_A_NAME.sub(" ", what or kind).split())[:WHAT_LENGTH].strip(" .")
    stamp = f"{when.date().isoformat()} {when.hour:02d}{when.minute:02d}"  # sorts in time order in any file list
    return f"{prefix} {stamp} {what} ({labels})" if what else f"{prefix} {stamp} ({labels})"


class FilePrinter:
    """Saves to `path`: a folder (a name without .pdf/.png) gets one PDF per job; a `.pdf` name one
    print-ready PDF; a `.png` name one image per label (or per sheet), numbered `name-0001.png`… when there is
    more than one. Nothing already there is ever replaced."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    @property
    def is_folder(self) -> bool:
        return self.path.is_dir() or self.path.suffix.lower() not in SUFFIXES

    @property
    def description(self) -> str:
        return f"folder {self.path}" if self.is_folder else f"file {self.path}"

    def unsuitable(self, layout: Layout) -> str | None:
        if self.path.suffix and not self.is_folder and self.path.suffix.lower() not in SUFFIXES:
            return f"{self.path.name} is neither a .pdf nor a .png file name"
        return None

    def print_labels(self, images: Sequence[Image.Image], layout: Layout, *, title: str,
                     progress: Progress | None = None, tracker: JobTracker | None = None) -> PrintReceipt:
        if reason := self.unsuitable(layout):
            raise PrintFailed(reason, "Give a file name ending .pdf or .png, then save again.")
        folder = self.path if self.is_folder else self.path.parent
        suffix = ".pdf" if self.is_folder else self.path.suffix.lower()
        try:
            platform.private_folder(folder)
        except OSError as exc:
            raise PrintFailed(f"could not make the folder {folder} ({exc.strerror or exc})",
                              "Check the folder can be made and has space, then save again.") from exc
        pages = sheet_count(len(images), layout) if suffix == ".png" else -(-len(images) // layout.per_page)
        files = 1 if suffix == ".pdf" else pages
        targets = self._claim(folder, suffix, files, job_stem(title, len(images), datetime.now().astimezone()))
        if tracker is not None:
            tracker.sent(str(targets[0]) if len(targets) == 1 else f"{targets[0]} … {targets[-1].name}")
        try:
            if suffix == ".pdf":
                _write(targets[0], labels_pdf(images, layout, title=title))
            else:  # one image per label or sheet, each drawn, saved and let go before the next
                for picture, target in zip(each_sheet_image(images, layout), targets, strict=True):
                    _write(target, png_bytes(picture, layout.dpi))
        except PrintFailed:
            for target in targets:  # the names claimed and left empty: nothing half-saved stays behind
                if target.exists() and target.stat().st_size == 0:
                    target.unlink(missing_ok=True)
            raise
        where = str(targets[0]) if len(targets) == 1 else f"{targets[0]} … {targets[-1].name}"
        return PrintReceipt(self.description, len(images), pages, f"saved to {where}", tuple(targets))

    def _claim(self, folder: Path, suffix: str, count: int, stem: str) -> list[Path]:
        """Names for `count` files that nobody has, each created empty (and private) here, so two jobs at the
        same minute, or two desks, never take the same one."""
        stems = [] if self.is_folder else [self.path.stem]
        stems += [stem] + [f"{stem} #{n}" for n in range(2, 1000)]
        for base in stems:
            names = [folder / f"{base}{suffix}"] if count == 1 else \
                [folder / f"{base}-{n:04d}{suffix}" for n in range(1, count + 1)]
            claimed: list[Path] = []
            name = names[0]
            try:
                for name in names:
                    os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                    claimed.append(name)
            except FileExistsError:
                for name in claimed:
                    name.unlink(missing_ok=True)
                continue
            except OSError as exc:
                for name in claimed:
                    name.unlink(missing_ok=True)
                raise PrintFailed(f"could not save {name} ({exc.strerror or exc})",
                                  "Check the folder exists and has space, then save again.") from exc
            return claimed
        raise PrintFailed(f"{folder} already has a thousand files for this job",
                          "Move old label files out of the folder, then save again.")


def _write(path: Path, data: bytes) -> None:
    """All or nothing, this account only: a half-written file never stands (full disk, pulled USB stick).
    Written by kiosk.platform, the one writer of private files."""
    try:
        platform.write_private(path, data)
    except OSError as exc:
        raise PrintFailed(f"could not save {path} ({exc.strerror or exc})",
                          "Check the folder exists and has space, then save again.") from exc
