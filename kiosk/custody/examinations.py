"""Examining, or erasing, data on a confiscated phone (policy §6.1; DfE 'Searching, screening and confiscation',
2022): the headteacher or a member of staff they authorise may do so only with a good reason. The record says
who examined it, who authorised it (their own PIN, typed at this desk), the reason, what was looked at, whether
anything was erased and what, and whether the DSL and a parent were told.

Never for a phone on a safeguarding hold or with the police: that phone may be evidence, and evidence is never
examined or erased in school. The free text is safeguarding information: encrypted at rest (kiosk/privacy/at_rest),
sealed (kiosk/audit/rows.py), never in an event, a log or a screen for anyone but the DSL and the head; the
pupil page's timeline reads `examinations_of_pupil` (who, when, erased or not, who was told: no text).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth.roles import Permission
from kiosk.auth.stepup import confirm_authoriser
from kiosk.clock import as_utc, to_db
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError, NotPermitted, Refused
from kiosk.custody.states import State, state_words
from kiosk.db.connection import storage_guard, write_transaction
from kiosk.db.models import Custody, Examination, Staff, database_proxy
from kiosk.privacy import at_rest

EXAMINATION_RECORDED = "EXAMINATION_RECORDED"
# Evidence is never examined or erased in school: the DSL's case, and then the police's.
_EVIDENCE = {
    State.SAFEGUARDING_HOLD: "This phone is on a safeguarding hold: it may be evidence, so its data is not examined "
                             "or erased in school. Refer to the DSL.",
    State.WITH_POLICE: "This phone is with the police: its data is evidence and is never examined or erased in "
                       "school.",
}


@dataclass(frozen=True)
class Authorisation:
    """The authoriser's initials (or badge) and PIN, typed at this desk: the head or an authorised role."""

    initials: str
    pin: str


@dataclass(frozen=True)
class ExaminationRecorded:
    examination_id: int
    custody_id: int
    authorised_by: str
    at: datetime


@dataclass(frozen=True)
class ExaminationLine:
    """One examination as the pupil page's timeline may show it to anyone who sees the pupil: the facts, no text."""

    id: int
    custody_id: int
    at: datetime  # aware UTC
    examined_by: str
    authorised_by: str  # "name (role)"
    erased: bool
    dsl_told: bool
    parent_told: bool


@dataclass(frozen=True)
class ExaminationDetail:
    """The whole record, for the DSL and the head only (each reading is audited)."""

    line: ExaminationLine
    reason: str
    looked_at: str
    erased_what: str


