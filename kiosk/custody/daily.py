"""The daily cycle: hand in at the start of the day, hand back at the end, close the day.

Each change is one move of kiosk/custody/transitions.py (the conditional UPDATE, or the INSERT guarded by the
one-open-custody-per-tag index, plus exactly one audit event), in one write transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from peewee import JOIN, IntegrityError

from kiosk.audit import append_event
from kiosk.auth.roles import Permission
from kiosk.clock import Clock, as_utc, local, local_day_bounds, local_today, to_db
from kiosk.config import Settings
from kiosk.custody import exceptions as approved
from kiosk.custody import notices, transitions
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import Conflict
from kiosk.custody.lookup import Resolved
from kiosk.custody.phone import PhoneParticulars
from kiosk.custody.receipts import Outcome, PupilSummary, Receipt, Severity
from kiosk.custody.reports import form_order
from kiosk.custody.slots import box_for, next_free_position
from kiosk.custody.states import MOVES, NOT_COLLECTED_AT_CLOSE, Kind, Move, State, allows
from kiosk.custody.transitions import Current
from kiosk.db import raw
from kiosk.db.connection import storage_guard, write_transaction
from kiosk.db.models import Custody, Event, Pupil, Staff, Tag, database_proxy, slot_label
from kiosk.formatting import clock_time, moment

RETRIES = 3


@dataclass(frozen=True)
class OpenCustody:
    """What hand-in and hand-back need to know of a tag's open custody: 5 of its 27 columns."""

    id: int
    state: str
    opened_at: datetime  # naive UTC, as stored
    slot_box: str | None
    slot_position: int | None

    @property
    def slot(self) -> str | None:
        return slot_label(self.slot_box, self.slot_position)


# The statement every scan runs to find the tag's open record, written out (kiosk.db.raw: peewee building it was
# a good part of a scan's time on an office PC); tests run it on both backends. The writes are transitions.py's.
_OPEN_CUSTODY = ("SELECT id, state, opened_at, slot_box, slot_position FROM custody "
                 "WHERE tag_id = ? AND closed_at IS NULL LIMIT 1")
# SQLite returns text; peewee's own conversion, as a model would (unannotated in peewee's stubs).
_as_datetime: Callable[[Any], datetime] = Custody.opened_at.python_value


def _open_custody(tag_id: int) -> OpenCustody | None:
    row = raw.execute(_OPEN_CUSTODY, (tag_id,)).fetchone()
    if row is None:
        return None
    return OpenCustody(id=row[0], state=row[1], opened_at=_as_datetime(row[2]), slot_box=row[3],
                       slot_position=row[4])


def _hhmm(ctx: DeskContext, at: datetime) -> str:
    return moment(local(at, ctx.settings.tz), local_today(ctx.clock, ctx.settings.tz))


def _handed_in_today(ctx: DeskContext, opened_at: datetime) -> bool:
    """Was this phone handed in today (school-local)? An uncollected phone handed in today was not collected at
    a close of day this afternoon: it has not been left overnight (yet), and the desk does not say it was."""
    return local(as_utc(opened_at), ctx.settings.tz).date() == local_today(ctx.clock, ctx.settings.tz)


def _notes(ctx: DeskContext, pupil: Pupil) -> tuple[str, ...]:
    notes = [approved.describe(e) for e in approved.active_exceptions(pupil.id, local_today(ctx.clock,
                                                                                            ctx.settings.tz))]
    if not pupil.active:
        notes.append("marked as left the school in the last roster import")
    return tuple(notes)


def _phone_on_tag(tag: Tag) -> tuple[str, ...]:
    """The phone the tag is for, as the office recorded it (kiosk/custody/tag_phone.py): at hand back, so the
    receptionist can check it is the right phone before it leaves the office."""
    phone = PhoneParticulars.from_json(tag.phone_json)
    if phone is None or not phone.recorded:
        return ()
    damage = f"; damage: {phone.damage}" if phone.damage else ""
    return (f"Check it is their phone: {phone.described()}{damage}",)


