"""Issue 16, behaviour-module habits: a head of year has a year group (sealed with their staff row), sees and acts for
that year group only, and is told at sign-in of a pupil's 2nd and 3rd confiscation this term."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kiosk.audit import verify
from kiosk.auth import add_staff, sign_in
from kiosk.auth.staff import SignInRefused, StaffError
from kiosk.db import Event, Staff
from kiosk.errors import NotPermitted
from kiosk.screens.pupil import look_up, read_page
from tests.conftest import ADMIN_PIN, AS_ADMIN, OFFICE_PIN

HOY_PIN = "370461"


def head_of_year(school, year: int | None = 9, initials: str = "NE"):
    """Nia Evans, head of year `year`, signed in at the desk."""
    add_staff(keyring=school.keyring, clock=school.clock, desk="Reception 1", name="Nia Evans", initials=initials,
              role="head_of_year", pin=HOY_PIN, year_group=year)
    return sign_in(keyring=school.keyring, clock=school.clock, desk="Reception 1", who=initials, pin=HOY_PIN)


def attacker_sql(school, sql: str, *params) -> None:
    connection = sqlite3.connect(school.path)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


# ── the year group: set at the command line, sealed ────────────────────────────────────────────────────────────
def test_staff_add_and_edit_set_a_head_of_years_year_group(school):
    code, out, err = school.cli("staff", "add", "Nia Evans", "--initials", "NE", "--role", "head_of_year",
                                "--year-group", "9", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n{HOY_PIN}\n")
    assert code == 0, err
    assert Staff.get(Staff.initials == "NE").year_group == 9 and "year 9" in out
    code, out, err = school.cli("staff", "edit", "NE", "--year-group", "10", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 0, err
    assert Staff.get(Staff.initials == "NE").year_group == 10 and "acts for year 10 only" in out
    changed = Event.select().where(Event.action == "STAFF_YEAR_GROUP_SET").get()
    assert (json.loads(changed.payload_json)["from"], json.loads(changed.payload_json)["to"]) == (9, 10)
    code, out, _ = school.cli("staff", "list")
    assert any(line.split()[:1] == ["NE"] and line.rstrip().endswith("10") for line in out.splitlines()), out
    code, out, err = school.cli("staff", "edit", "NE", "--no-year-group", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code == 0 and Staff.get(Staff.initials == "NE").year_group is None
    assert verify(school.keyring.audit_key).ok
    assert sign_in(keyring=school.keyring, clock=school.clock, desk="D", who="NE", pin=HOY_PIN).year_group is None


def test_a_year_group_is_a_head_of_years_and_one_of_years_1_to_13(school):
    code, out, err = school.cli("staff", "edit", "TE", "--year-group", "9", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert code != 0 and "Only a head of year has a year group" in out + err
    with pytest.raises(StaffError, match="Year group 14 is not a year group"):
        head_of_year(school, year=14)


def test_audit_verify_catches_a_year_group_edited_by_hand_and_the_account_no_longer_signs_in(school):
    head_of_year(school, year=9)
    assert verify(school.keyring.audit_key).ok
    attacker_sql(school, "UPDATE staff SET year_group = 7 WHERE initials = 'NE'")
    problems = verify(school.keyring.audit_key).problems
    assert any(p.startswith("staff record NE (Nia Evans) was changed outside the kiosk") for p in problems), problems
    with pytest.raises(SignInRefused, match="changed outside the kiosk"):
        sign_in(keyring=school.keyring, clock=school.clock, desk="D", who="NE", pin=HOY_PIN)


def test_a_year_group_cleared_by_hand_is_caught_too(school):
    head_of_year(school, year=9)
    attacker_sql(school, "UPDATE staff SET year_group = NULL WHERE initials = 'NE'")  # to see the whole school
    assert any("staff record NE (Nia Evans) was changed outside the kiosk" in p
               for p in verify(school.keyring.audit_key).problems)


def test_staff_sealed_before_the_year_group_column_still_verify(school):
    """Rows sealed without the column (every fixture account, as a school's staff were before schema 7) verify
    with the column there and NULL."""
    assert Staff.select().where(Staff.year_group.is_null()).count() == 5
    assert verify(school.keyring.audit_key).ok


# ── acting for their own year group only ──────────────────────────────────────────────────────────────────────
def test_a_head_of_year_is_refused_a_confiscation_in_another_year_with_a_clear_message(school):
    nia = head_of_year(school, year=9)
    ruby = 4  # Ruby Mitchell, year 7
    with pytest.raises(NotPermitted, match="Nia Evans is head of year 9: Ruby Mitchell is in year 7"):
        school.confiscate(ruby, who=nia)
    refused = Event.select().where(Event.action == "REFUSED").order_by(Event.seq.desc()).get()
    assert json.loads(refused.payload_json)["year_group"] == 9 and refused.pupil_id == school.pupils[ruby].id
    assert school.confiscate(0, who=nia).pupil.name == "Zoë Hall"  # year 9: theirs


def test_a_head_of_year_without_a_year_group_acts_for_the_whole_school(school):
    anyone = head_of_year(school, year=None)
    assert school.confiscate(4, who=anyone).pupil.name == "Ruby Mitchell"


def test_a_head_of_year_finds_and_reads_their_own_years_pupils_only(school):
    nia = head_of_year(school, year=9)
    assert [p.name for p in look_up("7C", nia).pupils] == []
    assert "you see your own year group only" in (look_up("7C", nia).problem or "")
    assert [p.name for p in look_up("9C", nia).pupils] == ["Zoë Hall", "Łukasz Nowakowski"]
    assert look_up("Mitchell", nia).problem == ("Nia Evans is head of year 9: Ruby Mitchell is in year 7. Ask the "
                                                "office or that pupil's head of year.")
    assert [p.name for p in look_up("7C", school.office).pupils] == ["Ruby Mitchell", "Aoife Ó Súilleabháin"]
    with pytest.raises(NotPermitted, match="Ruby Mitchell is in year 7"):
        read_page(school.ctx(nia), school.pupils[4].id, dsl=False)
    assert read_page(school.ctx(nia), school.pupils[0].id, dsl=False).page is not None


# ── told of a 2nd or 3rd confiscation this term ───────────────────────────────────────────────────────────────
def release_after_school(school, receipt):
    """Pupil's phone collected by a parent after school, so the next confiscation is a new one."""
    from kiosk.custody.queries import carers_to_contact
    from kiosk.custody.release import release_to_carer

    school.after_school()
    carer = carers_to_contact(pupil_id=receipt.pupil.id)[0]
    release_to_carer(school.ctx(), receipt.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=carer.id)


def test_the_second_and_third_confiscations_this_term_are_notices_for_the_pupils_head_of_year(school):
    from datetime import UTC, datetime, timedelta

    from kiosk.custody.head_of_year import head_of_year_notices_since, inbox

    nia = head_of_year(school, year=9)
    other = head_of_year(school, year=7, initials="OH")
    start = school.clock.now()
    first = school.confiscate(0)
    release_after_school(school, first)
    school.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    second = school.confiscate(0)
    school.confiscate(4)  # Ruby's 1st (year 7): no notice
    assert [(n.custody_id, n.count_this_term, n.pupil.name) for n in inbox(school.ctx(nia))] == [
        (second.custody_id, 2, "Zoë Hall")]
    assert inbox(school.ctx(other)) == ()
    assert inbox(school.ctx()) == ()  # the office has no inbox
    sent = head_of_year_notices_since(since=start, settings=school.settings)
    assert [(s.notice.custody_id, s.heads_of_year) for s in sent] == [(second.custody_id, (nia.staff_id,))]
    assert head_of_year_notices_since(since=school.clock.now() + timedelta(seconds=1), settings=school.settings) == ()


async def test_a_head_of_year_signing_in_after_a_2nd_confiscation_sees_it_and_marks_it_read(school):
    from datetime import UTC, datetime

    from kiosk.screens.desk import DeskScreen
    from kiosk.screens.head_of_year_inbox import HeadOfYearInbox
    from tests.tui_helpers import keep_shot, kiosk_app, settle, shown, signed_in

    head_of_year(school, year=9)
    first = school.confiscate(0)
    release_after_school(school, first)
    school.clock.set(datetime(2026, 12, 1, 10, 5, tzinfo=UTC))
    second = school.confiscate(0, reason="used on site")
    async with signed_in(kiosk_app(school), "NE", HOY_PIN, size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, HeadOfYearInbox)
        keep_shot(pilot.app, "head-of-year-inbox")
        text = shown(pilot.app)
        assert "Year 9: a repeat confiscation this term" in text
        assert "Zoë Hall · 9C · 2nd confiscation this term · 10:05 · used on site" in text
        await pilot.press("enter")  # Mark read
        await settle(pilot)
        assert isinstance(pilot.app.screen, DeskScreen)
    read = Event.select().where(Event.action == "NOTICES_READ").get()
    assert json.loads(read.payload_json)["custody_ids"] == [second.custody_id]
    async with signed_in(kiosk_app(school), "NE", HOY_PIN, size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, DeskScreen), "read: not shown again at the next sign-in"


def test_a_schema_4_database_gains_the_year_group_and_its_staff_still_verify_and_sign_in(school):
    """A database from before schema 7 (its staff sealed without the column): migrated at the next open."""
    from kiosk.db import open_database
    from kiosk.db.migrations import LATEST, current_version
    from tests.conftest import OFFICE_PIN

    database = Staff._meta.database
    database.close()
    connection = sqlite3.connect(school.path)
    connection.execute("ALTER TABLE staff DROP COLUMN year_group")
    connection.execute("UPDATE setting SET value = '4' WHERE key = 'schema_version'")
    connection.commit()
    connection.close()
    db = open_database(school.url)
    assert current_version(db) == LATEST and "year_group" in {c.name for c in db.get_columns("staff")}
    assert verify(school.keyring.audit_key).ok
    assert sign_in(keyring=school.keyring, clock=school.clock, desk="D", who="AA", pin=OFFICE_PIN).year_group is None
    head_of_year(school, year=11)
    assert verify(school.keyring.audit_key).ok


def test_a_staff_seal_without_a_year_group_is_the_seal_a_kiosk_before_schema_7_wrote(school):
    """What keeps a school's staff signing in after the upgrade: the seal of a row whose year group is NULL is
    computed over the columns an older kiosk's Staff had, so the seals it wrote still verify."""
    from kiosk.audit import rows

    class StaffBeforeSchema7:  # the staff table as an older kiosk's model saw it: no year_group column
        class _meta:  # noqa: N801 (peewee's name)
            table_name = "staff"
            sorted_fields = [f for f in Staff._meta.sorted_fields if f.name != "year_group"]

    for member in Staff.select():
        values = {f.column_name: member.__data__.get(f.name) for f in StaffBeforeSchema7._meta.sorted_fields}
        assert member.seal == rows.seal_values(school.keyring.audit_key, StaffBeforeSchema7, member.id, values)


async def test_the_confiscate_form_refuses_a_head_of_year_another_years_pupil_before_the_form(school):
    from tests.tui_helpers import kiosk_app, message, open_confiscation, signed_in

    head_of_year(school, year=9)
    async with signed_in(kiosk_app(school), "NE", HOY_PIN) as pilot:
        screen = await open_confiscation(pilot, school, school.pupils[4])  # Ruby, year 7
        assert message(pilot.app) == ("✖ Nia Evans is head of year 9: Ruby Mitchell is in year 7. Ask the office or "
                                      "that pupil's head of year.")
        assert screen.found is None and not screen.query_one("#form").display
        screen = await open_confiscation(pilot, school, school.pupils[0])  # Zoë, year 9: theirs
        assert screen.found is not None and screen.query_one("#form").display
