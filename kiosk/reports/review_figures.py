"""The annual review's questions (policy §8), each answered by counting the kiosk's records: pupils are
counted, never named, so every figure here can go in front of governors.

A few grouped queries per question; the day-by-day hand-ins come from DeskDay via figures.daily_lines."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from peewee import fn

from kiosk.clock import as_utc, local
from kiosk.config import Settings
from kiosk.custody.reports import form_order
from kiosk.custody.states import Kind, State
from kiosk.custody.terms import escalation_step, ladder_words, term_containing, terms
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Event, PhoneException, Pupil, Search
from kiosk.db.rows import tuples
from kiosk.formatting import short_date
from kiosk.privacy import purged
from kiosk.reports.figures import DailyLine, DeskTime, daily_lines, desk_time, exam_incidents
from kiosk.reports.periods import Period

NOT_RECORDED = "not recorded"
# The SMART Schools study (BMJ Mental Health, 2026): staff hours a week a school spends policing phones.
STUDY_HOURS_A_WEEK = 102


@dataclass(frozen=True)
class GroupShare:
    """One year group or form: pupils on roll, hand-ins over the school days, and hand-ins as a share of the
    hand-ins there would be if every pupil on roll handed a phone in every school day."""

    name: str
    on_roll: int
    handed_in: int
    school_days: int

    @property
    def share(self) -> float | None:
        possible = self.on_roll * self.school_days
        return round(100 * self.handed_in / possible, 1) if possible else None


@dataclass(frozen=True)
class DayShare:
    day: date
    handed_in: int
    on_roll: int

    @property
    def share(self) -> float | None:
        return round(100 * self.handed_in / self.on_roll, 1) if self.on_roll else None


@dataclass(frozen=True)
class Consistency:
    days: tuple[DayShare, ...]  # school days only (a day with hand-ins or hand-backs)
    by_year: tuple[GroupShare, ...]
    by_form: tuple[GroupShare, ...]
    overnight_by_week: tuple[tuple[date, int], ...]  # Monday → phones left overnight that week
    handed_in: int
    handed_back: int
    left_overnight: int

    @property
    def school_days(self) -> int:
        return len(self.days)

    @property
    def share(self) -> float | None:
        possible = sum(d.on_roll for d in self.days)
        return round(100 * self.handed_in / possible, 1) if possible else None

    @property
    def per_day(self) -> float | None:
        return round(self.handed_in / len(self.days), 1) if self.days else None

    def lowest_days(self, n: int = 5) -> tuple[DayShare, ...]:
        return tuple(sorted((d for d in self.days if d.share is not None), key=lambda d: (d.share, d.day))[:n])


@dataclass(frozen=True)
class Rung:
    """One rung of the escalation ladder: the confiscations made at it, the pupils who reached it, and the
    median time those released were held."""

    reached_from: int  # the Nth confiscation this term
    words: str
    confiscations: int
    pupils: int
    median_days_held: float | None


@dataclass(frozen=True)
class Confiscations:
    total: int
    per_term: tuple[tuple[str, int], ...]
    by_week: tuple[tuple[date, int], ...]
    by_reason: tuple[tuple[str, int], ...]
    by_year: tuple[GroupShare, ...]  # handed_in here is the confiscations; share: per 100 pupils on roll
    by_form: tuple[GroupShare, ...]
    pupils: int  # pupils confiscated from at least once
    pupils_once: int
    pupils_twice: int
    pupils_three_or_more: int
    ladder: tuple[Rung, ...]
    released: int
    still_held: int

    @property
    def repeat_rate(self) -> float | None:
        """Of the pupils whose phone was confiscated, the share confiscated from again."""
        return round(100 * (self.pupils_twice + self.pupils_three_or_more) / self.pupils, 1) if self.pupils else None


@dataclass(frozen=True)
class Releases:
    released: int
    to_parental_responsibility: int
    to_listed_contact_without_pr: int
    to_authorised_other: int
    not_recorded: int
    early: int
    early_authorised_by: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Safeguarding:
    holds: int
    holds_by_kind: tuple[tuple[str, int], ...]  # NOT_RECORDED for holds made before the kind was asked
    cleared: int
    police_handovers: int
    on_hold_now: int


@dataclass(frozen=True)
class Searches:
    total: int
    found_something: int
    nothing_found: int
    dsl_informed: int
    parent_informed: int


@dataclass(frozen=True)
class Workload:
    hand_ins: int
    hand_backs: int
    seconds_per_hand_in: float | None
    seconds_per_hand_back: float | None
    hours: float  # every hand-in and hand-back at its measured average time
    school_weeks: int
    confiscations: int
    seconds: float = 0.0  # the same, unrounded: a small school's week is minutes, which the page says as minutes

    @property
    def hours_a_week(self) -> float | None:
        return round(self.hours / self.school_weeks, 1) if self.school_weeks else None

    @property
    def hours_per_confiscation(self) -> float | None:
        return round(self.hours / self.confiscations, 1) if self.confiscations else None


@dataclass(frozen=True)
class Exceptions:
    in_force_by_kind: tuple[tuple[str, int], ...]  # at any time during the period
    in_force_on_the_day: int
    expired: int  # ended during the period (on or before the day the pack was made)


@dataclass(frozen=True)
class ReviewFigures:
    period: Period
    made_on: date
    lines: tuple[DailyLine, ...]  # the period's days (hand-ins, hand-backs, left overnight)
    consistency: Consistency
    confiscations: Confiscations
    releases: Releases
    searches: Searches
    exams_by_board_and_series: tuple[tuple[str, str, int], ...]
    workload: Workload
    exceptions: Exceptions
    safeguarding: Safeguarding | None  # None: the reader's role may not see even the counts


@storage_guard
def review_figures(p: Period, settings: Settings, *, today: date, include_safeguarding: bool,
                   notes_key: bytes | None = None) -> ReviewFigures:
    """Every figure of the annual review for period `p`, as the records stand on `today`. `notes_key`: the key the
    kinds of concern are encrypted with, given only to a pack a DSL or head makes (the holds are then counted by
    kind; without it, by the older records' words alone)."""
    lines = daily_lines(p, settings, today=today)
    roll = Roll.read()
    confiscations = confiscation_view(p, settings, roll=roll)
    return ReviewFigures(
        period=p, made_on=today, lines=tuple(lines), consistency=consistency(p, settings, lines=lines, roll=roll),
        confiscations=confiscations, releases=releases(p, settings), searches=searches(p, settings),
        exams_by_board_and_series=exams_by_board_and_series(p, settings),
        workload=workload(desk_time(p, settings, today=today), lines=lines, confiscations=confiscations.total),
        exceptions=exceptions(p, today=today),
        safeguarding=safeguarding(p, settings, notes_key=notes_key) if include_safeguarding else None)


@dataclass(frozen=True)
class Roll:
    """The pupils on roll, by year group and form as the roll stands now (the kiosk keeps no history of forms),
    with the day each leaver left: a pupil is on roll on a day unless they had left by then. `groups` has every
    pupil's year group and form, on roll or not, for counting what they did while they were."""

    pupils: tuple[tuple[int, str, str, date | None], ...]  # id, year group, form, left on (None: still here)
    groups: dict[int, tuple[str, str]]

    @classmethod
    def read(cls) -> Roll:
        rows = list(tuples(Pupil.select(Pupil.id, Pupil.year, Pupil.form, Pupil.active, Pupil.left_on)))
        return cls(tuple((pid, year_name(year), form, _day(left_on) if left_on else None)
                         for pid, year, form, active, left_on in rows if active or left_on),
                   {pid: (year_name(year), form) for pid, year, form, *_ in rows})

    def by(self, part: str, day: date) -> Counter[str]:
        """Pupils on roll on `day` by "year" group or by "form"."""
        return Counter(year if part == "year" else form for _, year, form, left in self.pupils
                       if left is None or left > day)


def year_name(year: int | None) -> str:
    return f"Year {year}" if year is not None else "no year"


def _year_key(name: str) -> tuple[int, str]:
    digits = "".join(c for c in name if c.isdigit())
    return (int(digits) if digits else 99, name)


def consistency(p: Period, settings: Settings, *, lines: list[DailyLine], roll: Roll) -> Consistency:
    school_days = [line for line in lines if line.handed_in or line.handed_back]
    # A leaver is on the roll the day before they left; sorted once so each day's roll is a bisect away.
    leavers = sorted(left for *_, left in roll.pupils if left is not None)
    everyone = len(roll.pupils)

    def on_roll(day: date) -> int:
        from bisect import bisect_right

        return everyone - bisect_right(leavers, day)

    days = tuple(DayShare(line.day, line.handed_in, on_roll(line.day)) for line in school_days)
    lo, hi = p.bounds(settings)
    # Grouped by pupil, not joined to the roll: a third of the time on a year's ~200,000 hand-ins.
    by_pupil_group: Counter[tuple[str, str]] = Counter()
    for pupil, n in tuples(Event.select(Event.pupil, fn.COUNT(Event.seq))
                           .where((Event.action == "HANDED_IN") & (Event.at >= lo) & (Event.at < hi))
                           .group_by(Event.pupil)):
        by_pupil_group[roll.groups.get(pupil, ("no year", "no form"))] += n
    # The roll of a group: as it stood on the last school day of the period (or its last day).
    last = school_days[-1].day if school_days else p.end
    years, forms = roll.by("year", last), roll.by("form", last)
    in_year: Counter[str] = Counter()
    in_form: Counter[str] = Counter()
    for (year, form), n in by_pupil_group.items():
        in_year[year] += n
        in_form[form] += n
    count = len(school_days)
    by_year = tuple(GroupShare(name, years.get(name, 0), in_year.get(name, 0), count)
                    for name in sorted(set(years) | set(in_year), key=_year_key))
    by_form = tuple(GroupShare(name, forms.get(name, 0), in_form.get(name, 0), count)
                    for name in sorted(set(forms) | set(in_form), key=form_order))
    weeks: dict[date, int] = {}
    for line in lines:
        monday = line.day - timedelta(days=line.day.weekday())
        weeks[monday] = weeks.get(monday, 0) + line.left_uncollected
    return Consistency(days=days, by_year=by_year, by_form=by_form, overnight_by_week=tuple(sorted(weeks.items())),
                       handed_in=sum(line.handed_in for line in lines),
                       handed_back=sum(line.handed_back for line in lines),
                       left_overnight=sum(line.left_uncollected for line in lines))


def confiscation_view(p: Period, settings: Settings, *, roll: Roll) -> Confiscations:
    """Confiscations made in the period. The ladder counts each pupil's confiscations from the start of the term
    the period opens in, as the desk counted them when it chose the rung."""
    lo, hi = p.bounds(settings)
    term_start, _ = term_containing(p.start, settings)
    earliest = Period(min(term_start, p.start), p.end, "").bounds(settings)[0]
    rows = list(tuples(Custody.select(Custody.id, Custody.pupil, Custody.confiscated_at, Custody.closed_at,
                                      Custody.state, Custody.reason_category, Pupil.year, Pupil.form)
                       .join(Pupil)
                       .where((Custody.kind == Kind.CONFISCATED) & purged.not_purged()
                              & (Custody.confiscated_at >= earliest) & (Custody.confiscated_at < hi))
                       .order_by(Custody.confiscated_at, Custody.id)))
    seen_in_term: Counter[tuple[int, date]] = Counter()
    rung_of: dict[int, int] = {}
    for cid, pupil, at, *_ in rows:
        term = term_containing(local(as_utc(at), settings.tz).date(), settings)[0]
        seen_in_term[(pupil, term)] += 1
        rung_of[cid] = int(escalation_step(seen_in_term[(pupil, term)], settings)["from"])
    inside = [r for r in rows if lo <= _naive(r[2]) < hi]
    per_pupil = Counter(r[1] for r in inside)
    weeks: Counter[date] = Counter()
    for r in inside:
        day = local(as_utc(r[2]), settings.tz).date()
        weeks[day - timedelta(days=day.weekday())] += 1
    by_week = []
    monday = p.start - timedelta(days=p.start.weekday())
    while monday <= p.end:
        by_week.append((monday, weeks.get(monday, 0)))
        monday += timedelta(days=7)
    per_term = []
    for start, end in terms(settings):
        if start <= p.end and end >= p.start:
            per_term.append((f"{short_date(start)} – {short_date(end)}",
                             sum(1 for r in inside if start <= local(as_utc(r[2]), settings.tz).date() <= end)))
    years = roll.by("year", p.end)
    forms = roll.by("form", p.end)
    in_year = Counter(year_name(r[6]) for r in inside)
    in_form = Counter(r[7] for r in inside)
    ladder = []
    for step in sorted(settings.escalation, key=lambda s: int(s["from"])):
        at_rung = [r for r in inside if rung_of[r[0]] == int(step["from"])]
        held = [(as_utc(r[3]) - as_utc(r[2])).total_seconds() / 86400 for r in at_rung
                if r[4] == State.RELEASED and r[3]]
        ladder.append(Rung(int(step["from"]), ladder_words(step), len(at_rung), len({r[1] for r in at_rung}),
                           round(median(held), 1) if held else None))
    return Confiscations(
        total=len(inside), per_term=tuple(per_term), by_week=tuple(by_week),
        by_reason=tuple(Counter(r[5] or NOT_RECORDED for r in inside).most_common()),
        by_year=tuple(GroupShare(name, years.get(name, 0), in_year.get(name, 0), 1)
                      for name in sorted(set(years) | set(in_year), key=_year_key)),
        by_form=tuple(GroupShare(name, forms.get(name, 0), in_form.get(name, 0), 1)
                      for name in sorted(set(forms) | set(in_form), key=form_order)),
        pupils=len(per_pupil), pupils_once=sum(1 for n in per_pupil.values() if n == 1),
        pupils_twice=sum(1 for n in per_pupil.values() if n == 2),
        pupils_three_or_more=sum(1 for n in per_pupil.values() if n >= 3), ladder=tuple(ladder),
        released=sum(1 for r in inside if r[4] == State.RELEASED),
        still_held=sum(1 for r in inside if r[4] in (State.HELD_FOR_PARENT, State.SAFEGUARDING_HOLD)))


def releases(p: Period, settings: Settings) -> Releases:
    """Phones released to a carer during the period, by who collected them (from the release's own record)."""
    lo, hi = p.bounds(settings)
    kinds: Counter[str] = Counter()
    early_by: Counter[str] = Counter()
    early = 0
    for (details_json,) in tuples(Custody.select(Custody.details_json)
                                  .where((Custody.kind == Kind.CONFISCATED) & (Custody.state == State.RELEASED)
                                         & purged.not_purged() & (Custody.closed_at >= lo)
                                         & (Custody.closed_at < hi))):
        collector = _details(details_json).get("collector")
        if not isinstance(collector, dict):
            kinds[NOT_RECORDED] += 1
            continue
        if collector.get("parental_responsibility"):
            kinds["pr"] += 1
        elif collector.get("on_contact_list"):
            kinds["listed"] += 1
        else:
            kinds["authorised"] += 1
        if collector.get("early_release"):
            early += 1
            early_by[str(collector.get("authorised_by") or NOT_RECORDED)] += 1
    return Releases(released=sum(kinds.values()), to_parental_responsibility=kinds["pr"],
                    to_listed_contact_without_pr=kinds["listed"], to_authorised_other=kinds["authorised"],
                    not_recorded=kinds[NOT_RECORDED], early=early,
                    early_authorised_by=tuple(sorted(early_by.items(), key=lambda kv: (-kv[1], kv[0]))))


def concern_kind(details: dict[str, Any], payload: dict[str, Any]) -> str:
    """The kind of concern a safeguarding hold was placed for (issue 16 asks the desk for it), wherever the record
    keeps it; holds placed before the desk asked are NOT_RECORDED."""
    for source in (details, payload):
        for key in ("concern_kind", "hold_kind"):
            if source.get(key):
                return str(source[key])
        concern = source.get("concern")
        if isinstance(concern, dict) and concern.get("kind"):
            return str(concern["kind"])
    return NOT_RECORDED


def _recorded_kinds(notes_key: bytes | None) -> dict[int, list[tuple[datetime, str]]]:
    """Each custody record's kinds of concern as the DSL's records keep them (kiosk/custody/safeguarding.py: one
    encrypted row per hold), oldest first; a row that does not decrypt as its own counts as not recorded."""
    from kiosk.custody.concerns import CONCERN_WORDS, ConcernKind
    from kiosk.db.models import HoldConcern
    from kiosk.privacy.at_rest import NoteUnreadable, decrypt

    kinds: dict[int, list[tuple[datetime, str]]] = {}
    if notes_key is None:
        return kinds
    for row_id, custody_id, at, stored in tuples(HoldConcern.select(HoldConcern.id, HoldConcern.custody,
                                                                      HoldConcern.at, HoldConcern.kind)
                                                 .order_by(HoldConcern.at, HoldConcern.id)):
        try:
            kind = CONCERN_WORDS[ConcernKind(decrypt(notes_key, stored, table="hold_concern", column="kind",
                                                     row_id=row_id))]
        except (NoteUnreadable, ValueError):
            kind = NOT_RECORDED
        kinds.setdefault(custody_id, []).append((as_utc(at), kind))
    return kinds


def safeguarding(p: Period, settings: Settings, *, notes_key: bytes | None = None) -> Safeguarding:
    """Counts only: no pupil, note or finding leaves the records through here."""
    lo, hi = p.bounds(settings)
    actions: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    recorded = _recorded_kinds(notes_key)
    for action, at, custody_id, details_json, payload_json in tuples(
            Event.select(Event.action, Event.at, Event.custody, Custody.details_json, Event.payload_json)
            .join(Custody, on=(Event.custody == Custody.id))
            .where(Event.action.in_(["SAFEGUARDING_HOLD", "HOLD_CLEARED", "HANDED_TO_POLICE"])
                   & (Event.at >= lo) & (Event.at < hi) & purged.not_purged())):
        actions[action] += 1
        if action == "SAFEGUARDING_HOLD":
            # The kind written with this hold: the newest recorded at or before the hold's event.
            written = [kind for when, kind in recorded.get(custody_id, []) if when <= as_utc(at)]
            kinds[written[-1] if written else concern_kind(_details(details_json), _details(payload_json))] += 1
    on_hold = Custody.select().where((Custody.state == State.SAFEGUARDING_HOLD) & purged.not_purged()).count()
    return Safeguarding(holds=actions["SAFEGUARDING_HOLD"],
                        holds_by_kind=tuple(sorted(kinds.items(), key=lambda kv: (kv[0] == NOT_RECORDED, -kv[1]))),
                        cleared=actions["HOLD_CLEARED"], police_handovers=actions["HANDED_TO_POLICE"],
                        on_hold_now=on_hold)


def searches(p: Period, settings: Settings) -> Searches:
    lo, hi = p.bounds(settings)
    rows = list(tuples(Search.select(Search.nothing_found, Search.dsl_informed, Search.parent_informed)
                       .where((Search.at >= lo) & (Search.at < hi) & purged.search_kept())))
    nothing = sum(1 for r in rows if r[0])
    return Searches(total=len(rows), found_something=len(rows) - nothing, nothing_found=nothing,
                    dsl_informed=sum(1 for r in rows if r[1]), parent_informed=sum(1 for r in rows if r[2]))


def exam_series(at: datetime, settings: Settings) -> str:
    """The JCQ series an incident fell in, from its date: summer (May–July), November (Oct–Dec), January."""
    day = local(at, settings.tz).date()
    if day.month in (5, 6, 7):
        return f"Summer {day.year}"
    if day.month in (10, 11, 12):
        return f"November {day.year}"
    if day.month in (1, 2):
        return f"January {day.year}"
    return f"other ({day:%B} {day.year})"


def exams_by_board_and_series(p: Period, settings: Settings) -> tuple[tuple[str, str, int], ...]:
    counts = Counter((e.board.strip() or NOT_RECORDED, exam_series(e.at, settings))
                     for e in exam_incidents(p, settings))
    return tuple((board, series, n) for (board, series), n in sorted(counts.items()))


def workload(t: DeskTime, *, lines: list[DailyLine], confiscations: int) -> Workload:
    """Every hand-in and hand-back at the average time measured between scans at a desk (a first scan after a
    pause has no gap of its own to measure)."""
    seconds = (t.hand_ins * (t.seconds_per_hand_in or 0)) + (t.hand_backs * (t.seconds_per_hand_back or 0))
    hours = seconds / 3600
    weeks = {line.day - timedelta(days=line.day.weekday()) for line in lines if line.handed_in or line.handed_back}
    return Workload(hand_ins=t.hand_ins, hand_backs=t.hand_backs, seconds_per_hand_in=t.seconds_per_hand_in,
                    seconds_per_hand_back=t.seconds_per_hand_back, hours=round(hours, 1), school_weeks=len(weeks),
                    confiscations=confiscations, seconds=seconds)


def exceptions(p: Period, *, today: date) -> Exceptions:
    rows = [(kind, _day(valid_from), _day(valid_to) if valid_to else None) for kind, valid_from, valid_to in
            tuples(PhoneException.select(PhoneException.kind, PhoneException.valid_from, PhoneException.valid_to))]
    during = [r for r in rows if r[1] <= p.end and (r[2] is None or r[2] >= p.start)]
    return Exceptions(
        in_force_by_kind=tuple(sorted(Counter(kind for kind, *_ in during).items(), key=lambda kv: (-kv[1], kv[0]))),
        in_force_on_the_day=sum(1 for _, start, end in rows if start <= today and (end is None or end >= today)),
        expired=sum(1 for _, _, end in during if end is not None and p.start <= end < min(p.end, today)))


def _details(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _day(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _naive(value: datetime | str) -> datetime:
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return as_utc(at).replace(tzinfo=None)
