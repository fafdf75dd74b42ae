"""Reading single cells the way different MIS exports write them: year groups, yes/no, priorities, ids."""

from __future__ import annotations

import re

# The range a school's roll can hold: nursery (-2, -1), reception (0) up to a Year 14 sixth-former.
LOWEST_YEAR, HIGHEST_YEAR = -2, 14

# Matched against the cell with spaces and dots taken out: "NC Year 9" → "ncyear9".
_YEAR_NUMBER = re.compile(r"^(?:nationalcurriculumyear|curriculumyear|ncyear|ncy|year|yr|y)?(\d{1,2})$")
_YEAR_WORDS = {"reception": 0, "rec": 0, "r": 0, "yr": 0, "yearr": 0, "yearreception": 0,
               "nursery": -1, "n": -1, "n2": -1, "n1": -2}
_YES = {"yes", "y", "true", "t", "1"}
_NO = {"no", "n", "false", "f", "0", ""}
_WHOLE_NUMBER = re.compile(r"^(\d{1,4})(?:\.0+)?$")  # Excel may have turned 1 into 1.0


def parse_year(text: str) -> int | None:
    """'Year 9', 'Y9', 'Yr 9', '9', 'NC Year 9' → 9; 'Reception', 'R', 'YR' → 0. None if it is not a year."""
    compact = re.sub(r"[\s._]", "", text.casefold())
    if compact in _YEAR_WORDS:
        return _YEAR_WORDS[compact]
    match = _YEAR_NUMBER.match(compact)
    if match is None:
        return None
    year = int(match.group(1))
    return year if LOWEST_YEAR <= year <= HIGHEST_YEAR else None


YES_NO_WORDS = "Yes, No, Y, N, True, False, 1 or 0"


class NotYesOrNo(ValueError):
    """A cell in a yes/no column that says neither (the import names its line and column)."""


def read_yes_no(text: str) -> bool | None:
    """A yes/no cell as SIMS (Yes/No), Arbor and Wonde (True/False, true/false), Bromcom or a spreadsheet (Y, 1)
    write it: True or False, None when the cell is blank (the MIS did not say). Raises NotYesOrNo for anything
    else: a flag such as "must not collect" is never guessed."""
    word = text.strip().casefold()
    if not word:
        return None
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise NotYesOrNo(f"{text.strip()!r} is not yes or no (write {YES_NO_WORDS})")


def parse_yes_no(text: str) -> bool | None:
    """Parental responsibility as the MIS exports write it (read_yes_no): blank is No; None when it is neither."""
    try:
        return bool(read_yes_no(text))
    except NotYesOrNo:
        return None


def parse_priority(text: str) -> int | None:
    match = _WHOLE_NUMBER.match(text.strip())
    return int(match.group(1)) if match else None


def admission_key(mis_id: str) -> str:
    """The form two admission numbers are compared in: Excel drops leading zeros ('001234' → '1234'),
    and a re-saved export must still find the same pupils rather than mark them all as leavers."""
    key = mis_id.strip().upper()
    return key.lstrip("0") or "0" if key.isdigit() else key
