"""A school year of invented data for the benchmarks: 2,000 pupils, ~190 school days, ~400,000 audit events.

The roll, staff and exceptions go in through the kiosk's own functions (import_roster, add_staff,
add_exception). The year's activity — hand-ins, hand-backs, phones left overnight, confiscations with
releases, safeguarding holds, sign-ins — is simulated in memory in time order and written with bulk inserts,
each event sealed with kiosk.audit.chain exactly as append_event seals it (canonical JSON payload, its
SHA-256, contiguous sequence numbers, the HMAC chain, the audit head updated at the end). The result is then
checked with kiosk.audit.verify, which replays every event against the custody table.

The built file is cached under bench/out/, keyed by VERSION, the generator's parameters and the schema
version, so repeated runs reuse it. Run `python -m bench.yeardata [--quick] [--rebuild]` to build it alone.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import heapq
import json
import random
import shutil
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from bench.common import OUT
from kiosk.audit.chain import canonical_json, payload_digest, seal
from kiosk.audit.rows import seal_values
from kiosk.config import Settings
from kiosk.custody.terms import add_school_days, escalation_step, is_school_day, term_containing
from kiosk.db.migrations import LATEST as SCHEMA_VERSION
from kiosk.db.models import Custody, DslNote, slot_label

# Bump when the generator changes what it writes: the cached database is rebuilt.
VERSION = "year-v3"  # v3: custody rows and DSL notes carry their row seals (kiosk/audit/rows.py)

SCHOOL = "Hillcrest Academy"
DESKS = ("Reception 1", "Reception 2")
# Invented staff: name, initials, role, PIN. The first four work the desks (B8 runs one desk each).
STAFF = [
    ("Dana Morgan", "DM", "office", "246810"),
    ("Ann Adams", "AA", "office", "482913"),
    ("Bea Cole", "BC", "office", "573920"),
    ("Raj Iyer", "RI", "office", "680417"),
    ("Alex Rivers", "AR", "admin", "135790"),
    ("Priya Shah", "PS", "dsl", "864209"),
    ("Jo Patel", "JP", "head", "591730"),
    ("Tom Ellis", "TE", "teacher", "975310"),
]
TEACHERS = ["Mr T. Ellis", "Mrs K. Lowe", "Ms R. Okoro", "Mr D. Byrne", "Miss H. Wren", "Mr S. Qureshi"]
LOCATIONS = ["Maths block", "Science lab 3", "Lunch hall", "Corridor, Humanities", "Library", "Field", "PE changing"]
CONDITIONS = [("switched off", "in a case"), ("screen cracked", "switched on"), ("in a case", "SIM present"),
              ("switched on",), ("back cracked", "in a case", "switched off")]
EXAMS = [("AQA", "8300/1H"), ("Edexcel", "1MA1/2F"), ("OCR", "J260/03"), ("AQA", "8700/2")]

EVENT_COLUMNS = ("seq", "at", "desk", "staff_id", "action", "pupil_id", "tag_id", "custody_id", "custody_state",
                 "payload_json", "payload_hash", "chain")


@dataclass(frozen=True)
class YearSpec:
    pupils: int = 2000
    days: int = 190
    confiscations: int = 1000
    safeguarding: int = 6
    owner_share: float = 0.58  # pupils who bring a phone to school at all
    bring_rate: float = 0.9  # …and bring it on a given day
    uncollected_rate: float = 0.004  # phones nobody collects by close of day
    exceptions: int = 13  # approved exceptions (medical, young carer): those pupils keep their phones
    seed: int = 2026

    def cache_key(self, schema: str) -> str:
        return (f"{VERSION}-schema{SCHEMA_VERSION}.{schema}-p{self.pupils}-d{self.days}-c{self.confiscations}"
                f"-g{self.safeguarding}-s{self.seed}")


def schema_fingerprint() -> str:
    """A short hash of the schema the kiosk creates today (tables, columns, indexes), so a cached year built
    for an older schema is never reused, even when a migration is edited in place during development."""
    from kiosk.db import open_database

    with tempfile.TemporaryDirectory() as folder:
        db = open_database(str(Path(folder) / "schema.db"))
        rows = db.execute_sql("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        db.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:8]


FULL = YearSpec()
QUICK = YearSpec(pupils=80, days=6, confiscations=8, safeguarding=2, exceptions=2)


@dataclass
class YearDb:
    path: Path  # the cached database: copy it before writing to it
    key_path: Path
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def bench_day(self) -> date:
        """The school day after the year's data: the benchmarks' 'today' for new hand-ins."""
        return date.fromisoformat(self.meta["bench_day"])

    @property
    def last_day(self) -> date:
        return date.fromisoformat(self.meta["last_day"])

    def copy_to(self, dest: Path) -> Path:
        """A private copy to write to (the cache file is closed and checkpointed, so a file copy is safe)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{dest}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.path, dest)
        return dest


