"""The outbox: every message is a row first, queued in the transaction of the action that causes it.

A message moves queued → sending → sent, or back to queued with a later next try (a server down, a 4xx), or to
failed (a 5xx, or out of tries), or to withheld (a parent message while the phone is on a safeguarding hold).
Every move is one conditional UPDATE (`WHERE id = ? AND state = ?`), so two workers (two desks on PostgreSQL) never
send the same message, and a message is marked sent only in the commit that records the server's acceptance.
A message found still "sending" after its lease (a kiosk killed between the server's acceptance and that commit)
is queued again as a resend: counted in `resends`, and sent with a header and a line saying so (see compose.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from peewee import Database

from kiosk.clock import as_utc, to_db
from kiosk.db.connection import write_transaction
from kiosk.db.models import OutboxMessage, database_proxy
from kiosk.db.rows import tuples
from kiosk.errors import DeskError
from kiosk.mail import trail

MAX_ATTEMPTS = 6
# After the 1st, 2nd… failed try: 1 min, 5 min, 15 min, 1 h, 4 h. Six tries span about five and a half hours, a
# morning's outage of the relay; then the message is failed and the desk's outbox shows it for someone to retry.
BACKOFF_SECONDS = (60, 300, 900, 3600, 14400)
# A worker that began sending a message this long ago and never recorded the answer has died (an SMTP exchange is
# bounded by smtp_timeout_seconds, 30 s by default).
SENDING_LEASE_SECONDS = 600


class MessageState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    WITHHELD = "withheld"


class Audience(StrEnum):
    CARER = "carer"
    STAFF = "staff"


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    recipient: str
    template: str
    message_id: str


@dataclass(frozen=True)
class OutboxLine:
    """One message as the outbox lists it."""

    id: int
    custody_id: int | None
    created_at: datetime
    template: str
    recipient: str
    recipient_name: str
    subject: str
    state: str
    attempts: int
    resends: int
    next_try_at: datetime
    answer: str | None
    sent_at: datetime | None
    sent_by: str | None

    @classmethod
    def of(cls, row: OutboxMessage) -> OutboxLine:
        return cls(id=row.id, custody_id=row.custody_id, created_at=as_utc(row.created_at), template=row.template,
                   recipient=row.recipient, recipient_name=row.recipient_name, subject=row.subject, state=row.state,
                   attempts=row.attempts, resends=row.resends, next_try_at=as_utc(row.next_try_at),
                   answer=row.answer, sent_at=as_utc(row.sent_at) if row.sent_at else None, sent_by=row.sent_by)


def new_message_id(sender_address: str) -> str:
    domain = sender_address.rpartition("@")[2] or "kiosk.invalid"
    return f"<kiosk-{uuid.uuid4().hex}@{domain}>"


def queue_message(*, at: datetime, template: str, audience: Audience, recipient: str, recipient_name: str,
                  subject: str, body: str, sender_address: str, custody_id: int | None = None,
                  audit_key: bytes, desk: str, staff: int | None = None,
                  mobile: str | None = None, attachment: str | None = None, attachment_json: str | None = None,
                  send_after: datetime | None = None) -> QueuedMessage:
    """Queue one message. Call it inside the caller's transaction: the message exists if and only if the action
    that causes it was saved, and so does its MESSAGE_QUEUED event. It never talks to a server, so nothing at the
    desk waits for mail."""
    message_id = new_message_id(sender_address)
    row = OutboxMessage.create(
        custody=custody_id, created_at=to_db(at), template=template, audience=audience.value,
        recipient=recipient.strip(), recipient_name=recipient_name, mobile=mobile, subject=subject, body=body,
        attachment=attachment, attachment_json=attachment_json, message_id=message_id,
        state=MessageState.QUEUED.value, attempts=0, next_try_at=to_db(send_after or at), resends=0)
    trail.record(key=audit_key, at=at, desk=desk, action=trail.QUEUED, message=row, staff=staff)
    return QueuedMessage(id=row.id, recipient=row.recipient, template=template, message_id=message_id)


def withhold_for_custody(*, custody_id: int, audit_key: bytes, at: datetime, desk: str,
                         staff: int | None = None) -> int:
    """A safeguarding hold: the carers' messages about this phone not yet sent are withheld (the DSL decides what
    parents are told). Inside the caller's transaction. Returns how many."""
    waiting = (OutboxMessage.custody == custody_id) & (OutboxMessage.audience == Audience.CARER.value) & (
        OutboxMessage.state == MessageState.QUEUED.value)
    ids = [int(row_id) for (row_id,) in tuples(OutboxMessage.select(OutboxMessage.id).where(waiting))]
    if not ids:
        return 0
    (OutboxMessage.update(state=MessageState.WITHHELD.value,
                          answer="withheld: the phone was put on a safeguarding hold")
     .where(OutboxMessage.id.in_(ids)).execute())
    trail.record_many(key=audit_key, at=at, desk=desk, action=trail.WITHHELD, ids=ids, staff=staff)
    return len(ids)


