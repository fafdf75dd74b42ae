"""Appending to the audit log. Always called inside the transaction that makes the change it records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.audit.chain import canonical_json, payload_digest, seal
from kiosk.audit.session_id import this_session
from kiosk.clock import to_db
from kiosk.db import raw


def _fk_id(value: Any) -> int | None:
    if value is None:
        return None
    return value if isinstance(value, int) else value.id


def append_event(
    *,
    key: bytes,
    at: datetime,
    desk: str,
    action: str,
    staff: Any = None,
    pupil: Any = None,
    tag: Any = None,
    custody: Any = None,
    custody_state: str | None = None,
    payload: dict[str, Any] | None = None,
    rows: Sequence[str] = (),
    session: str | None = None,
) -> Appended:
    """Write the next event: read the head, insert the event, move the head on — three statements.

    The caller's write_transaction already holds the write lock (SQLite's IMMEDIATE lock; on PostgreSQL a row lock
    on the head), so reading the head once and writing it back cannot race. Hand-written SQL (kiosk.db.raw): this
    runs with every hand-in and hand-back, and peewee building the statements was a quarter of their time.

    `rows`: the seals of the rows this change wrote (kiosk/audit/rows.py tokens), sealed by the chain with the
    event and kept when retention erases the payload. `session`: the session that acts (kiosk/audit/session_id.py),
    this process's own unless given; sealed by the chain like the desk."""
    row = raw.execute(_READ_HEAD).fetchone()
    if row is None:
        raise RuntimeError("audit head row is missing: the database schema is damaged")
    seq, prev_chain = row[0] + 1, row[1]
    at = to_db(at)
    body = canonical_json(payload or {})
    digest = payload_digest(body)
    staff_id, pupil_id, tag_id, custody_id = _fk_id(staff), _fk_id(pupil), _fk_id(tag), _fk_id(custody)
    row_seals = " ".join(rows) or None
    session = session or this_session()
    chain = seal(key, prev_chain, seq=seq, at=at, desk=desk, action=action, custody_state=custody_state,
                 payload_hash=digest, staff_id=staff_id, pupil_id=pupil_id, tag_id=tag_id, custody_id=custody_id,
                 row_seals=row_seals, session=session)
    raw.execute(_INSERT_EVENT, (seq, at, desk, session, staff_id, action, pupil_id, tag_id, custody_id,
                                custody_state, body, digest, chain, row_seals))
    raw.execute(_MOVE_HEAD, (seq, chain))
    return Appended(seq=seq, chain=chain)


@dataclass(frozen=True)
class Appended:
    """The event just written: its place in the log and its chain value (what a receipt quotes)."""

    seq: int
    chain: str


_READ_HEAD = "SELECT seq, chain FROM audit_head WHERE id = 1"
_INSERT_EVENT = ("INSERT INTO event (seq, at, desk, session, staff_id, action, pupil_id, tag_id, custody_id, "
                 "custody_state, payload_json, payload_hash, chain, row_seals) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_MOVE_HEAD = "UPDATE audit_head SET seq = ?, chain = ? WHERE id = 1"
