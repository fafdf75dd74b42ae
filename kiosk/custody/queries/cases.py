"""What the DSL's screens read beyond the holds: phones with the police awaiting the police's outcome, the cases
whose outcome is recorded (the closed-cases view, DSL and head only), searches the DSL was told of, and the
confiscated phones an examination may be recorded for. No DSL note's text, kind of concern or examination detail
is here: reading those is an audited domain action (kiosk.custody.safeguarding, kiosk.custody.examinations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.clock import as_utc
from kiosk.custody import details as custody_details
from kiosk.custody.queries.records import PhoneRecord, record_of
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.states import MOVES, POLICE_OUTCOMES, State
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Event, Pupil, Search

OUTCOME_ACTIONS = tuple(MOVES[move].action for move in POLICE_OUTCOMES)


@dataclass(frozen=True)
class PoliceCase:
    """A phone handed to the police: the case is open until the police's outcome is recorded."""

    record: PhoneRecord
    pupil: PupilSummary
    handed_over_at: datetime  # aware UTC
    officer: str  # as the handover recorded it ("Police: PC … (number, force)")
    crime_reference: str
    outcome: str | None  # None: still open
    outcome_at: str | None  # as recorded (ISO), None while open
    outcome_by: str | None
    outcome_reference: str | None


def _case(custody: Custody) -> PoliceCase:
    details = custody_details.read(custody)
    police = details.get("police") or {}
    outcome = details.get("police_outcome") or {}
    return PoliceCase(record=record_of(custody), pupil=PupilSummary.of(custody.pupil),
                      handed_over_at=as_utc(custody.closed_at or custody.state_changed_at),
                      officer=str(police.get("officer_name") or custody.handed_to or "—"),
                      crime_reference=str(police.get("crime_reference") or "—"),
                      outcome=outcome.get("outcome"), outcome_at=outcome.get("recorded_at"),
                      outcome_by=outcome.get("by"), outcome_reference=outcome.get("reference"))


@storage_guard
def police_cases_open() -> tuple[PoliceCase, ...]:
    """Every phone with the police whose outcome is not yet recorded, the longest with them first."""
    rows = (Custody.select(Custody, Pupil).join(Pupil).where(Custody.state == State.WITH_POLICE)
            .order_by(Custody.state_changed_at))
    return tuple(_case(c) for c in rows)


@storage_guard
def closed_cases() -> tuple[PoliceCase, ...]:
    """Every case whose police outcome is recorded (returned, retained or destroyed), the latest first."""
    ids = Event.select(Event.custody).where(Event.action.in_(OUTCOME_ACTIONS) & Event.custody.is_null(False))
    rows = (Custody.select(Custody, Pupil).join(Pupil).where(Custody.id.in_(ids))
            .order_by(Custody.state_changed_at.desc()))
    return tuple(_case(c) for c in rows)


@dataclass(frozen=True)
class SearchTold:
    """A search the DSL was told of (policy §6.1): who, when, whether anything was found; not the grounds."""

    id: int
    pupil: PupilSummary
    at: datetime  # aware UTC
    searched_by: str
    authorised_by: str
    nothing_found: bool
    parent_informed: bool


@storage_guard
def searches_for_the_dsl(*, limit: int = 200) -> tuple[SearchTold, ...]:
    """Searches recorded with "DSL informed", the latest first."""
    rows = (Search.select(Search, Pupil).join(Pupil).where(Search.dsl_informed)
            .order_by(Search.at.desc(), Search.id.desc()).limit(limit))
    return tuple(SearchTold(id=s.id, pupil=PupilSummary.of(s.pupil), at=as_utc(s.at), searched_by=s.searched_by_name,
                            authorised_by=s.authorised_by_name, nothing_found=s.nothing_found,
                            parent_informed=s.parent_informed) for s in rows)


@dataclass(frozen=True)
class HeldPhone:
    record: PhoneRecord
    pupil: PupilSummary


@storage_guard
def confiscated_phones() -> tuple[HeldPhone, ...]:
    """Confiscated phones in the school's hands (held for a parent, or on a hold): the examination screen's list.
    A phone on a hold is listed so the refusal is said, not hidden."""
    rows = (Custody.select(Custody, Pupil).join(Pupil)
            .where(Custody.state.in_([State.HELD_FOR_PARENT, State.SAFEGUARDING_HOLD]) & Custody.closed_at.is_null())
            .order_by(Pupil.form, Pupil.legal_surname, Custody.id))
    return tuple(HeldPhone(record_of(c), PupilSummary.of(c.pupil)) for c in rows)
