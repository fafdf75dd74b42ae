"""Commands that change staff, roles, the roster or what is kept are signed for by an admin with their own PIN,
and the trail names that admin; tried as someone with a shell on the office PC but no admin PIN would try them."""

from __future__ import annotations

import json

import pytest

from kiosk.auth import SignInRefused, sign_in
from kiosk.db import Event, Pupil, Staff
from tests.conftest import ADMIN_PIN, AS_ADMIN, DSL_PIN, OFFICE_PIN, TEACHER_PIN


def admin_id() -> int:
    return Staff.get(Staff.initials == "SO").id


def last(action: str) -> Event:
    return Event.select().where(Event.action == action).order_by(Event.seq.desc()).first()


def roster(tmp_path, school):
    path = tmp_path / "pupils.csv"
    path.write_text("Adno,Legal Surname,Legal Forename,Year,Reg\n200001,Quill,Petra,Year 8,8B\n"
                    + "".join(f"{p.mis_id},{p.legal_surname},{p.legal_forename},{p.year},{p.form}\n"
                              for p in school.pupils), encoding="utf-8")
    return str(path)


# The attack as the issue reports it: no admin, a new DSL ---------------------------------------------------------

def test_staff_add_without_an_admin_is_refused_and_adds_nobody(school):
    code, out, err = school.cli("staff", "add", "Eve Intruder", "--initials", "EI", "--role", "dsl", "--pin-stdin",
                                stdin="864213\n864213\n")
    assert code == 1, out
    assert "Only an admin may add a member of staff" in err and "--as" in err and "Traceback" not in err
    assert not Staff.select().where(Staff.initials == "EI").exists()


def test_staff_add_signed_for_by_an_admin_names_the_admin_on_its_event(school):
    code, out, err = school.cli("staff", "add", "Bea Lowe", "--initials", "BL", "--role", "dsl", *AS_ADMIN,
                                stdin=f"{ADMIN_PIN}\n582046\n")
    assert code == 0, err
    assert "Added Bea Lowe (BL, dsl)" in out
    event = last("STAFF_ADDED")
    assert event.staff_id == admin_id() and json.loads(event.payload_json)["initials"] == "BL"
    # The new PIN is the second line: it signs in; the admin's PIN does not.
    assert sign_in(keyring=school.keyring, clock=school.clock, desk="R", who="BL", pin="582046").role == "dsl"


def test_a_member_of_staff_who_is_not_an_admin_cannot_sign_for_it(school):
    code, _, err = school.cli("staff", "add", "Eve Intruder", "--initials", "EI", "--role", "dsl", "--as", "PS",
                              "--pin-stdin", stdin=f"{DSL_PIN}\n582046\n")
    assert code == 1 and "not an admin" in err
    assert not Staff.select().where(Staff.initials == "EI").exists()


