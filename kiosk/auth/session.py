"""Whether a desk session may go on: the member of staff signed in is still active, unlocked and in the role they
signed in with, and has not signed in at another desk that asked this one to lock. The desk asks every few seconds
and ends the session at once when not (kiosk/app.py); asking is also the session's heartbeat
(kiosk/auth/desk_sessions.py)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.auth.desk_sessions import TAKEN_OVER, heartbeat
from kiosk.auth.staff import LOCKOUT, MAX_FAILED_ATTEMPTS, SignedIn, is_locked
from kiosk.clock import Clock
from kiosk.db.connection import storage_guard
from kiosk.db.models import Staff

LOCKED_WORDS = (f"The desk locked: {{name}}'s account was locked after {MAX_FAILED_ATTEMPTS} wrong PINs. Wait "
                f"{int(LOCKOUT.total_seconds() // 60)} minutes, or ask an admin to unlock it.")


@dataclass(frozen=True)
class SessionEnded:
    reason: str  # recorded with the sign-out: "account locked" or "account changed"
    words: str  # said on the lock screen


@storage_guard  # on the desk's worker: a database that does not answer is NOT READ, never a crash
def session_ended(*, who: SignedIn, clock: Clock) -> SessionEnded | None:
    """Why `who`'s session at the desk must end now; None while it may go on."""
    if who.staff_id is None:
        return None
    staff = Staff.get_or_none(Staff.id == who.staff_id)
    if staff is None or not staff.active:
        return SessionEnded("account changed",
                            f"The desk locked: {who.name} can no longer sign in (the account was made inactive).")
    if is_locked(staff, clock.now()):
        return SessionEnded("account locked", LOCKED_WORDS.format(name=who.name))
    if staff.role != who.role:
        return SessionEnded("account changed", f"The desk locked: {who.name}'s role was changed. Sign in again.")
    taken = heartbeat(who=who, now=clock.now())
    if taken is not None:
        return SessionEnded(TAKEN_OVER, f"The desk locked: {who.name} signed in at {taken.desk}, and chose to "
                                        "lock this desk.")
    return None
