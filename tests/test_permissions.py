"""Who may do what: every desk action tried by every role, against the school's intended matrix."""

from __future__ import annotations

import pytest

from kiosk.auth import SignedIn
from kiosk.custody import NotPermitted, close_day, hand_back, hand_in, normalise, resolve
from kiosk.custody.confiscation import confiscate
from kiosk.custody.exceptions import add_exception
from kiosk.custody.release import carers_of, release_to_carer
from kiosk.custody.safeguarding import (
    PoliceHandover,
    add_dsl_note,
    clear_hold,
    flag_safeguarding,
    hand_to_police,
    read_dsl_notes,
)
from kiosk.custody.searches import record_search
from kiosk.db import Event, Staff
from tests.conftest import ADMIN_PIN, OFFICE_PIN, OTHER_STAFF

PINS = {"AA": OFFICE_PIN, "SO": ADMIN_PIN} | {initials: pin for _n, initials, _r, pin in OTHER_STAFF}
ROLE_INITIALS = {"office": "AA", "admin": "SO", "dsl": "PS", "head": "HG", "teacher": "TE"}

# The intended matrix (what the school expects), written out in full rather than read from the code.
ALLOWED = {
    "hand in":            {"office", "dsl", "head", "admin"},
    "hand back":          {"office", "dsl", "head", "admin"},
    "close the day":      {"office", "dsl", "head", "admin"},
    "confiscate":         {"office", "teacher", "dsl", "head"},
    "record a search":    {"office", "teacher", "dsl", "head"},
    "flag safeguarding":  {"office", "teacher", "dsl", "head"},
    "release to carer":   {"office", "dsl", "head", "admin"},
    "read DSL notes":     {"dsl", "head"},
    "write DSL notes":    {"dsl", "head"},
    "clear a hold":       {"dsl", "head"},
    "hand to police":     {"dsl", "head"},
    "record exception":   {"dsl", "head", "admin"},
}


def signed(role: str) -> SignedIn:
    staff = Staff.get(Staff.initials == ROLE_INITIALS[role])
    return SignedIn(staff_id=staff.id, name=staff.name, initials=staff.initials, role=staff.role, desk="R1")


def held(s, state="held"):
    found = resolve(normalise(s.tag_of(s.pupils[0])))
    receipt = confiscate(s.ctx(), found, confiscated_by_name="Mr Ellis", reason_category="used on site",
                         location="canteen", condition=[], seal_number="B1")
    if state == "hold":
        flag_safeguarding(s.ctx(), receipt.custody_id, concern="concern", acknowledged=True)
    return receipt.custody_id


def attempt(action: str, s, who: SignedIn) -> None:
    ctx = s.ctx(who)
    tag = s.tag_of(s.pupils[1])
    if action == "hand in":
        hand_in(ctx, resolve(normalise(tag)))
    elif action == "hand back":
        hand_in(s.ctx(), resolve(normalise(tag)))
        hand_back(ctx, resolve(normalise(tag)))
    elif action == "close the day":
        close_day(ctx)
    elif action == "confiscate":
        confiscate(ctx, resolve(normalise(tag)), confiscated_by_name="Mr Ellis", reason_category="used on site",
                   location="canteen", condition=[], seal_number="B2")
    elif action == "record a search":
        record_search(ctx, pupil_id=s.pupils[1].id, searched_by_name="A", authorised_by_name="B", grounds="g",
                      found="", dsl_informed=True, parent_informed=True)
    elif action == "flag safeguarding":
        flag_safeguarding(ctx, held(s), concern="c", acknowledged=True)
    elif action == "release to carer":
        release_to_carer(ctx, held(s), pin=PINS[who.initials], id_seen="passport",
                         carer_id=carers_of(s.pupils[0].id)[0].id)
    elif action == "read DSL notes":
        read_dsl_notes(ctx, held(s, "hold"))
    elif action == "write DSL notes":
        add_dsl_note(ctx, held(s, "hold"), "note")
    elif action == "clear a hold":
        clear_hold(ctx, held(s, "hold"), reason="done")
    elif action == "hand to police":
        hand_to_police(ctx, held(s, "hold"), PoliceHandover("PC A", "1", "Kent Police", "CR1", "S1"))
    elif action == "record exception":
        add_exception(ctx, pupil_id=s.pupils[1].id, kind="medical", valid_from=s.clock.now().date(), valid_to=None)
    else:  # pragma: no cover
        raise AssertionError(action)


@pytest.mark.parametrize("role", sorted(ROLE_INITIALS))
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_permission_matrix(school, action, role):
    who = signed(role)
    refusals_before = Event.select().where(Event.action == "REFUSED").count()
    if role in ALLOWED[action]:
        attempt(action, school, who)
        assert Event.select().where(Event.action == "REFUSED").count() == refusals_before
    else:
        with pytest.raises(NotPermitted):
            attempt(action, school, who)
        # The refusal itself is on the record.
        assert Event.select().where(Event.action == "REFUSED").count() == refusals_before + 1
