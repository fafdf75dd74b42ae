"""Tag codes: a prefix, six Crockford base-32 characters and a Luhn mod-32 check character.

Eight characters, letters and digits only, so the code survives every keyboard layout a wedge scanner
may be set to (a UK PC with a scanner set to US English turns '#' into '£' and '"' into '@'). The check
character catches every single-character misread and almost every swap of neighbours.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
PREFIX = "K"
BODY_LENGTH = 6
CODE_LENGTH = len(PREFIX) + BODY_LENGTH + 1

# Letters a person or a scanner may put in place of Crockford's digits and letters.
CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_character(body: str) -> str:
    """Luhn mod N over the Crockford alphabet (N = 32)."""
    n = len(ALPHABET)
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def is_valid(code: str) -> bool:
    return (
        len(code) == CODE_LENGTH
        and code.startswith(PREFIX)
        and all(c in ALPHABET for c in code)
        and check_character(code[:-1]) == code[-1]
    )


def new_code() -> str:
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
        # At least two unambiguous digits, so a typed name ("Kimberly") can never be taken for a tag.
        if sum(c in "23456789" for c in body) >= 2:
            return PREFIX + body + check_character(PREFIX + body)


def grouped(code: str) -> str:
    """The human-readable form printed on labels: K7XQ-2M4P (the hyphen is ignored when typed back)."""
    return f"{code[:4]}-{code[4:]}"
