"""Issue 18: messages to carers and staff go through the outbox, a row written with the action, sent later by a
worker to a real SMTP server (aiosmtpd on a loopback port, STARTTLS or implicit TLS, with a login)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_settings
from kiosk.custody import safeguarding
from kiosk.db import Carer
from kiosk.db.models import MUST_NOT_COLLECT, OutboxMessage
from kiosk.formatting import custody_reference
from kiosk.mail import outbox
from kiosk.mail.compose import RESEND_HEADER, RESEND_LINE
from kiosk.mail.senders import SmtpSender, SmtpSettings
from tests.conftest import DSL_PIN
from tests.helpers import free_port
from tests.mail_support import PASSWORD, USER, Relay, attached_text, give_carers_email, mail_on, send_now, start_relay


@pytest.fixture
def relay(tmp_path):
    relay = start_relay(tmp_path)
    yield relay
    relay.stop()


def _states() -> dict[int, str]:
    return {row.id: row.state for row in OutboxMessage.select()}


def test_confiscation_notice_reaches_each_carer_with_parental_responsibility_over_starttls_with_login(
        school, relay: Relay, tmp_path):
    mail_on(school, relay.port)
    mother, grandparent = give_carers_email(school)
    # A second carer with parental responsibility, lower in the MIS's order; and one the MIS says not to contact.
    Carer.create(pupil=school.pupils[0], name="Mr Sam Hall", relationship="Father", parental_responsibility=True,
                 priority=3, email="sam.hall@family.example")
    Carer.create(pupil=school.pupils[0], name="Ms Kit Hall", relationship="Mother", parental_responsibility=True,
                 priority=4, email="kit.hall@family.example", no_communications=True)
    receipt = school.confiscate(0)

    queued = outbox.listing()
    assert [m.recipient for m in sorted(queued, key=lambda m: m.id)] == [mother.email, "sam.hall@family.example"]
    assert relay.received == [], "nothing is sent by the action itself"

    done = send_now(school, relay.sender())
    assert done.sent == 2 and done.retried == done.failed == 0
    assert [r.rcpt_tos for r in relay.received] == [[mother.email], ["sam.hall@family.example"]]
    first = relay.received[0]
    assert first.login == "kiosk@hillcrest.example" and first.tls
    mail = first.message
    assert mail["Subject"] == "Zoë Hall's phone is at the school office (Hillcrest Academy)"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Dear Mrs Dana Hall," in body and "01632 960000" in body and custody_reference(receipt.custody_id) in body
    assert "Hillcrest Academy" in body and "08:30" in body
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == f"phone-notice-{custody_reference(receipt.custody_id)}.pdf"
    text = attached_text(attached.get_content(), tmp_path)
    assert "a mobile phone has been confiscated" in text and "Zoë Hall" in text and "BAG-0001" in text
    assert grandparent.email not in {r.rcpt_tos[0] for r in relay.received}
    assert set(_states().values()) == {"sent"}
    sent = outbox.listing()[0]
    assert sent.answer == "250 2.0.0 Ok: queued as TEST" and sent.attempts == 1 and sent.sent_by == "smtp"


def test_a_parent_the_mis_says_must_not_collect_is_sent_no_message_about_the_phone(school):
    """A court order: the father has parental responsibility and an address, but must not collect. A message that
    says where the phone is and when it may be collected is never sent to him."""
    mail_on(school)
    mother, _grandparent = give_carers_email(school)
    Carer.create(pupil=school.pupils[0], name="Mr Sam Hall", relationship="Father", parental_responsibility=True,
                 priority=2, email="sam.hall@family.example", collection=MUST_NOT_COLLECT)
    school.confiscate(0)
    assert [m.recipient for m in outbox.listing()] == [mother.email]


def test_a_carers_international_address_is_sent_as_it_is(school, relay: Relay):
    """The MIS holds a carer's address with an accent in it (nguyễn.1@…): sent with SMTPUTF8, as the relay offers."""
    mail_on(school, relay.port)
    carers = give_carers_email(school, 2)  # Minh Nguyễn's carers: nguyễn.N@family.example
    assert any(not c.email.isascii() for c in carers)
    school.confiscate(2)
    done = send_now(school, relay.sender())
    assert done.failed == 0 and done.sent >= 1
    assert {r.rcpt_tos[0] for r in relay.received} <= {c.email for c in carers}
    assert any(not r.rcpt_tos[0].isascii() for r in relay.received)
    assert any(not str(r.message["To"]).isascii() for r in relay.received)


