"""Safeguarding holds (policy §6.1): a phone that may hold evidence is kept untouched for the DSL.

Notes written here are visible only to the DSL and the head; every reading of them is itself audited, and
no event payload carries their text, so nothing an office user can see ever contains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN, IntegrityError

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth.roles import Permission
from kiosk.auth.staff import confirm_pin
from kiosk.clock import as_utc, to_db
from kiosk.custody import details as custody_details
from kiosk.custody import notices, transitions
from kiosk.custody.concerns import ConcernKind, concern_kind
from kiosk.custody.confiscation import refuse_a_seal_in_use
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.custody.links import NAMED_BY_OFFICE, OFFICE_SAFE, PIN_CONFIRMED, Signed, link_payload
from kiosk.custody.slots import SAFE_BOX, next_free_position
from kiosk.custody.states import POLICE_OUTCOMES, Move
from kiosk.custody.transitions import Current
from kiosk.db.connection import write_transaction
from kiosk.db.models import Custody, DslNote, HoldConcern, Staff, database_proxy, slot_label
from kiosk.privacy import at_rest
from kiosk.text import plain_text

# Shown at the desk, and acknowledged, whenever a phone goes into a safeguarding hold.
HOLD_INSTRUCTIONS = (
    "Do not look at anything on the phone.",
    "Do not delete anything, and do not let the pupil do so.",
    "Keep it switched off, sealed in its bag.",
    "Tell the Designated Safeguarding Lead now, in person or by phone.",
)


@dataclass(frozen=True)
class NoteView:
    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class PoliceHandover:
    officer_name: str
    officer_number: str
    force: str
    crime_reference: str
    seal_number: str


def _held(custody_id: int) -> Custody:
    custody = Custody.get_or_none(Custody.id == custody_id)
    if custody is None:
        raise DeskError("That phone record no longer exists. Search again.")
    return custody


def _note(ctx: DeskContext, custody: Custody, text: str) -> str:
    """Write a DSL note, its text encrypted at rest (kiosk/privacy/at_rest.py), then sealed; returns its seal's token
    (kiosk/audit/rows.py) for the event that records it. Within the caller's transaction."""
    note = DslNote.create(custody=custody.id, pupil=custody.pupil_id, at=to_db(ctx.clock.now()),
                          author=ctx.who.staff_id, text="")
    at_rest.protect(note, key=ctx.keyring.notes_key, text=text.strip())
    return sealing.reseal(ctx.keyring.audit_key, DslNote, note.id)


def _author_name(note: DslNote) -> str:
    """Who wrote the note: its author joined in the read, or "command line" for a note written there."""
    if note.author_id is None or note.author is None:
        return "command line"
    return note.author.name


def flag_safeguarding(ctx: DeskContext, custody_id: int, *, concern: str, acknowledged: bool,
                      kind: ConcernKind | str | None) -> None:
    """HELD_FOR_PARENT → SAFEGUARDING_HOLD. The concern becomes the first DSL note (the person flagging can
    write it but, unless DSL or head, never read it back); its kind (kiosk/custody/concerns.py) is kept encrypted
    beside it, and named in no event."""
    ctx.require(Permission.FLAG_SAFEGUARDING, custody=custody_id)
    if not acknowledged:
        raise DeskError("Confirm the safeguarding instructions first: do not view, do not delete, keep it off, "
                        "tell the DSL now.")
    chosen = concern_kind(kind)
    if chosen is None:
        raise DeskError("Choose the kind of concern: an indecent image of a child, illegal content or an offence, "
                        "or another risk of harm.")
    if not concern.strip():
        raise DeskError("Write the concern in a few words for the DSL.")
    with write_transaction(database_proxy.obj):
        custody = _held(custody_id)
        # The concern is written first, so the hold's own event records the note with it (every write has its event).
        note = _note(ctx, custody, concern)
        kept = _concern(ctx, custody, chosen)
        transitions.move(ctx, Move.HOLD, Current.of(custody), at=ctx.clock.now(), columns={"dsl_flag": True},
                         payload={"instructions_acknowledged": True}, rows=[note, kept])
        notices.tell_hold_placed(ctx, custody_id=custody.id)  # the DSL told "a hold", never the concern


def _concern(ctx: DeskContext, custody: Custody, kind: ConcernKind) -> str:
    """The hold's kind of concern, encrypted like a note and sealed; its seal's token for the hold's event."""
    row = HoldConcern.create(custody=custody.id, pupil=custody.pupil_id, at=to_db(ctx.clock.now()),
                             recorded_by=ctx.who.staff_id, kind="")
    at_rest.protect(row, key=ctx.keyring.notes_key, kind=kind.value)
    return sealing.reseal(ctx.keyring.audit_key, HoldConcern, row.id)


