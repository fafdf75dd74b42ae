"""Releasing a confiscated phone to a parent or carer (policy §6.1): verified collector, step-up PIN,
exactly one release even when two desks try at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.audit import rows as sealing
from kiosk.auth.roles import Permission
from kiosk.auth.staff import confirm_pin
from kiosk.auth.stepup import confirm_authoriser
from kiosk.clock import as_utc
from kiosk.custody import details as custody_details
from kiosk.custody import notices, transitions
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError, NotPermitted, Refused
from kiosk.custody.parent_meeting import meeting_refusal
from kiosk.custody.phone import AS_WHEN_CONFISCATED, PhoneParticulars
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.scans import fold
from kiosk.custody.states import Move, allows
from kiosk.custody.terms import early_release_reason, early_release_words
from kiosk.custody.transitions import Current
from kiosk.db.connection import action_guard, write_transaction
from kiosk.db.models import MAY_COLLECT, MUST_NOT_COLLECT, AuditHead, Carer, Custody, Pupil, database_proxy
from kiosk.privacy import at_rest
from kiosk.text import plain_text

# Titles the MIS puts before a contact's name and a person at the desk may leave off ("Mrs Dana Hall" = "Dana Hall").
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame", "lady", "lord"})


@dataclass(frozen=True)
class Authorisation:
    """A head or DSL vouching for a collector who is not on the MIS contact list (or an early release)."""

    initials: str
    pin: str
    reason: str


@dataclass(frozen=True)
class ConfiscationFacts:
    """When, why, where and by whom the phone was confiscated, and what it was like then, as recorded."""

    at: datetime | None  # the time of confiscation (a converted hand-in: not the hand-in)
    by: str | None
    reason_category: str | None
    location: str | None
    condition: str | None
    phone: PhoneParticulars | None = None  # make, model, colour, case, SIM, IMEI, damage (kiosk/custody/phone.py)

    @classmethod
    def of(cls, custody: Custody) -> ConfiscationFacts:
        return cls(at=as_utc(custody.confiscated_at) if custody.confiscated_at else None,
                   by=custody.confiscated_by_name, reason_category=custody.reason_category,
                   location=custody.location, condition=custody.condition,
                   phone=PhoneParticulars.from_details(custody_details.read(custody).get("phone")))


@dataclass(frozen=True)
class ReleaseReceipt:
    custody_id: int
    pupil: PupilSummary
    collector_name: str
    relationship: str
    id_seen: str
    on_contact_list: bool
    released_by: str
    authorised_by: str | None
    at: datetime
    seal_number: str | None
    chain_head: str  # the audit chain value right after this release: ties the paper to the record
    event_seq: int
    # For the paper that settles a dispute (issue 16): who may collect, why it was allowed, and the confiscation.
    parental_responsibility: bool | None = None  # None: not on the MIS list, so not known
    authorisation_reason: str | None = None
    early_release: str | None = None  # why it was early ("held until Mon 7 Dec …"), or None
    confiscated: ConfiscationFacts | None = None
    # What the MIS says of the collector (issue 16): may they collect (True / False: must not / None: not said),
    # the court-order or access notes in full, and the DSL who read the note and released against "must not".
    may_collect: bool | None = None
    access_notes: str | None = None
    must_not_collect_released_by: str | None = None
    condition_at_return: str = AS_WHEN_CONFISCATED  # what the desk saw as it handed the phone over


@action_guard  # it reads the record and the contact after the step-up PIN (saved on its own): never a crash
def release_to_carer(
    ctx: DeskContext, custody_id: int, *, pin: str, id_seen: str, carer_id: int | None = None,
    collector_name: str = "", relationship: str = "", authorisation: Authorisation | None = None,
    no_pr_acknowledged: bool = False, must_not_collect_acknowledged: bool = False,
    condition_at_return: str = AS_WHEN_CONFISCATED, receipt_email: str | None = None,
) -> ReleaseReceipt:
    ctx.require(Permission.RELEASE, custody=custody_id)
    # The collector's address for their copy of the receipt (issue 18): a typing slip refused before the PIN.
    receipt_email = notices.check_receipt_address(receipt_email)
    # The condition as it is handed back (a parent disputing a scratched screen): the same words as at confiscation
    # unless a difference was typed.
    returned_as = plain_text(condition_at_return).strip() or AS_WHEN_CONFISCATED
    if not id_seen.strip():
        raise DeskError("Record the ID you checked (e.g. driving licence, passport, known to staff).")
    # Step-up: the person at the desk re-enters their own PIN for every release.
    confirm_pin(keyring=ctx.keyring, clock=ctx.clock, desk=ctx.desk, who=ctx.who.initials, pin=pin,
                purpose=f"release custody {custody_id}", own=True)
    custody = Custody.get_or_none(Custody.id == custody_id)
    if custody is None:
        raise DeskError("That phone record no longer exists. Search again.")
    # Rung 3 of the ladder: the parent meeting first (kiosk/custody/parent_meeting.py). Only for a phone that may be
    # released at all: one on a safeguarding hold is refused by the state machine in its own words.
    owed = meeting_refusal(custody) if allows(Move.RELEASE, custody.state) else None
    if owed is not None:
        raise Refused(owed)
    chosen = Carer.get_or_none((Carer.id == carer_id) & (Carer.pupil == custody.pupil_id)) if carer_id else None
    listed = chosen
    if carer_id and listed is None:
        raise DeskError("That contact is not on this pupil's list. Choose again.")
    if listed is not None and not sealing.verifies(ctx.keyring.audit_key, listed):
        # Added or changed in the database by hand, not by the MIS import: no more than someone not on the list.
        name, relation, listed = listed.name, listed.relationship or relationship.strip(), None
        unlisted_why = (f"the contact record for {name} was changed outside the kiosk (the IT technician can run "
                        "kiosk audit verify)")
    else:
        name = listed.name if listed else collector_name.strip()
        relation = (listed.relationship if listed else relationship.strip()) or ""
        unlisted_why = f"{name} is not on the pupil's contact list from the MIS"
    if not name or not relation:
        raise DeskError("Record the collector's name and relationship to the pupil.")
    barred = _barred(pupil_id=custody.pupil_id, chosen=chosen, name=name)
    if barred is not None:
        _may_release_to_barred(ctx, barred, name=name, relation=relation, custody_id=custody_id,
                               acknowledged=must_not_collect_acknowledged)
    # Held under the escalation ladder until a later day, or "after school" today and it is not yet the end of the
    # school day: collecting it now is early (terms.early_release_words is the one rule, which the screen shows too).
    # (Only for a phone that may be released at all: one on a safeguarding hold is refused by the state machine in
    # its own words, not asked for an authorisation that could never release it.)
    held = early_release_words(custody.held_until, at=ctx.clock.now(), settings=ctx.settings) \
        if allows(Move.RELEASE, custody.state) else None
    early = early_release_reason(custody.held_until, at=ctx.clock.now(), settings=ctx.settings) if held else None
    # A listed contact without parental responsibility may be the right person (a grandparent who collects every
    # day), but the desk must have seen the warning and said so: it is printed on the receipt.
    no_pr = listed is not None and not listed.parental_responsibility
    if no_pr and not no_pr_acknowledged:
        raise Refused(f"{name} ({relation}) does not have parental responsibility for this pupil. Tick to confirm "
                      "you have seen this before releasing the phone to them.")
    authoriser = None
    if listed is None or early:
        if authorisation is None:
            why = " and ".join(filter(None, (unlisted_why if listed is None else None, early)))
            raise Refused(f"Needs a head or DSL to authorise: {why}. Ask them to enter their initials and PIN "
                          "with a reason.")
        if not authorisation.reason.strip():
            raise DeskError("The authorising head or DSL must give a reason.")
        # Typed at this desk: wrong PINs count against the desk and who is signed in, not the authoriser.
        authoriser = confirm_authoriser(keyring=ctx.keyring, clock=ctx.clock, at_desk=ctx.who,
                                        who=authorisation.initials, pin=authorisation.pin,
                                        purpose=f"authorise release of custody {custody_id}")
        if not authoriser.can(Permission.AUTHORISE_UNLISTED_COLLECTOR):
            raise NotPermitted(f"{authoriser.name} ({authoriser.role}) cannot authorise this: it needs the head "
                               "or the DSL.")
    with write_transaction(database_proxy.obj):
        current = Custody.get_by_id(custody_id)
        now = ctx.clock.now()
        collector = {"name": name, "relationship": relation, "id_seen": id_seen.strip(),
                     "on_contact_list": listed is not None, "carer_id": listed.id if listed else None,
                     "parental_responsibility": bool(listed.parental_responsibility) if listed else False,
                     "authorised_by": authoriser.name if authoriser else None,
                     "authorisation_reason": authorisation.reason.strip() if authoriser and authorisation else None,
                     "early_release": held, "no_pr_acknowledged": no_pr or None,
                     "may_collect": _may_collect(barred or listed),
                     "access_notes": _copied(_notes(barred or listed, ctx), ctx, custody_id),
                     "must_not_collect": {"carer_id": barred.id, "released_by": ctx.who.name,
                                          "note_read": True} if barred else None,
                     "condition_at_return": returned_as}
        # The table refuses anything but a phone held for a parent (one already released: a Conflict naming who
        # released it, to whom and when).
        moved = transitions.move(
            ctx, Move.RELEASE, Current.of(current), at=now,
            columns={"handed_to": f"{name} ({relation})",
                     "details_json": custody_details.merged(current, collector=collector)},
            payload={"collector": name, "relationship": relation, "id_seen": id_seen.strip(),
                     "on_contact_list": listed is not None,
                     "authorised_by": authoriser.initials if authoriser else None,
                     "condition_at_return": returned_as,
                     **({"must_not_collect": {"carer_id": barred.id,
                                              "access_notes": _copied(_notes(barred, ctx), ctx, custody_id),
                                              "acknowledged_by": ctx.who.initials}} if barred else {})})
        head = AuditHead.get_by_id(1).chain
        pupil = Pupil.get_by_id(current.pupil_id)
        # Queued with the release, after the head the paper quotes (the receipt is made from the record at sending).
        notices.send_release_receipt(ctx, custody_id=custody_id, address=receipt_email, collector_name=name,
                                     pupil_name=pupil.display_name, at=now)
    return ReleaseReceipt(custody_id=custody_id, pupil=PupilSummary.of(pupil), collector_name=name,
                          relationship=relation, id_seen=id_seen.strip(), on_contact_list=listed is not None,
                          released_by=ctx.who.name, authorised_by=authoriser.name if authoriser else None,
                          at=now, seal_number=current.seal_number, chain_head=head, event_seq=moved.event.seq,
                          parental_responsibility=bool(listed.parental_responsibility) if listed else None,
                          authorisation_reason=authorisation.reason.strip() if authoriser and authorisation else None,
                          early_release=held if authoriser else None, confiscated=ConfiscationFacts.of(current),
                          may_collect=_may_collect(barred or listed), access_notes=_notes(barred or listed, ctx),
                          must_not_collect_released_by=ctx.who.name if barred else None,
                          condition_at_return=returned_as)


def _barred(*, pupil_id: int, chosen: Carer | None, name: str) -> Carer | None:
    """The pupil's contact the MIS says must not collect who is collecting now, or None: the contact chosen (even one
    whose record no longer verifies: a bar is never lifted by an edit), or, for "someone else", a barred contact of
    the same name (titles and accents aside), so the bar is not walked round by typing the name."""
    if chosen is not None:
        return chosen if chosen.collection == MUST_NOT_COLLECT else None
    typed = _name_key(name)
    barred = Carer.select().where((Carer.pupil == pupil_id) & (Carer.collection == MUST_NOT_COLLECT))
    return next((carer for carer in barred if _name_key(carer.name) == typed), None)


def _name_key(name: str) -> str:
    words = fold(name).replace(".", " ").split()
    while len(words) > 1 and words[0] in _TITLES:
        words = words[1:]
    return " ".join(words)


def _may_release_to_barred(ctx: DeskContext, barred: Carer, *, name: str, relation: str, custody_id: int,
                           acknowledged: bool) -> None:
    """The one rule for a contact the MIS says must not collect: refused (and the refusal recorded) for everyone but
    the DSL, who must first have read the note."""
    note = _notes(barred, ctx) or "the MIS gives no note"
    try:
        ctx.require(Permission.RELEASE_TO_BARRED_CONTACT, custody=custody_id)
    except NotPermitted:
        raise NotPermitted(f"MUST NOT COLLECT: the MIS says {name} ({relation}) must not collect this pupil. "
                           f"Note: {note}. Only the DSL can release the phone to them: refer to the DSL.") from None
    if not acknowledged:
        raise Refused(f"MUST NOT COLLECT: the MIS says {name} ({relation}) must not collect this pupil. Note: {note}. "
                      "Tick to confirm you have read the note before releasing the phone to them.")


def _may_collect(carer: Carer | None) -> bool | None:
    if carer is None:
        return None
    return {MAY_COLLECT: True, MUST_NOT_COLLECT: False}.get(carer.collection or "")


def _copied(note: str | None, ctx: DeskContext, custody_id: int) -> str | None:
    """The note as kept with the record and in its event: encrypted at rest, like the carer's own."""
    return at_rest.access_notes_copy(note, key=ctx.keyring.notes_key, custody_id=custody_id)


def _notes(carer: Carer | None, ctx: DeskContext) -> str | None:
    """The contact's court-order or access notes in clear (kept encrypted at rest: kiosk/privacy/at_rest.py)."""
    return at_rest.access_notes_of(carer, key=ctx.keyring.notes_key) if carer is not None else None
