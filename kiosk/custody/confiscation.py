"""Confiscation (policy §6.1): a phone taken from a pupil is held in the office for a parent or carer.

The school is liable for the phone until it is released, so every particular is recorded at intake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from peewee import IntegrityError

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth.roles import Permission
from kiosk.clock import as_utc, local_day_bounds, local_today, to_db
from kiosk.config import Settings
from kiosk.custody import details as custody_details
from kiosk.custody import notices, transitions
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import Conflict, DeskError
from kiosk.custody.exceptions import ActiveException
from kiosk.custody.links import NAMED_BY_OFFICE, OFFICE_SAFE, Signed, Signer, at_the_desk, link_payload, signed_by
from kiosk.custody.lookup import Resolved
from kiosk.custody.phone import PhoneParticulars, checked
from kiosk.custody.queries.confiscations import exceptions_in_force, held_phone_sealed_in
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.slots import SAFE_BOX, next_free_position
from kiosk.custody.states import Kind, Move
from kiosk.custody.terms import (
    add_school_days,
    escalation_step,
    ladder_words,
    needs_parent_meeting,
    term_containing,
)
from kiosk.custody.transitions import Current
from kiosk.db.connection import storage_guard, write_transaction
from kiosk.db.models import Custody, database_proxy, slot_label
from kiosk.db.rows import tuples

EXAM_REASON = "found during an exam"
CONDITION_ITEMS = ("screen cracked", "back cracked", "in a case", "SIM present", "memory card present",
                   "switched off", "switched on")


@dataclass(frozen=True)
class ExamDetails:
    """What the examining body's report asks of a phone found in an exam (policy §6; JCQ Form M1, "Report of
    suspected candidate malpractice": awarding body, centre and candidate numbers, the paper's code and title, the
    invigilator, when it was found, and whether the candidates had been warned). A yes/no the school did not record
    is None, printed as "not recorded": the form must not say "no" for what nobody asked."""

    board: str
    paper: str  # the paper's code (specification/component), e.g. 8300/1H
    room: str = ""
    invigilator: str = ""
    candidate_number: str = ""
    centre_number: str = ""
    paper_title: str = ""  # e.g. Mathematics Paper 1 (Higher)
    time_found: str = ""  # HH:MM, school-local: when the invigilator found it (not when the desk recorded it)
    switched_on: bool | None = None
    on_person: bool | None = None  # on the candidate (a pocket), rather than in a bag in the room
    warning_displayed: bool | None = None  # the JCQ "Warning to candidates" shown outside the exam room
    information_issued: bool | None = None  # the candidate had the JCQ "Information for candidates"
    reminded_at_start: bool | None = None  # candidates reminded of the rules at the start of this exam

    @classmethod
    def from_record(cls, data: dict[str, object] | None) -> ExamDetails | None:
        """The details as kept in a custody's JSON (older records lack the later fields)."""
        if not data:
            return None
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**{"board": "", "paper": "", **known})  # type: ignore[arg-type]


def _exam_checked(exam: ExamDetails, settings: Settings) -> ExamDetails:
    """Refuse what the examining body could not act on; a time found is kept as HH:MM; the centre number is the
    school's own (settings) unless typed."""
    if not exam.board.strip() or not exam.paper.strip():
        raise DeskError("For a phone found in an exam, record the exam board and paper: "
                        "it must be reported to the examining body.")
    found = exam.time_found.strip()
    if found:
        try:
            parsed = time.fromisoformat(found.replace(".", ":").zfill(5))
        except ValueError:
            raise DeskError(f"Time found {exam.time_found!r}: type it as a time, e.g. 10:15.") from None
        found = f"{parsed.hour:02d}:{parsed.minute:02d}"
    return replace(exam, time_found=found,
                   centre_number=exam.centre_number.strip() or settings.exam_centre_number.strip())


