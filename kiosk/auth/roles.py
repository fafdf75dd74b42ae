"""Staff roles and what each may do. The domain checks these; screens only hide what a role cannot use."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICE = "office"
    TEACHER = "teacher"
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
    MANAGE_STAFF = "manage_staff"
    IMPORT_ROSTER = "import_roster"
    MANAGE_EXCEPTIONS = "manage_exceptions"


_DESK = {Permission.HAND_IN, Permission.HAND_BACK, Permission.CLOSE_DAY, Permission.CONFISCATE}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OFFICE: frozenset(_DESK | {Permission.RELEASE, Permission.VIEW_REPORTS}),
    Role.TEACHER: frozenset({Permission.CONFISCATE}),
    Role.DSL: frozenset(_DESK | {Permission.RELEASE, Permission.AUTHORISE_UNLISTED_COLLECTOR,
                                 Permission.SAFEGUARDING, Permission.VIEW_REPORTS,
                                 Permission.MANAGE_EXCEPTIONS}),
    Role.HEAD: frozenset(_DESK | {Permission.RELEASE, Permission.AUTHORISE_UNLISTED_COLLECTOR,
                                  Permission.SAFEGUARDING, Permission.VIEW_REPORTS,
                                  Permission.MANAGE_EXCEPTIONS}),
    Role.ADMIN: frozenset(_DESK | {Permission.RELEASE, Permission.VIEW_REPORTS, Permission.MANAGE_STAFF,
                                   Permission.IMPORT_ROSTER, Permission.MANAGE_EXCEPTIONS}),
}


def can(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
