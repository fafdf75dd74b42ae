"""A head or DSL authorising at someone else's desk (a release to an unlisted collector, an early release): their
PIN typed into the authoriser fields. Wrong PINs there are counted against the desk and the member of staff signed
in at it, never against the authoriser: otherwise anyone at a desk could lock the DSL out by typing the DSL's
initials and wrong PINs. Each one is an audit event (AUTHORISER_PIN_FAILED) naming the desk and who was signed in,
for the DSL to see; never the PIN."""

from __future__ import annotations

from datetime import datetime

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth.pins import check_against_nobody, pin_matches
from kiosk.auth.staff import (
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    AccountLocked,
    SignedIn,
    SignInRefused,
    confirm_pin,
    normalise_initials,
)
from kiosk.clock import Clock, as_utc, to_db
from kiosk.db.connection import write_transaction
from kiosk.db.models import Event, Staff, database_proxy
from kiosk.keyring import Keyring

AUTHORISER_PIN_FAILED = "AUTHORISER_PIN_FAILED"
# Wrong authoriser PINs at one desk, whoever is signed in there, within LOCKOUT: then the desk takes no more until
# the window has passed (someone who signs in and out under several names gets no more guesses than this).
MAX_AT_A_DESK = 2 * MAX_FAILED_ATTEMPTS


def confirm_authoriser(*, keyring: Keyring, clock: Clock, at_desk: SignedIn, who: str, pin: str,
                       purpose: str) -> SignedIn:
    """The authoriser whose initials (or badge) and PIN were typed at `at_desk`'s desk, or SignInRefused. When the
    authoriser is the person signed in, it is their own step-up, counted against them as at sign-in. When a wrong
    PIN locks the signed-in member of staff, AccountLocked: the desk's session ends."""
    key = normalise_initials(who)
    if key == at_desk.initials or (at_desk.staff_id is not None and _badge_of(who) == at_desk.staff_id):
        return confirm_pin(keyring=keyring, clock=clock, desk=at_desk.desk, who=who, pin=pin, purpose=purpose)
    now = clock.now()
    refused = "Those initials and PIN do not match: the authoriser must type their own PIN."
    with write_transaction(database_proxy.obj):
        if _failed_at_desk(at_desk.desk, now) >= MAX_AT_A_DESK:
            failure: SignInRefused | None = SignInRefused(
                f"Too many wrong authoriser PINs at this desk: it takes no more for "
                f"{int(LOCKOUT.total_seconds() // 60)} minutes. The head or DSL can sign in here themselves.")
            authoriser = None
        else:
            authoriser = (Staff.get_or_none((Staff.initials == key) & Staff.active)
                          or Staff.get_or_none((Staff.badge_code == who.strip()) & Staff.active))
            if authoriser is not None and authoriser.locked_until and as_utc(authoriser.locked_until) > now:
                # Their PIN is not checked while locked, so nothing is guessed and nothing counted.
                raise SignInRefused("That authoriser's account is locked after too many wrong PINs: ask another "
                                    "head or DSL, or an admin to unlock it.")
            if authoriser is None:
                check_against_nobody(pin, keyring.pin_pepper)  # as slow as a wrong PIN: the time names no one
            if authoriser is not None and pin_matches(pin, authoriser.pin_hash, keyring.pin_pepper):
                append_event(key=keyring.audit_key, at=now, desk=at_desk.desk, staff=authoriser,
                             action="PIN_CONFIRMED", payload={"initials": authoriser.initials, "purpose": purpose,
                                                              "at_desk_of": at_desk.initials})
                failure = None
            else:
                failure = _count_against_the_desk(keyring=keyring, now=now, at_desk=at_desk, typed=key,
                                                  purpose=purpose, refused=refused)
    if failure is not None:
        raise failure
    assert authoriser is not None
    return SignedIn(staff_id=authoriser.id, name=authoriser.name, initials=authoriser.initials,
                    role=authoriser.role, desk=at_desk.desk)


def _count_against_the_desk(*, keyring: Keyring, now: datetime, at_desk: SignedIn, typed: str, purpose: str,
                            refused: str) -> SignInRefused:
    """Inside the transaction: the event for the DSL, a wrong PIN on the signed-in account (locking it at the
    fifth, as their own wrong PINs would), and what to say at the desk."""
    signed_in = Staff.get_or_none(Staff.id == at_desk.staff_id) if at_desk.staff_id is not None else None
    # Counted from the events, not the account's failed_attempts: their own right PIN (re-entered for the release)
    # resets that, and must not wipe the authoriser PINs guessed in between.
    attempts = _failed_by(signed_in.id, now) + 1 if signed_in is not None else 0
    append_event(key=keyring.audit_key, at=now, desk=at_desk.desk, staff=at_desk.staff_id,
                 action=AUTHORISER_PIN_FAILED,
                 payload={"desk": at_desk.desk, "signed_in": at_desk.initials, "signed_in_name": at_desk.name,
                          "authoriser_typed": typed[:8], "purpose": purpose, "attempt": attempts})
    if signed_in is None:
        return SignInRefused(refused)
    locked_until = to_db(now + LOCKOUT) if attempts >= MAX_FAILED_ATTEMPTS else None
    if locked_until is None:
        left = MAX_FAILED_ATTEMPTS - attempts
        return SignInRefused(f"{refused} ({left} more wrong {'PIN' if left == 1 else 'PINs'} at this desk and "
                             f"{at_desk.name}'s account locks.)")
    # Sealed again only if it held what the kiosk sealed: the lock itself is written either way.
    sealed_before = sealing.verifies(keyring.audit_key, signed_in)
    Staff.update(failed_attempts=0, locked_until=locked_until).where(Staff.id == signed_in.id).execute()
    append_event(key=keyring.audit_key, at=now, desk=at_desk.desk, staff=signed_in, action="ACCOUNT_LOCKED",
                 payload={"initials": signed_in.initials, "until": locked_until.isoformat(),
                          "reason": "wrong authoriser PINs at their desk"},
                 rows=[sealing.reseal(keyring.audit_key, Staff, signed_in.id)] if sealed_before else ())
    return AccountLocked(f"Wrong authoriser PINs {MAX_FAILED_ATTEMPTS} times at this desk: {at_desk.name}'s "
                         f"account is locked for {int(LOCKOUT.total_seconds() // 60)} minutes and the desk locks "
                         "now. The DSL can see this in the audit trail.")


def _failed_by(staff_id: int, now: datetime) -> int:
    """Wrong authoriser PINs typed while this member of staff was signed in, within LOCKOUT and since their
    account last locked (a lock starts the count again, as it does for their own PINs)."""
    since = to_db(now - LOCKOUT)
    last_lock = (Event.select(Event.seq).where((Event.action == "ACCOUNT_LOCKED") & (Event.staff == staff_id))
                 .order_by(Event.seq.desc()).first())
    query = Event.select().where((Event.action == AUTHORISER_PIN_FAILED) & (Event.staff == staff_id)
                                 & (Event.at >= since))
    if last_lock is not None:
        query = query.where(Event.seq > last_lock.seq)
    return query.count()


def _failed_at_desk(desk: str, now: datetime) -> int:
    since = to_db(now - LOCKOUT)
    return (Event.select().where((Event.action == AUTHORISER_PIN_FAILED) & (Event.desk == desk)
                                 & (Event.at >= since)).count())


def _badge_of(code: str) -> int | None:
    staff = Staff.get_or_none(Staff.badge_code == code.strip()) if code.strip() else None
    return staff.id if staff is not None else None
