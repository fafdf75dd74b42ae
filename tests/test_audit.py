"""The audit trail: every change has one event, and tampering is detected with the first bad sequence number."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from kiosk.audit import verify
from kiosk.audit.chain import payload_digest
from kiosk.custody import State, close_day, hand_back, hand_in, normalise, resolve
from kiosk.db import AuditHead, Custody, Event, database_proxy


def busy_day(s):
    for pupil in s.pupils:
        hand_in(s.ctx(), resolve(normalise(s.tag_of(pupil))))
        s.clock.advance(seconds=4)
    s.clock.set(datetime(2026, 11, 30, 15, 10, tzinfo=UTC))
    for pupil in s.pupils[:4]:
        hand_back(s.ctx(), resolve(normalise(s.tag_of(pupil))))
    s.clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    close_day(s.ctx())


def test_a_clean_day_verifies(any_school):
    busy_day(any_school)
    report = verify(any_school.keyring.audit_key)
    assert report.ok, report.problems
    assert report.custody_checked == 6
    assert report.events_checked == Event.select().count()


def test_each_custody_change_writes_exactly_one_event_with_its_new_state(any_school):
    busy_day(any_school)
    for custody in Custody.select():
        events = list(Event.select().where(Event.custody == custody.id).order_by(Event.seq))
        assert events[-1].custody_state == custody.state
        assert len(events) == (2 if custody.state in (State.RETURNED, State.UNCOLLECTED) else 1)


def test_pins_never_reach_the_audit_log(any_school):
    from tests.conftest import ADMIN_PIN, OFFICE_PIN

    text = " ".join(e.payload_json for e in Event.select())
    assert OFFICE_PIN not in text and ADMIN_PIN not in text


def _sql(text, *params):
    database_proxy.obj.execute_sql(text, params)


def test_editing_a_payload_is_detected(any_school):
    busy_day(any_school)
    target = Event.select().where(Event.action == "HANDED_IN").order_by(Event.seq).first()
    _sql("UPDATE event SET payload_json = %s WHERE seq = %s" if _pg() else
         "UPDATE event SET payload_json = ? WHERE seq = ?", target.payload_json.replace("9C", "7C"), target.seq)
    report = verify(any_school.keyring.audit_key)
    assert not report.ok and report.first_bad_seq == target.seq


def test_editing_a_payload_and_its_hash_is_detected_by_the_chain(any_school):
    busy_day(any_school)
    target = Event.select().where(Event.action == "HANDED_BACK").order_by(Event.seq).first()
    body = json.loads(target.payload_json)
    body["slot"] = "7A-01"
    new = json.dumps(body)
    Event.update(payload_json=new, payload_hash=payload_digest(new)).where(Event.seq == target.seq).execute()
    report = verify(any_school.keyring.audit_key)
    assert report.first_bad_seq == target.seq


def test_deleting_an_event_is_detected(any_school):
    busy_day(any_school)
    victim = Event.select().where(Event.action == "HANDED_BACK").order_by(Event.seq).first()
    Event.delete().where(Event.seq == victim.seq).execute()
    report = verify(any_school.keyring.audit_key)
    assert report.first_bad_seq == victim.seq


def test_truncating_the_tail_is_detected(any_school):
    busy_day(any_school)
    last = Event.select().order_by(Event.seq.desc()).first().seq
    Event.delete().where(Event.seq > last - 3).execute()
    report = verify(any_school.keyring.audit_key)
    assert not report.ok and report.first_bad_seq == last - 2


def test_re_signing_the_chain_without_the_key_is_detected(any_school):
    busy_day(any_school)
    from kiosk.audit.chain import seal

    # An attacker with the database but not the key file re-seals every event with a guessed key.
    wrong_key = hashlib.sha256(b"guess").digest()
    prev = "0" * 64
    target = Event.select().where(Event.action == "HANDED_IN").order_by(Event.seq).first().seq
    for event in Event.select().order_by(Event.seq):
        chain = seal(wrong_key, prev, seq=event.seq, at=event.at, desk=event.desk, staff_id=event.staff_id,
                     action="HANDED_BACK" if event.seq == target else event.action, pupil_id=event.pupil_id,
                     tag_id=event.tag_id, custody_id=event.custody_id, custody_state=event.custody_state,
                     payload_hash=event.payload_hash)
        Event.update(chain=chain).where(Event.seq == event.seq).execute()
        prev = chain
    AuditHead.update(chain=prev).execute()
    report = verify(any_school.keyring.audit_key)
    assert report.first_bad_seq == 1


def test_a_custody_row_changed_behind_the_kiosk_is_detected(any_school):
    busy_day(any_school)
    custody = Custody.select().where(Custody.state == State.UNCOLLECTED).first()
    Custody.update(state=State.RETURNED).where(Custody.id == custody.id).execute()
    report = verify(any_school.keyring.audit_key)
    assert not report.ok
    assert any(f"custody {custody.id}" in p for p in report.problems)


def test_a_custody_row_with_no_event_is_detected(any_school):
    busy_day(any_school)
    custody = Custody.select().first()
    Event.update(custody=None).where(Event.custody == custody.id).execute()
    report = verify(any_school.keyring.audit_key)
    assert any("has no audit event" in p for p in report.problems)


def _pg() -> bool:
    from peewee import PostgresqlDatabase

    return isinstance(database_proxy.obj, PostgresqlDatabase)
