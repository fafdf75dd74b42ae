"""The figures behind every report: computed with a few grouped queries, never row by row, so a year of
records for a large school stays quick (see bench/)."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from peewee import fn

from kiosk.clock import as_utc, local, local_day_bounds, to_db
from kiosk.config import Settings
from kiosk.custody.confiscation import ExamDetails
from kiosk.custody.reports import form_order
from kiosk.custody.states import Kind, State
from kiosk.db.connection import storage_guard, write_transaction
from kiosk.db.models import Custody, DeskDay, Event, Pupil, Search, database_proxy
from kiosk.db.rows import dicts, tuples
from kiosk.privacy import purged
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
    candidate_number: str = ""  # as captured at confiscation (ExamDetails): the examining body asks for both
    invigilator: str = ""
    custody_id: int = 0
    # Everything the JCQ M1 asks that the school captured (centre, paper title, time found, switched on, on the
    # candidate, warnings given): the exam report's second table and the M1 attachment paper read it.
    details: ExamDetails | None = None
    confiscated_by: str = ""
    seal_number: str = ""


def totals_by_board(incidents: Iterable[ExamIncident]) -> dict[str, int]:
    """Phones found in exams per exam board, most first (then by name): each board gets its own reports."""
    counts = Counter((e.board.strip() or "board not recorded") for e in incidents)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold())))


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
def daily_lines(p: Period, settings: Settings, *, today: date | None = None) -> list[DailyLine]:
    """Hand-ins, hand-backs and phones left overnight, day by day.

    Counted from the events, the record of what happened: a phone handed in and later confiscated was still
    handed in. Finished days' hand-ins and hand-backs come from DeskDay (counted once from the events and
    kept, as for desk time), so a year reads ~190 rows rather than ~260,000 events; today is counted live.
    """
    today = today or datetime.now(settings.tz).date()
    lines = {d: DailyLine(d) for d in p.days()}
    finished = [d for d in p.days() if d < today]
    if finished:
        _fill_desk_days(finished, settings)
        for day, handed_in, handed_back in tuples(DeskDay.select(DeskDay.day, fn.SUM(DeskDay.hand_ins),
                                                                 fn.SUM(DeskDay.hand_backs))
                                                  .where(DeskDay.day.between(finished[0], finished[-1]))
                                                  .group_by(DeskDay.day)):
            key = _as_date(day)
            if key in lines:
                lines[key].handed_in, lines[key].handed_back = int(handed_in or 0), int(handed_back or 0)
    if p.end >= today:
        live = Period(max(p.start, today), p.end, "")
        for action, attr in (("HANDED_IN", "handed_in"), ("HANDED_BACK", "handed_back")):
            _count_by_day(live, settings, action, attr, lines)
    # Phones left overnight are few (a handful of events a day): counted from the events for every day.
    _count_left_overnight(p, settings, lines)
    return [lines[d] for d in sorted(lines)]


def _count_left_overnight(p: Period, settings: Settings, lines: dict[date, DailyLine]) -> None:
    """Phones the close of day found still in the office, by the day it closed, less those collected later that
    same day (the day closed early, the pupil came back): they went home that afternoon, not overnight."""
    lo, hi = p.bounds(settings)
    closed = list(tuples(Event.select(Event.custody, Event.at)
                         .where((Event.action == "LEFT_UNCOLLECTED") & (Event.at >= lo) & (Event.at < hi))))
    if not closed:
        return
    handed_back: dict[int, list[datetime]] = defaultdict(list)
    # Those phones' events by custody alone (a few each), the action read here: asked for by action and time as
    # well, SQLite walked a year's hand-backs through the (action, at) index (0.2 s a pack, twice).
    for custody, at, action in tuples(Event.select(Event.custody, Event.at, Event.action)
                                      .where(Event.custody.in_(sorted({custody for custody, _ in closed})))):
        if action == "HANDED_BACK":
            handed_back[custody].append(as_utc(_as_datetime(at)))
    for custody, at in closed:
        when = as_utc(_as_datetime(at))
        day = local(when, settings.tz).date()
        if day in lines and not any(back > when and local(back, settings.tz).date() == day
                                    for back in handed_back[custody]):
            lines[day].left_uncollected += 1


def _count_by_day(p: Period, settings: Settings, action: str, attr: str, lines: dict[date, DailyLine]) -> None:
    # Grouped by the UTC date: school activity (07:30-18:00 local) never crosses UTC midnight in the UK.
    lo, hi = p.bounds(settings)
    at = fn.DATE(Event.at)
    for day, n in tuples(Event.select(at, fn.COUNT(Event.seq))
                         .where((Event.action == action) & (Event.at >= lo) & (Event.at < hi)).group_by(at)):
        key = _as_date(day)
        if key in lines:
            setattr(lines[key], attr, n)


@storage_guard
def confiscation_figures(p: Period, settings: Settings) -> ConfiscationFigures:
    lo, hi = p.bounds(settings)
    rows = list(dicts(Custody.select(Custody.id, Custody.state, Custody.reason_category, Custody.confiscated_at,
                                     Custody.closed_at, Pupil.id.alias("pid"), Pupil.year, Pupil.form,
                                     Pupil.legal_forename, Pupil.legal_surname, Pupil.preferred_forename,
                                     Pupil.preferred_surname)
                      .join(Pupil).where((Custody.kind == Kind.CONFISCATED) & purged.not_purged()
                                         & (Custody.confiscated_at >= lo)
                                         & (Custody.confiscated_at < hi))))
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
    lo, hi = p.bounds(settings)
    return _exam_incidents(Custody.exam_incident & purged.not_purged() & (Custody.confiscated_at >= lo)
                           & (Custody.confiscated_at < hi))


@storage_guard
def exam_incident_of(custody_id: int) -> ExamIncident | None:
    """One phone found in an exam, for its M1 attachment paper; None when the record is no exam incident (or was
    purged)."""
    found = _exam_incidents(Custody.exam_incident & purged.not_purged() & (Custody.id == custody_id))
    return found[0] if found else None


def _exam_incidents(where: Any) -> list[ExamIncident]:
    import json

    out = []
    for c in Custody.select(Custody, Pupil).join(Pupil).where(where).order_by(Custody.confiscated_at):
        if c.confiscated_at is None:  # the query asks for a time; this tells mypy
            continue
        exam = (json.loads(c.details_json) if c.details_json else {}).get("exam") or {}
        out.append(ExamIncident(as_utc(c.confiscated_at), c.pupil.display_name, c.pupil.form, exam.get("board", ""),
                                exam.get("paper", ""), exam.get("room", ""),
                                candidate_number=exam.get("candidate_number") or "",
                                invigilator=exam.get("invigilator") or "", custody_id=c.id,
                                details=ExamDetails.from_record(exam), confiscated_by=c.confiscated_by_name or "",
                                seal_number=c.seal_number or ""))
    return out


@storage_guard
def search_figures(p: Period, settings: Settings) -> SearchFigures:
    lo, hi = p.bounds(settings)
    rows = list(tuples(Search.select(Search.nothing_found, Search.dsl_informed, Search.parent_informed)
                       .where((Search.at >= lo) & (Search.at < hi) & purged.search_kept())))
    return SearchFigures(total=len(rows), nothing_found=sum(r[0] for r in rows), dsl_informed=sum(r[1] for r in rows),
                         parent_informed=sum(r[2] for r in rows))


@storage_guard
def safeguarding_figures(p: Period, settings: Settings) -> dict[str, int]:
    """Counts only (no names, no notes): for DSL and head, enforced by the caller's permission check."""
    lo, hi = p.bounds(settings)
    counts: dict[str, int] = {action: n for action, n in tuples(
        Event.select(Event.action, fn.COUNT(Event.seq))
        .where(Event.action.in_(["SAFEGUARDING_HOLD", "HOLD_CLEARED", "HANDED_TO_POLICE"])
               & (Event.at >= lo) & (Event.at < hi)).group_by(Event.action))}
    open_now = Custody.select().where((Custody.state == State.SAFEGUARDING_HOLD) & Custody.closed_at.is_null()).count()
    return {"holds placed": counts.get("SAFEGUARDING_HOLD", 0), "holds cleared": counts.get("HOLD_CLEARED", 0),
            "handed to police": counts.get("HANDED_TO_POLICE", 0), "on hold now": open_now}


