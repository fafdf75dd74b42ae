"""End-of-day reconciliation by form: expected back against handed back, and what is still in the office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kiosk.clock import as_utc, local
from kiosk.config import Settings
from kiosk.custody.reports import day_report, form_order
from kiosk.custody.states import NOT_COLLECTED_AT_CLOSE, STATE_WORDS, Kind, State
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Pupil, Tag
from kiosk.formatting import long_date, weekday_date_time


@dataclass(frozen=True)
class StillIn:
    form: str
    pupil: str
    slot: str | None
    since: datetime
    state: str
    earlier_day: bool = False  # handed in before the day reconciled (so an uncollected one was left overnight)

    @property
    def words(self) -> str:
        """'in office', 'left overnight', or 'not collected at the close of day' for a phone handed in on the day
        reconciled and found by its close (it has not spent a night here yet)."""
        if self.state != State.UNCOLLECTED:
            return "in office"
        return STATE_WORDS[State.UNCOLLECTED] if self.earlier_day else NOT_COLLECTED_AT_CLOSE


@dataclass(frozen=True)
class Reconciliation:
    day: date
    lines: list[tuple[str, int, int, int]]  # form, expected back (handed in that day), handed back, still in
    still_in: list[StillIn]


@storage_guard
def reconcile(day: date, settings: Settings) -> Reconciliation:
    report = day_report(day, settings)
    lines = [(f.form, f.handed_in, f.handed_back, f.in_office + f.uncollected) for f in report.forms]
    rows = (Custody.select(Custody, Pupil, Tag).join(Pupil).switch(Custody).join(Tag)
            .where(Custody.closed_at.is_null() & (Custody.kind == Kind.DAILY)
                   & Custody.state.in_([State.IN_OFFICE, State.UNCOLLECTED])))
    still = sorted((StillIn(c.pupil.form, c.pupil.display_name, c.slot, as_utc(c.opened_at), c.state,
                            earlier_day=local(as_utc(c.opened_at), settings.tz).date() < day) for c in rows),
                   key=lambda s: (form_order(s.form), s.slot or "", s.pupil))
    return Reconciliation(day, lines, still)


def reconciliation_pdf(rec: Reconciliation, settings: Settings) -> bytes:
    # reportlab is loaded only when a paper is made, not when the desk (which reconciles on screen) starts.
    from kiosk.documents.pdf import Document

    doc = Document(f"End of day: {long_date(rec.day)}", settings.school_name)
    doc.heading("By form")
    doc.table(["Form", "Handed in", "Handed back", "Still in the office"], [list(line) for line in rec.lines])
    doc.heading(f"Still in the office ({len(rec.still_in)})")
    doc.table(["Form", "Pupil", "Slot", "In since", "State"],
              [[s.form, s.pupil, s.slot or "", weekday_date_time(local(s.since, settings.tz)),
                s.words] for s in rec.still_in])
    return doc.render()