@dataclass(frozen=True)
class LadderPosition:
    count_this_term: int  # including this confiscation
    rule: str
    hold_school_days: int
    previous: tuple[datetime, ...]  # earlier confiscations this term (UTC)
    parent_meeting: bool = False  # this rung asks for a parent meeting, recorded before release


@dataclass(frozen=True)
class ConfiscationReceipt:
    custody_id: int
    pupil: PupilSummary
    tag_code: str
    slot: str | None
    seal_number: str
    reason_category: str
    held_until: date
    ladder: LadderPosition
    converted_from_daily: bool
    at: datetime
    moved_from_slot: str | None = None  # a phone already in a daily box: move it from here to `slot`
    # The pupil's exceptions in force today (e.g. "insulin pump controlled from phone"): whoever takes the phone
    # must see them at once, on the screen and on the receipt.
    exceptions: tuple[ActiveException, ...] = ()
    phone: PhoneParticulars | None = None  # what the phone was like (issue 16): on every paper
    condition: str | None = None
    brought_by: Signed | None = None  # the teacher → office link: who handed it to the office, and how we know


@storage_guard
def ladder_position(ctx: DeskContext, pupil_id: int, *, including_new: bool = True) -> LadderPosition:
    """Where the pupil stands on the escalation ladder this term."""
    today = local_today(ctx.clock, ctx.settings.tz)
    start, end = term_containing(today, ctx.settings)
    lo, _ = local_day_bounds(start, ctx.settings.tz)
    _, hi = local_day_bounds(max(end, today), ctx.settings.tz)
    earlier = [as_utc(confiscated_at) for (confiscated_at,) in
               tuples(Custody.select(Custody.confiscated_at).where(
                   (Custody.pupil == pupil_id) & (Custody.kind == Kind.CONFISCATED)
                   & (Custody.confiscated_at >= to_db(lo)) & (Custody.confiscated_at < to_db(hi)))
               .order_by(Custody.confiscated_at))]
    count = len(earlier) + (1 if including_new else 0)
    step = escalation_step(max(count, 1), ctx.settings)
    return LadderPosition(count_this_term=count, rule=ladder_words(step),
                          hold_school_days=int(step.get("hold_school_days", 0)), previous=tuple(earlier),
                          parent_meeting=needs_parent_meeting(step))


def refuse_a_seal_in_use(seal_number: str, *, tag_id: int) -> None:
    """A bag's seal number names one phone while it is held: the same number on two would let one bag stand for
    either at release or in a dispute. The refusal names whose phone has it and where, nothing more (the office
    may be speaking of a phone on a safeguarding hold)."""
    sealed = held_phone_sealed_in(seal_number=seal_number)
    if sealed is None or sealed.phone.tag_id == tag_id:  # the same phone: the table says it is already confiscated
        return
    where = f", in {sealed.phone.slot}" if sealed.phone.slot else ""
    raise DeskError(f"Bag {sealed.phone.seal_number} is already in use: {sealed.pupil.name} ({sealed.pupil.form})'s "
                    f"phone is sealed in it{where}. Use a new bag and record its number.")


def _condition_checked(condition: tuple[str, ...] | list[str], exam: ExamDetails | None) -> None:
    """A record that contradicts itself settles no dispute: a phone is switched on or off, not both, and the
    condition's tick says the same as the exam report's "switched on?" answer."""
    ticks = set(condition)
    if {"switched on", "switched off"} <= ticks:
        raise DeskError("The condition says both switched on and switched off: untick one of them.")
    if exam is not None and exam.switched_on is not None:
        said = "switched on" if exam.switched_on else "switched off"
        other = "switched off" if exam.switched_on else "switched on"
        if other in ticks:
            raise DeskError(f"The exam details say the phone was {said} but the condition is ticked {other}: "
                            "correct one of them.")


