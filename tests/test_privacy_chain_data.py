"""The personal data issue 16 added, on the data-protection side: carers' court-order and access notes encrypted at
rest (schema 12, also when a schema-9 database is upgraded, its carers still verifying); a purge that removes a
record's phone particulars (IMEI), its examinations, its messages' words and addresses, and a leaver's carers, so that
none of it can be read in the raw bytes of the SQLite file afterwards, while `kiosk audit verify` still passes.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from kiosk.audit import append_event, verify
from kiosk.audit import rows as sealing
from kiosk.custody import DeskContext
from kiosk.custody.confiscation import confiscate
from kiosk.custody.examinations import Authorisation as ExaminationAuthorisation
from kiosk.custody.examinations import record_examination
from kiosk.custody.phone import PhoneParticulars
from kiosk.custody.queries import carers_on_roster
from kiosk.custody.release import release_to_carer
from kiosk.db import Carer, DslNote, Event, Pupil, Setting
from kiosk.db.migrations import LATEST, current_version
from kiosk.db.models import Examination, OutboxMessage, database_proxy
from kiosk.keyring import load_key_file
from kiosk.mail.outbox import Trail, claim, record_accepted
from kiosk.privacy.at_rest import ERASED
from kiosk.privacy.retention import purge
from kiosk.storage import open_for_desk
from tests.carers_support import ARBOR, COURT_NOTE, import_contacts
from tests.conftest import CLI_ADMIN, DSL_PIN, HEAD_PIN, seal_fixture_rows
from tests.mail_support import mail_on
from tests.test_migrations import old_copy

IMEI = "490154203237518"
DAMAGE = "Kestrel-crack across the top left corner"
EXAMINER = "Mr Osprey-Examiner"
LOOKED_AT = "Heron-thread in the messages app"
COURT_WORDS = (b"Family Court", b"ext 204")


def _raw_bytes(path) -> bytes:
    """What a copy of the database holds: the file and, in WAL mode, what has not yet been checkpointed."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _father(s) -> Carer:
    return Carer.get((Carer.pupil == s.pupils[0].id) & (Carer.name == "Mr Evan Hall"))


# ── court-order and access notes at rest ──────────────────────────────────────────────────────────────────────


def test_access_notes_from_the_mis_are_not_in_the_database_file_yet_the_release_desk_reads_them(school, tmp_path):
    s = school
    import_contacts(s, tmp_path, ARBOR)
    raw = _raw_bytes(s.path)
    for words in COURT_WORDS:
        assert words not in raw, f"{words!r} is in the database file in clear"
    assert _father(s).access_notes.startswith("enc1:")
    father = next(c for c in carers_on_roster(pupil_id=s.pupils[0].id) if c.name == "Mr Evan Hall")
    assert father.access_notes == COURT_NOTE and father.must_not_collect
    assert verify(s.keyring.audit_key).ok, verify(s.keyring.audit_key).problems


def test_a_schema_9_database_with_notes_in_clear_is_encrypted_on_upgrade_and_its_carers_still_verify(school, tmp_path):
    s = school
    import_contacts(s, tmp_path, ARBOR)
    father = _father(s)
    # As a schema-9 kiosk left it: the note in clear, the carer sealed over it and the seal recorded by an event.
    Carer.update(access_notes=COURT_NOTE).where(Carer.id == father.id).execute()
    token = sealing.reseal(s.keyring.audit_key, Carer, father.id)
    append_event(key=s.keyring.audit_key, at=s.clock.now(), desk="Reception 1", action="ROSTER_IMPORTED",
                 payload={}, rows=[token])
    Setting.update(value="9").where(Setting.key == "schema_version").execute()
    assert verify(s.keyring.audit_key).ok
    assert COURT_WORDS[0] in _raw_bytes(s.path)  # the test starts where the bug is
    database_proxy.obj.close()

    db = open_for_desk(s.url, witness=None, keyring=s.keyring, desk="Reception 1")
    assert current_version(db) == LATEST >= 12
    assert _father(s).access_notes.startswith("enc1:")
    report = verify(s.keyring.audit_key)
    assert report.ok, report.problems
    assert Event.select().where(Event.action == "TEXT_ENCRYPTED_AT_REST").count() == 1
    for words in COURT_WORDS:
        assert words not in _raw_bytes(s.path), f"{words!r} is still in the file after the upgrade"
    listed = next(c for c in carers_on_roster(pupil_id=s.pupils[0].id) if c.name == "Mr Evan Hall")
    assert listed.access_notes == COURT_NOTE


@pytest.mark.parametrize("version", [3, 4])
def test_a_database_an_older_kiosk_wrote_upgrades_past_12_and_verifies(tmp_path, version):
    """v3: a DSL note in clear and no row seals yet (encrypted, then sealed once with the rest); v4: sealed rows."""
    path, key_path = old_copy(tmp_path, version)
    keyring = load_key_file(key_path)
    db = open_for_desk(str(path), witness=None, keyring=keyring, desk="Reception 1")
    assert current_version(db) == LATEST >= 12
    assert all(n.text.startswith("enc1:") for n in DslNote.select())
    report = verify(keyring.audit_key)
    assert report.ok, report.problems


