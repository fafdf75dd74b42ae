"""The one place a custody record changes state: every move is checked against the table in states.py (MOVES),
made by a conditional UPDATE whose row count is checked (or, to open a record, an INSERT in a legal starting
state), and recorded by exactly one audit event, inside the caller's write transaction.

Nothing else in kiosk/ writes `custody.state` (tests/test_transitions.py scans the source for it). The domain
functions (daily, confiscation, release, safeguarding) check permissions and particulars, read the record, then
ask here for the move; when the table says no, the refusal they raise is the one written here, in the desk's words.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    ForeignKeyField,
    IntegerField,
    PostgresqlDatabase,
    TextField,
)

from kiosk.audit import rows as sealing
from kiosk.audit.log import Appended, append_event
from kiosk.auth.roles import Permission
from kiosk.clock import as_utc, local, to_db
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import Conflict, DeskError, Refused
from kiosk.custody.states import CLOSED_STATES, MOVES, POLICE_OUTCOMES, Kind, Move, State, allows, state_words
from kiosk.db import raw
from kiosk.db.models import Custody, Staff, database_proxy
from kiosk.formatting import time_on_day


@dataclass(frozen=True)
class Current:
    """What a move needs of the record it moves, as the caller read it inside the same transaction."""

    id: int
    state: State
    pupil_id: int
    tag_id: int

    @classmethod
    def of(cls, custody: Custody) -> Current:
        return cls(id=custody.id, state=State(custody.state), pupil_id=custody.pupil_id, tag_id=custody.tag_id)


@dataclass(frozen=True)
class Moved:
    """A move made: the record, its from → to (None: it was opened), and the event that records it."""

    custody_id: int
    from_state: State | None
    to_state: State
    event: Appended


def open_record(ctx: DeskContext, move: Move, *, pupil_id: int, tag_id: int, at: datetime,
                columns: Mapping[str, Any] | None = None, payload: Mapping[str, Any] | None = None,
                rows: Sequence[str] = ()) -> Moved:
    """Open a new custody record by an opening move (hand in, confiscate). `columns`: the move's particulars
    (kind, slot, seal…). A clash with another open record of the tag, or a taken slot, is peewee's IntegrityError
    from the one-open-record indexes: the caller looks again. `rows`: seals of other rows written with the move
    (kiosk/audit/rows.py), recorded by its event beside the record's own."""
    rule = MOVES[move]
    if not rule.opens:  # the legal starting states are exactly the opening moves' targets (states.STARTING_STATES)
        raise ValueError(f"{move.value} does not open a custody record")
    _require_transaction()
    stamp = to_db(at)
    values = {"tag_id": tag_id, "pupil_id": pupil_id, "state": rule.target, "state_changed_at": stamp,
              "opened_at": stamp, "opened_by_id": ctx.who.staff_id, "opened_desk": ctx.desk, **_particulars(columns)}
    for column, default in _DEFAULTS.items():  # peewee fills its defaults in Python, not the database
        values.setdefault(column, default)
    custody_id = raw.insert(insert_statement(tuple(values)), _db_values(values))
    # The record's seal, from what was just inserted: one more statement on the hot path, none to read it back.
    sealed = _seal(ctx, custody_id, values)
    event = _record(ctx, rule.action, custody_id, pupil_id, tag_id, None, rule.target, at, payload, [sealed, *rows])
    return Moved(custody_id=custody_id, from_state=None, to_state=rule.target, event=event)


def move(ctx: DeskContext, move: Move, custody: Current, *, at: datetime, columns: Mapping[str, Any] | None = None,
         payload: Mapping[str, Any] | None = None, rows: Sequence[str] = ()) -> Moved:
    """Make `move` on a record read in this transaction. Refused (in the desk's words) when the table does not allow
    it from the record's state; a Conflict, saying what the phone is now, when another desk moved it first. A move
    into a closed state closes the record (when, by whom, at which desk)."""
    rule = MOVES[move]
    if not allows(move, custody.state):
        raise refusal(ctx, move, custody)
    _require_transaction()
    stamp = to_db(at)
    values: dict[str, Any] = {"state": rule.target}
    if rule.closes:
        values.update(closed_at=stamp, closed_by_id=ctx.who.staff_id, closed_desk=ctx.desk)
    elif rule.from_closed and rule.target not in CLOSED_STATES:  # returned by the police: the record reopens
        values.update(closed_at=None, closed_by_id=None, closed_desk=None)
    values.update(_particulars(columns))
    values["state_changed_at"] = stamp
    sealed = _update_and_seal(ctx, custody, values, from_closed=rule.from_closed)
    event = _record(ctx, rule.action, custody.id, custody.pupil_id, custody.tag_id, custody.state, rule.target, at,
                    payload, [sealed, *rows])
    return Moved(custody_id=custody.id, from_state=custody.state, to_state=rule.target, event=event)


# ── The statements (hand-written SQL through kiosk.db.raw: hand-in and hand-back are the hot path) ────────────


@functools.cache
def insert_statement(columns: tuple[str, ...]) -> str:
    return f"INSERT INTO custody ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