@storage_guard
def desk_time(p: Period, settings: Settings, *, today: date | None = None) -> DeskTime:
    """Finished days come from DeskDay (worked out once, then kept); today is worked out live."""
    today = today or datetime.now(settings.tz).date()
    finished = [d for d in p.days() if d < today]
    if finished:
        _fill_desk_days(finished, settings)
    rows = list(DeskDay.select().where((DeskDay.day >= p.start) & (DeskDay.day <= min(p.end, today))
                                       & (DeskDay.desk != "")))
    if p.start <= today <= p.end:
        rows = [r for r in rows if r.day != today] + list(_desk_days(today, today, settings))
    result = DeskTime()
    timed_in = timed_back = 0
    seconds_in = seconds_back = 0.0
    per_day: dict[date, float] = defaultdict(float)
    for r in rows:
        result.hand_ins += r.hand_ins
        result.hand_backs += r.hand_backs
        timed_in += r.timed_in
        timed_back += r.timed_back
        seconds_in += r.seconds_in
        seconds_back += r.seconds_back
        per_day[r.day] += (r.seconds_in + r.seconds_back) / 60
    result.seconds_per_hand_in = round(seconds_in / timed_in, 1) if timed_in else None
    result.seconds_per_hand_back = round(seconds_back / timed_back, 1) if timed_back else None
    result.minutes_per_day = {d: round(m, 1) for d, m in sorted(per_day.items()) if m}
    return result