def concern_of(ctx: DeskContext, custody_id: int) -> ConcernKind | None:
    """The kind of concern of the phone's latest hold, for the DSL or head (None: held before kinds were
    recorded, or never held). Decrypted on its own row: a kind moved from another phone's hold does not read."""
    ctx.require(Permission.READ_DSL_NOTES, custody=custody_id)
    row = (HoldConcern.select().where(HoldConcern.custody == custody_id)
           .order_by(HoldConcern.at.desc(), HoldConcern.id.desc()).first())
    if row is None:
        return None
    return concern_kind(at_rest.decrypt(ctx.keyring.notes_key, row.kind, table="hold_concern", column="kind",
                                        row_id=row.id))


def add_dsl_note(ctx: DeskContext, custody_id: int, text: str) -> None:
    ctx.require(Permission.READ_DSL_NOTES, custody=custody_id)
    if not text.strip():
        raise DeskError("The note is empty.")
    with write_transaction(database_proxy.obj):
        custody = _held(custody_id)
        note = _note(ctx, custody, text)
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="DSL_NOTE_ADDED", pupil=custody.pupil_id, custody=custody.id,
                     custody_state=custody.state, payload={}, rows=[note])


def read_dsl_notes(ctx: DeskContext, custody_id: int) -> list[NoteView]:
    """The DSL's notes on one phone. Each reading is an audit event (who read which record, when)."""
    ctx.require(Permission.READ_DSL_NOTES, custody=custody_id)
    with write_transaction(database_proxy.obj):
        custody = _held(custody_id)
        # Authors joined in the one read, and the views built before the commit: reading each note's author
        # lazily after it, a server lost at that instant was a crash after the reading had been recorded.
        notes = [NoteView(as_utc(n.at), _author_name(n), at_rest.read(ctx.keyring.notes_key, n, "text"))
                 for n in DslNote.select(DslNote, Staff).join(Staff, JOIN.LEFT_OUTER)
                 .where(DslNote.custody == custody_id).order_by(DslNote.at, DslNote.id)]
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="DSL_NOTES_VIEWED", pupil=custody.pupil_id, custody=custody.id,
                     custody_state=custody.state, payload={"notes": len(notes)})
        return notes


def clear_hold(ctx: DeskContext, custody_id: int, *, reason: str) -> None:
    """SAFEGUARDING_HOLD → HELD_FOR_PARENT: the DSL has finished with it. The reason is a DSL note."""
    ctx.require(Permission.CLEAR_HOLD, custody=custody_id)
    if not reason.strip():
        raise DeskError("Give the reason for clearing the hold (it is kept as a DSL note).")
    with write_transaction(database_proxy.obj):
        custody = _held(custody_id)
        note = _note(ctx, custody, f"Hold cleared: {reason.strip()}")
        transitions.move(ctx, Move.CLEAR_HOLD, Current.of(custody), at=ctx.clock.now(), rows=[note])
        notices.tell_ready_to_collect(ctx, custody_id=custody.id)  # the carers: ready to collect, no reason given


def hand_to_police(ctx: DeskContext, custody_id: int, handover: PoliceHandover, *, pin: str) -> None:
    """SAFEGUARDING_HOLD → WITH_POLICE: closed, with the officer, force, crime reference and seal. The phone leaves
    the school's custody, as at a release: the DSL (or head) re-enters their own PIN for it (`pin`), checked and
    counted as every step-up PIN is (kiosk.auth.staff.confirm_pin); a wrong one hands nothing over."""
    ctx.require(Permission.HAND_TO_POLICE, custody=custody_id)
    missing = [label for label, value in (("officer's name", handover.officer_name),
                                          ("officer's number", handover.officer_number),
                                          ("police force", handover.force),
                                          ("crime reference", handover.crime_reference),
                                          ("evidence seal number", handover.seal_number)) if not value.strip()]
    if missing:
        raise DeskError(f"Record the {', '.join(missing)} before handing the phone over.")
    confirm_pin(keyring=ctx.keyring, clock=ctx.clock, desk=ctx.desk, who=ctx.who.initials, pin=pin,
                purpose=f"hand custody {custody_id} to the police", own=True)
    with write_transaction(database_proxy.obj):
        custody = _held(custody_id)
        now = ctx.clock.now()
        police = handover.__dict__ | {"handed_over_at": now.isoformat(), "by": ctx.who.name}
        # A move into a closed state: transitions.py records when, by whom and at which desk it was closed.
        transitions.move(
            ctx, Move.POLICE, Current.of(custody), at=now,
            columns={"handed_to": f"Police: {handover.officer_name} ({handover.officer_number}, {handover.force})",
                     "details_json": custody_details.merged(custody, police=police)},
            payload={"force": handover.force, "crime_reference": handover.crime_reference,
                     "officer_number": handover.officer_number, "seal": handover.seal_number})


