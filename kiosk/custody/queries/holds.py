"""What the DSL's holds screen and the sign-in alert read: the phones on a safeguarding hold, and how many DSL
notes each has (never their text: reading that is an audited action, kiosk.custody.safeguarding.read_dsl_notes)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.custody.queries.records import PhoneRecord, record_of
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.states import State
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, DslNote, Pupil


@dataclass(frozen=True)
class Hold:
    record: PhoneRecord  # record.state_changed_at: on hold since
    pupil: PupilSummary


@storage_guard
def holds_now() -> tuple[Hold, ...]:
    """Every phone on a safeguarding hold, the longest-held first."""
    rows = (Custody.select(Custody, Pupil).join(Pupil)
            .where((Custody.state == State.SAFEGUARDING_HOLD) & Custody.closed_at.is_null())
            .order_by(Custody.state_changed_at))
    return tuple(Hold(record_of(c), PupilSummary.of(c.pupil)) for c in rows)


@storage_guard
def dsl_note_count(*, custody_id: int) -> int:
    return DslNote.select().where(DslNote.custody == custody_id).count()

