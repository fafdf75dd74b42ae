"""Rung 3 of the escalation ladder: a meeting with a parent or carer, recorded (when, who attended, the outcome)
before the phone is released. The rung says whether it asks for one (kiosk/custody/terms.py needs_parent_meeting);
the release asks `meeting_still_needed` and refuses until it is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth.roles import Permission
from kiosk.clock import local_today
from kiosk.custody import details as custody_details
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.custody.states import Kind
from kiosk.db.connection import write_transaction
from kiosk.db.models import Custody, database_proxy
from kiosk.formatting import weekday_date_time
from kiosk.reports.periods import BadDate, parse_day


@dataclass(frozen=True)
class ParentMeeting:
    custody_id: int
    held_at: datetime  # when the meeting took place (aware)
    attended: str  # who attended: the parent or carer and the staff, e.g. "Mrs D. Hall (mother), Ms N. Evans (HoY)"
    outcome: str  # what was agreed, e.g. "phone to be handed in every morning for the rest of term"
    recorded_by: str


def meeting_still_needed(custody: Custody) -> bool:
    """Whether this confiscation's rung asked for a parent meeting and none is recorded yet (the one rule; the
    release screen's record reads it through custody_details.meeting_owed)."""
    return custody_details.meeting_owed(custody)


def meeting_time(*, day: str, at: str, ctx: DeskContext) -> datetime:
    """The meeting's day and time as the office types them ("today", "3/12"; "15:30"), in the school's time."""
    try:
        on = parse_day(day or "today", today=local_today(ctx.clock, ctx.settings.tz))
    except BadDate as error:
        raise DeskError(f"Meeting day: {error}") from None
    try:
        clock = time.fromisoformat(at.strip().replace(".", ":").zfill(5))
    except ValueError:
        raise DeskError(f"Meeting time {at.strip()!r}: type it as a time, e.g. 15:30.") from None
    return datetime.combine(on, clock, tzinfo=ctx.settings.tz)


def meeting_refusal(custody: Custody) -> str | None:
    """The release's refusal while the meeting is owed, in the desk's words; None when it may go ahead."""
    if not meeting_still_needed(custody):
        return None
    return ("This is a 3rd (or later) confiscation this term: record the parent meeting (when, who attended, the "
            "outcome) before the phone is released.")


def record_parent_meeting(ctx: DeskContext, custody_id: int, *, held_at: datetime, attended: str,
                          outcome: str) -> ParentMeeting:
    """Record the meeting with the confiscation; sealed with the record, one event."""
    ctx.require(Permission.CONFISCATE, custody=custody_id)
    if not attended.strip():
        raise DeskError("Record who attended the meeting (the parent or carer, and the staff).")
    if not outcome.strip():
        raise DeskError("Record the meeting's outcome (what was agreed).")
    if held_at.tzinfo is None:
        raise DeskError("The meeting's time must carry its time zone.")  # a programming slip, not a desk's
    now = ctx.clock.now()
    if held_at > now:
        raise DeskError(f"The meeting is recorded once it has taken place: {weekday_date_time(held_at)} is still "
                        "to come.")
    meeting = {"at": held_at.isoformat(), "attended": attended.strip(), "outcome": outcome.strip(),
               "recorded_by": ctx.who.name, "recorded_at": now.isoformat()}
    with write_transaction(database_proxy.obj):
        custody = Custody.get_or_none(Custody.id == custody_id)
        if custody is None or custody.kind != Kind.CONFISCATED:
            raise DeskError("That is not a confiscated phone's record. Search again.")
        Custody.update(details_json=custody_details.merged(custody, parent_meeting=meeting)).where(
            Custody.id == custody_id).execute()
        append_event(key=ctx.keyring.audit_key, at=now, desk=ctx.desk, staff=ctx.who.staff_id,
                     action="PARENT_MEETING_RECORDED", pupil=custody.pupil_id, tag=custody.tag_id,
                     custody=custody_id, custody_state=custody.state,
                     rows=[sealing.reseal(ctx.keyring.audit_key, Custody, custody_id)],
                     payload={"at": meeting["at"], "attended": meeting["attended"], "outcome": meeting["outcome"]})
    return ParentMeeting(custody_id, held_at, meeting["attended"], meeting["outcome"], ctx.who.name)