def _receipt(ctx: DeskContext, found: Resolved, outcome: Outcome, severity: Severity, message: str,
             custody: OpenCustody | None = None, since: datetime | None = None) -> Receipt:
    return Receipt(outcome=outcome, severity=severity, pupil=PupilSummary.of(found.pupil),
                   tag_code=found.tag.code, message=message, slot=custody.slot if custody else None,
                   custody_id=custody.id if custody else None, since=since, notes=_notes(ctx, found.pupil))


def _already_open(ctx: DeskContext, found: Resolved, open_: OpenCustody) -> Receipt:
    since = as_utc(open_.opened_at)
    state = State(open_.state)
    if state is State.IN_OFFICE:
        return _receipt(ctx, found, Outcome.ALREADY_IN, Severity.WARNING,
                        f"Already in the office since {_hhmm(ctx, since)}, slot {open_.slot}.", open_, since)
    if state is State.UNCOLLECTED and _handed_in_today(ctx, open_.opened_at):
        # The day was closed early this afternoon and the phone is still here: in, not yet left overnight.
        return _receipt(ctx, found, Outcome.ALREADY_IN, Severity.WARNING,
                        f"Already in the office since {_hhmm(ctx, since)}, slot {open_.slot}: "
                        f"{NOT_COLLECTED_AT_CLOSE}.", open_, since)
    if state is State.UNCOLLECTED:
        return _receipt(ctx, found, Outcome.LEFT_OVERNIGHT, Severity.WARNING,
                        f"Left overnight: not collected after {_hhmm(ctx, since)}. Still in slot {open_.slot}.",
                        open_, since)
    if state is State.HELD_FOR_PARENT:
        return _receipt(ctx, found, Outcome.CONFISCATED, Severity.REFUSED,
                        "Confiscated: held in the office for a parent or carer to collect (F6 release).",
                        open_, since)
    return _receipt(ctx, found, Outcome.HELD, Severity.REFUSED,
                    "Held: do not hand back. Refer to the Designated Safeguarding Lead.", open_, since)


def hand_in(ctx: DeskContext, found: Resolved) -> Receipt:
    """Open a daily custody and give the phone a slot; a re-scan is recognised, never duplicated."""
    ctx.require(Permission.HAND_IN)
    for _attempt in range(RETRIES):
        try:
            with write_transaction(database_proxy.obj):
                open_ = _open_custody(found.tag.id)
                if open_ is not None:
                    return _already_open(ctx, found, open_)
                now = ctx.clock.now()
                box = box_for(found.pupil, ctx.settings.slot_scheme)
                position = next_free_position(box)
                moved = transitions.open_record(
                    ctx, Move.HAND_IN, pupil_id=found.pupil.id, tag_id=found.tag.id, at=now,
                    columns={"kind": Kind.DAILY.value, "slot_box": box, "slot_position": position},
                    payload={"slot": slot_label(box, position), "via": found.via, "code": found.tag.code})
                custody = OpenCustody(id=moved.custody_id, state=State.IN_OFFICE, opened_at=to_db(now),
                                      slot_box=box, slot_position=position)
                # The receipt reads (the pupil's exceptions) before the commit: if the server goes away now,
                # the desk says NOT SAVED and means it, never "saved" for a hand-in that was rolled back or
                # a crash for one that was committed.
                return _receipt(ctx, found, Outcome.HANDED_IN, Severity.OK, f"Slot {custody.slot}", custody, now)
        except IntegrityError:
            # Another desk took this tag or this slot at the same instant: look again.
            continue
    raise Conflict("Another desk is handling this phone right now. Scan it again in a moment.")


