"""A lock ends the desk session at once; wrong PINs in the authoriser fields are counted against the desk and the
member of staff signed in at it, never against the head or DSL whose initials were typed, and the DSL is told."""

from __future__ import annotations

import json

import pytest

from kiosk.auth import SignInRefused, sign_in
from kiosk.auth.staff import AccountLocked
from kiosk.auth.stepup import MAX_AT_A_DESK, confirm_authoriser
from kiosk.custody import NotPermitted, State
from kiosk.custody.release import Authorisation, release_to_carer
from kiosk.db import Custody, Event, Staff
from kiosk.screens.desk import DeskScreen
from kiosk.screens.lock import LockScreen
from kiosk.screens.release import ReleaseScreen
from kiosk.widgets.collector_choice import SOMEONE_ELSE, CollectorChoice
from tests.conftest import DSL_PIN, HEAD_PIN, OFFICE_PIN
from tests.tui_helpers import kiosk_app, open_screen, scan, settle, signed_in, wait_for, widget_text

WRONG = ["000000", "111111", "222222", "333333", "444444"]
UNLISTED = dict(id_seen="driving licence", collector_name="Ms Kim Lowe", relationship="Aunt")


def failed_authoriser_events() -> list[dict]:
    rows = Event.select().where(Event.action == "AUTHORISER_PIN_FAILED").order_by(Event.seq)
    return [dict(json.loads(e.payload_json), staff_id=e.staff_id, desk=e.desk) for e in rows]


def test_an_office_user_cannot_lock_the_dsl_out_from_the_authoriser_fields(school):
    s = school
    receipt = s.confiscate()
    for n, wrong in enumerate(WRONG, start=1):
        kind = AccountLocked if n == len(WRONG) else SignInRefused
        with pytest.raises(kind):
            release_to_carer(s.ctx(), receipt.custody_id, pin=OFFICE_PIN, **UNLISTED,
                             authorisation=Authorisation("PS", wrong, "aunt collects on Mondays"))
    dsl = Staff.get(Staff.initials == "PS")
    assert dsl.failed_attempts == 0 and dsl.locked_until is None
    # The DSL can still sign in and authorise; the office user who typed them is locked instead.
    assert sign_in(keyring=s.keyring, clock=s.clock, desk="Reception 2", who="PS", pin=DSL_PIN).role == "dsl"
    office = Staff.get(Staff.initials == "AA")
    assert office.locked_until is not None
    with pytest.raises(SignInRefused, match="locked"):
        sign_in(keyring=s.keyring, clock=s.clock, desk="Reception 1", who="AA", pin=OFFICE_PIN)
    # The DSL is told: one event per wrong PIN naming the desk and who was signed in there, never the PIN.
    events = failed_authoriser_events()
    assert len(events) == 5
    assert {(e["desk"], e["signed_in"], e["authoriser_typed"], e["staff_id"]) for e in events} == {
        ("Reception 1", "AA", "PS", office.id)}
    assert [e["attempt"] for e in events] == [1, 2, 3, 4, 5]
    everything = " ".join(e.payload_json or "" for e in Event.select())
    assert not any(pin in everything for pin in WRONG)
    lock = Event.select().where(Event.action == "ACCOUNT_LOCKED").get()
    assert lock.staff_id == office.id and "authoriser" in lock.payload_json
    assert Custody.get_by_id(receipt.custody_id).state == State.HELD_FOR_PARENT


def test_the_right_authoriser_pin_still_works_after_wrong_ones(school):
    s = school
    receipt = s.confiscate()
    for wrong in WRONG[:3]:
        with pytest.raises(SignInRefused, match="more wrong PINs at this desk"):
            release_to_carer(s.ctx(), receipt.custody_id, pin=OFFICE_PIN, **UNLISTED,
                             authorisation=Authorisation("PS", wrong, "confirmed with mum"))
    released = release_to_carer(s.ctx(), receipt.custody_id, pin=OFFICE_PIN, **UNLISTED,
                                authorisation=Authorisation("PS", DSL_PIN, "confirmed with mum"))
    assert released.authorised_by == "Priya Shah"
    confirmed = Event.select().where(Event.action == "PIN_CONFIRMED").order_by(Event.seq.desc()).first()
    assert confirmed.staff_id == Staff.get(Staff.initials == "PS").id
    assert json.loads(confirmed.payload_json)["at_desk_of"] == "AA"


