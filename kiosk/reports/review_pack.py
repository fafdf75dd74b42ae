"""The annual policy review pack (policy §8): the review's questions answered from the records, in one PDF.

Counts only where a name is not needed: the pack goes to the head and governors. The figures are in
kiosk/reports/review_figures.py (and review_impact.py), the pages in kiosk/documents/review_papers.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from kiosk.config import Settings
from kiosk.documents.review_papers import review_pack_pdf
from kiosk.reports.periods import Period
from kiosk.reports.review_figures import ReviewFigures, review_figures
from kiosk.reports.review_impact import impact


def next_review_due(made_on: date) -> date:
    """Policy §8: reviewed at least annually, so by a year after this review (28 Feb for a 29 Feb review)."""
    try:
        return made_on.replace(year=made_on.year + 1)
    except ValueError:
        return made_on.replace(year=made_on.year + 1, day=28)


@dataclass(frozen=True)
class ReviewPack:
    pdf: bytes
    figures: ReviewFigures
    next_review: date


def review_pack(p: Period, settings: Settings, *, include_safeguarding: bool, today: date | None = None,
                made_at: datetime | None = None, next_review: date | None = None,
                notes_key: bytes | None = None) -> bytes:
    """`include_safeguarding` only for a role with Permission.SAFEGUARDING (the caller checks it); `notes_key` with
    it, to count the holds by their kind of concern (kept encrypted)."""
    return make_review_pack(p, settings, include_safeguarding=include_safeguarding, today=today, made_at=made_at,
                            next_review=next_review, notes_key=notes_key).pdf


def make_review_pack(p: Period, settings: Settings, *, include_safeguarding: bool, today: date | None = None,
                     made_at: datetime | None = None, next_review: date | None = None,
                     notes_key: bytes | None = None) -> ReviewPack:
    """The pack and the figures it prints (the message sending it to the head quotes a few of them)."""
    made_at = made_at or datetime.now(UTC)
    today = today or made_at.astimezone(settings.tz).date()
    figures = review_figures(p, settings, today=today, include_safeguarding=include_safeguarding,
                             notes_key=notes_key if include_safeguarding else None)
    comparisons = impact(p, settings, today=today, lines=list(figures.lines))
    next_review = next_review or next_review_due(today)
    pdf = review_pack_pdf(figures, comparisons, school=settings.school_name,
                          made_at=made_at.astimezone(settings.tz), next_review=next_review)
    return ReviewPack(pdf=pdf, figures=figures, next_review=next_review)
