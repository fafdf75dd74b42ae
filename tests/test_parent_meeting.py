"""Issue 16, rung 3 of the escalation ladder: the default words say how long it holds (never "the end of the school
week"), and a 3rd confiscation this term is released only once the parent meeting (when, who attended, the outcome)
is recorded with it."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from kiosk.audit import verify
from kiosk.config import Settings
from kiosk.custody import DeskError, Refused
from kiosk.custody.parent_meeting import record_parent_meeting
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import Authorisation, release_to_carer
from kiosk.custody.states import State
from kiosk.custody.terms import escalation_step, ladder_words, needs_parent_meeting
from kiosk.db import Custody, Event
from tests.conftest import HEAD_PIN, OFFICE_PIN

MEETING = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)


def mother(s):
    return carers_to_contact(pupil_id=s.pupils[0].id)[0]


def third_confiscation(s):
    """Zoë's 1st and 2nd this term released; her 3rd held (Monday 30 Nov, after school)."""
    s.clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    for n, seal in enumerate(("BAG-0001", "BAG-0002")):
        held = s.confiscate(seal=seal)
        release_to_carer(s.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=mother(s).id,
                         authorisation=Authorisation("HG", HEAD_PIN, "agreed") if n else None)
    return s.confiscate(seal="BAG-0003")


def test_the_default_third_rung_says_its_days_and_asks_for_a_parent_meeting():
    third = escalation_step(3, Settings())
    assert "end of the school week" not in third["rule"].lower() and "5 school days" in third["rule"]
    assert needs_parent_meeting(third) and not needs_parent_meeting(escalation_step(2, Settings()))
    words = ladder_words(third)
    assert words.startswith("Held for 5 school days") and "parent meeting" in words
    # A school's own ladder written before the flag: its words decide.
    assert needs_parent_meeting({"from": 3, "rule": "Held a week; parent meeting", "hold_school_days": 5})


def test_a_third_confiscation_is_not_released_until_the_parent_meeting_is_recorded(school):
    s = school
    third = third_confiscation(s)
    assert third.ladder.count_this_term == 3 and third.ladder.parent_meeting
    s.clock.set(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))  # after school, the day it is held until
    with pytest.raises(Refused, match="record the parent meeting"):
        release_to_carer(s.ctx(), third.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=mother(s).id)
    assert Custody.get_by_id(third.custody_id).state == State.HELD_FOR_PARENT
    # Even the head authorising an early release does not skip it.
    with pytest.raises(Refused, match="record the parent meeting"):
        release_to_carer(s.ctx(), third.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=mother(s).id,
                         authorisation=Authorisation("HG", HEAD_PIN, "agreed"))
    meeting = record_parent_meeting(s.ctx(), third.custody_id, held_at=MEETING,
                                    attended="Mrs Dana Hall (mother), Ms N. Evans (head of year)",
                                    outcome="Phone handed in every morning for the rest of term")
    assert meeting.recorded_by == "Ann Adams"
    kept = json.loads(Custody.get_by_id(third.custody_id).details_json)["parent_meeting"]
    assert (kept["at"], kept["attended"], kept["outcome"]) == (
        MEETING.isoformat(), "Mrs Dana Hall (mother), Ms N. Evans (head of year)",
        "Phone handed in every morning for the rest of term")
    event = Event.get(Event.action == "PARENT_MEETING_RECORDED")
    assert event.custody_id == third.custody_id
    released = release_to_carer(s.ctx(), third.custody_id, pin=OFFICE_PIN, id_seen="passport",
                                carer_id=mother(s).id)
    assert released.collector_name == "Mrs Dana Hall"
    assert verify(s.keyring.audit_key).ok


def test_a_first_or_second_confiscation_needs_no_meeting(school):
    s = school
    first = s.confiscate()
    assert not first.ladder.parent_meeting
    s.after_school()
    release_to_carer(s.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=mother(s).id)


def test_a_meeting_needs_who_attended_and_the_outcome_and_must_have_happened(school):
    s = school
    third = third_confiscation(s)
    s.clock.set(datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    with pytest.raises(DeskError, match="who attended"):
        record_parent_meeting(s.ctx(), third.custody_id, held_at=MEETING, attended=" ", outcome="agreed")
    with pytest.raises(DeskError, match="outcome"):
        record_parent_meeting(s.ctx(), third.custody_id, held_at=MEETING, attended="Mrs Hall", outcome="")
    with pytest.raises(DeskError, match="once it has taken place"):
        record_parent_meeting(s.ctx(), third.custody_id, held_at=datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
                              attended="Mrs Hall", outcome="agreed")


def test_a_meeting_written_into_the_record_by_hand_is_caught_by_verify(school):
    s = school
    third = third_confiscation(s)
    details = json.loads(Custody.get_by_id(third.custody_id).details_json)
    details["parent_meeting"] = {"at": MEETING.isoformat(), "attended": "nobody", "outcome": "made up"}
    connection = sqlite3.connect(s.path)
    connection.execute("UPDATE custody SET details_json = ? WHERE id = ?", (json.dumps(details), third.custody_id))
    connection.commit()
    connection.close()
    assert not verify(s.keyring.audit_key).ok


async def test_the_release_screen_asks_for_the_meeting_then_releases(school):
    from textual.widgets import Input

    from kiosk.screens.release import ReleaseScreen
    from kiosk.widgets.collector_choice import CollectorChoice
    from tests.tui_helpers import kiosk_app, message, open_screen, scan, settle, signed_in, widget_text

    s = school
    third = third_confiscation(s)
    s.clock.set(datetime(2026, 12, 7, 15, 0, tzinfo=UTC))  # Monday 7 Dec, after school: it is held until then
    async with signed_in(kiosk_app(s), size=(100, 50)) as pilot:
        await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, s.tag_of(s.pupils[0]))
        await settle(pilot)
        release = pilot.app.screen
        assert release.query_one("#meeting").display
        assert widget_text(pilot.app, "#meeting-why") == (
            "⚠ A 3rd (or later) confiscation this term: the parent meeting is recorded (when, who attended, the "
            "outcome) before the phone is released.")
        release.query_one("#meeting-time", Input).value = "14:45"
        release.query_one("#meeting-attended", Input).value = "Mrs Dana Hall (mother), Ms N. Evans"
        release.query_one("#meeting-outcome", Input).value = "Phone handed in every morning"
        release.query_one("#meeting-outcome", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert message(pilot.app, "#meeting-error") == ""
        assert not release.query_one("#meeting").display, "recorded: the box goes"
        kept = json.loads(Custody.get_by_id(third.custody_id).details_json)["parent_meeting"]
        assert kept["at"] == "2026-12-07T14:45:00+00:00" and kept["outcome"] == "Phone handed in every morning"
        release.query_one(CollectorChoice).choose(mother(s).id)
        release.query_one("#id-seen", Input).value = "passport"
        release.query_one("#pin", Input).value = OFFICE_PIN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert release.receipt is not None
    assert Custody.get_by_id(third.custody_id).state == State.RELEASED
