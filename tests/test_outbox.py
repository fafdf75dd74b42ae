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

from kiosk.custody import safeguarding
from kiosk.db import Carer
from kiosk.db.models import OutboxMessage
from kiosk.mail import outbox
from kiosk.mail.compose import RESEND_HEADER, RESEND_LINE
from kiosk.mail.senders import SmtpSender, SmtpSettings
from tests.helpers import free_port
from tests.mail_support import PASSWORD, USER, Relay, give_carers_email, mail_on, send_now, start_relay


@pytest.fixture
def relay(tmp_path):
    relay = start_relay(tmp_path)
    yield relay
    relay.stop()


def _pdf_text(data: bytes, folder) -> str:
    path = folder / "attached.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


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
    assert "Dear Mrs Dana Hall," in body and "01632 960000" in body and f"P{receipt.custody_id:05d}" in body
    assert "Hillcrest Academy" in body and "08:30" in body
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == f"phone-notice-P{receipt.custody_id:05d}.pdf"
    text = _pdf_text(attached.get_content(), tmp_path)
    assert "a mobile phone has been confiscated" in text and "Zoë Hall" in text and "BAG-0001" in text
    assert grandparent.email not in {r.rcpt_tos[0] for r in relay.received}
    assert set(_states().values()) == {"sent"}
    sent = outbox.listing()[0]
    assert sent.answer == "250 2.0.0 Ok: queued as TEST" and sent.attempts == 1 and sent.sent_by == "smtp"


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
                                   acknowledged=True)
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
    safeguarding.flag_safeguarding(school.ctx(), receipt.custody_id, concern="x", acknowledged=True)
    OutboxMessage.update(state="queued").execute()  # as if the withholding had been missed
    done = send_now(school, relay.sender())
    assert done.withheld == 1 and done.sent == 0 and relay.received == []


def test_a_cleared_hold_tells_the_carers_the_phone_is_ready_to_collect(school, relay: Relay):
    mail_on(school, relay.port)
    give_carers_email(school)
    receipt = school.confiscate(0)
    safeguarding.flag_safeguarding(school.ctx(), receipt.custody_id, concern="x", acknowledged=True)
    safeguarding.clear_hold(school.ctx(school.signed_in("PS")), receipt.custody_id, reason="no concern found")
    send_now(school, relay.sender())
    ready = [r for r in relay.received if "ready to collect" in r.message["Subject"]]
    assert [r.rcpt_tos for r in ready] == [["dana.1@family.example"]]
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
    assert code == 0 and "failed" in out and "550 5.1.1 No such user here" in out and "dana.1@family.example" in out
    relay.handler.rcpt_answer = None
    code, out, _ = school.cli("outbox", "--retry", str(line.id))
    assert code == 0 and "queued again" in out
    assert send_now(school, relay.sender()).sent == 1 and len(relay.received) == 1
    code, out, _ = school.cli("outbox", "--retry", str(line.id))
    assert code == 1 and "is sent" in out


ROOT = Path(__file__).resolve().parent.parent


def _kiosk_toml(school, relay: Relay) -> None:
    """The settings a real `kiosk` process reads: kiosk.toml in the config folder (the test's own)."""
    folder = Path(os.environ["KIOSK_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kiosk.toml").write_text(
        'school_name = "Hillcrest Academy"\ndesk = "Reception 1"\nmail_via = "smtp"\n'
        'mail_from = "office@hillcrest.example"\nsmtp_host = "127.0.0.1"\n'
        f'smtp_port = {relay.port}\nsmtp_security = "starttls"\nsmtp_username = "{USER}"\n'
        f'smtp_ca_file = "{relay.cert}"\nsmtp_timeout_seconds = 10\n', encoding="utf-8")


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
