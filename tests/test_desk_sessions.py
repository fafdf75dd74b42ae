"""Sessions: every event names the session that recorded it (sealed by the chain; events from before session ids still
verify), and a member of staff signed in at another live session is asked before signing in here: yes locks that
session at its next check (recorded), no leaves them not signed in here; a session that died is not counted."""

from __future__ import annotations

from kiosk.audit import verify
from kiosk.audit.chain import canonical_json, payload_digest, seal
from kiosk.audit.session_id import SESSION_ID_LENGTH, this_session
from kiosk.auth.desk_sessions import (
    DEAD_AFTER,
    HEARTBEAT_SECONDS,
    TAKEN_OVER,
    decline,
    heartbeat,
    sign_in_at_desk,
    take_over,
)
from kiosk.auth.session import session_ended
from kiosk.auth.staff import record_sign_out
from kiosk.clock import to_db
from kiosk.db import AuditHead, Event, database_proxy
from kiosk.db.models import DeskSession
from kiosk.screens.lock import LockScreen
from tests.conftest import OFFICE_PIN
from tests.helpers import flat
from tests.tui_helpers import kiosk_app, screen_text, settle, sign_in, type_keys, wait_for


def shown_words(app) -> str:
    """The lock screen's words, wrapped lines joined (the panel's border between them left out)."""
    return flat(screen_text(app).replace("┃", " "))


def at_desk(school, desk: str, session: str):
    return sign_in_at_desk(keyring=school.keyring, clock=school.clock, desk=desk, who="AA", pin=OFFICE_PIN,
                           session=session)


