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


# ---- (c) every row a decision rests on --------------------------------------------------------------------------


def _attack_sql(url: str, sql: str, *params) -> None:
    """`sql` (with ? placeholders) on the database at `url` from outside the kiosk: sqlite3 on the file, psycopg2 on
    the PostgreSQL server."""
    if url.startswith("postgresql://"):
        import psycopg2

        connection = psycopg2.connect(url)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), params)
        finally:
            connection.close()
        return
    connection = sqlite3.connect(url)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


def _held_day(s):
    """A confiscation with a safeguarding hold and DSL notes, a search, an exception and a released phone."""
    from datetime import date

    from kiosk.custody.exceptions import add_exception
    from kiosk.custody.release import release_to_carer
    from kiosk.custody.safeguarding import add_dsl_note, flag_safeguarding
    from kiosk.custody.searches import record_search
    from tests.conftest import OFFICE_PIN

    held = s.confiscate(0, seal="BAG-0001")
    flag_safeguarding(s.ctx(), held.custody_id, concern="worrying messages", acknowledged=True, kind="risk_of_harm")
    add_dsl_note(s.ctx(s.signed_in("PS")), held.custody_id, "spoke to the pupil")
    search = record_search(s.ctx(), pupil_id=s.pupils[1].id, searched_by_name="Mrs A. Adams",
                           authorised_by_name="Mr H. Grant-Ellis (head)", grounds="reported vaping", found="nothing",
                           dsl_informed=False, parent_informed=False)
    exception = add_exception(s.ctx(s.signed_in("SO")), pupil_id=s.pupils[2].id, kind="medical",
                              valid_from=date(2026, 9, 1), valid_to=date(2026, 12, 18), notes="glucose monitor")
    released = s.confiscate(3, seal="BAG-0002")
    from kiosk.custody.queries import carers_to_contact

    carer = carers_to_contact(pupil_id=s.pupils[3].id)[0]
    s.after_school()  # a 1st-rung phone is collected after school without anyone authorising it (issue 16)
    release_to_carer(s.ctx(), released.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=carer.id)
    return dict(held=held.custody_id, search=search.id, exception=exception.id, released=released.custody_id)


