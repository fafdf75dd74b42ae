"""A real SMTP server for the outbox tests: aiosmtpd on a loopback port, with STARTTLS (or implicit TLS) on a
certificate made for the test, and a login; it keeps what it accepted and can be told to answer otherwise."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.audit import rows as sealing
from kiosk.db import Carer
from kiosk.documents.attachments import attachment_for
from kiosk.mail.senders import SmtpSender, SmtpSettings
from kiosk.mail.worker import Round, send_due
from tests.helpers import free_port

USER, PASSWORD = "kiosk@hillcrest.example", "correct horse battery staple"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "relay.pem", folder / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None
    tls: bool

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    """What the relay does with a message: accept it (kept in `received`) or answer `answer` instead. `on_data`
    runs once the message is in, before the server answers (the kill test stops the kiosk there)."""

    received: list[Received] = field(default_factory=list)
    answer: str | None = None
    rcpt_answer: str | None = None
    on_data: Callable[[], None] | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.answer:
            return self.answer
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        # TLS as the connection has it: aiosmtpd's session.ssl is set by STARTTLS only, not for implicit TLS.
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                      or envelope.content, login, tls))
        if self.on_data is not None:
            self.on_data()
        return "250 2.0.0 Ok: queued as TEST"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
          and auth_data.password.decode() == PASSWORD)
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


@dataclass
class Relay:
    """The school's relay, as the test runs it."""

    controller: Controller
    handler: Handler
    port: int
    cert: Path
    implicit_tls: bool

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def sender(self, *, password: str = PASSWORD, username: str = USER) -> SmtpSender:
        return SmtpSender(SmtpSettings(host="127.0.0.1", port=self.port,
                                       security="tls" if self.implicit_tls else "starttls", username=username,
                                       password=password, timeout=5.0, tls_context=self.client_context()))

    def stop(self) -> None:
        self.controller.stop()


def start_relay(folder: Path, *, implicit_tls: bool = False, port: int | None = None, smtputf8: bool = True) -> Relay:
    """A real relay on loopback; `smtputf8`: whether it takes international addresses (most do; some do not)."""
    cert, key = make_certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    handler = Handler()
    port = port or free_port()
    if implicit_tls:
        # aiosmtpd counts only STARTTLS as TLS for its login rule; here the whole connection is TLS from the start.
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context,
                                authenticator=_authenticator, auth_required=True, auth_require_tls=False,
                                enable_SMTPUTF8=smtputf8)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=True, authenticator=_authenticator, auth_required=True,
                                auth_require_tls=True, enable_SMTPUTF8=smtputf8)
    controller.start()
    return Relay(controller, handler, port, cert, implicit_tls)


def mail_on(school, relay_port: int = 0, **more):  # type: ignore[no-untyped-def]
    """The school's settings with mail on (smtp through the test relay), the notice sent without delay."""
    values = dict(mail_via="smtp", mail_from="office@hillcrest.example", school_phone="01632 960000",
                  mail_dsl_address="dsl@hillcrest.example", mail_parent_delay_minutes=0, smtp_host="127.0.0.1",
                  smtp_port=relay_port)
    school.settings = replace(school.settings, **(values | more))
    return school.settings


def give_carers_email(school, index: int = 0) -> list[Carer]:  # type: ignore[no-untyped-def]
    """Pupil `index`'s carers with email addresses (fictional: example domains), resealed as an import would."""
    carers = list(Carer.select().where(Carer.pupil == school.pupils[index].id).order_by(Carer.priority))
    for carer in carers:
        carer.email = f"{carer.name.split()[-1].lower()}.{carer.priority}@family.example"
        carer.save()
    sealing.reseal_many(school.keyring.audit_key, Carer, [c.id for c in carers])
    return carers


def send_now(school, sender, **kwargs) -> Round:  # type: ignore[no-untyped-def]
    return send_due(sender=sender, clock=school.clock, settings=school.settings, render_attachment=attachment_for,
                    audit_key=school.keyring.audit_key, **kwargs)


def attached_text(data: bytes, folder: Path) -> str:
    """The words of an attached PDF, as pdftotext lays them out."""
    import subprocess

    path = folder / "attached.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
