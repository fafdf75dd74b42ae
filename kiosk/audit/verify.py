"""`kiosk audit verify`: checks the chain, the sequence, replays events against the custody table, checks every
sealed row (kiosk/audit/sealed_rows.py), and (given desks' witness files) checks the database still holds every
event those desks saved, unchanged."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peewee import DatabaseProxy, PostgresqlDatabase

from kiosk.audit import witness as witnesses
from kiosk.audit.chain import GENESIS, payload_digest, seal
from kiosk.audit.sealed_rows import RowLedger, check_rows
from kiosk.db.models import AuditHead, Custody, Event, Pupil, slot_label
from kiosk.db.rows import tuples

CLOSING_STATES = {"RETURNED", "RELEASED", "WITH_POLICE", "RETAINED_BY_POLICE", "DESTROYED_BY_POLICE"}


@dataclass
class VerifyReport:
    events_checked: int = 0
    custody_checked: int = 0
    rows_checked: int = 0  # sealed rows (staff, pupils, carers, tags, custody, exceptions, searches, DSL notes)
    rows_note: str | None = None  # e.g. the rows are not sealed yet (a database no desk has opened since v4)
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None
    witness: str | None = None  # what the witness file showed, in a sentence (None: none was checked)
    witness_failed: bool = False  # the database no longer holds what a desk witnessed

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        """The first line of a failed verification: where the chain breaks, or else what was found first (a carer
        row deleted is not "custody records do not match"); the problems follow it, one a line."""
        if self.first_bad_seq is not None:
            return f"AUDIT TRAIL FAILED VERIFICATION: first bad sequence number {self.first_bad_seq}"
        more = len(self.problems) - 1
        rest = f" (and {more} more: all are listed below)" if more > 0 else ""
        return f"AUDIT TRAIL FAILED VERIFICATION: the chain is intact, but {self.problems[0]}{rest}"

    def fail(self, message: str, seq: int | None = None) -> None:
        self.problems.append(message)
        if seq is not None and (self.first_bad_seq is None or seq < self.first_bad_seq):
            self.first_bad_seq = seq


def verify(key: bytes, *, batch: int = 5000, witness: Path | Sequence[Path] | None = None) -> VerifyReport:
    """Checks one consistent snapshot, so desks writing meanwhile never look like tampering. `witness`: a desk's
    witness file, or each desk's (PostgreSQL); every event they saw saved for this school must still be here,
    unchanged (raises WitnessUnreadable)."""
    bound = Event._meta.database  # the proxy, or a database bound with bind_ctx (kiosk migrate)
    db = bound.obj if isinstance(bound, DatabaseProxy) else bound
    if db is None:
        raise RuntimeError("no database is open")
    if isinstance(db, PostgresqlDatabase):
        with db.atomic(isolation_level="REPEATABLE READ"):
            return _verify(key, witness)
    with db.atomic():  # SQLite WAL: the first read of the transaction fixes the snapshot
        return _verify(key, witness)


def _verify(key: bytes, witness: Path | Sequence[Path] | None = None) -> VerifyReport:
    report = VerifyReport()
    files = [] if witness is None else [witness] if isinstance(witness, Path) else list(witness)
    witnessed = _Witnessed.read(key, files)
    prev_chain, expected_seq = GENESIS, 1
    last_state: dict[int, tuple[int, str | None]] = {}
    sealed: dict[int, dict[str, Any]] = {}  # per custody, what its events say the row must hold
    ledger = RowLedger()  # the newest seal each sealed row's events recorded
    erased: list[tuple[int, str, int | None, int | None]] = []  # events whose payload is gone
    last_purge = 0
    query = Event.select().order_by(Event.seq)
    for event in query.iterator():
        report.events_checked += 1
        if event.seq != expected_seq:
            report.fail(f"sequence broken: expected event {expected_seq}, found {event.seq} "
                        f"({event.seq - expected_seq} missing or reordered)", expected_seq)
            expected_seq = event.seq
        if event.payload_json is not None and payload_digest(event.payload_json) != event.payload_hash:
            report.fail(f"event {event.seq}: payload was altered", event.seq)
        expected_chain = seal(
            key, prev_chain, seq=event.seq, at=event.at, desk=event.desk, staff_id=event.staff_id,
            action=event.action, pupil_id=event.pupil_id, tag_id=event.tag_id, custody_id=event.custody_id,
            custody_state=event.custody_state, payload_hash=event.payload_hash, row_seals=event.row_seals,
            session=event.session,
        )
        if expected_chain != event.chain:
            report.fail(f"event {event.seq}: chain does not match (edited, inserted or re-signed)", event.seq)
        ledger.saw(event)
        witnessed.saw(event.seq, event.chain)
        if event.payload_json is None:
            erased.append((event.seq, event.action, event.custody_id, event.pupil_id))
        elif event.action == "PURGED":
            last_purge = event.seq
        if event.custody_id is not None:
            last_state[event.custody_id] = (event.seq, event.custody_state)
            _remember(sealed.setdefault(event.custody_id, {}), event)
        prev_chain, expected_seq = event.chain, event.seq + 1

    head = AuditHead.get_or_none(AuditHead.id == 1)
    last_seq = expected_seq - 1
    if head is None:
        report.fail("the audit head row is missing", last_seq + 1)
    elif head.seq != last_seq or head.chain != prev_chain:
        report.fail(f"the log ends at event {last_seq} but the head records event {head.seq}: "
                    "events were removed from the end", min(head.seq, last_seq) + 1)

    if files:
        witnessed.judge(report, last_seq)

    columns = (Custody.id, Custody.state, Custody.pupil, Custody.tag, Custody.opened_desk, Custody.closed_desk,
               Custody.slot_box, Custody.slot_position, Custody.handed_to)
    for custody in Custody.select(*columns).iterator():
        report.custody_checked += 1
        recorded = last_state.pop(custody.id, None)
        if recorded is None:
            report.fail(f"custody {custody.id} ({custody.state}) has no audit event")
        elif recorded[1] != custody.state:
            # Not a break in the chain itself, so it does not move first_bad_seq.
            report.fail(f"custody {custody.id} is {custody.state} but its last event (seq {recorded[0]}) "
                        f"says {recorded[1]}")
        for problem in _differences(custody, sealed.get(custody.id, {})):
            report.fail(f"custody {custody.id}: {problem}")
    for custody_id, (seq, _state) in sorted(last_state.items()):
        report.fail(f"event {seq} refers to custody {custody_id}, which is missing")
    for problem in _erased_outside_retention(erased, last_purge):
        report.fail(problem)
    rows = check_rows(key, ledger)
    report.rows_checked = rows.checked
    for problem in rows.problems:
        report.fail(problem)
    report.rows_note = rows.note
    return report


# ---- the custody row replayed from its events ---------------------------------------------------------------


def _remember(facts: dict[str, Any], event: Event) -> None:
    """What a custody row must agree with: its events' sealed columns, and their payloads while kept."""
    facts.setdefault("opened_desk", event.desk)  # the desk of its first event opened it
    if event.pupil_id is not None:
        facts["pupil"] = event.pupil_id
    if event.tag_id is not None:
        facts["tag"] = event.tag_id  # as its latest event says (a replaced tag moves the open custody)
    closing = event.custody_state in CLOSING_STATES
    if closing and not facts.get("closed"):
        # Only the move into a closed state names the closing desk: a later note (DSL, disposal) may be
        # made anywhere.
        facts["closed_desk"] = event.desk
    elif not closing and facts.get("closed"):
        # Reopened (returned by the police): no closing desk until the record closes again.
        facts.pop("closed_desk", None)
    facts["closed"] = closing
    payload = _payload(event)
    if payload.get("slot"):  # the slot after this event (a confiscation moves the phone to the safe)
        facts["slot"] = payload["slot"]
    if event.action == "HANDED_BACK":
        facts["handed_to"] = "pupil"
    elif event.action == "RELEASED" and payload.get("collector"):
        facts["handed_to"] = f"{payload['collector']} ({payload.get('relationship')})"  # as release.py writes it


