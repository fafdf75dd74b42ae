"""A head of year sees and acts for their own year group only (Staff.year_group): the one rule, and its words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from kiosk.auth.staff import SignedIn
from kiosk.custody.receipts import PupilSummary
from kiosk.db.models import Custody, Pupil

P = TypeVar("P", bound=PupilSummary)


def refusal(who: SignedIn, *, pupil_name: str, year: int | None) -> str | None:
    """Why `who` may not see or act for a pupil in `year`, in the desk's words; None when they may."""
    if who.acts_for_year(year):
        return None
    theirs = f"year {year}" if year is not None else "no year group on the roster"
    return (f"{who.name} is head of year {who.year_group}: {pupil_name} is in {theirs}. Ask the office or that "
            "pupil's head of year.")


def outside_year_group(who: SignedIn, *, pupil_id: int | None = None, custody_id: int | None = None) -> str | None:
    """The refusal for the pupil named (or whose phone record is named), read from the database; None when `who`
    may act (everyone but a head of year with a year group, at once, without a read)."""
    if not who.limited_to_year_group:
        return None
    if pupil_id is None and custody_id is not None:
        record = Custody.get_or_none(Custody.id == custody_id)
        pupil_id = record.pupil_id if record is not None else None
    pupil = Pupil.get_or_none(Pupil.id == pupil_id) if pupil_id is not None else None
    if pupil is None:
        return None
    return refusal(who, pupil_name=pupil.display_name, year=pupil.year)


def in_year_group(who: SignedIn, pupils: Iterable[P]) -> tuple[P, ...]:
    """The pupils of a list (a name search, a form) that `who` may see."""
    return tuple(p for p in pupils if who.acts_for_year(p.year))