def record_examination(ctx: DeskContext, *, custody_id: int, examined_by_name: str,
                       authorisation: Authorisation | None, reason: str, looked_at: str, erased: bool,
                       erased_what: str, dsl_told: bool, parent_told: bool) -> ExaminationRecorded:
    """Record an examination of a confiscated phone's data. Refused for a phone on a safeguarding hold or with the
    police, for a phone not confiscated and held, without the authoriser's own PIN, or when the authoriser may not
    authorise it (the head, or the DSL as the role the head has authorised)."""
    ctx.require(Permission.RECORD_EXAMINATION, custody=custody_id)
    custody = Custody.get_or_none(Custody.id == custody_id)
    if custody is None:
        raise DeskError("That phone record no longer exists. Search again.")
    _refuse_evidence(ctx, custody.state)
    missing = [label for label, value in (("who examined it", examined_by_name), ("the good reason", reason),
                                          ("what was looked at", looked_at)) if not value.strip()]
    if erased and not erased_what.strip():
        missing.append("what was erased")
    if missing:
        raise DeskError(f"Record {', '.join(missing)}.")
    if authorisation is None or not authorisation.initials.strip() or not authorisation.pin:
        raise Refused("An examination needs the head (or an authorised member of staff) to authorise it with "
                      "their initials and PIN.")
    # Typed at this desk: wrong PINs count against the desk and who is signed in (kiosk/auth/stepup.py).
    authoriser = confirm_authoriser(keyring=ctx.keyring, clock=ctx.clock, at_desk=ctx.who, who=authorisation.initials,
                                    pin=authorisation.pin, purpose=f"authorise examining custody {custody_id}")
    if not authoriser.can(Permission.AUTHORISE_EXAMINATION):
        raise NotPermitted(f"{authoriser.name} ({authoriser.role}) cannot authorise examining a phone's data: it "
                           "needs the head or the DSL.")
    assert authoriser.staff_id is not None  # confirmed against a staff account
    with write_transaction(database_proxy.obj):
        custody = Custody.get_by_id(custody_id)  # again, under the write lock: it may have gone on a hold since
        _refuse_evidence(ctx, custody.state)
        now = ctx.clock.now()
        row = Examination.create(
            custody=custody.id, pupil=custody.pupil_id, at=to_db(now), desk=ctx.desk, recorded_by=ctx.who.staff_id,
            examined_by_name=examined_by_name.strip(), authorised_by=authoriser.staff_id,
            authorised_by_name=authoriser.name, authorised_by_role=authoriser.role, reason="", looked_at="",
            erased=erased, erased_what="", dsl_told=dsl_told, parent_told=parent_told)
        at_rest.protect(row, key=ctx.keyring.notes_key, reason=reason.strip(), looked_at=looked_at.strip(),
                        erased_what=erased_what.strip() if erased else "")
        sealed = sealing.reseal(ctx.keyring.audit_key, Examination, row.id)  # as stored: encrypted
        # The event names the record and its yes/no facts; never the reason, what was seen or what was erased.
        append_event(key=ctx.keyring.audit_key, at=now, desk=ctx.desk, staff=ctx.who.staff_id,
                     action=EXAMINATION_RECORDED, pupil=custody.pupil_id, custody=custody.id,
                     custody_state=custody.state, rows=[sealed],
                     payload={"examination_id": row.id, "authorised_by": authoriser.initials, "erased": erased,
                              "dsl_told": dsl_told, "parent_told": parent_told})
    return ExaminationRecorded(examination_id=row.id, custody_id=custody_id, authorised_by=authoriser.name, at=now)


def _refuse_evidence(ctx: DeskContext, state: str) -> None:
    if state in _EVIDENCE:
        raise Refused(_EVIDENCE[State(state)])
    if state != State.HELD_FOR_PARENT:
        raise Refused(f"Only a confiscated phone held in the office is examined (this one is "
                      f"{state_words(state, dsl=ctx.who.can(Permission.SAFEGUARDING))}). Nothing was recorded.")


def _line(row: Examination) -> ExaminationLine:
    return ExaminationLine(id=row.id, custody_id=row.custody_id, at=as_utc(row.at), examined_by=row.examined_by_name,
                           authorised_by=f"{row.authorised_by_name} ({row.authorised_by_role})", erased=row.erased,
                           dsl_told=row.dsl_told, parent_told=row.parent_told)


@storage_guard
def examinations_of_pupil(*, pupil_id: int) -> tuple[ExaminationLine, ...]:
    """The read model for the pupil page's timeline: each examination of the pupil's phones, oldest first, with no
    text (the reason, what was seen and what was erased are for the DSL and the head: read_examination)."""
    rows = (Examination.select(Examination.id, Examination.custody, Examination.at, Examination.examined_by_name,
                               Examination.authorised_by_name, Examination.authorised_by_role, Examination.erased,
                               Examination.dsl_told, Examination.parent_told)
            .where(Examination.pupil == pupil_id).order_by(Examination.at, Examination.id))
    return tuple(_line(row) for row in rows)


def read_examination(ctx: DeskContext, examination_id: int) -> ExaminationDetail:
    """The whole record, for the DSL or head; the reading is an audit event."""
    ctx.require(Permission.READ_DSL_NOTES)
    with write_transaction(database_proxy.obj):
        row = (Examination.select(Examination, Staff).join(Staff, JOIN.LEFT_OUTER, on=Examination.recorded_by)
               .where(Examination.id == examination_id).first())
        if row is None:
            raise DeskError("That examination record no longer exists.")
        key = ctx.keyring.notes_key
        detail = ExaminationDetail(line=_line(row), reason=at_rest.read(key, row, "reason"),
                                   looked_at=at_rest.read(key, row, "looked_at"),
                                   erased_what=at_rest.read(key, row, "erased_what"))
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="EXAMINATION_VIEWED", pupil=row.pupil_id,
                     payload={"examination_id": row.id, "custody_id": row.custody_id})
    return detail
