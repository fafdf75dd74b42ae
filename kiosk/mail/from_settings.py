"""The sender kiosk.toml describes (today SMTP; a Microsoft Graph sender would be chosen here too)."""

from __future__ import annotations

import ssl
from pathlib import Path

from kiosk.config import Settings
from kiosk.errors import DeskError
from kiosk.mail.secret import smtp_password
from kiosk.mail.senders import Sender, SmtpSender, SmtpSettings


def sender_from_settings(settings: Settings, *, key_file: Path) -> Sender:
    if not settings.smtp_host.strip():
        raise DeskError("No mail relay is set: put smtp_host (and smtp_port, smtp_security) in kiosk.toml.")
    password = smtp_password(key_file) if settings.smtp_username else None
    if settings.smtp_username and password is None:
        raise DeskError("smtp_username is set but there is no password: set KIOSK_SMTP_PASSWORD, or put it in "
                        f"{key_file.with_name('smtp.password')} (private to this account, mode 0600).")
    context = None
    if settings.smtp_ca_file.strip():
        try:
            context = ssl.create_default_context(cafile=settings.smtp_ca_file.strip())
        except (OSError, ssl.SSLError) as exc:
            raise DeskError(f"smtp_ca_file {settings.smtp_ca_file!r} could not be read as certificates: {exc}") from exc
    return SmtpSender(SmtpSettings(host=settings.smtp_host.strip(), port=settings.smtp_port,
                                   security=settings.smtp_security, username=settings.smtp_username,
                                   password=password, timeout=settings.smtp_timeout_seconds, tls_context=context))