def test_a_relay_that_cannot_take_an_international_address_fails_that_message_saying_why(school, tmp_path):
    old_relay = start_relay(tmp_path, smtputf8=False)
    try:
        mail_on(school, old_relay.port)
        give_carers_email(school, 2)
        school.confiscate(2)
        done = send_now(school, old_relay.sender())
        assert done.failed >= 1 and old_relay.received == []
        failed = [m for m in outbox.listing() if m.state == "failed"]
        assert failed and all("international addresses (SMTPUTF8)" in (m.answer or "") for m in failed)
    finally:
        old_relay.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # aiosmtpd's rule misses implicit TLS
def test_implicit_tls_relay_on_its_own_port_takes_the_notice(school, tmp_path):
    relay = start_relay(tmp_path, implicit_tls=True)
    try:
        mail_on(school, relay.port, smtp_security="tls")
        give_carers_email(school)
        school.confiscate(0)
        assert send_now(school, relay.sender()).sent == 1
        assert relay.received[0].tls and relay.received[0].login == "kiosk@hillcrest.example"
    finally:
        relay.stop()


def test_a_hold_tells_the_dsl_that_and_when_only_and_withholds_the_parents_notice(school, relay: Relay):
    mail_on(school, relay.port)
    give_carers_email(school)
    receipt = school.confiscate(0)
    school.clock.advance(minutes=5)  # 08:35
    safeguarding.flag_safeguarding(school.ctx(), receipt.custody_id, concern="worried about messages from an adult",
                                   acknowledged=True, kind="risk_of_harm")
    done = send_now(school, relay.sender())
    assert done.sent == 1
    (dsl,) = relay.received
    assert dsl.rcpt_tos == ["dsl@hillcrest.example"]
    body = dsl.message.get_body(preferencelist=("plain",)).get_content()
    assert "A safeguarding hold was placed at 08:35 on Monday 30 November at the Reception 1 desk; see the kiosk." \
        in body
    assert "Zoë" not in body + dsl.message["Subject"] and "Hall" not in body + dsl.message["Subject"]
    assert list(dsl.message.iter_attachments()) == []
    parent = [m for m in outbox.listing() if m.template == "confiscation-notice"]
    assert [m.state for m in parent] == ["withheld"]


def test_a_parent_message_queued_for_a_phone_put_on_hold_later_is_withheld_at_sending_time(school, relay: Relay):
    """A message that became due before the hold but was still queued when the worker came to it: the worker looks at
    the phone's state itself, so a hold placed by another route never lets a parent message out."""
    mail_on(school, relay.port, mail_dsl_address="")
    give_carers_email(school)
    receipt = school.confiscate(0)
    safeguarding.flag_safeguarding(school.ctx(), receipt.custody_id, concern="x", acknowledged=True,
                                   kind="risk_of_harm")
    OutboxMessage.update(state="queued").execute()  # as if the withholding had been missed
    done = send_now(school, relay.sender())
    assert done.withheld == 1 and done.sent == 0 and relay.received == []


def test_a_cleared_hold_tells_the_carers_the_phone_is_ready_to_collect(school, relay: Relay):
    mail_on(school, relay.port)
    give_carers_email(school)
    receipt = school.confiscate(0)
    safeguarding.flag_safeguarding(school.ctx(), receipt.custody_id, concern="x", acknowledged=True,
                                   kind="risk_of_harm")
    safeguarding.clear_hold(school.ctx(school.signed_in("PS")), receipt.custody_id, reason="no concern found")
    send_now(school, relay.sender())
    ready = [r for r in relay.received if "ready to collect" in r.message["Subject"]]
    assert [r.rcpt_tos for r in ready] == [["hall.1@family.example"]]
    assert "no concern found" not in ready[0].data.decode()


def test_mail_off_queues_nothing(school):
    give_carers_email(school)
    school.confiscate(0)
    assert outbox.listing() == []


