"""The key file checked against the database before anything is written: the database records the key's
fingerprint (kiosk.keyring.Keyring.fingerprint, never the key) and refuses any other key.

A well-formed wrong key (another school's, or this school's cut short) would otherwise be taken: every event written
with it breaks the chain for good, and every PIN check fails until the account locks. The fingerprint is recorded
the first time the database is opened with a key: at once when it has no events yet, otherwise only when that key
seals its first or newest event (a database from before fingerprints, opened with its own key).
"""

from __future__ import annotations

import hmac

from peewee import Database

from kiosk.audit.chain import GENESIS, seal
from kiosk.db.connection import write_transaction
from kiosk.db.models import Event, Setting
from kiosk.keyring import KeyFileError, Keyring

FINGERPRINT = "key_fingerprint"

WRONG_KEY = ("This key file does not belong to this database: restore the school's kiosk.key from backup "
             "(or give this PC the key file of the school whose database this is). Nothing was written.")


class WrongKey(KeyFileError):
    """The key file is not this database's key; the message says what to do."""


def check_key(db: Database, keyring: Keyring) -> None:
    """Refuse `keyring` unless it is the key this database was sealed with; record its fingerprint when the
    database has none yet and the key proves itself. Raises WrongKey before anything is written."""
    recorded = _recorded()
    if recorded is None:
        if not _proves_itself(keyring.audit_key):
            raise WrongKey(WRONG_KEY)
        with write_transaction(db):
            (Setting.insert(key=FINGERPRINT, value=keyring.fingerprint)
             .on_conflict_ignore().execute())  # two desks opening at once: the first one's stays
        recorded = _recorded()
    if recorded != keyring.fingerprint:
        raise WrongKey(WRONG_KEY)


def _recorded() -> str | None:
    row = Setting.get_or_none(Setting.key == FINGERPRINT)
    return row.value if row else None


def _proves_itself(audit_key: bytes) -> bool:
    """No events yet, or the key seals the first event or the newest one as they stand. Either will do: a trail
    edited by hand (which `kiosk audit verify` is run to find) may no longer end in an event the key sealed, but
    another school's key, or this one cut short, seals neither."""
    newest = Event.select().order_by(Event.seq.desc()).first()
    if newest is None:
        return True
    first = Event.select().order_by(Event.seq).first()
    return _sealed_by(audit_key, first) or _sealed_by(audit_key, newest)


def _sealed_by(audit_key: bytes, event: Event) -> bool:
    if event.seq == 1:
        prev_chain = GENESIS
    else:
        before = Event.select(Event.chain).where(Event.seq == event.seq - 1).tuples().first()
        if before is None:
            return False
        prev_chain = before[0]
    expected = seal(audit_key, prev_chain, seq=event.seq, at=event.at, desk=event.desk, staff_id=event.staff_id,
                    action=event.action, pupil_id=event.pupil_id, tag_id=event.tag_id, custody_id=event.custody_id,
                    custody_state=event.custody_state, payload_hash=event.payload_hash, row_seals=event.row_seals,
                    session=event.session)
    return hmac.compare_digest(expected, event.chain)
