"""Subject access: everything the kiosk holds about one pupil, and nothing about anyone else.

Everything: the pupil, their carers as the MIS knows them, tags, exceptions, each phone record with the phone itself
(make, model, IMEI, damage), the exam's JCQ M1 particulars, the parent meeting, the collector and the chain of custody
link by link, the searches, the examinations of the phone's data (who looked at what, what was erased), the messages
sent about them, and the audit history.

Withheld unless the DSL releases it (`safeguarding_by`, the DSL signed in with their PIN): records ever on a
safeguarding hold, the DSL's notes and a hold's kind of concern. UK GDPR and the Data Protection Act 2018 allow
withholding what would be likely to cause serious harm (the safeguarding exemption); the export says what was withheld
and that it was. Carers' court-order and access notes concern other people than the pupil: withheld too unless the DSL
releases them, and never shown to another carer: an export made for one carer (`for_carer`) has that carer's own
details in full and of the others only who they are.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kiosk.audit import append_event
from kiosk.auth import SignedIn
from kiosk.auth.roles import Permission, Role
from kiosk.clock import as_utc, local
from kiosk.custody import details as custody_details
from kiosk.custody.concerns import concern_kind, concern_words
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError, NotPermitted
from kiosk.custody.lookup import find_by_admission_number
from kiosk.custody.queries.chain import custody_chain
from kiosk.custody.scans import fold
from kiosk.custody.states import Kind
from kiosk.db.connection import write_transaction
from kiosk.db.models import (
    MAY_COLLECT,
    MUST_NOT_COLLECT,
    Carer,
    Custody,
    DslNote,
    Event,
    Examination,
    HoldConcern,
    OutboxMessage,
    PhoneException,
    Pupil,
    Search,
    Staff,
    Tag,
    database_proxy,
)
from kiosk.privacy import at_rest, purged
from kiosk.privacy.at_rest import ERASED

SAFEGUARDING_EXEMPTION = ("Information was withheld under the safeguarding exemption (UK GDPR and the Data "
                          "Protection Act 2018: disclosure would be likely to cause serious harm). The Designated "
                          "Safeguarding Lead reviews it and may release it.")
THIRD_PARTY = "withheld: it concerns other people (third parties); only the DSL may release it"
WITHHELD = "[withheld]"
_QUOTED_NOTE = 12  # characters: a hidden note this long is withheld wherever other text quotes it
# Kept in a phone record's own keys below; the rest of its details are listed as they are.
_NAMED_DETAILS = ("phone", "exam", "parent_meeting", "collector", "dsl_disposal")


def _when(value: datetime | str | None, ctx: DeskContext) -> str | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{local(as_utc(value), ctx.settings.tz):%Y-%m-%d %H:%M}" if value else None


def _collection(carer: Carer) -> str | None:
    return {MAY_COLLECT: "may collect", MUST_NOT_COLLECT: "must not collect"}.get(carer.collection or "")


def _the_carer(pupil: Pupil, name: str) -> Carer:
    """The pupil's carer an export is made for, by name (titles and case aside)."""
    carers = list(Carer.select().where(Carer.pupil == pupil.id))
    wanted = fold(name).replace(".", " ").split()
    found = [c for c in carers if fold(c.name).replace(".", " ").split()[-len(wanted):] == wanted] if wanted else []
    if len(found) != 1:
        names = ", ".join(c.name for c in carers) or "none"
        raise DeskError(f"{'No' if not found else 'More than one'} carer of this pupil is named {name!r} "
                        f"(the MIS lists: {names}). Give the carer's name as the MIS has it.")
    return found[0]


