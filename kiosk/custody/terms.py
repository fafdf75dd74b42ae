"""Term dates and school days: 'this term' for repeat confiscations, and holds counted in school days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from kiosk.config import Settings


def terms(settings: Settings) -> list[tuple[date, date]]:
    return sorted((date.fromisoformat(a), date.fromisoformat(b)) for a, b in settings.terms)


def term_containing(day: date, settings: Settings) -> tuple[date, date]:
    """The term `day` falls in; in a holiday, the term just gone (its confiscations still count)."""
    best: tuple[date, date] | None = None
    for start, end in terms(settings):
        if start <= day <= end:
            return start, end
        if start <= day:
            best = (start, end)
    if best is None:  # before the first configured term: count the last 13 weeks
        return day - timedelta(weeks=13), day
    return best


def is_school_day(day: date, settings: Settings) -> bool:
    return day.weekday() < 5 and any(start <= day <= end for start, end in terms(settings))


def add_school_days(day: date, n: int, settings: Settings) -> date:
    """The date `n` school days after `day` (0: the same day). Weekends and holidays are skipped;
    with no term dates configured, weekdays count."""
    spans = terms(settings)

    def school_day(d: date) -> bool:
        # Term dates decide inside the years they cover; outside them (not yet entered) weekdays count.
        if spans and spans[0][0] <= d <= spans[-1][1]:
            return is_school_day(d, settings)
        return d.weekday() < 5

    current = day
    remaining = n
    guard = 0
    # A phone confiscated on a non-school day (a Saturday fixture) can first be collected on the next one.
    while (remaining > 0 or not school_day(current)) and guard < 400:
        current += timedelta(days=1)
        guard += 1
        if school_day(current):
            remaining = max(0, remaining - 1)
    return current


def escalation_step(count: int, settings: Settings) -> dict[str, Any]:
    """The ladder step for the `count`-th confiscation this term (the highest step reached)."""
    steps = sorted(settings.escalation, key=lambda step: int(step["from"]))
    reached = [step for step in steps if int(step["from"]) <= count]
    return reached[-1] if reached else steps[0]
