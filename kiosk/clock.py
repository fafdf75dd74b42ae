"""The one place the kiosk learns the time: injectable, so tests and benchmarks control it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """Wall clock. `now()` is always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock(Clock):
    """A clock that only moves when told to (tests, demo data)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 30, 8, 30, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current = self.current + timedelta(**kwargs)
        return self.current

    def set(self, value: datetime) -> None:
        self.current = as_utc(value)


def as_utc(value: datetime) -> datetime:
    """Aware UTC from an aware datetime, or from a naive one that is already UTC (as the database stores it)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_db(value: datetime) -> datetime:
    """Naive UTC, the form stored in the database on every backend."""
    return as_utc(value).replace(tzinfo=None)


def local(value: datetime, tz: ZoneInfo) -> datetime:
    return as_utc(value).astimezone(tz)


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants that start and end a school-local calendar day (23 or 25 hours when clocks change)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_today(clock: Clock, tz: ZoneInfo) -> date:
    return clock.now().astimezone(tz).date()
