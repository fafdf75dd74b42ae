"""`kiosk report review-pack --send` and `kiosk report summary --send`: the paper written, then sent to the head
(mail_head_address) through the outbox to a real SMTP server (aiosmtpd, tests/mail_support.py), the PDF attached
as written and the message itself counts only; and, when it cannot go, the file written and the reason said."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.db.models import OutboxMessage
from kiosk.mail.outbox import MessageState
from tests.conftest import DSL_PIN
from tests.helpers import free_port, pdf_text
from tests.mail_support import PASSWORD, USER, Relay, make_certificate, start_relay
from tests.review_support import two_school_years

HEAD, CHAIR = "head@hillcrest.example", "chair.governors@hillcrest.example"
# Nothing a message's own words may carry: the seeded pupils' names, the safeguarding hold and the searches.
NEVER_IN_A_BODY = ("Zoë", "Łukasz", "Nowakowski", "Minh", "Nguyễn", "Aoife", "Ruby", "Mitchell", "Leo", "Webb",
                   "Hall", "safeguard", "police", "indecent", "lock screen", "vape", "filming", "KP/0001")


@pytest.fixture
def relay(tmp_path):
    relay = start_relay(tmp_path)
    yield relay
    relay.stop()


def _kiosk_toml(**values: object) -> None:
    """The settings the `kiosk` command reads (kiosk.toml in the test's config folder)."""
    folder = Path(os.environ["KIOSK_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    lines = {"school_name": "Hillcrest Academy", "desk": "Reception 1"} | values
    (folder / "kiosk.toml").write_text("".join(f"{k} = {v!r}\n".replace("'", '"') if isinstance(v, str) else
                                               f"{k} = {v}\n" for k, v in lines.items()), encoding="utf-8")


def _mail_on(relay_port: int, cert: Path | str, head: str = f"{HEAD}, {CHAIR}") -> None:
    _kiosk_toml(mail_via="smtp", mail_from="office@hillcrest.example", mail_head_address=head,
                smtp_host="127.0.0.1", smtp_port=relay_port, smtp_security="starttls", smtp_username=USER,
                smtp_ca_file=str(cert), smtp_timeout_seconds=10)


def _the_pdf(message, folder: Path) -> tuple[str, bytes]:
    """The one attachment of a received message, which must be a PDF: (its file name, its bytes)."""
    parts = list(message.iter_attachments())
    assert len(parts) == 1 and parts[0].get_content_type() == "application/pdf", [p.get_content_type() for p in parts]
    data = parts[0].get_content()
    (folder / "received.pdf").write_bytes(data)
    return parts[0].get_filename(), data


def _body_says_no_more_than_counts(body: str) -> None:
    for word in NEVER_IN_A_BODY:
        assert word.lower() not in body.lower(), f"{word!r} is in the message"
    assert "confidential" in body and "Hillcrest Academy" in body


def test_the_review_pack_reaches_each_head_address_with_the_pack_attached_and_nothing_else(
        school, relay: Relay, monkeypatch, tmp_path):
    years = two_school_years(school)
    _mail_on(relay.port, relay.cert)
    monkeypatch.setenv("KIOSK_SMTP_PASSWORD", PASSWORD)
    out_folder = tmp_path / "papers"
    out_folder.mkdir()
    code, out, err = years.cli("report", "review-pack", "--out", str(out_folder), "--as", "PS", "--send",
                               stdin=DSL_PIN + "\n")
    assert code == 0, (out, err)
    written = out_folder / "review-pack-2026-12-09.pdf"
    assert written.is_file() and f"written to {written}" in out
    assert f"Sent to {HEAD}" in out and f"Sent to {CHAIR}" in out, out
    assert "leaves out its safeguarding section" in out

    # The relay had exactly one message for each address, and nothing else (no other message went in the round).
    assert [r.rcpt_tos for r in relay.received] == [[HEAD], [CHAIR]]
    for received in relay.received:
        message = received.message
        assert received.tls and received.login == USER
        assert message["Subject"] == "Phone policy review pack, school year 2026/27 (Hillcrest Academy)"
        assert message["X-Kiosk-Template"] == "review-pack"
        name, data = _the_pdf(message, tmp_path)
        assert name == written.name and data == written.read_bytes(), "the pack as it was written"
        text = " ".join(pdf_text(tmp_path / "received.pdf").split())
        # No safeguarding detail goes by email, not even counted by kind: the emailed pack leaves that section out
        # (the DSL was told to make the full copy at the kiosk).
        assert "The headteacher's commentary" in text and "indecent image" not in text.lower()
        body = message.get_body(("plain",)).get_content()
        _body_says_no_more_than_counts(body)
        # Counted by hand in tests/review_support.py: 8 hand-ins, 3 confiscations (Zoë twice), Łukasz's in an exam.
        for line in ("Phones handed in: 8", "Phones confiscated: 3", "confiscated twice or more: 1",
                     "Phones found in exams: 1", "next review is due by"):
            assert line in body, line
    assert {row.state for row in OutboxMessage.select()} == {MessageState.SENT.value}


def test_the_weekly_summary_is_sent_to_the_head_with_the_summary_attached(school, relay: Relay, monkeypatch,
                                                                             tmp_path):
    years = two_school_years(school)
    _mail_on(relay.port, relay.cert, head=HEAD)
    monkeypatch.setenv("KIOSK_SMTP_PASSWORD", PASSWORD)
    code, out, err = years.cli("report", "summary", "--period", "week", "--from", "1/12/2026", "--pdf",
                               str(tmp_path), "--send", "--as", "PS", stdin=DSL_PIN + "\n")
    assert code == 0, (out, err)
    written = tmp_path / "summary-week-2026-12-09.pdf"
    assert written.is_file() and f"Sent to {HEAD}" in out, out
    [received] = relay.received
    message = received.message
    assert received.rcpt_tos == [HEAD] and message["X-Kiosk-Template"] == "weekly-summary"
    assert message["Subject"].startswith("Phones summary, week ")
    name, data = _the_pdf(message, tmp_path)
    assert name == written.name and data == written.read_bytes()
    sent_text = " ".join(pdf_text(tmp_path / "received.pdf").split())
    # Made by the DSL, yet emailed without its safeguarding figures: none goes by email.
    assert "Phones report" in sent_text and "For the designated safeguarding lead and the head" not in sent_text
    body = message.get_body(("plain",)).get_content()
    _body_says_no_more_than_counts(body)
    # The week of 30 Nov 2026: 8 handed in, 5 handed back, 1 left overnight, 3 confiscated, 2 released.
    for line in ("Phones handed in: 8", "Phones handed back: 5", "left in the office overnight: 1",
                 "Phones confiscated: 3", "released to parents or carers: 2", "twice or more: 1"):
        assert line in body, line


@pytest.mark.parametrize(("settings", "reason"), [
    ({}, 'not sent: mail is off (mail_via = "off" in kiosk.toml)'),
    ({"mail_via": "smtp", "mail_from": "office@hillcrest.example"},
     "not sent: no head's address (set mail_head_address in kiosk.toml)"),
    ({"mail_via": "smtp", "mail_from": "office@hillcrest.example", "mail_head_address": "head, hillcrest"},
     "not sent: mail_head_address has 'head', 'hillcrest', which is not an email address"),
    ({"mail_via": "export", "mail_from": "office@hillcrest.example", "mail_head_address": HEAD},
     "not sent: messages go by the MIS export"),
], ids=["mail off", "no head's address", "not an address", "export"])
def test_a_paper_that_cannot_be_sent_is_still_written_and_says_why(school, tmp_path, settings, reason):
    _kiosk_toml(**settings)
    path = tmp_path / "pack.pdf"
    code, out, err = school.cli("report", "review-pack", "--out", str(path), "--send")
    assert code == 1, (out, err)
    assert f"written to {path}; {reason}" in out, out
    assert path.is_file() and path.read_bytes().startswith(b"%PDF")
    assert OutboxMessage.select().count() == 0


def test_summary_send_needs_a_pdf_to_send(school):
    code, out, err = school.cli("report", "summary", "--period", "week", "--send")
    assert code != 0 and "--send sends the PDF: add --pdf" in out + err


def test_a_relay_that_is_down_leaves_the_pack_queued_and_the_next_round_delivers_it(school, monkeypatch, tmp_path):
    port = free_port()
    relay_folder = tmp_path / "relay"
    relay_folder.mkdir()
    monkeypatch.setenv("KIOSK_SMTP_PASSWORD", PASSWORD)
    cert, _key = make_certificate(relay_folder)  # a readable certificate, but nothing listens on the port yet
    _mail_on(port, cert, head=HEAD)
    path = tmp_path / "pack.pdf"
    code, out, err = school.cli("report", "review-pack", "--out", str(path), "--send")
    assert code == 0, (out, err)
    assert path.is_file() and f"Queued for {HEAD}, not sent yet" in out, out
    [row] = OutboxMessage.select()
    assert row.state == MessageState.QUEUED.value and row.attempts == 1
    relay = start_relay(relay_folder, port=port)
    try:
        school.clock.advance(minutes=2)  # past the first retry's wait
        code, out, err = school.cli("outbox", "send")
        assert code == 0 and "Sent 1" in out, (out, err)
        [received] = relay.received
        name, data = _the_pdf(received.message, tmp_path)
        assert name == "pack.pdf" and data == path.read_bytes()
    finally:
        relay.stop()
