"""Issue 18, who is told what (beyond the confiscation notice): a pupil's heads of year of a 2nd confiscation this
term, the DSLs on the staff list of a hold, the collector their release receipt, carers of a phone left overnight;
and every message queued, sent, failed and exported recorded in the sealed history without its words. A real SMTP
server (aiosmtpd, STARTTLS and a login) receives them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kiosk.audit import verify
from kiosk.auth import add_staff
from kiosk.auth.admin import set_email
from kiosk.custody import safeguarding
from kiosk.custody.daily import close_day, hand_in
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import release_to_carer
from kiosk.db import Carer, Custody, Event
from kiosk.formatting import custody_reference
from kiosk.mail import outbox, trail
from kiosk.mail.addresses import NotAnAddress
from tests.conftest import CLI_ADMIN, OFFICE_PIN
from tests.mail_support import attached_text, give_carers_email, mail_on, send_now, start_relay

HOY_PIN = "370461"


@pytest.fixture
def relay(tmp_path):
    relay = start_relay(tmp_path)
    yield relay
    relay.stop()


def _body(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


def _events(action: str) -> list[dict]:
    return [json.loads(e.payload_json) for e in Event.select().where(Event.action == action).order_by(Event.seq)]


def head_of_year(school, *, initials: str, name: str, year: int, email: str | None):
    add_staff(keyring=school.keyring, clock=school.clock, desk="Reception 1", name=name, initials=initials,
              role="head_of_year", pin=HOY_PIN, year_group=year, email=email)


def release_after_school(school, custody_id: int, pupil_id: int, **more):
    school.after_school()
    carer = carers_to_contact(pupil_id=pupil_id)[0]
    return release_to_carer(school.ctx(), custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=carer.id, **more)


# ── the sealed history: what was sent to whom and when, never the words ───────────────────────────────────────
def test_every_message_queued_sent_failed_and_exported_is_an_audit_event_without_its_words(any_school, relay,
                                                                                             tmp_path):
    """On either database (several desks share PostgreSQL): the events chain and verify like every other."""
    school = any_school
    mail_on(school, relay.port)
    give_carers_email(school)
    give_carers_email(school, 1)
    receipt = school.confiscate(0)
    (queued,) = _events(trail.QUEUED)
    assert queued["to"] == "hall.1@family.example" and queued["template"] == "confiscation-notice"
    event = Event.select().where(Event.action == trail.QUEUED).get()
    assert event.custody_id == receipt.custody_id and event.staff_id == school.office.staff_id
    assert send_now(school, relay.sender()).sent == 1
    (sent,) = _events(trail.SENT)
    assert sent["to"] == "hall.1@family.example" and sent["answer"] == "250 2.0.0 Ok: queued as TEST"
    assert sent["message_id"] == relay.received[0].message["Message-ID"]

    school.confiscate(1)
    relay.handler.answer = "550 5.1.1 mailbox unavailable"
    assert send_now(school, relay.sender()).failed == 1
    (failed,) = _events(trail.FAILED)
    assert failed["to"] == "nowakowski.1@family.example" and failed["answer"].startswith("550")

    outbox.retry(message_id=failed["message"], now=school.clock.now(),
                 audit=outbox.Trail(key=school.keyring.audit_key, desk="Reception 1"), staff=school.office.staff_id)
    assert [e["message"] for e in _events(trail.RETRIED)] == [failed["message"]]
    mail_on(school, mail_via="export")
    code, out, _ = school.cli("outbox", "export", "--csv", str(tmp_path / "parentmail.csv"))
    assert code == 0, out
    (exported,) = _events(trail.EXPORTED)
    assert exported["to"] == "nowakowski.1@family.example" and exported["file"] == "parentmail.csv"

    for row in Event.select().where(Event.action.in_(trail.ACTIONS)):
        payload = json.loads(row.payload_json)
        assert set(payload) <= trail.PAYLOAD_KEYS
        for words in ("Dear", "phone is at the school office", "Zoë", "01632 960000", "used in lesson"):
            assert words not in row.payload_json, f"{row.action} carries the message's words"
    assert verify(school.keyring.audit_key).ok, verify(school.keyring.audit_key).problems


def test_a_hold_withholding_the_parents_notice_is_recorded_and_the_trail_still_verifies(school):
    mail_on(school)
    give_carers_email(school)
    receipt = school.confiscate(0)
    safeguarding.flag_safeguarding(school.ctx(), receipt.custody_id, concern="x", acknowledged=True,
                                   kind="risk_of_harm")
    assert [e["template"] for e in _events(trail.WITHHELD)] == ["confiscation-notice"]
    assert verify(school.keyring.audit_key).ok


# ── heads of year and DSLs on the staff list ───────────────────────────────────────────────────────────────────
def test_a_second_confiscation_this_term_emails_the_pupils_heads_of_year_with_an_address(school, relay):
    mail_on(school, relay.port)
    head_of_year(school, initials="NE", name="Nia Evans", year=9, email="n.evans@hillcrest.example")
    head_of_year(school, initials="NX", name="Noor Khan", year=9, email=None)  # no address: the inbox only
    head_of_year(school, initials="OH", name="Owen Hart", year=7, email="o.hart@hillcrest.example")
    first = school.confiscate(0)
    assert [m.template for m in outbox.listing()] == [], "a 1st confiscation: no head of year is emailed"
    release_after_school(school, first.custody_id, first.pupil.id)
    school.clock.set(datetime(2026, 12, 1, 10, 5, tzinfo=UTC))
    second = school.confiscate(0, reason="used on site")
    school.confiscate(4)  # Ruby's 1st (year 7): nobody told
    lines = [m for m in outbox.listing() if m.template == "repeat-confiscation"]
    assert [(m.recipient, m.custody_id) for m in lines] == [("n.evans@hillcrest.example", second.custody_id)]
    assert send_now(school, relay.sender()).sent == 1
    (mail,) = relay.received
    assert mail.rcpt_tos == ["n.evans@hillcrest.example"]
    assert mail.message["Subject"] == "Zoë Hall (9C): 2nd confiscation this term (Hillcrest Academy kiosk)"
    body = _body(mail)
    assert "Dear Nia Evans," in body and "at 10:05 on Tuesday 1 December" in body
    assert "Reason: used on site." in body and custody_reference(second.custody_id) in body
    assert list(mail.message.iter_attachments()) == []


def test_a_hold_tells_each_dsl_on_the_staff_list_with_an_address_as_well_as_the_safeguarding_inbox(school, relay):
    mail_on(school, relay.port)
    set_email(keyring=school.keyring, clock=school.clock, by=CLI_ADMIN, initials="PS",
              email="p.shah@hillcrest.example")
    receipt = school.confiscate(0)
    safeguarding.flag_safeguarding(school.ctx(), receipt.custody_id, concern="x", acknowledged=True,
                                   kind="risk_of_harm")
    assert send_now(school, relay.sender()).sent == 2
    assert sorted(r.rcpt_tos[0] for r in relay.received) == ["dsl@hillcrest.example", "p.shah@hillcrest.example"]
    for received in relay.received:
        assert "A safeguarding hold was placed at 08:30" in _body(received)
        assert "Zoë" not in received.data.decode("utf-8", "replace")


def test_a_staff_address_typed_into_the_database_by_hand_is_not_written_to(school):
    import sqlite3

    mail_on(school)
    connection = sqlite3.connect(school.path)
    connection.execute("UPDATE staff SET email = 'someone@elsewhere.example' WHERE initials = 'PS'")
    connection.commit()
    connection.close()
    receipt = school.confiscate(0)
    safeguarding.flag_safeguarding(school.ctx(), receipt.custody_id, concern="x", acknowledged=True,
                                   kind="risk_of_harm")
    assert [m.recipient for m in outbox.listing()] == ["dsl@hillcrest.example"]


# ── the release receipt to the collector ───────────────────────────────────────────────────────────────────────
def test_the_collector_who_gives_an_address_gets_the_release_receipt_attached(school, relay, tmp_path):
    mail_on(school, relay.port)
    receipt = school.confiscate(0)
    release_after_school(school, receipt.custody_id, receipt.pupil.id, receipt_email=" dana.hall@family.example ")
    (line,) = [m for m in outbox.listing() if m.template == "release-receipt"]
    assert line.recipient == "dana.hall@family.example" and line.recipient_name == "Mrs Dana Hall"
    assert send_now(school, relay.sender()).sent == 1
    (mail,) = relay.received
    assert mail.rcpt_tos == ["dana.hall@family.example"]
    assert mail.message["Subject"] == "Receipt: Zoë Hall's phone was collected (Hillcrest Academy)"
    body = _body(mail)
    assert "Dear Mrs Dana Hall," in body and "at 15:00 on Monday 30 November" in body and "01632 960000" in body
    (attached,) = list(mail.message.iter_attachments())
    assert attached.get_filename() == f"phone-release-receipt-{custody_reference(receipt.custody_id)}.pdf"
    text = attached_text(attached.get_content(), tmp_path)
    assert "Zoë Hall" in text and "Mrs Dana Hall" in text and "passport" in text


def test_a_release_without_an_address_sends_nothing_and_a_bad_one_is_refused_before_anything_is_saved(school):
    mail_on(school)
    receipt = school.confiscate(0)
    with pytest.raises(NotAnAddress, match="is not an email address"):
        release_after_school(school, receipt.custody_id, receipt.pupil.id, receipt_email="dana.hall@family")
    assert Custody.get_by_id(receipt.custody_id).state == "HELD_FOR_PARENT"
    release_after_school(school, receipt.custody_id, receipt.pupil.id, receipt_email="  ")
    assert [m.template for m in outbox.listing()] == []


# ── a phone left overnight ─────────────────────────────────────────────────────────────────────────────────────
def test_a_daily_phone_left_overnight_tells_its_carers_once_a_night_never_for_a_confiscated_phone(school, relay):
    mail_on(school, relay.port)
    for index in (0, 1, 2):
        give_carers_email(school, index)
    Carer.update(no_communications=True).where(Carer.pupil == school.pupils[2].id).execute()
    from kiosk.audit import rows as sealing

    sealing.reseal_many(school.keyring.audit_key, Carer,
                        [c.id for c in Carer.select().where(Carer.pupil == school.pupils[2].id)])
    school.confiscate(0)  # confiscated: its notice, never "left overnight"
    hand_in(school.ctx(), school.scanned(1))
    hand_in(school.ctx(), school.scanned(2))  # the MIS says not to contact these carers
    school.clock.set(datetime(2026, 11, 30, 17, 30, tzinfo=UTC))
    close_day(school.ctx())
    close_day(school.ctx())  # closed twice the same evening: told once
    overnight = [m for m in outbox.listing() if m.template == "left-overnight"]
    assert [(m.recipient, m.recipient_name) for m in overnight] == [("nowakowski.1@family.example",
                                                                     "Mrs Dana Nowakowski")]
    send_now(school, relay.sender())
    (mail,) = [r for r in relay.received if r.message["X-Kiosk-Template"] == "left-overnight"]
    assert mail.message["Subject"] == "Łukasz Nowakowski's phone is at the school office overnight (Hillcrest Academy)"
    body = _body(mail)
    assert "Dear Mrs Dana Nowakowski," in body and "on Monday 30 November" in body and "01632 960000" in body
    school.clock.set(datetime(2026, 12, 1, 17, 30, tzinfo=UTC))  # still there the next night: told again
    close_day(school.ctx())
    assert len([m for m in outbox.listing() if m.template == "left-overnight"]) == 2
    assert verify(school.keyring.audit_key).ok


def test_close_of_day_with_mail_off_queues_nothing(school):
    give_carers_email(school, 1)
    hand_in(school.ctx(), school.scanned(1))
    close_day(school.ctx())
    assert outbox.listing() == []


def test_a_relay_that_is_restarted_takes_the_new_messages(school, tmp_path):
    """The new message types go through the same worker: a relay down leaves them queued, back up sends them."""
    from tests.helpers import free_port

    port = free_port()
    mail_on(school, port)
    give_carers_email(school, 1)
    hand_in(school.ctx(), school.scanned(1))
    close_day(school.ctx())
    relay = start_relay(tmp_path, port=port)
    relay.stop()
    assert send_now(school, relay.sender()).retried == 1
    relay = start_relay(tmp_path, port=port)
    try:
        school.clock.advance(minutes=2)
        assert send_now(school, relay.sender()).sent == 1
    finally:
        relay.stop()


def test_the_pupil_pages_read_model_gives_what_was_sent_about_each_of_the_pupils_phones(school):
    from kiosk.custody.queries.messages import messages_about_pupil

    mail_on(school)
    give_carers_email(school)
    first = school.confiscate(0)
    release_after_school(school, first.custody_id, first.pupil.id, receipt_email="dana.hall@family.example")
    school.confiscate(1)  # another pupil's: not on Zoë's page
    sent = messages_about_pupil(pupil_id=school.pupils[0].id)
    assert list(sent) == [first.custody_id]
    assert [m.template for m in sent[first.custody_id]] == ["release-receipt", "confiscation-notice"]
    assert messages_about_pupil(pupil_id=school.pupils[3].id) == {}
