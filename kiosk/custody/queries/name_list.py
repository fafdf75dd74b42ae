"""The name list: the pupils a typed name means, how many there are, and which of them have a phone in the office.

The rules, as the picker's hint and the README put them: every word typed must match, in any order, case and
accents aside. A word matches part of a pupil's legal or preferred name (as it always has); a word that is a whole
form's name ("11a", "10-sparrowhawk" or "10sparrowhawk") also matches the pupils of that form; a year ("11", "y11",
"yr11", "year 11") also matches the pupils of that year. So "chloe 11a", "davies chloe" and "chloe y11" narrow a long
list, and a word that names a form never loses a pupil whose name contains it ("chloe oak": form Oak and Chloe
Oakley). Pupils who have left the roll are left out, except those whose phone is still in the office: the office
must be able to find them to hand it back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from kiosk.custody.receipts import PupilSummary
from kiosk.custody.scans import NameSearch, fold
from kiosk.custody.states import IN_OFFICE_STATES
from kiosk.db import raw
from kiosk.db.connection import storage_guard
from kiosk.db.models import slot_label

# How many pupils the list holds at most: more than anyone scrolls through at a hatch. Every match is still read
# and counted (the list says "the first 100 of 1,625"); only these are built and shown.
SHOWN = 100

_YEAR = re.compile(r"(?:y|yr|year)?(\d{1,2})")
_YEAR_WORDS = frozenset({"y", "yr", "year"})  # "year 11": the word before a number
_NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9a-z]")
_IN_OFFICE = sorted(IN_OFFICE_STATES)


@dataclass(frozen=True)
class SearchWord:
    """One word typed and what it may match besides part of a name: the forms it names, the year it names."""

    text: str  # folded
    forms: tuple[str, ...] = ()  # as the roster spells them
    year: int | None = None


@dataclass(frozen=True)
class PhoneHere:
    """One of the pupil's phones in the office now: its state (kiosk.custody.states) and slot, if it has one."""

    state: str
    slot: str | None


@dataclass(frozen=True)
class PupilMatch(PupilSummary):
    """A pupil in the name list: who they are (`active` False: they have left the roll) and their phones in the
    office now, which is what tells one Chloé from another at hand-back."""

    phones: tuple[PhoneHere, ...] = ()

    @property
    def in_office(self) -> bool:
        return bool(self.phones)


@dataclass(frozen=True)
class PupilMatches(Sequence[PupilMatch]):
    """The pupils listed, by surname then forename, and how many matched in all (more than listed only when the
    list was cut at its limit). It is a sequence of the pupils listed."""

    pupils: tuple[PupilMatch, ...] = ()
    total: int = 0

    @property
    def complete(self) -> bool:
        """Does the list hold every pupil who matched?"""
        return len(self.pupils) == self.total

    def __len__(self) -> int:
        return len(self.pupils)

    @overload
    def __getitem__(self, index: int) -> PupilMatch: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[PupilMatch, ...]: ...

    def __getitem__(self, index: int | slice) -> PupilMatch | tuple[PupilMatch, ...]:
        return self.pupils[index]

    def __iter__(self) -> Iterator[PupilMatch]:
        return iter(self.pupils)


def search_words(text: str, forms: Iterable[str] = ()) -> tuple[SearchWord, ...]:
    """What each word typed may match, given the forms on file (pure: the rules above, in one place)."""
    by_key: dict[str, list[str]] = {}
    for form in forms:
        by_key.setdefault(_form_key(form), []).append(form)
    words = fold(text).split()
    read: list[SearchWord] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in _YEAR_WORDS and index + 1 < len(words) and words[index + 1].isdigit():
            word = f"{word} {words[index + 1]}"  # "year 11": one word
            index += 1
        index += 1
        year = _YEAR.fullmatch(word.replace(" ", ""))
        key = _form_key(word)
        read.append(SearchWord(word, tuple(sorted(by_key.get(key, ()))) if key else (),
                               int(year.group(1)) if year else None))
    return tuple(read)


