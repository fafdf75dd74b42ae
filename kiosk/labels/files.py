"""The 'printer' that saves a file: a PDF (sheets, or roll labels at their size) or PNG images."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from kiosk import platform
from kiosk.labels.documents import labels_pdf, png_bytes, sheet_images
from kiosk.labels.layouts import Layout
from kiosk.labels.printers import PrintFailed, PrintReceipt, Progress


class FilePrinter:
    """Saves to `path`: `.pdf` gives one print-ready PDF; `.png` gives one image per label (or per sheet),
    numbered `name-0001.png`… when there is more than one."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    @property
    def description(self) -> str:
        return f"file {self.path}"

    def unsuitable(self, layout: Layout) -> str | None:
        if self.path.suffix.lower() not in (".pdf", ".png"):
            return f"{self.path.name} is neither a .pdf nor a .png file name"
        return None

    def print_labels(self, images: Sequence[Image.Image], layout: Layout, *, title: str,
                     progress: Progress | None = None) -> PrintReceipt:
        if reason := self.unsuitable(layout):
            raise PrintFailed(reason, "Give a file name ending .pdf or .png, then save again.")
        if self.path.suffix.lower() == ".pdf":
            pdf = labels_pdf(images, layout, title=title)
            _write(self.path, pdf)
            pages = -(-len(images) // layout.per_page)
            return PrintReceipt(self.description, len(images), pages, f"saved to {self.path}", (self.path,))
        pictures = sheet_images(images, layout)
        if len(pictures) == 1:
            targets = [self.path]
        else:
            targets = [self.path.with_name(f"{self.path.stem}-{n:04d}{self.path.suffix}")
                       for n in range(1, len(pictures) + 1)]
        for picture, target in zip(pictures, targets, strict=True):
            _write(target, png_bytes(picture, layout.dpi))
        where = str(targets[0]) if len(targets) == 1 else f"{targets[0]} … {targets[-1].name}"
        return PrintReceipt(self.description, len(images), len(pictures), f"saved to {where}", tuple(targets))


def _write(path: Path, data: bytes) -> None:
    """All or nothing, this account only: a half-written file never replaces a good one (full disk, pulled USB
    stick). Written by kiosk.platform, the one writer of private files."""
    try:
        platform.private_folder(path.parent)
        platform.write_private(path, data)
    except OSError as exc:
        raise PrintFailed(f"could not save {path} ({exc.strerror or exc})",
                          "Check the folder exists and has space, then save again.") from exc
