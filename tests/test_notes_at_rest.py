"""Safeguarding text at rest: someone with a copy of the database or a backup, and not the key file, reads none of it.

Notes and search records are written through the real flows; the raw bytes of the SQLite file (and its WAL) and of
a backup are searched for the words; the DSL still reads them; a ciphertext moved to another row does not read.
"""

from __future__ import annotations

import pytest

from kiosk.custody.safeguarding import add_dsl_note, clear_hold, flag_safeguarding, read_dsl_notes
from kiosk.custody.searches import record_search
from kiosk.db import DslNote, Search
from kiosk.db.backup import backup_sqlite
from kiosk.db.models import database_proxy
from kiosk.keyring import Keyring
from kiosk.privacy import at_rest
from kiosk.privacy.subject_access import subject_access
from kiosk.storage import open_for_desk
from tests.conftest import CLI_ADMIN

CONCERN = "Zebra-concern: pupil says an older boy sent images"
LATER_NOTE = "Quokka-note: spoke to mother by phone"
CLEARED = "Walrus-reason: police say no further action"
GROUNDS = "Narwhal-grounds: reported filming in the changing room"
FOUND = "Pangolin-found: three videos of other pupils"
SECRETS = (CONCERN, LATER_NOTE, CLEARED, GROUNDS, FOUND)


def _write_through_the_flows(s) -> int:
    receipt = s.confiscate(0)
    flag_safeguarding(s.ctx(), receipt.custody_id, concern=CONCERN, acknowledged=True, kind="risk_of_harm")
    dsl = s.ctx(s.signed_in("PS"))
    add_dsl_note(dsl, receipt.custody_id, LATER_NOTE)
    clear_hold(dsl, receipt.custody_id, reason=CLEARED)
    record_search(s.ctx(), pupil_id=s.pupils[0].id, searched_by_name="Mrs Adams", authorised_by_name="Head",
                  grounds=GROUNDS, found=FOUND, dsl_informed=True, parent_informed=False,
                  custody_id=receipt.custody_id)
    return receipt.custody_id


def _raw_bytes(path) -> bytes:
    """What a copy of the database holds: the file and, in WAL mode, what has not yet been checkpointed."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_notes_and_search_text_are_absent_from_the_database_file_and_a_backup_yet_the_dsl_reads_them(school,
                                                                                                    tmp_path):
    s = school
    custody_id = _write_through_the_flows(s)
    raw = _raw_bytes(s.path)
    backup = backup_sqlite(database_proxy.obj, tmp_path / "backup.db").path.read_bytes()
    for secret in SECRETS:
        word = secret.split(":")[0].encode()
        assert word not in raw, f"{secret!r} is in the database file in clear"
        assert word not in backup, f"{secret!r} is in the backup in clear"
    stored = [n.text for n in DslNote.select()]
    assert stored and all(t.startswith("enc1:") for t in stored), stored

    notes = read_dsl_notes(s.ctx(s.signed_in("PS")), custody_id)
    assert [n.text for n in notes] == [CONCERN, LATER_NOTE, f"Hold cleared: {CLEARED}"]
    export = subject_access(s.ctx(CLI_ADMIN), s.pupils[0].mis_id)
    assert [(x["grounds"], x["found"]) for x in export["searches"]] == [(GROUNDS, FOUND)]


def test_a_note_copied_onto_another_row_cannot_be_read_there(any_school):
    s = any_school
    first = s.confiscate(0)
    second = s.confiscate(1, seal="BAG-0002")
    flag_safeguarding(s.ctx(), first.custody_id, concern=CONCERN, acknowledged=True, kind="risk_of_harm")
    flag_safeguarding(s.ctx(), second.custody_id, concern="an ordinary worry", acknowledged=True, kind="risk_of_harm")
    moved = DslNote.get(DslNote.custody == first.custody_id).text
    DslNote.update(text=moved).where(DslNote.custody == second.custody_id).execute()  # someone with the database

    dsl = s.ctx(s.signed_in("PS"))
    assert [n.text for n in read_dsl_notes(dsl, second.custody_id)] == [
        "This note cannot be read (moved or damaged)."]
    assert [n.text for n in read_dsl_notes(dsl, first.custody_id)] == [CONCERN], "the original still reads"
    note = DslNote.get(DslNote.custody == second.custody_id)
    with pytest.raises(at_rest.NoteUnreadable, match=r"cannot be read \(moved or damaged\)"):
        at_rest.decrypt(s.keyring.notes_key, note.text, table="dsl_note", column="text", row_id=note.id)
    # Nor does another school's key file read the right row.
    original = DslNote.get(DslNote.custody == first.custody_id)
    with pytest.raises(at_rest.NoteUnreadable):
        at_rest.decrypt(Keyring(b"another school's key file!!!!!!!").notes_key, original.text, table="dsl_note",
                        column="text", row_id=original.id)


def test_notes_an_older_kiosk_left_in_clear_are_encrypted_when_the_database_is_opened_with_its_key(any_school):
    s = any_school
    receipt = s.confiscate(0)
    flag_safeguarding(s.ctx(), receipt.custody_id, concern=CONCERN, acknowledged=True, kind="risk_of_harm")
    note = DslNote.get()
    # As an older kiosk wrote them: in clear.
    DslNote.update(text=LATER_NOTE).where(DslNote.id == note.id).execute()
    Search.create(pupil=s.pupils[0].id, at=s.clock.now(), desk="Reception 1", searched_by_name="Mrs Adams",
                  authorised_by_name="Head", grounds=GROUNDS, found=FOUND)
    database_proxy.obj.close()

    open_for_desk(s.url, witness=None, keyring=s.keyring)
    assert DslNote.get_by_id(note.id).text.startswith("enc1:")
    search = Search.get()
    assert search.grounds.startswith("enc1:") and search.found.startswith("enc1:")
    assert [n.text for n in read_dsl_notes(s.ctx(s.signed_in("PS")), receipt.custody_id)] == [LATER_NOTE]
    assert at_rest.read(s.keyring.notes_key, search, "found") == FOUND
    assert not at_rest.clear_text_left()
