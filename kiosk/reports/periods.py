"""The periods a report covers: a day, a school week, a term, the school year, or any range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kiosk.clock import local_day_bounds, to_db
from kiosk.config import Settings
from kiosk.custody.terms import term_containing, terms


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str

    def bounds(self, settings: Settings) -> tuple[datetime, datetime]:
        """Naive-UTC [lo, hi) for database comparisons, from the school-local days."""
        lo, _ = local_day_bounds(self.start, settings.tz)
        _, hi = local_day_bounds(self.end, settings.tz)
        return to_db(lo), to_db(hi)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def period(kind: str, today: date, settings: Settings, *, start: date | None = None,
           end: date | None = None) -> Period:
    if kind == "day":
        return Period(today, today, f"{today:%A %-d %B %Y}")
    if kind == "week":
        monday = today - timedelta(days=today.weekday())
        return Period(monday, monday + timedelta(days=4), f"week beginning {monday:%-d %B %Y}")
    if kind == "term":
        first, last = term_containing(today, settings)
        return Period(first, last, f"term {first:%-d %b %Y} – {last:%-d %b %Y}")
    if kind == "year":
        first, last = school_year(today, settings)
        return Period(first, last, f"school year {first:%Y}/{last:%y}")
    if kind == "custom":
        if start is None or end is None or end < start:
            raise ValueError("a custom period needs a start and an end on or after it")
        return Period(start, end, f"{start:%-d %b %Y} – {end:%-d %b %Y}")
    raise ValueError(f"unknown period {kind!r}: day, week, term, year or custom")


def school_year(today: date, settings: Settings) -> tuple[date, date]:
    """1 September to 31 August, or the configured terms' span when they cover `today`."""
    first_year = today.year if today.month >= 9 else today.year - 1
    start, end = date(first_year, 9, 1), date(first_year + 1, 8, 31)
    inside = [(a, b) for a, b in terms(settings) if start <= a <= end]
    return (inside[0][0], inside[-1][1]) if inside else (start, end)
