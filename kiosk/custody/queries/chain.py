"""The chain of custody of a confiscated phone, link by link, as the pupil page's timeline and the custody-chain
paper read it: who handed it to whom, from where to where, when, in which bag (old and new seal when resealed),
with the phone's particulars and its condition at confiscation and at return. Read from the sealed events that
record each link (the confiscation, kiosk/custody/handovers.py, the police handover and return, the release)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kiosk.clock import as_utc
from kiosk.custody import details as custody_details
from kiosk.custody.links import OFFICE_SAFE, Signed
from kiosk.custody.phone import AS_WHEN_CONFISCATED, PhoneParticulars
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.states import Kind
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Event, Pupil, Staff
from kiosk.db.rows import tuples
from kiosk.privacy import purged

# RETURNED_BY_POLICE: the police → office safe link its event keeps under "link" (a return recorded before links
# were kept has none, and is no link).
LINK_ACTIONS = ("CONFISCATED", "HANDED_OVER", "HANDED_TO_POLICE", "RETURNED_BY_POLICE", "RELEASED")


@dataclass(frozen=True)
class ChainLink:
    """One handover: from whom to whom, from where to where, when, and the seal it was in."""

    at: datetime  # UTC
    from_place: str
    to_place: str
    released_by: str  # in words: "Tom Ellis (confirmed with their PIN)"
    received_by: str
    seal: str
    old_seal: str | None  # resealed: the bag it came out of
    note: str
    event_seq: int  # the audit event that records it


@dataclass(frozen=True)
class CustodyChain:
    """One confiscated phone's whole chain."""

    custody_id: int
    pupil: PupilSummary
    state: str
    confiscated_at: datetime | None  # UTC
    held_until: date | None  # the notice for parents says it (None: no notice can be made)
    phone: PhoneParticulars | None
    condition: str | None  # at confiscation (the ticks)
    condition_at_return: str | None  # None: not returned (yet)
    place_now: str | None  # None: no longer held by the school
    seal_now: str | None
    links: tuple[ChainLink, ...]  # oldest first

    @property
    def seals(self) -> tuple[str, ...]:
        """Every bag the phone has been sealed in, in order."""
        found: list[str] = []
        for link in self.links:
            for seal in (link.old_seal, link.seal):
                if seal and (not found or found[-1] != seal):
                    found.append(seal)
        return tuple(found)


def _words(details: Any) -> str:
    signed = Signed.from_details(details if isinstance(details, dict) else None)
    return signed.words() if signed is not None else "not recorded"


def _link_of(event: Event, payload: dict[str, Any], staff: dict[int, str], place: str, seal: str,
             police: dict[str, Any]) -> ChainLink:
    by = staff.get(event.staff_id, "") if event.staff_id else "command line"
    at = as_utc(event.at)
    if event.action in ("CONFISCATED", "HANDED_OVER", "RETURNED_BY_POLICE"):
        link = payload if event.action == "HANDED_OVER" else payload.get("link")
        if isinstance(link, dict) and link.get("to_place"):
            return ChainLink(at=at, from_place=str(link.get("from_place") or ""), to_place=str(link["to_place"]),
                             released_by=_words(link.get("released_by")), received_by=_words(link.get("received_by")),
                             seal=str(link.get("seal") or ""), old_seal=link.get("old_seal") or None,
                             note=str(link.get("note") or ""), event_seq=event.seq)
        # Confiscated before links were kept: what the event says, no more.
        return ChainLink(at=at, from_place=str(payload.get("by") or "not recorded"), to_place=OFFICE_SAFE,
                         released_by=str(payload.get("by") or "not recorded"), received_by=f"{by} (at the desk)",
                         seal=str(payload.get("seal") or ""), old_seal=None, note="", event_seq=event.seq)
    if event.action == "HANDED_TO_POLICE":
        name = police.get("officer_name") or "officer"
        officer = f"police: {name} ({payload.get('officer_number') or '—'}, {payload.get('force') or '—'})"
        return ChainLink(at=at, from_place=place, to_place=officer, released_by=f"{by} (signed in at the desk)",
                         received_by=officer, seal=str(payload.get("seal") or seal), old_seal=seal or None,
                         note=f"crime reference {payload.get('crime_reference') or '—'}", event_seq=event.seq)
    collector = f"{payload.get('collector') or 'not recorded'}"
    if payload.get("relationship"):
        collector += f" ({payload['relationship']})"
    return ChainLink(at=at, from_place=place, to_place="released to a parent or carer",
                     released_by=f"{by} (signed in at the desk)", received_by=f"{collector}, ID seen",
                     seal=seal, old_seal=None, note="", event_seq=event.seq)


def _chain(custody: Custody, pupil: Pupil, staff: dict[int, str]) -> CustodyChain:
    details = custody_details.read(custody)
    links: list[ChainLink] = []
    place, seal = OFFICE_SAFE, ""
    events = (Event.select().where((Event.custody == custody.id) & Event.action.in_(LINK_ACTIONS))
              .order_by(Event.seq))
    for event in events:
        payload = json.loads(event.payload_json) if event.payload_json else {}
        payload = payload if isinstance(payload, dict) else {}
        if event.action == "RETURNED_BY_POLICE" and not isinstance(payload.get("link"), dict):
            continue
        link = _link_of(event, payload, staff, place, seal, details.get("police") or {})
        links.append(link)
        place, seal = link.to_place, link.seal
    collector = details.get("collector") or {}
    returned = custody.state == "RELEASED"
    return CustodyChain(
        custody_id=custody.id, pupil=PupilSummary.of(pupil), state=str(custody.state),
        confiscated_at=as_utc(custody.confiscated_at) if custody.confiscated_at else None,
        held_until=custody.held_until,
        phone=PhoneParticulars.from_details(details.get("phone")), condition=custody.condition,
        condition_at_return=(str(collector.get("condition_at_return") or AS_WHEN_CONFISCATED) if returned else None),
        place_now=None if custody.closed_at is not None else str(details.get("place") or OFFICE_SAFE),
        seal_now=custody.seal_number, links=tuple(links))


@storage_guard
def custody_chain(*, custody_id: int) -> CustodyChain | None:
    """One confiscated phone's chain (None: no such record, not a confiscation, or purged)."""
    custody = Custody.get_or_none((Custody.id == custody_id) & (Custody.kind == Kind.CONFISCATED)
                                  & purged.not_purged())
    if custody is None:
        return None
    staff: dict[int, str] = dict(tuples(Staff.select(Staff.id, Staff.name)))
    return _chain(custody, Pupil.get_by_id(custody.pupil_id), staff)


@storage_guard
def chains_of_pupil(*, pupil_id: int, dsl: bool) -> tuple[CustodyChain, ...]:
    """The pupil's confiscated phones' chains, newest first. A record ever on a safeguarding hold is the DSL's and
    the head's only (for anyone else the pupil page says "held — refer to the DSL")."""
    query = Custody.select().where((Custody.pupil == pupil_id) & (Custody.kind == Kind.CONFISCATED)
                                   & purged.not_purged())
    if not dsl:
        query = query.where(~Custody.dsl_flag)
    custodies = list(query.order_by(Custody.opened_at.desc()))
    if not custodies:
        return ()
    pupil = Pupil.get_by_id(pupil_id)
    staff: dict[int, str] = dict(tuples(Staff.select(Staff.id, Staff.name)))
    return tuple(_chain(c, pupil, staff) for c in custodies)