def test_a_note_put_in_clear_by_hand_is_encrypted_at_the_next_open_but_never_resealed(school, tmp_path):
    s = school
    import_contacts(s, tmp_path, ARBOR)
    Carer.update(access_notes="no restrictions").where(Carer.id == _father(s).id).execute()  # someone with SQL
    database_proxy.obj.close()
    open_for_desk(s.url, witness=None, keyring=s.keyring, desk="Reception 1")
    assert _father(s).access_notes.startswith("enc1:")
    problems = verify(s.keyring.audit_key).problems
    assert any("carer" in p and "changed outside the kiosk" in p for p in problems), problems


# ── a purge leaves nothing of it in the file ──────────────────────────────────────────────────────────────────


def _a_year_2022_record_with_everything(s, tmp_path) -> int:
    """Zoë's phone confiscated in 2022 with its particulars, examined, its carers told by email, released by the DSL
    to her father against the MIS's "must not collect" (the note copied onto the record); then she left."""
    mail_on(s)
    import_contacts(s, tmp_path, ARBOR)
    s.clock.set(datetime(2022, 9, 12, 9, 0, tzinfo=UTC))
    taken = confiscate(s.ctx(), s.scanned(0), confiscated_by_name="Mr T. Ellis", reason_category="used in lesson",
                       location="Room 4", condition=["in a case"], seal_number="OLD-9",
                       phone=PhoneParticulars(make="Samsung", model="Galaxy A15", imei=IMEI, damage=DAMAGE))
    record_examination(s.ctx(s.signed_in("PS")), custody_id=taken.custody_id, examined_by_name=EXAMINER,
                       authorisation=ExaminationAuthorisation("HG", HEAD_PIN), reason="threats reported",
                       looked_at=LOOKED_AT,
                       erased=False, erased_what="", dsl_told=True, parent_told=True)
    for message in OutboxMessage.select().where(OutboxMessage.custody == taken.custody_id):  # as the worker sends
        claim(message_id=message.id, now=s.clock.now())
        record_accepted(message_id=message.id, now=s.clock.now(), answer="250 2.0.0 Ok: queued as 7F3A", by="smtp",
                        audit=Trail(key=s.keyring.audit_key, desk="Reception 1"))
    s.after_school()
    release_to_carer(s.ctx(s.signed_in("PS")), taken.custody_id, pin=DSL_PIN, id_seen="passport",
                     carer_id=_father(s).id, must_not_collect_acknowledged=True)
    Pupil.update(active=False, left_on=date(2023, 7, 20)).where(Pupil.id == s.pupils[0].id).execute()
    seal_fixture_rows(s.keyring)  # resealed, as the roster import that marks her as left reseals her
    s.clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    return taken.custody_id


def test_a_purged_pupils_imei_access_note_examination_and_messages_are_gone_from_the_file(school, tmp_path):
    s = school
    custody_id = _a_year_2022_record_with_everything(s, tmp_path)
    secrets = (IMEI.encode(), DAMAGE.split("-")[0].encode(), EXAMINER.encode(), b"evan.hall@example.org",
               b"dana.hall@example.org", b"07700 900102")
    before = _raw_bytes(s.path)
    assert all(secret in before for secret in secrets), [x for x in secrets if x not in before]
    # The release to the barred father copied the note the DSL read onto the record and its event: encrypted too.
    assert not [words for words in COURT_WORDS if words in before], "a copy of the court order is in clear"
    assert OutboxMessage.select().where(OutboxMessage.custody == custody_id).count() >= 2

    settings = replace(s.settings, retain_confiscation_years=0, retain_leaver_years=0)
    report = purge(DeskContext(s.keyring, s.clock, settings, CLI_ADMIN), dry_run=False)

    after = _raw_bytes(s.path)
    left = [secret for secret in (*secrets, *COURT_WORDS) if secret in after]
    assert left == [], f"still readable in the database file after the purge: {left}"
    assert report.removed["confiscation records"] == 1 and report.removed["leavers' names and contacts"] == 1
    assert report.removed["examinations of a phone's data"] == 1
    assert report.removed["messages to carers and staff"] >= 2
    assert Examination.select().count() == 0 and not Carer.select().where(Carer.pupil == s.pupils[0].id).exists()
    message = OutboxMessage.get(OutboxMessage.custody == custody_id)
    assert (message.recipient, message.body, message.mobile) == ("", ERASED, None)
    report = verify(s.keyring.audit_key)
    assert report.ok, report.problems
    purged = Event.select().where(Event.action == "PURGED").order_by(Event.seq.desc()).get()
    assert json.loads(purged.payload_json)["removed"]["examinations of a phone's data"] == 1
