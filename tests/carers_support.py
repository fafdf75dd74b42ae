"""Small MIS contact exports in the shapes Arbor, SIMS, Bromcom and Wonde write (invented people), and importing
them into the test school (tests/conftest.py) the way the office does: `kiosk roster import` through import_roster."""

from __future__ import annotations

from pathlib import Path

from kiosk.roster.importer import import_roster
from kiosk.roster.report import ImportReport
from tests.conftest import FICTIONAL_PUPILS

# The note is the MIS's own words, square brackets and all: text, never markup.
COURT_NOTE = "Court order 12/2026 [Family Court]: no contact with Zoë; call the DSL [ext 204] if he attends"

# Zoë Hall (100001): her mother may collect; her father must not; her grandfather has no PR.
ARBOR = [
    "Student ID,Contact Name,Relationship,Parental Responsibility,Priority,Mobile Phone,Email,"
    "isAuthorizedToCollect,accessNotes",
    "100001,Mrs Dana Hall,Mother,True,1,07700 900101,dana.hall@example.org,true,",
    f"100001,Mr Evan Hall,Father,True,2,07700 900102,evan.hall@example.org,false,\"{COURT_NOTE}\"",
    "100001,Mr Joe Hall,Grandparent,False,3,07700 900103,,true,",
]
SIMS = [
    "Adno,Contact Name,Relationship,Parental Responsibility,Priority,Telephone,Mobile,Court Order,"
    "Court Order Details,No Contact",
    "100001,Mrs Dana Hall,Mother,Yes,1,01632 960101,07700 900101,No,,No",
    f"100001,Mr Evan Hall,Father,Yes,2,,07700 900102,Yes,\"{COURT_NOTE}\",Yes",
    "100001,Mr Joe Hall,Grandparent,No,3,01632 960103,,No,,No",
]
BROMCOM = [
    "Student ID,Title,Forename,Surname,Relationship,Parental Responsibility,Priority,Mobile Number,Email Address,"
    "Collect Pupil,Must Not Collect,Lives With,Do Not Contact,Access Notes",
    "100001,Mrs,Dana,Hall,Mother,Y,1,07700 900101,dana.hall@example.org,Y,N,Y,N,",
    f"100001,Mr,Evan,Hall,Father,Y,2,07700 900102,,N,Y,N,Y,\"{COURT_NOTE}\"",
    "100001,Mr,Joe,Hall,Grandparent,N,3,,,Y,N,N,N,",
]
WONDE = [
    "student_mis_id,name,relationship,parental_responsibility,lives_with_pupil,priority,mobile,email,court_order",
    "100001,Mrs Dana Hall,Mother,true,true,1,07700 900101,dana.hall@example.org,false",
    "100001,Mr Evan Hall,Father,true,false,2,07700 900102,,true",
    "100001,Mr Joe Hall,Grandparent,false,false,3,,,false",
]
SHAPES = {"Arbor": ARBOR, "SIMS": SIMS, "Bromcom": BROMCOM, "Wonde": WONDE}


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def pupils_file(tmp_path: Path) -> Path:
    """The test school's roll as a SIMS pupils export, so importing contacts changes no pupil."""
    rows = [f"{mis_id},{surname},{forename},{preferred or ''},Year {year},{form}"
            for mis_id, forename, surname, preferred, year, form in FICTIONAL_PUPILS]
    return write_csv(tmp_path / "pupils.csv",
                     ["Adno,Legal Surname,Legal Forename,Preferred Forename,Year,Reg", *rows])


def import_contacts(school, tmp_path: Path, lines: list[str], *, name: str = "contacts.csv") -> ImportReport:
    """Import `lines` as the contacts export, with the school's roll as the pupils file."""
    return import_roster(pupils_file(tmp_path), write_csv(tmp_path / name, lines), clock=school.clock,
                         audit_key=school.keyring.audit_key, desk="Reception 1", staff_id=None, dry_run=False)
