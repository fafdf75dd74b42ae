"""Who may do what: every desk action tried by every role, against the school's intended matrix."""

from __future__ import annotations

import pytest

from kiosk.auth import Permission, SignedIn, add_staff, can
from kiosk.custody import NotPermitted, close_day, hand_back, hand_in
from kiosk.custody.examinations import Authorisation, record_examination
from kiosk.custody.exceptions import add_exception
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import release_to_carer
from kiosk.custody.safeguarding import (
    PoliceHandover,
    add_dsl_note,
    clear_hold,
    flag_safeguarding,
    hand_to_police,
    read_dsl_notes,
    record_police_outcome,
)
from kiosk.custody.searches import record_search
from kiosk.custody.states import Move
from kiosk.db import Event
from tests.conftest import ADMIN_PIN, OFFICE_PIN, OTHER_STAFF

HEAD_OF_YEAR_PIN = "370461"
PINS = ({"AA": OFFICE_PIN, "SO": ADMIN_PIN, "NE": HEAD_OF_YEAR_PIN}
        | {initials: pin for _n, initials, _r, pin in OTHER_STAFF})
ROLE_INITIALS = {"office": "AA", "admin": "SO", "dsl": "PS", "head": "HG", "teacher": "TE", "head_of_year": "NE"}

# The intended matrix (what the school expects), written out in full rather than read from the code.
ALLOWED = {
    "hand in":            {"office", "dsl", "head", "admin"},
    "hand back":          {"office", "dsl", "head", "admin"},
    "close the day":      {"office", "dsl", "head", "admin"},
    "confiscate":         {"office", "teacher", "head_of_year", "dsl", "head"},
    "record a search":    {"office", "teacher", "head_of_year", "dsl", "head"},
    "flag safeguarding":  {"office", "teacher", "head_of_year", "dsl", "head"},
    "release to carer":   {"office", "dsl", "head", "admin"},
    "read DSL notes":     {"dsl", "head"},
    "write DSL notes":    {"dsl", "head"},
    "clear a hold":       {"dsl", "head"},
    "hand to police":     {"dsl", "head"},
    "record exception":   {"dsl", "head", "admin"},
    # Issue 16: the police's outcome of a case, and an examination of a phone's data (policy §6.1).
    "record police outcome": {"dsl", "head"},
    "record an examination": {"dsl", "head"},
}

# Oversight: who may look pupils up (F4) and read the reports (F7, Ctrl+R, `kiosk report`), and who sees the
# safeguarding counts. A head of year sees pupils and reports but works no desk and sees no safeguarding.
MAY_SEE = {
    Permission.VIEW_PUPILS:  {"office", "head_of_year", "dsl", "head", "admin"},
    Permission.VIEW_REPORTS: {"office", "head_of_year", "dsl", "head", "admin"},
    Permission.SAFEGUARDING: {"dsl", "head"},
}


@pytest.fixture
def school(school):
    """The usual school, with a head of year as well."""
    add_staff(keyring=school.keyring, clock=school.clock, desk="Reception 1", name="Nia Evans", initials="NE",
              role="head_of_year", pin=HEAD_OF_YEAR_PIN)
    return school


def held(s, state="held"):
    receipt = s.confiscate(0, by="Mr Ellis", reason="used on site", location="canteen", condition=(), seal="B1")
    if state == "hold":
        flag_safeguarding(s.ctx(), receipt.custody_id, concern="concern", acknowledged=True, kind="risk_of_harm")
    return receipt.custody_id


