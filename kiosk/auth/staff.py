"""Staff accounts and signing in: PIN check, lockout after repeated failures, every attempt audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import IntegrityError

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.audit.session_id import this_session
from kiosk.auth.pins import check_against_nobody, check_pin_rules, hash_pin, pin_matches
from kiosk.auth.roles import Permission, Role, can
from kiosk.clock import Clock, as_utc, to_db
from kiosk.db.connection import write_transaction
from kiosk.db.models import DeskSession, Staff, database_proxy
from kiosk.errors import DeskError, NotPermitted
from kiosk.keyring import Keyring
from kiosk.mail.addresses import checked_address
from kiosk.text import initials_for_the_record

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MAX_DESK_NAME = 64  # the column's width on PostgreSQL


class SignInRefused(DeskError):
    """Wrong initials or PIN, or a locked account. The message never says which of initials or PIN was wrong."""


class AccountLocked(SignInRefused):
    """The wrong PIN that locked the account: whoever is signed in on it at a desk is signed out at once."""


class StaffError(DeskError):
    pass


@dataclass(frozen=True)
class SignedIn:
    """Who is at the desk. Passed to every domain call that acts on a phone."""

    staff_id: int | None  # None: the command line, recorded with the operating-system user
    name: str
    initials: str
    role: str
    desk: str
    year_group: int | None = None  # a head of year's year group: they act for those pupils only
    session: str | None = None  # the session signed in (kiosk/audit/session_id.py); None: the command line

    def can(self, permission: Permission) -> bool:
        return can(self.role, permission)

    @property
    def limited_to_year_group(self) -> bool:
        return self.role == Role.HEAD_OF_YEAR and self.year_group is not None

    def acts_for_year(self, year: int | None) -> bool:
        """Whether this member of staff may see and act for a pupil in `year`: a head of year with a year group
        only for their own (a pupil with no year recorded is not theirs); everyone else, and a head of year whose
        year group is not set, as their role allows."""
        return not self.limited_to_year_group or year == self.year_group

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise NotPermitted(f"{self.name} ({self.role}) is not allowed to {permission.value.replace('_', ' ')}.")


YEAR_GROUPS = range(1, 14)  # Year 1 to Year 13


def checked_year_group(year_group: int | None, role: str) -> int | None:
    """A year group is a head of year's: refused for another role, and outside Year 1–13."""
    if year_group is None:
        return None
    if role != Role.HEAD_OF_YEAR:
        raise StaffError("Only a head of year has a year group (the others act for the whole school).")
    if year_group not in YEAR_GROUPS:
        raise StaffError(f"Year group {year_group} is not a year group: give 1–13, e.g. --year-group 9.")
    return year_group


def normalise_initials(initials: str) -> str:
    return "".join(initials.split()).upper()


def add_staff(
    *, keyring: Keyring, clock: Clock, desk: str, name: str, initials: str, role: str, pin: str,
    badge_code: str | None = None, added_by: int | None = None, year_group: int | None = None,
    email: str | None = None,
) -> Staff:
    initials = normalise_initials(initials)
    if not name.strip():
        raise StaffError("A member of staff needs a name.")
    if not initials.isalnum() or not 1 <= len(initials) <= 8:
        raise StaffError("Initials must be 1–8 letters or digits, e.g. AA or JSM.")
    try:
        Role(role)
    except ValueError:
        raise StaffError(f"Role must be one of: {', '.join(r.value for r in Role)}.") from None
    year_group = checked_year_group(year_group, role)
    email = checked_address(email) if email is not None else None
    check_pin_rules(pin)
    try:
        with write_transaction(database_proxy.obj):
            staff = Staff.create(name=name.strip(), initials=initials, role=role,
                                 pin_hash=hash_pin(pin, keyring.pin_pepper), badge_code=badge_code or None,
                                 year_group=year_group, email=email)
            sealed = sealing.reseal(keyring.audit_key, Staff, staff.id)
            append_event(key=keyring.audit_key, at=clock.now(), desk=desk, staff=added_by, action="STAFF_ADDED",
                         payload={"staff_id": staff.id, "initials": initials, "role": role, "name": staff.name,
                                  "year_group": year_group, **({"email": email} if email else {})},
                         rows=[sealed])
    except IntegrityError:
        raise StaffError(f"Initials {initials} (or that badge) already belong to someone. Choose others.") from None
    return staff


