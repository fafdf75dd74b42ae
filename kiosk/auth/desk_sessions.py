"""Who is signed in at which live session of the kiosk, across processes and PCs: one `desk_session` row per session
while someone is signed in there, so a member of staff signing in at a second desk is warned, and may lock the first.

A session keeps its row alive with a heartbeat (its session check, every few seconds, writes `last_seen` every
HEARTBEAT_SECONDS); a row not seen for twice that is a session that died (a browser tab closed, a PC switched off)
and is not counted. Taking over sets the other row's `locked_by`: that session reads its own row at its next check
and locks itself (kiosk/auth/session.py), recording its own sign-out. The take-over is an event of the desk that
took over. Times are the desks' clocks, which must agree within seconds (`kiosk doctor` checks clock drift).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.audit import append_event
from kiosk.auth.staff import SignedIn, record_sign_out, sign_in
from kiosk.clock import Clock, as_utc, to_db
from kiosk.db.connection import storage_guard, write_transaction
from kiosk.db.models import DeskSession, database_proxy
from kiosk.errors import DeskError
from kiosk.keyring import Keyring

HEARTBEAT_SECONDS = 10
DEAD_AFTER = timedelta(seconds=2 * HEARTBEAT_SECONDS)  # no heartbeat for this long: the session died
TAKEN_OVER = "signed in at another desk"  # the reason recorded with the sign-out of a session taken over
NOT_OPENED = "the desk did not open: the database stopped answering"
DECLINED = "chose to stay signed in at"  # … the other desk: the reason recorded when they do not sign in here


@dataclass(frozen=True)
class ElsewhereSession:
    """Another live session where the same member of staff is signed in."""

    session: str
    desk: str
    since: datetime  # UTC: when they signed in there


@dataclass(frozen=True)
class TakenOver:
    """This session was taken over: its member of staff signed in at `desk`, which asked this one to lock."""

    desk: str
    at: datetime | None  # UTC


@storage_guard  # a read: a database that does not answer is a DeskError, as a write's is
def signed_in_elsewhere(*, staff_id: int, session: str, now: datetime) -> ElsewhereSession | None:
    """The live session (not this one) where this member of staff is signed in, the most recent if several."""
    row = (DeskSession.select()
           .where((DeskSession.staff == staff_id) & (DeskSession.session != session)
                  & DeskSession.locked_by.is_null() & (DeskSession.last_seen >= to_db(now - DEAD_AFTER)))
           .order_by(DeskSession.signed_in_at.desc()).first())
    if row is None:
        return None
    return ElsewhereSession(session=row.session, desk=row.desk, since=as_utc(row.signed_in_at))


def start_session(*, who: SignedIn, now: datetime) -> None:
    """Record that `who` is signed in at their session from now (again, if this session signed in before); rows of
    sessions that died long ago go at the same time."""
    assert who.staff_id is not None and who.session is not None
    stamp = to_db(now)
    DeskSession.delete().where(DeskSession.last_seen < to_db(now - 10 * DEAD_AFTER)).execute()
    (DeskSession.insert(session=who.session, desk=who.desk, staff=who.staff_id, signed_in_at=stamp, last_seen=stamp,
                        locked_by=None, locked_by_desk=None, locked_at=None)
     .on_conflict(conflict_target=[DeskSession.session],
                  update={DeskSession.desk: who.desk, DeskSession.staff: who.staff_id,
                          DeskSession.signed_in_at: stamp, DeskSession.last_seen: stamp, DeskSession.locked_by: None,
                          DeskSession.locked_by_desk: None, DeskSession.locked_at: None})
     .execute())


def signed_in_here(*, keyring: Keyring, clock: Clock, who: SignedIn,
                   lock_other: ElsewhereSession | None = None) -> None:
    """`who` (whose PIN was just checked) is signed in at this session. With `lock_other`, they chose to sign in here
    and lock the session where they were signed in: that is asked of it, and recorded (SESSION_TAKEN_OVER)."""
    if who.staff_id is None or who.session is None:
        return
    now = clock.now()
    with write_transaction(database_proxy.obj):
        if lock_other is not None:
            asked = (DeskSession.update(locked_by=who.session, locked_by_desk=who.desk, locked_at=to_db(now))
                     .where((DeskSession.session == lock_other.session) & (DeskSession.staff == who.staff_id)
                            & DeskSession.locked_by.is_null())
                     .execute())
            append_event(key=keyring.audit_key, at=now, desk=who.desk, session=who.session, staff=who.staff_id,
                         action="SESSION_TAKEN_OVER",
                         payload={"initials": who.initials, "locked_desk": lock_other.desk,
                                  "locked_session": lock_other.session,
                                  "signed_in_there_at": to_db(lock_other.since).isoformat(),
                                  "still_open": bool(asked)})
        start_session(who=who, now=now)


def heartbeat(*, who: SignedIn, now: datetime) -> TakenOver | None:
    """This session is alive: its row's `last_seen` moves on (at most every HEARTBEAT_SECONDS). A TakenOver when
    another desk asked it to lock. A row gone (cleared as dead after a long stall) is written again."""
    if who.staff_id is None or who.session is None:
        return None
    row = DeskSession.get_or_none(DeskSession.session == who.session)
    if row is None or row.staff_id != who.staff_id:
        start_session(who=who, now=now)
        return None
    if row.locked_by is not None:
        return TakenOver(desk=row.locked_by_desk or "another desk",
                         at=as_utc(row.locked_at) if row.locked_at else None)
    if now - as_utc(row.last_seen) >= timedelta(seconds=HEARTBEAT_SECONDS):
        DeskSession.update(last_seen=to_db(now)).where(DeskSession.session == who.session).execute()
    return None


@dataclass(frozen=True)
class DeskSignIn:
    """A PIN that matched: `who` may open the desk at once, unless `elsewhere` says they are signed in at another
    live session; then the desk asks first (sign in here and lock that one, or not)."""

    who: SignedIn
    elsewhere: ElsewhereSession | None


def sign_in_at_desk(*, keyring: Keyring, clock: Clock, desk: str, who: str, pin: str,
                    session: str | None = None) -> DeskSignIn:
    """Sign in at this session (kiosk.auth.staff.sign_in: the PIN checked, the attempt recorded). Not signed in
    anywhere else: this session is now theirs. Signed in at another live session: nothing more until they answer
    (take_over or decline)."""
    signed_in = sign_in(keyring=keyring, clock=clock, desk=desk, who=who, pin=pin, session=session)
    if signed_in.staff_id is None or signed_in.session is None:
        return DeskSignIn(signed_in, None)
    try:
        elsewhere = signed_in_elsewhere(staff_id=signed_in.staff_id, session=signed_in.session, now=clock.now())
        if elsewhere is None:
            signed_in_here(keyring=keyring, clock=clock, who=signed_in)
    except DeskError:
        # The database stopped answering between the PIN and the desk opening: the desk stays locked, and the
        # sign-in recorded is closed in the trail if the database takes that much.
        with contextlib.suppress(DeskError):
            record_sign_out(keyring=keyring, clock=clock, who=signed_in, reason=NOT_OPENED)
        raise
    return DeskSignIn(signed_in, elsewhere)


def take_over(*, keyring: Keyring, clock: Clock, who: SignedIn, other: ElsewhereSession) -> SignedIn:
    """They chose to sign in here: the other session is asked to lock (within its next check), recorded."""
    signed_in_here(keyring=keyring, clock=clock, who=who, lock_other=other)
    return who


def decline(*, keyring: Keyring, clock: Clock, who: SignedIn, other: ElsewhereSession) -> None:
    """They chose not to sign in here: the sign-in just recorded ends at once, and the other session goes on."""
    record_sign_out(keyring=keyring, clock=clock, who=who, reason=f"{DECLINED} {other.desk}")