def attempt(action: str, s, who: SignedIn) -> None:
    ctx = s.ctx(who)
    if action == "hand in":
        hand_in(ctx, s.scanned(1))
    elif action == "hand back":
        hand_in(s.ctx(), s.scanned(1))
        hand_back(ctx, s.scanned(1))
    elif action == "close the day":
        close_day(ctx)
    elif action == "confiscate":
        s.confiscate(1, who=who, by="Mr Ellis", reason="used on site", location="canteen", condition=(), seal="B2")
    elif action == "record a search":
        record_search(ctx, pupil_id=s.pupils[1].id, searched_by_name="A", authorised_by_name="B", grounds="g",
                      found="", dsl_informed=True, parent_informed=True)
    elif action == "flag safeguarding":
        flag_safeguarding(ctx, held(s), concern="c", acknowledged=True, kind="risk_of_harm")
    elif action == "release to carer":
        custody = held(s)
        s.after_school()  # a 1st-rung phone is collected after school: earlier needs authorising (issue 16)
        release_to_carer(ctx, custody, pin=PINS[who.initials], id_seen="passport",
                         carer_id=carers_to_contact(pupil_id=s.pupils[0].id)[0].id)
    elif action == "read DSL notes":
        read_dsl_notes(ctx, held(s, "hold"))
    elif action == "write DSL notes":
        add_dsl_note(ctx, held(s, "hold"), "note")
    elif action == "clear a hold":
        clear_hold(ctx, held(s, "hold"), reason="done")
    elif action == "hand to police":
        hand_to_police(ctx, held(s, "hold"), PoliceHandover("PC A", "1", "Kent Police", "CR1", "S1"),
                       pin=PINS[who.initials])
    elif action == "record police outcome":
        custody = held(s, "hold")
        hand_to_police(s.ctx(s.signed_in("PS")), custody, PoliceHandover("PC A", "1", "Kent Police", "CR1", "S1"),
                       pin=PINS["PS"])
        record_police_outcome(ctx, custody, outcome=Move.RETAINED_BY_POLICE, police_reference="CR1",
                              pin=PINS.get(who.initials, ""))
    elif action == "record an examination":
        record_examination(ctx, custody_id=held(s), examined_by_name="Mr H. Grant-Ellis", reason="threats",
                           looked_at="messages", erased=False, erased_what="", dsl_told=True, parent_told=False,
                           authorisation=Authorisation("HG", PINS["HG"]))
    elif action == "record exception":
        add_exception(ctx, pupil_id=s.pupils[1].id, kind="medical", valid_from=s.clock.now().date(), valid_to=None)
    else:  # pragma: no cover
        raise AssertionError(action)


@pytest.mark.parametrize("role", sorted(ROLE_INITIALS))
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_permission_matrix(school, action, role):
    who = school.signed_in(ROLE_INITIALS[role], desk="R1")
    refusals_before = Event.select().where(Event.action == "REFUSED").count()
    if role in ALLOWED[action]:
        attempt(action, school, who)
        assert Event.select().where(Event.action == "REFUSED").count() == refusals_before
    else:
        with pytest.raises(NotPermitted):
            attempt(action, school, who)
        # The refusal itself is on the record.
        assert Event.select().where(Event.action == "REFUSED").count() == refusals_before + 1


@pytest.mark.parametrize("role", sorted(ROLE_INITIALS))
@pytest.mark.parametrize("permission", sorted(MAY_SEE))
def test_who_may_see_pupils_reports_and_safeguarding(role, permission):
    assert can(role, permission) == (role in MAY_SEE[permission])


@pytest.mark.parametrize("role", sorted(ROLE_INITIALS))
def test_the_oversight_screens_open_only_for_the_roles_that_may_see_them(school, role):
    from kiosk.screens.dashboard import DashboardScreen
    from kiosk.screens.pupil import PupilScreen
    from kiosk.screens.reports import ReportsScreen

    ctx = school.ctx(school.signed_in(ROLE_INITIALS[role], desk="R1"))
    sees = role in MAY_SEE[Permission.VIEW_PUPILS]
    assert PupilScreen(ctx).allowed == sees
    assert ReportsScreen(ctx).allowed == (role in MAY_SEE[Permission.VIEW_REPORTS])
    dashboard = DashboardScreen(ctx)
    assert dashboard.check_action("pupil", ()) == sees
    assert dashboard.shows_safeguarding == (role in MAY_SEE[Permission.SAFEGUARDING])
    papers = ReportsScreen(ctx).papers
    assert ("safeguarding" in papers) == (role in MAY_SEE[Permission.SAFEGUARDING])


def test_an_unknown_role_may_do_nothing():
    assert not any(can("caretaker", permission) for permission in Permission)