def test_a_wrong_admin_pin_counts_toward_the_admins_lockout(school):
    for n in range(1, 5):
        code, _, err = school.cli("staff", "unlock", "AA", "--as", "SO", "--pin-stdin", stdin="582046\n")
        assert code == 1 and "do not match" in err
        assert Staff.get(Staff.initials == "SO").failed_attempts == n
    code, _, err = school.cli("staff", "unlock", "AA", "--as", "SO", "--pin-stdin", stdin="582046\n")
    assert code == 1 and "locked" in err
    # Locked: even the right PIN is refused now, and nothing was unlocked on the way.
    code, _, err = school.cli("staff", "unlock", "AA", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 1 and "locked" in err
    assert not Event.select().where(Event.action == "ACCOUNT_UNLOCKED").exists()


def test_unlock_needs_an_admin_and_names_them(school):
    for _ in range(5):
        with pytest.raises(SignInRefused):
            sign_in(keyring=school.keyring, clock=school.clock, desk="R", who="AA", pin="000000")
    code, _, err = school.cli("staff", "unlock", "aa")
    assert code == 1 and "Only an admin may unlock an account" in err
    assert Staff.get(Staff.initials == "AA").locked_until is not None
    code, out, err = school.cli("staff", "unlock", "aa", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 0, err
    assert Staff.get(Staff.initials == "AA").locked_until is None
    assert last("ACCOUNT_UNLOCKED").staff_id == admin_id()


def test_deactivate_stops_sign_in_and_keeps_the_last_admin(school):
    assert school.cli("staff", "deactivate", "TE")[0] == 1
    code, out, err = school.cli("staff", "deactivate", "te", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 0 and "Tom Ellis (TE) is now inactive" in out, err
    with pytest.raises(SignInRefused):
        sign_in(keyring=school.keyring, clock=school.clock, desk="R", who="TE", pin=TEACHER_PIN)
    assert last("STAFF_DEACTIVATED").staff_id == admin_id()
    _, listing, _ = school.cli("staff", "list")
    assert any(line.startswith("TE") and line.rstrip().endswith("inactive") for line in listing.splitlines())
    # SO is the only admin: making them inactive would leave nobody to sign for staff changes.
    code, _, err = school.cli("staff", "deactivate", "SO", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 1 and "only active admin" in err and Staff.get(Staff.initials == "SO").active


def test_role_change_needs_an_admin_and_is_recorded_from_and_to(school):
    code, _, err = school.cli("staff", "role", "TE", "dsl")
    assert code == 1 and "Only an admin" in err and Staff.get(Staff.initials == "TE").role == "teacher"
    code, out, err = school.cli("staff", "role", "TE", "head_of_year", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 0 and "now head of year" in out, err
    event = last("STAFF_ROLE_CHANGED")
    assert event.staff_id == admin_id()
    payload = json.loads(event.payload_json)
    assert (payload["from"], payload["to"], payload["initials"]) == ("teacher", "head_of_year", "TE")
    code, _, err = school.cli("staff", "role", "SO", "office", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 1 and "only active admin" in err


def test_reset_pin_takes_the_admins_pin_first_then_the_new_one(school):
    code, _, err = school.cli("staff", "reset-pin", "AA", "--pin-stdin", stdin="582046\n")
    assert code == 1 and "Only an admin" in err
    code, _, err = school.cli("staff", "reset-pin", "AA", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n121212\n")
    assert code == 1 and "repeats the same pair" in err
    code, out, err = school.cli("staff", "reset-pin", "AA", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n582046\n")
    assert code == 0, err
    assert sign_in(keyring=school.keyring, clock=school.clock, desk="R", who="AA", pin="582046").initials == "AA"
    with pytest.raises(SignInRefused):
        sign_in(keyring=school.keyring, clock=school.clock, desk="R", who="AA", pin=OFFICE_PIN)
    event = last("STAFF_PIN_RESET")
    assert event.staff_id == admin_id() and "582046" not in (event.payload_json or "")


def test_import_roster_needs_an_admin_unless_it_is_a_dry_run(school, tmp_path):
    pupils = roster(tmp_path, school)
    code, out, err = school.cli("import-roster", pupils, "--dry-run")
    assert code == 0 and "Dry run" in out, err
    code, _, err = school.cli("import-roster", pupils)
    assert code == 1 and "Only an admin may import the roster" in err and Pupil.select().count() == 6
    code, _, err = school.cli("import-roster", pupils, *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 0 and Pupil.select().count() == 7, err
    assert last("ROSTER_IMPORTED").staff_id == admin_id()


def test_purge_needs_an_admin_unless_it_is_a_dry_run_and_names_them(school):
    assert school.cli("purge", "--dry-run")[0] == 0
    code, _, err = school.cli("purge")
    assert code == 1 and "Only an admin may erase records" in err
    assert not Event.select().where(Event.action == "PURGED").exists()
    code, _, err = school.cli("purge", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 0, err
    assert last("PURGED").staff_id == admin_id()


def test_init_makes_the_first_admin_only_while_there_is_no_active_admin(school):
    code, _, err = school.cli("init", "--admin-name", "Eve Intruder", "--initials", "EI", "--pin-stdin",
                              stdin="582046\n")
    assert code == 1 and "already has an admin" in err
    assert not Staff.select().where(Staff.initials == "EI").exists()


def test_init_never_makes_an_admin_for_a_school_whose_admins_were_made_inactive_in_sql(school):
    """With the office PC's account, the admins can be switched off in SQL; `kiosk init` must not then hand the
    school to whoever did it (they would add a DSL and read the notes)."""
    Staff.update(active=False).where(Staff.initials == "SO").execute()
    code, _, err = school.cli("init", "--admin-name", "Eve Intruder", "--initials", "EI", "--pin-stdin",
                              stdin="582046\n")
    assert code == 1 and "changed outside the kiosk" in err, err
    assert not Staff.select().where(Staff.initials == "EI").exists()
    school.key_path.rename(school.key_path.with_suffix(".aside"))
    code, _, err = school.cli("init", "--admin-name", "Eve Intruder", "--initials", "EI", "--pin-stdin",
                              stdin="582046\n")
    assert code == 1 and "key file" in err and "missing" in err
    assert not school.key_path.exists() and not Staff.select().where(Staff.initials == "EI").exists()


def test_admin_changes_keep_the_trail_verifying_and_never_seal_an_edit_made_in_sql(school):
    from kiosk.audit import verify

    assert school.cli("staff", "role", "TE", "head_of_year", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")[0] == 0
    assert school.cli("staff", "reset-pin", "AA", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n582046\n")[0] == 0
    assert school.cli("staff", "deactivate", "HG", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")[0] == 0
    report = verify(school.keyring.audit_key, witness=None)
    assert report.ok, report.problems
    # A role set in SQL, then an admin's change to the same record: refused, so the edit is never sealed as theirs.
    Staff.update(role="dsl").where(Staff.initials == "TE").execute()
    code, _, err = school.cli("staff", "role", "TE", "office", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 1 and "changed outside the kiosk" in err, err
    code, _, err = school.cli("staff", "unlock", "TE", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 1 and "changed outside the kiosk" in err, err
    assert Staff.get(Staff.initials == "TE").role == "dsl"
    assert not verify(school.keyring.audit_key, witness=None).ok, "the edit is still named by verify"
