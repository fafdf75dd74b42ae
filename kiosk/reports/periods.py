"""The periods a report covers: a day, a school week, a term, the school year, or any range; and the dates
the office types for a range ("3/11/2026", "03-11-2026", "2026-11-03", "3 Nov")."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kiosk.clock import local_day_bounds, to_db
from kiosk.config import Settings
from kiosk.custody.terms import term_containing, terms
from kiosk.formatting import day_month_year, long_date, short_date


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
        return Period(today, today, long_date(today))
    if kind == "week":
        monday = today - timedelta(days=today.weekday())
        return Period(monday, monday + timedelta(days=4), f"week beginning {day_month_year(monday)}")
    if kind == "term":
        first, last = term_containing(today, settings)
        return Period(first, last, f"term {short_date(first)} – {short_date(last)}")
    if kind == "year":
        first, last = school_year(today, settings)
        return Period(first, last, f"school year {first:%Y}/{last:%y}")
    if kind == "custom":
        if start is None or end is None:
            raise ValueError("A range needs a first day and a last day.")
        if end < start:
            raise ValueError(f"The range ends ({short_date(end)}) before it starts ({short_date(start)}): "
                             "swap the two dates.")
        return Period(start, end, f"{short_date(start)} – {short_date(end)}")
    raise ValueError(f"unknown period {kind!r}: day, week, term, year or custom")


def school_year(today: date, settings: Settings) -> tuple[date, date]:
    """1 September to 31 August, or the configured terms' span when they cover `today`."""
    first_year = today.year if today.month >= 9 else today.year - 1
    start, end = date(first_year, 9, 1), date(first_year + 1, 8, 31)
    inside = [(a, b) for a, b in terms(settings) if start <= a <= end]
    return (inside[0][0], inside[-1][1]) if inside else (start, end)


class BadDate(ValueError):
    """A typed date that could not be read; the message says what was typed and the forms that work."""


DATE_FORMS = "e.g. 3/11/2026, 03-11-2026, 2026-11-03 or 3 Nov"
_MONTHS = {name.casefold(): number for number in range(1, 13)
           for name in (calendar.month_name[number], calendar.month_abbr[number])} | {"sept": 9}
_NUMERIC = re.compile(r"(\d{1,4})[/.\-](\d{1,2})(?:[/.\-](\d{2,4}))?")
_WORDS = re.compile(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s*([a-z]+)\.?|([a-z]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?)"
                    r"(?:\s*,?\s*(\d{2,4}))?")


def parse_day(text: str, *, today: date, ahead: bool = False) -> date:
    """A date as the office types it: day first (UK), with the year optional.

    Without a year, the most recent such day on or before `today` (reports look back: in November "3 Dec"
    is last December), or with `ahead` the first on or after it (an exception's last day is to come). Every
    `kiosk` date option reads its dates here (kiosk.cli.day_first). Raises BadDate with a message fit to show
    as it is.
    """
    typed = " ".join(text.strip().casefold().split())
    if not typed:
        raise BadDate(f"Type a date ({DATE_FORMS}).")
    if typed in ("today", "yesterday"):
        return today - timedelta(days=typed == "yesterday")
    if m := _NUMERIC.fullmatch(typed):
        first, second, third = m.groups()
        if len(first) == 4:  # ISO: year, month, day
            if third is None or not 1 <= int(second) <= 12:
                raise BadDate(f"'{text.strip()}' is not a date I can read ({DATE_FORMS}).")
            return _make(int(first), int(second), int(third), text)
        if len(first) > 2:
            raise BadDate(f"'{text.strip()}' is not a date I can read ({DATE_FORMS}).")
        year = _full_year(third, text) if third else None
        return _dated(int(first), int(second), year, today, text, ahead)
    if m := _WORDS.fullmatch(typed):
        day_a, month_a, month_b, day_b, year_text = m.groups()
        month_name, day = (month_a, day_a) if month_a else (month_b, day_b)
        month = _MONTHS.get(month_name)
        if month is None:
            raise BadDate(f"'{month_name}' in '{text.strip()}' is not a month ({DATE_FORMS}).")
        return _dated(int(day), month, _full_year(year_text, text) if year_text else None, today, text, ahead)
    raise BadDate(f"'{text.strip()}' is not a date I can read ({DATE_FORMS}).")


def custom_period(first: str, last: str, *, today: date, settings: Settings) -> Period:
    """The range between two typed dates, inclusive; BadDate (a ValueError) says which date is wrong and why."""
    try:
        start = parse_day(first, today=today)
    except BadDate as error:
        raise BadDate(f"First day: {error}") from None
    try:
        end = parse_day(last, today=today)
    except BadDate as error:
        raise BadDate(f"Last day: {error}") from None
    try:
        return period("custom", today, settings, start=start, end=end)
    except ValueError as error:
        raise BadDate(str(error)) from None


def _full_year(text: str, typed: str) -> int:
    if len(text) == 2:
        return 2000 + int(text)
    if len(text) == 4:
        return int(text)
    raise BadDate(f"The year in '{typed.strip()}' should have 4 digits, e.g. 2026.")


def _dated(day: int, month: int, year: int | None, today: date, typed: str, ahead: bool = False) -> date:
    if not 1 <= month <= 12:
        swapped = f"{month}/{day}" + (f"/{year}" if year is not None else "")
        hint = (f" Dates are day first: for {month} {calendar.month_name[day]} type {swapped}."
                if 1 <= day <= 12 and 1 <= month <= 31 else "")
        raise BadDate(f"'{typed.strip()}' has no month {month}.{hint}")
    if year is not None:
        return _make(year, month, day, typed)
    step = 1 if ahead else -1
    for years in range(9):  # 29 February without a year: the last one there was (or the next one to come)
        try:
            candidate = date(today.year + step * years, month, day)
        except ValueError:
            continue
        if (candidate >= today) if ahead else (candidate <= today):
            return candidate
    return _make(today.year, month, day, typed)  # not a day of any year: says why


def _make(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        last = calendar.monthrange(year, month)[1]
        raise BadDate(f"'{typed.strip()}' is not a date: {calendar.month_name[month]} {year} has {last} days."
                      ) from None
