"""Term dates and school days: 'this term' for repeat confiscations, and holds counted in school days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from kiosk.config import Settings
from kiosk.formatting import clock_time, weekday_date


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


# Words in a rung's own "rule" that speak of how long it holds: replaced by words made from its figure, so a rung
# that holds for 5 school days can never say "the end of the school week" (which from a Thursday is 2).
_HOLD_WORDS = ("held", "hold", "collect", "school day", "week", "tomorrow", "after school")


def ladder_words(step: dict[str, Any]) -> str:
    """What a rung of the escalation ladder means, in the desk's words: how long the phone is held, said from the
    rung's `hold_school_days` (the one figure the hold is counted by), then anything else the rung asks ("also",
    or the parts of its "rule" that are not about the hold, e.g. "parent meeting")."""
    days = int(step.get("hold_school_days", 0))
    if days <= 0:
        held = "A parent or carer collects it after school"
    elif days == 1:
        held = "Held until the next school day; a parent or carer collects it then"
    else:
        held = f"Held for {days} school days; a parent or carer collects it then"
    also = step.get("also")
    extras = [str(also).strip()] if also else [
        part.strip() for part in str(step.get("rule", "")).split(";")
        if part.strip() and not any(word in part.lower() for word in _HOLD_WORDS)]
    return "; ".join([held, *extras])


def needs_parent_meeting(step: dict[str, Any]) -> bool:
    """Whether a rung asks for a meeting with a parent or carer before the phone is released: its
    `parent_meeting` flag, or (a school's own ladder written before the flag) "parent meeting" in its rule."""
    if "parent_meeting" in step:
        return bool(step["parent_meeting"])
    return "parent meeting" in str(step.get("rule", "")).lower()


def collectable_from(held_until: date, settings: Settings) -> datetime:
    """When a phone held until `held_until` may first be collected without anyone authorising it: after school
    that day (the end of the school day is `hand_back_from`, when the desk turns to handing back), school-local
    and aware. "A parent or carer collects it after school" means after school, not at 08:30."""
    return datetime.combine(held_until, settings.hand_back_time, tzinfo=settings.tz)


def early_release_words(held_until: date | None, *, at: datetime, settings: Settings) -> str | None:
    """Why collecting the phone at `at` is an early release (a head or the DSL must authorise it), or None: what it
    is held until, said once, for the desk to put after "An early release:" (it never says "early release" itself)."""
    if held_until is None:
        return None
    from_ = collectable_from(held_until, settings)
    if at.astimezone(settings.tz) >= from_:
        return None
    if held_until <= at.astimezone(settings.tz).date():
        return f"it is held until after school, {clock_time(from_)} today"
    return f"it is held until {weekday_date(held_until)} under the escalation ladder"


def early_release_reason(held_until: date | None, *, at: datetime, settings: Settings) -> str | None:
    """Why a head or the DSL must authorise collecting it at `at`, named once: "an early release (it is held until
    after school, 14:30 today)", or None. For a refusal or a form's hint; a receipt says early_release_words."""
    words = early_release_words(held_until, at=at, settings=settings)
    return f"an early release ({words})" if words else None