def confiscate(
    ctx: DeskContext, found: Resolved, *, confiscated_by_name: str, reason_category: str, location: str,
    condition: tuple[str, ...] | list[str], seal_number: str, notes: str = "", exam: ExamDetails | None = None,
    phone: PhoneParticulars | None = None, brought_by: Signer | None = None,
) -> ConfiscationReceipt:
    """Record a confiscation. A phone already in the office on the daily cycle becomes the confiscation
    (no second record); otherwise a new custody opens, held in the safe.

    `phone`: its make, model, colour, case, SIM, IMEI and visible damage (kept with the record, sealed with it).
    `brought_by`: the first link of the chain, teacher → office: the confiscating teacher's initials and PIN when
    they are at the desk, or the name of whoever brought it (the office records it); None: the teacher named as
    having confiscated it, as the office records it (or the member of staff at the desk, when it is them)."""
    ctx.require(Permission.CONFISCATE, pupil=found.pupil.id)
    if reason_category not in ctx.settings.confiscation_reasons:
        raise DeskError(f"Choose a reason: {', '.join(ctx.settings.confiscation_reasons)}.")
    if not confiscated_by_name.strip():
        raise DeskError("Record who confiscated the phone (often the teacher, not the person at the desk).")
    if not seal_number.strip():
        raise DeskError("Record the bag or seal number the phone was sealed in.")
    exam_incident = exam is not None or reason_category == EXAM_REASON
    if exam_incident and exam is None:
        raise DeskError("For a phone found in an exam, record the exam board and paper: "
                        "it must be reported to the examining body.")
    if exam is not None:
        exam = _exam_checked(exam, ctx.settings)
    _condition_checked(condition, exam)
    phone = checked(phone, condition=condition)
    teacher = _teacher_to_office(ctx, confiscated_by_name.strip(), brought_by)
    exceptions = exceptions_in_force(pupil_id=found.pupil.id, day=local_today(ctx.clock, ctx.settings.tz))
    for _attempt in range(3):
        try:
            with write_transaction(database_proxy.obj):
                refuse_a_seal_in_use(seal_number, tag_id=found.tag.id)
                ladder = ladder_position(ctx, found.pupil.id)
                today = local_today(ctx.clock, ctx.settings.tz)
                held_until = add_school_days(today, ladder.hold_school_days, ctx.settings)
                now = ctx.clock.now()
                particulars = dict(
                    kind=Kind.CONFISCATED.value, reason_category=reason_category, reason=notes or None,
                    location=location.strip() or None, confiscated_by_name=confiscated_by_name.strip(),
                    exam_incident=exam_incident, held_until=held_until, seal_number=seal_number.strip(),
                    confiscated_at=to_db(now), condition=", ".join(condition) or None,
                )
                # Confiscated phones live in the safe, not the daily boxes.
                safe = next_free_position(SAFE_BOX)
                slot = slot_label(SAFE_BOX, safe)
                extra = {"exam": exam.__dict__ if exam else None, "ladder_rule": ladder.rule,
                         "confiscated_at": now.isoformat(), "phone": phone.as_details() if phone else None,
                         "brought_by": teacher.as_details(), "place": OFFICE_SAFE,
                         "parent_meeting_needed": ladder.parent_meeting}
                where = f" in {location.strip()}" if location.strip() else ""
                first_link = link_payload(from_place=f"{confiscated_by_name.strip()}{where}", to_place=OFFICE_SAFE,
                                          released_by=teacher, received_by=at_the_desk(ctx),
                                          seal=seal_number.strip(), old_seal=None)
                payload = {"link": first_link, "phone": phone.as_details() if phone else None,
                           "reason": reason_category, "by": confiscated_by_name.strip(), "location": location,
                           "seal": seal_number, "condition": list(condition), "exam": exam.__dict__ if exam else None,
                           "held_until": held_until.isoformat(), "count_this_term": ladder.count_this_term}
                open_ = (Custody.select().where((Custody.tag == found.tag.id) & Custody.closed_at.is_null())
                         .first())
                if open_ is not None:
                    # Already in the office on the daily cycle: that record becomes the confiscation (the table
                    # refuses one already confiscated), and the desk is told to move the phone to the safe.
                    moved_from = open_.slot
                    extra["moved_from_slot"] = moved_from
                    # The phone never left the office: its first link is from the daily box to the safe.
                    payload["link"] = link_payload(
                        from_place=f"daily slot {moved_from}" if moved_from else "the daily boxes",
                        to_place=OFFICE_SAFE, released_by=at_the_desk(ctx), received_by=at_the_desk(ctx),
                        seal=seal_number.strip(), old_seal=None)
                    moved = transitions.move(
                        ctx, Move.CONVERT, Current.of(open_), at=now,
                        columns=particulars | {"slot_box": SAFE_BOX, "slot_position": safe,
                                               "details_json": custody_details.merged(open_, **extra)},
                        payload=payload | {"converted_from_daily": True, "slot": slot, "moved_from_slot": moved_from})
                else:
                    moved_from = None
                    moved = transitions.open_record(
                        ctx, Move.CONFISCATE, pupil_id=found.pupil.id, tag_id=found.tag.id, at=now,
                        columns=particulars | {"slot_box": SAFE_BOX, "slot_position": safe,
                                               "details_json": json.dumps(extra, ensure_ascii=False, default=str)},
                        payload=payload | {"converted_from_daily": False, "slot": slot, "moved_from_slot": None})
                receipt = ConfiscationReceipt(
                    custody_id=moved.custody_id, pupil=PupilSummary.of(found.pupil), tag_code=found.tag.code,
                    slot=slot, seal_number=seal_number.strip(), reason_category=reason_category,
                    held_until=held_until, ladder=ladder, converted_from_daily=open_ is not None, at=now,
                    moved_from_slot=moved_from, exceptions=exceptions, phone=phone,
                    condition=", ".join(condition) or None, brought_by=teacher)
                notices.tell_confiscation(ctx, receipt)  # queued with the confiscation, sent later (issue 18)
            return receipt
        except IntegrityError:
            continue  # another desk took this tag or this safe position at the same instant: look again
    raise Conflict("Another desk is handling this phone right now. Try again in a moment.")


