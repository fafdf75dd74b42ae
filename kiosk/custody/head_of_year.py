"""Telling a pupil's head of year of a 2nd or 3rd confiscation this term (the behaviour module's habit): their inbox
at sign-in, marked read per member of staff, and the one function a sender (the outbox, issue 18) asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.audit import append_event
from kiosk.auth.roles import Role
from kiosk.clock import local
from kiosk.config import Settings
from kiosk.custody.context import DeskContext
from kiosk.custody.queries.head_of_year import NOTICES_READ, HeadOfYearNotice, notices_this_term, read_by
from kiosk.db.connection import storage_guard, write_transaction
from kiosk.db.models import Staff, database_proxy
from kiosk.db.rows import tuples
from kiosk.errors import DeskError


@dataclass(frozen=True)
class NoticeFor:
    """One notice and the heads of year (staff ids, active, with that year group) it is for."""

    notice: HeadOfYearNotice
    heads_of_year: tuple[int, ...]


@storage_guard
def heads_of_year_of(year: int | None) -> tuple[int, ...]:
    """The active heads of year whose year group is `year` (none for a pupil with no year on the roster)."""
    if year is None:
        return ()
    return tuple(staff_id for (staff_id,) in tuples(
        Staff.select(Staff.id).where((Staff.role == Role.HEAD_OF_YEAR) & Staff.active & (Staff.year_group == year))
        .order_by(Staff.id)))


def head_of_year_notices_since(*, since: datetime, settings: Settings) -> tuple[NoticeFor, ...]:
    """Every 2nd or later confiscation this term made at or after `since`, each with the heads of year to tell:
    what the outbox sends by email (a notice whose pupil's year has no head of year is still listed, with none).
    The words carry no safeguarding detail: the pupil, the count, when and the reason category."""
    today = local(since, settings.tz).date()
    return tuple(NoticeFor(n, heads_of_year_of(n.pupil.year))
                 for n in notices_this_term(settings=settings, today=today, since=since))


def inbox(ctx: DeskContext) -> tuple[HeadOfYearNotice, ...]:
    """The signed-in head of year's notices this term for their year group, unread first then oldest first; empty
    for anyone without a year group."""
    who = ctx.who
    if who.role != Role.HEAD_OF_YEAR or who.year_group is None or who.staff_id is None:
        return ()
    today = local(ctx.clock.now(), ctx.settings.tz).date()
    notices = notices_this_term(settings=ctx.settings, today=today, year_group=who.year_group,
                                staff_id=who.staff_id)
    return tuple(sorted(notices, key=lambda n: n.read))  # sorted() keeps the time order within each


def mark_notices_read(ctx: DeskContext, *, custody_ids: tuple[int, ...] | list[int]) -> int:
    """The head of year has read these notices: one event, for them alone (another head of year, or the same year's
    deputy, still sees theirs). Returns how many were newly marked."""
    who = ctx.who
    if who.staff_id is None or who.role != Role.HEAD_OF_YEAR:
        raise DeskError("Only a head of year signed in at the desk has notices to mark read.")
    with write_transaction(database_proxy.obj):
        new = sorted(set(custody_ids) - read_by(who.staff_id))
        if new:
            append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=who.staff_id,
                         action=NOTICES_READ, payload={"custody_ids": new, "year_group": who.year_group})
    return len(new)
