"""Subject access: everything the kiosk holds about one pupil, and nothing about anyone else.

Safeguarding notes are not released automatically: they are listed as withheld pending the DSL's review
(UK GDPR allows withholding where disclosure would be likely to cause serious harm)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kiosk.audit import append_event
from kiosk.auth.roles import Permission
from kiosk.clock import as_utc, local
from kiosk.custody import details as custody_details
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.custody.lookup import find_by_admission_number
from kiosk.db.connection import write_transaction
from kiosk.db.models import Carer, Custody, DslNote, Event, PhoneException, Search, Staff, Tag, database_proxy
from kiosk.privacy import at_rest, purged


def _when(value: datetime | None, ctx: DeskContext) -> str | None:
    return f"{local(as_utc(value), ctx.settings.tz):%Y-%m-%d %H:%M}" if value else None


def subject_access(ctx: DeskContext, admission_number: str) -> dict[str, Any]:
    ctx.require(Permission.MANAGE_STAFF)
    pupil = find_by_admission_number(admission_number)
    if pupil is None:
        raise DeskError(f"No pupil has admission number {admission_number}.")
    key = ctx.keyring.notes_key
    staff: dict[int | None, str] = {s.id: s.name for s in Staff.select(Staff.id, Staff.name)}
    # What retention purged is gone from the export too: its rows stay only for the audit chain.
    everything = list(Custody.select().where((Custody.pupil == pupil.id) & purged.not_purged())
                      .order_by(Custody.opened_at))
    gone = purged.purged_ids(pupil_id=pupil.id)
    # Records that were ever on a safeguarding hold are for the DSL to review before any release.
    restricted = {c.id for c in everything if c.dsl_flag}
    custodies = [c for c in everything if c.id not in restricted]
    notes = list(DslNote.select(DslNote.id, DslNote.at).where(DslNote.pupil == pupil.id).order_by(DslNote.at))
    events = [e for e in Event.select().where(Event.pupil == pupil.id).order_by(Event.seq)
              if e.custody_id not in restricted and purged.shown_event(e, gone)]
    export: dict[str, Any] = {
        "about": "Everything the school's phone custody kiosk holds about this pupil.",
        "school": ctx.settings.school_name,
        "produced": _when(ctx.clock.now(), ctx),
        "pupil": {"admission_number": pupil.mis_id, "upn": pupil.upn, "legal_forename": pupil.legal_forename,
                  "legal_surname": pupil.legal_surname, "preferred_forename": pupil.preferred_forename,
                  "preferred_surname": pupil.preferred_surname, "year": pupil.year, "form": pupil.form,
                  "on_roll": pupil.active, "left_on": pupil.left_on.isoformat() if pupil.left_on else None},
        "carers": [{"name": c.name, "relationship": c.relationship, "parental_responsibility":
                    c.parental_responsibility, "priority": c.priority, "telephone": c.telephone}
                   for c in Carer.select().where(Carer.pupil == pupil.id).order_by(Carer.priority)],
        "tags": [{"code": t.code, "device": t.device, "status": t.status, "created": _when(t.created_at, ctx)}
                 for t in Tag.select().where(Tag.pupil == pupil.id).order_by(Tag.id)],
        "exceptions": [{"kind": e.kind, "approved_by": e.approved_by_name, "from": e.valid_from.isoformat(),
                        "to": e.valid_to.isoformat() if e.valid_to else None, "agreement": e.agreement_ref,
                        "notes": e.notes}
                       for e in PhoneException.select().where(PhoneException.pupil == pupil.id)],
        "phone_records": [{
            "kind": c.kind, "state": c.state, "slot": c.slot, "opened": _when(c.opened_at, ctx),
            "opened_by": staff.get(c.opened_by_id), "closed": _when(c.closed_at, ctx),
            "closed_by": staff.get(c.closed_by_id), "handed_to": c.handed_to, "reason": c.reason_category,
            "where": c.location, "confiscated_by": c.confiscated_by_name, "bag_or_seal": c.seal_number,
            "condition": c.condition, "held_until": c.held_until.isoformat() if c.held_until else None,
            "details": {k: v for k, v in custody_details.read(c).items() if k not in ("dsl_disposal",)},
        } for c in custodies],
        "searches": [{"at": _when(s.at, ctx), "searched_by": s.searched_by_name, "authorised_by":
                      s.authorised_by_name, "grounds": at_rest.read(key, s, "grounds"),
                      "found": at_rest.read(key, s, "found"), "dsl_informed": s.dsl_informed,
                      "parent_informed": s.parent_informed}
                     for s in Search.select().where((Search.pupil == pupil.id) & purged.search_kept())
                     .order_by(Search.at)],
        "history": [{"at": _when(e.at, ctx), "what": e.action, "desk": e.desk, "staff": staff.get(e.staff_id),
                     "details": json.loads(e.payload_json or "{}")}
                    for e in events],
        "withheld": {"safeguarding notes": len(notes), "phone records under safeguarding": len(restricted),
                     "reason": "withheld pending review by the Designated Safeguarding Lead",
                     "dates": sorted({_when(n.at, ctx) for n in notes}
                                     | {_when(c.opened_at, ctx) for c in everything if c.id in restricted})},
    }
    # Notes themselves never enter the export; a refusal the pupil met at the desk is about them and stays.
    with write_transaction(database_proxy.obj):
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="SUBJECT_ACCESS_EXPORTED", pupil=pupil.id,
                     payload={"records": len(custodies), "withheld_notes": len(notes),
                              "withheld_records": len(restricted)})
    return export
