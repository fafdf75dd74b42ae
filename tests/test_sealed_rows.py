"""Rows a decision rests on are sealed (issue 15): an edit made in the database by hand, as someone with write access
to it but not the key file would make it, is refused where it matters and named by `kiosk audit verify`."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.audit import verify
from kiosk.auth import sign_in
from kiosk.auth.staff import SignInRefused
from tests.conftest import HEAD_PIN, TEACHER_PIN

CHANGED = "This staff record was changed outside the kiosk"


def attacker_sql(school, sql: str, *params) -> None:
    """Run `sql` on the school's database file from outside the kiosk (its own connection, no key)."""
    connection = sqlite3.connect(school.path)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


def _sign_in(school, who: str, pin: str):
    return sign_in(keyring=school.keyring, clock=school.clock, desk="Reception 1", who=who, pin=pin)


def _problems(school) -> list[str]:
    report = verify(school.keyring.audit_key)
    return report.problems


# ---- (b) staff records ----------------------------------------------------------------------------------------


def test_a_pin_hash_copied_to_the_heads_account_does_not_sign_in_and_verify_names_it(school):
    assert verify(school.keyring.audit_key).ok
    attacker_sql(school, "UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE initials = 'TE') "
                         "WHERE initials = 'HG'")
    with pytest.raises(SignInRefused, match=CHANGED):
        _sign_in(school, "HG", TEACHER_PIN)  # today: the teacher's PIN signs in as the head
    problems = _problems(school)
    assert any(p.startswith("staff record HG (Hugh Grant-Ellis) was changed outside the kiosk") for p in problems)
    assert any("HG (Hugh Grant-Ellis) has the same PIN hash as TE" for p in problems), problems


def test_a_role_set_to_dsl_in_sql_is_refused_at_sign_in_and_verify_names_it(school):
    attacker_sql(school, "UPDATE staff SET role = 'dsl' WHERE initials = 'TE'")
    with pytest.raises(SignInRefused, match=CHANGED):
        _sign_in(school, "TE", TEACHER_PIN)  # today: the teacher signs in as a DSL and reads the notes
    problems = _problems(school)
    assert any("staff record TE (Tom Ellis): the role is dsl but the kiosk recorded teacher" in p for p in problems)


def test_the_whole_row_of_another_account_copied_over_does_not_verify(school):
    """A seal binds the row's id: the teacher's row, seal and all, copied onto the head's does not sign in."""
    attacker_sql(school, "UPDATE staff SET (pin_hash, seal) = (SELECT pin_hash, seal FROM staff WHERE initials = "
                         "'TE') WHERE initials = 'HG'")
    with pytest.raises(SignInRefused, match=CHANGED):
        _sign_in(school, "HG", TEACHER_PIN)


def test_an_untouched_account_still_signs_in_and_failures_and_unlocks_stay_sealed(school):
    for _ in range(5):
        with pytest.raises(SignInRefused):
            _sign_in(school, "HG", "000111")
    from kiosk.auth import unlock_staff

    unlock_staff(keyring=school.keyring, clock=school.clock, desk="Reception 1", initials="HG")
    assert _sign_in(school, "HG", HEAD_PIN).role == "head"
    assert verify(school.keyring.audit_key).ok


def test_a_staff_record_put_back_to_an_earlier_sealed_version_is_caught(school):
    """Keeping an old copy of the row (seal included) and putting it back after the kiosk changed it."""
    reader = sqlite3.connect(school.path)
    old = reader.execute("SELECT failed_attempts, seal FROM staff WHERE initials = 'HG'").fetchone()
    reader.close()
    with pytest.raises(SignInRefused):
        _sign_in(school, "HG", "000111")  # one failure: the kiosk reseals the row and records it
    attacker_sql(school, "UPDATE staff SET failed_attempts = ?, seal = ? WHERE initials = 'HG'", *old)
    problems = _problems(school)
    assert any("staff record HG (Hugh Grant-Ellis) was put back to an earlier version outside the kiosk" in p
               for p in problems), problems
