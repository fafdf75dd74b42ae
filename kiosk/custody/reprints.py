"""Reprinting a custody's paper later (a receipt lost, a dispute): the paper as the record stands, and who
reprinted which paper when, in the audit trail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from kiosk.audit import append_event
from kiosk.auth.roles import Permission
from kiosk.clock import as_utc
from kiosk.custody import details as custody_details
from kiosk.custody.confiscation import ConfiscationReceipt, LadderPosition
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.custody.phone import AS_WHEN_CONFISCATED, PhoneParticulars
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.release import ConfiscationFacts, ReleaseReceipt
from kiosk.custody.states import Kind, State
from kiosk.db.connection import storage_guard, write_transaction
from kiosk.db.models import Custody, Event, Pupil, Staff, database_proxy
from kiosk.privacy import at_rest

# The papers a custody can be reprinted as, and who may reprint each: the police receipt is the DSL's and the
# head's (it is about a safeguarding case); a release receipt anyone who may release.
PAPERS: dict[str, tuple[str, Permission]] = {
    "release-receipt": ("release receipt", Permission.RELEASE),
    "police-receipt": ("police handover receipt", Permission.HAND_TO_POLICE),
    "parent-notice": ("notice for parents", Permission.CONFISCATE),
    "custody-chain": ("custody chain", Permission.RELEASE),
}


@dataclass(frozen=True)
class Reprint:
    """A reprint as recorded: printed on the paper ("REPRINT … by …")."""

    paper: str
    at: datetime  # UTC
    by: str


def record_reprint(ctx: DeskContext, *, custody_id: int, paper: str) -> Reprint:
    """Audit a reprint (PAPER_REPRINTED): a second copy of a receipt is a fact the record must show."""
    if paper not in PAPERS:
        raise DeskError(f"There is no paper called {paper!r} to reprint.")
    ctx.require(PAPERS[paper][1], custody=custody_id)
    with write_transaction(database_proxy.obj):
        custody = Custody.get_or_none(Custody.id == custody_id)
        if custody is None:
            raise DeskError("That phone record no longer exists. Search again.")
        _refuse_a_safeguarding_record(ctx, custody)
        now = ctx.clock.now()
        append_event(key=ctx.keyring.audit_key, at=now, desk=ctx.desk, staff=ctx.who.staff_id,
                     action="PAPER_REPRINTED", pupil=custody.pupil_id, tag=custody.tag_id, custody=custody_id,
                     custody_state=custody.state, payload={"paper": paper})
    return Reprint(paper=paper, at=now, by=ctx.who.name)


@storage_guard
def release_receipt_of(*, custody_id: int) -> ReleaseReceipt:
    """The release receipt as the record stands: the collector and authorisation kept with the custody, the
    RELEASED event (its number and chain value tie the paper to the trail), and the confiscation's particulars."""
    custody = Custody.get_or_none(Custody.id == custody_id)
    if custody is None or custody.state != State.RELEASED:
        raise DeskError("Only a phone released to a parent or carer has a release receipt.")
    collector = custody_details.read(custody).get("collector") or {}
    event = (Event.select().where((Event.custody == custody_id) & (Event.action == "RELEASED"))
             .order_by(Event.seq.desc()).first())
    if event is None:
        raise DeskError("The release of this phone is not in the audit trail: no receipt can be made.")
    released_by = Staff.get_or_none(Staff.id == event.staff_id) if event.staff_id is not None else None
    listed = bool(collector.get("on_contact_list"))
    return ReleaseReceipt(
        custody_id=custody_id, pupil=PupilSummary.of(Pupil.get_by_id(custody.pupil_id)),
        collector_name=str(collector.get("name", "")), relationship=str(collector.get("relationship", "")),
        id_seen=str(collector.get("id_seen", "")), on_contact_list=listed,
        released_by=released_by.name if released_by else "(no longer on the kiosk)",
        authorised_by=collector.get("authorised_by"), at=as_utc(event.at), seal_number=custody.seal_number,
        chain_head=event.chain, event_seq=event.seq,
        parental_responsibility=bool(collector.get("parental_responsibility")) if listed else None,
        authorisation_reason=collector.get("authorisation_reason"), early_release=collector.get("early_release"),
        confiscated=ConfiscationFacts.of(custody), may_collect=collector.get("may_collect"),
        access_notes=at_rest.access_notes_copied(collector.get("access_notes"), custody_id=custody_id),
        must_not_collect_released_by=(collector.get("must_not_collect") or {}).get("released_by"),
        condition_at_return=str(collector.get("condition_at_return") or AS_WHEN_CONFISCATED))


def _refuse_a_safeguarding_record(ctx: DeskContext, custody: Custody) -> None:
    """A record ever on a safeguarding hold is the DSL's and the head's: its papers are theirs to reprint (the
    pupil page shows anyone else only "held — refer to the DSL")."""
    if custody.dsl_flag:
        ctx.require(Permission.SAFEGUARDING, custody=custody.id)


@storage_guard
def parent_notice_of(ctx: DeskContext, *, custody_id: int) -> ConfiscationReceipt:
    """The notice for parents as the record stands: the confiscation's particulars and the ladder as it was told
    then (the CONFISCATED event's count this term, the rule kept with the record)."""
    custody = Custody.get_or_none(Custody.id == custody_id)
    if custody is None or custody.kind != Kind.CONFISCATED or custody.held_until is None:
        raise DeskError("Only a confiscated phone has a notice for parents.")
    _refuse_a_safeguarding_record(ctx, custody)
    details = custody_details.read(custody)
    event = (Event.select().where((Event.custody == custody_id) & (Event.action == "CONFISCATED"))
             .order_by(Event.seq.desc()).first())
    told = json.loads(event.payload_json) if event is not None and event.payload_json else {}
    at = as_utc(custody.confiscated_at) if custody.confiscated_at else as_utc(custody.opened_at)
    return ConfiscationReceipt(
        custody_id=custody_id, pupil=PupilSummary.of(Pupil.get_by_id(custody.pupil_id)), tag_code="",
        slot=custody.slot, seal_number=custody.seal_number or "", reason_category=custody.reason_category or "",
        held_until=custody.held_until, at=at, converted_from_daily=bool(told.get("converted_from_daily")),
        ladder=LadderPosition(count_this_term=int(told.get("count_this_term") or 1),
                              rule=str(details.get("ladder_rule") or ""), hold_school_days=0, previous=()),
        phone=PhoneParticulars.from_details(details.get("phone")), condition=custody.condition)


