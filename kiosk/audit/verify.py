"""`kiosk audit verify`: checks the chain, the sequence, and replays events against the custody table."""

from __future__ import annotations

from dataclasses import dataclass, field

from peewee import PostgresqlDatabase

from kiosk.audit.chain import GENESIS, payload_digest, seal
from kiosk.db.models import AuditHead, Custody, Event


@dataclass
class VerifyReport:
    events_checked: int = 0
    custody_checked: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str, seq: int | None = None) -> None:
        self.problems.append(message)
        if seq is not None and (self.first_bad_seq is None or seq < self.first_bad_seq):
            self.first_bad_seq = seq


def verify(key: bytes, *, batch: int = 5000) -> VerifyReport:
    """Checks one consistent snapshot, so desks writing meanwhile never look like tampering."""
    db = Event._meta.database  # the proxy, or a database bound with bind_ctx (kiosk migrate)
    db = getattr(db, "obj", db)
    if isinstance(db, PostgresqlDatabase):
        with db.atomic(isolation_level="REPEATABLE READ"):
            return _verify(key)
    with db.atomic():  # SQLite WAL: the first read of the transaction fixes the snapshot
        return _verify(key)


def _verify(key: bytes) -> VerifyReport:
    report = VerifyReport()
    prev_chain, expected_seq = GENESIS, 1
    last_state: dict[int, tuple[int, str | None]] = {}
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
            custody_state=event.custody_state, payload_hash=event.payload_hash,
        )
        if expected_chain != event.chain:
            report.fail(f"event {event.seq}: chain does not match (edited, inserted or re-signed)", event.seq)
        if event.custody_id is not None:
            last_state[event.custody_id] = (event.seq, event.custody_state)
        prev_chain, expected_seq = event.chain, event.seq + 1

    head = AuditHead.get_or_none(AuditHead.id == 1)
    last_seq = expected_seq - 1
    if head is None:
        report.fail("the audit head row is missing", last_seq + 1)
    elif head.seq != last_seq or head.chain != prev_chain:
        report.fail(f"the log ends at event {last_seq} but the head records event {head.seq}: "
                    "events were removed from the end", min(head.seq, last_seq) + 1)

    for custody in Custody.select(Custody.id, Custody.state).iterator():
        report.custody_checked += 1
        recorded = last_state.pop(custody.id, None)
        if recorded is None:
            report.fail(f"custody {custody.id} ({custody.state}) has no audit event")
        elif recorded[1] != custody.state:
            # Not a break in the chain itself, so it does not move first_bad_seq.
            report.fail(f"custody {custody.id} is {custody.state} but its last event (seq {recorded[0]}) "
                        f"says {recorded[1]}")
    for custody_id, (seq, _state) in sorted(last_state.items()):
        report.fail(f"event {seq} refers to custody {custody_id}, which is missing")
    return report
