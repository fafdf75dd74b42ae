"""One custody record as a screen sees it: a frozen copy of its particulars, and what its state allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kiosk.clock import as_utc
from kiosk.config import Settings
from kiosk.custody import details as custody_details
from kiosk.custody.phone import PhoneParticulars
from kiosk.custody.states import Kind, Move, allows, on_safeguarding_hold
from kiosk.custody.terms import early_release_reason
from kiosk.db.models import Custody


@dataclass(frozen=True)
class PhoneRecord:
    """One stay of one phone in the office (a custody), as read; times are aware UTC."""

    id: int
    tag_id: int
    pupil_id: int
    kind: str  # daily | confiscated
    state: str
    slot: str | None
    opened_at: datetime
    state_changed_at: datetime
    closed_at: datetime | None
    confiscated_at: datetime | None
    held_until: date | None
    seal_number: str | None
    reason_category: str | None
    reason: str | None
    location: str | None
    condition: str | None
    confiscated_by_name: str | None
    handed_to: str | None
    closed_desk: str | None
    ever_on_hold: bool  # it was on a safeguarding hold at some time (dsl_flag): see refer_to_dsl
    parent_meeting_owed: bool = False  # rung 3: the parent meeting is recorded before release (parent_meeting.py)
    # A confiscated phone's particulars and where in the school it is now (issue 16: handovers move it about).
    phone: PhoneParticulars | None = None
    place: str | None = None

    @property
    def held_since(self) -> datetime:
        """When it was confiscated: a phone handed in at 08:30 and confiscated a week later was opened at 08:30 (the
        same record, converted), and a parent at the hatch must be told the day it was confiscated."""
        return self.confiscated_at or self.opened_at

    @property
    def releasable(self) -> bool:
        """A parent or carer can collect it now (only a phone held for a parent: never one held for the DSL)."""
        return allows(Move.RELEASE, self.state)

    @property
    def can_go_on_hold(self) -> bool:
        """A safeguarding concern can put it on a hold now."""
        return allows(Move.HOLD, self.state)

    @property
    def on_hold(self) -> bool:
        return on_safeguarding_hold(self.state)

    def early_release_on(self, day: date) -> bool:
        """It is held until a later day than `day` (whatever the time: see early_release_at for the rule)."""
        return self.held_until is not None and self.held_until > day

    def early_release_at(self, at: datetime, settings: Settings) -> str | None:
        """Why collecting it at `at` is an early release a head or the DSL must authorise (before the day it is held
        until, or before the end of that school day), or None. The rule is kiosk.custody.terms' (release decides
        by it); this lets a screen say so before anyone types a PIN."""
        return early_release_reason(self.held_until, at=at, settings=settings)

    def refer_to_dsl(self, *, dsl: bool) -> bool:
        """To anyone but the DSL and the head, a record that was ever on a safeguarding hold is no more than
        "held — refer to the DSL" (its whole history, not only while the hold lasts)."""
        return self.ever_on_hold and not dsl


def record_of(custody: Custody) -> PhoneRecord:
    return PhoneRecord(
        id=custody.id, tag_id=custody.tag_id, pupil_id=custody.pupil_id, kind=custody.kind, state=custody.state,
        slot=custody.slot, opened_at=as_utc(custody.opened_at), state_changed_at=as_utc(custody.state_changed_at),
        closed_at=_utc(custody.closed_at), confiscated_at=_utc(custody.confiscated_at),
        held_until=custody.held_until, seal_number=custody.seal_number, reason_category=custody.reason_category,
        reason=custody.reason, location=custody.location, condition=custody.condition,
        confiscated_by_name=custody.confiscated_by_name, handed_to=custody.handed_to,
        closed_desk=custody.closed_desk, ever_on_hold=bool(custody.dsl_flag),
        parent_meeting_owed=custody_details.meeting_owed(custody), **_kept_with(custody))


def _kept_with(custody: Custody) -> dict[str, Any]:
    """The particulars in a confiscation's details (a daily record has none: nothing is parsed on the scan path)."""
    if custody.kind != Kind.CONFISCATED or not custody.details_json:
        return {}
    details = custody_details.read(custody)
    return {"phone": PhoneParticulars.from_details(details.get("phone")), "place": details.get("place")}


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None
