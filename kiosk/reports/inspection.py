"""The inspection summary: one page the head can hand an inspector on the day — this term in numbers,
consistency by year group, repeat rates, and how the records are kept (the audit trail verified as the page
was made, with the chain head it reached)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from kiosk.audit.verify import verify
from kiosk.config import Settings
from kiosk.custody.terms import term_containing
from kiosk.db.connection import storage_guard
from kiosk.db.models import AuditHead
from kiosk.documents.review_papers import RecordsCheck, inspection_pdf
from kiosk.formatting import short_date
from kiosk.reports.periods import Period
from kiosk.reports.review_figures import review_figures


@storage_guard
def check_records(key: bytes, *, at: datetime, witness: list[Path] | None = None) -> RecordsCheck:
    """`kiosk audit verify` now, and the chain head it checked up to."""
    report = verify(key, witness=witness or None)
    head = AuditHead.get_or_none(AuditHead.id == 1)
    return RecordsCheck(checked_at=at, ok=report.ok, events_checked=report.events_checked,
                        problems=len(report.problems), head_seq=head.seq if head else 0,
                        head_chain=head.chain if head else "")


def this_term(today: date, settings: Settings) -> Period:
    """The term `today` falls in (in a holiday, the term just gone), up to today."""
    start, end = term_containing(today, settings)
    return Period(start, min(end, today), f"term {short_date(start)} – {short_date(end)}")


def inspection_summary(settings: Settings, *, today: date, made_at: datetime, records: RecordsCheck,
                       term: Period | None = None) -> bytes:
    """Counts only (no safeguarding counts: the page is handed over; the DSL speaks to those)."""
    term = term or this_term(today, settings)
    figures = review_figures(term, settings, today=today, include_safeguarding=False)
    return inspection_pdf(figures, school=settings.school_name, made_at=made_at.astimezone(settings.tz),
                          records=replace(records, checked_at=records.checked_at.astimezone(settings.tz)))
