"""Retention: erase what the school no longer needs, per record type, and say what was kept and why.

The audit chain seals every event's metadata and the hash of its payload, so a purge erases payloads
(keeping their hashes) and the personal particulars of records, never the chain itself: `kiosk audit verify`
still passes afterwards. Safeguarding and police records are kept until the DSL decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth import SignedIn
from kiosk.auth.roles import Permission
from kiosk.clock import to_db
from kiosk.custody import details as custody_details
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.custody.states import Kind
from kiosk.db.connection import write_transaction
from kiosk.db.models import (
    Carer,
    Custody,
    DslNote,
    Event,
    Examination,
    HoldConcern,
    OutboxMessage,
    Pupil,
    Search,
    Tag,
    database_proxy,
)
from kiosk.db.rows import tuples
from kiosk.mail.outbox import MessageState
from kiosk.privacy import at_rest, purged
from kiosk.privacy.at_rest import ERASED
from kiosk.privacy.scrub import overwriting

SIGN_IN_ACTIONS = ("SIGNED_IN", "SIGN_IN_FAILED", "SIGNED_OUT", "PIN_CONFIRMED", "PIN_CONFIRM_FAILED",
                   "ACCOUNT_LOCKED", "ACCOUNT_UNLOCKED")


@dataclass
class PurgeReport:
    dry_run: bool
    removed: dict[str, int] = field(default_factory=dict)
    kept: dict[str, tuple[int, str]] = field(default_factory=dict)  # what: (count, why)

    def lines(self) -> list[str]:
        head = "Would remove" if self.dry_run else "Removed"
        out = [f"{head}:"] + [f"  {what}: {n}" for what, n in self.removed.items()]
        out += ["Kept:"] + [f"  {what}: {n} — {why}" for what, (n, why) in self.kept.items()]
        return out


def _cutoffs(ctx: DeskContext) -> dict[str, datetime | date]:  # the leavers' cut-off is a day
    now = ctx.clock.now()
    s = ctx.settings
    return {"daily": to_db(now - timedelta(weeks=s.retain_daily_weeks)),
            "confiscation": to_db(now - timedelta(days=365 * s.retain_confiscation_years)),
            "sign_in": to_db(now - timedelta(weeks=s.retain_sign_in_weeks)),
            "leaver": (now - timedelta(days=365 * s.retain_leaver_years)).date()}


def _already_purged(custody: Custody) -> bool:
    return purged.is_purged(custody)


def purge(ctx: DeskContext, *, dry_run: bool, actor: SignedIn | None = None) -> PurgeReport:
    """Apply the retention policy. `actor`: who ran it (an admin authorised at the command line); None: the
    context's signed-in person. The purge is itself an audited event naming them; what it removes is gone from
    every view (kiosk/privacy/purged.py) while the chain stays verifiable."""
    if actor is not None:
        ctx = replace(ctx, who=actor)
    ctx.require(Permission.MANAGE_STAFF)
    cut = _cutoffs(ctx)
    report = PurgeReport(dry_run=dry_run)
    stamp = purged.stamp(ctx.clock.now())
    # In SQLite what is erased is overwritten, not only unlinked, and the WAL emptied after (kiosk/privacy/scrub.py).
    with overwriting(database_proxy.obj), write_transaction(database_proxy.obj):
        daily = [c for c in Custody.select().where((Custody.kind == Kind.DAILY) & (Custody.closed_at < cut["daily"]))
                 if not _already_purged(c)]
        closed_confiscations = list(Custody.select().where((Custody.kind == Kind.CONFISCATED)
                                                           & (Custody.closed_at < cut["confiscation"])))
        protected = [c for c in closed_confiscations if c.dsl_flag and not custody_details.read(c).get("dsl_disposal")]
        confiscations = [c for c in closed_confiscations if c not in protected and not _already_purged(c)]
        open_holds = Custody.select().where(Custody.closed_at.is_null() & Custody.dsl_flag).count()
        searches = list(Search.select().where((Search.at < cut["confiscation"]) & (Search.grounds != ERASED)))
        sign_in_events = (Event.select(Event.seq).where(Event.action.in_(SIGN_IN_ACTIONS) & (Event.at < cut["sign_in"])
                                                        & Event.payload_json.is_null(False)))
        custody_ids = [c.id for c in daily + confiscations]
        report.removed = {"daily hand-in records": len(daily), "confiscation records": len(confiscations),
                          "search records": len(searches), "sign-in records": sign_in_events.count()}
        report.kept = {"safeguarding and police records": (len(protected) + open_holds,
                                                           "kept until the DSL decides they may go"),
                       "records still within their retention period": (
                           Custody.select().where(Custody.closed_at >= cut["daily"]).count(),
                           f"daily {ctx.settings.retain_daily_weeks} weeks, confiscations and searches "
                           f"{ctx.settings.retain_confiscation_years} years"),
                       "phones still in the school's hands": (Custody.select().where(Custody.closed_at.is_null())
                                                              .count(), "open records are never removed")}
        leavers = _leavers_to_remove(cut["leaver"])
        report.removed["leavers' names and contacts"] = len(leavers)
        # What a purged record's rows of schema 8–9 held go with it: its examinations (who looked at what, what was
        # erased), the kind of concern of a hold the DSL released for disposal, and its messages' addresses and
        # words. Also for a record an older kiosk purged before these were erased.
        gone = sorted(set(custody_ids) | {c for (c,) in tuples(Custody.select(Custody.id).where(~purged.not_purged()))})
        examinations = _ids_of(Examination, gone)
        concerns = _ids_of(HoldConcern, gone)
        messages, waiting = _messages_to_erase(gone, before=cut["confiscation"])
        report.removed |= {"examinations of a phone's data": len(examinations),
                           "kinds of safeguarding concern": len(concerns),
                           "messages to carers and staff": len(messages)}
        if waiting:
            report.kept["messages still waiting to be sent"] = (waiting, "erased once sent or failed")
        if dry_run:
            return report
        key = ctx.keyring.audit_key
        sealed: list[str] = []  # every row purged, resealed or named as removed by the PURGED event (audit/rows.py)
        for chunk in _chunks(custody_ids):
            Event.update(payload_json=None).where(Event.custody.in_(chunk)).execute()
            Custody.update(handed_to=None, condition=None, reason=None, location=None, confiscated_by_name=None,
                           seal_number=None, details_json=stamp).where(Custody.id.in_(chunk)).execute()
            sealed += sealing.reseal_many(key, Custody, chunk)
            sealed += sealing.removed(DslNote, [n for (n,) in tuples(DslNote.select(DslNote.id)
                                                                     .where(DslNote.custody.in_(chunk)))])
            DslNote.delete().where(DslNote.custody.in_(chunk)).execute()
        for model, ids in ((Examination, examinations), (HoldConcern, concerns)):
            for chunk in _chunks(ids):
                sealed += sealing.removed(model, chunk)
                model.delete().where(model.id.in_(chunk)).execute()
        for chunk in _chunks(messages):
            OutboxMessage.update(recipient="", recipient_name="", mobile=None, subject=ERASED, body=ERASED,
                                 attachment_json=None, answer=None).where(OutboxMessage.id.in_(chunk)).execute()
        for chunk in _chunks([s.id for s in searches]):
            Search.update(grounds=ERASED, found=ERASED, searched_by_name=ERASED, authorised_by_name=ERASED
                          ).where(Search.id.in_(chunk)).execute()
            sealed += sealing.reseal_many(key, Search, chunk)
            Event.update(payload_json=None).where((Event.action == "SEARCH_RECORDED")
                                                  & Event.pupil.in_([s.pupil_id for s in searches])
                                                  & (Event.at < cut["confiscation"])).execute()
        Event.update(payload_json=None).where(Event.seq.in_(sign_in_events)).execute()
        for chunk in _chunks([p.id for p in leavers]):
            sealed += sealing.removed(Carer, [c for (c,) in tuples(Carer.select(Carer.id)
                                                                   .where(Carer.pupil.in_(chunk)))])
            Carer.delete().where(Carer.pupil.in_(chunk)).execute()
            Tag.update(status="retired", device=None).where(Tag.pupil.in_(chunk)).execute()
            sealed += sealing.reseal_many(key, Tag, [t for (t,) in tuples(Tag.select(Tag.id)
                                                                          .where(Tag.pupil.in_(chunk)))])
            for pid in chunk:
                Pupil.update(legal_forename="Removed", legal_surname=f"pupil {pid}", preferred_forename=None,
                             preferred_surname=None, upn=None, mis_id=f"removed-{pid}", search_name="").where(
                    Pupil.id == pid).execute()
            sealed += sealing.reseal_many(key, Pupil, chunk)
            Event.update(payload_json=None).where(Event.pupil.in_(chunk)).execute()
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="PURGED", payload={"by": f"{ctx.who.name} ({ctx.who.initials})",
                                               "removed": report.removed,
                                               "kept": {k: v[0] for k, v in report.kept.items()}}, rows=sealed)
    return report


def _ids_of(model: Any, custody_ids: list[int]) -> list[int]:
    found: list[int] = []
    for chunk in _chunks(custody_ids):
        found += [row_id for (row_id,) in tuples(model.select(model.id).where(model.custody.in_(chunk)))]
    return found


def _messages_to_erase(custody_ids: list[int], *, before: datetime | date) -> tuple[list[int], int]:
    """The messages whose words and addresses go (those of purged records, and any about no record that is past the
    confiscation period), and how many of them are kept because they are still waiting to be sent."""
    finished = (MessageState.SENT.value, MessageState.FAILED.value, MessageState.WITHHELD.value)
    kept = OutboxMessage.body != ERASED
    candidates: list[tuple[int, str]] = []
    for chunk in _chunks(custody_ids):
        candidates += list(tuples(OutboxMessage.select(OutboxMessage.id, OutboxMessage.state)
                                  .where(OutboxMessage.custody.in_(chunk) & kept)))
    candidates += list(tuples(OutboxMessage.select(OutboxMessage.id, OutboxMessage.state)
                              .where(OutboxMessage.custody.is_null() & (OutboxMessage.created_at < before) & kept)))
    return [i for i, state in candidates if state in finished], sum(1 for _, state in candidates
                                                                    if state not in finished)


def _leavers_to_remove(before: date) -> list[Pupil]:
    candidates = list(Pupil.select().where((Pupil.active == False) & (Pupil.left_on < before)  # noqa: E712
                                           & ~Pupil.mis_id.startswith("removed-")))
    keep = {c.pupil_id for c in Custody.select(Custody.pupil).where(Custody.closed_at.is_null() | Custody.dsl_flag)}
    return [p for p in candidates if p.id not in keep]


def release_for_disposal(ctx: DeskContext, custody_id: int, *, reason: str) -> None:
    """The DSL's decision that a safeguarding or police record may now follow the normal retention rule."""
    ctx.require(Permission.CLEAR_HOLD, custody=custody_id)
    if not reason.strip():
        raise DeskError("Give the reason the record may now be disposed of.")
    with write_transaction(database_proxy.obj):
        custody = Custody.get_by_id(custody_id)
        if custody.closed_at is None:
            raise DeskError("The phone is still in the school's hands: close the record first.")
        Custody.update(details_json=custody_details.merged(custody, dsl_disposal={
            "by": ctx.who.name, "at": ctx.clock.now().isoformat()})).where(Custody.id == custody_id).execute()
        # The note's text encrypted at rest (kiosk/privacy/at_rest.py) before it is sealed and its event written.
        note = DslNote.create(custody=custody_id, pupil=custody.pupil_id, at=to_db(ctx.clock.now()),
                              author=ctx.who.staff_id, text="")
        at_rest.protect(note, key=ctx.keyring.notes_key, text=f"Released for disposal: {reason.strip()}")
        key = ctx.keyring.audit_key
        append_event(key=key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="RELEASED_FOR_DISPOSAL", pupil=custody.pupil_id, custody=custody_id,
                     custody_state=custody.state, payload={},
                     rows=[sealing.reseal(key, Custody, custody_id), sealing.reseal(key, DslNote, note.id)])


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


__all__ = ["ERASED", "PurgeReport", "purge", "release_for_disposal"]