def _payload(event: Event) -> dict[str, Any]:
    if event.payload_json is None:  # erased for retention: only the sealed columns remain
        return {}
    try:
        body = json.loads(event.payload_json)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _differences(custody: Custody, facts: dict[str, Any]) -> list[str]:
    found = []
    checks = [("pupil", custody.pupil_id, "the pupil"), ("tag", custody.tag_id, "the tag"),
              ("opened_desk", custody.opened_desk, "the desk that took it in"),
              ("closed_desk", custody.closed_desk, "the desk that handed it over"),
              ("slot", slot_label(custody.slot_box, custody.slot_position), "the slot")]
    for name, value, words in checks:
        if facts.get(name) is not None and value != facts[name]:
            found.append(f"{words} is {value!r} but its events say {facts[name]!r}")
    # Retention erases who collected (handed_to becomes NULL with the payload); anything else must agree.
    if "handed_to" in facts and custody.handed_to is not None and custody.handed_to != facts["handed_to"]:
        found.append(f"handed to {custody.handed_to!r} but its events say {facts['handed_to']!r}")
    return found


def _erased_outside_retention(erased: list[tuple[int, str, int | None, int | None]], last_purge: int) -> list[str]:
    """A payload may be gone only by a purge (kiosk/privacy/retention.py) after it: the event of a purged record
    (its custody row says so, under its seal) or of a removed leaver, or a sign-in or search event past its time."""
    if not erased:
        return []
    purged = {custody_id for (custody_id,) in tuples(Custody.select(Custody.id)
                                                     .where(Custody.details_json.contains('"purged_at"')))}
    removed = {pupil_id for (pupil_id,) in tuples(Pupil.select(Pupil.id).where(Pupil.mis_id.startswith("removed-")))}
    problems = []
    for seq, action, custody_id, pupil_id in erased:
        covered = seq < last_purge and (custody_id is None or custody_id in purged or pupil_id in removed)
        if not covered:
            problems.append(f"event {seq} ({action}): its details were erased outside retention (no purge "
                            "removed them)")
    return problems