def settings() -> Settings:
    return Settings(school_name=SCHOOL, desk=DESKS[0])


def school_days(count: int, s: Settings) -> list[date]:
    """The first `count` school days of the configured year (then weekdays, if the terms run out)."""
    first = min(date.fromisoformat(a) for a, _ in s.terms)
    last = max(date.fromisoformat(b) for _, b in s.terms)
    days, day = [], first
    while len(days) < count:
        if (is_school_day(day, s) if day <= last else day.weekday() < 5):
            days.append(day)
        day += timedelta(days=1)
    return days


def _next(day: date, s: Settings) -> date:
    last = max(date.fromisoformat(b) for _, b in s.terms)
    day += timedelta(days=1)
    while not (is_school_day(day, s) if day <= last else day.weekday() < 5):
        day += timedelta(days=1)
    return day


def load_or_build(spec: YearSpec = FULL, *, out: Path = OUT, rebuild: bool = False,
                  say: Callable[[str], None] = print) -> YearDb:
    out.mkdir(parents=True, exist_ok=True)
    key = spec.cache_key(schema_fingerprint())
    # Several engineers share this machine and bench/out: two runs building the same year at once each
    # rewrote the other's key file and half-built database, and the build failed verification. One builds;
    # the other waits on this lock and then finds the cache ready.
    with (out / f".{key}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("  another benchmark run is building or reading this year's cache: waiting for it…")
            fcntl.flock(lock, fcntl.LOCK_EX)
        return _load_or_build_locked(spec, key, out, rebuild, say)


def _load_or_build_locked(spec: YearSpec, key: str, out: Path, rebuild: bool,
                          say: Callable[[str], None]) -> YearDb:
    path, key_path, meta_path = out / f"{key}.db", out / f"{key}.key", out / f"{key}.json"
    if not rebuild and path.exists() and key_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("verify", {}).get("ok"):
            return YearDb(path, key_path, meta)
    say(f"building the year database {path.name} (cached for later runs)…")
    suffix = key.split("-p", 1)[1]
    for old in out.glob(f"year-*-p{suffix}.*"):  # the same year built for an older generator or schema
        if not old.name.startswith(key + "."):
            old.unlink(missing_ok=True)
    for stale in (path, key_path, meta_path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    building = out / f".building-{key}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    meta = _build(spec, building, key_path, say)
    building.rename(path)
    meta_path.write_text(json.dumps(meta, indent=2))
    return YearDb(path, key_path, meta)


# ── building ───────────────────────────────────────────────────────────────────────────────────────────


def _build(spec: YearSpec, path: Path, key_path: Path, say: Callable[[str], None]) -> dict[str, Any]:
    from kiosk.auth import SignedIn, add_staff
    from kiosk.clock import FixedClock
    from kiosk.custody import DeskContext
    from kiosk.custody.exceptions import add_exception
    from kiosk.db import Staff, open_database
    from kiosk.demo import write_demo_roster
    from kiosk.keyring import create_key_file
    from kiosk.roster import import_roster

    t0 = time.perf_counter()
    s = settings()
    days = school_days(spec.days, s)
    tz = s.tz
    clock = FixedClock(datetime.combine(days[0] - timedelta(days=1), dtime(9, 0), tzinfo=tz))
    keyring = create_key_file(key_path)

    # The roll and the staff, through the kiosk's own functions.
    db = open_database(str(path))  # a cache file, not a desk: no witness
    for name, initials, role, pin in STAFF:
        add_staff(keyring=keyring, clock=clock, desk=DESKS[0], name=name, initials=initials, role=role, pin=pin)
    staff = {st.initials: st.id for st in Staff.select()}
    with tempfile.TemporaryDirectory() as folder:
        pupils_csv, carers_csv = write_demo_roster(Path(folder), spec.pupils, seed=spec.seed)
        import_roster(pupils_csv, carers_csv, clock=clock, audit_key=keyring.audit_key, desk=DESKS[0],
                      staff_id=staff["AR"], dry_run=False, tz=tz)
    admin = SignedIn(staff_id=staff["AR"], name="Alex Rivers", initials="AR", role="admin", desk=DESKS[0])
    rng = random.Random(spec.seed)
    pupil_ids = [row[0] for row in db.execute_sql("SELECT id FROM pupil ORDER BY id").fetchall()]
    excepted = rng.sample(pupil_ids, min(spec.exceptions, len(pupil_ids)))
    for n, pupil_id in enumerate(excepted):
        kind, notes = (("medical", "glucose monitor app"), ("young carer", "contact with a parent at lunch"))[n % 2]
        add_exception(DeskContext(keyring, clock, s, admin), pupil_id=pupil_id, kind=kind, valid_from=days[0],
                      valid_to=None, agreement_ref=f"EXC-{n + 1:03d}", notes=notes,
                      approved_by_name="Jo Patel (head)")
    db.close()
    say(f"  roll of {spec.pupils} pupils imported ({time.perf_counter() - t0:.1f} s); simulating {len(days)} days…")

    # The year, written directly.
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")  # checked as a whole at the end
    conn.execute("PRAGMA synchronous = OFF")  # building a cache file, not recording real hand-ins
    conn.execute("BEGIN")
    # The kiosk's own indexes on the two big tables, dropped for the load and rebuilt from their exact SQL
    # (sorted builds are several times faster than maintaining them row by row; the unique ones re-check).
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           "AND tbl_name IN ('event', 'custody')").fetchall()
    for name, _sql_text in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    year = _Year(conn, keyring.audit_key, spec, s, staff, set(excepted), rng)
    for day in days:
        year.run_day(day)
        year.flush(final=False)
    year.flush(final=True)
    for _name, sql_text in indexes:
        conn.execute(sql_text)
    conn.execute("COMMIT")
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the generated year has broken references, e.g. {broken[:3]}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    simulated = time.perf_counter() - t0
    say(f"  {year.seq - year.first_seq + 1:,} events written ({simulated:.1f} s); verifying the audit chain…")

    # Check the result with the kiosk's own verifier (chain, sequence, replay against the custody table).
    from kiosk.audit import verify

    db = open_database(str(path))  # a cache file, not a desk: no witness
    t1 = time.perf_counter()
    report = verify(keyring.audit_key)
    verify_seconds = time.perf_counter() - t1
    counts = {table: db.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
              for table in ("pupil", "tag", "carer", "custody", "event", "dsl_note", "phone_exception")}
    counts["confiscations"] = year.confiscations
    counts["safeguarding_holds"] = year.holds
    counts["open_custodies"] = db.execute_sql("SELECT COUNT(*) FROM custody WHERE closed_at IS NULL").fetchone()[0]
    db.close()
    if not report.ok:
        raise RuntimeError(f"kiosk.audit.verify rejects the generated year: {report.problems[:3]}")
    say(f"  verified {report.events_checked:,} events and {report.custody_checked:,} custodies "
        f"({verify_seconds:.1f} s)")
    return {
        "version": VERSION, "schema": SCHEMA_VERSION, "spec": asdict(spec), "school": SCHOOL,
        "first_day": days[0].isoformat(), "last_day": days[-1].isoformat(),
        "bench_day": _next(days[-1], s).isoformat(), "school_days": len(days),
        "counts": counts, "staff": [{"initials": i, "role": r, "pin": p} for _n, i, r, p in STAFF],
        "verify": {"ok": report.ok, "events_checked": report.events_checked,
                   "custody_checked": report.custody_checked, "seconds": round(verify_seconds, 2)},
        "build_seconds": round(time.perf_counter() - t0, 1),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _sql(value: Any) -> Any:
    """Values as peewee stores them in SQLite (datetimes as isoformat with a space, booleans as 0/1)."""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class _Year:
    """The year in time order: each school day is a heap of timed actions that change custody and seal events."""

    def __init__(self, conn: sqlite3.Connection, key: bytes, spec: YearSpec, s: Settings, staff: dict[str, int],
                 excepted: set[int], rng: random.Random) -> None:
        self.conn, self.key, self.spec, self.s, self.staff, self.rng = conn, key, spec, s, staff, rng
        self.tz = s.tz
        seq, chain = conn.execute("SELECT seq, chain FROM audit_head WHERE id = 1").fetchone()
        self.seq, self.chain, self.first_seq = seq, chain, seq + 1
        self.pupils = conn.execute(
            "SELECT p.id, p.form, t.id, t.code FROM pupil p JOIN tag t ON t.pupil_id = p.id AND t.status = 'active' "
            "ORDER BY p.id").fetchall()
        self.carer = {}
        for pupil_id, carer_id, name, relationship, pr in conn.execute(
                "SELECT pupil_id, id, name, relationship, parental_responsibility FROM carer "
                "ORDER BY pupil_id, parental_responsibility DESC, priority"):
            self.carer.setdefault(pupil_id, (carer_id, name, relationship or "", bool(pr)))
        self.owners = [p for p in self.pupils if p[0] not in excepted and rng.random() < spec.owner_share]
        self.custody_columns = [row[1] for row in conn.execute("PRAGMA table_info(custody)")]
        self.next_custody = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM custody").fetchone()[0]) + 1
        self.open: dict[int, dict[str, Any]] = {}  # tag id → custody row (open)
        self.slots: dict[str, set[int]] = defaultdict(set)
        self.events: list[tuple] = []
        self.closed: list[tuple] = []
        self.notes: list[tuple] = []
        self.term_counts: dict[tuple[date, int], int] = defaultdict(int)
        self.later: dict[date, list[tuple[dtime, Callable, tuple]]] = defaultdict(list)
        self.confiscations = self.holds = 0
        self.days_done = 0
        total_days = spec.days
        self.per_day = [0] * total_days
        for _ in range(spec.confiscations):
            self.per_day[rng.randrange(total_days)] += 1
        # Which confiscations become safeguarding holds, spread over the year, and how each ends.
        every = max(1, spec.confiscations // max(1, spec.safeguarding))
        self.hold_at = {every // 2 + n * every: ("police", "cleared", "open")[n % 3] for n in range(spec.safeguarding)}

    # ── events and rows ──
    def emit(self, at: datetime, desk: str, staff: int | None, action: str, *, pupil: int | None = None,
             tag: int | None = None, custody: int | None = None, state: str | None = None,
             payload: dict[str, Any] | None = None) -> None:
        """Exactly what kiosk.audit.append_event writes."""
        self.seq += 1
        body = canonical_json(payload or {})
        digest = payload_digest(body)
        self.chain = seal(self.key, self.chain, seq=self.seq, at=at, desk=desk, staff_id=staff, action=action,
                          pupil_id=pupil, tag_id=tag, custody_id=custody, custody_state=state, payload_hash=digest)
        self.events.append((self.seq, at.isoformat(" "), desk, staff, action, pupil, tag, custody, state, body,
                            digest, self.chain))

    def utc(self, day: date, hh: int, mm: int, plus_seconds: float = 0.0) -> datetime:
        local = datetime.combine(day, dtime(hh, mm), tzinfo=self.tz) + timedelta(seconds=plus_seconds)
        return local.astimezone(UTC).replace(tzinfo=None)

    def free_slot(self, box: str) -> int:
        used, position = self.slots[box], 1
        while position in used:
            position += 1
        used.add(position)
        return position

    def open_custody(self, row: dict[str, Any]) -> dict[str, Any]:
        row["id"] = self.next_custody
        self.next_custody += 1
        self.open[row["tag_id"]] = row
        return row

    def close_custody(self, row: dict[str, Any]) -> None:
        del self.open[row["tag_id"]]
        self.slots[row["slot_box"]].discard(row["slot_position"])
        self.closed.append(self.custody_row(row))

    def custody_row(self, row: dict[str, Any]) -> tuple:
        """The row as the kiosk stores it, with the seal the kiosk would have written (kiosk/audit/rows.py)."""
        values = {c: _sql(row.get(c)) for c in self.custody_columns if c != "seal"}
        values["seal"] = seal_values(self.key, Custody, row["id"], values)
        return tuple(values.get(c) for c in self.custody_columns)

    def seal_notes(self) -> None:
        columns = [row[1] for row in self.conn.execute("PRAGMA table_info(dsl_note)")]
        notes = [dict(zip(columns, row, strict=True)) for row in self.conn.execute("SELECT * FROM dsl_note")]
        self.conn.executemany("UPDATE dsl_note SET seal = ? WHERE id = ?",
                              [(seal_values(self.key, DslNote, n["id"], n), n["id"]) for n in notes])

    def flush(self, *, final: bool) -> None:
        if final:
            self.closed += [self.custody_row(r) for r in self.open.values()]
        if final or len(self.events) > 20000:
            marks = ",".join("?" * len(EVENT_COLUMNS))
            self.conn.executemany(f"INSERT INTO event ({','.join(EVENT_COLUMNS)}) VALUES ({marks})", self.events)
            self.events.clear()
            self.closed.sort()
            marks = ",".join("?" * len(self.custody_columns))
            self.conn.executemany(f"INSERT INTO custody ({','.join(self.custody_columns)}) VALUES ({marks})",
                                  self.closed)
            self.closed.clear()
        if final:
            self.conn.executemany("INSERT INTO dsl_note (custody_id, pupil_id, at, author_id, text) "
                                  "VALUES (?, ?, ?, ?, ?)", self.notes)
            self.seal_notes()
            self.conn.execute("UPDATE audit_head SET seq = ?, chain = ? WHERE id = 1", (self.seq, self.chain))

    # ── one school day ──
    def run_day(self, day: date) -> None:
        rng, heap, counter = self.rng, [], iter(range(10**9))

        def push(at: datetime, fn: Callable, *args: Any) -> None:
            heapq.heappush(heap, (at, next(counter), fn, args))

        self.push = push
        for n, (desk, who) in enumerate(zip(DESKS, ("DM", "AA"), strict=True)):
            push(self.utc(day, 7, 38, n * 40), self.sign_in, desk, who)
            push(self.utc(day, 17, 35, n * 20), self.sign_out, desk, who)
        for owner in self.owners:
            if owner[2] not in self.open and rng.random() < self.spec.bring_rate:
                push(self.utc(day, 7, 45, rng.uniform(0, 55 * 60)), self.hand_in, owner, rng.choice(DESKS))
        for _ in range(self.per_day[self.days_done]):
            push(self.utc(day, 9, 0, rng.uniform(0, 5.5 * 3600)), self.confiscate, day)
        for row in list(self.open.values()):
            if row.get("_release_on") and row["_release_on"] <= day and row["state"] == "HELD_FOR_PARENT":
                push(self.utc(day, 15, 30, rng.uniform(0, 110 * 60)), self.release, row)
        for at, fn, args in self.later.pop(day, []):
            push(self.utc(day, at.hour, at.minute, rng.uniform(0, 600)), fn, *args)
        push(self.utc(day, 15, 4), self.plan_hand_backs, day)
        push(self.utc(day, 17, 30), self.close_day, day)
        while heap:
            at, _n, fn, args = heapq.heappop(heap)
            fn(at, *args)
        self.days_done += 1

    def sign_in(self, at: datetime, desk: str, who: str) -> None:
        self.emit(at, desk, self.staff[who], "SIGNED_IN", payload={"initials": who, "purpose": None})

    def sign_out(self, at: datetime, desk: str, who: str) -> None:
        self.emit(at, desk, self.staff[who], "SIGNED_OUT", payload={"reason": "locked"})

    def hand_in(self, at: datetime, pupil: tuple, desk: str) -> None:
        pupil_id, form, tag_id, code = pupil
        if tag_id in self.open:
            return
        position = self.free_slot(form)
        who = self.staff["DM" if desk == DESKS[0] else "AA"]
        row = self.open_custody({
            "tag_id": tag_id, "pupil_id": pupil_id, "kind": "daily", "state": "IN_OFFICE", "slot_box": form,
            "slot_position": position, "opened_at": at, "opened_by_id": who, "opened_desk": desk,
            "dsl_flag": False, "state_changed_at": at, "exam_incident": False,
        })
        r = self.rng.random()
        via = "tag" if r < 0.96 else ("admission number" if r < 0.99 else "name search")
        self.emit(at, desk, who, "HANDED_IN", pupil=pupil_id, tag=tag_id, custody=row["id"], state="IN_OFFICE",
                  payload={"slot": slot_label(form, position), "via": via, "code": code})

    def plan_hand_backs(self, at: datetime, day: date) -> None:
        rng = self.rng
        for row in list(self.open.values()):
            # Today's phones go home unless forgotten; last night's are collected nine times in ten.
            collected = {"IN_OFFICE": 1 - self.spec.uncollected_rate, "UNCOLLECTED": 0.9}.get(row["state"], 0)
            if rng.random() < collected:
                self.push(self.utc(day, 15, 5, rng.uniform(0, 40 * 60)), self.hand_back, row)

    def hand_back(self, at: datetime, row: dict[str, Any]) -> None:
        if row["state"] not in ("IN_OFFICE", "UNCOLLECTED") or self.open.get(row["tag_id"]) is not row:
            return
        desk = self.rng.choice(DESKS)
        who = self.staff["DM" if desk == DESKS[0] else "AA"]
        from_state = row["state"]
        row.update(state="RETURNED", closed_at=at, closed_by_id=who, closed_desk=desk, handed_to="pupil",
                   state_changed_at=at)
        self.close_custody(row)
        self.emit(at, desk, who, "HANDED_BACK", pupil=row["pupil_id"], tag=row["tag_id"], custody=row["id"],
                  state="RETURNED", payload={"slot": slot_label(row["slot_box"], row["slot_position"]),
                                             "via": "tag", "from_state": from_state})

    def close_day(self, at: datetime, day: date) -> None:
        who, moved = self.staff["DM"], 0
        for row in sorted(self.open.values(), key=lambda r: r["id"]):
            if row["state"] == "IN_OFFICE":
                row.update(state="UNCOLLECTED", state_changed_at=at)
                moved += 1
                self.emit(at, DESKS[0], who, "LEFT_UNCOLLECTED", pupil=row["pupil_id"], tag=row["tag_id"],
                          custody=row["id"], state="UNCOLLECTED",
                          payload={"slot": slot_label(row["slot_box"], row["slot_position"])})
        self.emit(at, DESKS[0], who, "DAY_CLOSED", payload={"newly_uncollected": moved, "day": day.isoformat()})

    def confiscate(self, at: datetime, day: date) -> None:
        rng = self.rng
        for _try in range(100):
            pupil_id, _form, tag_id, _code = rng.choice(self.pupils)
            if tag_id not in self.open:
                break
        else:
            return
        number = self.confiscations
        self.confiscations += 1
        term = term_containing(day, self.s)[0]
        self.term_counts[(term, pupil_id)] += 1
        count = self.term_counts[(term, pupil_id)]
        step = escalation_step(count, self.s)
        hold_days = int(step.get("hold_school_days", 0))
        held_until = add_school_days(day, hold_days, self.s)
        exam = None
        if day.month in (5, 6) and rng.random() < 0.15:
            board, paper = rng.choice(EXAMS)
            exam = {"board": board, "paper": paper, "room": "Sports hall", "invigilator": "Mrs K. Lowe",
                    "candidate_number": str(4000 + rng.randrange(900))}
        reason = "found during an exam" if exam else rng.choice(["used in lesson", "used in lesson", "used on site",
                                                                 "other breach"])
        by, location, condition = rng.choice(TEACHERS), rng.choice(LOCATIONS), rng.choice(CONDITIONS)
        seal_number = f"SB{100000 + number}"
        desk, who = DESKS[0], self.staff["DM"]
        now_aware = at.replace(tzinfo=UTC)
        extra = {"exam": exam, "ladder_rule": str(step["rule"]), "confiscated_at": now_aware.isoformat()}
        row = self.open_custody({
            "tag_id": tag_id, "pupil_id": pupil_id, "kind": "confiscated", "state": "HELD_FOR_PARENT",
            "slot_box": "SAFE", "slot_position": self.free_slot("SAFE"), "opened_at": at, "opened_by_id": who,
            "opened_desk": desk, "reason_category": reason, "reason": None, "location": location,
            "confiscated_by_name": by, "exam_incident": exam is not None, "held_until": held_until,
            "seal_number": seal_number, "condition": ", ".join(condition), "state_changed_at": at, "dsl_flag": False,
            "confiscated_at": at,  # schema v2 (later): when it was confiscated, for the reports
            "details_json": json.dumps(extra, ensure_ascii=False, default=str),
        })
        self.emit(at, desk, who, "CONFISCATED", pupil=pupil_id, tag=tag_id, custody=row["id"],
                  state="HELD_FOR_PARENT",
                  payload={"reason": reason, "by": by, "location": location, "seal": seal_number,
                           "condition": list(condition), "exam": exam, "held_until": held_until.isoformat(),
                           "count_this_term": count, "converted_from_daily": False})
        if rng.random() < 0.7:
            self.push(at + timedelta(minutes=rng.uniform(10, 40)), self.parent_informed, row)
        outcome = self.hold_at.get(number)
        if outcome:
            self.push(at + timedelta(minutes=rng.uniform(45, 70)), self.flag_hold, row, outcome)
            return
        # Most parents collect the day the hold ends; some a day or two later.
        release_on = held_until if rng.random() < 0.88 else add_school_days(held_until, rng.randint(1, 2), self.s)
        row["_release_on"] = release_on
        if release_on == day:
            self.push(self.utc(day, 15, 30, rng.uniform(0, 110 * 60)), self.release, row)

    def parent_informed(self, at: datetime, row: dict[str, Any]) -> None:
        if self.open.get(row["tag_id"]) is not row:
            return
        how = self.rng.choice(["phone call", "email", "letter"])
        _cid, carer, _rel, _pr = self.carer.get(row["pupil_id"], (None, "parent", "", False))
        who = self.staff["DM"]
        details = json.loads(row["details_json"]) if row.get("details_json") else {}
        details["parent_informed"] = details.get("parent_informed", []) + [
            {"how": how, "who": carer, "at": at.replace(tzinfo=UTC).isoformat(), "notes": "", "by": "Dana Morgan"}]
        row["details_json"] = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
        self.emit(at, DESKS[0], who, "PARENT_INFORMED", pupil=row["pupil_id"], tag=row["tag_id"], custody=row["id"],
                  state=row["state"], payload={"how": how, "who": carer})

    def release(self, at: datetime, row: dict[str, Any]) -> None:
        if row["state"] != "HELD_FOR_PARENT" or self.open.get(row["tag_id"]) is not row:
            return
        desk, initials = (DESKS[0], "DM") if self.rng.random() < 0.6 else (DESKS[1], "AA")
        who = self.staff[initials]
        self.emit(at, desk, who, "PIN_CONFIRMED",
                  payload={"initials": initials, "purpose": f"release custody {row['id']}"})
        carer_id, name, relation, pr = self.carer.get(row["pupil_id"], (None, "Mrs A. Carer", "Mother", True))
        id_seen = self.rng.choice(["driving licence", "passport", "known to staff"])
        collector = {"name": name, "relationship": relation, "id_seen": id_seen, "on_contact_list": True,
                     "carer_id": carer_id, "parental_responsibility": pr, "authorised_by": None,
                     "authorisation_reason": None}
        details = json.loads(row["details_json"]) if row.get("details_json") else {}
        details["collector"] = collector
        row.update(state="RELEASED", closed_at=at, closed_by_id=who, closed_desk=desk, state_changed_at=at,
                   handed_to=f"{name} ({relation})",
                   details_json=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str))
        self.close_custody(row)
        self.emit(at, desk, who, "RELEASED", pupil=row["pupil_id"], tag=row["tag_id"], custody=row["id"],
                  state="RELEASED", payload={"collector": name, "relationship": relation, "id_seen": id_seen,
                                             "on_contact_list": True, "authorised_by": None})

    def flag_hold(self, at: datetime, row: dict[str, Any], outcome: str) -> None:
        if row["state"] != "HELD_FOR_PARENT" or self.open.get(row["tag_id"]) is not row:
            return
        self.holds += 1
        dsl = self.staff["PS"]
        row.update(state="SAFEGUARDING_HOLD", state_changed_at=at, dsl_flag=True)
        row.pop("_release_on", None)
        self.notes.append((row["id"], row["pupil_id"], at.isoformat(" "), dsl,
                           "Concern raised by the confiscating teacher; see the DSL log."))
        self.emit(at, DESKS[0], dsl, "SAFEGUARDING_HOLD", pupil=row["pupil_id"], tag=row["tag_id"], custody=row["id"],
                  state="SAFEGUARDING_HOLD", payload={"instructions_acknowledged": True})
        day = at.replace(tzinfo=UTC).astimezone(self.tz).date()
        if outcome == "police":
            self.later[add_school_days(day, 3, self.s)].append((dtime(11, 0), self.to_police, (row,)))
        elif outcome == "cleared":
            self.later[add_school_days(day, 2, self.s)].append((dtime(10, 0), self.clear_hold, (row,)))

    def to_police(self, at: datetime, row: dict[str, Any]) -> None:
        if row["state"] != "SAFEGUARDING_HOLD":
            return
        dsl = self.staff["PS"]
        handover = {"officer_name": "PC Sam Reid", "officer_number": "4417", "force": "Avon and Somerset Police",
                    "crime_reference": f"AS-{row['id']:06d}", "seal_number": f"EV{row['id']:06d}"}
        details = json.loads(row["details_json"]) if row.get("details_json") else {}
        details["police"] = handover | {"handed_over_at": at.replace(tzinfo=UTC).isoformat(), "by": "Priya Shah"}
        row.update(state="WITH_POLICE", state_changed_at=at, closed_at=at, closed_by_id=dsl, closed_desk=DESKS[0],
                   handed_to="Police: PC Sam Reid (4417, Avon and Somerset Police)",
                   details_json=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str))
        self.close_custody(row)
        self.emit(at, DESKS[0], dsl, "HANDED_TO_POLICE", pupil=row["pupil_id"], tag=row["tag_id"], custody=row["id"],
                  state="WITH_POLICE", payload={"force": handover["force"],
                                                "crime_reference": handover["crime_reference"],
                                                "officer_number": handover["officer_number"],
                                                "seal": handover["seal_number"]})

    def clear_hold(self, at: datetime, row: dict[str, Any]) -> None:
        if row["state"] != "SAFEGUARDING_HOLD":
            return
        dsl = self.staff["PS"]
        row.update(state="HELD_FOR_PARENT", state_changed_at=at)
        self.notes.append((row["id"], row["pupil_id"], at.isoformat(" "), dsl, "Hold cleared: no further action."))
        self.emit(at, DESKS[0], dsl, "HOLD_CLEARED", pupil=row["pupil_id"], tag=row["tag_id"], custody=row["id"],
                  state="HELD_FOR_PARENT", payload={})
        day = at.replace(tzinfo=UTC).astimezone(self.tz).date()
        row["_release_on"] = day
        self.push(self.utc(day, 15, 30, self.rng.uniform(0, 100 * 60)), self.release, row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the tiny year used by the smoke test")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached file")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    year = load_or_build(QUICK if args.quick else FULL, out=args.out, rebuild=args.rebuild)
    print(json.dumps(year.meta, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
