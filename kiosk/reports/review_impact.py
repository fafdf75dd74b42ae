"""Impact over time: this period against the same period a year before (the year, and the term so far), where
the kiosk's records reach back that far, with the direction of each change in an arrow and in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peewee import fn

from kiosk.clock import as_utc, local
from kiosk.config import Settings
from kiosk.custody.states import Kind
from kiosk.custody.terms import term_containing
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Event, Search
from kiosk.db.rows import tuples
from kiosk.formatting import short_date
from kiosk.privacy import purged
from kiosk.reports.figures import DailyLine, daily_lines
from kiosk.reports.periods import Period

UP, DOWN, SAME = "▲", "▼", "="


@dataclass(frozen=True)
class Measures:
    """The figures compared year on year, for one span of days."""

    school_days: int
    handed_in: int
    left_overnight: int
    confiscations: int
    repeat_pupils: int  # confiscated from twice or more in the span
    searches: int

    @property
    def handed_in_per_day(self) -> float | None:
        return round(self.handed_in / self.school_days, 1) if self.school_days else None

    @property
    def confiscations_per_week(self) -> float | None:
        return round(5 * self.confiscations / self.school_days, 1) if self.school_days else None


@dataclass(frozen=True)
class Change:
    measure: str
    now: float | None
    before: float | None

    @property
    def arrow(self) -> str:
        if self.now is None or self.before is None:
            return ""
        return UP if self.now > self.before else DOWN if self.now < self.before else SAME

    @property
    def words(self) -> str:
        """"▲ up 12%" / "▼ down 3" / "= no change": the arrow with words, so it reads in black and white."""
        if self.now is None or self.before is None:
            return "no records to compare"
        if self.now == self.before:
            return f"{SAME} no change"
        way = "up" if self.now > self.before else "down"
        if self.before:
            return f"{self.arrow} {way} {abs(self.now - self.before) / self.before:.0%}"
        return f"{self.arrow} {way} from none"


@dataclass(frozen=True)
class Comparison:
    title: str
    now: Period
    before: Period
    changes: tuple[Change, ...]
    records_from: date | None  # the first day the kiosk has records for (None: no records at all)

    @property
    def comparable(self) -> bool:
        return self.records_from is not None and self.records_from <= self.before.start


def year_before(p: Period, label: str = "") -> Period:
    return Period(_a_year_before(p.start), _a_year_before(p.end), label or f"{short_date(_a_year_before(p.start))} – "
                                                                             f"{short_date(_a_year_before(p.end))}")


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@storage_guard
def measures(p: Period, settings: Settings, *, today: date, lines: list[DailyLine] | None = None) -> Measures:
    """`lines`: the period's days when the caller has them already (the pack has: a year's are not read twice)."""
    lines = lines if lines is not None else daily_lines(p, settings, today=today)
    lo, hi = p.bounds(settings)
    per_pupil = list(tuples(Custody.select(Custody.pupil, fn.COUNT(Custody.id))
                            .where((Custody.kind == Kind.CONFISCATED) & purged.not_purged()
                                   & (Custody.confiscated_at >= lo) & (Custody.confiscated_at < hi))
                            .group_by(Custody.pupil)))
    return Measures(
        school_days=sum(1 for line in lines if line.handed_in or line.handed_back),
        handed_in=sum(line.handed_in for line in lines), left_overnight=sum(line.left_uncollected for line in lines),
        confiscations=sum(n for _, n in per_pupil), repeat_pupils=sum(1 for _, n in per_pupil if n >= 2),
        searches=Search.select().where((Search.at >= lo) & (Search.at < hi) & purged.search_kept()).count())


def changes(now: Measures, before: Measures | None) -> tuple[Change, ...]:
    def pair(name: str, attr: str) -> Change:
        value = getattr(now, attr)
        return Change(name, value, getattr(before, attr) if before is not None else None)

    return (pair("Phones handed in per school day", "handed_in_per_day"),
            pair("Left uncollected overnight", "left_overnight"),
            pair("Confiscations", "confiscations"),
            pair("Confiscations per school week", "confiscations_per_week"),
            pair("Pupils confiscated from twice or more", "repeat_pupils"),
            pair("Searches", "searches"))


@storage_guard
def first_record_day(settings: Settings) -> date | None:
    first = Event.select(fn.MIN(Event.at)).where(Event.action == "HANDED_IN").scalar()
    if first is None:
        return None
    at = first if isinstance(first, datetime) else datetime.fromisoformat(str(first))
    return local(as_utc(at), settings.tz).date()


def compare(title: str, now: Period, settings: Settings, *, today: date,
            lines: list[DailyLine] | None = None) -> Comparison:
    before = year_before(now)
    records_from = first_record_day(settings)
    this = measures(now, settings, today=today, lines=lines)
    comparable = records_from is not None and records_from <= before.start
    return Comparison(title, now, before, changes(this, measures(before, settings, today=today) if comparable
                                                   else None), records_from)


def impact(p: Period, settings: Settings, *, today: date,
           lines: list[DailyLine] | None = None) -> tuple[Comparison, ...]:
    """The period (to the day before `today`, when it is not over) against the same days a year before; and the
    term so far against the same days a year before. `lines`: the period's days, when the caller has them."""
    last = min(p.end, today - timedelta(days=1))
    if last < p.start:
        return ()
    so_far = [line for line in lines if line.day <= last] if lines is not None else None
    out = [compare("This period against the same period a year before", Period(p.start, last, p.label), settings,
                   today=today, lines=so_far)]
    start, end = term_containing(last, settings)
    term = Period(max(start, p.start), min(end, last), f"term {short_date(start)} – {short_date(end)}")
    if term.start <= term.end and (term.start, term.end) != (p.start, last):
        out.append(compare("This term so far against the same days a year before", term, settings, today=today))
    return tuple(out)
