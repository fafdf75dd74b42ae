"""Turning what a scanner (or a person) typed into a tag code, an admission number, or a name to search.

Pure functions plus a small per-desk filter for repeated scans; nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kiosk.custody import codes
from kiosk.custody.errors import BadScan

MAX_SCAN_LENGTH = 64
AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")  # ISO/IEC 15424 symbology identifier, e.g. ]Q1, ]C0
CONTROL = re.compile(r"[\r\n\t\x00-\x1f\x7f]")
SURROGATE = re.compile("[\ud800-\udfff]")
ADMISSION_NUMBER = re.compile(r"^[0-9]{1,12}$")
NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")  # Zoë, O'Brien, Anne-Marie: letters, no digits


@dataclass(frozen=True)
class TagScan:
    code: str


@dataclass(frozen=True)
class AdmissionNumberScan:
    number: str


@dataclass(frozen=True)
class NameSearch:
    text: str  # folded for matching (fold): never shown, as 'kzzz-zzzz' is not what was scanned
    typed: str = field(default="", compare=False)  # as scanned or typed (NameSearch.of): see shown

    @property
    def shown(self) -> str:
        """What the desk names the search by: as it was scanned or typed, never folded."""
        return self.typed or self.text

    @classmethod
    def of(cls, text: str) -> NameSearch:
        """A search for `text` as scanned or typed. Shown as typed (spaces tidied), but a code in a tag's shape
        (K and seven of its letters, with or without the dash) in upper case, as it is printed on the tag."""
        tidy = " ".join(text.split())
        compact = re.sub(r"[\s\-]", "", tidy).upper()
        shaped = len(compact) == codes.CODE_LENGTH and compact.startswith(codes.PREFIX) and \
            all(c in codes.ALPHABET for c in compact.translate(codes.CONFUSABLES))
        return cls(fold(text), tidy.upper() if shaped else tidy)


@dataclass(frozen=True)
class CommandScan:
    """A barcode on the desk card that switches the desk (hand in, hand back, lock, close day)."""

    command: str


# Printed on the desk card (kiosk desk-card). Letters only, no symbols: they survive any keyboard layout.
COMMAND_CODES = {"KXHANDIN": "hand in", "KXHANDBACK": "hand back", "KXLOCK": "lock", "KXCLOSEDAY": "close day"}

Scan = TagScan | AdmissionNumberScan | NameSearch | CommandScan


# Letters NFKD does not decompose, as a table built once.
_LETTERS: dict[str, str | int | None] = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss",
                                          "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
_UNDECOMPOSED = str.maketrans(_LETTERS)


def fold(text: str) -> str:
    """Lower case with accents removed: 'Zoë Ó Súilleabháin' → 'zoe o suilleabhain'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.translate(_UNDECOMPOSED)
    return " ".join(stripped.casefold().split())


def normalise(raw: str) -> Scan:
    """Classify one scan. Raises BadScan with a message fit for the desk."""
    # A lone surrogate (half an emoji from a Windows console) can't be stored or searched: drop it.
    raw = SURROGATE.sub("", raw)
    text = AIM_PREFIX.sub("", CONTROL.sub("", raw.strip("\r\n\t "))).strip()
    if not text:
        raise BadScan("Nothing was scanned. Scan the tag again, or type the pupil's name.")
    if len(text) > MAX_SCAN_LENGTH:
        raise BadScan("That scan was too long: two codes may have run together. Scan one tag at a time.")
    compact = re.sub(r"[\s\-]", "", text).upper()
    if compact in COMMAND_CODES:
        return CommandScan(COMMAND_CODES[compact])
    candidate = compact.translate(codes.CONFUSABLES)
    if len(candidate) == 2 * codes.CODE_LENGTH and candidate[: codes.CODE_LENGTH] == candidate[codes.CODE_LENGTH:]:
        raise BadScan("The same tag was read twice in one scan. Scan it once more.")
    if _looks_like_tag(compact, candidate):
        if not codes.is_valid(candidate):
            raise BadScan("That tag did not read correctly (check character wrong). Scan it again, "
                          "or type the pupil's name.")
        return TagScan(candidate)
    if ADMISSION_NUMBER.match(compact):
        return AdmissionNumberScan(compact)  # zero-padding is matched at lookup
    # A name with a form or year ("chloe 11a", "davies y7") is a name search; digits with no word of letters beside
    # them are a tag or card that did not read.
    if any(c.isdigit() for c in compact) and not any(NAME_WORD.fullmatch(word) for word in text.split()):
        raise BadScan(f"'{text[:24]}' is not a tag code this kiosk knows. Scan the phone's tag, "
                      "or type the pupil's name.")
    return NameSearch.of(text)


def _looks_like_tag(compact: str, candidate: str) -> bool:
    if len(candidate) != codes.CODE_LENGTH or not candidate.startswith(codes.PREFIX):
        return False
    # Every tag carries digits (see codes.new_code); an eight-letter name starting with K has none.
    return all(c in codes.ALPHABET for c in candidate) and sum(c in "23456789" for c in compact) >= 1


def scan_key(scan: Scan) -> str:
    if isinstance(scan, TagScan):
        return "T:" + scan.code
    if isinstance(scan, AdmissionNumberScan):
        return "A:" + scan.number
    if isinstance(scan, CommandScan):
        return "C:" + scan.command
    return "N:" + scan.text


class RepeatFilter:
    """Ignores the same code scanned again at this desk within a short window (a double trigger)."""

    def __init__(self, window_seconds: float) -> None:
        self.window = timedelta(seconds=window_seconds)
        self._last: tuple[str, datetime] | None = None

    def forget(self) -> None:
        """The last scan was not saved: the next read of it is a new attempt, not a double read."""
        self._last = None

    def is_repeat(self, scan: Scan, at: datetime) -> bool:
        if isinstance(scan, NameSearch | CommandScan):
            return False
        key = scan_key(scan)
        repeat = self._last is not None and self._last[0] == key and at - self._last[1] < self.window
        self._last = (key, at)
        return repeat