def test_the_relay_down_leaves_the_notice_queued_and_it_goes_once_the_relay_is_back(school, tmp_path):
    port = free_port()
    mail_on(school, port)
    give_carers_email(school)
    school.confiscate(0)  # the desk's action is saved whatever the relay is doing
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=port, security="starttls", username=USER,
                                     password=PASSWORD, timeout=5.0))  # nothing listens on the port
    done = send_now(school, sender)
    assert done.sent == 0 and done.retried == 1 and "cannot connect" in done.reason
    (line,) = outbox.listing()
    assert line.state == "queued" and line.attempts == 1 and "cannot connect to 127.0.0.1" in (line.answer or "")
    assert line.next_try_at == school.clock.now() + timedelta(minutes=1)
    assert send_now(school, sender).retried == 0, "not due again until its next try"

    up = start_relay(tmp_path, port=port)
    try:
        school.clock.advance(minutes=1)
        assert send_now(school, up.sender()).sent == 1
        assert len(up.received) == 1 and outbox.listing()[0].state == "sent"
        school.clock.advance(hours=1)
        assert send_now(school, up.sender()).sent == 0 and len(up.received) == 1
    finally:
        up.stop()


def test_a_refused_login_is_kept_with_the_servers_words_and_tried_again_later(school, relay: Relay):
    mail_on(school, relay.port)
    give_carers_email(school)
    school.confiscate(0)
    done = send_now(school, relay.sender(password="wrong"))
    assert done.sent == 0 and relay.received == []
    (line,) = outbox.listing()
    assert line.state == "queued" and line.attempts == 1 and (line.answer or "").startswith("535")


def test_a_4xx_answer_is_tried_again_with_backoff_then_failed_after_the_last_try(school, relay: Relay):
    mail_on(school, relay.port)
    give_carers_email(school)
    school.confiscate(0)
    relay.handler.answer = "451 4.3.0 Try again later"
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        send_now(school, relay.sender())
        (line,) = outbox.listing()
        if line.state == "queued":
            waits.append(line.next_try_at - school.clock.now())
            school.clock.set(line.next_try_at)
    assert waits == [timedelta(seconds=s) for s in outbox.BACKOFF_SECONDS]
    assert line.state == "failed" and line.attempts == outbox.MAX_ATTEMPTS
    assert line.answer == "451 4.3.0 Try again later"
    assert relay.received == []


def test_a_5xx_answer_fails_at_once_is_listed_and_can_be_retried(school, relay: Relay):
    mail_on(school, relay.port)
    give_carers_email(school)
    school.confiscate(0)
    relay.handler.rcpt_answer = "550 5.1.1 No such user here"
    send_now(school, relay.sender())
    (line,) = outbox.listing()
    assert line.state == "failed" and line.attempts == 1 and line.answer == "550 5.1.1 No such user here"
    code, out, _ = school.cli("outbox", "--failed")
    assert code == 0 and "failed" in out and "550 5.1.1 No such user here" in out and "hall.1@family.example" in out
    relay.handler.rcpt_answer = None
    code, out, _ = school.cli("outbox", "--retry", str(line.id))
    assert code == 0 and "queued again" in out
    assert send_now(school, relay.sender()).sent == 1 and len(relay.received) == 1
    code, out, _ = school.cli("outbox", "--retry", str(line.id))
    assert code == 1 and "is sent" in out


ROOT = Path(__file__).resolve().parent.parent


