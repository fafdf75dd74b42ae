"""A head of year's notices: each 2nd or later confiscation this term of a pupil in their year group, and whether
this member of staff has read it (their NOTICES_READ events). Read from custody records and events alone."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.clock import as_utc, local_day_bounds, to_db
from kiosk.config import Settings
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.states import Kind
from kiosk.custody.terms import term_containing
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Event, Pupil
from kiosk.db.rows import tuples
from kiosk.privacy import purged

NOTICES_READ = "NOTICES_READ"  # the event a member of staff's "mark read" appends (payload: custody_ids)


@dataclass(frozen=True)
class HeadOfYearNotice:
    """"Zoë Hall (9C): 2nd confiscation this term, Tue 1 Dec 10:00, used in lesson" — for the pupil's head of
    year."""

    custody_id: int
    pupil: PupilSummary
    count_this_term: int  # 2 for the 2nd confiscation this term, 3 for the 3rd…
    confiscated_at: datetime  # UTC
    reason_category: str
    held_until: date | None
    read: bool = False


@storage_guard
def notices_this_term(*, settings: Settings, today: date, year_group: int | None = None,
                      staff_id: int | None = None, since: datetime | None = None) -> tuple[HeadOfYearNotice, ...]:
    """Every 2nd or later confiscation this term (of `year_group`'s pupils when given; at or after `since` when
    given), oldest first; `read` says whether `staff_id` marked it read."""
    start, end = term_containing(today, settings)
    lo, _ = local_day_bounds(start, settings.tz)
    _, hi = local_day_bounds(max(end, today), settings.tz)
    query = (Custody.select(Custody, Pupil).join(Pupil)
             .where((Custody.kind == Kind.CONFISCATED) & Custody.confiscated_at.is_null(False)
                    & (Custody.confiscated_at >= to_db(lo)) & (Custody.confiscated_at < to_db(hi))
                    & purged.not_purged())
             .order_by(Custody.confiscated_at, Custody.id))
    if year_group is not None:
        query = query.where(Pupil.year == year_group)
    read = read_by(staff_id) if staff_id is not None else frozenset()
    counted: dict[int, int] = defaultdict(int)
    notices = []
    for c in query:
        counted[c.pupil_id] += 1  # the term's confiscations in order: this one is the pupil's nth
        if counted[c.pupil_id] < 2 or c.confiscated_at is None:
            continue
        at = as_utc(c.confiscated_at)
        if since is not None and at < since:
            continue
        notices.append(HeadOfYearNotice(c.id, PupilSummary.of(c.pupil), counted[c.pupil_id], at,
                                        c.reason_category or "", c.held_until, c.id in read))
    return tuple(notices)


def read_by(staff_id: int) -> frozenset[int]:
    """The custody records whose notice `staff_id` has marked read."""
    ids: set[int] = set()
    for (payload,) in tuples(Event.select(Event.payload_json).where((Event.action == NOTICES_READ)
                                                                     & (Event.staff == staff_id))):
        # A payload erased by retention (long after the term) no longer says which: those notices are old.
        ids.update(int(i) for i in (json.loads(payload).get("custody_ids", []) if payload else []))
    return frozenset(ids)