def hand_back(ctx: DeskContext, found: Resolved) -> Receipt:
    """Return a phone from the office to its pupil. Confiscated and held phones are refused."""
    ctx.require(Permission.HAND_BACK)
    for _attempt in range(RETRIES):
        try:
            with write_transaction(database_proxy.obj):
                open_ = _open_custody(found.tag.id)
                if open_ is None:
                    return _not_in_office(ctx, found)
                state = State(open_.state)
                if not allows(Move.HAND_BACK, state):  # confiscated or held: the receipt says so, in red
                    return _already_open(ctx, found, open_)
                now = ctx.clock.now()
                current = Current(id=open_.id, state=state, pupil_id=found.pupil.id, tag_id=found.tag.id)
                transitions.move(ctx, Move.HAND_BACK, current, at=now, columns={"handed_to": "pupil"},
                                 payload={"slot": open_.slot, "via": found.via})
                overnight = ("" if state is not State.UNCOLLECTED
                             else " (collected after the close of day)" if _handed_in_today(ctx, open_.opened_at)
                             else " (it was left overnight)")
                # Built before the commit, as in hand_in.
                receipt = _receipt(ctx, found, Outcome.HANDED_BACK, Severity.OK, f"Slot {open_.slot}{overnight}",
                                   open_, now)
                return replace(receipt, from_state=state, notes=_phone_on_tag(found.tag) + receipt.notes)
        except Conflict:
            continue  # another desk got there first; re-read and say what happened
    raise Conflict("Another desk is handling this phone right now. Scan it again in a moment.")


def _not_in_office(ctx: DeskContext, found: Resolved) -> Receipt:
    start, _end = local_day_bounds(local_today(ctx.clock, ctx.settings.tz), ctx.settings.tz)
    last = (Custody.select(Custody, Staff).join(Staff, on=(Custody.closed_by == Staff.id))
            .where((Custody.tag == found.tag.id) & (Custody.closed_at >= to_db(start)))
            .order_by(Custody.closed_at.desc()).first())
    if last is not None and last.state == State.RETURNED:
        when = as_utc(last.closed_at)
        return _receipt(ctx, found, Outcome.ALREADY_BACK, Severity.WARNING,
                        f"Already handed back at {_hhmm(ctx, when)} by {last.closed_by.initials} "
                        f"({last.closed_desk}).", None, when)
    return _receipt(ctx, found, Outcome.NOT_HANDED_IN, Severity.WARNING,
                    "Not in the office: there is no record of this phone being handed in today.")


@dataclass(frozen=True)
class UncollectedPhone:
    custody_id: int
    pupil: PupilSummary
    tag_code: str
    slot: str | None
    since: datetime  # UTC, when it was handed in
    # Handed in on an earlier day: it was in the office overnight before this close. A phone handed in today is
    # never "from an earlier day", however many times today's close is run.
    overnight_before: bool


@dataclass(frozen=True)
class DayClosed:
    """Today's first close of day, already recorded: when, at which desk and by whom."""

    at: datetime  # UTC
    desk: str
    by: str  # "Ann Adams (AA)", or "kiosk close-day" (the command, run by a scheduled task or by hand)


@dataclass(frozen=True)
class CloseDayReport:
    closed_at: datetime
    newly_uncollected: int  # marked uncollected by this close (0 when an earlier close today took them all)
    uncollected: tuple[UncollectedPhone, ...]  # every phone uncollected now, today's and earlier days'
    already: DayClosed | None = None  # the day had been closed before this run: the first close of today
    carers_told: int = 0  # messages queued by this close to carers of a phone left overnight (issue 18)

    @property
    def from_today(self) -> int:
        """Handed in today and not collected: the same figure whichever close of today is asked."""
        return sum(1 for phone in self.uncollected if not phone.overnight_before)

    @property
    def from_earlier_days(self) -> int:
        return sum(1 for phone in self.uncollected if phone.overnight_before)


@dataclass(frozen=True)
class BeforeClose:
    """What the desk asks about before closing the day: what is still in the office and whether today was closed."""

    in_office: int
    uncollected_today: int  # handed in today, already marked uncollected by today's close
    uncollected_earlier: int  # handed in on an earlier day and still here
    closed: DayClosed | None  # today's first close, if the day was closed already


# What the close of day records as its author when no member of staff ran it: the command line's own name.
CLOSE_DAY_COMMAND = "kiosk close-day"