def _db() -> Database:
    db: Database | None = database_proxy.obj
    assert db is not None, "open_database first"
    return db


def recover_unconfirmed(*, now: datetime, lease_seconds: float = SENDING_LEASE_SECONDS) -> list[int]:
    """Messages left "sending" by a worker that died: queued again, now, as resends. Their server may or may not
    have accepted them, so each goes again marked as a resend rather than being lost or silently doubled."""
    cutoff = to_db(now - timedelta(seconds=lease_seconds))
    with write_transaction(_db()):
        stuck = [int(row_id) for (row_id,) in tuples(OutboxMessage.select(OutboxMessage.id).where(
            (OutboxMessage.state == MessageState.SENDING.value) & (OutboxMessage.claimed_at < cutoff)))]
        for row_id in stuck:
            (OutboxMessage.update(state=MessageState.QUEUED.value, resends=OutboxMessage.resends + 1,
                                  next_try_at=to_db(now),
                                  answer="not confirmed: the kiosk stopped while sending it; it goes again as a "
                                         "resend")
             .where((OutboxMessage.id == row_id) & (OutboxMessage.state == MessageState.SENDING.value)).execute())
    return stuck


def due_ids(*, now: datetime, limit: int = 50) -> list[int]:
    return [int(row_id) for (row_id,) in tuples(OutboxMessage.select(OutboxMessage.id).where(
        (OutboxMessage.state == MessageState.QUEUED.value) & (OutboxMessage.next_try_at <= to_db(now)))
        .order_by(OutboxMessage.next_try_at, OutboxMessage.id).limit(limit))]


def claim(*, message_id: int, now: datetime) -> OutboxMessage | None:
    """queued → sending, one try counted, committed before a byte goes to the server. None: another worker has it."""
    with write_transaction(_db()):
        taken = (OutboxMessage.update(state=MessageState.SENDING.value, attempts=OutboxMessage.attempts + 1,
                                      claimed_at=to_db(now))
                 .where((OutboxMessage.id == message_id) & (OutboxMessage.state == MessageState.QUEUED.value))
                 .execute())
        return OutboxMessage.get_by_id(message_id) if taken else None


@dataclass(frozen=True)
class Trail:
    """Where the worker's changes are recorded: the audit key, and the desk (or service) that made them."""

    key: bytes
    desk: str


def _finish(message_id: int, *, audit: Trail, at: datetime, action: str | None = None,
            extra: dict[str, Any] | None = None, **columns: object) -> None:
    with write_transaction(_db()):
        changed = (OutboxMessage.update(**columns)
                   .where((OutboxMessage.id == message_id) & (OutboxMessage.state == MessageState.SENDING.value))
                   .execute())
        if changed and action is not None:
            trail.record(key=audit.key, at=at, desk=audit.desk, action=action,
                         message=OutboxMessage.get_by_id(message_id), **(extra or {}))


def record_accepted(*, message_id: int, now: datetime, answer: str, by: str, audit: Trail) -> None:
    """The server's acceptance and "sent", with its MESSAGE_SENT event, in one commit."""
    row = OutboxMessage.get_by_id(message_id)
    _finish(message_id, audit=audit, at=now, action=trail.SENT,
            extra={"answer": answer, "by": by, "attempts": row.attempts, "resends": row.resends},
            state=MessageState.SENT.value, answer=answer, sent_at=to_db(now), sent_by=by)


