"""Every date and time in the office's words ("Mon 7 Dec", "today 10:15"): one module says them all.

Nothing else in the kiosk formats a date for people to read. strftime's dash flag (a day without its leading
zero) is a glibc extension that Windows' C runtime rejects with ValueError, and `%a`/`%b` follow the PC's locale;
so the day and month numbers and names are put in here by hand, and read the same on every office PC.
"""

from __future__ import annotations

from datetime import date, datetime

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _day(value: date) -> str:
    return DAYS[value.weekday()][:3]


def _month(value: date) -> str:
    return MONTHS[value.month - 1][:3]


def clock_time(value: datetime) -> str:
    """10:15"""
    return f"{value.hour:02d}:{value.minute:02d}"


def clock_time_seconds(value: datetime) -> str:
    """10:15:07"""
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def day_month(value: date) -> str:
    """7 Dec"""
    return f"{value.day} {_month(value)}"


def short_date(value: date) -> str:
    """7 Dec 2026"""
    return f"{value.day} {_month(value)} {value.year}"


def weekday_date(value: date) -> str:
    """Mon 7 Dec"""
    return f"{_day(value)} {value.day} {_month(value)}"


def weekday_date_year(value: date) -> str:
    """Mon 7 Dec 2026"""
    return f"{weekday_date(value)} {value.year}"


def weekday_date_time(value: datetime) -> str:
    """Mon 7 Dec 10:15"""
    return f"{weekday_date(value)} {clock_time(value)}"


def weekday_date_year_time(value: datetime) -> str:
    """Mon 7 Dec 2026 10:15"""
    return f"{weekday_date_year(value)} {clock_time(value)}"


def short_date_time(value: datetime) -> str:
    """7 Dec 2026 10:15"""
    return f"{short_date(value)} {clock_time(value)}"


def long_day(value: date) -> str:
    """Monday 7 December"""
    return f"{DAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]}"


def long_date(value: date) -> str:
    """Monday 7 December 2026"""
    return f"{long_day(value)} {value.year}"


def long_date_time(value: datetime) -> str:
    """Monday 7 December 2026 at 10:15"""
    return f"{long_date(value)} at {clock_time(value)}"


def day_month_year(value: date) -> str:
    """7 December 2026"""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def day_month_year_time(value: datetime) -> str:
    """7 December 2026 at 10:15"""
    return f"{day_month_year(value)} at {clock_time(value)}"


def typed_date(value: date) -> str:
    """3/11/2026: as the office types a date (day first), and as the reports screen reads one back."""
    return f"{value.day}/{value.month}/{value.year}"


def time_on_day(value: datetime) -> str:
    """10:15 on Mon 7 Dec"""
    return f"{clock_time(value)} on {weekday_date(value)}"


def moment(value: datetime, today: date) -> str:
    """10:15 when it is today, Mon 7 Dec 10:15 otherwise. `value` is already in the school's time zone."""
    return clock_time(value) if value.date() == today else weekday_date_time(value)


def moment_or_year(value: datetime, today: date) -> str:
    """Mon 7 Dec 10:15 within the current year, 7 Dec 2025 10:15 before it (the pupil's history goes back years)."""
    return weekday_date_time(value) if value.year == today.year else short_date_time(value)


def weekday(value: date) -> str:
    """Mon"""
    return _day(value)


def weekday_time(value: datetime) -> str:
    """Mon 10:15"""
    return f"{_day(value)} {clock_time(value)}"


def month_year(value: date) -> str:
    """Dec 2026"""
    return f"{_month(value)} {value.year}"


def since(value: datetime, today: date) -> str:
    """today 10:15, or Fri 27 Nov 10:15: how long something has been so, where a bare time would let a hold from an
    earlier day pass for this morning's. `value` is already in the school's time zone."""
    return f"today {clock_time(value)}" if value.date() == today else weekday_date_time(value)


def custody_reference(custody_id: int) -> str:
    """The reference printed on every paper of one custody record ("C-000123"): said on the phone to the office,
    it finds the record, and a paper's reference ties it to its record in the audit trail."""
    return f"C-{custody_id:06d}"
