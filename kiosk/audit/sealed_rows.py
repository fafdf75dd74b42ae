"""`kiosk audit verify`'s check of the sealed rows: each row against its own seal, and against the newest seal its
events recorded, worded for the DSL and the IT technician ("carer 12 (for pupil 1003) was added outside the kiosk").

A row whose content no longer matches its seal was changed (or added) in the database by hand. A row whose seal is
good but older than the last one its events recorded was put back to an earlier version. A row its events wrote but
that is not there was deleted. Staff are replayed from their events too (their role as the kiosk last recorded it),
and a PIN hash shared by two accounts is named: it can only have been copied.
"""

from __future__ import annotations

import hmac
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kiosk.audit import rows as sealing
from kiosk.db.models import SEALED_MODELS, Event, Pupil, Staff
from kiosk.db.rows import tuples

MODELS: list[Any] = list(SEALED_MODELS)  # peewee models, typed loosely: each has id and seal

WORDS = {"staff": "staff record", "pupil": "pupil", "carer": "carer", "tag": "tag", "custody": "custody record",
         "phone_exception": "exception", "search": "search record", "dsl_note": "DSL note"}


@dataclass
class RowLedger:
    """What the events say of the sealed rows, gathered as verify walks the trail."""

    latest: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)  # (table, id) → (seal, seq)
    bulk: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # table → (highest id, count, seq)
    roles: dict[int, tuple[str, int]] = field(default_factory=dict)  # staff id → (role its events say, seq)
    started: bool = False  # some event recorded row seals: from then on every row must have one

    def saw(self, event: Event) -> None:
        if event.row_seals:
            self.started = True
            for table, row_id, seal in sealing.parse_tokens(event.row_seals):
                if row_id == "*":
                    highest, _, count = seal.partition(":")
                    self.bulk[table] = (int(highest or 0), int(count or 0), event.seq)
                elif row_id.isdigit():
                    self.latest[(table, int(row_id))] = (seal, event.seq)
        text = event.payload_json
        if text and '"staff_id"' in text and '"role"' in text:  # STAFF_ADDED, and any later change of role
            try:
                body = json.loads(text)
            except ValueError:
                return
            if isinstance(body, dict) and isinstance(body.get("staff_id"), int) and isinstance(body.get("role"), str):
                self.roles[body["staff_id"]] = (body["role"], event.seq)


@dataclass
class RowsChecked:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    note: str | None = None


def check_rows(audit_key: bytes, ledger: RowLedger) -> RowsChecked:
    found = RowsChecked()
    if not ledger.started:
        if any(model.select().where(model.seal.is_null(False)).exists() for model in MODELS):
            # Fail closed: the kiosk sealed these rows, so events recorded their seals; none is left.
            found.problems.append("the records carry the kiosk's seals but no event in the trail recorded any: "
                                  "the audit trail was emptied or replaced outside the kiosk")
            return found
        found.note = ("the records are not sealed yet (a database from before row seals): open it once with the "
                      "kiosk, any command, to seal them")
        return found
    admission: dict[int, str] = dict(tuples(Pupil.select(Pupil.id, Pupil.mis_id)))
    for model in MODELS:
        table = model._meta.table_name
        present: set[int] = set()
        bulk = ledger.bulk.get(table)
        for row in model.select().iterator():
            found.checked += 1
            present.add(row.id)
            what = describe(row, admission)
            content = sealing.seal_of(audit_key, row)
            recorded = ledger.latest.get((table, row.id))
            sealed_ok = row.seal is not None and hmac.compare_digest(row.seal, content)
            if not sealed_ok:
                if row.seal is None and recorded is None and not (bulk and row.id <= bulk[0]):
                    found.problems.append(f"{what} was added outside the kiosk (no kiosk action wrote it)")
                else:
                    found.problems.append(f"{what} was changed outside the kiosk (it no longer matches its seal)")
            elif recorded is not None and recorded[0] == sealing.REMOVED:
                found.problems.append(f"{what} was removed by the kiosk (event {recorded[1]}) but is back: "
                                      "put back outside the kiosk")
            elif recorded is not None and recorded[0] != content:
                found.problems.append(f"{what} was put back to an earlier version outside the kiosk (it is not what "
                                      f"event {recorded[1]} recorded)")
        for (t, row_id), (seal, seq) in sorted(ledger.latest.items()):
            if t == table and seal != sealing.REMOVED and row_id not in present:
                found.problems.append(f"{WORDS.get(table, table)} {row_id} was deleted outside the kiosk "
                                      f"(event {seq} recorded it)")
        if bulk:
            removed_since = sum(1 for (t, row_id), (seal, _) in ledger.latest.items()
                                if t == table and seal == sealing.REMOVED and row_id <= bulk[0])
            still = sum(1 for row_id in present if row_id <= bulk[0])
            if still + removed_since < bulk[1]:
                found.problems.append(f"{bulk[1] - still - removed_since} {WORDS.get(table, table)} record(s) sealed "
                                      f"at event {bulk[2]} were deleted outside the kiosk")
    found.problems += _staff_replayed(ledger)
    return found


def _staff_replayed(ledger: RowLedger) -> list[str]:
    """Staff as their events say: the role last recorded; and no PIN hash shared between two accounts."""
    problems = []
    hashes: Counter[str] = Counter()
    staff = list(Staff.select(Staff.id, Staff.initials, Staff.name, Staff.role, Staff.pin_hash))
    for member in staff:
        hashes[member.pin_hash] += 1
        said = ledger.roles.get(member.id)
        if said is not None and said[0] != member.role:
            problems.append(f"staff record {member.initials} ({member.name}): the role is {member.role} but the "
                            f"kiosk recorded {said[0]} (event {said[1]}): the role was changed outside the kiosk")
    for member in staff:
        if hashes[member.pin_hash] > 1:
            others = [m.initials for m in staff if m.pin_hash == member.pin_hash and m.id != member.id]
            problems.append(f"staff record {member.initials} ({member.name}) has the same PIN hash as "
                            f"{', '.join(others)}: a PIN was copied between accounts outside the kiosk")
    return problems


def describe(row: Any, admission: dict[int, str]) -> str:
    """A row in the school's words: "carer 12 (for pupil 1003)"."""
    table = row._meta.table_name
    if table == "staff":
        return f"staff record {row.initials} ({row.name})"
    if table == "pupil":
        return f"pupil {row.mis_id}"
    pupil = admission.get(getattr(row, "pupil_id", 0), "?")
    if table == "tag":
        return f"tag {row.code} (pupil {pupil})"
    if table in ("carer", "phone_exception"):
        return f"{WORDS[table]} {row.id} (for pupil {pupil})"
    return f"{WORDS.get(table, table)} {row.id} (pupil {pupil})"
