"""What a link in the chain of custody is made of: the places a held phone is kept, and who signs for each side of
a handover: a member of staff who confirms with their own PIN at this desk, or a person the office names when they
are not here (the teacher who sent the phone down with a pupil). Used by the confiscation (the first link) and by
kiosk/custody/handovers.py (the links after it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.auth.stepup import confirm_authoriser
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.text import plain_text

OFFICE_SAFE = "office safe"
DSL_OFFICE = "DSL's office"
HEAD_OFFICE = "head's office"
PLACES = (OFFICE_SAFE, DSL_OFFICE, HEAD_OFFICE)

PIN_CONFIRMED = "PIN"
SIGNED_IN = "signed in"
NAMED_BY_OFFICE = "named by the office"


@dataclass(frozen=True)
class Signer:
    """As typed at the desk: initials and PIN when they are here, or only their name when they are not."""

    name: str = ""
    initials: str = ""
    pin: str = ""


@dataclass(frozen=True)
class Signed:
    """One side of a link as recorded: the name, and how the kiosk knows it was them."""

    name: str
    how: str  # PIN_CONFIRMED, SIGNED_IN or NAMED_BY_OFFICE
    staff_id: int | None = None
    recorded_by: str = ""  # who at the desk named them (NAMED_BY_OFFICE)

    def words(self) -> str:
        """"Priya Shah (confirmed with their PIN)", "Mr T. Ellis (named by Ann Adams at the office)"."""
        if self.how == PIN_CONFIRMED:
            return f"{self.name} (confirmed with their PIN)"
        if self.how == SIGNED_IN:
            return f"{self.name} (signed in at the desk)"
        return f"{self.name} (not at the desk: named by {self.recorded_by or 'the office'})"

    def as_details(self) -> dict[str, Any]:
        return {"name": self.name, "how": self.how, "staff_id": self.staff_id, "recorded_by": self.recorded_by}

    @classmethod
    def from_details(cls, details: dict[str, Any] | None) -> Signed | None:
        if not details or not details.get("name"):
            return None
        return cls(name=str(details["name"]), how=str(details.get("how") or NAMED_BY_OFFICE),
                   staff_id=details.get("staff_id"), recorded_by=str(details.get("recorded_by") or ""))


def at_the_desk(ctx: DeskContext) -> Signed:
    """The member of staff signed in at this desk (their sign-in is their signature)."""
    return Signed(name=ctx.who.name, how=SIGNED_IN, staff_id=ctx.who.staff_id)


def signed_by(ctx: DeskContext, signer: Signer, *, purpose: str, missing: str) -> Signed:
    """Confirm `signer`: a PIN typed is checked as an authoriser's is (wrong ones count against this desk, never
    against them: kiosk/auth/stepup.py); with no PIN, the name the office typed is recorded as named by it.
    Run before the write's transaction (a wrong PIN is recorded even though nothing else is). `missing`: what to
    say when neither was given."""
    if signer.pin:
        if not signer.initials.strip():
            raise DeskError(f"Type the initials of whoever typed their PIN ({purpose}).")
        confirmed = confirm_authoriser(keyring=ctx.keyring, clock=ctx.clock, at_desk=ctx.who, who=signer.initials,
                                       pin=signer.pin, purpose=purpose)
        return Signed(name=confirmed.name, how=PIN_CONFIRMED, staff_id=confirmed.staff_id)
    name = plain_text(signer.name).strip()
    if not name:
        raise DeskError(missing)
    return Signed(name=name, how=NAMED_BY_OFFICE, recorded_by=ctx.who.name)


def link_payload(*, from_place: str, to_place: str, released_by: Signed, received_by: Signed, seal: str,
                 old_seal: str | None, note: str = "") -> dict[str, Any]:
    """A link as its event keeps it (the confiscation's event keeps its first link under "link")."""
    return {"from_place": from_place, "to_place": to_place, "released_by": released_by.as_details(),
            "received_by": received_by.as_details(), "seal": seal, "old_seal": old_seal, "note": note or None}
