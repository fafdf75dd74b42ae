"""Approved exceptions to the hand-in rule (policy §6): shown at the desk whenever the pupil is scanned."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth.roles import Permission
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.db import raw
from kiosk.db.connection import write_transaction
from kiosk.db.models import PhoneException, Pupil, database_proxy
from kiosk.formatting import day_month

KINDS = ("medical", "educational visit", "young carer", "visitor arrangement", "other")


def add_exception(
    ctx: DeskContext, *, pupil_id: int, kind: str, valid_from: date, valid_to: date | None,
    agreement_ref: str | None = None, notes: str | None = None, approved_by_name: str | None = None,
) -> PhoneException:
    """Record an approved exception. `approved_by_name` is who approved it (the head, say) when someone
    else enters it; by default the signed-in member of staff."""
    ctx.require(Permission.MANAGE_EXCEPTIONS)
    if kind not in KINDS:
        raise DeskError(f"An exception is one of: {', '.join(KINDS)}.")
    if valid_to and valid_to < valid_from:
        raise DeskError("The exception ends before it starts.")
    with write_transaction(database_proxy.obj):
        pupil = Pupil.get_by_id(pupil_id)
        row = PhoneException.create(pupil=pupil, kind=kind, approved_by=ctx.who.staff_id,
                                     approved_by_name=approved_by_name or ctx.who.name, valid_from=valid_from,
                                    valid_to=valid_to, agreement_ref=agreement_ref, notes=notes)
        sealed = sealing.reseal(ctx.keyring.audit_key, PhoneException, row.id)
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="EXCEPTION_APPROVED", pupil=pupil, rows=[sealed],
                     payload={"exception_id": row.id, "kind": kind, "from": valid_from.isoformat(),
                              "to": valid_to.isoformat() if valid_to else None, "agreement": agreement_ref,
                              "approved_by": approved_by_name or ctx.who.name})
    return row


@dataclass(frozen=True)
class ActiveException:
    """What a receipt says of an exception in force: its kind, notes and end."""

    kind: str
    notes: str | None
    valid_from: date
    valid_to: date | None


def active_exceptions(pupil_id: int, day: date) -> list[ActiveException]:
    """The pupil's exceptions in force on `day`, read afresh on every scan.

    Every receipt asks, inside the hand-in's write transaction. One indexed query for four columns
    (phone_exception_pupil_id; a school has a handful of exceptions) costs ~0.1 ms written out, against ~1 ms
    through a model query; no cache, so an exception another desk adds or ends shows on the very next scan here."""
    return [ActiveException(kind, notes, _as_date(valid_from), _as_date(valid_to))
            for kind, notes, valid_from, valid_to in raw.execute(_ACTIVE, (pupil_id, day, day))]


_ACTIVE = ("SELECT kind, notes, valid_from, valid_to FROM phone_exception "
           "WHERE pupil_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?) ORDER BY valid_from, id")
# SQLite returns text; peewee's own conversion, as a model would (unannotated in peewee's stubs: a date or None).
_as_date: Callable[[Any], Any] = PhoneException.valid_to.python_value


def describe(exc: PhoneException | ActiveException) -> str:
    until = f", until {day_month(exc.valid_to)}" if exc.valid_to else ""
    notes = f" — {exc.notes}" if exc.notes else ""
    return f"exception: {exc.kind}{notes}{until}"


def expiring_soon(day: date, within_days: int = 14) -> list[PhoneException]:
    """Exceptions ending within the next `within_days` days, so the office can renew or let them lapse."""
    from datetime import timedelta

    return list(
        PhoneException.select(PhoneException, Pupil).join(Pupil)
        .where(PhoneException.valid_to.between(day, day + timedelta(days=within_days)))
        .order_by(PhoneException.valid_to)
    )


def active_exceptions_on(day: date) -> list[PhoneException]:
    """Every exception in force on `day`, across the school."""
    return list(
        PhoneException.select(PhoneException, Pupil).join(Pupil)
        .where((PhoneException.valid_from <= day)
               & (PhoneException.valid_to.is_null() | (PhoneException.valid_to >= day)))
    )
