"""The relay's password: from KIOSK_SMTP_PASSWORD, or a file beside the key that only this account may read."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.errors import DeskError
from kiosk.platform import looser_than_private

PASSWORD_ENV = "KIOSK_SMTP_PASSWORD"
PASSWORD_FILE = "smtp.password"


def password_file(key_file: Path) -> Path:
    return key_file.with_name(PASSWORD_FILE)


def smtp_password(key_file: Path) -> str | None:
    """The password, or None when neither place has one. A file others can read is refused, as the key is:
    a password anyone on the PC can read is a password the school no longer controls."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    path = password_file(key_file)
    if not path.exists():
        return None
    if looser_than_private(path):
        raise DeskError(f"{path} can be read by other accounts on this PC: make it private (chmod 600 {path}), "
                        "then try again.")
    return path.read_text(encoding="utf-8").strip() or None