def live_for(school, who, seconds: int) -> None:
    """The clock moves on while `who`'s session stays alive (its session check is its heartbeat)."""
    for _ in range(seconds // HEARTBEAT_SECONDS):
        school.clock.advance(seconds=HEARTBEAT_SECONDS)
        assert heartbeat(who=who, now=school.clock.now()) is None


def append_as_before_session_ids(school, action: str) -> None:
    """An event exactly as the kiosk wrote it before schema 13: no session column, and a chain without one."""
    db = database_proxy.obj
    head = AuditHead.get_by_id(1)
    seq, prev_chain = head.seq + 1, head.chain
    at = to_db(school.clock.now())
    body = canonical_json({"note": "from an older kiosk"})
    digest = payload_digest(body)
    chain = seal(school.keyring.audit_key, prev_chain, seq=seq, at=at, desk="Reception 1", staff_id=None,
                 action=action, pupil_id=None, tag_id=None, custody_id=None, custody_state=None, payload_hash=digest)
    with db.atomic():
        Event.insert(seq=seq, at=at, desk="Reception 1", action=action, payload_json=body, payload_hash=digest,
                     chain=chain).execute()
        AuditHead.update(seq=seq, chain=chain).where(AuditHead.id == 1).execute()


def test_every_event_carries_its_session_sealed_and_older_events_without_one_still_verify(any_school):
    school = any_school
    append_as_before_session_ids(school, "OLD_EVENT")
    first = at_desk(school, "Reception", "session-one").who
    school.confiscate(0)  # an action through the desk's context: this process's session
    record_sign_out(keyring=school.keyring, clock=school.clock, who=first, reason="locked")
    old = Event.get(Event.action == "OLD_EVENT")
    assert old.session is None
    sessions = {event.action: event.session for event in Event.select().where(Event.seq > old.seq)}
    assert sessions["SIGNED_IN"] == sessions["SIGNED_OUT"] == "session-one"
    assert sessions["CONFISCATED"] == this_session() and len(this_session()) == SESSION_ID_LENGTH
    assert all(event.session for event in Event.select().where(Event.seq > old.seq))
    assert verify(school.keyring.audit_key).ok, "events from before session ids verify beside the new ones"

    # A session id changed by hand, or given to an event that had none, breaks the chain.
    signed_in = Event.get((Event.action == "SIGNED_IN") & (Event.session == "session-one"))
    Event.update(session="session-two").where(Event.seq == signed_in.seq).execute()
    report = verify(school.keyring.audit_key)
    assert not report.ok and any(f"event {signed_in.seq}: chain does not match" in p for p in report.problems)
    Event.update(session="session-one").where(Event.seq == signed_in.seq).execute()
    Event.update(session="session-one").where(Event.seq == old.seq).execute()
    report = verify(school.keyring.audit_key)
    assert not report.ok and any(f"event {old.seq}: chain does not match" in p for p in report.problems)
    Event.update(session=None).where(Event.seq == old.seq).execute()
    assert verify(school.keyring.audit_key).ok


def test_signed_in_at_another_live_desk_is_asked_and_yes_locks_that_desk_at_its_next_check(any_school):
    school = any_school  # SQLite, and PostgreSQL (desks on several PCs)
    signed_in_there = school.clock.now()
    reception = at_desk(school, "Reception", "s-reception")
    assert reception.elsewhere is None
    live_for(school, reception.who, 180)
    services = at_desk(school, "Student Services", "s-services")
    assert services.elsewhere is not None and services.elsewhere.desk == "Reception"
    assert services.elsewhere.since == signed_in_there
    assert services.elsewhere.session == "s-reception"
    assert DeskSession.get_or_none(DeskSession.session == "s-services") is None, "not signed in here until asked"
    assert session_ended(who=reception.who, clock=school.clock) is None

    take_over(keyring=school.keyring, clock=school.clock, who=services.who, other=services.elsewhere)
    taken = Event.get(Event.action == "SESSION_TAKEN_OVER")
    assert taken.desk == "Student Services" and taken.session == "s-services"
    assert '"locked_desk":"Reception"' in taken.payload_json and '"locked_session":"s-reception"' in taken.payload_json
    ended = session_ended(who=reception.who, clock=school.clock)
    assert ended is not None and ended.reason == TAKEN_OVER and "signed in at Student Services" in ended.words
    assert session_ended(who=services.who, clock=school.clock) is None
    record_sign_out(keyring=school.keyring, clock=school.clock, who=reception.who, reason=ended.reason)
    assert [row.session for row in DeskSession.select()] == ["s-services"]
    assert verify(school.keyring.audit_key).ok


def test_no_leaves_them_not_signed_in_here_and_the_other_desk_goes_on(school):
    at_desk(school, "Reception", "s-reception")
    services = at_desk(school, "Student Services", "s-services")
    assert services.elsewhere is not None
    decline(keyring=school.keyring, clock=school.clock, who=services.who, other=services.elsewhere)
    out = Event.get((Event.action == "SIGNED_OUT") & (Event.session == "s-services"))
    assert "chose to stay signed in at Reception" in out.payload_json
    assert [row.session for row in DeskSession.select()] == ["s-reception"]
    assert DeskSession.get(DeskSession.session == "s-reception").locked_by is None


def test_a_session_that_died_is_not_counted_and_a_live_one_keeps_itself_counted(school):
    reception = at_desk(school, "Reception", "s-reception")
    live_for(school, reception.who, 60)
    assert at_desk(school, "Student Services", "s-services").elsewhere is not None
    # The Reception PC is switched off: no heartbeat for twice the interval.
    school.clock.advance(seconds=DEAD_AFTER.total_seconds() + 1)
    assert at_desk(school, "Student Services", "s-services-2").elsewhere is None


async def test_the_lock_screen_asks_and_no_then_yes(school):
    """At the desk: the question after the PIN, in the office's words; N is not signed in here, Y opens the desk and
    asks the other session to lock."""
    at_desk(school, "Student Services", "s-services")
    before = Event.select().count()
    app = kiosk_app(school)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "AA", OFFICE_PIN)
        await wait_for(pilot, lambda: "Sign in here and lock that desk?" in shown_words(app), "the question")
        assert "You are signed in at Student Services since 08:30." in shown_words(app)
        assert app.who is None and isinstance(app.screen, LockScreen)
        await type_keys(pilot, "n")
        await settle(pilot)
        await wait_for(pilot, lambda: "still signed in at Student Services" in shown_words(app), "not here")
        assert app.who is None
        assert DeskSession.get(DeskSession.session == "s-services").locked_by is None

        await sign_in(pilot, "AA", OFFICE_PIN)
        await wait_for(pilot, lambda: "Sign in here and lock that desk?" in shown_words(app), "the question again")
        await type_keys(pilot, "y")
        await wait_for(pilot, lambda: app.who is not None, "the desk to open")
        other = DeskSession.get(DeskSession.session == "s-services")
        assert other.locked_by == this_session() and other.locked_by_desk == school.settings.desk
        assert DeskSession.get(DeskSession.session == this_session()).desk == school.settings.desk
    actions = [e.action for e in Event.select().where((Event.session == this_session()) & (Event.seq > before)
                                                      & Event.action.in_(("SIGNED_IN", "SIGNED_OUT",
                                                                          "SESSION_TAKEN_OVER"))).order_by(Event.seq)]
    assert actions[:4] == ["SIGNED_IN", "SIGNED_OUT", "SIGNED_IN", "SESSION_TAKEN_OVER"]


async def test_two_windows_of_the_same_desk_name_are_told_apart_in_the_question(school):
    """Every browser tab is the same desk ("Reception 1" here) unless kiosk.toml names desks: the question must not
    read "signed in at Reception 1 … lock that desk?" on a desk that is itself Reception 1."""
    at_desk(school, school.settings.desk, "s-other-window")
    app = kiosk_app(school)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "AA", OFFICE_PIN)
        await wait_for(pilot, lambda: "Sign in here and lock that desk?" in shown_words(app), "the question")
        assert f"You are signed in at another {school.settings.desk} window or PC since" in shown_words(app)