@functools.cache
def update_statement(columns: tuple[str, ...], returning: bool = False, from_closed: bool = False) -> str:
    # closed_at IS NULL as well as the state: a closed record never moves again, whatever its state says; the
    # police's outcome alone moves a closed record (states.Rule.from_closed), and only a closed one.
    return (f"UPDATE custody SET {', '.join(f'{c} = ?' for c in columns)} "
            f"WHERE id = ? AND state = ? AND closed_at IS {'NOT NULL' if from_closed else 'NULL'}"
            + (f" RETURNING {', '.join(_SEALED_COLUMNS)}" if returning else ""))


def _can_return() -> bool:
    """UPDATE … RETURNING: PostgreSQL, and SQLite from 3.35 (older bundles read the row back instead)."""
    return isinstance(database_proxy.obj, PostgresqlDatabase) or sqlite3.sqlite_version_info >= (3, 35)


def _seal(ctx: DeskContext, custody_id: int, values: Mapping[str, Any]) -> str:
    seal = sealing.seal_values(ctx.keyring.audit_key, Custody, custody_id, values)
    raw.execute(_WRITE_SEAL, (seal, custody_id))
    return sealing.token(Custody, custody_id, seal)


_FIELDS = {field.column_name: field for field in Custody._meta.sorted_fields}
_DEFAULTS = {field.column_name: value for field, value in Custody._meta.defaults.items() if not callable(value)}
# Written only by the moves themselves: which state, since when, and who opened or closed the record.
_OWN = frozenset({"id", "tag_id", "pupil_id", "state", "state_changed_at", "opened_at", "opened_by_id",
                  "opened_desk", "closed_at", "closed_by_id", "closed_desk", "seal"})
# Every column the record's seal covers (kiosk/audit/rows.py), in the order a RETURNING or a read gives them.
_SEALED_COLUMNS = tuple(field.column_name for field in sealing.sealed_fields(Custody))
_READ_SEALED = f"SELECT {', '.join(_SEALED_COLUMNS)} FROM custody WHERE id = ?"
_WRITE_SEAL = "UPDATE custody SET seal = ? WHERE id = ?"


_PARTICULARS = frozenset(_FIELDS) - _OWN


