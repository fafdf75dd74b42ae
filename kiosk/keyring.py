"""The secret key file kept outside the database: PIN pepper and audit-chain key are derived from it.

Someone who can edit the database but not read this file can neither test PINs offline nor re-sign
the audit chain. Desks sharing one PostgreSQL database share one copy of this file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from kiosk.platform import private_folder


class KeyFileError(Exception):
    """The key file is missing, unreadable or too open; the message says what to do."""


@dataclass(frozen=True)
class Keyring:
    secret: bytes

    def _derive(self, purpose: str) -> bytes:
        return hmac.new(self.secret, purpose.encode(), hashlib.sha256).digest()

    @property
    def pin_pepper(self) -> bytes:
        return self._derive("pin-pepper")

    @property
    def audit_key(self) -> bytes:
        return self._derive("audit-chain")

    @property
    def notes_key(self) -> bytes:
        """AES-256-GCM key for safeguarding text at rest (kiosk/privacy/at_rest.py): a copied database or
        backup without the key file does not reveal the notes."""
        return self._derive("safeguarding-text-at-rest")

    @property
    def fingerprint(self) -> str:
        """What the database records of this key (never the key): a wrong key file is refused before it writes."""
        return self._derive("fingerprint").hex()


# The key file this process loaded or made last: one school a process. Read models a screen calls without a context
# (a carer's court-order notes on the release screen, kiosk/privacy/at_rest.py `readable`) decrypt with it.
_in_use: Keyring | None = None


def _using(keyring: Keyring) -> Keyring:
    global _in_use
    _in_use = keyring
    return keyring


def keyring_in_use() -> Keyring | None:
    """The key file this process loaded or made last (None: none yet, e.g. a database opened without its key)."""
    return _in_use


def create_key_file(path: Path) -> Keyring:
    """Create a new key file with mode 0600; never overwrite one (that would orphan every PIN and the chain)."""
    private_folder(path.parent)
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret.hex() + "\n")
    return _using(Keyring(secret))


def load_key_file(path: Path) -> Keyring:
    if not path.exists():
        raise KeyFileError(
            f"The kiosk key file {path} is missing. Restore it from your backup "
            "(without it PINs and the audit trail cannot be checked), or run 'kiosk init' for a new school."
        )
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise KeyFileError(f"The kiosk key file {path} is readable by other users. Fix it with: chmod 600 {path}")
    try:
        secret = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"The kiosk key file {path} cannot be read ({exc}). Restore it from your backup.") from exc
    if len(secret) < 16:
        raise KeyFileError(f"The kiosk key file {path} is damaged (too short). Restore it from your backup.")
    return _using(Keyring(secret))


def load_or_create_key_file(path: Path) -> Keyring:
    return load_key_file(path) if path.exists() else create_key_file(path)
