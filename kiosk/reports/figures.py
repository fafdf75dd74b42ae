"""The figures behind every report: computed with a few grouped queries, never row by row, so a year of
records for a large school stays quick (see bench/)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from peewee import fn

from kiosk.clock import as_utc, local
from kiosk.config import Settings
from kiosk.custody.reports import form_order
from kiosk.custody.states import Kind, State
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Event, Pupil, Search, Staff
from kiosk.reports.periods import Period

# Gaps longer than this between two scans at one desk are a pause, not time spent on a phone.
DESK_GAP_CAP_SECONDS = 90


@dataclass
class DailyLine:
    day: date
    handed_in: int = 0
    handed_back: int = 0
    left_uncollected: int = 0


@dataclass
class ConfiscationFigures:
    total: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    by_year: dict[str, int] = field(default_factory=dict)
    by_form: dict[str, int] = field(default_factory=dict)
    by_week: dict[date, int] = field(default_factory=dict)  # Monday → count
    repeat_pupils: list[tuple[str, str, int]] = field(default_factory=list)  # name, form, count (≥2)
    released: int = 0
    still_held: int = 0
    median_hours_held: float | None = None


@dataclass(frozen=True)
class ExamIncident:
    at: datetime
    pupil: str
    form: str
    board: str
    paper: str
    room: str


@dataclass
class SearchFigures:
    total: int = 0
    nothing_found: int = 0
    dsl_informed: int = 0
    parent_informed: int = 0


@dataclass
class DeskTime:
    """Staff time at the desk measured from the records: gaps between consecutive scans at one desk."""

    hand_ins: int = 0
    hand_backs: int = 0
    seconds_per_hand_in: float | None = None
    seconds_per_hand_back: float | None = None
    minutes_per_day: dict[date, float] = field(default_factory=dict)


@storage_guard
def daily_lines(p: Period, settings: Settings) -> list[DailyLine]:
    lo, hi = p.bounds(settings)
    lines = {d: DailyLine(d) for d in p.days()}

    def add(query, attr: str) -> None:
        for day, n in query.tuples():
            key = _as_date(day)
            if key in lines:
                setattr(lines[key], attr, getattr(lines[key], attr) + n)

    # Counted from the events, the record of what happened: a phone handed in and later confiscated was
    # still handed in. Grouped by the UTC date: school activity (07:30–18:00 local) never crosses UTC
    # midnight in the UK.
    at = fn.DATE(Event.at)
    for action, attr in (("HANDED_IN", "handed_in"), ("HANDED_BACK", "handed_back"),
                         ("LEFT_UNCOLLECTED", "left_uncollected")):
        add(Event.select(at, fn.COUNT(Event.seq)).where((Event.action == action) & (Event.at >= lo) & (Event.at < hi))
            .group_by(at), attr)
    return [lines[d] for d in sorted(lines)]


@storage_guard
def confiscation_figures(p: Period, settings: Settings) -> ConfiscationFigures:
    lo, hi = p.bounds(settings)
    rows = list(Custody.select(Custody.id, Custody.state, Custody.reason_category, Custody.confiscated_at,
                               Custody.closed_at, Pupil.id.alias("pid"), Pupil.year, Pupil.form,
                               Pupil.legal_forename, Pupil.legal_surname, Pupil.preferred_forename,
                               Pupil.preferred_surname)
                .join(Pupil).where((Custody.kind == Kind.CONFISCATED) & (Custody.confiscated_at >= lo)
                                   & (Custody.confiscated_at < hi)).dicts())
    figures = ConfiscationFigures(total=len(rows))
    figures.by_reason = dict(Counter(r["reason_category"] or "not recorded" for r in rows).most_common())
    figures.by_year = dict(sorted(Counter(f"Year {r['year']}" if r["year"] is not None else "no year"
                                          for r in rows).items(), key=lambda kv: _year_key(kv[0])))
    figures.by_form = dict(sorted(Counter(r["form"] for r in rows).items(), key=lambda kv: form_order(kv[0])))
    weeks: Counter[date] = Counter()
    for r in rows:
        day = local(as_utc(r["confiscated_at"]), settings.tz).date()
        weeks[day - timedelta(days=day.weekday())] += 1
    monday = p.start - timedelta(days=p.start.weekday())
    while monday <= p.end:
        figures.by_week[monday] = weeks.get(monday, 0)
        monday += timedelta(days=7)
    per_pupil: Counter[int] = Counter(r["pid"] for r in rows)
    names = {r["pid"]: (f"{r['preferred_forename'] or r['legal_forename']} "
                        f"{r['preferred_surname'] or r['legal_surname']}", r["form"]) for r in rows}
    figures.repeat_pupils = sorted(((names[pid][0], names[pid][1], n) for pid, n in per_pupil.items() if n >= 2),
                                   key=lambda t: (-t[2], form_order(t[1]), t[0]))
    figures.released = sum(1 for r in rows if r["state"] == State.RELEASED)
    figures.still_held = sum(1 for r in rows if r["state"] in (State.HELD_FOR_PARENT, State.SAFEGUARDING_HOLD))
    held = [(as_utc(r["closed_at"]) - as_utc(r["confiscated_at"])).total_seconds() / 3600 for r in rows
            if r["state"] == State.RELEASED and r["closed_at"]]
    figures.median_hours_held = round(median(held), 1) if held else None
    return figures


@storage_guard
def exam_incidents(p: Period, settings: Settings) -> list[ExamIncident]:
    import json

    lo, hi = p.bounds(settings)
    out = []
    for c in (Custody.select(Custody, Pupil).join(Pupil)
              .where(Custody.exam_incident & (Custody.confiscated_at >= lo) & (Custody.confiscated_at < hi))
              .order_by(Custody.confiscated_at)):
        exam = (json.loads(c.details_json) if c.details_json else {}).get("exam") or {}
        out.append(ExamIncident(as_utc(c.confiscated_at), c.pupil.display_name, c.pupil.form, exam.get("board", ""),
                                exam.get("paper", ""), exam.get("room", "")))
    return out


@storage_guard
def search_figures(p: Period, settings: Settings) -> SearchFigures:
    lo, hi = p.bounds(settings)
    rows = list(Search.select(Search.nothing_found, Search.dsl_informed, Search.parent_informed)
                .where((Search.at >= lo) & (Search.at < hi)).tuples())
    return SearchFigures(total=len(rows), nothing_found=sum(r[0] for r in rows), dsl_informed=sum(r[1] for r in rows),
                         parent_informed=sum(r[2] for r in rows))


@storage_guard
def safeguarding_figures(p: Period, settings: Settings) -> dict[str, int]:
    """Counts only (no names, no notes): for DSL and head, enforced by the caller's permission check."""
    lo, hi = p.bounds(settings)
    counts = dict(Event.select(Event.action, fn.COUNT(Event.seq))
                  .where(Event.action.in_(["SAFEGUARDING_HOLD", "HOLD_CLEARED", "HANDED_TO_POLICE"])
                         & (Event.at >= lo) & (Event.at < hi)).group_by(Event.action).tuples())
    open_now = Custody.select().where((Custody.state == State.SAFEGUARDING_HOLD) & Custody.closed_at.is_null()).count()
    return {"holds placed": counts.get("SAFEGUARDING_HOLD", 0), "holds cleared": counts.get("HOLD_CLEARED", 0),
            "handed to police": counts.get("HANDED_TO_POLICE", 0), "on hold now": open_now}


