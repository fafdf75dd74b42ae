"""The dashboard at a glance: what is in the office now, by form, what is held and for how long."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peewee import ModelSelect, fn

from kiosk.clock import Clock, as_utc, local, local_day_bounds, local_today, to_db
from kiosk.config import Settings
from kiosk.custody.exceptions import active_exceptions_on
from kiosk.custody.reports import form_order
from kiosk.custody.states import State
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Event, PhoneException, Pupil
from kiosk.db.rows import tuples
from kiosk.reports.figures import confiscation_figures
from kiosk.reports.periods import period


@dataclass(frozen=True)
class FormNow:
    form: str
    on_roll: int
    handed_in_today: int
    handed_back_today: int
    in_office: int



@dataclass(frozen=True)
class HeldPhone:
    custody_id: int
    pupil: str
    form: str
    reason: str
    since: datetime
    days_held: int
    overdue: bool
    held_until: date | None


@dataclass(frozen=True)
class EndingException:
    """An approved exception that ends soon: the office renews it with the head or lets it lapse."""

    exception_id: int
    pupil: str
    form: str
    kind: str
    until: date
    days_left: int


def days_held(since: datetime, today: date, tz: ZoneInfo) -> int:
    """Calendar days from the school-time date a phone was confiscated to today: 0 on the day, 7 a week later,
    whatever the time of day. Elapsed 24-hour periods would say 6 at 10:40 for a phone taken at 11:05 a week
    ago and 7 after 11:05, so the figure (and the overdue flag) would change while the office watched.
    Calendar days, not school days: settings.hold_ageing_days is "days" held, and staff and carers count a
    week as seven; the ladder's own collection date (held_until, in school days) is shown beside it."""
    return (today - local(as_utc(since), tz).date()).days


def is_overdue(since: datetime, today: date, settings: Settings) -> bool:
    """Held longer than the school's ageing limit (settings.hold_ageing_days): the dashboard's ⚠ OVERDUE."""
    return days_held(since, today, settings.tz) > settings.hold_ageing_days


# How far ahead the dashboard looks for exceptions coming to an end (two school weeks).
EXCEPTIONS_AHEAD_DAYS = 14


@dataclass
class Dashboard:
    at: datetime
    in_office: int = 0
    handed_back_today: int = 0
    handed_in_today: int = 0
    uncollected_earlier: int = 0  # handed in on an earlier day, still here
    uncollected_today: int = 0  # handed in today, not collected at a close of day this afternoon
    forms: list[FormNow] = field(default_factory=list)
    held: list[HeldPhone] = field(default_factory=list)
    safeguarding_holds: int | None = None  # None: not shown to this role
    exceptions_today: int = 0
    exceptions_expiring: int = 0
    ending: list[EndingException] = field(default_factory=list)  # soonest first
    confiscations_per_week: dict[date, int] = field(default_factory=dict)


@storage_guard
def dashboard(clock: Clock, settings: Settings, *, show_safeguarding: bool) -> Dashboard:
    now = clock.now()
    today = local_today(clock, settings.tz)
    start, end = local_day_bounds(today, settings.tz)
    lo, hi = to_db(start), to_db(end)
    board = Dashboard(at=now)
    per_form: dict[str, dict[str, int]] = {}

    def tally(query: ModelSelect[Any], key: str) -> None:
        for form, n in tuples(query):
            per_form.setdefault(form, {})[key] = n

    tally(Pupil.select(Pupil.form, fn.COUNT(Pupil.id)).where(Pupil.active == True).group_by(Pupil.form),  # noqa: E712
          "roll")
    # Hand-ins as the trail has them (as the reports count them): a phone handed in and then confiscated is no
    # longer a daily record, but it was handed in today.
    tally(Event.select(Pupil.form, fn.COUNT(Event.seq)).join(Pupil, on=(Event.pupil == Pupil.id))
          .where((Event.action == "HANDED_IN") & (Event.at >= lo) & (Event.at < hi))
          .group_by(Pupil.form), "in_today")
    tally(Custody.select(Pupil.form, fn.COUNT(Custody.id)).join(Pupil)
          .where((Custody.state == State.RETURNED) & (Custody.closed_at >= lo) & (Custody.closed_at < hi))
          .group_by(Pupil.form), "back_today")
    tally(Custody.select(Pupil.form, fn.COUNT(Custody.id)).join(Pupil)
          .where((Custody.state == State.IN_OFFICE) & Custody.closed_at.is_null()).group_by(Pupil.form), "in_office")
    board.forms = [FormNow(form, v.get("roll", 0), v.get("in_today", 0), v.get("back_today", 0), v.get("in_office", 0))
                   for form, v in sorted(per_form.items(), key=lambda kv: form_order(kv[0]))]
    board.in_office = sum(f.in_office for f in board.forms)
    board.handed_in_today = sum(f.handed_in_today for f in board.forms)
    board.handed_back_today = sum(f.handed_back_today for f in board.forms)
    # Uncollected phones handed in today are today's (the day was closed this afternoon), not earlier days'.
    uncollected = Custody.select().where((Custody.state == State.UNCOLLECTED) & Custody.closed_at.is_null())
    board.uncollected_earlier = uncollected.where(Custody.opened_at < lo).count()
    board.uncollected_today = uncollected.where(Custody.opened_at >= lo).count()
    for c in (Custody.select(Custody, Pupil).join(Pupil)
              .where((Custody.state == State.HELD_FOR_PARENT) & Custody.closed_at.is_null())
              .order_by(fn.COALESCE(Custody.confiscated_at, Custody.opened_at))):
        since = as_utc(c.confiscated_at or c.opened_at)  # a converted hand-in was confiscated later than it came in
        board.held.append(HeldPhone(c.id, c.pupil.display_name, c.pupil.form, c.reason_category or "", since,
                                    days_held(since, today, settings.tz), is_overdue(since, today, settings),
                                    c.held_until))
    if show_safeguarding:
        board.safeguarding_holds = Custody.select().where((Custody.state == State.SAFEGUARDING_HOLD)
                                                          & Custody.closed_at.is_null()).count()
    board.exceptions_today = len(active_exceptions_on(today))
    board.ending = ending_exceptions(today)
    board.exceptions_expiring = len(board.ending)
    board.confiscations_per_week = confiscation_figures(period("term", today, settings), settings).by_week
    return board


def ending_exceptions(today: date, within_days: int = EXCEPTIONS_AHEAD_DAYS) -> list[EndingException]:
    """Exceptions of pupils still on roll whose last day is today or within `within_days`: who, form, kind,
    until. The notes (often medical) are left out: the dashboard is in view of the office."""
    rows = (PhoneException.select(PhoneException.id, PhoneException.kind, PhoneException.valid_to, Pupil)
            .join(Pupil)
            .where(PhoneException.valid_to.between(today, today + timedelta(days=within_days))
                   & (PhoneException.valid_from <= PhoneException.valid_to) & (Pupil.active == True))  # noqa: E712
            .order_by(PhoneException.valid_to, Pupil.form, Pupil.legal_surname))
    return [EndingException(row.id, row.pupil.display_name, row.pupil.form, row.kind, row.valid_to,
                            (row.valid_to - today).days) for row in rows
            if row.valid_to is not None]  # the query asks for an end; this tells mypy
