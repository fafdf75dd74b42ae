"""What goes on a label, as plain data: the tag label and the confiscation bag label."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from kiosk.custody import codes


def _clean(text: str | None) -> str:
    # NFC so "Nguyễn" typed with combining marks uses the font's composed glyphs; one line, no control chars.
    text = unicodedata.normalize("NFC", text or "")
    return " ".join("".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == " ").split())


@dataclass(frozen=True)
class TagLabel:
    """One phone tag's sticker. `code` is the exact string in the QR code and the Code128 barcode."""

    code: str
    name: str  # the pupil's preferred name
    form: str
    school: str
    surname: str = ""  # the end of `name` that is the surname, kept whole when a long name is shortened

    def __post_init__(self) -> None:
        for name in ("name", "form", "school", "surname"):
            object.__setattr__(self, name, _clean(getattr(self, name)))

    @property
    def human_code(self) -> str:
        return codes.grouped(self.code)


@dataclass(frozen=True)
class BagLabel:
    """The label for a confiscated phone's bag: who, when, why, the seal number, and the tag code."""

    code: str
    name: str
    form: str
    confiscated_on: date
    reason: str
    seal_number: str
    school: str
    surname: str = ""
    on_hold: bool = False  # a safeguarding hold: the bag says HOLD — DO NOT RELEASE

    def __post_init__(self) -> None:
        for name in ("name", "form", "reason", "seal_number", "school", "surname"):
            object.__setattr__(self, name, _clean(getattr(self, name)))

    @property
    def human_code(self) -> str:
        return codes.grouped(self.code)
