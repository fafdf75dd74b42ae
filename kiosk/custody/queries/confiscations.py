"""A pupil's confiscated phones as the confiscation and release screens read them: what is held now, what was
confiscated earlier this term, how the last one ended, and whether a tag's phone is in the office already."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from peewee import fn

from kiosk.clock import as_utc, local, to_db
from kiosk.custody.exceptions import ActiveException, active_exceptions
from kiosk.custody.queries.records import PhoneRecord, record_of
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.states import Kind, State
from kiosk.custody.transitions import released_words
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Pupil, Staff
from kiosk.formatting import moment


@dataclass(frozen=True)
class LastConfiscation:
    """How the pupil's most recently closed confiscation ended."""

    state: str  # RELEASED or WITH_POLICE
    closed_at: datetime  # UTC
    handed_to: str | None
    closed_by: str | None  # the member of staff's name; None when no longer on the kiosk
    closed_desk: str | None

    def words(self, *, tz: ZoneInfo, today: date) -> str:
        """One sentence for the release screen when nothing is held: who took the last one home, or that the
        police have it; "" for any other ending."""
        if self.state == State.RELEASED:  # the sentence a desk is told when another desk released it first
            return released_words(handed_to=self.handed_to, by=self.closed_by, desk=self.closed_desk,
                                  at=local(self.closed_at, tz))
        if self.state == State.WITH_POLICE:
            return f"The last one was handed to the police on {moment(local(self.closed_at, tz), today)}."
        return ""


@storage_guard
def confiscations_held(*, pupil_id: int) -> tuple[PhoneRecord, ...]:
    """The pupil's confiscated phones still in the office (held for a parent, or for the DSL), oldest first."""
    rows = (Custody.select().where((Custody.pupil == pupil_id) & Custody.closed_at.is_null()
                                   & (Custody.kind == Kind.CONFISCATED)).order_by(Custody.opened_at))
    return tuple(record_of(c) for c in rows)


@storage_guard
def last_confiscation(*, pupil_id: int) -> LastConfiscation | None:
    """The pupil's confiscation that was closed last (released, or handed to the police), if any."""
    last = (Custody.select().where((Custody.pupil == pupil_id) & (Custody.kind == Kind.CONFISCATED)
                                   & Custody.closed_at.is_null(False))
            .order_by(Custody.closed_at.desc()).first())
    if last is None:
        return None
    by = Staff.get_or_none(Staff.id == last.closed_by_id) if last.closed_by_id is not None else None
    return LastConfiscation(last.state, as_utc(last.closed_at), last.handed_to, by.name if by else None,
                            last.closed_desk)


@storage_guard
def confiscations_since(*, pupil_id: int, since: datetime) -> tuple[PhoneRecord, ...]:
    """The pupil's confiscations made at or after `since`, oldest first: the ladder's "Before:" line. By the time of
    confiscation, as the ladder counts them: a hand-in converted today was opened on an earlier day."""
    rows = (Custody.select().where((Custody.pupil == pupil_id) & (Custody.kind == Kind.CONFISCATED)
                                   & (Custody.confiscated_at >= to_db(since)))
            .order_by(Custody.confiscated_at))
    return tuple(record_of(c) for c in rows)


@storage_guard
def open_record_of_tag(*, tag_id: int) -> PhoneRecord | None:
    """The record of the tag's phone while it is in the office (there is at most one), else None."""
    row = Custody.select().where((Custody.tag == tag_id) & Custody.closed_at.is_null()).first()
    return record_of(row) if row else None


@dataclass(frozen=True)
class SealedPhone:
    """A phone in the office sealed in a given bag, and whose it is."""

    phone: PhoneRecord
    pupil: PupilSummary


def seal_key(seal_number: str) -> str:
    """A seal number as compared: "bag-0001 " typed is the bag labelled BAG-0001."""
    return seal_number.strip().lower()  # as SQL LOWER compares


@storage_guard
def held_phone_sealed_in(*, seal_number: str) -> SealedPhone | None:
    """The phone still in the office in bag `seal_number` (case and spaces around it ignored), if any: a seal is
    unique while its phone is held, and a bag scanned or typed at release finds its phone."""
    key = seal_key(seal_number)
    if not key:
        return None
    row = (Custody.select(Custody, Pupil).join(Pupil)
           .where(Custody.closed_at.is_null() & (fn.LOWER(fn.TRIM(Custody.seal_number)) == key))
           .order_by(Custody.opened_at).first())
    return SealedPhone(record_of(row), PupilSummary.of(row.pupil)) if row is not None else None


@storage_guard
def exceptions_in_force(*, pupil_id: int, day: date) -> tuple[ActiveException, ...]:
    """The pupil's approved exceptions in force on `day` ("insulin pump controlled from phone"): shown prominently
    whenever their phone is confiscated, so nobody takes a phone a pupil's health depends on without knowing."""
    return tuple(active_exceptions(pupil_id, day))
