"""Safeguarding free text encrypted at rest: DSL notes (the concern written with a hold, the reason it was cleared,
every later note), search records' grounds and findings, a hold's kind of concern, an examination's reason, what was
looked at and what was erased, and a carer's court-order or access notes from the MIS (schema 12).

AES-256-GCM from `cryptography` (not home-made), the key derived from the key file (Keyring.notes_key), which
lives outside the database: someone with a copy of the database or a backup, and not the key file, reads none of
it. Each value has its own random 96-bit nonce, and its row's table, column and id as associated data, so a
ciphertext copied onto another row (a note moved to another pupil's phone) does not decrypt there. Stored as
text, "enc1:" + base64(nonce ‖ ciphertext ‖ tag); the version prefix leaves room for a later scheme.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from peewee import Model

from kiosk.audit import rows as sealing
from kiosk.db.models import Carer, DslNote, Examination, HoldConcern, Search
from kiosk.errors import DeskError
from kiosk.keyring import keyring_in_use

PREFIX = "enc1:"
NONCE_BYTES = 12  # 96 bits: GCM's own size, random per value
ERASED = "(erased under the retention policy)"  # what retention leaves in place of a search's text: not personal
UNREADABLE = "This note cannot be read (moved or damaged)."
NO_KEY = "This note cannot be read here: the kiosk's key file was not loaded."

# Every column of safeguarding free text, by model: what the writers encrypt and the sweep below looks at.
PROTECTED: tuple[tuple[type[Model], tuple[str, ...]], ...] = (
    (DslNote, ("text",)),
    (Search, ("grounds", "found")),
    (HoldConcern, ("kind",)),
    (Examination, ("reason", "looked_at", "erased_what")),
    # A court order's terms or access arrangements name a family's circumstances (and sometimes where a parent now
    # lives): as sensitive as a DSL note, and read at the release desk only. NULL ("the MIS did not say") stays NULL.
    (Carer, ("access_notes",)),
)


class NoteUnreadable(DeskError):
    """A protected value that does not decrypt on its own row: moved from another row, edited, or damaged."""

    def __init__(self) -> None:
        super().__init__(UNREADABLE)


def _associated(table: str, column: str, row_id: int) -> bytes:
    return f"kiosk:{table}.{column}#{row_id}".encode()


def encrypt(key: bytes, text: str, *, table: str, column: str, row_id: int) -> str:
    """`text` as stored: "enc1:" + base64(nonce ‖ AES-GCM ciphertext and tag), bound to its row."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, text.encode("utf-8"), _associated(table, column, row_id))
    return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and str(stored).startswith(PREFIX)


def decrypt(key: bytes, stored: str, *, table: str, column: str, row_id: int) -> str:
    """The text of a stored value, or NoteUnreadable if it is not this row's (moved, edited, wrong key).
    A value not in the encrypted form (the retention marker) is returned as it is."""
    if not is_encrypted(stored):
        return stored
    try:
        raw = base64.b64decode(stored[len(PREFIX):], validate=True)
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated(table, column, row_id))
        return plain.decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError):
        raise NoteUnreadable() from None


def shown(key: bytes, stored: str, *, table: str, column: str, row_id: int) -> str:
    """For a list of notes: the text, or the plain refusal in its place (one damaged note hides no other)."""
    try:
        return decrypt(key, stored, table=table, column=column, row_id=row_id)
    except NoteUnreadable as refusal:
        return refusal.message


def read(key: bytes, row: Model, column: str) -> str:
    """`row.column` decrypted on its own row (see shown)."""
    return shown(key, getattr(row, column), table=row._meta.table_name, column=column, row_id=row.get_id())


def readable(stored: str | None, *, table: str, column: str, row_id: int) -> str | None:
    """For a read model a screen calls without a context (a carer's access notes on the release screen): decrypted
    with the key file this process loaded (kiosk/keyring.py); None stays None; a refusal in place of what does not
    read."""
    if stored is None:
        return None
    if not is_encrypted(stored):
        return stored
    keyring = keyring_in_use()
    if keyring is None:
        return NO_KEY
    return shown(keyring.notes_key, stored, table=table, column=column, row_id=row_id)


