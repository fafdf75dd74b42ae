"""PINs people guess first are refused when a PIN is set, with the reason; unknown initials take as long to refuse
as a wrong PIN, so the time taken does not say whose initials exist."""

from __future__ import annotations

import time

import pytest

from kiosk.auth import SignInRefused, WeakPin, add_staff, sign_in
from kiosk.auth.admin import reset_pin
from kiosk.auth.pin_rules import pin_weakness
from kiosk.db import Staff
from tests.conftest import ADMIN_PIN, AS_ADMIN, DSL_PIN, HEAD_PIN, OFFICE_PIN, OTHER_STAFF, TEACHER_PIN

# The 15 common PINs, every one accepted before: repeats, runs, pairs, triples, doubles, keypad shapes.
COMMON = ["123123", "121212", "112233", "123456", "654321", "111111", "000000", "666666", "789456", "159753",
          "123321", "147258", "258369", "987654", "101010"]


@pytest.mark.parametrize("pin", COMMON)
def test_the_common_pins_are_refused_when_a_member_of_staff_is_added(school, pin):
    with pytest.raises(WeakPin, match="too easy to guess: ") as refused:
        add_staff(keyring=school.keyring, clock=school.clock, desk="R", name="New Person", initials="NP",
                  role="office", pin=pin)
    assert "Choose another" in str(refused.value)
    assert not Staff.select().where(Staff.initials == "NP").exists()


@pytest.mark.parametrize(("pin", "why"), [
    ("777777", "one digit repeated"), ("345678", "run of digits"), ("890123", "run of digits"),
    ("543210", "run of digits"), ("454545", "same pair"), ("906906", "same three"), ("778899", "doubled"),
    ("385583", "backwards"), ("25122015", "date"), ("250399", "date"), ("122599", "date"),
    ("19990325", "date"), ("159357", "most often"),
])
def test_the_reason_is_named(pin, why):
    assert why in (pin_weakness(pin) or "")


@pytest.mark.parametrize("pin", [OFFICE_PIN, ADMIN_PIN, DSL_PIN, HEAD_PIN, TEACHER_PIN, "582046", "370461",
                                 "246810", "135790"])
def test_the_pins_the_tests_and_the_demo_use_are_not_on_the_list(pin):
    assert pin_weakness(pin) is None


def test_the_demo_and_fixture_staff_pins_pass_the_rules():
    from kiosk.demo import DEMO_STAFF

    for *_who, pin in [*DEMO_STAFF, *OTHER_STAFF]:
        assert pin_weakness(pin) is None, pin


def test_a_reset_pin_is_checked_too(school):
    with pytest.raises(WeakPin, match="same three digits"):
        reset_pin(keyring=school.keyring, clock=school.clock, by=school.signed_in("SO"), initials="AA", pin="123123")


def test_the_command_line_says_why_a_pin_is_refused(school):
    code, _, err = school.cli("staff", "add", "New Person", "--initials", "NP", "--role", "office", *AS_ADMIN,
                              stdin=f"{ADMIN_PIN}\n112233\n")
    assert code == 1 and "digits doubled (like 112233)" in err


def test_unknown_initials_take_as_long_to_refuse_as_a_wrong_pin(school):
    """Compared to each other, not to a budget: before, unknown initials were refused in ~2 ms and a known
    member of staff's wrong PIN in ~57 ms (the scrypt check), which told an attacker whose initials exist."""

    def refusal_time(who: str) -> float:
        start = time.perf_counter()
        with pytest.raises(SignInRefused):
            sign_in(keyring=school.keyring, clock=school.clock, desk="R", who=who, pin="582046")
        return time.perf_counter() - start

    known, unknown = [], []
    for _ in range(4):  # interleaved, so a busy moment on the machine falls on both alike
        known.append(refusal_time("AA"))
        unknown.append(refusal_time("ZQ"))
    known_time, unknown_time = sorted(known)[1], sorted(unknown)[1]  # a low typical value: less noise than the mean
    assert unknown_time >= 0.5 * known_time, (unknown, known)
    assert unknown_time <= 2 * known_time, (unknown, known)