def _fill_desk_days(days: list[date], settings: Settings) -> None:
    known = {d for (d,) in tuples(DeskDay.select(DeskDay.day).where(DeskDay.day.between(min(days), max(days)))
                                  .distinct())}
    missing = [d for d in days if d not in known]
    if not missing:
        return
    rows = list(_desk_days(min(missing), max(missing), settings))
    seen = {r.day for r in rows}
    rows += [DeskDay(day=d, desk="") for d in missing if d not in seen]  # remember days with no scans
    wanted = set(missing)
    with write_transaction(database_proxy.obj):
        DeskDay.delete().where(DeskDay.day.in_(sorted(wanted))).execute()
        data = [r.__data__ for r in rows if r.day in wanted]
        for start in range(0, len(data), 100):
            DeskDay.insert_many(data[start:start + 100]).execute()


def _desk_days(first: date, last: date, settings: Settings) -> Iterable[DeskDay]:
    """Per desk per day: scans, and the gaps between consecutive scans at that desk (capped: a longer gap
    is a pause, not time spent on a phone). Each gap counts towards the action that ended it."""
    lo, _ = local_day_bounds(first, settings.tz)
    _, hi = local_day_bounds(last, settings.tz)
    # Up to a year of rows (~400,000 scans) on a cold start, which the first review pack pays for (bench B7c).
    # Every event in time order, straight down the (at) index (asking for the two actions, sorted by desk, made the
    # database sort them all first), the other actions skipped here; a plain cursor, one parse per row, and the
    # school-local day from each day's UTC bounds worked out once (a timezone conversion per row cost more than the
    # rest of the loop together).
    query = (Event.select(Event.at, Event.desk, Event.action)
             .where((Event.at >= to_db(lo)) & (Event.at < to_db(hi))).order_by(Event.at))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    starts = [to_db(local_day_bounds(d, settings.tz)[0]) for d in days]
    # (day, desk) → [hand-ins, hand-backs, timed hand-ins, their seconds, timed hand-backs, their seconds]
    tallies: dict[tuple[date, str], list[Any]] = {}
    last_scan: dict[str, datetime] = {}  # each desk's previous hand-in or hand-back
    day, day_end = first, datetime.min  # no day yet: the first scan looks its day up
    for at, desk, action in database_proxy.obj.execute_sql(*query.sql()):
        if action == "HANDED_IN":
            handed_in = True
        elif action == "HANDED_BACK":
            handed_in = False
        else:
            continue
        at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
        if at.tzinfo is not None:
            at = to_db(at)
        if at >= day_end:  # time order: the day only ever moves on
            i = max(bisect_right(starts, at) - 1, 0)
            day, day_end = days[i], starts[i + 1] if i + 1 < len(starts) else to_db(hi)
        tally = tallies.get((day, desk))
        if tally is None:
            tally = tallies[(day, desk)] = [0, 0, 0, 0.0, 0, 0.0]
        tally[0 if handed_in else 1] += 1
        previous = last_scan.get(desk)
        if previous is not None:
            gap = (at - previous).total_seconds()
            if 0 <= gap <= DESK_GAP_CAP_SECONDS:
                if handed_in:
                    tally[2] += 1
                    tally[3] += gap
                else:
                    tally[4] += 1
                    tally[5] += gap
        last_scan[desk] = at
    return [DeskDay(day=day, desk=desk, hand_ins=t[0], hand_backs=t[1], timed_in=t[2], seconds_in=t[3],
                    timed_back=t[4], seconds_back=t[5]) for (day, desk), t in tallies.items()]


def _as_datetime(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _year_key(label: str) -> tuple[int, str]:
    digits = "".join(c for c in label if c.isdigit())
    return (int(digits) if digits else 99, label)