def close_day(ctx: DeskContext) -> CloseDayReport:
    """Every phone still in the office becomes UNCOLLECTED and is listed, with those from earlier days. All or
    nothing: a phone another desk moved meanwhile (impossible under the write lock) would undo the whole close.

    Run again the same day (F9 at a desk after the scheduled `kiosk close-day`, or the other way round), it says
    when and by whom the day was closed, marks only what was handed in since, and lists the same phones."""
    ctx.require(Permission.CLOSE_DAY)
    now = ctx.clock.now()
    today = local_today(ctx.clock, ctx.settings.tz)
    start, end = local_day_bounds(today, ctx.settings.tz)
    moved = 0
    with write_transaction(database_proxy.obj):
        already = _first_close(start, end)
        # The table says which phones close of day moves (those still in the office today).
        in_office = list(Custody.select(Custody.id, Custody.state, Custody.pupil, Custody.tag, Custody.slot_box,
                                        Custody.slot_position)
                         .where(Custody.state.in_(sorted(MOVES[Move.CLOSE_DAY].sources)) & Custody.closed_at.is_null()))
        for custody in in_office:
            transitions.move(ctx, Move.CLOSE_DAY, Current.of(custody), at=now, payload={"slot": custody.slot})
            moved += 1
        append_event(key=ctx.keyring.audit_key, at=now, desk=ctx.desk, staff=ctx.who.staff_id,
                     action="DAY_CLOSED", payload={"newly_uncollected": moved, "day": today.isoformat(),
                                                   "by": ctx.who.name})
        phones = tuple(
            UncollectedPhone(custody_id=c.id, pupil=PupilSummary.of(c.pupil), tag_code=c.tag.code, slot=c.slot,
                             since=as_utc(c.opened_at), overnight_before=as_utc(c.opened_at) < start)
            for c in uncollected_custodies()
        )
        # The carers of each phone left tonight, once per phone per night (issue 18; queued, sent later).
        told = notices.tell_left_overnight(ctx, custody_ids=[phone.custody_id for phone in phones])
    return CloseDayReport(closed_at=now, newly_uncollected=moved, uncollected=phones, already=already,
                          carers_told=told)


@storage_guard
def before_close(clock: Clock, settings: Settings) -> BeforeClose:
    """For the desk's question before it closes the day (read on the desk's worker)."""
    start, end = local_day_bounds(local_today(clock, settings.tz), settings.tz)
    in_office = Custody.select().where((Custody.state == State.IN_OFFICE) & Custody.closed_at.is_null()).count()
    uncollected = Custody.select().where((Custody.state == State.UNCOLLECTED) & Custody.closed_at.is_null())
    earlier = uncollected.where(Custody.opened_at < to_db(start)).count()
    return BeforeClose(in_office=in_office, uncollected_today=uncollected.count() - earlier,
                       uncollected_earlier=earlier, closed=_first_close(start, end))


def _first_close(start: datetime, end: datetime) -> DayClosed | None:
    """Today's first DAY_CLOSED event (`start`, `end`: today's bounds in UTC), or None."""
    event = (Event.select(Event, Staff).join(Staff, JOIN.LEFT_OUTER, on=(Event.staff == Staff.id))
             .where((Event.action == "DAY_CLOSED") & (Event.at >= to_db(start)) & (Event.at < to_db(end)))
             .order_by(Event.seq).first())
    if event is None:
        return None
    by = f"{event.staff.name} ({event.staff.initials})" if event.staff_id is not None else CLOSE_DAY_COMMAND
    return DayClosed(at=as_utc(event.at), desk=event.desk, by=by)


def closed_words(closed: DayClosed, tz: ZoneInfo) -> str:
    """'closed at 18:00 by kiosk close-day at Reception 1': the desk and the command line say it alike."""
    return f"closed at {clock_time(local(closed.at, tz))} by {closed.by} at {closed.desk}"


def uncollected_custodies() -> list[Custody]:
    rows = list(
        Custody.select(Custody, Pupil, Tag).join(Pupil).switch(Custody).join(Tag)
        .where((Custody.state == State.UNCOLLECTED) & Custody.closed_at.is_null())
    )
    return sorted(rows, key=lambda c: (form_order(c.pupil.form), c.pupil.legal_surname, c.pupil.legal_forename))
