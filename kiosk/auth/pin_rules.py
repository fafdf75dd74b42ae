"""Which PINs are too easy to guess: a PIN is refused, with the reason, when it is on the list of common PINs or
follows a pattern people pick.

Why a blocklist rather than length alone: NIST SP 800-63B §5.1.1.2 (memorized secrets) says a verifier compares a
new secret against "values known to be commonly-used, expected, or compromised", naming "repetitive or sequential
characters (e.g. 'aaaaaa', '1234abcd')" among them, and tells the person why it was refused. Which 6-digit PINs
people actually choose: Markert et al., "This PIN Can Be Easily Guessed" (IEEE S&P 2020), whose most common
6-digit PINs are repeats, runs, repeated pairs and triples, keypad shapes and dates; COMMON_PINS is a short list in
that spirit (the patterns below catch far more than any list)."""

from __future__ import annotations

from datetime import date

# The most common 6-digit PINs that the patterns below do not already catch: keypad shapes (columns, diagonals,
# rows read backwards on a phone keypad) and other favourites. Kept small on purpose: the patterns do the work.
COMMON_PINS = frozenset({
    "147258", "258369", "369258", "147369", "159357", "159753", "753951", "357159", "789456", "456123",
    "963852", "852963", "741852", "852741", "963741", "147852", "258456", "456789", "987456", "321654",
    "123654", "654123", "102030", "010203", "100200", "101010", "202020", "121314", "696969", "520520",
    "521521", "131313", "000001", "111222", "112211", "110110", "123789", "789123", "102938", "142536",
    "159951", "357951", "246802", "135791", "147741", "258852", "369963", "000007", "007007", "131420",
})


def pin_weakness(pin: str) -> str | None:
    """Why this PIN is too easy to guess, in words for the person choosing it; None when it is not."""
    if len(set(pin)) == 1:
        return "it is one digit repeated"
    if _is_run(pin):
        return "it is a run of digits, up or down (like 123456 or 987654)"
    for size, words in ((2, "pair of digits (like 121212)"), (3, "three digits (like 123123)")):
        if len(pin) % size == 0 and len(pin) > size and pin == pin[:size] * (len(pin) // size):
            return f"it repeats the same {words}"
    if len(pin) % 2 == 0 and all(pin[i] == pin[i + 1] for i in range(0, len(pin), 2)):
        return "it is digits doubled (like 112233)"
    if len(pin) >= 6 and pin == pin[::-1]:
        return "it reads the same backwards (like 123321)"
    if len(pin) >= 6 and pin[len(pin) // 2:] == pin[:len(pin) // 2]:
        return "its second half repeats the first"
    if pin in COMMON_PINS:
        return "it is one of the PINs people choose most often"
    if _looks_like_a_date(pin):
        return "it looks like a date (a birthday is easy to find out)"
    return None


def _is_run(pin: str) -> bool:
    """Each digit one more (or one less) than the one before, going round from 9 to 0 (890123, 210987)."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    return steps in ({1}, {9})


def _looks_like_a_date(pin: str) -> bool:
    """A birthday as people type it: day month year (UK) or month day year (US), with a 2- or 4-digit year, or
    year month day with a 4-digit year."""
    if len(pin) == 6:
        shapes = [(pin[0:2], pin[2:4], "20" + pin[4:6]), (pin[2:4], pin[0:2], "20" + pin[4:6])]
    elif len(pin) == 8:
        shapes = [(pin[0:2], pin[2:4], pin[4:8]), (pin[2:4], pin[0:2], pin[4:8]), (pin[6:8], pin[4:6], pin[0:4])]
    else:
        return False
    for day, month, year in shapes:
        try:
            date(int(year), int(month), int(day))  # a 2-digit year is tried as 20YY: the leap day needs a year
        except ValueError:
            continue
        if len(pin) == 6 or 1900 <= int(year) <= 2099:
            return True
    return False
