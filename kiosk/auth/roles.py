"""Staff roles and what each may do. The domain checks these; screens only hide what a role cannot use."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICE = "office"
    TEACHER = "teacher"
    HEAD_OF_YEAR = "head_of_year"
    DSL = "dsl"
    HEAD = "head"
    ADMIN = "admin"


class Permission(StrEnum):
    HAND_IN = "hand_in"
    HAND_BACK = "hand_back"
    CLOSE_DAY = "close_day"
    CONFISCATE = "confiscate"
    RELEASE = "release"
    AUTHORISE_UNLISTED_COLLECTOR = "authorise_unlisted_collector"
    SAFEGUARDING = "safeguarding"
    VIEW_REPORTS = "view_reports"
    VIEW_PUPILS = "view_pupils"
    MANAGE_STAFF = "manage_staff"
    IMPORT_ROSTER = "import_roster"
    MANAGE_EXCEPTIONS = "manage_exceptions"
    FLAG_SAFEGUARDING = "flag_safeguarding"
    CLEAR_HOLD = "clear_hold"
    HAND_TO_POLICE = "hand_to_police"
    READ_DSL_NOTES = "read_dsl_notes"
    RECORD_SEARCH = "record_search"
    # Releasing to a contact the MIS says must not collect (a court order, access notes): the DSL's call alone.
    RELEASE_TO_BARRED_CONTACT = "release_to_barred_contact"
    # Issue 16: the police's outcome of a case; an examination of a phone's data (policy §6.1), recorded by the
    # DSL or head and authorised, with their PIN, by the head or an authorised role.
    RECORD_POLICE_OUTCOME = "record_police_outcome"
    RECORD_EXAMINATION = "record_examination"
    AUTHORISE_EXAMINATION = "authorise_examination"


_DESK = {Permission.HAND_IN, Permission.HAND_BACK, Permission.CLOSE_DAY}
_CONFISCATE = {Permission.CONFISCATE, Permission.FLAG_SAFEGUARDING, Permission.RECORD_SEARCH}
_SAFEGUARDING = {Permission.SAFEGUARDING, Permission.CLEAR_HOLD, Permission.HAND_TO_POLICE,
                 Permission.READ_DSL_NOTES, Permission.AUTHORISE_UNLISTED_COLLECTOR,
                 Permission.RECORD_POLICE_OUTCOME, Permission.RECORD_EXAMINATION}

# Oversight: the pupil view (F4: tags, carers, exceptions, history) and the dashboard and reports (F7, Ctrl+R).
_OVERSIGHT = {Permission.VIEW_PUPILS, Permission.VIEW_REPORTS}

# Who may do what. A teacher confiscates and searches but does not work the desk; a head of year does the
# same and also looks pupils up and reads the reports for their year (pupils' history and the figures, never
# safeguarding details); only the DSL and the head see safeguarding notes, clear holds and hand phones to the
# police; admin (the office manager or IT) runs the desk, staff and roster but sees nothing safeguarding.
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OFFICE: frozenset(_DESK | _CONFISCATE | _OVERSIGHT | {Permission.RELEASE}),
    Role.TEACHER: frozenset(_CONFISCATE),
    Role.HEAD_OF_YEAR: frozenset(_CONFISCATE | _OVERSIGHT),
    Role.DSL: frozenset(_DESK | _CONFISCATE | _SAFEGUARDING | _OVERSIGHT | {Permission.RELEASE,
                                                                           Permission.MANAGE_EXCEPTIONS,
                                                                           Permission.RELEASE_TO_BARRED_CONTACT,
                                                                           Permission.AUTHORISE_EXAMINATION}),
    # The head authorises an examination of a phone's data (policy §6.1: "the headteacher or authorised members
    # of staff"); the DSL does so as the member of staff the head has authorised.
    Role.HEAD: frozenset(_DESK | _CONFISCATE | _SAFEGUARDING | _OVERSIGHT | {Permission.RELEASE,
                                                                            Permission.MANAGE_EXCEPTIONS,
                                                                            Permission.AUTHORISE_EXAMINATION}),
    # Admin records exceptions the head approved (the approver's name is recorded with each).
    Role.ADMIN: frozenset(_DESK | _OVERSIGHT | {Permission.RELEASE, Permission.MANAGE_STAFF,
                                                Permission.IMPORT_ROSTER, Permission.MANAGE_EXCEPTIONS}),
}


def can(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