@storage_guard
def desk_time(p: Period, settings: Settings) -> DeskTime:
    lo, hi = p.bounds(settings)
    rows = (Event.select(Event.at, Event.desk, Event.action)
            .where(Event.action.in_(["HANDED_IN", "HANDED_BACK"]) & (Event.at >= lo) & (Event.at < hi))
            .order_by(Event.desk, Event.at).tuples())
    gaps: dict[str, list[float]] = defaultdict(list)
    per_day: dict[date, float] = defaultdict(float)
    result = DeskTime()
    previous: tuple[datetime, str] | None = None
    for at, desk, action in rows:
        if action == "HANDED_IN":
            result.hand_ins += 1
        else:
            result.hand_backs += 1
        if previous and previous[1] == desk:
            gap = (at - previous[0]).total_seconds()
            if 0 <= gap <= DESK_GAP_CAP_SECONDS:
                gaps[action].append(gap)
                per_day[_as_date(at)] += gap / 60
        previous = (at, desk)
    result.seconds_per_hand_in = round(median(gaps["HANDED_IN"]), 1) if gaps["HANDED_IN"] else None
    result.seconds_per_hand_back = round(median(gaps["HANDED_BACK"]), 1) if gaps["HANDED_BACK"] else None
    result.minutes_per_day = {d: round(m, 1) for d, m in sorted(per_day.items())}
    return result


def staff_names() -> dict[int, str]:
    return {s.id: s.name for s in Staff.select(Staff.id, Staff.name)}


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _year_key(label: str) -> tuple[int, str]:
    digits = "".join(c for c in label if c.isdigit())
    return (int(digits) if digits else 99, label)
