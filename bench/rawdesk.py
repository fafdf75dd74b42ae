"""B2's baseline: one hand-in and one hand-back written with the standard library's sqlite3 and nothing else.

The very statements the domain sends — their text is imported from the kiosk modules that run them, so the two
cannot drift apart — in the same order, in a BEGIN IMMEDIATE transaction on a connection with the kiosk's own
pragmas (WAL, synchronous=FULL, foreign keys on, the same busy timeout and cache) and a witness file like a
desk's (the head read before the commit, a line appended after it), so the durability cost — one fsync of the
WAL per commit — is identical and the ratio shows what the domain's Python adds around them (the
receipt, permissions, the clock, peewee's execute_sql). The audit event is sealed with kiosk.audit.chain like every
other, so the database stays verifiable after the benchmark.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import date, datetime
from pathlib import Path

from kiosk.audit import log, rows
from kiosk.audit.chain import canonical_json, payload_digest, seal
from kiosk.audit.witness import history_of
from kiosk.custody import daily, exceptions, slots, transitions
from kiosk.db.connection import SQLITE_PRAGMAS
from kiosk.db.models import Custody, slot_label

# What kiosk/custody/transitions.py runs for a hand-in and a hand-back: its statements, its column order.
_HAND_IN = transitions.insert_statement(("tag_id", "pupil_id", "state", "state_changed_at", "opened_at", "opened_by_id",
                                         "opened_desk", "kind", "slot_box", "slot_position", "dsl_flag",
                                         "exam_incident"))
_HAND_BACK = transitions.update_statement(("state", "closed_at", "closed_by_id", "closed_desk", "handed_to",
                                           "state_changed_at"), sqlite3.sqlite_version_info >= (3, 35))
_HAND_IN_COLUMNS = ("tag_id", "pupil_id", "state", "state_changed_at", "opened_at", "opened_by_id", "opened_desk",
                    "kind", "slot_box", "slot_position", "dsl_flag", "exam_incident")


def _seal_custody(conn: sqlite3.Connection, key: bytes, custody_id: int, values: dict) -> str:
    """The custody row's seal, written as transitions.py writes it (kiosk/audit/rows.py): one more statement."""
    sealed = rows.seal_values(key, Custody, custody_id, values)
    conn.execute(transitions._WRITE_SEAL, (sealed, custody_id))
    return rows.token(Custody, custody_id, sealed)


class Connection(sqlite3.Connection):
    """A connection with a desk's audit witness file, as the domain's (kiosk/audit/witness.py)."""

    witness_fd: int
    history: str


def connect(path: str, witness: Path) -> Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=Connection)
    for name, value in SQLITE_PRAGMAS.items():
        conn.execute(f"PRAGMA {name} = {value}")
    conn.witness_fd = os.open(witness, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    conn.history = history_of(conn.execute("SELECT chain FROM event WHERE seq = 1").fetchone()[0])
    return conn


def close(conn: Connection) -> None:
    os.close(conn.witness_fd)
    conn.close()


def _commit(conn: Connection) -> None:
    """Commit, and witness the audit head it leaves: read under the lock, appended after, as write_transaction."""
    seq, chain = conn.execute(log._READ_HEAD).fetchone()
    conn.execute("COMMIT")
    os.write(conn.witness_fd, f"{conn.history} {seq} {chain}\n".encode("ascii"))


def _append_event(conn: sqlite3.Connection, key: bytes, *, at: datetime, desk: str, staff_id: int, action: str,
                  pupil_id: int, tag_id: int, custody_id: int, state: str, payload: dict, sealed: str) -> None:
    seq, prev = conn.execute(log._READ_HEAD).fetchone()
    seq += 1
    body = canonical_json(payload)
    digest = payload_digest(body)
    chain = seal(key, prev, seq=seq, at=at, desk=desk, staff_id=staff_id, action=action, pupil_id=pupil_id,
                 tag_id=tag_id, custody_id=custody_id, custody_state=state, payload_hash=digest, row_seals=sealed)
    # No session id: this baseline desk is no kiosk session (its events are sealed as the chain seals those).
    conn.execute(log._INSERT_EVENT, (seq, at, desk, None, staff_id, action, pupil_id, tag_id, custody_id, state, body,
                                     digest, chain, sealed))
    conn.execute(log._MOVE_HEAD, (seq, chain))


def hand_in(conn: Connection, key: bytes, *, tag_id: int, pupil_id: int, box: str, code: str, at: datetime,
            today: date, staff_id: int, desk: str) -> str | None:
    """Open a daily custody in the lowest free slot of the box; returns the slot (None: already open)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute(daily._OPEN_CUSTODY, (tag_id,)).fetchone() is not None:
            conn.execute("COMMIT")
            return None
        used = {row[0] for row in conn.execute(slots._USED_POSITIONS, (box,))}
        position = 1
        while position in used:
            position += 1
        values = (tag_id, pupil_id, "IN_OFFICE", at, at, staff_id, desk, "daily", box, position, False, False)
        custody_id = conn.execute(_HAND_IN, values).lastrowid
        sealed = _seal_custody(conn, key, custody_id, dict(zip(_HAND_IN_COLUMNS, values, strict=True)))
        slot = slot_label(box, position)
        _append_event(conn, key, at=at, desk=desk, staff_id=staff_id, action="HANDED_IN", pupil_id=pupil_id,
                      tag_id=tag_id, custody_id=custody_id, state="IN_OFFICE",
                      payload={"slot": slot, "via": "tag", "code": code, "from_state": None}, sealed=sealed)
        conn.execute(exceptions._ACTIVE, (pupil_id, today, today)).fetchall()  # the receipt's notes, as the domain
        _commit(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return slot


def hand_back(conn: Connection, key: bytes, *, tag_id: int, pupil_id: int, at: datetime, today: date,
              staff_id: int, desk: str) -> str | None:
    """Close the tag's open daily custody as RETURNED; returns the slot (None: nothing to hand back)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute(daily._OPEN_CUSTODY, (tag_id,)).fetchone()
        if row is None or row[1] not in ("IN_OFFICE", "UNCOLLECTED"):
            conn.execute("COMMIT")
            return None
        custody_id, state, _opened_at, box, position = row
        after = conn.execute(_HAND_BACK, ("RETURNED", at, staff_id, desk, "pupil", at, custody_id, state)).fetchall()
        if len(after) != 1:
            raise RuntimeError("custody changed underneath the raw baseline")
        sealed = _seal_custody(conn, key, custody_id, dict(zip(transitions._SEALED_COLUMNS, after[0], strict=True)))
        slot = slot_label(box, position)
        _append_event(conn, key, at=at, desk=desk, staff_id=staff_id, action="HANDED_BACK", pupil_id=pupil_id,
                      tag_id=tag_id, custody_id=custody_id, state="RETURNED",
                      payload={"slot": slot, "via": "tag", "from_state": state}, sealed=sealed)
        conn.execute(exceptions._ACTIVE, (pupil_id, today, today)).fetchall()
        _commit(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return slot