def access_notes_of(carer: Carer, *, key: bytes | None = None) -> str | None:
    """A carer's court-order or access notes in clear (None: the MIS gave none). `key`: the notes key of the
    caller's context; without it, the key file this process loaded."""
    stored = carer.access_notes
    if not stored:
        return None
    if key is None:
        return readable(stored, table="carer", column="access_notes", row_id=carer.id)
    return shown(key, stored, table="carer", column="access_notes", row_id=carer.id)


# A release to a contact the MIS says must not collect keeps the note the DSL read, as it was then, with the record (the
# receipt reprinted later prints it) and in the RELEASED event: both copies encrypted, bound to the custody record.
_RELEASE_COPY = {"table": "custody", "column": "collector.access_notes"}


def access_notes_copy(text: str | None, *, key: bytes, custody_id: int) -> str | None:
    """The stored form of a carer's note copied onto custody record `custody_id` (None stays None)."""
    return encrypt(key, text, row_id=custody_id, **_RELEASE_COPY) if text else None


def access_notes_copied(stored: str | None, *, custody_id: int, key: bytes | None = None) -> str | None:
    """A note copied onto a custody record, in clear (one an older kiosk copied in clear is returned as it is).
    `key`: the context's notes key; without it, the key file this process loaded."""
    if not stored:
        return None
    if key is None:
        return readable(stored, row_id=custody_id, **_RELEASE_COPY)
    return shown(key, stored, row_id=custody_id, **_RELEASE_COPY)


def protect(row: Model, *, key: bytes, **texts: str) -> None:
    """Write `texts` into `row`'s columns encrypted. The row must already exist (its id is the associated
    data), so a writer creates it with empty text and calls this in the same transaction: the clear text never
    reaches the database. The row object keeps the clear text for the caller."""
    model, row_id = type(row), row.get_id()
    values = {getattr(model, column): encrypt(key, text, table=model._meta.table_name, column=column, row_id=row_id)
              for column, text in texts.items()}
    model.update(values).where(model._meta.primary_key == row_id).execute()
    for column, text in texts.items():
        setattr(row, column, text)


@dataclass(frozen=True)
class Swept:
    values: int  # clear values encrypted by this sweep
    rows: tuple[str, ...] = ()  # the new seals of the sealed rows it encrypted, for the event that records them


def _in_clear(model: type[Model], column: str) -> Any:
    field = getattr(model, column)
    return (model.select(model._meta.primary_key, field)
            .where(~field.startswith(PREFIX) & (field != ERASED) & (field != "")))


def clear_text_left() -> bool:
    """Whether any protected value is still in clear."""
    return any(_in_clear(model, column).exists() for model, columns in PROTECTED for column in columns)


def encrypt_clear_text(*, key: bytes, audit_key: bytes | None = None) -> Swept:
    """Encrypt every protected value still in clear (written before this version of the kiosk). Idempotent:
    a second run finds nothing. The caller runs it in a write transaction (kiosk.storage.open_for_desk).

    Every protected table is sealed (kiosk/audit/rows.py): with `audit_key`, a row whose seal verified before is
    sealed again over its ciphertext, and the new seals are returned for one event to record, so `kiosk audit
    verify` still passes. A row that no longer verified (edited by hand) is encrypted but never resealed: that would
    hide the edit. A row with no seal yet (a database from before row seals) is left for seal_existing."""
    count, tokens = 0, []
    for model, columns in PROTECTED:
        sealed_before: dict[int, bool] = {}
        for column in columns:
            field = getattr(model, column)
            for row in list(_in_clear(model, column)):
                row_id, text = row.get_id(), getattr(row, column)
                if audit_key is not None and row_id not in sealed_before:
                    sealed_before[row_id] = sealing.verifies(audit_key, model.get_by_id(row_id))  # None: no seal
                stored = encrypt(key, text, table=model._meta.table_name, column=column, row_id=row_id)
                model.update({field: stored}).where(model._meta.primary_key == row_id).execute()
                count += 1
        if audit_key is not None:
            tokens += sealing.reseal_many(audit_key, model, [i for i, good in sealed_before.items() if good])
    return Swept(count, tuple(tokens))


__all__ = ["ERASED", "NO_KEY", "PREFIX", "PROTECTED", "UNREADABLE", "NoteUnreadable", "Swept", "access_notes_copied",
           "access_notes_copy", "access_notes_of",
           "clear_text_left", "decrypt", "encrypt", "encrypt_clear_text", "is_encrypted", "protect", "read",
           "readable", "shown"]
