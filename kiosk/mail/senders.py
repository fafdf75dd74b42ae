"""Senders: how a composed email leaves the kiosk. The outbox knows only `Sender`; SMTP is one back end, and
Microsoft Graph (OAuth2, for tenants where SMTP login is switched off) can be a second without touching it."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from kiosk.mail.errors import MailNotSent


class Session(Protocol):
    def send(self, mail: EmailMessage) -> str:
        """Hand one email to the server; returns its acceptance in its own words, or raises MailNotSent."""
        ...


class Sender(Protocol):
    name: str

    def session(self) -> AbstractContextManager[Session]:
        """Connected (and logged in) for a round of sends. Raises MailNotSent if it cannot."""
        ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls | tls | none
    username: str = ""
    password: str | None = None
    timeout: float = 30.0
    # The school's relay has a certificate from a public authority; a test's own server passes its own context.
    tls_context: ssl.SSLContext | None = None


def _answer(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {words}".strip()


class _SmtpSession:
    def __init__(self, client: _RecordingSMTP | _RecordingSMTPSSL) -> None:
        self.client = client

    def send(self, mail: EmailMessage) -> str:
        self.client._kiosk_last_reply = None
        try:
            refused = self.client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise MailNotSent("The mail server refused the address.", answer=_answer(code, text),
                              permanent=code >= 500) from exc
        except smtplib.SMTPNotSupportedError as exc:  # an international address, a relay without SMTPUTF8
            raise MailNotSent("The mail server does not take international addresses (SMTPUTF8): ask the carer for "
                              "another address, or the relay's administrator to turn SMTPUTF8 on.",
                              answer="not sent: the mail server does not take international addresses (SMTPUTF8)",
                              permanent=True) from exc
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, 421 closing…
            raise MailNotSent("The mail server did not take the message.",
                              answer=_answer(exc.smtp_code, exc.smtp_error), permanent=exc.smtp_code >= 500,
                              connection_lost=exc.smtp_code == 421) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailNotSent("The connection to the mail server was lost.", answer=f"connection lost: {exc}",
                              connection_lost=True) from exc
        if refused:
            code, text = next(iter(refused.values()))
            raise MailNotSent("The mail server refused the address.", answer=_answer(code, text),
                              permanent=code >= 500)
        # smtplib keeps the reply to the end of DATA: the server's acceptance ("250 2.0.0 Ok: queued as …").
        return self.client._kiosk_last_reply or "250 accepted"


class _RecordingSMTP(smtplib.SMTP):
    """smtplib.SMTP that keeps the server's reply to the message's data, its acceptance in its own words."""

    _kiosk_last_reply: str | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        code, text = super().data(msg)
        self._kiosk_last_reply = _answer(code, text)
        return code, text


class _RecordingSMTPSSL(smtplib.SMTP_SSL):
    _kiosk_last_reply: str | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        code, text = super().data(msg)
        self._kiosk_last_reply = _answer(code, text)
        return code, text


class SmtpSender:
    """SMTP with STARTTLS (587), implicit TLS (465) or neither (a relay on the school's own network), with an
    optional login: Microsoft 365's SMTP relay or connector, Google Workspace's relay, the LA's relay."""

    name = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def _connect(self) -> _RecordingSMTP | _RecordingSMTPSSL:
        s = self.settings
        context = s.tls_context or ssl.create_default_context()
        if s.security == "tls":
            return _RecordingSMTPSSL(s.host, s.port, timeout=s.timeout, context=context)
        client = _RecordingSMTP(s.host, s.port, timeout=s.timeout)
        if s.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        return client

    @contextmanager
    def session(self) -> Iterator[Session]:
        s = self.settings
        try:
            client = self._connect()
        except smtplib.SMTPResponseException as exc:
            raise MailNotSent(f"The mail server {s.host}:{s.port} turned the kiosk away.",
                              answer=_answer(exc.smtp_code, exc.smtp_error), connection_lost=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailNotSent(f"The mail server {s.host}:{s.port} could not be reached.",
                              answer=f"cannot connect to {s.host}:{s.port}: {exc}", connection_lost=True) from exc
        try:
            if s.username:
                try:
                    client.login(s.username, s.password or "")
                except smtplib.SMTPAuthenticationError as exc:
                    raise MailNotSent("The mail server refused the kiosk's login: check smtp_username and the "
                                      "password.", answer=_answer(exc.smtp_code, exc.smtp_error),
                                      connection_lost=True) from exc
                except (smtplib.SMTPException, OSError) as exc:
                    raise MailNotSent("The mail server did not accept a login.", answer=f"login failed: {exc}",
                                      connection_lost=True) from exc
            yield _SmtpSession(client)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