def subject_access(ctx: DeskContext, admission_number: str, *, safeguarding_by: SignedIn | None = None,
                   for_carer: str | None = None) -> dict[str, Any]:
    """The export for one pupil. `safeguarding_by`: the DSL who has reviewed the safeguarding information and
    releases it into this export (None: withheld, and said so). `for_carer`: the name of the carer it is made for
    (a parent asking on the pupil's behalf): the other carers' details and notes are left out."""
    ctx.require(Permission.MANAGE_STAFF)
    if safeguarding_by is not None and safeguarding_by.role != Role.DSL:
        raise NotPermitted(f"{safeguarding_by.name} ({safeguarding_by.role.replace('_', ' ')}) is not the DSL: only "
                           "the Designated Safeguarding Lead may release safeguarding information into an export.")
    pupil = find_by_admission_number(admission_number)
    if pupil is None:
        raise DeskError(f"No pupil has admission number {admission_number}.")
    dsl = safeguarding_by is not None
    reader = _the_carer(pupil, for_carer) if for_carer else None
    key = ctx.keyring.notes_key
    staff: dict[int | None, str] = {s.id: s.name for s in Staff.select(Staff.id, Staff.name)}
    # What retention purged is gone from the export too: its rows stay only for the audit chain.
    everything = list(Custody.select().where((Custody.pupil == pupil.id) & purged.not_purged())
                      .order_by(Custody.opened_at))
    gone = purged.purged_ids(pupil_id=pupil.id)
    # Records that were ever on a safeguarding hold are for the DSL to review before any release.
    on_hold = {c.id for c in everything if c.dsl_flag}
    restricted = set() if dsl else on_hold
    custodies = [c for c in everything if c.id not in restricted]
    shown = {c.id for c in custodies}
    notes = list(DslNote.select().where(DslNote.pupil == pupil.id).order_by(DslNote.at))
    concerns = list(HoldConcern.select().where(HoldConcern.pupil == pupil.id).order_by(HoldConcern.at))
    events = [e for e in Event.select().where(Event.pupil == pupil.id).order_by(Event.seq)
              if e.custody_id not in restricted and purged.shown_event(e, gone)]
    carers = list(Carer.select().where(Carer.pupil == pupil.id).order_by(Carer.priority, Carer.id))
    # The court-order and access notes this export may not show, wherever a copy of one sits (a release's details, a
    # refusal's words). Only the DSL releases one: every note into the school's own export, and into an export for
    # one carer that carer's own note alone (its terms may name the other parent or where the child lives).
    shown_notes = {c.id for c in carers if dsl and (reader is None or c.id == reader.id)}
    hidden_notes = [n for c in carers if c.id not in shown_notes for n in [at_rest.access_notes_of(c, key=key)] if n]
    export: dict[str, Any] = {
        "about": "Everything the school's phone custody kiosk holds about this pupil.",
        "school": ctx.settings.school_name,
        "produced": _when(ctx.clock.now(), ctx),
        "made_for": {"carer": reader.name, "relationship": reader.relationship} if reader else None,
        "pupil": {"admission_number": pupil.mis_id, "upn": pupil.upn, "legal_forename": pupil.legal_forename,
                  "legal_surname": pupil.legal_surname, "preferred_forename": pupil.preferred_forename,
                  "preferred_surname": pupil.preferred_surname, "year": pupil.year, "form": pupil.form,
                  "on_roll": pupil.active, "left_on": pupil.left_on.isoformat() if pupil.left_on else None},
        "carers": [_carer(c, reader=reader, notes_shown=c.id in shown_notes, key=key) for c in carers],
        "tags": [{"code": t.code, "device": t.device, "status": t.status, "created": _when(t.created_at, ctx)}
                 for t in Tag.select().where(Tag.pupil == pupil.id).order_by(Tag.id)],
        "exceptions": [{"kind": e.kind, "approved_by": e.approved_by_name, "from": e.valid_from.isoformat(),
                        "to": e.valid_to.isoformat() if e.valid_to else None, "agreement": e.agreement_ref,
                        "notes": e.notes}
                       for e in PhoneException.select().where(PhoneException.pupil == pupil.id)],
        "phone_records": [_record(c, ctx, staff=staff, dsl=dsl, key=key, shown_notes=shown_notes) for c in custodies],
        "searches": [{"at": _when(s.at, ctx), "searched_by": s.searched_by_name, "authorised_by":
                      s.authorised_by_name, "grounds": at_rest.read(key, s, "grounds"),
                      "found": at_rest.read(key, s, "found"), "dsl_informed": s.dsl_informed,
                      "parent_informed": s.parent_informed}
                     for s in Search.select().where((Search.pupil == pupil.id) & purged.search_kept())
                     .order_by(Search.at)],
        "examinations": [_examination(x, ctx, key=key) for x in Examination.select()
                         .where((Examination.pupil == pupil.id) & Examination.custody.in_(sorted(shown) or [0]))
                         .order_by(Examination.at)],
        "messages": _messages(shown, ctx, reader=reader, carers=carers),
        "history": [{"at": _when(e.at, ctx), "what": e.action, "desk": e.desk, "staff": staff.get(e.staff_id),
                     "details": _payload(e, key=key, shown_notes=shown_notes)}
                    for e in events],
        "safeguarding": ({"released_by": f"{safeguarding_by.name} (DSL)",
                          "notes": [{"at": _when(n.at, ctx), "by": staff.get(n.author_id),
                                     "text": at_rest.read(key, n, "text")} for n in notes],
                          "kinds_of_concern": [{"at": _when(h.at, ctx), "record": h.custody_id,
                                                "kind": concern_words(concern_kind(at_rest.read(key, h, "kind"))),
                                                "code": at_rest.read(key, h, "kind")} for h in concerns]}
                         if safeguarding_by is not None else None),
        "withheld": _withheld(ctx, dsl=dsl, notes=notes, concerns=concerns, restricted=restricted,
                              everything=everything, carers_noted=len(hidden_notes)),
    }
    export = _without(export, hidden_notes)
    with write_transaction(database_proxy.obj):
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="SUBJECT_ACCESS_EXPORTED", pupil=pupil.id,
                     payload={"records": len(custodies), "withheld_notes": 0 if dsl else len(notes),
                              "withheld_records": len(restricted),
                              "safeguarding_released_by": safeguarding_by.initials if safeguarding_by else None,
                              "for_carer": reader.id if reader else None})
    return export


