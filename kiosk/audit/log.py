"""Appending to the audit log. Always called inside the transaction that makes the change it records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.audit.chain import canonical_json, payload_digest, seal
from kiosk.clock import to_db
from kiosk.db.models import AuditHead, Event


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
) -> Event:
    """Write the next event. The caller's write_transaction holds the write lock (SQLite's IMMEDIATE
    lock; on PostgreSQL a row lock on the head), so reading the head and writing it back cannot race."""
    row = AuditHead.select(AuditHead.seq, AuditHead.chain).where(AuditHead.id == 1).tuples().first()
    if row is None:
        raise RuntimeError("audit head row is missing: the database schema is damaged")
    seq, prev_chain = row[0] + 1, row[1]
    at = to_db(at)
    body = canonical_json(payload or {})
    digest = payload_digest(body)
    ids = {"staff_id": _fk_id(staff), "pupil_id": _fk_id(pupil), "tag_id": _fk_id(tag),
           "custody_id": _fk_id(custody)}
    chain = seal(key, prev_chain, seq=seq, at=at, desk=desk, action=action,
                 custody_state=custody_state, payload_hash=digest, **ids)
    values = dict(seq=seq, at=at, desk=desk, action=action, staff=ids["staff_id"], pupil=ids["pupil_id"],
                  tag=ids["tag_id"], custody=ids["custody_id"], custody_state=custody_state, payload_json=body,
                  payload_hash=digest, chain=chain)
    Event.insert(**values).execute()
    AuditHead.update(seq=seq, chain=chain).where(AuditHead.id == 1).execute()
    return Event(**values)
