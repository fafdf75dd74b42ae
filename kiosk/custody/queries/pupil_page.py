"""The pupil page (F4) in one read: the pupil, where their phones are now, their tags (with the phone each is for),
carers, exceptions and history. The ladder (confiscations this term) is kiosk.custody.confiscation.ladder_position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kiosk.clock import as_utc
from kiosk.custody.phone import PhoneParticulars
from kiosk.custody.queries.history import HistoryLine, pupil_history
from kiosk.custody.queries.pupils import CarerOption, carers_on_roster
from kiosk.custody.queries.records import PhoneRecord, record_of
from kiosk.custody.receipts import PupilSummary
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, PhoneException, Pupil, Tag


@dataclass(frozen=True)
class TagLine:
    code: str
    status: str  # active | lost | retired
    device: str | None
    created_at: datetime  # UTC
    label_printed_at: datetime | None  # UTC
    id: int = 0
    phone: PhoneParticulars | None = None  # the phone the tag is for, as the office recorded it (None: not recorded)

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class ExceptionLine:
    kind: str
    valid_from: date
    valid_to: date | None
    notes: str | None
    approved_by_name: str
    agreement_ref: str | None

    def standing_on(self, day: date) -> str:
        """"active", "ended" or "starts later" on `day` (an exception is in force on its first and last day)."""
        if self.valid_from <= day and (self.valid_to is None or self.valid_to >= day):
            return "active"
        return "ended" if self.valid_to and self.valid_to < day else "starts later"


@dataclass(frozen=True)
class PupilPage:
    pupil: PupilSummary
    left_on: date | None
    phones_now: tuple[PhoneRecord, ...]  # open records, oldest first
    tags: tuple[TagLine, ...]  # in the order they were made
    carers: tuple[CarerOption, ...]  # in the MIS's order
    exceptions: tuple[ExceptionLine, ...]  # by start date
    history: tuple[HistoryLine, ...]  # newest first


@storage_guard
def pupil_page(*, pupil_id: int, dsl: bool, examinations: bool | None = None) -> PupilPage | None:
    """Everything the pupil page shows, or None when the pupil is no longer on the roster. `dsl`: the reader is
    the DSL or the head (see kiosk.custody.queries.history for what anyone else is not shown); `examinations`: the
    reader may see examinations of a phone's data (by default, as `dsl`)."""
    pupil = Pupil.get_or_none(Pupil.id == pupil_id)
    if pupil is None:
        return None
    phones = (Custody.select().where((Custody.pupil == pupil_id) & Custody.closed_at.is_null())
              .order_by(Custody.opened_at))
    tags = Tag.select().where(Tag.pupil == pupil_id).order_by(Tag.id)
    exceptions = PhoneException.select().where(PhoneException.pupil == pupil_id).order_by(PhoneException.valid_from)
    return PupilPage(
        pupil=PupilSummary.of(pupil), left_on=pupil.left_on,
        phones_now=tuple(record_of(c) for c in phones),
        tags=tuple(TagLine(t.code, t.status, t.device, as_utc(t.created_at),
                           as_utc(t.label_printed_at) if t.label_printed_at else None, id=t.id,
                           phone=PhoneParticulars.from_json(t.phone_json)) for t in tags),
        carers=carers_on_roster(pupil_id=pupil_id),
        exceptions=tuple(ExceptionLine(e.kind, e.valid_from, e.valid_to, e.notes, e.approved_by_name,
                                       e.agreement_ref) for e in exceptions),
        history=pupil_history(pupil_id=pupil_id, dsl=dsl, examinations=examinations))