def test_unknown_authoriser_initials_count_the_same_and_a_non_authoriser_is_still_refused(school):
    s = school
    with pytest.raises(SignInRefused):
        confirm_authoriser(keyring=s.keyring, clock=s.clock, at_desk=s.office, who="ZZ", pin="582046",
                           purpose="test")
    assert [e["authoriser_typed"] for e in failed_authoriser_events()] == ["ZZ"]
    receipt = s.confiscate()
    with pytest.raises(NotPermitted, match="head or the DSL"):
        release_to_carer(s.ctx(), receipt.custody_id, pin=OFFICE_PIN, **UNLISTED,
                         authorisation=Authorisation("SO", "735106", "aunt collects on Mondays"))


def test_a_desk_takes_only_so_many_wrong_authoriser_pins_whoever_signs_in(school):
    """Signing in and out under other names gives no more guesses at the head's PIN from one desk."""
    s = school
    for n in range(MAX_AT_A_DESK):
        who = s.signed_in(["AA", "SO"][n % 2])
        with pytest.raises(SignInRefused):
            confirm_authoriser(keyring=s.keyring, clock=s.clock, at_desk=who, who="HG", pin=WRONG[n % 5],
                               purpose="test")
    # Someone new signs in at that desk: even the head's right PIN is not tried there until the window has passed.
    with pytest.raises(SignInRefused, match="Too many wrong authoriser PINs at this desk"):
        confirm_authoriser(keyring=s.keyring, clock=s.clock, at_desk=s.signed_in("PS"), who="HG", pin=HEAD_PIN,
                           purpose="test")
    # Another desk is not held up, and the head's own account was never touched.
    at_reception_2 = s.signed_in("AA", desk="Reception 2")
    assert confirm_authoriser(keyring=s.keyring, clock=s.clock, at_desk=at_reception_2, who="HG", pin=HEAD_PIN,
                              purpose="test").initials == "HG"
    assert Staff.get(Staff.initials == "HG").failed_attempts == 0
    s.clock.advance(minutes=15, seconds=1)
    assert confirm_authoriser(keyring=s.keyring, clock=s.clock, at_desk=s.signed_in("AA"), who="HG", pin=HEAD_PIN,
                              purpose="test").initials == "HG"


# At the desk ------------------------------------------------------------------------------------------------------

async def test_a_lock_at_another_desk_ends_the_session_here(school):
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        assert isinstance(app.screen, DeskScreen)
        for wrong in WRONG:  # someone at Reception 2 types AA and wrong PINs
            with pytest.raises(SignInRefused):
                sign_in(keyring=school.keyring, clock=school.clock, desk="Reception 2", who="AA", pin=wrong)
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), "the desk to lock", seconds=8)
        assert app.who is None
        assert "account was locked after 5 wrong PINs" in widget_text(app, "#sign-in-message")
    out = Event.select().where(Event.action == "SIGNED_OUT").order_by(Event.seq.desc()).first()
    assert json.loads(out.payload_json)["reason"] == "account locked"


async def test_an_account_made_inactive_ends_its_session(school):
    from kiosk.auth.admin import deactivate_staff

    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        deactivate_staff(keyring=school.keyring, clock=school.clock, by=school.signed_in("SO"), initials="AA")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), "the desk to lock", seconds=8)
        assert "made inactive" in widget_text(app, "#sign-in-message")


async def test_wrong_authoriser_pins_at_the_release_screen_lock_the_desk_at_once(school):
    receipt = school.confiscate()
    zoe = school.pupils[0]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, zoe.mis_id)
        await pilot.pause()
        release = app.screen
        release.query_one(CollectorChoice).choose(SOMEONE_ELSE)
        await pilot.pause()
        for wrong in WRONG:
            release.query_one("#collector-name").value = "Ms Kim Lowe"
            release.query_one("#collector-relationship").value = "Aunt"
            release.query_one("#id-seen").value = "driving licence"
            release.query_one("#auth-initials").value = "PS"
            release.query_one("#auth-pin").value = wrong
            release.query_one("#auth-reason").value = "aunt collects on Mondays"
            release.query_one("#pin").value = OFFICE_PIN
            await pilot.press("ctrl+s")
            await settle(pilot)
        # The fifth locked AA: the desk is at the lock screen now, not after the next check.
        assert isinstance(app.screen, LockScreen) and app.who is None
        assert "Ann Adams's account was locked" in widget_text(app, "#sign-in-message")
    assert Staff.get(Staff.initials == "PS").locked_until is None
    assert Custody.get_by_id(receipt.custody_id).state == State.HELD_FOR_PARENT
