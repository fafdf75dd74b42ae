"""Every handover within the school is a link in the chain of custody (issue 16): a held phone moved between the
office safe, the DSL's office and the head's office, with who released it, who received it (confirmed with their
PIN when here, or named by the office), from where, to where, when, and the seal it is in (a resealed bag keeps
the old and the new number). The first link (teacher → office) is recorded by the confiscation itself; the police
handover (safeguarding.hand_to_police) and the release to a carer are the last. Each link is one sealed audit event
(transitions.record_link); the chain is read back by kiosk/custody/queries/chain.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.auth.roles import Permission
from kiosk.custody import details as custody_details
from kiosk.custody import transitions
from kiosk.custody.confiscation import refuse_a_seal_in_use
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError, Refused
from kiosk.custody.links import OFFICE_SAFE, PLACES, Signed, Signer, at_the_desk, link_payload, signed_by
from kiosk.custody.states import Kind, in_office
from kiosk.custody.transitions import Current
from kiosk.db.connection import action_guard, write_transaction
from kiosk.db.models import Custody, database_proxy
from kiosk.text import plain_text

HANDED_OVER = "HANDED_OVER"  # the audit action of a link within the school


@dataclass(frozen=True)
class Link:
    """A handover as recorded: the event's number ties it to the audit trail."""

    custody_id: int
    from_place: str
    to_place: str
    released_by: Signed
    received_by: Signed
    seal: str
    old_seal: str | None  # the bag it was in before it was resealed; None: the same bag
    at: datetime  # UTC
    event_seq: int


def place_of(custody: Custody) -> str:
    """Where a held phone is now: the last link's place (a phone confiscated before links were kept: the safe)."""
    return str(custody_details.read(custody).get("place") or OFFICE_SAFE)


@action_guard  # the receiver's PIN is checked (and a wrong one recorded) before the link's own transaction
def hand_over(ctx: DeskContext, custody_id: int, *, to_place: str, received_by: Signer | None = None,
              released_by: Signer | None = None, new_seal: str = "", note: str = "") -> Link:
    """Move a held phone to `to_place`. The side at the office safe is the member of staff at this desk unless
    someone else is named; the other side confirms with their PIN or is named by the office. A new seal must not
    be another held phone's (the confiscation's rule, reused)."""
    # Those who keep confiscated phones in the office (office, DSL, head, admin) move them about the school.
    ctx.require(Permission.RELEASE, custody=custody_id)
    if to_place not in PLACES:
        raise DeskError(f"Choose where the phone goes: {', '.join(PLACES)} (the police: the Holds screen).")
    custody = Custody.get_or_none(Custody.id == custody_id)
    if custody is None:
        raise DeskError("That phone record no longer exists. Search again.")
    _refuse_unless_held(custody)
    from_place = place_of(custody)
    seal = plain_text(new_seal).strip()
    resealed = bool(seal) and seal.lower() != (custody.seal_number or "").strip().lower()
    if from_place == to_place and not resealed:
        raise DeskError(f"The phone is in the {from_place} already. Choose another place, or record a new seal.")
    purpose = f"hand over custody {custody_id}"
    releasing = _side(ctx, released_by, at_safe=from_place == OFFICE_SAFE, purpose=f"{purpose} (releasing)",
                      missing=f"Name who handed the phone over from the {from_place}, or they type their PIN.")
    receiving = _side(ctx, received_by, at_safe=to_place == OFFICE_SAFE, purpose=f"{purpose} (receiving)",
                      missing=f"Name who took the phone to the {to_place}, or they type their PIN.")
    text = plain_text(note).strip()
    with write_transaction(database_proxy.obj):
        current = Custody.get_by_id(custody_id)
        _refuse_unless_held(current)
        old_seal = (current.seal_number or "").strip()
        if resealed:
            refuse_a_seal_in_use(seal, tag_id=current.tag_id)
        columns: dict[str, Any] = {"details_json": custody_details.merged(current, place=to_place)}
        if resealed:
            columns["seal_number"] = seal
        now = ctx.clock.now()
        event = transitions.record_link(
            ctx, Current.of(current), action=HANDED_OVER, at=now, columns=columns,
            payload=link_payload(from_place=place_of(current), to_place=to_place, released_by=releasing,
                                 received_by=receiving, seal=seal if resealed else old_seal,
                                 old_seal=old_seal if resealed else None, note=text))
    return Link(custody_id=custody_id, from_place=from_place, to_place=to_place, released_by=releasing,
                received_by=receiving, seal=seal if resealed else old_seal, old_seal=old_seal if resealed else None,
                at=now, event_seq=event.seq)


def _side(ctx: DeskContext, signer: Signer | None, *, at_safe: bool, purpose: str, missing: str) -> Signed:
    if signer is None or not (signer.name.strip() or signer.pin):
        if at_safe:
            return at_the_desk(ctx)
        raise DeskError(missing)
    return signed_by(ctx, signer, purpose=purpose, missing=missing)


def _refuse_unless_held(custody: Custody) -> None:
    if custody.kind != Kind.CONFISCATED or custody.closed_at is not None or not in_office(custody.state):
        raise Refused("Only a confiscated phone still held by the school is handed over here (the police: the "
                      "Holds screen; a parent or carer: F6 Release).")
