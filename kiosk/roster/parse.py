"""Turning a pupils file and a carers file into checked records, collecting every problem on the way.

Nothing here touches the database: a file is either wholly usable or the office gets the full list of
what to fix, so they fix it once in the MIS rather than one error per attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from kiosk.db.models import MAY_COLLECT, MUST_NOT_COLLECT
from kiosk.roster.headers import (
    CARER_COLUMNS,
    CARER_FLAGS,
    CARER_REQUIRED,
    CARERS,
    PUPIL_COLUMNS,
    PUPIL_REQUIRED,
    PUPILS,
    Columns,
    match_columns,
)
from kiosk.roster.reader import Table, read_table
from kiosk.roster.report import Problem, RosterError
from kiosk.roster.values import (
    YES_NO_WORDS,
    NotYesOrNo,
    admission_key,
    parse_priority,
    parse_year,
    parse_yes_no,
    read_yes_no,
)
from kiosk.text import clean

# The widths of the database columns: PostgreSQL refuses a longer value, so refuse it here, by line.
PUPIL_WIDTHS = {"mis_id": 32, "upn": 32, "legal_surname": 100, "legal_forename": 100,
                "preferred_forename": 100, "preferred_surname": 100, "form": 32}
CARER_WIDTHS = {"name": 200, "relationship": 64, "telephone": 40, "mobile": 40, "email": 254}
ACCESS_NOTES_WIDTH = 4000  # a court order's terms fit; a whole pasted document does not

FIELD_WORDS = {"mis_id": "admission number", "upn": "UPN", "legal_surname": "surname",
               "legal_forename": "forename", "preferred_forename": "preferred forename",
               "preferred_surname": "preferred surname", "form": "form", "name": "carer's name",
               "relationship": "relationship", "telephone": "telephone number", "mobile": "mobile number",
               "email": "email address", "access_notes": "access notes"}


@dataclass(frozen=True)
class RosterPupil:
    line: int
    mis_id: str
    upn: str | None
    legal_forename: str
    legal_surname: str
    preferred_forename: str | None
    preferred_surname: str | None
    year: int | None
    form: str

    @property
    def name(self) -> str:
        forename = self.preferred_forename or self.legal_forename
        return f"{forename} {self.preferred_surname or self.legal_surname}"


@dataclass(frozen=True)
class PupilsFile:
    file: str
    pupils: tuple[RosterPupil, ...]
    # The optional fields this export has a column for; a field it lacks is left as the database has it.
    supplied: frozenset[str]
    # Every admission number in the file, rows with problems too, so their carers are not called unknown.
    listed: frozenset[str]
    header_line: int = 1  # where the column headings are: a SIMS report has its title above them
    above: tuple[tuple[int, str], ...] = ()  # the lines with text above the headings, skipped
    cleaned: tuple[Problem, ...] = ()  # the lines whose text held control codes, taken out (kiosk/text.py)


@dataclass(frozen=True)
class RosterCarer:
    line: int
    mis_id: str
    name: str
    relationship: str | None
    parental_responsibility: bool
    priority: int | None
    telephone: str | None
    # Schema 5 (issue 16); None: the export has no such column, or the cell was blank.
    mobile: str | None = None
    email: str | None = None
    collection: str | None = None  # MAY_COLLECT | MUST_NOT_COLLECT | None
    access_notes: str | None = None
    lives_with_pupil: bool | None = None
    no_communications: bool | None = None


@dataclass(frozen=True)
class CarersFile:
    file: str
    carers: tuple[RosterCarer, ...]
    header_line: int = 1
    above: tuple[tuple[int, str], ...] = ()
    cleaned: tuple[Problem, ...] = ()
    supplied: frozenset[str] = frozenset()  # the fields this export has a column for


def parse_pupils(path: Path) -> PupilsFile:
    """The pupils in an MIS export; raises RosterError listing every problem if any row is unusable."""
    pupils, problems = read_pupils(path)
    if pupils is None or problems:
        raise RosterError(problems)
    return pupils


def parse_carers(path: Path) -> CarersFile:
    """The carers in an MIS contacts export; raises RosterError listing every problem."""
    carers, problems = read_carers(path)
    if carers is None or problems:
        raise RosterError(problems)
    return carers


def read_pupils(path: Path) -> tuple[PupilsFile | None, list[Problem]]:
    table, problems = read_table(path, PUPILS)
    if table is None:
        return None, problems
    columns = match_columns(table.header, PUPIL_COLUMNS)
    missing = _missing_columns(table, columns, PUPIL_REQUIRED, PUPIL_COLUMNS)
    if missing:
        return None, missing  # every row would be wrong the same way: the headings are what to fix
    pupils: list[RosterPupil] = []
    first_line: dict[str, tuple[int, str]] = {}  # admission key → the line that first used it, and its pupil
    listed: set[str] = set()
    cleaned: list[Problem] = []
    for row in table.rows:
        found: list[str] = []
        raw = partial(columns.cell, row.cells)
        cell = partial(_plain_cell, raw)
        for field in PUPIL_REQUIRED:
            if columns.has(field) and not cell(field):
                found.append(f"has no {FIELD_WORDS[field]}")
        for field, width in PUPIL_WIDTHS.items():
            if len(cell(field)) > width:
                found.append(f"the {FIELD_WORDS[field]} is longer than {width} characters")
            if "\n" in raw(field):
                found.append(f"the {FIELD_WORDS[field]} runs over more than one line")
        year = parse_year(cell("year")) if cell("year") else None
        if cell("year") and year is None:
            found.append(f"year {cell('year')!r} is not a year group (write 'Year 9', '9' or 'Reception')")
        mis_id = cell("mis_id")
        if mis_id:
            key = admission_key(mis_id)
            listed.add(key)
            if key in first_line:
                line, name = first_line[key]
                found.append(f"admission number {mis_id} is already used on line {line}"
                             + (f" ({name})" if name else ""))
            else:
                first_line[key] = (row.line, _name(cell))
        problems.extend(Problem(row.line, message, table.file, _who(cell)) for message in found)
        cleaned.extend(_cleaned(row.line, table.file, _who(cell), raw, PUPIL_WIDTHS))
        if not found:
            pupils.append(RosterPupil(
                line=row.line, mis_id=mis_id, upn=cell("upn") or None,
                legal_forename=cell("legal_forename"), legal_surname=cell("legal_surname"),
                preferred_forename=cell("preferred_forename") or None,
                preferred_surname=cell("preferred_surname") or None, year=year, form=cell("form"),
            ))
    if not table.rows and not problems:
        problems.append(Problem(table.header_line, "has a header but no pupils", table.file))
    supplied = frozenset(field for field in PUPIL_COLUMNS if columns.has(field))
    return PupilsFile(table.file, tuple(pupils), supplied, frozenset(listed), header_line=table.header_line,
                      above=table.above, cleaned=tuple(cleaned)), problems


def read_carers(path: Path) -> tuple[CarersFile | None, list[Problem]]:
    table, problems = read_table(path, CARERS)
    if table is None:
        return None, problems
    columns = match_columns(table.header, CARER_COLUMNS)
    missing = _missing_columns(table, columns, CARER_REQUIRED, CARER_COLUMNS)
    if not columns.has("name") and not (columns.has("forename") or columns.has("surname")):
        missing.append(Problem(table.header_line, "has no column for the carer's name (looked for "
                               + _alias_list(CARER_COLUMNS["name"]) + ", or Title, Forename and Surname)",
                               table.file))
    if missing:
        return None, missing
    carers: list[RosterCarer] = []
    cleaned: list[Problem] = []
    for row in table.rows:
        found: list[str] = []
        raw = partial(columns.cell, row.cells)
        cell = partial(_plain_cell, raw)

        mis_id = cell("mis_id")
        if columns.has("mis_id") and not mis_id:
            found.append("has no pupil admission number")
        parts = (cell("title"), cell("forename"), cell("surname"))
        name = cell("name") or " ".join(part for part in parts if part)
        raw_name = raw("name") or " ".join(part for part in (raw("title"), raw("forename"), raw("surname")) if part)
        if not name:
            found.append("has no carer's name")
        responsibility = parse_yes_no(cell("parental_responsibility"))
        if responsibility is None:
            found.append(f"parental responsibility {cell('parental_responsibility')!r} is not Yes or No")
        priority = parse_priority(cell("priority")) if cell("priority") else None
        if cell("priority") and priority is None:
            found.append(f"priority {cell('priority')!r} is not a number")
        flags = _flags(columns, table.header, raw, found)
        email = cell("email").strip()
        if email and not _looks_like_email(email):
            found.append(f"email address {email!r} is not an email address")
        notes = _access_notes(raw("access_notes"), court_order=flags.get("court_order"))
        if notes is not None and len(notes) > ACCESS_NOTES_WIDTH:
            found.append(f"the access notes are longer than {ACCESS_NOTES_WIDTH} characters")
        for field, width in CARER_WIDTHS.items():
            value = name if field == "name" else cell(field)
            if len(value) > width:
                found.append(f"the {FIELD_WORDS[field]} is longer than {width} characters")
            if "\n" in (raw_name if field == "name" else raw(field)):
                found.append(f"the {FIELD_WORDS[field]} runs over more than one line")
        problems.extend(Problem(row.line, message, table.file, " ".join(name.split())) for message in found)
        cleaned.extend(_cleaned(row.line, table.file, " ".join(name.split()), raw,
                                ("title", "forename", "surname", *CARER_WIDTHS)))
        if not found:
            carers.append(RosterCarer(
                line=row.line, mis_id=mis_id, name=name, relationship=cell("relationship") or None,
                parental_responsibility=bool(responsibility), priority=priority,
                telephone=cell("telephone") or None, mobile=cell("mobile").strip() or None, email=email or None,
                collection=_collection(flags), access_notes=notes, lives_with_pupil=flags.get("lives_with_pupil"),
                no_communications=flags.get("no_communications"),
            ))
    return CarersFile(table.file, tuple(carers), header_line=table.header_line, above=table.above,
                      cleaned=tuple(cleaned),
                      supplied=frozenset(field for field in CARER_COLUMNS if columns.has(field))), problems


def _flags(columns: Columns, header: tuple[str, ...], raw: Callable[[str], str],
           found: list[str]) -> dict[str, bool | None]:
    """The row's yes/no flags other than parental responsibility (read as before): each read by the one helper,
    a cell that says neither named with the column it is in. None: blank, or no such column."""
    flags: dict[str, bool | None] = {}
    for field, words in CARER_FLAGS.items():
        if field == "parental_responsibility" or not columns.has(field):
            continue
        try:
            flags[field] = read_yes_no(clean(raw(field)).text)
        except NotYesOrNo:
            column = header[columns.index[field]]
            found.append(f"{words} ({column}) {clean(raw(field)).text.strip()!r} is not Yes or No "
                         f"(write {YES_NO_WORDS})")
    return flags


def _collection(flags: dict[str, bool | None]) -> str | None:
    """Whether the MIS says this contact may collect: a bar from either column wins (the safe reading)."""
    if flags.get("must_not_collect") or flags.get("may_collect") is False:
        return MUST_NOT_COLLECT
    return MAY_COLLECT if flags.get("may_collect") else None


def _access_notes(text: str, *, court_order: bool | None) -> str | None:
    """The court order or access notes as the MIS has them, lines kept; a court order flagged without its terms
    says so, so the desk knows to look in the MIS."""
    notes = clean(text, lines=True).text.strip() or None
    if court_order:
        return f"Court order: {notes}" if notes else "Court order recorded in the MIS (its terms are there)."
    return notes


def _looks_like_email(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(at and local and "." in domain.strip(".") and not any(c.isspace() for c in text))


def _plain_cell(raw: Callable[[str], str], field: str) -> str:
    """A cell as the kiosk keeps it: plain text (kiosk/text.py), whatever the export held."""
    return clean(raw(field)).text


def _cleaned(line: int, file: str, who: str, raw: Callable[[str], str], fields: Iterable[str]) -> list[Problem]:
    """A note for the office for each field of this line that held control codes, escape sequences or
    direction overrides, which the import took out (the MIS still has them: worth putting right there).
    A line break is not among them: it stops the import with its own problem."""
    words = {**FIELD_WORDS, "title": "carer's title", "forename": "carer's forename", "surname": "carer's surname"}
    return [Problem(line, f"the {words[field]} held control codes or hidden formatting, taken out (the kiosk keeps "
                          "the rest as plain text)", file, who)
            for field in fields if "\n" not in raw(field) and clean(raw(field)).changed]


def _missing_columns(table: Table, columns: Columns, required: dict[str, str],
                     aliases: dict[str, tuple[str, ...]]) -> list[Problem]:
    return [Problem(table.header_line, f"has no {words} column (looked for {_alias_list(aliases[field])})",
                    table.file)
            for field, words in required.items() if not columns.has(field)]


def _alias_list(aliases: tuple[str, ...]) -> str:
    return ", ".join(f'"{alias}"' for alias in aliases)


def _name(cell: Callable[[str], str]) -> str:
    """The pupil's legal name on one line, as the MIS lists them."""
    return " ".join(" ".join(part for part in (cell("legal_forename"), cell("legal_surname")) if part).split())


def _who(cell: Callable[[str], str]) -> str:
    """Who the row is about, so the office can find it in the MIS as well as by line number."""
    return ", ".join(part for part in (_name(cell), cell("mis_id")) if part)
