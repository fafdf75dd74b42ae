"""Migrations from every older schema version, on a database the older kiosk really wrote."""

from __future__ import annotations

import shutil
from pathlib import Path

from kiosk.audit import verify
from kiosk.db import Custody, Pupil, open_database
from kiosk.db.migrations import LATEST, current_version
from kiosk.keyring import load_key_file

DATA = Path(__file__).parent / "data"


def old_copy(tmp_path: Path, version: int) -> tuple[Path, Path]:
    db = tmp_path / f"kiosk-v{version}.db"
    key = tmp_path / f"kiosk-v{version}.key"
    shutil.copy(DATA / f"kiosk-v{version}.db", db)
    shutil.copy(DATA / f"kiosk-v{version}.key", key)
    key.chmod(0o600)
    return db, key


def test_a_version_1_database_migrates_to_the_latest_and_keeps_its_records_and_chain(tmp_path):
    path, key = old_copy(tmp_path, 1)
    db = open_database(str(path))
    assert current_version(db) == LATEST
    columns = {c.name for c in db.get_columns("custody")}
    assert {"reason_category", "held_until", "details_json", "exam_incident"} <= columns
    assert {"search", "dsl_note"} <= set(db.get_tables())
    assert Pupil.select().count() == 6 and Custody.select().count() == 6
    assert Custody.select().where(Custody.state == "UNCOLLECTED").count() == 5
    assert verify(load_key_file(key).audit_key).ok
    # Migrating an up-to-date database again changes nothing.
    db.close()
    db = open_database(str(path))
    assert current_version(db) == LATEST