@storage_guard
def find_pupils(text: str | NameSearch, *, limit: int = SHOWN, include_left: bool = False) -> PupilMatches:
    """The pupils every word typed matches (see the module's rules), by surname then forename, at most `limit` of
    them, and how many matched in all. `include_left`: every leaver too, not only those with a phone here."""
    typed = text.text if isinstance(text, NameSearch) else text
    if not typed.split():
        return PupilMatches()
    words = search_words(typed, _forms_on_file())
    where: list[str] = []
    params: list[Any] = []
    for word in words:
        either = ["p.search_name LIKE ? ESCAPE ?"]
        params += [_containing(word.text), _ESCAPE]
        if word.forms:
            either.append(f"p.form IN ({', '.join('?' * len(word.forms))})")
            params += word.forms
        if word.year is not None:
            either.append("p.year = ?")
            params.append(word.year)
        where.append(f"({' OR '.join(either)})")
    if not include_left:
        where.append(_ON_ROLL_OR_PHONE_HERE)
        params += [True, *_IN_OFFICE]
    rows: list[tuple[Any, ...]] = raw.execute(f"{_PUPILS} WHERE {' AND '.join(where)}", params).fetchall()
    # By surname as the list shows it, case and accents aside ("de la Cruz" among the Ds, "Ó Súilleabháin" among
    # the Os), then forename: neither SQLite's nor PostgreSQL's ORDER BY sorts names so, nor alike; so here.
    rows.sort(key=_by_surname)
    shown = rows[:max(limit, 0)]
    phones = _phones_here([row[0] for row in shown])
    return PupilMatches(tuple(_match(row, phones.get(row[0], ())) for row in shown), len(rows))


# Written out (kiosk.db.raw), as the scans' own statements are: a typed name comes through the scan box, and peewee
# building these from expressions was a third of a selective search's time.
_PUPILS = ("SELECT p.id, p.mis_id, p.legal_forename, p.legal_surname, p.preferred_forename, p.preferred_surname, "
           "p.form, p.year, p.active FROM pupil p")
_ON_ROLL_OR_PHONE_HERE = (f"(p.active = ? OR p.id IN (SELECT c.pupil_id FROM custody c "
                          f"WHERE c.state IN ({', '.join('?' * len(_IN_OFFICE))})))")
_FORMS = "SELECT DISTINCT p.form FROM pupil p"
_PHONES = ("SELECT c.pupil_id, c.state, c.slot_box, c.slot_position FROM custody c "
           f"WHERE c.state IN ({', '.join('?' * len(_IN_OFFICE))}) AND c.pupil_id IN ({{marks}}) "
           "ORDER BY c.opened_at, c.id")
_LIKE_SPECIAL = re.compile(r"[\\%_]")
_ESCAPE = "\\"


def _containing(text: str) -> str:
    """A LIKE pattern for `text` anywhere, its own % and _ taken literally."""
    return "%" + _LIKE_SPECIAL.sub(lambda special: _ESCAPE + special.group(), text) + "%"


def _forms_on_file() -> list[str]:
    """Every form a pupil is in, on roll or not (one pass over the form index)."""
    return [form for (form,) in raw.execute(_FORMS).fetchall()]


def _phones_here(pupil_ids: list[int]) -> dict[int, tuple[PhoneHere, ...]]:
    if not pupil_ids:
        return {}
    rows = raw.execute(_PHONES.format(marks=", ".join("?" * len(pupil_ids))), [*_IN_OFFICE, *pupil_ids]).fetchall()
    phones: dict[int, list[PhoneHere]] = {}
    for pupil_id, state, box, position in rows:
        phones.setdefault(pupil_id, []).append(PhoneHere(state, slot_label(box, position)))
    return {pupil_id: tuple(here) for pupil_id, here in phones.items()}


def _match(row: tuple[Any, ...], phones: tuple[PhoneHere, ...]) -> PupilMatch:
    pupil_id, mis_id, legal_forename, legal_surname, preferred_forename, preferred_surname, form, year, active = row
    return PupilMatch(id=pupil_id, mis_id=mis_id,
                      name=f"{preferred_forename or legal_forename} {preferred_surname or legal_surname}",
                      legal_name=f"{legal_forename} {legal_surname}", form=form, year=year, active=bool(active),
                      phones=phones)


def _by_surname(row: tuple[Any, ...]) -> tuple[str, str, str, int]:
    return (_folded(row[5] or row[3]), _folded(row[4] or row[2]), row[6], row[0])


# A school has far fewer names than pupils (a one-letter search folds ~1,600 surnames and forenames, most of them
# repeats): folding each once keeps the list's sort a small part of its time.
_folded = functools.lru_cache(maxsize=8192)(fold)


def _form_key(text: str) -> str:
    """A form's name as it may be typed: case, accents, spaces and punctuation aside (10-Sparrowhawk: 10sparrowhawk)."""
    return _NOT_LETTER_OR_DIGIT.sub("", fold(text))
