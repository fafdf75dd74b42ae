"""PIN hashing: scrypt with a per-PIN salt and a pepper from the key file (never stored in the database)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from kiosk.errors import DeskError

MIN_PIN_LENGTH = 6
_N, _R, _P = 2**14, 8, 1  # ~40 ms on an office PC: cheap at the desk, slow for a stolen database


class WeakPin(DeskError):
    """A PIN too short or too easy to guess."""


def check_pin_rules(pin: str) -> None:
    if not pin.isdigit() or len(pin) < MIN_PIN_LENGTH:
        raise WeakPin(f"A PIN must be at least {MIN_PIN_LENGTH} digits.")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise WeakPin("That PIN is too easy to guess (all one digit, or a run like 123456).")


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