def _carer(carer: Carer, *, reader: Carer | None, notes_shown: bool, key: bytes) -> dict[str, Any]:
    """A carer as the MIS knows them. In an export made for another carer: who they are, nothing more."""
    said: dict[str, Any] = {"name": carer.name, "relationship": carer.relationship,
                            "parental_responsibility": carer.parental_responsibility}
    if reader is not None and carer.id != reader.id:
        return said | {"contact_details": THIRD_PARTY}
    notes = at_rest.access_notes_of(carer, key=key)
    return said | {"priority": carer.priority, "telephone": carer.telephone, "mobile": carer.mobile,
                   "email": carer.email, "collection": _collection(carer), "lives_with_pupil": carer.lives_with_pupil,
                   "no_communications": carer.no_communications,
                   "access_notes": notes if (notes is None or notes_shown) else THIRD_PARTY}


def _note_read(kept: Any, *, custody_id: int, key: bytes, shown_notes: set[int]) -> Any:
    """A release's details or event with the court-order note it copied (encrypted at rest): in clear where this
    export may show that carer's note, withheld otherwise (the copy is as it was then, maybe not the MIS's note now)."""
    if not isinstance(kept, dict) or not kept.get("access_notes"):
        return kept
    if kept.get("carer_id") not in shown_notes:
        return kept | {"access_notes": THIRD_PARTY}
    return kept | {"access_notes": at_rest.access_notes_copied(kept["access_notes"], custody_id=custody_id, key=key)}


def _payload(event: Event, *, key: bytes, shown_notes: set[int]) -> Any:
    body = json.loads(event.payload_json or "{}")
    if isinstance(body, dict) and event.custody_id is not None and isinstance(body.get("must_not_collect"), dict):
        body["must_not_collect"] = _note_read(body["must_not_collect"], custody_id=event.custody_id, key=key,
                                              shown_notes=shown_notes)
    return body


def _record(custody: Custody, ctx: DeskContext, *, staff: dict[int | None, str], dsl: bool, key: bytes,
            shown_notes: set[int]) -> dict[str, Any]:
    details = custody_details.read(custody)
    chain = custody_chain(custody_id=custody.id) if custody.kind == Kind.CONFISCATED else None
    return {
        "kind": custody.kind, "state": custody.state, "slot": custody.slot, "opened": _when(custody.opened_at, ctx),
        "opened_by": staff.get(custody.opened_by_id), "closed": _when(custody.closed_at, ctx),
        "closed_by": staff.get(custody.closed_by_id), "handed_to": custody.handed_to,
        "reason": custody.reason_category, "where": custody.location, "confiscated_by": custody.confiscated_by_name,
        "bag_or_seal": custody.seal_number, "condition": custody.condition,
        "held_until": custody.held_until.isoformat() if custody.held_until else None,
        "on_safeguarding_hold": bool(custody.dsl_flag) if dsl else None,
        # The phone itself (the school's liability until released), the exam's M1 particulars, the parent meeting.
        "phone": details.get("phone"),
        "exam": details.get("exam"),
        "parent_meeting": details.get("parent_meeting"),
        "collected_by": _note_read(details.get("collector"), custody_id=custody.id, key=key,
                                   shown_notes=shown_notes),
        "chain_of_custody": [{"at": _when(link.at, ctx), "from": link.from_place, "to": link.to_place,
                              "released_by": link.released_by, "received_by": link.received_by,
                              "seal": link.seal, "old_seal": link.old_seal, "note": link.note}
                             for link in (chain.links if chain else ())],
        "details": {k: v for k, v in details.items() if k not in _NAMED_DETAILS},
    }