# ---- the witness outside the database -----------------------------------------------------------------------


@dataclass
class _Witnessed:
    """What the desks' witness files saw saved for this school, checked against the events as verify reads them."""

    files: list[Path]
    lines: dict[Path, dict[int, str]]  # per file: seq → chain it saw saved
    others: dict[Path, int]
    wanted: dict[int, list[tuple[str, Path]]]
    held: dict[Path, set[int]] = field(default_factory=dict)  # witnessed seqs found here, per file
    differs: dict[Path, int] = field(default_factory=dict)  # the first witnessed event found changed, per file

    @classmethod
    def read(cls, key: bytes, files: list[Path]) -> _Witnessed:
        histories = {witnesses.school_mark(key)}
        first = Event.select(Event.chain).where(Event.seq == 1).tuples().first() if files else None
        if first is not None:
            histories.add(witnesses.history_of(first[0]))  # lines written before school marks
        lines: dict[Path, dict[int, str]] = {}
        others: dict[Path, int] = {}
        wanted: dict[int, list[tuple[str, Path]]] = {}
        for path in files:
            lines[path], others[path] = witnesses.lines_of(path, histories)
            for seq, chain in lines[path].items():
                wanted.setdefault(seq, []).append((chain, path))
        return cls(files, lines, others, wanted)

    def saw(self, seq: int, chain: str) -> None:
        for witnessed_chain, path in self.wanted.get(seq, ()):
            self.held.setdefault(path, set()).add(seq)
            if witnessed_chain != chain and seq < self.differs.get(path, seq + 1):
                self.differs[path] = seq

    def judge(self, report: VerifyReport, last_seq: int) -> None:
        said = []
        for path in self.files:
            seen = self.lines[path]
            if not seen:
                said.append(f"witness file {path}: it holds nothing for this database (another school's database, "
                            "or this desk has saved nothing here yet), so it proves nothing either way")
                continue
            newest = max(seen)
            missing = sorted(set(seen) - self.held.get(path, set()))
            if missing:
                report.witness_failed = True
                report.fail(f"the database no longer holds event {missing[-1]}, which a desk saved (witness file "
                            f"{path}; the log now ends at event {last_seq}): events were removed, or the database "
                            "was emptied or put back to an older copy", min(missing[0], last_seq + 1))
            if path in self.differs:
                report.witness_failed = True
                seq = self.differs[path]
                report.fail(f"event {seq} is not the event a desk saved (witness file {path}): its chain value "
                            "differs, so the trail up to it was rewritten", seq)
            if not missing and path not in self.differs:
                said.append(f"witness file {path}: the newest event it saw saved, event {newest}, is still here "
                            f"unchanged, as are the {len(seen) - 1} before it that it saw")
        report.witness = "; ".join(said) or None
