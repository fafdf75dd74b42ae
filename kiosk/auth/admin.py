"""What only an admin may change about staff, signed for with the admin's own initials and PIN: who is on the staff
list, their role, their PIN, and unlocking them. Each change is an audit event naming the admin who made it."""

from __future__ import annotations

from typing import Any

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth.pins import check_pin_rules, hash_pin
from kiosk.auth.roles import Role
from kiosk.auth.staff import SignedIn, StaffError, checked_year_group, confirm_pin, normalise_initials
from kiosk.clock import Clock
from kiosk.db.connection import write_transaction
from kiosk.db.models import Event, Staff, database_proxy
from kiosk.errors import NotPermitted
from kiosk.keyring import Keyring
from kiosk.mail.addresses import checked_address


def authorise_admin(*, keyring: Keyring, clock: Clock, desk: str, initials: str, pin: str, doing: str) -> SignedIn:
    """The admin who signs for `doing` (words such as "add a member of staff"). A wrong PIN is refused and counts
    toward that admin's lockout exactly as at the desk; a right PIN from someone who is not an admin is refused."""
    who = confirm_pin(keyring=keyring, clock=clock, desk=desk, who=initials, pin=pin, purpose=f"admin: {doing}")
    if who.role != Role.ADMIN:
        raise NotPermitted(f"{who.name} ({who.role.replace('_', ' ')}) is not an admin: only an admin may {doing}.")
    return who


def has_active_admin() -> bool:
    """Whether anyone can sign for admin changes."""
    return Staff.select().where((Staff.role == Role.ADMIN) & Staff.active).exists()


def is_new_school() -> bool:
    """Nobody on the staff list and nothing in the trail: only then may `kiosk init` make the first admin without an
    admin signing for it. (An active admin that is missing because the staff table was edited or emptied in SQL
    is not a new school: making an admin then would hand the school to whoever edited it.)"""
    return not Staff.select().exists() and not Event.select().exists()


def has_staff() -> bool:
    return Staff.select().exists()


def deactivate_staff(*, keyring: Keyring, clock: Clock, by: SignedIn, initials: str) -> Staff:
    """They can no longer sign in or authorise anything; their history stays, under their name."""
    with write_transaction(database_proxy.obj):
        staff = _staff(initials)
        if not staff.active:
            raise StaffError(f"{staff.name} ({staff.initials}) is already inactive.")
        if staff.role == Role.ADMIN:
            _keep_an_admin(staff, "made inactive")
        _change(keyring, staff, active=False)
        _record(keyring, clock, by, "STAFF_DEACTIVATED", staff, {})
    return staff


def change_role(*, keyring: Keyring, clock: Clock, by: SignedIn, initials: str, role: str) -> Staff:
    try:
        new_role = Role(role)
    except ValueError:
        raise StaffError(f"Role must be one of: {', '.join(r.value for r in Role)}.") from None
    with write_transaction(database_proxy.obj):
        staff = _staff(initials)
        if staff.role == new_role:
            raise StaffError(f"{staff.name} ({staff.initials}) is already {new_role.value.replace('_', ' ')}.")
        if staff.role == Role.ADMIN and staff.active:
            _keep_an_admin(staff, "given another role")
        old = staff.role
        _change(keyring, staff, role=new_role.value)
        _record(keyring, clock, by, "STAFF_ROLE_CHANGED", staff, {"from": old, "to": new_role.value})
    return staff


def set_year_group(*, keyring: Keyring, clock: Clock, by: SignedIn, initials: str, year_group: int | None) -> Staff:
    """A head of year's year group set, changed or cleared (None: they act for the whole school again); sealed and
    recorded like a change of role, as it decides whose phones they may act on."""
    with write_transaction(database_proxy.obj):
        staff = _staff(initials)
        new = checked_year_group(year_group, staff.role)
        if staff.year_group == new:
            raise StaffError(f"{staff.name} ({staff.initials}) already has "
                             f"{'no year group' if new is None else f'year group {new}'}.")
        old = staff.year_group
        _change(keyring, staff, year_group=new)
        _record(keyring, clock, by, "STAFF_YEAR_GROUP_SET", staff, {"from": old, "to": new})
    return staff


def set_email(*, keyring: Keyring, clock: Clock, by: SignedIn, initials: str, email: str | None) -> Staff:
    """Where the kiosk emails a member of staff (a head of year's notices, the DSL's "a hold was placed"), set,
    changed or cleared (None); sealed and recorded like a change of role, as it decides who is told about pupils."""
    new = checked_address(email) if email is not None else None
    with write_transaction(database_proxy.obj):
        staff = _staff(initials)
        if (staff.email or None) == new:
            raise StaffError(f"{staff.name} ({staff.initials}) already has "
                             f"{'no email address' if new is None else f'the email address {new}'}.")
        old = staff.email
        _change(keyring, staff, email=new)
        _record(keyring, clock, by, "STAFF_EMAIL_SET", staff, {"from": old, "to": new})
    return staff


def reset_pin(*, keyring: Keyring, clock: Clock, by: SignedIn, initials: str, pin: str) -> Staff:
    """A forgotten PIN replaced (never read: only its hash is kept); the account is unlocked with it."""
    check_pin_rules(pin)
    with write_transaction(database_proxy.obj):
        staff = _staff(initials)
        _change(keyring, staff, pin_hash=hash_pin(pin, keyring.pin_pepper), failed_attempts=0, locked_until=None)
        _record(keyring, clock, by, "STAFF_PIN_RESET", staff, {})
    return staff


def _staff(initials: str) -> Staff:
    key = normalise_initials(initials)
    staff = Staff.get_or_none(Staff.initials == key)
    if staff is None:
        raise StaffError(f"No member of staff has the initials {key}. (kiosk staff list shows them all.)")
    return staff


def _keep_an_admin(staff: Staff, change: str) -> None:
    others = Staff.select().where((Staff.role == Role.ADMIN) & Staff.active & (Staff.id != staff.id)).exists()
    if not others:
        raise StaffError(f"{staff.name} ({staff.initials}) is the only active admin and cannot be {change}: add "
                         "another admin first, so someone can still sign for staff changes.")


def _change(keyring: Keyring, staff: Staff, **columns: Any) -> None:
    """The one place this module writes a staff row. A row that no longer holds what the kiosk sealed (its role or
    PIN hash edited in SQL) is refused rather than sealed again: an admin's change must not launder an edit."""
    if not sealing.verifies(keyring.audit_key, staff):
        raise StaffError(f"The staff record of {staff.initials} was changed outside the kiosk, so it is not changed "
                         "now. Ask the IT technician to run 'kiosk audit verify'.")
    Staff.update(**columns).where(Staff.id == staff.id).execute()
    for name, value in columns.items():
        setattr(staff, name, value)


def _record(keyring: Keyring, clock: Clock, by: SignedIn, action: str, staff: Staff, extra: dict[str, Any]) -> None:
    """The change's event, naming the admin, with the row's new seal (kiosk/audit/rows.py); the staff member's role
    as it now is, so `kiosk audit verify` replays roles from the trail."""
    append_event(key=keyring.audit_key, at=clock.now(), desk=by.desk, staff=by.staff_id, action=action,
                 payload={"staff_id": staff.id, "initials": staff.initials, "by": by.initials, "role": staff.role,
                          **extra},
                 rows=[sealing.reseal(keyring.audit_key, Staff, staff.id)])