def _kiosk_toml(school, relay: Relay, more: str = "") -> None:
    """The settings a real `kiosk` process reads: kiosk.toml in the config folder (the test's own)."""
    folder = Path(os.environ["KIOSK_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kiosk.toml").write_text(
        'school_name = "Hillcrest Academy"\ndesk = "Reception 1"\nmail_via = "smtp"\n'
        'mail_from = "office@hillcrest.example"\nsmtp_host = "127.0.0.1"\n'
        f'smtp_port = {relay.port}\nsmtp_security = "starttls"\nsmtp_username = "{USER}"\n'
        f'smtp_ca_file = "{relay.cert}"\nsmtp_timeout_seconds = 10\n{more}', encoding="utf-8")


def test_a_kiosk_killed_between_the_servers_acceptance_and_marking_it_sent_resends_it_marked_as_a_resend(
        school, relay: Relay):
    """A real `kiosk outbox send` process, SIGKILLed once the relay has the message and before it answers: the row is
    left "sending"; the next round after the lease sends it again, marked as a resend (header, first line, count),
    with the same Message-ID. Nothing lost, and the duplicate says what it is."""
    mail_on(school, relay.port)
    give_carers_email(school)
    school.confiscate(0)
    _kiosk_toml(school, relay)
    env = {**os.environ, "KIOSK_SMTP_PASSWORD": PASSWORD,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--db", school.url, "outbox", "send"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def kill_the_kiosk() -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    relay.handler.on_data = kill_the_kiosk
    try:
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, err
    assert len(relay.received) == 1, "the relay had the message when the kiosk was killed"
    (line,) = outbox.listing()
    assert line.state == "sending" and line.attempts == 1 and line.sent_at is None

    relay.handler.on_data = None
    school.clock.set(datetime.now(UTC) + timedelta(seconds=60))
    assert send_now(school, relay.sender()).sent == 0, "within its lease a sending message is left alone"
    school.clock.set(datetime.now(UTC) + timedelta(seconds=outbox.SENDING_LEASE_SECONDS + 1))
    done = send_now(school, relay.sender())
    assert done.sent == 1 and done.resent == 1
    first, again = relay.received
    assert again.message["Message-ID"] == first.message["Message-ID"]
    assert first.message[RESEND_HEADER] is None and again.message[RESEND_HEADER] == "1"
    assert again.message.get_body(preferencelist=("plain",)).get_content().startswith(RESEND_LINE)
    (line,) = outbox.listing()
    assert line.state == "sent" and line.resends == 1 and line.attempts == 2
    code, out, _ = school.cli("outbox")
    assert "resent 1x" in out
    school.clock.advance(hours=1)
    assert send_now(school, relay.sender()).sent == 0 and len(relay.received) == 2


CANARIES = {"concern": "CANARY-CONCERN-7f3a", "note": "CANARY-DSLNOTE-91c2", "cleared": "CANARY-CLEARED-44d0",
            "notes": "CANARY-CONFNOTES-0b5e", "second": "CANARY-SECONDCONCERN-e61f", "crime": "CANARY-CRIME-2a9b",
            "access": "CANARY-ACCESSNOTES-5d17", "repeat": "CANARY-REPEATNOTES-c83e"}


def _everything_that_left(relay: Relay, folder: Path) -> str:
    """Every subject, header, body and attached paper's text the relay received, and every outbox row's words."""
    parts = []
    for received in relay.received:
        mail = received.message
        parts.append(received.data.decode("utf-8", "replace"))
        parts += [f"{k}: {v}" for k, v in mail.items()]
        parts.append(mail.get_body(preferencelist=("plain",)).get_content())
        parts += [attached_text(a.get_content(), folder) for a in mail.iter_attachments()]
    for row in OutboxMessage.select():
        parts += [row.subject, row.body, row.attachment_json or "", row.recipient_name]
    # The sealed history of each message (kiosk/mail/trail.py) is read by people it was not for: none either.
    from kiosk.db import Event
    from kiosk.mail import trail

    parts += [e.payload_json or "" for e in Event.select().where(Event.action.in_(trail.ACTIONS))]
    return "\n".join(parts)


def test_no_safeguarding_text_reaches_any_email_subject_body_or_attachment(school, relay: Relay, tmp_path,
                                                                           monkeypatch):
    """The canary: distinctive words put in every safeguarding field the kiosk has (the concern, a DSL note, the
    reason a hold was cleared, a confiscation's notes, a second hold, the crime reference, the collector's court-order
    notes) while every kind of message is queued and sent; none appears in anything that left, nor in the messages'
    events in the sealed history."""
    from kiosk.audit import rows as sealing
    from kiosk.auth import add_staff
    from kiosk.auth.admin import set_email
    from kiosk.custody.confiscation import confiscate
    from kiosk.custody.daily import close_day, hand_in
    from kiosk.custody.release import release_to_carer
    from tests.conftest import CLI_ADMIN, OFFICE_PIN

    mail_on(school, relay.port)
    mother, _ = give_carers_email(school)
    give_carers_email(school, 1)
    give_carers_email(school, 5)
    # The collector's court-order / access notes (printed on the desk's receipt, never on the emailed copy).
    Carer.update(access_notes=CANARIES["access"], collection="may_collect").where(Carer.id == mother.id).execute()
    sealing.reseal_many(school.keyring.audit_key, Carer, [mother.id])
    add_staff(keyring=school.keyring, clock=school.clock, desk="Reception 1", name="Nia Evans", initials="NE",
              role="head_of_year", pin="370461", year_group=9, email="n.evans@hillcrest.example")
    set_email(keyring=school.keyring, clock=school.clock, by=CLI_ADMIN, initials="PS",
              email="p.shah@hillcrest.example")
    receipt = confiscate(school.ctx(), school.scanned(0), confiscated_by_name="Mr T. Ellis",
                         reason_category="used in lesson", location="Room S12", condition=["in a case"],
                         seal_number="BAG-0001", notes=CANARIES["notes"])
    send_now(school, relay.sender())  # the confiscation notice goes before any hold
    dsl = school.ctx(school.signed_in("PS"))
    safeguarding.flag_safeguarding(school.ctx(), receipt.custody_id, concern=CANARIES["concern"], acknowledged=True,
                                   kind="risk_of_harm")
    safeguarding.add_dsl_note(dsl, receipt.custody_id, CANARIES["note"])
    safeguarding.clear_hold(dsl, receipt.custody_id, reason=CANARIES["cleared"])
    hand_in(school.ctx(), school.scanned(5))
    school.after_school()
    release_to_carer(school.ctx(), receipt.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=mother.id,
                     receipt_email="dana.hall@family.example")
    # Zoë's 2nd confiscation this term: her head of year is told.
    confiscate(school.ctx(), school.scanned(0), confiscated_by_name="Mr T. Ellis", reason_category="used on site",
               location="Room S12", condition=["in a case"], seal_number="BAG-0003", notes=CANARIES["repeat"])
    close_day(school.ctx())  # Leo's daily phone left overnight
    other = school.confiscate(1)
    safeguarding.flag_safeguarding(school.ctx(), other.custody_id, concern=CANARIES["second"], acknowledged=True,
                                   kind="risk_of_harm")
    safeguarding.hand_to_police(dsl, other.custody_id, safeguarding.PoliceHandover(
        officer_name="PC Jo Marsh", officer_number="1234", force="Kent Police", crime_reference=CANARIES["crime"],
        seal_number="EV-1"), pin=DSL_PIN)
    send_now(school, relay.sender())
    # The DSL sends the review pack and the week's summary to the head, as a scheduled task does (--send).
    _kiosk_toml(school, relay, 'mail_head_address = "head@hillcrest.example"\n')
    monkeypatch.setenv("KIOSK_SMTP_PASSWORD", PASSWORD)
    for report in (("review-pack", "--out", str(tmp_path)), ("summary", "--period", "week", "--pdf", str(tmp_path))):
        code, out, err = school.cli("report", *report, "--send", "--as", "PS", stdin=DSL_PIN + "\n")
        assert code == 0, (out, err)
    templates = {r.message["X-Kiosk-Template"] for r in relay.received}
    from kiosk.mail.templates import TEMPLATES

    assert templates == set(TEMPLATES), "every kind of message went"
    assert {"p.shah@hillcrest.example", "n.evans@hillcrest.example", "dana.hall@family.example"} <= {
        r.rcpt_tos[0] for r in relay.received}
    left = _everything_that_left(relay, tmp_path)
    assert "Zoë Hall" in left, "the check reads what was sent"
    for field, canary in CANARIES.items():
        assert canary not in left, f"the {field} text reached an email"
    from kiosk.custody.concerns import CONCERN_WORDS

    for kind, words in CONCERN_WORDS.items():  # the kinds of concern, in their words and their names
        assert words.lower() not in left.lower() and kind.value not in left, f"the concern kind {kind} reached an email"


def test_a_school_that_messages_through_its_mis_needs_no_from_address_and_one_with_a_relay_does(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('mail_via = "export"\n', encoding="utf-8")
    assert load_settings(path).mail_via == "export"
    path.write_text('mail_via = "smtp"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="mail_from must be an email address when mail_via is 'smtp'"):
        load_settings(path)


def test_the_export_for_parentmail_or_groupcall_writes_the_queued_messages_once_and_marks_them(school, tmp_path):
    mail_on(school, mail_via="export", mail_from="")
    give_carers_email(school)
    give_carers_email(school, 1)
    school.confiscate(0)
    held = school.confiscate(1)
    safeguarding.flag_safeguarding(school.ctx(), held.custody_id, concern="x", acknowledged=True, kind="risk_of_harm")
    target = tmp_path / "parentmail.csv"
    code, out, _ = school.cli("outbox", "export", "--csv", str(target))
    assert code == 0, out
    import csv

    assert target.read_bytes().startswith("\ufeff".encode()), "Excel's mark, as every CSV the kiosk writes"
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert [r["email"] for r in rows] == ["hall.1@family.example", "dsl@hillcrest.example"]
    assert rows[0] == {"recipient": "Mrs Dana Hall", "mobile": "07700900001", "email": "hall.1@family.example",
                       "message": rows[0]["message"]}
    assert rows[0]["message"].startswith("Zoë Hall's phone is at the school office") and "01632 960000" in rows[0][
        "message"]
    assert (target.stat().st_mode & 0o777) == 0o600
    states = {m.template + ":" + m.recipient: (m.state, m.sent_by) for m in outbox.listing()}
    assert states["confiscation-notice:hall.1@family.example"] == ("sent", "export")
    assert states["hold-placed:dsl@hillcrest.example"] == ("sent", "export")
    assert ("withheld", None) in states.values(), "the held phone's carers are not told"
    code, out, _ = school.cli("outbox", "export", "--csv", str(tmp_path / "again.csv"))
    assert code == 0 and "0 message(s)" in out
    assert list(csv.DictReader((tmp_path / "again.csv").open(encoding="utf-8"))) == []


def test_the_password_comes_from_the_environment_or_a_private_file_beside_the_key(school, monkeypatch):
    from kiosk.errors import DeskError
    from kiosk.mail.secret import PASSWORD_ENV, password_file, smtp_password

    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    assert smtp_password(school.key_path) is None
    path = password_file(school.key_path)
    path.write_text("from the file\n", encoding="utf-8")
    path.chmod(0o644)
    with pytest.raises(DeskError, match="can be read by other accounts"):
        smtp_password(school.key_path)
    path.chmod(0o600)
    assert smtp_password(school.key_path) == "from the file"
    monkeypatch.setenv(PASSWORD_ENV, "from the environment")
    assert smtp_password(school.key_path) == "from the environment"


def test_the_school_can_reword_a_message_in_its_config_folder(school, relay: Relay):
    folder = Path(os.environ["KIOSK_CONFIG_DIR"]) / "mail-templates"
    folder.mkdir(parents=True)
    (folder / "confiscation-notice.txt").write_text(
        "Subject: Phone kept: $pupil_name\n\nHello $carer_name, collect it from $collect_from. $unknown_thing\n",
        encoding="utf-8")
    mail_on(school, relay.port)
    give_carers_email(school)
    school.confiscate(0)
    send_now(school, relay.sender())
    (received,) = relay.received
    assert received.message["Subject"] == "Phone kept: Zoë Hall"
    assert received.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n") == \
        "Hello Mrs Dana Hall, collect it from Monday 30 November. $unknown_thing\n"


def test_kiosk_mail_test_sends_through_the_relay_and_says_what_went_wrong(school, relay: Relay, monkeypatch):
    _kiosk_toml(school, relay)
    monkeypatch.setenv("KIOSK_SMTP_PASSWORD", PASSWORD)
    code, out, _ = school.cli("mail", "test", "it@hillcrest.example")
    assert code == 0 and "250 2.0.0 Ok" in out, out
    assert relay.received[0].rcpt_tos == ["it@hillcrest.example"] and relay.received[0].tls
    monkeypatch.setenv("KIOSK_SMTP_PASSWORD", "wrong")
    code, out, _ = school.cli("mail", "test", "it@hillcrest.example")
    assert code == 1 and "NOT SENT" in out and "535" in out
    # A header smuggled into the address (a tryout's "victim@…\nBcc: …" crashed with a crash report): refused.
    sent_before = len(relay.received)
    code, out, _ = school.cli("mail", "test", "it@hillcrest.example\nBcc: leak@elsewhere.example")
    assert code == 1 and "NOT SENT" in out and len(relay.received) == sent_before, out


def test_the_desk_does_not_wait_for_a_relay_that_hangs(school, tmp_path):
    """A relay that takes the connection and never answers: confiscations are as quick as with mail off, and the
    worker gives up at its own timeout with the message still queued."""
    import socket
    import time

    from kiosk.custody.daily import hand_in

    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(8)  # accepts into its backlog, never says a word
    try:
        mail_on(school, hung.getsockname()[1])
        give_carers_email(school)
        started = time.perf_counter()
        school.confiscate(0)
        hand_in(school.ctx(), school.scanned(2))
        assert time.perf_counter() - started < 2.0
        sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=hung.getsockname()[1], security="starttls",
                                         timeout=0.5))
        done = send_now(school, sender)
        assert done.retried == 1 and outbox.listing()[0].state == "queued"
    finally:
        hung.close()


def test_the_desks_outbox_thread_sends_beside_the_desk_and_stops(school, relay: Relay):
    import threading

    from kiosk.app import make_app, outbox_thread
    from kiosk.documents.attachments import attachment_for
    from kiosk.mail.background import OutboxThread
    from tests.helpers import wait_until

    assert outbox_thread(school.settings, school.clock) is None, "mail off: no thread"
    mail_on(school, relay.port, smtp_username=USER)
    assert outbox_thread(school.settings, school.clock) is None, "no password anywhere: no thread, nothing sent"
    assert make_app(settings=school.settings, keyring=school.keyring, clock=school.clock).outbox is None
    give_carers_email(school)
    rounds = []
    thread = OutboxThread(sender=relay.sender(), clock=school.clock, settings=school.settings,
                          render_attachment=attachment_for, audit_key=school.keyring.audit_key, every=60,
                          on_round=rounds.append)
    thread.start()
    try:
        school.confiscate(0)
        thread.nudge()
        assert wait_until(lambda: len(relay.received) == 1, timeout=10)
        assert wait_until(lambda: outbox.listing()[0].state == "sent", timeout=5)
    finally:
        thread.stop(timeout=5)
    assert not any(t.name == "outbox" and t.is_alive() for t in threading.enumerate())


def test_on_either_database_one_claim_wins_and_the_notice_is_sent_once(any_school, relay: Relay):
    """Two desks' workers on one database (PostgreSQL for several desks): the conditional claim lets one send."""
    school = any_school
    mail_on(school, relay.port)
    give_carers_email(school)
    school.confiscate(0)
    (line,) = outbox.listing()
    assert outbox.claim(message_id=line.id, now=school.clock.now()) is not None
    assert outbox.claim(message_id=line.id, now=school.clock.now()) is None, "the second worker does not get it"
    assert send_now(school, relay.sender()).sent == 0, "a message being sent is left to its worker"
    school.clock.advance(seconds=outbox.SENDING_LEASE_SECONDS + 1)
    assert send_now(school, relay.sender()).sent == 1
    (line,) = outbox.listing()
    assert line.state == "sent" and line.resends == 1 and len(relay.received) == 1


def test_a_paper_that_cannot_be_made_fails_that_message_only_and_is_not_left_sending(school, relay: Relay):
    mail_on(school, relay.port)
    give_carers_email(school)
    give_carers_email(school, 1)
    school.confiscate(0)
    school.confiscate(1)
    first = min(line.id for line in outbox.listing())
    OutboxMessage.update(attachment_json='{"custody_id": 1}').where(OutboxMessage.id == first).execute()
    done = send_now(school, relay.sender())
    assert done.failed == 1 and done.sent == 1
    broken = OutboxMessage.get_by_id(first)
    assert broken.state == "failed" and broken.answer == "not made: KeyError"


def test_a_uk_mobile_in_international_form_is_exported_as_the_services_dial_it_not_as_a_defused_formula():
    from kiosk.mail.export import dialled
    from kiosk.reports.export import spreadsheet_safe

    assert dialled("+44 7700 900123") == "07700900123"
    assert spreadsheet_safe(dialled("+447700900123")) == "07700900123", "no quote before the number"
    assert dialled("07700 900123") == "07700 900123" and dialled(None) == ""
    assert dialled("+353 85 123 4567") == "+353 85 123 4567", "a number from abroad is left as it is"