def record_not_sent(*, message_id: int, now: datetime, answer: str, permanent: bool, audit: Trail) -> str:
    """Back to queued with the next try, or failed (a permanent refusal, or out of tries: its MESSAGE_FAILED event).
    Returns the new state."""
    row = OutboxMessage.get_by_id(message_id)
    if permanent or row.attempts >= MAX_ATTEMPTS:
        _finish(message_id, audit=audit, at=now, action=trail.FAILED,
                extra={"answer": answer, "attempts": row.attempts}, state=MessageState.FAILED.value, answer=answer)
        return MessageState.FAILED.value
    wait = BACKOFF_SECONDS[min(row.attempts, len(BACKOFF_SECONDS)) - 1]
    _finish(message_id, audit=audit, at=now, state=MessageState.QUEUED.value, answer=answer,
            next_try_at=to_db(now + timedelta(seconds=wait)))
    return MessageState.QUEUED.value


def record_round_failed(*, message_ids: list[int], now: datetime, answer: str, audit: Trail) -> dict[int, str]:
    """No connection or no login: nothing was handed over, and each message due counts the try. One transaction
    for them all, so a relay that is down costs the desks one short write a round, not two per message."""
    states: dict[int, str] = {}
    with write_transaction(_db()):
        for row in OutboxMessage.select().where(OutboxMessage.id.in_(message_ids)
                                                & (OutboxMessage.state == MessageState.QUEUED.value)):
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                columns: dict[str, object] = {"state": MessageState.FAILED.value}
            else:
                wait = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
                columns = {"next_try_at": to_db(now + timedelta(seconds=wait))}
            changed = (OutboxMessage.update(attempts=attempts, answer=answer, claimed_at=to_db(now), **columns)
                       .where((OutboxMessage.id == row.id) & (OutboxMessage.state == MessageState.QUEUED.value))
                       .execute())
            states[row.id] = str(columns.get("state", MessageState.QUEUED.value))
            if changed and states[row.id] == MessageState.FAILED.value:
                trail.record(key=audit.key, at=now, desk=audit.desk, action=trail.FAILED,
                             message=OutboxMessage.get_by_id(row.id), answer=answer, attempts=attempts)
    return states


def record_withheld(*, message_id: int, answer: str, now: datetime, audit: Trail) -> None:
    _finish(message_id, audit=audit, at=now, action=trail.WITHHELD, state=MessageState.WITHHELD.value, answer=answer)


def retry(*, message_id: int, now: datetime, audit: Trail, staff: int | None = None) -> OutboxLine:
    """A failed or withheld message queued again now, with its tries counted afresh (`kiosk outbox --retry ID`),
    recorded as MESSAGE_RETRIED by whoever asked."""
    with write_transaction(_db()):
        changed = (OutboxMessage.update(state=MessageState.QUEUED.value, attempts=0, next_try_at=to_db(now))
                   .where((OutboxMessage.id == message_id)
                          & OutboxMessage.state.in_([MessageState.FAILED.value, MessageState.WITHHELD.value]))
                   .execute())
        row = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
        if changed and row is not None:
            trail.record(key=audit.key, at=now, desk=audit.desk, action=trail.RETRIED, message=row, staff=staff)
    if row is None:
        raise DeskError(f"There is no message {message_id} in the outbox.")
    if not changed:
        raise DeskError(f"Message {message_id} is {row.state}: only a failed or withheld message can be retried.")
    return OutboxLine.of(row)


def listing(*, states: tuple[str, ...] = (), custody_id: int | None = None, custody_ids: tuple[int, ...] = (),
            limit: int = 200) -> list[OutboxLine]:
    """The outbox, newest first: all of it, some states, or one (or some) phone records' messages (what was sent to
    whom)."""
    query = OutboxMessage.select()
    if states:
        query = query.where(OutboxMessage.state.in_(list(states)))
    if custody_id is not None:
        query = query.where(OutboxMessage.custody == custody_id)
    if custody_ids:
        query = query.where(OutboxMessage.custody.in_(list(custody_ids)))
    return [OutboxLine.of(row) for row in query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)]
