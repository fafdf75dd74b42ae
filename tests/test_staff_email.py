"""Issue 18: staff have an email address (schema 10), set by an admin at the command line, sealed with the staff row
and recorded like any other admin change; a database from before it still verifies after the upgrade."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kiosk.audit import verify
from kiosk.auth.admin import set_email
from kiosk.db import Event, Staff
from kiosk.mail.addresses import NotAnAddress, checked_address
from tests.conftest import ADMIN_PIN, AS_ADMIN, CLI_ADMIN


def _attacker_sql(school, sql: str, *params) -> None:
    connection = sqlite3.connect(school.path)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


def test_an_admin_sets_and_clears_a_staff_email_at_the_command_line_and_it_is_sealed_and_recorded(school):
    code, out, err = school.cli("staff", "edit", "PS", "--email", "p.shah@hillcrest.example", *AS_ADMIN,
                                stdin=f"{ADMIN_PIN}\n")
    assert code == 0, out + err
    assert "Priya Shah (PS) is now emailed at p.shah@hillcrest.example" in out
    assert Staff.get(Staff.initials == "PS").email == "p.shah@hillcrest.example"
    event = Event.select().where(Event.action == "STAFF_EMAIL_SET").get()
    payload = json.loads(event.payload_json)
    assert (payload["from"], payload["to"], payload["by"]) == (None, "p.shah@hillcrest.example", "SO")
    code, out, _ = school.cli("staff", "list")
    assert any(line.split()[:1] == ["PS"] and line.rstrip().endswith("p.shah@hillcrest.example")
               for line in out.splitlines()), out
    assert verify(school.keyring.audit_key).ok
    code, out, err = school.cli("staff", "edit", "PS", "--no-email", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 0 and Staff.get(Staff.initials == "PS").email is None, out + err
    assert verify(school.keyring.audit_key).ok


def test_staff_add_takes_an_email_and_a_bad_address_is_refused_before_any_pin_is_asked(school):
    code, out, err = school.cli("staff", "add", "Nia Evans", "--initials", "NE", "--role", "head_of_year",
                                "--year-group", "9", "--email", "n.evans@hillcrest.example", *AS_ADMIN,
                                stdin=f"{ADMIN_PIN}\n370461\n")
    assert code == 0, out + err
    assert Staff.get(Staff.initials == "NE").email == "n.evans@hillcrest.example"
    for bad in ("n.evans", "a@b.example, c@d.example", "Nia <n@x.example>", "n@x.example\r\nBcc: y@z.example"):
        code, out, err = school.cli("staff", "edit", "NE", "--email", bad, *AS_ADMIN, stdin="")
        assert code != 0 and "is not an email address" in out + err, bad
    assert Staff.get(Staff.initials == "NE").email == "n.evans@hillcrest.example"
    code, out, err = school.cli("staff", "edit", "NE", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code != 0 and "Say what to change" in out + err


def test_an_address_is_one_plain_address():
    assert checked_address("  head.y9@hillcrest.example ") == "head.y9@hillcrest.example"
    for bad in ("", "x@", "@x.example", "x@x", "x y@x.example", "x@x..example", "x@x.example;y@y.example"):
        with pytest.raises(NotAnAddress):
            checked_address(bad)


def test_a_staff_email_changed_by_hand_is_named_by_audit_verify(school):
    """The address decides who is told about pupils: an edit outside the kiosk (to send a year's notices elsewhere)
    is caught like an edit of a role."""
    set_email(keyring=school.keyring, clock=school.clock, by=CLI_ADMIN, initials="PS",
              email="p.shah@hillcrest.example")
    assert verify(school.keyring.audit_key).ok
    _attacker_sql(school, "UPDATE staff SET email = 'someone@elsewhere.example' WHERE initials = 'PS'")
    problems = verify(school.keyring.audit_key).problems
    assert any(p.startswith("staff record PS (Priya Shah) was changed outside the kiosk") for p in problems), problems
    # Nor may an address be added by hand to a row sealed without one.
    _attacker_sql(school, "UPDATE staff SET email = 'someone@elsewhere.example' WHERE initials = 'HG'")
    problems = verify(school.keyring.audit_key).problems
    assert any(p.startswith("staff record HG (Hugh Grant-Ellis) was changed outside the kiosk") for p in problems)


def test_a_schema_9_database_gains_staff_email_and_its_staff_still_verify(school):
    """A database from before schema 10 (its staff sealed without the column): migrated at the next open."""
    from kiosk.db import open_database
    from kiosk.db.migrations import LATEST, current_version

    Staff._meta.database.close()
    connection = sqlite3.connect(school.path)
    connection.execute("ALTER TABLE staff DROP COLUMN email")
    connection.execute("UPDATE setting SET value = '9' WHERE key = 'schema_version'")
    connection.commit()
    connection.close()
    db = open_database(school.url)
    assert current_version(db) == LATEST and "email" in {c.name for c in db.get_columns("staff")}
    assert verify(school.keyring.audit_key).ok
    assert Staff.select().where(Staff.email.is_null(False)).count() == 0
    set_email(keyring=school.keyring, clock=school.clock, by=CLI_ADMIN, initials="PS",
              email="p.shah@hillcrest.example")
    assert verify(school.keyring.audit_key).ok
