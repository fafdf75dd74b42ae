"""What a desk action hands back to the screen: frozen, with the words to show already chosen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kiosk.custody.states import State
from kiosk.db.models import Pupil


class Severity(StrEnum):
    OK = "ok"  # green ✔
    WARNING = "warning"  # amber ⚠: nothing changed, but look
    REFUSED = "refused"  # red ✖: the phone must not go this way


class Outcome(StrEnum):
    HANDED_IN = "HANDED IN"
    ALREADY_IN = "ALREADY IN"
    LEFT_OVERNIGHT = "LEFT OVERNIGHT"
    HANDED_BACK = "HANDED BACK"
    ALREADY_BACK = "ALREADY BACK"
    NOT_HANDED_IN = "NOT HANDED IN"
    CONFISCATED = "CONFISCATED"
    HELD = "HELD"


@dataclass(frozen=True)
class PupilSummary:
    id: int
    mis_id: str
    name: str
    legal_name: str
    form: str
    year: int | None
    active: bool

    @classmethod
    def of(cls, pupil: Pupil) -> PupilSummary:
        return cls(id=pupil.id, mis_id=pupil.mis_id, name=pupil.display_name,
                   legal_name=f"{pupil.legal_forename} {pupil.legal_surname}", form=pupil.form, year=pupil.year,
                   active=pupil.active)


@dataclass(frozen=True)
class Receipt:
    outcome: Outcome
    severity: Severity
    pupil: PupilSummary
    tag_code: str
    message: str  # the plain-words line under the headline, e.g. "since 08:31, slot 9C-14"
    slot: str | None = None
    custody_id: int | None = None
    since: datetime | None = None  # UTC
    notes: tuple[str, ...] = field(default=())  # approved exceptions, a leaver, …
    # Where a hand-back took the phone from (IN_OFFICE, or UNCOLLECTED when it was left overnight): the desk's
    # figures move by it. None for every other receipt.
    from_state: State | None = None
