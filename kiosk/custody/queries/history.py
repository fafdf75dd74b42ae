"""A pupil's history in the office's words, newest first; safeguarding stays with the DSL and the head.

For anyone else, each record that was ever on a safeguarding hold is one line (when it began, and "held — refer
to the DSL"), and no event about a hold itself is shown at all. DSL notes are never part of a history. An
examination of a phone's data is shown only to those who may record one (kiosk/custody/examinations.py).

Each link of the chain of custody (the confiscation's teacher → office, on a line of its own beside the confiscation,
and every handover after it) is said in full: from where to where, who gave it and who took it (and how the kiosk
knows), the bag and, resealed, old → new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.clock import as_utc
from kiosk.custody.links import Signed
from kiosk.custody.states import NOT_COLLECTED_AT_CLOSE, REFER_TO_DSL
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Event, Staff
from kiosk.db.rows import tuples
from kiosk.privacy import purged

# Actions about a safeguarding hold itself: only the DSL and the head see them at all.
SAFEGUARDING_ACTIONS = frozenset({"SAFEGUARDING_HOLD", "HOLD_CLEARED", "HANDED_TO_POLICE", "DSL_NOTE_ADDED",
                                  "DSL_NOTES_VIEWED", "RELEASED_FOR_DISPOSAL"})
# An examination of a phone's data, and each reading of it: only for those who may record one.
EXAMINATION_ACTIONS = frozenset({"EXAMINATION_RECORDED", "EXAMINATION_VIEWED"})
EVENT_WORDS = {
    "HANDED_IN": "handed in", "HANDED_BACK": "handed back", "LEFT_UNCOLLECTED": NOT_COLLECTED_AT_CLOSE,
    "CONFISCATED": "confiscated", "PARENT_INFORMED": "parent informed", "RELEASED": "released",
    "SAFEGUARDING_HOLD": "safeguarding hold placed", "HOLD_CLEARED": "safeguarding hold cleared",
    "HANDED_TO_POLICE": "handed to the police", "DSL_NOTE_ADDED": "DSL note added (Holds screen)",
    "DSL_NOTES_VIEWED": "DSL notes read", "SEARCH_RECORDED": "search recorded",
    "EXCEPTION_APPROVED": "exception approved", "TAG_REPLACED": "tag replaced", "LABELS_PRINTED": "label printed",
    "SUBJECT_ACCESS_EXPORTED": "subject access export",
    "PAPER_REPRINTED": "paper reprinted", "REFUSED": "refused (not allowed for that role)",
    "HANDED_OVER": "handed over", "EXAMINATION_RECORDED": "phone's data examined (recorded)",
    "EXAMINATION_VIEWED": "examination record read", "TAG_PHONE_RECORDED": "phone's particulars recorded on the tag",
}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime  # UTC
    what: str
    desk: str
    staff: str  # "" on a line that says only "refer to the DSL"; "command line" for an admin command


def what_happened(action: str, payload: dict[str, Any] | None, *, dsl: bool) -> str:
    """The event in the office's words, with only the particulars the office already works with."""
    what = EVENT_WORDS.get(action, action.replace("_", " ").lower())
    if payload is None:
        return f"{what} · details erased under retention"
    extra: list[str] = []
    if action in ("HANDED_IN", "HANDED_BACK", "LEFT_UNCOLLECTED") and payload.get("slot"):
        extra.append(f"slot {payload['slot']}")
    elif action == "CONFISCATED":
        extra += [str(payload.get("reason") or ""), f"bag {payload['seal']}" if payload.get("seal") else ""]
    elif action == "HANDED_OVER":
        extra += link_words(payload)
    elif action == "PARENT_INFORMED" and payload.get("how"):
        extra.append(str(payload["how"]))
    elif action == "RELEASED" and payload.get("collector"):
        relation = f" ({payload['relationship']})" if payload.get("relationship") else ""
        extra.append(f"to {payload['collector']}{relation}")
    elif action == "SEARCH_RECORDED":
        extra.append("nothing found" if payload.get("nothing_found") else "see the search record")
    elif action == "EXCEPTION_APPROVED" and payload.get("kind"):
        extra.append(str(payload["kind"]))
    elif action == "HANDED_TO_POLICE" and dsl:
        extra += [str(payload.get("force") or ""), f"crime ref {payload.get('crime_reference') or '—'}"]
    return " · ".join([what, *(e for e in extra if e)])


def link_words(link: dict[str, Any], *, seal: bool = True) -> list[str]:
    """A link of the chain in full: "office safe → DSL's office", "bag BAG-0001 → BAG-0002", "given by …",
    "taken by …" (as kiosk/custody/links.py words who signed, and how the kiosk knows it was them)."""
    words = [f"{link.get('from_place') or 'not recorded'} → {link.get('to_place') or 'not recorded'}"]
    new, old = link.get("seal") or "", link.get("old_seal") or ""
    if seal:
        words.append(f"bag {old} → {new}" if old and new and old != new else f"bag {new or old or '—'}")
    for side, words_for in (("released_by", "given by"), ("received_by", "taken by")):
        signed = Signed.from_details(link.get(side) if isinstance(link.get(side), dict) else None)
        words.append(f"{words_for} {signed.words() if signed is not None else 'not recorded'}")
    if link.get("note"):
        words.append(str(link["note"]))
    return words


@storage_guard
def pupil_history(*, pupil_id: int, dsl: bool, examinations: bool | None = None) -> tuple[HistoryLine, ...]:
    """Everything that happened to this pupil's phones, newest first (see the module's note on safeguarding).
    `examinations`: the reader may see examinations of a phone's data (by default, as `dsl`)."""
    examinations = dsl if examinations is None else examinations
    # What retention purged is shown nowhere: its rows and events stay only for the audit chain.
    custodies = list(Custody.select().where((Custody.pupil == pupil_id) & purged.not_purged()))
    gone = purged.purged_ids(pupil_id=pupil_id)
    restricted = set() if dsl else {c.id for c in custodies if c.dsl_flag}
    staff: dict[int, str] = dict(tuples(Staff.select(Staff.id, Staff.name)))
    lines = [HistoryLine(as_utc(c.opened_at), REFER_TO_DSL, "", "") for c in custodies if c.id in restricted]
    for event in Event.select().where(Event.pupil == pupil_id).order_by(Event.seq):
        if event.custody_id in restricted or (not dsl and event.action in SAFEGUARDING_ACTIONS) \
                or (not examinations and event.action in EXAMINATION_ACTIONS) or not purged.shown_event(event, gone):
            continue
        payload = json.loads(event.payload_json) if event.payload_json else None
        by = staff.get(event.staff_id, "") if event.staff_id else "command line"
        first_link = payload.get("link") if event.action == "CONFISCATED" and payload else None
        if isinstance(first_link, dict) and first_link.get("to_place"):
            # The chain's first link (teacher → office, or the daily slot → the safe) on a line of its own, worded
            # as every handover after it; listed above the confiscation it belongs to (newest first).
            lines.append(HistoryLine(as_utc(event.at), what_happened("HANDED_OVER", first_link, dsl=dsl),
                                     event.desk, by))
        lines.append(HistoryLine(as_utc(event.at), what_happened(event.action, payload, dsl=dsl), event.desk, by))
    return tuple(sorted(lines, key=lambda line: line.at, reverse=True))