def sign_in(*, keyring: Keyring, clock: Clock, desk: str, who: str, pin: str, session: str | None = None) -> SignedIn:
    """`who` is initials or a staff badge scan. Five wrong PINs lock the account for 15 minutes,
    counted on the account itself so that moving to another desk does not reset it. `session`: the session signing
    in, this process's own unless given."""
    return _check_pin(keyring=keyring, clock=clock, desk=desk, who=who, pin=pin, purpose=None,
                      session=session or this_session())


def confirm_pin(*, keyring: Keyring, clock: Clock, desk: str, who: str, pin: str, purpose: str,
                own: bool = False) -> SignedIn:
    """A step-up check before a serious action (a release, an authorisation): the same PIN rules and
    lockout as signing in, recorded with its purpose. `own`: the signed-in member of staff confirms with their
    own PIN (no initials were typed, so a wrong one is said as such)."""
    return _check_pin(keyring=keyring, clock=clock, desk=desk, who=who, pin=pin, purpose=purpose,
                      refused="That is not your PIN: type your own PIN again." if own else None)


def _check_pin(*, keyring: Keyring, clock: Clock, desk: str, who: str, pin: str, purpose: str | None,
               session: str | None = None, refused: str | None = None) -> SignedIn:
    if not desk.strip() or len(desk) > MAX_DESK_NAME:
        raise StaffError(f"The desk name must be 1–{MAX_DESK_NAME} characters (it is recorded on every action). "
                         "Set a shorter one with --desk or 'desk' in kiosk.toml.")
    now = clock.now()
    failed_action = "SIGN_IN_FAILED" if purpose is None else "PIN_CONFIRM_FAILED"
    key = normalise_initials(who)
    refused = refused or "Those initials and PIN do not match. Try again."
    changed = ("This staff record was changed outside the kiosk, so it cannot be used to sign in. Ask the IT "
               "technician to run: kiosk audit verify")
    with write_transaction(database_proxy.obj):
        staff = (Staff.get_or_none((Staff.initials == key) & Staff.active)
                 or Staff.get_or_none((Staff.badge_code == who.strip()) & Staff.active))
        if staff is None:
            check_against_nobody(pin, keyring.pin_pepper)  # as slow as a wrong PIN: the time names no one
            append_event(key=keyring.audit_key, at=now, desk=desk, session=session, action=failed_action,
                         payload={"initials": initials_for_the_record(who), "reason": "unknown initials",
                                  "purpose": purpose})
            failure: SignInRefused | None = SignInRefused(refused)
        elif not sealing.verifies(keyring.audit_key, staff):
            # A role, PIN hash or active flag set in the database by hand (or a row copied from another account)
            # does not carry the seal the kiosk wrote: refused before the PIN is even tried.
            append_event(key=keyring.audit_key, at=now, desk=desk, session=session, staff=staff, action=failed_action,
                         payload={"initials": staff.initials, "reason": "staff record changed outside the kiosk",
                                  "purpose": purpose})
            failure = SignInRefused(changed)
        elif staff.locked_until and as_utc(staff.locked_until) > now:
            minutes = max(1, int((as_utc(staff.locked_until) - now).total_seconds() // 60) + 1)
            append_event(key=keyring.audit_key, at=now, desk=desk, session=session, staff=staff, action=failed_action,
                         payload={"initials": staff.initials, "reason": "account locked", "purpose": purpose})
            failure = SignInRefused(f"This account is locked after {MAX_FAILED_ATTEMPTS} wrong PINs. "
                                    f"Try again in {minutes} min, or ask an admin to unlock it.")
        elif not pin_matches(pin, staff.pin_hash, keyring.pin_pepper):
            attempts = staff.failed_attempts + 1
            locked_until = to_db(now + LOCKOUT) if attempts >= MAX_FAILED_ATTEMPTS else None
            Staff.update(failed_attempts=0 if locked_until else attempts, locked_until=locked_until).where(
                Staff.id == staff.id).execute()
            append_event(key=keyring.audit_key, at=now, desk=desk, session=session, staff=staff, action=failed_action,
                         payload={"initials": staff.initials, "reason": "wrong PIN", "attempt": attempts,
                                  "purpose": purpose}, rows=[sealing.reseal(keyring.audit_key, Staff, staff.id)])
            if locked_until:
                append_event(key=keyring.audit_key, at=now, desk=desk, session=session, staff=staff,
                             action="ACCOUNT_LOCKED",
                             payload={"initials": staff.initials, "until": locked_until.isoformat()})
                failure = AccountLocked(f"Wrong PIN {MAX_FAILED_ATTEMPTS} times: this account is locked for "
                                        f"{int(LOCKOUT.total_seconds() // 60)} minutes.")
            else:
                left = MAX_FAILED_ATTEMPTS - attempts
                failure = SignInRefused(f"{refused} ({left} more {'try' if left == 1 else 'tries'} "
                                        "before the account locks.)")
        else:
            cleared: list[str] = []
            if staff.failed_attempts or staff.locked_until:
                Staff.update(failed_attempts=0, locked_until=None).where(Staff.id == staff.id).execute()
                cleared = [sealing.reseal(keyring.audit_key, Staff, staff.id)]
            append_event(key=keyring.audit_key, at=now, desk=desk, session=session, staff=staff,
                         action="SIGNED_IN" if purpose is None else "PIN_CONFIRMED",
                         payload={"initials": staff.initials, "purpose": purpose}, rows=cleared)
            failure = None
    # Raised after the transaction commits, so the failure and the lock are recorded.
    if failure is not None:
        raise failure
    assert staff is not None
    return SignedIn(staff_id=staff.id, name=staff.name, initials=staff.initials, role=staff.role, desk=desk,
                    year_group=staff.year_group, session=session or this_session())


def record_sign_out(*, keyring: Keyring, clock: Clock, who: SignedIn, reason: str) -> None:
    """The session ends: recorded, and it is no longer anyone's live session (kiosk/auth/desk_sessions.py)."""
    with write_transaction(database_proxy.obj):
        append_event(key=keyring.audit_key, at=clock.now(), desk=who.desk, session=who.session, staff=who.staff_id,
                     action="SIGNED_OUT", payload={"reason": reason})
        if who.session is not None:  # no longer anyone's live session
            DeskSession.delete().where(DeskSession.session == who.session).execute()


def unlock_staff(*, keyring: Keyring, clock: Clock, desk: str, initials: str, by: int | None = None) -> Staff:
    key = normalise_initials(initials)
    with write_transaction(database_proxy.obj):
        staff = Staff.get_or_none(Staff.initials == key)
        if staff is None:
            raise StaffError(f"No member of staff has the initials {key}.")
        if not sealing.verifies(keyring.audit_key, staff):  # an unlock must not seal an edit made in SQL
            raise StaffError(f"The staff record of {key} was changed outside the kiosk, so it is not unlocked. Ask "
                             "the IT technician to run 'kiosk audit verify'.")
        Staff.update(failed_attempts=0, locked_until=None).where(Staff.id == staff.id).execute()
        append_event(key=keyring.audit_key, at=clock.now(), desk=desk, staff=by, action="ACCOUNT_UNLOCKED",
                     payload={"initials": key}, rows=[sealing.reseal(keyring.audit_key, Staff, staff.id)])
    return staff


def is_locked(staff: Staff, now: datetime) -> bool:
    return bool(staff.locked_until and as_utc(staff.locked_until) > now)
