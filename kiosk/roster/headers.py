"""Which column holds what: the header names SIMS, Arbor, Bromcom and hand-made spreadsheets use.

The row of column headings is the one among a file's first lines that names the most of these columns: a SIMS
report saved as CSV has its title, a "printed on" line and blank rows above it. Headers are matched ignoring
case, spaces and punctuation ("Reg. Group" = "reg group" = "REG_GROUP"). Within a field the aliases are in order
of preference, so a file with both "Adno" and Bromcom's internal "ID" takes the admission number, and one with
both "Legal Surname" and "Surname" takes the legal one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ADMISSION_NUMBER = ("Adno", "Admission No", "Admission Number", "Adm No", "MIS ID", "Student ID", "Pupil ID",
                    "Student Number", "Pupil Number", "ID")

PUPIL_COLUMNS: dict[str, tuple[str, ...]] = {
    "mis_id": ADMISSION_NUMBER,
    "upn": ("UPN", "Unique Pupil Number"),
    "legal_surname": ("Legal Surname", "Legal Last Name", "Surname", "Last Name", "Family Name"),
    "legal_forename": ("Legal Forename", "Legal First Name", "Forename", "First Name", "Given Name"),
    "preferred_forename": ("Preferred Forename", "Preferred First Name", "Known As", "Preferred Name",
                           "Chosen Name"),
    "preferred_surname": ("Preferred Surname", "Preferred Last Name"),
    "year": ("Year", "Year Group", "NC Year", "Curriculum Year", "National Curriculum Year", "Yr"),
    "form": ("Reg", "Reg Group", "Registration Group", "Registration Form", "Reg Form", "Form",
             "Tutor Group", "Form Group", "Class", "Tutor"),
}
PUPIL_REQUIRED = {"mis_id": "admission number (Adno)", "legal_surname": "surname",
                  "legal_forename": "forename", "form": "form (Reg)"}

CARER_COLUMNS: dict[str, tuple[str, ...]] = {
    "mis_id": ("Pupil Adno", "Student Adno", "Pupil Admission Number", "Student MIS ID", *ADMISSION_NUMBER),
    "name": ("Contact Name", "Carer Name", "Contact Full Name", "Full Name", "Name", "Contact"),
    "title": ("Contact Title", "Carer Title", "Title"),
    "forename": ("Contact Forename", "Contact First Name", "Carer Forename", "Carer First Name", "Forename",
                 "First Name", "Given Name"),
    "surname": ("Contact Surname", "Contact Last Name", "Carer Surname", "Carer Last Name", "Surname",
                "Last Name", "Family Name"),
    "relationship": ("Relationship", "Relationship to Pupil", "Relationship to Student", "Relation"),
    "parental_responsibility": ("Parental Responsibility", "Has Parental Responsibility", "Parental Resp",
                                "PR"),
    "priority": ("Priority", "Contact Priority", "Priority Order", "Order"),
    # A file with only a mobile column fills both: telephone as before schema 5, and mobile.
    "telephone": ("Telephone", "Phone", "Mobile", "Telephone Number", "Phone Number", "Mobile Number",
                  "Mobile Phone", "Contact Telephone", "Tel"),
    "mobile": ("Mobile", "Mobile Phone", "Mobile Number", "Mobile Telephone", "Mobile Tel", "Contact Mobile",
               "Mobile No"),
    "email": ("Email", "Email Address", "E-mail", "E-mail Address", "Contact Email", "Primary Email"),
    # Who may collect the pupil. Arbor's isAuthorizedToCollect answers both ways (No: must not collect); a "must not
    # collect" column (Bromcom's contact flags, a spreadsheet) only bars (No there is not a permission).
    "may_collect": ("isAuthorizedToCollect", "Is Authorised to Collect", "Authorised to Collect",
                    "Authorized to Collect", "May Collect", "Can Collect", "Allowed to Collect", "Collect Pupil",
                    "Collect Student", "Can Collect Pupil"),
    "must_not_collect": ("Must Not Collect", "Not Allowed to Collect", "Not Authorised to Collect",
                         "Not Authorized to Collect", "Collection Barred", "Do Not Release"),
    # SIMS and Wonde flag a court order on the contact; its terms are in the notes (or only in the MIS).
    "court_order": ("Court Order", "court_order", "Has Court Order", "Court Order in Place"),
    "access_notes": ("accessNotes", "Access Notes", "Court Order Notes", "Court Order Details",
                     "Access Arrangements", "Contact Restrictions", "Collection Notes"),
    "lives_with_pupil": ("lives_with_pupil", "Lives With Pupil", "Lives With Student", "Lives With Child",
                         "Lives With"),
    # The MIS's "no contact" / "do not send" flag (SIMS, Bromcom): the kiosk sends this contact nothing.
    "no_communications": ("No Contact", "Do Not Contact", "Do Not Send", "No Communications", "No Communication",
                          "Do Not Communicate", "No Correspondence", "Exclude from Communications"),
}
# The yes/no columns above, in the office's words for the import's messages.
CARER_FLAGS = {"parental_responsibility": "parental responsibility", "may_collect": "may collect",
               "must_not_collect": "must not collect", "court_order": "court order",
               "lives_with_pupil": "lives with pupil", "no_communications": "no contact"}
CARER_REQUIRED = {"mis_id": "pupil's admission number (Adno)"}

# Column headings name at least this many of the columns above; a title (one cell) names at most one, and a
# pupil's or carer's row names none.
KNOWN_IN_A_HEADER = 2


def header_key(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.casefold())


@dataclass(frozen=True)
class Columns:
    """Field name → index of the column that holds it, for the fields the file has."""

    index: dict[str, int]

    def has(self, field: str) -> bool:
        return field in self.index

    def cell(self, cells: tuple[str, ...], field: str) -> str:
        position = self.index.get(field)
        return cells[position] if position is not None else ""


def match_columns(header: tuple[str, ...], fields: dict[str, tuple[str, ...]]) -> Columns:
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        positions.setdefault(header_key(name), position)  # a repeated header: the first one counts
    index: dict[str, int] = {}
    for field, aliases in fields.items():
        found = next((positions[header_key(a)] for a in aliases if header_key(a) in positions), None)
        if found is not None:
            index[field] = found
    return Columns(index)


@dataclass(frozen=True)
class FileShape:
    """The columns one kind of export (pupils, or their contacts) may have, and what it must have, in words."""

    columns: dict[str, tuple[str, ...]]
    needs: str  # e.g. "admission number (Adno), surname, forename and form (Reg)"

    def known(self, cells: tuple[str, ...]) -> int:
        """How many of this export's columns a row names: a row of column headings names several."""
        keys = {header_key(cell) for cell in cells}
        return sum(1 for aliases in self.columns.values() if any(header_key(alias) in keys for alias in aliases))


PUPILS = FileShape(PUPIL_COLUMNS, "admission number (Adno), surname, forename and form (Reg)")
CARERS = FileShape(CARER_COLUMNS, "pupil's admission number (Adno) and the contact's name")
