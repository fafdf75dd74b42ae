"""A queued message as an email: headers, the plain-text body, the paper attached, and a resend made recognisable.

A resend (the kiosk stopped between the server's acceptance and recording it) keeps the first try's Message-ID,
carries `X-Kiosk-Resend: N` and opens its body with a line saying it may repeat an earlier message, so neither the
recipient nor the school's mail log mistakes it for a second, different message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

RESEND_HEADER = "X-Kiosk-Resend"
RESEND_LINE = ("(This message is sent again because the school's kiosk could not confirm it was sent the first time. "
               "If you already have it, you can ignore this copy.)")


@dataclass(frozen=True)
class Attached:
    filename: str
    data: bytes
    mime: str = "application/pdf"


@dataclass(frozen=True)
class Outgoing:
    """What the sender needs of one queued message."""

    message_id: str
    recipient: str
    recipient_name: str
    subject: str
    body: str
    resends: int
    template: str


def _address(name: str, address: str) -> Address:
    """A header address. An international mailbox (a carer's "nguyễn.1@…", as the MIS holds it) is kept as it is:
    smtplib sends it with SMTPUTF8 where the relay offers that (formataddr refuses anything but ASCII)."""
    username, _, domain = address.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def compose(message: Outgoing, *, sender_address: str, sender_name: str, reply_to: str = "",
            attachment: Attached | None = None, date_header: datetime | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = _address(sender_name, sender_address)
    mail["To"] = _address(message.recipient_name, message.recipient)
    if reply_to:
        mail["Reply-To"] = reply_to
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    if date_header is not None:
        mail["Date"] = format_datetime(date_header)
    mail["X-Kiosk-Template"] = message.template
    # An automatic message (RFC 3834): out-of-office replies are not sent back to the office's relay.
    mail["Auto-Submitted"] = "auto-generated"
    body = message.body
    if message.resends:
        mail[RESEND_HEADER] = str(message.resends)
        body = f"{RESEND_LINE}\n\n{body}"
    mail.set_content(body)
    if attachment is not None:
        main, _, sub = attachment.mime.partition("/")
        mail.add_attachment(attachment.data, maintype=main, subtype=sub, filename=attachment.filename)
    return mail
