"""The outbox worker: one round sends what is due, oldest first, through one connection to the server.

It runs beside the desk (never on the desk's serial worker) or as `kiosk outbox send`. Each message is claimed
(queued → sending, committed) before it goes, and marked sent only in the commit that records the server's answer;
anything the server refuses goes back to queued with a later try, or to failed, with the server's words kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kiosk.clock import Clock, as_utc
from kiosk.config import Settings
from kiosk.db.models import Custody, OutboxMessage
from kiosk.mail import outbox
from kiosk.mail.compose import Attached, Outgoing, compose
from kiosk.mail.errors import MailNotSent
from kiosk.mail.outbox import Audience, MessageState
from kiosk.mail.senders import Sender

# A phone in one of these states: no message to its carers goes (the DSL decides what parents are told).
_HELD_FROM_PARENTS = ("SAFEGUARDING_HOLD", "WITH_POLICE")

RenderAttachment = Callable[[str | None, str | None, Settings], Attached | None]


@dataclass(frozen=True)
class Round:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    withheld: int = 0
    resent: int = 0  # sent again after a crash left them unconfirmed
    reason: str = ""  # why the round stopped early (the server down, the login refused)


def _round(counts: dict[str, int], reason: str = "") -> Round:
    return Round(sent=counts["sent"], retried=counts["retried"], failed=counts["failed"],
                 withheld=counts["withheld"], resent=counts["resent"], reason=reason)


def _outgoing(row: OutboxMessage) -> Outgoing:
    return Outgoing(message_id=row.message_id, recipient=row.recipient, recipient_name=row.recipient_name,
                    subject=row.subject, body=row.body, resends=row.resends, template=row.template)


def _held_from_parents(row: OutboxMessage) -> bool:
    if row.audience != Audience.CARER.value or row.custody_id is None:
        return False
    state = Custody.select(Custody.state).where(Custody.id == row.custody_id).scalar()
    return state in _HELD_FROM_PARENTS


def send_due(*, sender: Sender, clock: Clock, settings: Settings, render_attachment: RenderAttachment,
             audit_key: bytes, lease_seconds: float = outbox.SENDING_LEASE_SECONDS, limit: int = 50) -> Round:
    """One round. Each message sent, failed or withheld is an audit event (kiosk/mail/trail.py) recorded by this
    desk (settings.desk), in the commit that records it."""
    now = clock.now()
    audit = outbox.Trail(key=audit_key, desk=settings.desk)
    recovered = outbox.recover_unconfirmed(now=now, lease_seconds=lease_seconds)
    due = outbox.due_ids(now=now, limit=limit)
    if not due:
        return Round()
    counts: dict[str, int] = {"sent": 0, "retried": 0, "failed": 0, "withheld": 0, "resent": 0}

    def not_sent(message_id: int, error: MailNotSent) -> None:
        state = outbox.record_not_sent(message_id=message_id, now=clock.now(), answer=error.answer,
                                       permanent=error.permanent, audit=audit)
        counts["failed" if state == MessageState.FAILED.value else "retried"] += 1

    try:
        with sender.session() as session:
            for message_id in due:
                row = outbox.claim(message_id=message_id, now=clock.now())
                if row is None:
                    continue  # another desk's worker took it
                if _held_from_parents(row):
                    outbox.record_withheld(message_id=message_id,
                                           answer="withheld: the phone is on a safeguarding hold",
                                           now=clock.now(), audit=audit)
                    counts["withheld"] += 1
                    continue
                try:
                    attachment = render_attachment(row.attachment, row.attachment_json, settings)
                    mail = compose(_outgoing(row), sender_address=settings.mail_from,
                                   sender_name=settings.school_name, reply_to=settings.mail_reply_to,
                                   attachment=attachment, date_header=as_utc(clock.now()))
                except Exception as exc:  # noqa: BLE001 - a paper that cannot be made fails this message only,
                    # and says so: left "sending" it would come back later counted as a resend
                    not_sent(message_id, MailNotSent("The message could not be made.",
                                                     answer=f"not made: {type(exc).__name__}", permanent=True))
                    continue
                try:
                    answer = session.send(mail)
                except MailNotSent as error:
                    not_sent(message_id, error)
                    if error.connection_lost:
                        return _round(counts, error.answer)
                    continue
                outbox.record_accepted(message_id=message_id, now=clock.now(), answer=answer, by=sender.name,
                                       audit=audit)
                counts["sent"] += 1
                if message_id in recovered or row.resends:
                    counts["resent"] += 1
    except MailNotSent as error:
        # No connection or no login: nothing was handed over. Each message due counts the try and waits its turn.
        # (Messages already tried in this round before the connection was lost were recorded one by one.)
        for state in outbox.record_round_failed(message_ids=due, now=clock.now(), answer=error.answer,
                                                      audit=audit).values():
            counts["failed" if state == MessageState.FAILED.value else "retried"] += 1
        return _round(counts, error.answer)
    return _round(counts)


def next_due(*, now: datetime) -> datetime | None:
    """When the next queued message is due, for a worker deciding how long to sleep."""
    value = (OutboxMessage.select(OutboxMessage.next_try_at).where(OutboxMessage.state == MessageState.QUEUED.value)
             .order_by(OutboxMessage.next_try_at).limit(1).scalar())
    return as_utc(value) if value is not None else None