OUTCOME_WORDS = {
    Move.RETURNED_BY_POLICE: "returned by the police",
    Move.RETAINED_BY_POLICE: "retained by the police",
    Move.DESTROYED_BY_POLICE: "destroyed by the police",
}


def record_police_outcome(ctx: DeskContext, custody_id: int, *, outcome: Move, police_reference: str, pin: str,
                          seal: str = "", note: str = "") -> None:
    """WITH_POLICE → the police's outcome, recorded by the DSL or head with the police's reference: returned (the
    phone is back, held for a parent again: HELD_FOR_PARENT, its record open), retained or destroyed (the case is
    closed). The case changes hands or ends, as at the handover: the DSL (or head) re-enters their own PIN (`pin`,
    checked and counted by kiosk.auth.staff.confirm_pin; a wrong one records nothing). A return is also a link in
    the chain of custody (police → office safe, kept under "link" in the move's event as the confiscation keeps
    its first): released by the officer the phone was handed to, received by whoever records it, in `seal` (the
    police's bag kept, or a new school bag not on another held phone), which is then the phone's seal. Who recorded
    it and when are the move's event; a note, if given, is a DSL note."""
    ctx.require(Permission.RECORD_POLICE_OUTCOME, custody=custody_id)
    if outcome not in POLICE_OUTCOMES:
        raise ValueError(f"not a police outcome: {outcome}")
    reference = police_reference.strip()
    if not reference:
        raise DeskError("Record the police reference for the outcome (the crime reference or property number).")
    returned = outcome is Move.RETURNED_BY_POLICE
    bag = plain_text(seal).strip()
    if returned and not bag:
        raise DeskError("Record the seal the phone came back in: the police's evidence seal if it is still "
                        "intact, or a new school bag's number.")
    confirm_pin(keyring=ctx.keyring, clock=ctx.clock, desk=ctx.desk, who=ctx.who.initials, pin=pin,
                purpose=f"record the police's outcome for custody {custody_id}", own=True)
    with write_transaction(database_proxy.obj):
        custody = _held(custody_id)
        now = ctx.clock.now()
        rows = [_note(ctx, custody, f"Police outcome ({OUTCOME_WORDS[outcome]}): {note.strip()}")] \
            if note.strip() else []
        recorded = {"outcome": OUTCOME_WORDS[outcome], "reference": reference, "recorded_at": now.isoformat(),
                    "by": ctx.who.name}
        payload: dict[str, object] = {"police_reference": reference}
        if returned:
            refuse_a_seal_in_use(bag, tag_id=custody.tag_id)
            police = custody_details.read(custody).get("police") or {}
            came_in = str(police.get("seal_number") or custody.seal_number or "").strip()
            # Back in the school's hands, in the safe's lowest free place (its old one may have been taken since).
            position = next_free_position(SAFE_BOX)
            columns: dict[str, object] = {
                "details_json": custody_details.merged(custody, police_outcome=recorded, place=OFFICE_SAFE),
                "handed_to": None, "slot_box": SAFE_BOX, "slot_position": position, "seal_number": bag}
            payload["slot"] = slot_label(SAFE_BOX, position)
            payload["link"] = link_payload(
                from_place=police_place(police), to_place=OFFICE_SAFE, released_by=_officer(ctx, police),
                received_by=Signed(name=ctx.who.name, how=PIN_CONFIRMED, staff_id=ctx.who.staff_id), seal=bag,
                old_seal=came_in if came_in and came_in.lower() != bag.lower() else None,
                note=f"police reference {reference}")
        else:
            columns = {"details_json": custody_details.merged(custody, police_outcome=recorded)}
        try:
            transitions.move(ctx, outcome, Current.of(custody), at=now, columns=columns, payload=payload, rows=rows)
        except IntegrityError:  # reopened, it clashes with the pupil's tag, in use by another phone now
            raise DeskError("The pupil's tag is in use by another phone in the office now: hand that one back (or "
                            "finish with it) first, then record the return.") from None


def police_place(police: dict[str, object]) -> str:
    """The police as a place in the chain: "police: PC Jo Marsh (4471, Kent Police)", as the handover recorded them
    (kiosk/custody/queries/chain.py names the handover's link the same way)."""
    return (f"police: {police.get('officer_name') or 'officer'} ({police.get('officer_number') or '—'}, "
            f"{police.get('force') or '—'})")


def _officer(ctx: DeskContext, police: dict[str, object]) -> Signed:
    """The officer who gave the phone back: not at the desk's keyboard, so named by whoever records the return, as
    the police receipt recorded them (name and number)."""
    name = f"{police.get('officer_name') or 'police officer'} ({police.get('officer_number') or '—'})"
    return Signed(name=name, how=NAMED_BY_OFFICE, recorded_by=ctx.who.name)
