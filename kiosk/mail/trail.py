"""Each message's life in the sealed history: queued, sent, failed, withheld, exported, retried — one audit event
each, written in the same transaction as the outbox row's change, so the trail shows what went to whom and when.

An event names the message (its outbox id, template and Message-ID), the address and when; never its subject, its
body, a note or a concern: the history may be shown to people the message was not for, and a safeguarding word must
not reach it by this route either. It names the phone record (custody id, as it then stood), so retention erases
it with that record's other events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.audit import append_event
from kiosk.db.models import Custody, OutboxMessage

QUEUED, SENT, FAILED, WITHHELD, EXPORTED, RETRIED = ("MESSAGE_QUEUED", "MESSAGE_SENT", "MESSAGE_FAILED",
                                                     "MESSAGE_WITHHELD", "MESSAGE_EXPORTED", "MESSAGE_RETRIED")
ACTIONS = (QUEUED, SENT, FAILED, WITHHELD, EXPORTED, RETRIED)
# Only these go into an event's payload (a test checks no other key, and no body, ever appears).
PAYLOAD_KEYS = frozenset({"message", "template", "to", "audience", "message_id", "answer", "by", "resends", "file",
                          "attempts"})


def record(*, key: bytes, at: datetime, desk: str, action: str, message: OutboxMessage, staff: int | None = None,
           **extra: Any) -> None:
    """Append `action` for `message`. Inside the transaction that changed the message's row."""
    assert action in ACTIONS and set(extra) <= PAYLOAD_KEYS, "a message's event carries only what the trail allows"
    custody_id = message.custody_id
    state = (Custody.select(Custody.state).where(Custody.id == custody_id).scalar()
             if custody_id is not None else None)
    payload = {"message": message.id, "template": message.template, "to": message.recipient,
               "audience": message.audience, "message_id": message.message_id, **extra}
    append_event(key=key, at=at, desk=desk, staff=staff, action=action, custody=custody_id, custody_state=state,
                 payload=payload)


def record_many(*, key: bytes, at: datetime, desk: str, action: str, ids: list[int], staff: int | None = None,
                **extra: Any) -> None:
    for message in OutboxMessage.select().where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id):
        record(key=key, at=at, desk=desk, action=action, message=message, staff=staff, **extra)
