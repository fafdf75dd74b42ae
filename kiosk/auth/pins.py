"""PIN hashing: scrypt with a per-PIN salt and a pepper from the key file (never stored in the database)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from kiosk.auth.pin_rules import pin_weakness
from kiosk.errors import DeskError

MIN_PIN_LENGTH = 6
_N, _R, _P = 2**14, 8, 1  # ~40 ms on an office PC: cheap at the desk, slow for a stolen database


class WeakPin(DeskError):
    """A PIN too short or too easy to guess."""


def check_pin_rules(pin: str) -> None:
    """Every PIN set (a new member of staff, a reset, a change) passes here: long enough, and not on the list of
    common and patterned PINs (kiosk/auth/pin_rules.py)."""
    if not pin.isdigit() or len(pin) < MIN_PIN_LENGTH:
        raise WeakPin(f"A PIN must be at least {MIN_PIN_LENGTH} digits.")
    weakness = pin_weakness(pin)
    if weakness is not None:
        raise WeakPin(f"That PIN is too easy to guess: {weakness}. Choose another.")


def hash_pin(pin: str, pepper: bytes) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt + pepper, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str, pepper: bytes) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex) + pepper, n=int(n), r=int(r), p=int(p),
                            dklen=len(digest_hex) // 2)
    return hmac.compare_digest(digest.hex(), digest_hex)


# A stored PIN hash that no PIN matches (its digest is random), with the same cost as a real one.
_NOBODYS_HASH = f"scrypt${_N}${_R}${_P}${secrets.token_hex(16)}${secrets.token_hex(32)}"


def check_against_nobody(pin: str, pepper: bytes) -> None:
    """The work of checking a PIN, for initials nobody has: refused as slowly as a wrong PIN, so the time taken
    does not tell someone trying initials which belong to a member of staff."""
    pin_matches(pin, _NOBODYS_HASH, pepper)