EDITS = {
    "a DSL note reworded": ("UPDATE dsl_note SET text = 'nothing to worry about' WHERE custody_id = {held}",
                            "DSL note {note} (pupil 100001) was changed outside the kiosk"),
    "a search's dsl_informed set": ("UPDATE search SET dsl_informed = 1 WHERE id = {search}",
                                    "search record {search} (pupil 100002) was changed outside the kiosk"),
    "an exception extended": ("UPDATE phone_exception SET valid_to = '2027-07-20' WHERE id = {exception}",
                              "exception {exception} (for pupil 100003) was changed outside the kiosk"),
    "a carer added": ("INSERT INTO carer (pupil_id, name, relationship, parental_responsibility, priority, telephone)"
                      " VALUES ({pupil0}, 'Mr Eve Stranger', 'Uncle', 1, 1, '07700900999')",
                      "carer {new_carer} (for pupil 100001) was added outside the kiosk"),
    "a pupil renamed": ("UPDATE pupil SET legal_forename = 'Zara' WHERE id = {pupil0}",
                        "pupil 100001 was changed outside the kiosk"),
    "an admission number changed": ("UPDATE pupil SET mis_id = '199999' WHERE id = {pupil0}",
                                    "pupil 199999 was changed outside the kiosk"),
    "a tag moved to another pupil": ("UPDATE tag SET pupil_id = {pupil5} WHERE pupil_id = {pupil4}",
                                     "(pupil 100006) was changed outside the kiosk"),
    "who collected, in details_json": (
        "UPDATE custody SET details_json = REPLACE(details_json, 'passport', 'known to staff') WHERE id = {released}",
        "custody record {released} (pupil 100004) was changed outside the kiosk"),
    "the hold's note deleted": ("DELETE FROM dsl_note WHERE id = {note}",
                                "DSL note {note} was deleted outside the kiosk"),
    "a payload set to NULL": ("UPDATE event SET payload_json = NULL WHERE action = 'RELEASED'",
                              "its details were erased outside retention"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_verify_names_each_edit_a_decision_rests_on(school, edit):
    from kiosk.db import Carer, DslNote

    s = school
    ids = _held_day(s)
    assert verify(s.keyring.audit_key).ok, verify(s.keyring.audit_key).problems
    ids |= dict(note=DslNote.select().where(DslNote.custody == ids["held"]).order_by(DslNote.id).first().id,
                pupil0=s.pupils[0].id, pupil4=s.pupils[4].id, pupil5=s.pupils[5].id,
                new_carer=Carer.select().order_by(Carer.id.desc()).first().id + 1)
    sql, words = EDITS[edit]
    _attack_sql(str(s.path), sql.format(**ids))
    report = verify(s.keyring.audit_key)
    assert not report.ok  # today: "Audit trail OK"
    assert any(words.format(**ids) in problem for problem in report.problems), report.problems


def test_the_note_written_with_a_hold_is_recorded_by_the_holds_event(school):
    from kiosk.db import DslNote, Event

    s = school
    held = s.confiscate()
    from kiosk.custody.safeguarding import flag_safeguarding

    flag_safeguarding(s.ctx(), held.custody_id, concern="worrying messages", acknowledged=True, kind="risk_of_harm")
    note = DslNote.get(DslNote.custody == held.custody_id)
    hold = Event.select().where(Event.action == "SAFEGUARDING_FLAGGED").get() if Event.select().where(
        Event.action == "SAFEGUARDING_FLAGGED").exists() else Event.select().order_by(Event.seq.desc()).first()
    assert f"dsl_note:{note.id}:{note.seal}" in (hold.row_seals or "")
    assert hold.custody_id == held.custody_id


def test_a_custody_row_put_back_to_an_earlier_version_is_caught(school):
    """The whole row, seal included, kept from before the hand-back and put back after it."""
    from kiosk.custody import hand_back, hand_in

    s = school
    receipt = hand_in(s.ctx(), s.scanned(0))
    reader = sqlite3.connect(s.path)
    columns = [c[1] for c in reader.execute("PRAGMA table_info(custody)")]
    kept = reader.execute("SELECT * FROM custody WHERE id = ?", (receipt.custody_id,)).fetchone()
    reader.close()
    hand_back(s.ctx(), s.scanned(0))
    assignments = ", ".join(f"{c} = ?" for c in columns if c != "id")
    attacker_sql(s, f"UPDATE custody SET {assignments} WHERE id = ?",
                 *[v for c, v in zip(columns, kept, strict=True) if c != "id"], receipt.custody_id)
    problems = _problems(s)
    assert any(f"custody record {receipt.custody_id} (pupil 100001) was put back to an earlier version" in p
               for p in problems), problems


def test_a_carer_added_in_sql_cannot_collect_without_authorisation(school):
    from kiosk.custody.release import release_to_carer
    from kiosk.db import Carer
    from kiosk.errors import Refused
    from tests.conftest import OFFICE_PIN

    s = school
    held = s.confiscate()
    attacker_sql(s, "INSERT INTO carer (pupil_id, name, relationship, parental_responsibility, priority, telephone) "
                    "VALUES (?, 'Mr Eve Stranger', 'Uncle', 1, 1, '07700900999')", s.pupils[0].id)
    stranger = Carer.get(Carer.name == "Mr Eve Stranger")
    with pytest.raises(Refused, match="changed outside the kiosk"):
        release_to_carer(s.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="none", carer_id=stranger.id)


@pytest.mark.postgres
def test_an_edit_on_postgresql_is_named_too(tmp_path, postgres_server):
    from tests.conftest import make_school

    s = make_school(tmp_path, postgres_server.fresh_database())
    ids = _held_day(s)
    assert verify(s.keyring.audit_key).ok
    _attack_sql(s.url, "UPDATE search SET dsl_informed = TRUE WHERE id = ?", ids["search"])
    _attack_sql(s.url, "UPDATE staff SET role = 'dsl' WHERE initials = 'TE'")
    problems = verify(s.keyring.audit_key).problems
    assert any(f"search record {ids['search']} (pupil 100002) was changed outside the kiosk" in p for p in problems)
    assert any("staff record TE (Tom Ellis) was changed outside the kiosk" in p for p in problems), problems


def test_a_database_from_before_row_seals_is_sealed_once_and_later_edits_are_caught(tmp_path):
    from kiosk.db import Event, Pupil
    from kiosk.keyring import load_key_file
    from kiosk.storage import open_for_desk
    from tests.test_migrations import old_copy

    path, key_path = old_copy(tmp_path, 1)
    keyring = load_key_file(key_path)
    open_for_desk(str(path), witness=None, keyring=keyring, desk="Reception 1")
    sealed = Event.select().where(Event.action == "ROWS_SEALED").get()
    assert "pupil:*:" in sealed.row_seals and "custody:*:" in sealed.row_seals
    assert verify(keyring.audit_key).ok
    open_for_desk(str(path), witness=None, keyring=keyring, desk="Reception 1")  # once only
    assert Event.select().where(Event.action == "ROWS_SEALED").count() == 1
    first = Pupil.select().order_by(Pupil.id).first()
    _attack_sql(str(path), "UPDATE pupil SET legal_surname = 'Someone' WHERE id = ?", first.id)
    _attack_sql(str(path), "DELETE FROM tag WHERE id = (SELECT MAX(id) FROM tag)")
    problems = verify(keyring.audit_key).problems
    assert any(f"pupil {first.mis_id} was changed outside the kiosk" in p for p in problems), problems
    assert any("1 tag record(s) sealed at event" in p and "deleted outside the kiosk" in p for p in problems), problems


def test_a_version_3_database_is_sealed_at_its_first_keyed_open_and_edits_after_are_named(tmp_path):
    """tests/data/kiosk-v3.db was written by the kiosk before row seals (schema 3): a school year with a released
    confiscation, a search, a police case with its DSL note, an exception. Opened by a desk with its key it migrates,
    its rows are sealed once (ROWS_SEALED), it verifies, and an edit made afterwards is named."""
    from kiosk.db import DslNote, Event, Search
    from kiosk.db.migrations import LATEST, current_version
    from kiosk.keyring import load_key_file
    from kiosk.storage import open_for_desk
    from tests.test_migrations import old_copy

    path, key_path = old_copy(tmp_path, 3)
    keyring = load_key_file(key_path)
    db = open_for_desk(str(path), witness=None, keyring=keyring, desk="Reception 1")
    assert current_version(db) == LATEST
    assert Event.select().where(Event.action == "ROWS_SEALED").count() == 1
    report = verify(keyring.audit_key)
    assert report.ok, report.problems
    assert report.rows_checked > 30
    note, search = DslNote.select().first(), Search.select().first()
    _attack_sql(str(path), "UPDATE dsl_note SET text = 'no concern' WHERE id = ?", note.id)
    _attack_sql(str(path), "UPDATE search SET dsl_informed = 0 WHERE id = ?", search.id)
    _attack_sql(str(path), "UPDATE staff SET role = 'dsl' WHERE initials = 'TE'")
    problems = verify(keyring.audit_key).problems
    assert any(f"DSL note {note.id} " in p and "changed outside the kiosk" in p for p in problems), problems
    assert any(f"search record {search.id} " in p and "changed outside the kiosk" in p for p in problems)
    assert any("staff record TE (Tom Ellis) was changed outside the kiosk" in p for p in problems)