def _particulars(columns: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not columns:
        return {}
    if not _PARTICULARS.issuperset(columns):
        raise ValueError(f"not a move's particulars: {sorted(set(columns) - _PARTICULARS)}")
    return columns


def _sent_as_is(field: Field) -> tuple[type, ...]:
    """The Python types peewee sends for this column unchanged (its db_value returns them as they are). A state
    is a str to the drivers (StrEnum), as it always was when passed through peewee."""
    if isinstance(field, BooleanField):
        return (bool,)
    if isinstance(field, (IntegerField, ForeignKeyField)):
        return (int,)
    if isinstance(field, DateTimeField):
        return (datetime,)
    if isinstance(field, (CharField, TextField)):
        return (str, State, Kind)
    return ()


_AS_IS = {column: _sent_as_is(field) for column, field in _FIELDS.items()}


def _db_values(values: Mapping[str, Any]) -> list[Any]:
    """Each value as peewee would send it for its column (dates, enums, foreign keys by instance). The usual types
    go as they are without asking the field: a hand-in is the hot path (docs/performance.md, B2)."""
    return [value if value is None or type(value) in _AS_IS[column] else _FIELDS[column].db_value(value)
            for column, value in values.items()]


def _require_transaction() -> None:
    # The move and its event must commit or roll back together, under the write lock the caller took.
    if not database_proxy.obj.in_transaction():
        raise RuntimeError("a custody move runs inside the caller's write_transaction")


def _record(ctx: DeskContext, action: str, custody_id: int, pupil_id: int, tag_id: int, src: State | None,
            dst: State, at: datetime, payload: Mapping[str, Any] | None, rows: Sequence[str]) -> Appended:
    body = dict(payload or {})
    if "from_state" in body:
        raise ValueError("from_state is written by the move itself")
    body["from_state"] = src.value if src is not None else None
    return append_event(key=ctx.keyring.audit_key, at=at, desk=ctx.desk, staff=ctx.who.staff_id, action=action,
                        pupil=pupil_id, tag=tag_id, custody=custody_id, custody_state=dst, payload=body, rows=rows)


_NOW_STATE = "SELECT state FROM custody WHERE id = ?"


def _lost_race(ctx: DeskContext, custody_id: int) -> DeskError:
    row = raw.execute(_NOW_STATE, (custody_id,)).fetchone()
    if row is None:
        return Conflict("That phone record no longer exists. Search again.")
    now = state_words(row[0], dsl=ctx.who.can(Permission.SAFEGUARDING))
    return Conflict(f"Another desk changed this phone a moment ago: it is now {now}. Look it up again.")


# ── What the desk is told when the table says no ────────────────────────────────────────────────────────────


def refusal(ctx: DeskContext, move: Move, custody: Current) -> DeskError:
    """The refusal of `move` on a record in a state the table does not allow it from, in the desk's words."""
    state = custody.state
    plain = state.value.replace("_", " ").lower()
    if move is Move.CONVERT:
        seal = Custody.get_by_id(custody.id).seal_number
        return Refused(f"This phone is already confiscated ({plain}, bag {seal}). Nothing was changed.")
    if move is Move.HOLD:
        return Refused(f"Only a confiscated phone held in the office can be put on a safeguarding hold "
                       f"(this one is {plain}). Confiscate it first.")
    if move is Move.CLEAR_HOLD:
        return Refused("This phone is not on a safeguarding hold.")
    if move is Move.POLICE:
        return Refused("Only a phone on a safeguarding hold is handed to the police from the kiosk. "
                       "Put it on a hold first.")
    if move in POLICE_OUTCOMES:
        return Refused(f"Only a phone with the police has an outcome from them to record (this one is "
                       f"{state_words(state, dsl=ctx.who.can(Permission.SAFEGUARDING))}). Nothing was changed.")
    if move is Move.RELEASE:
        if state is State.RELEASED:  # another desk released it first: say who, to whom and when
            return Conflict(already_released(Custody.get_by_id(custody.id), ctx))
        return Refused(not_releasable(state))
    # The daily moves answer with a receipt before asking (daily.py); any move added later says at least this.
    return Refused(f"Not possible for this phone ({move.value}): it is {state_words(state, dsl=False)}. "
                   "Nothing was changed.")


def already_released(custody: Custody, ctx: DeskContext) -> str:
    """What a desk is told when another desk released the phone first: to whom, by whom, where and when."""
    by = Staff.get_or_none(Staff.id == custody.closed_by_id)
    assert custody.closed_at is not None  # a released record is closed: the release move set closed_at
    return released_words(handed_to=custody.handed_to, by=by.name if by else None, desk=custody.closed_desk,
                          at=local(as_utc(custody.closed_at), ctx.settings.tz))


def released_words(*, handed_to: str | None, by: str | None, desk: str | None, at: datetime) -> str:
    """The sentence for a phone already released (`at` in the school's time); the release screen's line on the
    pupil's last confiscation (kiosk.custody.queries.LastConfiscation) says it too."""
    return (f"Already released to {handed_to} by {by or 'another desk'} ({desk}) at {time_on_day(at)}. "
            "Nothing was changed.")


def _update_and_seal(ctx: DeskContext, custody: Current, values: Mapping[str, Any], *,
                     from_closed: bool = False) -> str:
    """The conditional UPDATE a move or a link makes (only if the record is still as it was read: its row count, or
    the row RETURNING, tells), then the record sealed as the UPDATE left it; returns the seal's token for the event.
    A Conflict (another desk moved it first) otherwise."""
    returning = _can_return()
    cursor = raw.execute(update_statement(tuple(values), returning, from_closed),
                         (*_db_values(values), custody.id, custody.state))
    if returning:  # the row as the UPDATE left it, for its seal, from the UPDATE itself
        found = cursor.fetchall()
        if len(found) != 1:
            raise _lost_race(ctx, custody.id)
        after = found[0]
    else:
        if cursor.rowcount != 1:
            raise _lost_race(ctx, custody.id)
        after = raw.execute(_READ_SEALED, (custody.id,)).fetchone()
    return _seal(ctx, custody.id, dict(zip(_SEALED_COLUMNS, after, strict=True)))


def not_releasable(state: str) -> str:
    if state == State.SAFEGUARDING_HOLD:
        return "Held for the Designated Safeguarding Lead: it cannot be released. Refer to the DSL."
    if state == State.WITH_POLICE:
        return "This phone was handed to the police. It is no longer in the office."
    if state in (State.IN_OFFICE, State.UNCOLLECTED):
        return "This phone is on the daily cycle, not confiscated: hand it back to the pupil (F3)."
    return f"This phone cannot be released ({state.replace('_', ' ').lower()})."


# ── A link in the chain of custody: the phone changes hands or place, its state does not ────────────────────


def record_link(ctx: DeskContext, custody: Current, *, action: str, at: datetime,
                columns: Mapping[str, Any] | None = None, payload: Mapping[str, Any] | None = None,
                rows: Sequence[str] = ()) -> Appended:
    """Record a handover within the school (kiosk/custody/handovers.py) on a record read in this transaction: its
    particulars (a new seal, where it is now) by the same conditional UPDATE a move makes, the record sealed again,
    and one event that keeps its state. A Conflict when another desk moved or closed it first. `action` must not
    be a move's: a state change is a move, made by move()."""
    if action in _MOVE_ACTIONS:
        raise ValueError(f"{action} is a move: use move()")
    _require_transaction()
    values = dict(_particulars(columns))
    if not values:
        raise ValueError("a link records at least where the phone is now")
    sealed = _update_and_seal(ctx, custody, values)
    return _record(ctx, action, custody.id, custody.pupil_id, custody.tag_id, custody.state, custody.state, at,
                   payload, [sealed, *rows])



_MOVE_ACTIONS = frozenset(rule.action for rule in MOVES.values())  # as states.MOVE_ACTIONS