def _teacher_to_office(ctx: DeskContext, confiscated_by: str, brought_by: Signer | None) -> Signed:
    """The first link's releasing side: confirmed by the teacher's own PIN when they are here, else named."""
    if brought_by is not None and (brought_by.pin or brought_by.name.strip()):
        return signed_by(ctx, brought_by, purpose="hand a confiscated phone to the office",
                         missing="Record who brought the phone to the office.")
    if confiscated_by.lower() == ctx.who.name.lower():
        return at_the_desk(ctx)
    return Signed(name=confiscated_by, how=NAMED_BY_OFFICE, recorded_by=ctx.who.name)


def record_parent_informed(ctx: DeskContext, custody_id: int, *, how: str, who: str, notes: str = "") -> None:
    """Whether and how the parent or carer was told (phone call, email, letter, notice handed to pupil)."""
    ctx.require(Permission.CONFISCATE, custody=custody_id)
    if not how.strip():
        raise DeskError("Say how the parent or carer was informed (phone call, email, letter…).")
    with write_transaction(database_proxy.obj):
        custody = Custody.get_by_id(custody_id)
        now = ctx.clock.now()
        informed = custody_details.read(custody).get("parent_informed", [])
        informed.append({"how": how.strip(), "who": who.strip(), "at": now.isoformat(), "notes": notes,
                         "by": ctx.who.name})
        Custody.update(details_json=custody_details.merged(custody, parent_informed=informed)).where(
            Custody.id == custody_id).execute()
        append_event(key=ctx.keyring.audit_key, at=now, desk=ctx.desk, staff=ctx.who.staff_id,
                     action="PARENT_INFORMED", pupil=custody.pupil_id, tag=custody.tag_id, custody=custody_id,
                     rows=[sealing.reseal(ctx.keyring.audit_key, Custody, custody_id)],
                     custody_state=custody.state, payload={"how": how.strip(), "who": who.strip()})