def _examination(row: Examination, ctx: DeskContext, *, key: bytes) -> dict[str, Any]:
    """Policy §6.1: who examined the phone's data, who authorised it and why, what was looked at, what was erased."""
    return {"at": _when(row.at, ctx), "record_opened": _when(Custody.get_by_id(row.custody_id).opened_at, ctx),
            "examined_by": row.examined_by_name,
            "authorised_by": f"{row.authorised_by_name} ({row.authorised_by_role.replace('_', ' ')})",
            "reason": at_rest.read(key, row, "reason"), "looked_at": at_rest.read(key, row, "looked_at"),
            "erased": row.erased, "erased_what": at_rest.read(key, row, "erased_what") if row.erased else None,
            "dsl_told": row.dsl_told, "parent_told": row.parent_told}


def _messages(shown: set[int], ctx: DeskContext, *, reader: Carer | None, carers: list[Carer]) -> list[dict[str, Any]]:
    """The messages sent (or withheld, or failed) about the pupil's records. In an export made for one carer, a
    message to someone else says only that it was sent, when and what kind: its address and words are theirs."""
    rows = (OutboxMessage.select()
            .where(OutboxMessage.custody.in_(sorted(shown) or [0]) & (OutboxMessage.body != ERASED))
            .order_by(OutboxMessage.created_at, OutboxMessage.id))
    readers = {(reader.email or "").strip().casefold()} - {""} if reader is not None else set()
    out = []
    for m in rows:
        said = {"written": _when(m.created_at, ctx), "kind": m.template, "to": m.audience, "state": m.state,
                "sent": _when(m.sent_at, ctx)}
        if reader is not None and m.recipient.strip().casefold() not in readers:
            out.append(said | {"recipient": THIRD_PARTY})
            continue
        out.append(said | {"recipient": m.recipient_name, "address": m.recipient, "mobile": m.mobile,
                           "subject": m.subject, "body": m.body})
    return out


def _withheld(ctx: DeskContext, *, dsl: bool, notes: list[DslNote], concerns: list[HoldConcern],
              restricted: set[int], everything: list[Custody], carers_noted: int) -> dict[str, Any]:
    held_back = not dsl and bool(notes or concerns or restricted)
    return {"safeguarding notes": 0 if dsl else len(notes),
            "phone records under safeguarding": len(restricted),
            "kinds of concern": 0 if dsl else len(concerns),
            "carers' court-order or access notes": carers_noted,
            "reason": "withheld pending review by the Designated Safeguarding Lead" if held_back else None,
            "statement": SAFEGUARDING_EXEMPTION if held_back else None,
            "third parties": (f"Court-order or access notes of {carers_noted} carer(s) were withheld: they concern "
                              "other people than the pupil.") if carers_noted else None,
            "dates": [] if dsl else sorted({d for d in ({_when(n.at, ctx) for n in notes}
                                                         | {_when(c.opened_at, ctx) for c in everything
                                                            if c.id in restricted}) if d})}


def _without(value: Any, hidden: list[str]) -> Any:
    """`value` with every copy of a hidden note withheld: a release's `access_notes` (on the record, in its event)
    and, within other text, a note long enough not to be an everyday word ("No" must not blank every "No")."""
    if not hidden:
        return value
    if isinstance(value, str):
        for note in hidden:
            if len(note) >= _QUOTED_NOTE:
                value = value.replace(note, WITHHELD)
        return value
    if isinstance(value, dict):
        return {k: THIRD_PARTY if k == "access_notes" and isinstance(v, str) and v in hidden else _without(v, hidden)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_without(v, hidden) for v in value]
    return value


__all__ = ["SAFEGUARDING_EXEMPTION", "THIRD_PARTY", "subject_access"]
