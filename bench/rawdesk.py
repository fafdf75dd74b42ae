"""B2's baseline: one hand-in and one hand-back written with the standard library's sqlite3 and nothing else.

The same statements the domain sends (captured from peewee's query log), in the same order, in a
BEGIN IMMEDIATE transaction on a connection with the kiosk's own pragmas (WAL, synchronous=FULL, foreign
keys on, the same busy timeout and cache), so the durability cost — one fsync of the WAL per commit — is
identical and the ratio shows what the ORM and the domain's Python add. The audit event is sealed with
kiosk.audit.chain like every other, so the database stays verifiable after the benchmark.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from kiosk.audit.chain import canonical_json, payload_digest, seal
from kiosk.db.connection import SQLITE_PRAGMAS
from kiosk.db.models import slot_label


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for name, value in SQLITE_PRAGMAS.items():
        conn.execute(f"PRAGMA {name} = {value}")
    return conn


def _append_event(conn: sqlite3.Connection, key: bytes, *, at: datetime, desk: str, staff_id: int, action: str,
                  pupil_id: int, tag_id: int, custody_id: int, state: str, payload: dict) -> None:
    conn.execute("UPDATE audit_head SET seq = seq + 1 WHERE id = 1")
    seq, prev = conn.execute("SELECT seq, chain FROM audit_head WHERE id = 1").fetchone()
    body = canonical_json(payload)
    digest = payload_digest(body)
    chain = seal(key, prev, seq=seq, at=at, desk=desk, staff_id=staff_id, action=action, pupil_id=pupil_id,
                 tag_id=tag_id, custody_id=custody_id, custody_state=state, payload_hash=digest)
    conn.execute("INSERT INTO event (seq, at, desk, staff_id, action, pupil_id, tag_id, custody_id, custody_state, "
                 "payload_json, payload_hash, chain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (seq, at.isoformat(" "), desk, staff_id, action, pupil_id, tag_id, custody_id, state, body, digest,
                  chain))
    conn.execute("UPDATE audit_head SET chain = ? WHERE id = 1", (chain,))


def _exceptions(conn: sqlite3.Connection, pupil_id: int, today: date) -> list[tuple]:
    return conn.execute("SELECT * FROM phone_exception WHERE pupil_id = ? AND valid_from <= ? "
                        "AND (valid_to IS NULL OR valid_to >= ?) ORDER BY valid_from",
                        (pupil_id, today.isoformat(), today.isoformat())).fetchall()


def hand_in(conn: sqlite3.Connection, key: bytes, *, tag_id: int, pupil_id: int, box: str, code: str, at: datetime,
            today: date, staff_id: int, desk: str) -> str | None:
    """Open a daily custody in the lowest free slot of the box; returns the slot (None: already open)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT * FROM custody WHERE tag_id = ? AND closed_at IS NULL LIMIT 1",
                        (tag_id,)).fetchone() is not None:
            conn.execute("COMMIT")
            return None
        used = {row[0] for row in conn.execute(
            "SELECT slot_position FROM custody WHERE slot_box = ? AND closed_at IS NULL", (box,))}
        position = 1
        while position in used:
            position += 1
        stamp = at.isoformat(" ")
        custody_id = conn.execute(
            "INSERT INTO custody (tag_id, pupil_id, kind, state, slot_box, slot_position, opened_at, opened_by_id, "
            "opened_desk, dsl_flag, state_changed_at, exam_incident) VALUES (?, ?, 'daily', 'IN_OFFICE', ?, ?, ?, ?, "
            "?, 0, ?, 0)", (tag_id, pupil_id, box, position, stamp, staff_id, desk, stamp)).lastrowid
        slot = slot_label(box, position)
        _append_event(conn, key, at=at, desk=desk, staff_id=staff_id, action="HANDED_IN", pupil_id=pupil_id,
                      tag_id=tag_id, custody_id=custody_id, state="IN_OFFICE",
                      payload={"slot": slot, "via": "tag", "code": code})
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    _exceptions(conn, pupil_id, today)
    return slot


def hand_back(conn: sqlite3.Connection, key: bytes, *, tag_id: int, at: datetime, today: date, staff_id: int,
              desk: str) -> str | None:
    """Close the tag's open daily custody as RETURNED; returns the slot (None: nothing to hand back)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT id, pupil_id, state, slot_box, slot_position FROM custody "
                           "WHERE tag_id = ? AND closed_at IS NULL LIMIT 1", (tag_id,)).fetchone()
        if row is None or row[2] not in ("IN_OFFICE", "UNCOLLECTED"):
            conn.execute("COMMIT")
            return None
        custody_id, pupil_id, state, box, position = row
        stamp = at.isoformat(" ")
        changed = conn.execute(
            "UPDATE custody SET state = 'RETURNED', closed_at = ?, closed_by_id = ?, closed_desk = ?, "
            "handed_to = 'pupil', state_changed_at = ? WHERE id = ? AND state = ? AND closed_at IS NULL",
            (stamp, staff_id, desk, stamp, custody_id, state)).rowcount
        if changed != 1:
            raise RuntimeError("custody changed underneath the raw baseline")
        slot = slot_label(box, position)
        _append_event(conn, key, at=at, desk=desk, staff_id=staff_id, action="HANDED_BACK", pupil_id=pupil_id,
                      tag_id=tag_id, custody_id=custody_id, state="RETURNED",
                      payload={"slot": slot, "via": "tag", "from_state": state})
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    _exceptions(conn, pupil_id, today)
    return slot
