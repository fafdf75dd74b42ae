"""Opening the school's database the way a desk does: connected, migrated, and witnessed by this desk's file."""

from __future__ import annotations

import enum
from pathlib import Path

from peewee import Database

from kiosk.audit.keycheck import check_key
from kiosk.audit.rows import seal_existing
from kiosk.audit.witness import attach, school_mark
from kiosk.clock import Clock
from kiosk.config import default_witness_path
from kiosk.db.connection import open_database
from kiosk.keyring import Keyring


class _ThisDesk(enum.Enum):
    WITNESS = "this desk's witness file, as the settings say"


# open_for_desk's default: this desk's witness file as the settings say (kiosk.config.default_witness_path).
THIS_DESKS_WITNESS = _ThisDesk.WITNESS


def open_for_desk(url: str, *, migrate: bool = True, witness: Path | None | _ThisDesk = THIS_DESKS_WITNESS,
                  wait_seconds: float | None = None, keyring: Keyring | None = None,
                  desk: str | None = None, create: bool = True) -> Database:
    """`kiosk.db.open_database`, then give the database its witness file (None: none), to which each committed
    write appends the audit head it left (kiosk/audit/witness.py). `wait_seconds`: see kiosk.db.make_database.
    `keyring`: the school's key, checked against the fingerprint the database records before anything is written
    (kiosk.audit.keycheck.WrongKey); None only where no key file exists yet (`kiosk init` makes it).

    With the key, safeguarding text still in clear (written by a kiosk before notes were encrypted) is encrypted,
    then a database from before row seals has its rows sealed, once: the database layer never holds the key (it
    lives outside the database), so these steps run here rather than among the schema migrations.
    `create=False`: the school's database must already be there (kiosk.db.connection.NoSchool)."""
    db = open_database(url, migrate=migrate, wait_seconds=wait_seconds, create=create)
    if keyring is not None:
        check_key(db, keyring)
        if migrate:
            encrypt_safeguarding_text(db, keyring, desk=desk or "kiosk")
        seal_existing(db, audit_key=keyring.audit_key, at=Clock().now(), desk=desk or "kiosk")
    # The witness names the school by its key, not by anything the database holds (kiosk/audit/witness.py).
    attach(db, default_witness_path() if witness is THIS_DESKS_WITNESS else witness,
           school=school_mark(keyring.audit_key) if keyring is not None else None)
    return db


def encrypt_safeguarding_text(db: Database, keyring: Keyring, *, desk: str = "kiosk") -> int:
    """Encrypt any safeguarding text still in clear, in one transaction; how many values were encrypted. The sealed
    rows it changed are sealed again and recorded by one TEXT_ENCRYPTED_AT_REST event (kiosk/privacy/at_rest.py)."""
    from kiosk.audit import append_event
    from kiosk.db.connection import write_transaction
    from kiosk.privacy.at_rest import clear_text_left, encrypt_clear_text
    from kiosk.privacy.scrub import overwriting

    if not clear_text_left():  # the usual case: a read, never the write lock, at each open
        return 0
    # The clear text overwritten, not left in the file's free space or its WAL (kiosk/privacy/scrub.py).
    with overwriting(db), write_transaction(db):
        swept = encrypt_clear_text(key=keyring.notes_key, audit_key=keyring.audit_key)
        if swept.rows:
            append_event(key=keyring.audit_key, at=Clock().now(), desk=desk, action="TEXT_ENCRYPTED_AT_REST",
                         payload={"values": swept.values}, rows=list(swept.rows))
        return swept.values
