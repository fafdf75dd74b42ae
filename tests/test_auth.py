"""Staff sign-in: PINs hashed with a pepper, lockout per account across desks, every attempt audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.auth import SignInRefused, StaffError, WeakPin, add_staff, sign_in, unlock_staff
from kiosk.auth.pins import hash_pin, pin_matches
from kiosk.db import Event, Staff
from kiosk.keyring import KeyFileError, create_key_file, load_key_file
from tests.conftest import OFFICE_PIN


def attempt(s, pin, desk="Reception 1", who="AA"):
    return sign_in(keyring=s.keyring, clock=s.clock, desk=desk, who=who, pin=pin)


def test_correct_pin_signs_in_and_is_audited(school):
    who = attempt(school, OFFICE_PIN)
    assert (who.initials, who.role, who.name) == ("AA", "office", "Ann Adams")
    assert Event.select().where(Event.action == "SIGNED_IN").count() == 2  # fixture + this one


def test_initials_are_case_and_space_insensitive(school):
    assert attempt(school, OFFICE_PIN, who=" a a ").initials == "AA"


def test_five_wrong_pins_lock_the_account_for_15_minutes_whichever_desk(school):
    for n in range(4):
        with pytest.raises(SignInRefused, match="tr"):
            attempt(school, "000000" if n % 2 else "111111", desk=f"Desk {n}")
    with pytest.raises(SignInRefused, match="locked"):
        attempt(school, "999999", desk="Student services")
    # Even the right PIN is refused while locked, at any desk.
    with pytest.raises(SignInRefused, match="locked"):
        attempt(school, OFFICE_PIN, desk="Reception 2")
    assert Event.select().where(Event.action == "ACCOUNT_LOCKED").count() == 1
    school.clock.advance(minutes=15, seconds=1)
    assert attempt(school, OFFICE_PIN).initials == "AA"


def test_an_admin_can_unlock_a_locked_account(school):
    for _ in range(5):
        with pytest.raises(SignInRefused):
            attempt(school, "000000")
    unlock_staff(keyring=school.keyring, clock=school.clock, desk="Reception 1", initials="aa")
    assert attempt(school, OFFICE_PIN).initials == "AA"
    assert Event.select().where(Event.action == "ACCOUNT_UNLOCKED").count() == 1


def test_unknown_initials_get_the_same_message_as_a_wrong_pin(school):
    with pytest.raises(SignInRefused) as unknown:
        attempt(school, OFFICE_PIN, who="ZZ")
    with pytest.raises(SignInRefused) as wrong:
        attempt(school, "000000")
    assert str(unknown.value).split(".")[0] == str(wrong.value).split(".")[0]
    assert Event.select().where(Event.action == "SIGN_IN_FAILED").count() == 2


def test_pin_hash_depends_on_the_pepper_from_the_key_file(school):
    stored = Staff.get(Staff.initials == "AA").pin_hash
    assert OFFICE_PIN not in stored and stored.startswith("scrypt$")
    assert pin_matches(OFFICE_PIN, stored, school.keyring.pin_pepper)
    assert not pin_matches(OFFICE_PIN, stored, b"another school's pepper")
    assert hash_pin(OFFICE_PIN, b"p") != hash_pin(OFFICE_PIN, b"p")  # salted


@pytest.mark.parametrize("pin", ["12345", "111111", "123456", "98765432", "12a456"])
def test_weak_pins_are_refused(school, pin):
    with pytest.raises(WeakPin):
        add_staff(keyring=school.keyring, clock=school.clock, desk="R", name="New Person", initials="NP",
                  role="office", pin=pin)


def test_duplicate_initials_and_bad_roles_are_refused(school):
    with pytest.raises(StaffError, match="already"):
        add_staff(keyring=school.keyring, clock=school.clock, desk="R", name="Another A", initials="aa",
                  role="office", pin="582046")
    with pytest.raises(StaffError, match="Role"):
        add_staff(keyring=school.keyring, clock=school.clock, desk="R", name="B", initials="BB",
                  role="caretaker", pin="582046")


def test_badge_scan_signs_in(school):
    add_staff(keyring=school.keyring, clock=school.clock, desk="R", name="Bea Lowe", initials="BL", role="dsl",
              pin="582046", badge_code="STAFF-0042")
    assert attempt(school, "582046", who="STAFF-0042").initials == "BL"


def test_key_file_is_private_and_never_overwritten(tmp_path):
    path = tmp_path / "k.key"
    ring = create_key_file(path)
    assert (path.stat().st_mode & 0o777) == 0o600
    assert load_key_file(path) == ring
    with pytest.raises(FileExistsError):
        create_key_file(path)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_key_file(path)
    with pytest.raises(KeyFileError, match="missing"):
        load_key_file(tmp_path / "absent.key")


def test_lockout_window_is_measured_on_the_account(school):
    for _ in range(5):
        with pytest.raises(SignInRefused):
            attempt(school, "000000")
    locked_until = Staff.get(Staff.initials == "AA").locked_until
    assert locked_until - school.clock.now().replace(tzinfo=None) == timedelta(minutes=15)
