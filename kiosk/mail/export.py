"""For schools that message parents through their MIS: the queued messages as a CSV that ParentMail and Groupcall
import (recipient, mobile, email, message), each marked sent by export in the same transaction that wrote the file.

The file is written (privately, whole or not at all) before that transaction commits: if it cannot be written,
nothing is marked; if the kiosk stopped after writing and before committing, the next export repeats those
messages rather than losing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.clock import to_db
from kiosk.db.connection import write_transaction
from kiosk.db.models import Custody, OutboxMessage, database_proxy
from kiosk.db.rows import tuples
from kiosk.mail import trail
from kiosk.mail.outbox import Audience, MessageState
from kiosk.platform import write_private
from kiosk.reports.export import csv_file_bytes, to_csv

HEADER = ("recipient", "mobile", "email", "message")


def dialled(mobile: str | None) -> str:
    """A UK number as the messaging services import it (07700 900123), so the CSV's formula guard never puts a
    quote before it as it would before "+44…"."""
    number = (mobile or "").strip()
    digits = number.replace(" ", "")
    if digits.startswith("+44") and digits[3:].isdigit():
        return "0" + digits[3:]
    return number
_HELD_FROM_PARENTS = ("SAFEGUARDING_HOLD", "WITH_POLICE")


@dataclass(frozen=True)
class Exported:
    path: Path
    messages: int
    withheld: int


def export_csv(*, path: Path, now: datetime, audit_key: bytes, desk: str, staff: int | None = None) -> Exported:
    db = database_proxy.obj
    assert db is not None, "open_database first"
    with write_transaction(db):
        rows = list(OutboxMessage.select().where((OutboxMessage.state == MessageState.QUEUED.value)
                                                 & (OutboxMessage.next_try_at <= to_db(now)))
                    .order_by(OutboxMessage.id))
        custody_ids = {row.custody_id for row in rows if row.custody_id is not None}
        on_hold = {int(custody_id) for (custody_id,) in tuples(Custody.select(Custody.id).where(
            Custody.id.in_(list(custody_ids)) & Custody.state.in_(list(_HELD_FROM_PARENTS))))}
        held = [row.id for row in rows if row.audience == Audience.CARER.value and row.custody_id in on_hold]
        going = [row for row in rows if row.id not in held]
        write_private(path, csv_file_bytes(to_csv(HEADER, [(row.recipient_name, dialled(row.mobile), row.recipient,
                                             f"{row.subject}\n\n{row.body}") for row in going])))
        if held:
            (OutboxMessage.update(state=MessageState.WITHHELD.value,
                                  answer="withheld: the phone is on a safeguarding hold")
             .where(OutboxMessage.id.in_(held)).execute())
            trail.record_many(key=audit_key, at=now, desk=desk, action=trail.WITHHELD, ids=held, staff=staff)
        if going:
            (OutboxMessage.update(state=MessageState.SENT.value, sent_at=to_db(now), sent_by="export",
                                  answer=f"exported to {path.name}")
             .where(OutboxMessage.id.in_([row.id for row in going])
                    & (OutboxMessage.state == MessageState.QUEUED.value)).execute())
            trail.record_many(key=audit_key, at=now, desk=desk, action=trail.EXPORTED,
                              ids=[row.id for row in going], staff=staff, file=path.name, by="export")
    return Exported(path=path, messages=len(going), withheld=len(held))
