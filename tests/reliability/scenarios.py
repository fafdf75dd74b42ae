"""The reliability scenarios. Each function runs one scenario against a prepared site and returns its figures;
the tests assert on them at CI size and `python -m tests.reliability.figures` runs them longer.

Nothing here reads the elapsed time to decide pass or fail: timings are reported as figures only.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any

from kiosk.custody import Outcome, hand_in, normalise, resolve
from kiosk.db import Custody, Event, Tag
from tests.reliability.harness import DeskProcess, Site, close_bound, invariants, write_lines


@dataclass
class Figure:
    scenario: str
    backend: str
    summary: str  # one line for the table in docs/reliability.md
    numbers: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        return f"{self.scenario:<38} {self.backend:<11} {self.summary}"

    def as_json(self) -> str:
        return json.dumps({"scenario": self.scenario, "backend": self.backend, "summary": self.summary,
                           **self.numbers}, default=str)


def tag_custodies(code: str) -> list[Custody]:
    tag = Tag.get(Tag.code == code)
    return list(Custody.select().where(Custody.tag == tag.id).order_by(Custody.id))


def has_event(custody_id: int, action: str) -> bool:
    return Event.select().where((Event.custody == custody_id) & (Event.action == action)).exists()


# ---- 1. kill -9 during scripted hand-ins ---------------------------------------------------------------------


def kill9_handins(site: Site, *, rounds: int = 20, per_round: int = 12, naive: bool = False, seed: int = 1,
                  kill_window: float = 0.12) -> Figure:
    """A desk process hands in phones; it is killed with SIGKILL at a random moment (even rounds) or the
    instant its k-th acknowledgement is read (odd rounds); every fourth round the desk freezes just after a
    commit, before it can show the result, and is killed then (saved but never acknowledged). Then every
    acknowledged hand-in must be in the database, and the phone that was in flight is scanned again:
    recognised if it was saved, saved once if not.

    naive=True is the negative control: a desk that acknowledges before its transaction commits."""
    rng = random.Random(seed)
    pending = list(site.codes)
    acknowledged: dict[str, int | None] = {}
    lost: list[str] = []
    in_flight_saved = in_flight_unsaved = duplicates = kills_mid_stream = 0
    rescans: dict[str, int] = {}
    for number in range(rounds):
        batch, pending = pending[:per_round], pending[per_round:]
        if not batch:
            break
        codes = write_lines(site.folder / "rounds" / f"round-{number}.txt", batch)
        stall = rng.randint(1, len(batch)) if number % 4 == 3 and not naive else 0
        flags = ["--naive-ack"] if naive else ["--stall-at", str(stall)]
        desk = DeskProcess(site, "handin", "--codes", str(codes), "--wait-go", *flags)
        desk.wait_for("READY")
        desk.send("GO")
        if stall:
            for _ in range(stall):
                desk.wait_for("TRY")
            time.sleep(0.5)  # the commit is long done; the desk is frozen before its acknowledgement
        elif number % 2 == 0 and not naive:
            time.sleep(rng.uniform(0, kill_window))
        else:
            for _ in range(rng.randint(1, len(batch))):
                desk.wait_for("ACK")
        desk.kill9()
        acks = {line.split()[1]: _int(line.split()[3]) for line in desk.lines if line.startswith("ACK")}
        tried = [line.split()[1] for line in desk.lines if line.startswith("TRY")]
        done = any(line == "DONE" for line in desk.lines)
        kills_mid_stream += not done
        acknowledged.update(acks)
        pending = [c for c in batch if c not in tried] + pending  # never reached: still to hand in
        site.open()
        for code in acks:
            rows = tag_custodies(code)
            if not rows or not has_event(rows[-1].id, "HANDED_IN"):
                lost.append(code)
        for code in (c for c in tried if c not in acks):
            before = tag_custodies(code)
            # The person at the desk saw no result, so they scan it again.
            receipt = hand_in(site.ctx(), resolve(normalise(code)))
            rescans[receipt.outcome.name] = rescans.get(receipt.outcome.name, 0) + 1
            if before:
                in_flight_saved += 1
                if receipt.outcome is not Outcome.ALREADY_IN:
                    duplicates += 1
            else:
                in_flight_unsaved += 1
            if len(tag_custodies(code)) != 1:
                duplicates += 1
    # Nothing acknowledged in an earlier round disappeared later either.
    site.open()
    for code in acknowledged:
        rows = tag_custodies(code)
        if (not rows or not has_event(rows[-1].id, "HANDED_IN")) and code not in lost:
            lost.append(code)
    checks = invariants(site)
    numbers = dict(rounds=rounds, acknowledged=len(acknowledged), lost=len(lost), lost_codes=lost[:10],
                   killed_mid_stream=kills_mid_stream, in_flight_saved_not_acknowledged=in_flight_saved,
                   in_flight_not_saved=in_flight_unsaved, rescans=rescans, duplicates=duplicates,
                   integrity=checks.integrity, audit_ok=checks.audit_ok, audit_problems=checks.audit_problems,
                   custody_without_event=checks.custody_without_event, events=checks.events)
    label = "naive (ack before commit)" if naive else "kiosk"
    summary = (f"{label}: {rounds} kills, {len(acknowledged)} acknowledged, lost {len(lost)}; in flight: "
               f"{in_flight_saved} saved-not-acked (re-scan recognised), {in_flight_unsaved} not saved; "
               f"duplicates {duplicates}; integrity {checks.integrity}; audit {'ok' if checks.audit_ok else 'FAILED'}; "
               f"custody without event {checks.custody_without_event}")
    return Figure("1. kill -9 during hand-ins", site.backend, summary, numbers)


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


# ---- 2. disk full / I/O error mid-write ----------------------------------------------------------------------


def _busy_desk_until_refused(site: Site, ctx, limit: int = 100_000) -> tuple[int, Any, bool]:
    """Hand phones in and back until the database refuses.
    Returns (acknowledged, the error, whether the refused action left the phone exactly as it was)."""
    from kiosk.custody import hand_back
    from kiosk.errors import DeskError

    acknowledged = 0
    for number in range(limit):
        code = site.codes[number % len(site.codes)]
        for action in (hand_in, hand_back):
            try:
                action(ctx, resolve(normalise(code)))
            except DeskError as error:
                open_now = [c.state for c in tag_custodies(code) if c.closed_at is None]
                untouched = open_now == ([] if action is hand_in else ["IN_OFFICE"])
                return acknowledged, error, untouched
            acknowledged += 1
    return acknowledged, None, True


def _action_events() -> int:
    return Event.select().where(Event.action.in_(["HANDED_IN", "HANDED_BACK"])).count()


def disk_full(site: Site, filesystem, *, leave_bytes: int = 640 * 1024) -> Figure:
    """The disk under the database fills up mid-shift (a real, small filesystem filled by another program).
    The refused action is not acknowledged and leaves no trace, the message names the cause, and once space
    returns the same desk, without a restart, saves the next action."""
    from kiosk.errors import StorageFailed
    from tests.reliability.harness import fill_disk

    site.open()
    ctx = site.ctx()
    before = _action_events()
    filler = fill_disk(filesystem, leave_bytes)
    acknowledged, error, untouched = _busy_desk_until_refused(site, ctx)
    message = " ".join(error.message.split()) if error is not None else "(never refused)"
    refused_is_storage = isinstance(error, StorageFailed)
    saved_while_full = _action_events() - before
    readable_while_full = True
    try:
        resolve(normalise(site.codes[0]))
    except Exception:
        readable_while_full = False
    # Space comes back (the technician deletes something); the desk carries on, no restart.
    filler.unlink()
    recovered = True
    try:
        receipt = hand_in(ctx, resolve(normalise(site.codes[-1])))
        recovered = receipt.outcome in (Outcome.HANDED_IN, Outcome.ALREADY_IN)
    except Exception as exc:  # noqa: BLE001 - reported as the figure
        recovered, message = False, f"{message} / after space returned: {exc}"
    checks = invariants(site)
    numbers = dict(acknowledged_before_full=acknowledged, action_events_saved=saved_while_full,
                   refused_message=message, refused_is_storage_failed=refused_is_storage,
                   refused_action_left_no_trace=untouched, readable_while_full=readable_while_full,
                   recovered_without_restart=recovered, integrity=checks.integrity, audit_ok=checks.audit_ok,
                   audit_problems=checks.audit_problems)
    summary = (f"{acknowledged} acknowledged then refused; saved {saved_while_full} (= acknowledged); "
               f"message: \"{message[:80]}\"; next write after space returned: "
               f"{'saved, no restart' if recovered else 'FAILED'}; integrity {checks.integrity}; "
               f"audit {'ok' if checks.audit_ok else 'FAILED'}")
    return Figure("2. disk full mid-write", site.backend, summary, numbers)


def io_error(site: Site) -> Figure | None:
    """The disk refuses a write (EPERM/EIO from the filesystem: here the WAL file is made immutable with
    chattr +i, on filesystems that have it). None when this filesystem cannot do that."""
    import subprocess

    from kiosk.errors import StorageFailed

    site.open()
    ctx = site.ctx()
    hand_in(ctx, resolve(normalise(site.codes[0])))
    wal = site.path.with_name(site.path.name + "-wal")
    if subprocess.run(["chattr", "+i", str(wal)], capture_output=True).returncode != 0:
        return None
    before = _action_events()
    try:
        hand_in(ctx, resolve(normalise(site.codes[1])))
        message, storage = "(not refused)", False
    except StorageFailed as error:
        message, storage = error.message, True
    except Exception as error:  # noqa: BLE001
        message, storage = f"{type(error).__name__}: {error}", False
    finally:
        subprocess.run(["chattr", "-i", str(wal)], capture_output=True)
    saved = _action_events() - before
    receipt = hand_in(ctx, resolve(normalise(site.codes[1])))
    checks = invariants(site)
    numbers = dict(refused_message=message, refused_is_storage_failed=storage, saved_while_failing=saved,
                   next_outcome=receipt.outcome.name, integrity=checks.integrity, audit_ok=checks.audit_ok)
    summary = (f"write error → \"{message[:70]}\"; saved {saved}; next write: {receipt.outcome.value}; "
               f"integrity {checks.integrity}; audit {'ok' if checks.audit_ok else 'FAILED'}")
    return Figure("2. I/O error mid-write", site.backend, summary, numbers)


def disk_full_postgres(site: Site, server, filesystem, *, leave_bytes: int = 48 * 1024) -> Figure:
    """The same on PostgreSQL: the custody and event tables live in a tablespace on a small filesystem
    (the server's own disk filling up the same way), and another program fills it."""
    import shutil

    from tests.reliability.harness import close_bound, database_name

    name = "kiosk_small_" + database_name(site.url)
    space = filesystem / "tablespace"
    space.mkdir()
    shutil.chown(space, "postgres")
    server.admin(f"CREATE TABLESPACE {name} LOCATION '{space}'")
    try:
        db = site.open()
        for table in ("custody", "event"):
            db.execute_sql(f"ALTER TABLE {table} SET TABLESPACE {name}")
        figure = disk_full(site, filesystem, leave_bytes=leave_bytes)
    finally:
        close_bound()
        server.admin(f"DROP DATABASE IF EXISTS {database_name(site.url)} WITH (FORCE)")
        server.admin(f"DROP TABLESPACE IF EXISTS {name}")
    return figure


# ---- 3. racing desks -----------------------------------------------------------------------------------------


def confiscate_all(site: Site, codes: list[str]) -> list[int]:
    """Confiscate each phone (held for a parent): the custody ids."""
    from kiosk.custody.confiscation import confiscate

    site.open()
    ctx = site.ctx(desk="Student services")
    ids = []
    for number, code in enumerate(codes):
        receipt = confiscate(ctx, resolve(normalise(code)), confiscated_by_name="Mr T Ellis",
                             reason_category="used in lesson", location="Room 12", condition=("switched off",),
                             seal_number=f"BAG-{number:05d}")
        ids.append(receipt.custody_id)
    return ids


def release_race(site: Site, custody_ids: list[int], *, desks: int = 8, naive: bool = False) -> Figure:
    """`desks` processes release the same held phones, in the same order, released at the same instant.
    naive=True is the negative control: read the state, then update by id."""
    ids_file = write_lines(site.folder / f"race-ids-{'naive' if naive else 'kiosk'}.txt", custody_ids)
    flags = ["--codes", str(ids_file), "--wait-go"] + (["--naive"] if naive else [])
    procs = [DeskProcess(site, "release", *flags, desk=f"Desk {n + 1}") for n in range(desks)]
    from tests.reliability.harness import start_together

    start_together(procs)
    codes = [p.finish(600) for p in procs]
    wins: dict[int, int] = {}
    errors: list[str] = []
    for proc in procs:
        for line in proc.lines:
            word, _, rest = line.partition(" ")
            if word == "WON":
                wins[int(rest)] = wins.get(int(rest), 0) + 1
            elif word in ("ERR", "CRASH"):
                errors.append(line)
    site.open()
    released_events = {cid: Event.select().where((Event.custody == cid) & (Event.action == "RELEASED")).count()
                       for cid in custody_ids}
    states = {c.state for c in Custody.select().where(Custody.id.in_(custody_ids))}
    per_phone = [wins.get(cid, 0) for cid in custody_ids]
    exactly_one = sum(1 for n in per_phone if n == 1)
    duplicated = sum(1 for n in per_phone if n > 1)
    checks = invariants(site)
    numbers = dict(desks=desks, phones=len(custody_ids), exactly_one_winner=exactly_one,
                   released_more_than_once=duplicated, max_releases_of_one_phone=max(per_phone),
                   never_released=sum(1 for n in per_phone if n == 0), errors=errors[:5], exit_codes=codes,
                   release_events_per_phone=sorted(set(released_events.values())), states=sorted(states),
                   audit_ok=checks.audit_ok, integrity=checks.integrity)
    label = "naive read-then-write" if naive else "kiosk"
    summary = (f"{label}: {desks} desks × {len(custody_ids)} held phones → exactly one winner for {exactly_one}, "
               f"released twice or more {duplicated} (max {max(per_phone)}), errors {len(errors)}; "
               f"audit {'ok' if checks.audit_ok else 'FAILED'}")
    return Figure("3. racing desks: release", site.backend, summary, numbers)


def handin_race(site: Site, codes: list[str], *, desks: int = 8) -> Figure:
    """`desks` processes hand in the same tags at the same instant: one open custody per tag."""
    codes_file = write_lines(site.folder / "race-handin.txt", codes)
    procs = [DeskProcess(site, "handin", "--codes", str(codes_file), "--wait-go", desk=f"Desk {n + 1}")
             for n in range(desks)]
    from tests.reliability.harness import start_together

    start_together(procs)
    exit_codes = [p.finish(600) for p in procs]
    handed_in: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    errors = []
    for proc in procs:
        for line in proc.lines:
            parts = line.split()
            if parts[0] == "ACK":
                outcomes[parts[2]] = outcomes.get(parts[2], 0) + 1
                if parts[2] == "HANDED_IN":
                    handed_in[parts[1]] = handed_in.get(parts[1], 0) + 1
            elif parts[0] in ("ERR", "CRASH"):
                errors.append(line)
    site.open()
    open_rows = {code: sum(1 for c in tag_custodies(code) if c.closed_at is None) for code in codes}
    one_open = sum(1 for n in open_rows.values() if n == 1)
    one_winner = sum(1 for code in codes if handed_in.get(code, 0) == 1)
    checks = invariants(site)
    numbers = dict(desks=desks, tags=len(codes), one_open_custody=one_open, one_handed_in_receipt=one_winner,
                   outcomes=outcomes, errors=errors[:5], exit_codes=exit_codes, audit_ok=checks.audit_ok)
    summary = (f"{desks} desks × {len(codes)} same tags → one open custody for {one_open}/{len(codes)}, one "
               f"HANDED IN receipt for {one_winner}; the rest {outcomes.get('ALREADY_IN', 0)} × ALREADY IN; "
               f"errors {len(errors)}")
    return Figure("3. racing desks: same tag", site.backend, summary, numbers)


# ---- 4. two processes on one SQLite file ---------------------------------------------------------------------


def _is_lock_error(line: str) -> bool:
    text = line.lower()
    return "locked" in text or "busy" in text


def shared_sqlite_soak(site: Site, *, seconds: float = 60, codes: int = 40, naive: bool = False) -> Figure:
    """A desk handing phones in and out and a report job reading (figures, day report, verify, backups) on one
    SQLite file for `seconds`. Counts the "database is locked" errors that reach a person.

    naive=True is the negative control: the same two programs on a file opened the naive way (rollback
    journal, no busy timeout)."""
    codes_file = write_lines(site.folder / "soak-codes.txt", site.codes[:codes])
    flags = ["--naive-sqlite"] if naive else []
    backups = site.folder / "soak-backups"
    backups.mkdir(exist_ok=True)
    desk = DeskProcess(site, "cycle", "--codes", str(codes_file), "--seconds", str(seconds), "--pause", "0.02",
                       "--wait-go", *flags)
    report = DeskProcess(site, "reader", "--seconds", str(seconds), "--pause", "0.01", "--wait-go",
                         "--backups", str(backups), *flags, desk="Report job")
    from tests.reliability.harness import start_together

    start_together([desk, report])
    exit_codes = [desk.finish(seconds + 120), report.finish(seconds + 120)]
    desk_failures = [line for line in desk.lines if line.startswith(("FAIL", "CRASH"))]
    report_failures = [line for line in report.lines if line.startswith(("FAIL", "CRASH", "BAD"))]
    locked = [line for line in desk_failures + report_failures if _is_lock_error(line)]
    actions = int(next((line.split()[1] for line in desk.lines if line.startswith("SUMMARY")), 0))
    reads = int(next((line.split()[1] for line in report.lines if line.startswith("SUMMARY")), 0))
    acked = [line.split() for line in desk.lines if line.startswith("ACK")]
    verifies = reads // 10
    false_alarms = report.count("FALSE-ALARM")
    site.open()
    missing = sum(1 for _ack, verb, _code, custody_id in acked
                  if not has_event(int(custody_id), "HANDED_IN" if verb == "IN" else "HANDED_BACK"))
    checks = invariants(site)
    numbers = dict(seconds=seconds, desk_actions=actions, report_rounds=reads, locked_errors_seen=len(locked),
                   other_failures=[x for x in desk_failures + report_failures if x not in locked][:5],
                   locked_examples=locked[:3], acknowledged=len(acked), acknowledged_missing=missing,
                   exit_codes=exit_codes, integrity=checks.integrity, audit_ok=checks.audit_ok,
                   verify_runs=verifies, verify_false_alarms_without_snapshot=false_alarms,
                   verify_false_alarms_in_snapshot=report.count("BAD"))
    label = "naive (rollback journal, no busy timeout)" if naive else "kiosk (WAL, busy timeout, IMMEDIATE)"
    summary = (f"{label}: {seconds:.0f} s, {actions} desk actions + {reads} report rounds → "
               f"'database is locked' shown {len(locked)} times; other failures "
               f"{len(numbers['other_failures'])}; acknowledged missing {missing}; audit verify during writes: "
               f"{false_alarms}/{verifies} false alarms as shipped, {report.count('BAD')} in a read snapshot")
    return Figure("4. desk + report job on one SQLite", site.backend, summary, numbers)


# ---- 5. PostgreSQL restarted, a backend killed -----------------------------------------------------------------


def _attempts(site: Site, ctx, codes: list[str]) -> tuple[int, int, list[str]]:
    """Hand each code in (or back, if it is in): (saved, refused with StorageFailed, messages)."""
    from kiosk.custody import hand_back
    from kiosk.errors import StorageFailed

    saved = refused = 0
    messages = []
    for code in codes:
        try:
            found = resolve(normalise(code))
            action = hand_back if any(c.closed_at is None for c in tag_custodies(code)) else hand_in
            action(ctx, found)
            saved += 1
        except StorageFailed as error:
            refused += 1
            messages.append(error.message)
    return saved, refused, messages


def postgres_outage(server, site: Site, *, seconds_down: float = 2.0, kills: int = 5, seed: int = 5) -> Figure:
    """Mid-shift, a backend is killed (pg_terminate_backend) and the server is restarted (pg_ctl stop/start).
    The domain raises StorageFailed while it is down (never a crash), recovers by itself, loses nothing."""
    from peewee import PostgresqlDatabase

    from kiosk.db import database_proxy
    from kiosk.db.resilience import UNREACHABLE_BANNER, ConnectionWatch
    from kiosk.errors import StorageFailed
    from tests.reliability.harness import database_name

    rng = random.Random(seed)
    dbname = database_name(site.url)
    numbers: dict[str, Any] = {}

    # A. The negative control: peewee's plain PostgreSQL database. It learns its connection died only from the
    # action that meets it (NOT SAVED); write_transaction then drops it, so the next action reconnects.
    kiosk_db = site.open()
    plain = PostgresqlDatabase(kiosk_db.database, **kiosk_db.connect_params)
    kiosk_db.close()
    database_proxy.initialize(plain)
    ctx = site.ctx(desk="Reception 1")
    server.terminate_backends(dbname)
    saved, refused, _ = _attempts(site, ctx, site.codes[0:5])
    numbers["plain_connection_after_kill"] = {"saved": saved, "refused": refused}
    plain.close()

    # A′. What every desk and command gets from kiosk.db.open_database: it reconnects before the next
    # transaction, so not even the first action after a killed backend is refused.
    site.open()
    ctx = site.ctx(desk="Reception 1")
    server.terminate_backends(dbname)
    saved, refused, _ = _attempts(site, ctx, site.codes[60:65])
    numbers["kiosk_database_after_kill"] = {"saved": saved, "refused": refused}

    # B. The kiosk's reconnecting database, in this process, step by step.
    db = site.open(resilient=True)
    ctx = site.ctx(desk="Reception 1")
    server.terminate_backends(dbname)
    saved, refused, _ = _attempts(site, ctx, site.codes[5:10])
    numbers["reconnecting_after_kill"] = {"saved": saved, "refused": refused}
    server.stop_server()
    watch = ConnectionWatch(db)
    down_health = watch.check()
    saved_down, refused_down, messages = _attempts(site, ctx, site.codes[10:13])
    try:
        resolve(normalise(site.codes[13]))
        read_message = "(read worked?)"
    except StorageFailed as error:
        read_message = error.message
    server.start_server()
    up_health = watch.check()
    saved_up, refused_up, _ = _attempts(site, ctx, site.codes[10:16])
    numbers.update(while_down={"saved": saved_down, "refused": refused_down, "message": messages[:1],
                               "read_message": read_message, "banner": down_health.banner,
                               "cause": down_health.cause},
                   after_restart={"saved": saved_up, "refused": refused_up, "banner": up_health.banner})

    # C. A desk process working through backend kills and a restart.
    codes_file = write_lines(site.folder / "outage-codes.txt", site.codes[20:60])
    stop = site.folder / "outage-stop"
    stop.unlink(missing_ok=True)
    desk = DeskProcess(site, "cycle", "--codes", str(codes_file), "--seconds", "300", "--pause", "0.1",
                       "--stop-file", str(stop), resilient=True, desk="Reception 2")
    desk.wait_for("READY")
    desk.wait_count("ACK", 20)
    terminated = 0
    for _ in range(kills):
        time.sleep(rng.uniform(0.2, 0.8))
        terminated += server.terminate_backends(dbname)
    server.stop_server()
    time.sleep(seconds_down)
    acks_before_start = desk.count("ACK")
    server.start_server()
    desk.wait_count("ACK", acks_before_start + 20)
    stop.touch()
    exit_code = desk.finish(120)
    acks_after_restart = desk.count("ACK") - acks_before_start
    fails = [line for line in desk.lines if line.startswith("FAIL")]
    crashes = [line for line in desk.lines if line.startswith("CRASH")]
    acked = [line.split() for line in desk.lines if line.startswith("ACK")]
    site.open()
    missing = sum(1 for _a, verb, _code, cid in acked
                  if not has_event(int(cid), "HANDED_IN" if verb == "IN" else "HANDED_BACK"))
    checks = invariants(site)
    numbers.update(desk_process={"exit_code": exit_code, "crashes": crashes[:3], "backends_terminated": terminated,
                                 "refusals_shown": len(fails), "refusal_messages": sorted(set(fails))[:4],
                                 "acknowledged": len(acked), "acknowledged_after_restart": acks_after_restart,
                                 "acknowledged_missing": missing},
                   audit_ok=checks.audit_ok, audit_problems=checks.audit_problems,
                   tags_with_two_open=checks.tags_with_two_open, banner_text=UNREACHABLE_BANNER)
    plain_note = numbers["plain_connection_after_kill"]
    summary = (f"plain peewee after a killed backend: {plain_note['refused']}/5 refused; kiosk.db.open_database: "
               f"{numbers['kiosk_database_after_kill']['saved']}/5 saved after a kill (reconnecting: "
               f"{numbers['reconnecting_after_kill']['saved']}/5); server down: {refused_down}/3 "
               f"refused (NOT SAVED/NOT READ, banner raised); back: {saved_up}/6 saved, no restart; "
               f"desk process through {terminated} kills + a {seconds_down:.0f} s restart: {len(acked)} acknowledged, "
               f"{len(fails)} NOT SAVED shown, crashes {len(crashes)}, lost {missing}; audit "
               f"{'ok' if checks.audit_ok else 'FAILED'}")
    return Figure("5. PostgreSQL restart / killed backend", site.backend, summary, numbers)


# ---- 6. tamper matrix ----------------------------------------------------------------------------------------


def school_history(site: Site, *, min_events: int = 1000, pupils: int = 120) -> int:
    """School days until the audit log holds `min_events`: morning hand-ins, a couple of confiscations and
    releases to carers, afternoon hand-backs, phones left overnight, close of day. Returns the event count."""
    from datetime import UTC, datetime, timedelta

    from kiosk.clock import FixedClock
    from kiosk.custody import close_day, hand_back
    from kiosk.custody.confiscation import confiscate
    from kiosk.custody.queries import carers_to_contact
    from kiosk.custody.release import release_to_carer
    from kiosk.custody.states import State

    db = site.open()
    if site.backend == "sqlite":
        # Only the history's content matters here (what the attacks edit), not its surviving a power cut: no
        # flush per action (kill -9 and durability are scenario 1's), which was a third of the build.
        db.execute_sql("PRAGMA synchronous = OFF")
    clock = FixedClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    ctx = site.ctx(desk="Reception 1", clock=clock)
    other = site.ctx(desk="Student services", clock=clock)
    codes = site.codes[:pupils]
    day = 0
    while Event.select().count() < min_events:
        start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC) + timedelta(days=day + 2 * ((day + 0) // 5))
        clock.set(start)
        for number, code in enumerate(codes):
            clock.advance(seconds=3)
            hand_in(ctx if number % 2 else other, resolve(normalise(code)))
        for code in codes[day * 2 % pupils: day * 2 % pupils + 2]:
            clock.advance(minutes=20)
            confiscate(other, resolve(normalise(code)), confiscated_by_name="Ms K Patel",
                       reason_category="used in lesson", location="Science 2", condition=("in a case",),
                       seal_number=f"B{day:03d}{code[-3:]}")
        clock.set(start.replace(hour=15, minute=10))
        for number, code in enumerate(codes):
            if number % 37 == 5:
                continue  # left behind: uncollected tonight
            clock.advance(seconds=2)
            hand_back(ctx, resolve(normalise(code)))
        clock.set(start.replace(hour=16, minute=0))
        for custody in Custody.select().where(Custody.state == State.HELD_FOR_PARENT):
            clock.advance(minutes=5)
            release_to_carer(ctx, custody.id, pin="482913", id_seen="passport",  # the no-PR warning seen
                             carer_id=carers_to_contact(pupil_id=custody.pupil_id)[0].id, no_pr_acknowledged=True)
        clock.set(start.replace(hour=17, minute=30))
        close_day(ctx)
        day += 1
    return Event.select().count()


@dataclass
class Attack:
    name: str
    what: str
    expected: str  # "detected", or "gap: …" where the shipped verifier is known not to see it


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Raw:
    """The attacker's own connection: plain SQL on the file or the server, no kiosk code, no key."""

    def __init__(self, url: str) -> None:
        from kiosk.db.connection import is_postgres_url

        if is_postgres_url(url):
            import psycopg2

            self.conn = psycopg2.connect(url)
            self.p = "%s"
        else:
            import sqlite3

            self.conn = sqlite3.connect(url)
            self.p = "?"

    def q(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        cur = self.conn.cursor()
        cur.execute(sql.replace("?", self.p), params)
        return cur.fetchall() if cur.description else []

    def one(self, sql: str, *params: Any) -> Any:
        return self.q(sql, *params)[0][0]

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()


def _seq_of(db: Raw, action: str, after: int) -> int:
    return db.one("SELECT MIN(seq) FROM event WHERE action = ? AND seq > ?", action, after)


def _attack(name: str, db: Raw, key_guess: bytes) -> None:
    from datetime import datetime

    from kiosk.audit.chain import seal

    last = db.one("SELECT MAX(seq) FROM event")
    if name == "edit a payload":
        seq = _seq_of(db, "HANDED_IN", last // 2)
        db.q("UPDATE event SET payload_json = REPLACE(payload_json, '\"slot\":\"', '\"slot\":\"9') WHERE seq = ?", seq)
    elif name == "edit a payload and its hash":
        seq = _seq_of(db, "RELEASED", 0)
        body = db.one("SELECT payload_json FROM event WHERE seq = ?", seq).replace("passport", "known to staff")
        db.q("UPDATE event SET payload_json = ?, payload_hash = ? WHERE seq = ?", body, _sha(body), seq)
    elif name == "delete a row":
        db.q("DELETE FROM event WHERE seq = ?", _seq_of(db, "HANDED_BACK", last // 3))
    elif name == "delete a row and renumber the rest":
        seq = _seq_of(db, "HANDED_BACK", last // 3)
        db.q("DELETE FROM event WHERE seq = ?", seq)
        db.q("UPDATE event SET seq = -(seq - 1) WHERE seq > ?", seq)
        db.q("UPDATE event SET seq = -seq WHERE seq < 0")
        db.q("UPDATE audit_head SET seq = seq - 1")
    elif name == "truncate the tail":
        db.q("DELETE FROM event WHERE seq > ?", last - 25)
    elif name == "truncate the tail and rewind the head":
        db.q("DELETE FROM event WHERE seq > ?", last - 25)
        db.q("UPDATE audit_head SET seq = ?, chain = (SELECT chain FROM event WHERE seq = ?)", last - 25, last - 25)
    elif name == "truncate, rewind the head and roll custody back":
        cut = last - 25
        touched = [r[0] for r in db.q("SELECT DISTINCT custody_id FROM event WHERE seq > ? AND custody_id IS NOT "
                                      "NULL", cut)]
        db.q("DELETE FROM event WHERE seq > ?", cut)
        db.q("UPDATE audit_head SET seq = ?, chain = (SELECT chain FROM event WHERE seq = ?)", cut, cut)
        for custody_id in touched:
            rows = db.q("SELECT custody_state FROM event WHERE custody_id = ? ORDER BY seq DESC", custody_id)
            if not rows:
                db.q("DELETE FROM custody WHERE id = ?", custody_id)
            else:
                db.q("UPDATE custody SET state = ?, closed_at = NULL, closed_by_id = NULL, closed_desk = NULL "
                     "WHERE id = ?", rows[0][0], custody_id)
    elif name == "re-sign the chain with a guessed key":
        seq = _seq_of(db, "HANDED_BACK", last // 2)
        db.q("UPDATE event SET desk = 'Nobody' WHERE seq = ?", seq)
        prev = db.one("SELECT chain FROM event WHERE seq = ?", seq - 1)
        for row in db.q("SELECT seq, at, desk, staff_id, action, pupil_id, tag_id, custody_id, custody_state, "
                        "payload_hash FROM event WHERE seq >= ? ORDER BY seq", seq):
            at = row[1] if isinstance(row[1], datetime) else datetime.fromisoformat(str(row[1]))
            prev = seal(key_guess, prev, seq=row[0], at=at, desk=row[2], staff_id=row[3], action=row[4],
                        pupil_id=row[5], tag_id=row[6], custody_id=row[7], custody_state=row[8], payload_hash=row[9])
            db.q("UPDATE event SET chain = ? WHERE seq = ?", prev, row[0])
        db.q("UPDATE audit_head SET chain = ?", prev)
    elif name == "coordinated: custody state and its event":
        custody_id, seq = db.q("SELECT custody_id, MAX(seq) FROM event WHERE action = 'HANDED_BACK' "
                               "GROUP BY custody_id ORDER BY custody_id LIMIT 1")[0]
        db.q("UPDATE custody SET state = 'IN_OFFICE', closed_at = NULL, closed_by_id = NULL, closed_desk = NULL, "
             "handed_to = NULL WHERE id = ?", custody_id)
        db.q("UPDATE event SET custody_state = 'IN_OFFICE', action = 'NOTE' WHERE seq = ?", seq)
    elif name == "coordinated: who collected, in custody and event":
        seq, custody_id = db.q("SELECT seq, custody_id FROM event WHERE action = 'RELEASED' ORDER BY seq LIMIT 1")[0]
        body = db.one("SELECT payload_json FROM event WHERE seq = ?", seq)
        old = db.one("SELECT handed_to FROM custody WHERE id = ?", custody_id)
        name_old = old.split(" (")[0]
        body = body.replace(name_old, "Mr M Allory")
        db.q("UPDATE event SET payload_json = ?, payload_hash = ? WHERE seq = ?", body, _sha(body), seq)
        db.q("UPDATE custody SET handed_to = ? WHERE id = ?", old.replace(name_old, "Mr M Allory"), custody_id)
    elif name == "custody only: state":
        custody_id = db.one("SELECT MIN(id) FROM custody WHERE state = 'RETURNED'")
        db.q("UPDATE custody SET state = 'IN_OFFICE', closed_at = NULL WHERE id = ?", custody_id)
    elif name == "custody only: who collected":
        custody_id = db.one("SELECT MIN(id) FROM custody WHERE state = 'RELEASED'")
        db.q("UPDATE custody SET handed_to = 'Mr M Allory (Uncle)' WHERE id = ?", custody_id)
    elif name == "custody only: slot and desk":
        custody_id = db.one("SELECT MIN(id) FROM custody WHERE state = 'RETURNED'")
        db.q("UPDATE custody SET slot_position = slot_position + 40, closed_desk = 'Nobody' WHERE id = ?", custody_id)
    elif name == "custody only: pupil and tag":
        custody_id, pupil_id = db.q("SELECT id, pupil_id FROM custody WHERE state = 'RETURNED' ORDER BY id LIMIT 1")[0]
        other, other_tag = db.q("SELECT pupil_id, id FROM tag WHERE pupil_id <> ? ORDER BY id LIMIT 1", pupil_id)[0]
        db.q("UPDATE custody SET pupil_id = ?, tag_id = ? WHERE id = ?", other, other_tag, custody_id)
    elif name == "custody only: opening desk":
        custody_id = db.one("SELECT MAX(id) FROM custody WHERE state = 'RETURNED'")
        db.q("UPDATE custody SET opened_desk = 'Nobody' WHERE id = ?", custody_id)
    elif name == "forged event appended":
        row = db.q("SELECT at, desk, staff_id, pupil_id, tag_id, custody_id, payload_json, payload_hash, chain "
                   "FROM event WHERE seq = ?", last)[0]
        db.q("INSERT INTO event (seq, at, desk, staff_id, action, pupil_id, tag_id, custody_id, custody_state, "
             "payload_json, payload_hash, chain) VALUES (?, ?, ?, ?, 'NOTE', ?, ?, NULL, NULL, ?, ?, ?)",
             last + 1, row[0], row[1], row[2], row[3], row[4], row[6], row[7], _sha(row[8]))
        db.q("UPDATE audit_head SET seq = ?, chain = ?", last + 1, _sha(row[8]))
    elif name != "untouched (positive control)":
        raise ValueError(name)


ATTACKS = [
    Attack("untouched (positive control)", "a copy nobody changed", "passes"),
    Attack("edit a payload", "a hand-in's slot changed in its payload", "detected"),
    Attack("edit a payload and its hash", "who collected: payload and its sha256 rewritten", "detected"),
    Attack("delete a row", "one hand-back event deleted", "detected"),
    Attack("delete a row and renumber the rest", "deleted, later events renumbered, head moved", "detected"),
    Attack("truncate the tail", "the last 25 events deleted", "detected"),
    Attack("truncate the tail and rewind the head", "last 25 deleted and the head set to the new last event",
           "detected"),
    Attack("re-sign the chain with a guessed key", "an event edited and every chain value after it recomputed",
           "detected"),
    Attack("coordinated: custody state and its event", "a returned phone made 'in office' in custody and event",
           "detected"),
    Attack("coordinated: who collected, in custody and event", "collector renamed in custody, payload and hash",
           "detected"),
    Attack("custody only: state", "a returned phone made 'in office'", "detected"),
    Attack("forged event appended", "a made-up event added at the end, head moved", "detected"),
    Attack("truncate, rewind the head and roll custody back",
           "last 25 deleted, head rewound, custody rows put back as the remaining events say",
           "detected"),  # only with the desk's witness file, outside the database (finding E)
    Attack("custody only: who collected", "a released phone's collector renamed in custody only", "detected"),
    Attack("custody only: slot and desk", "slot and closing desk changed in custody only", "detected"),
    Attack("custody only: pupil and tag", "a hand-in's custody row moved to another pupil and tag", "detected"),
    Attack("custody only: opening desk", "the desk that took a phone in renamed in custody only", "detected"),
]


def tamper_matrix(site: Site, pristine_url: str, make_copy, *, names: list[str] | None = None) -> Figure:
    """Each attack on its own copy of a busy database; the real `kiosk audit verify` judges every copy.
    `make_copy(name) -> url` copies the pristine database."""
    import re

    results = []
    for attack in ATTACKS:
        if names and attack.name not in names:
            continue
        url = make_copy(attack.name)
        raw = Raw(url)
        try:
            _attack(attack.name, raw, key_guess=b"guessed-key-" + bytes(20))
        finally:
            raw.close()
        run = _kiosk_audit_verify(site, url)
        first = re.search(r"first bad sequence number (\d+)", run.stdout)
        results.append(dict(attack=attack.name, what=attack.what, expected=attack.expected,
                            exit_code=run.returncode, detected=run.returncode == 1 and "FAILED" in run.stdout,
                            first_bad_seq=int(first.group(1)) if first else None,
                            says=(run.stdout.strip().splitlines() or [run.stderr.strip()])[0][:120],
                            problem=(run.stdout.strip().splitlines()[1:2] or [""])[0].strip()[:140]))
    attacks = [r for r in results if r["expected"] != "passes"]
    detected = sum(1 for r in attacks if r["detected"])
    expected_detected = [r for r in attacks if r["expected"] == "detected"]
    gaps = [r for r in attacks if r["expected"].startswith("gap") and not r["detected"]]
    control = next((r for r in results if r["expected"] == "passes"), None)
    summary = (f"{len(attacks)} attacks on a {site_events(pristine_url)}-event database: `kiosk audit verify` "
               f"detected {detected}; required attacks detected {sum(r['detected'] for r in expected_detected)}/"
               f"{len(expected_detected)}; known gaps not detected {len(gaps)}; untouched copy "
               f"{'passes' if control and control['exit_code'] == 0 else 'FAILED'}")
    from kiosk.db.connection import is_postgres_url

    backend = "postgresql" if is_postgres_url(pristine_url) else "sqlite"
    return Figure("6. tamper matrix", backend, summary, dict(results=results))


def _kiosk_audit_verify(site: Site, url: str) -> Any:
    """`kiosk --db URL audit verify` as the IT technician runs it on this school's desk PC (its settings folders,
    key file and so its witness file), through the command's own entry point. In this process rather than a new
    one: the matrix runs it some thirty times, and a new Python each time was a third of the matrix's time."""
    import contextlib
    import io
    import subprocess
    from unittest import mock

    from kiosk.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, site.env(), clear=True), contextlib.redirect_stderr(err):
        code = main(["--db", url, "audit", "verify"], out=out)
    close_bound()
    return subprocess.CompletedProcess(["kiosk", "audit", "verify"], code, out.getvalue(), err.getvalue())


def site_events(url: str) -> int:
    raw = Raw(url)
    try:
        return raw.one("SELECT COUNT(*) FROM event")
    finally:
        raw.close()


# ---- 7. atomic coupling ------------------------------------------------------------------------------------------

INJECT_SQLITE = """
CREATE TABLE IF NOT EXISTS reliability_inject (armed INTEGER NOT NULL, countdown INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS reliability_inject_event BEFORE INSERT ON event
WHEN (SELECT armed FROM reliability_inject) = 1
BEGIN
  UPDATE reliability_inject SET countdown = countdown - 1;
  SELECT reliability_fired() WHERE (SELECT countdown FROM reliability_inject) <= 0;
  SELECT RAISE(ABORT, 'injected failure on event insert') WHERE (SELECT countdown FROM reliability_inject) <= 0;
END;
"""
INJECT_POSTGRES = """
CREATE TABLE IF NOT EXISTS reliability_inject (armed BOOLEAN NOT NULL, countdown INTEGER NOT NULL);
CREATE SEQUENCE IF NOT EXISTS reliability_fired;
CREATE OR REPLACE FUNCTION reliability_inject_fn() RETURNS trigger AS $$
BEGIN
  IF (SELECT armed FROM reliability_inject) THEN
    UPDATE reliability_inject SET countdown = countdown - 1;
    IF (SELECT countdown FROM reliability_inject) <= 0 THEN
      PERFORM nextval('reliability_fired');  -- a sequence is not rolled back: the test sees it fired
      RAISE EXCEPTION 'injected failure on event insert';
    END IF;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS reliability_inject_event ON event;
CREATE TRIGGER reliability_inject_event BEFORE INSERT ON event FOR EACH ROW EXECUTE FUNCTION reliability_inject_fn();
"""
EVENT_WRITERS = ("kiosk.custody.transitions", "kiosk.custody.daily", "kiosk.custody.confiscation", "kiosk.auth.staff",
                 "kiosk.custody.context")


class Injector:
    """Makes the k-th event written by the next action fail: inside the database (a trigger on the event table)
    or in the code (append_event raises the error a failing disk gives), between the change and its event."""

    def __init__(self, db) -> None:
        import importlib

        from peewee import PostgresqlDatabase

        self.db = db
        self.pg = isinstance(db, PostgresqlDatabase)
        self.fired_in_code = 0
        self.fired_in_sqlite = 0
        if self.pg:
            db.execute_sql(INJECT_POSTGRES)
        else:
            # A function of this connection, called by the trigger: it survives the rollback.
            db.connection().create_function("reliability_fired", 0, self._sqlite_fired)
            db.connection().executescript(INJECT_SQLITE)
        if not db.execute_sql("SELECT COUNT(*) FROM reliability_inject").fetchone()[0]:
            db.execute_sql("INSERT INTO reliability_inject VALUES (%s, 0)" % ("false" if self.pg else "0"))
        self.modules = [importlib.import_module(name) for name in EVENT_WRITERS]
        self.real = {m.__name__: m.append_event for m in self.modules}
        self.code_countdown = 0

    def _sqlite_fired(self) -> int:
        self.fired_in_sqlite += 1
        return 1

    def fired(self) -> int:
        """How many injected failures have happened so far (both mechanisms)."""
        trigger = (self.db.execute_sql("SELECT last_value, is_called FROM reliability_fired").fetchone()
                   if self.pg else None)
        in_db = (trigger[0] if trigger[1] else 0) if trigger else self.fired_in_sqlite
        return in_db + self.fired_in_code

    def arm(self, mechanism: str, k: int) -> None:
        if mechanism == "trigger":
            armed = "true" if self.pg else "1"
            self.db.execute_sql(f"UPDATE reliability_inject SET armed = {armed}, countdown = {int(k)}")
        else:
            self.code_countdown = k
            for module in self.modules:
                module.append_event = self._failing(module.__name__)

    def disarm(self) -> None:
        self.db.execute_sql("UPDATE reliability_inject SET armed = %s" % ("false" if self.pg else "0"))
        self.code_countdown = 0
        for module in self.modules:
            module.append_event = self.real[module.__name__]

    def _failing(self, name: str):
        from peewee import OperationalError

        real = self.real[name]

        def append_event(**kwargs):
            self.code_countdown -= 1
            if self.code_countdown == 0:
                self.fired_in_code += 1
                raise OperationalError("disk I/O error (injected between the change and its event)")
            return real(**kwargs)

        return append_event

    def remove(self) -> None:
        self.disarm()
        if self.pg:
            self.db.execute_sql("DROP TRIGGER IF EXISTS reliability_inject_event ON event")
        else:
            self.db.execute_sql("DROP TRIGGER IF EXISTS reliability_inject_event")


def _state_fingerprint(db) -> tuple[Any, ...]:
    """Custody rows and states, staff lockout counters, and every event but those of earlier, separate
    transactions of the same action (the step-up PIN check commits before the release it authorises).
    Plain SQL: this runs twice per injection."""
    custody = db.execute_sql("SELECT id, state, closed_at, slot_position, handed_to FROM custody ORDER BY id")
    staff = db.execute_sql("SELECT failed_attempts, locked_until FROM staff ORDER BY id")
    events = db.execute_sql("SELECT COUNT(*) FROM event WHERE action NOT IN ('PIN_CONFIRMED', 'SIGNED_IN')")
    return tuple(custody.fetchall()), tuple(staff.fetchall()), events.fetchone()[0]


def atomic_coupling(site: Site, *, injections: int = 1000, seed: int = 7, naive: bool = False) -> Figure:
    """`injections` actions, each made to fail between its state change and its event (alternately by a
    trigger on the event table and by append_event raising a disk error). After each, the database must be
    exactly as before: not one state change without its event, nor an event without its change.

    naive=True is the negative control: a hand-in that commits the custody row and its event in two
    transactions leaves custody rows with no event."""
    from kiosk.custody import close_day, hand_back
    from kiosk.custody.confiscation import confiscate
    from kiosk.custody.queries import carers_to_contact
    from kiosk.custody.release import release_to_carer
    from kiosk.custody.states import State
    from kiosk.errors import DeskError

    rng = random.Random(seed)
    db = site.open()
    ctx = site.ctx(desk="Reception 1")
    injector = Injector(db)
    if naive:
        return _naive_coupling(site, ctx, injector, injections)

    tag_ids = dict(Tag.select(Tag.code, Tag.id).where(Tag.code.in_(site.codes)).tuples())

    def pick(states: set[str | None]) -> str | None:
        open_now = dict(db.execute_sql("SELECT tag_id, state FROM custody WHERE closed_at IS NULL").fetchall())
        candidates = [code for code in site.codes if open_now.get(tag_ids[code]) in states]
        return rng.choice(candidates) if candidates else None

    def action(kind: str):
        if kind == "hand in":
            code = pick({None})
            return (lambda: hand_in(ctx, resolve(normalise(code)))) if code else None
        if kind == "hand back":
            code = pick({State.IN_OFFICE, State.UNCOLLECTED})
            return (lambda: hand_back(ctx, resolve(normalise(code)))) if code else None
        if kind == "confiscate":
            code = pick({None, State.IN_OFFICE})
            return (lambda: confiscate(ctx, resolve(normalise(code)), confiscated_by_name="Mr T Ellis",
                                       reason_category="used on site", location="Canteen", condition=(),
                                       seal_number=f"S-{code}")) if code else None  # a bag each
        if kind == "release":
            held = Custody.select().where(Custody.state == State.HELD_FOR_PARENT).first()
            if held is None:
                return None
            carer = carers_to_contact(pupil_id=held.pupil_id)[0].id
            return lambda: release_to_carer(ctx, held.id, pin="482913", id_seen="passport", carer_id=carer,
                                            no_pr_acknowledged=True)  # the demo roster's first carer may lack PR
        if kind == "close day":
            return lambda: close_day(ctx)
        if kind == "wrong PIN":
            from kiosk.auth import sign_in

            return lambda: sign_in(keyring=site.keyring, clock=ctx.clock, desk=ctx.desk, who="PS", pin="000111")
        raise ValueError(kind)

    kinds = ["hand in"] * 4 + ["hand back"] * 3 + ["confiscate", "release", "close day", "wrong PIN"]
    by_kind: dict[str, int] = {}
    by_mechanism: dict[str, int] = {}
    changed_anyway: list[str] = []
    errors: dict[str, int] = {}
    real_actions = 0
    done = 0
    while done < injections:
        kind = rng.choice(kinds)
        run = action(kind)
        if run is None:
            continue
        mechanism = "trigger" if done % 2 else "append_event raises"
        # A multi-event action (close of day, a release with its PIN step-up) fails at a random event.
        k = rng.randint(1, 3) if kind in ("close day", "release", "wrong PIN") else 1
        before = _state_fingerprint(db)
        fired_before = injector.fired()
        injector.arm("trigger" if mechanism == "trigger" else "code", k)
        try:
            run()
        except Exception as error:  # noqa: BLE001 - every kind of failure counts; none may leave half a change
            name = type(error).__name__
            errors[name] = errors.get(name, 0) + 1
        finally:
            injector.disarm()
        if injector.fired() == fired_before:
            continue  # fewer than k events: nothing was injected (a refused PIN still refuses); try again
        if _state_fingerprint(db) != before:
            changed_anyway.append(f"{kind} / {mechanism}")
        done += 1
        by_kind[kind] = by_kind.get(kind, 0) + 1
        by_mechanism[mechanism] = by_mechanism.get(mechanism, 0) + 1
        if rng.random() < 0.3:  # the day moves on between failures
            real = action(rng.choice(kinds[:-3]))
            if real is not None:
                try:
                    real()
                    real_actions += 1
                except DeskError:
                    pass
    injector.remove()
    checks = invariants(site)
    numbers = dict(injections=done, by_kind=by_kind, by_mechanism=by_mechanism, errors_raised=errors,
                   left_a_partial_change=len(changed_anyway), examples=changed_anyway[:5], real_actions=real_actions,
                   custody_without_event=checks.custody_without_event, audit_ok=checks.audit_ok,
                   audit_problems=checks.audit_problems)
    summary = (f"{done} failures injected between change and event ({by_mechanism}); left half a change "
               f"{len(changed_anyway)}; custody without event {checks.custody_without_event}; audit "
               f"{'ok' if checks.audit_ok else 'FAILED'} after {real_actions} real actions in between")
    return Figure("7. atomic coupling", site.backend, summary, numbers)


def _naive_coupling(site: Site, ctx, injector: Injector, injections: int) -> Figure:
    """The negative control: the custody row and its event committed in two transactions."""
    from kiosk.audit import append_event
    from kiosk.clock import to_db
    from kiosk.custody.slots import box_for, next_free_position
    from kiosk.custody.states import Kind, State
    from kiosk.db import database_proxy
    from kiosk.db.connection import write_transaction

    def naive_hand_in(code: str) -> None:
        found = resolve(normalise(code))
        now = ctx.clock.now()
        with write_transaction(database_proxy.obj):
            box = box_for(found.pupil, "form")
            custody = Custody.create(tag=found.tag.id, pupil=found.pupil.id, kind=Kind.DAILY, state=State.IN_OFFICE,
                                     slot_box=box, slot_position=next_free_position(box), opened_at=to_db(now),
                                     opened_by=ctx.who.staff_id, opened_desk=ctx.desk, state_changed_at=to_db(now))
        with write_transaction(database_proxy.obj):
            append_event(key=ctx.keyring.audit_key, at=now, desk=ctx.desk, action="HANDED_IN", custody=custody.id,
                         custody_state=State.IN_OFFICE, payload={})

    free = [c for c in site.codes if not any(x.closed_at is None for x in tag_custodies(c))][:injections]
    for code in free:
        injector.arm("trigger", 1)
        try:
            naive_hand_in(code)
        except Exception:  # noqa: BLE001
            pass
        finally:
            injector.disarm()
    injector.remove()
    checks = invariants(site)
    numbers = dict(injections=len(free), custody_without_event=checks.custody_without_event,
                   audit_ok=checks.audit_ok, audit_problems=checks.audit_problems[:3])
    summary = (f"naive (two transactions): {len(free)} injected failures → {checks.custody_without_event} custody "
               f"rows without an event; audit {'ok' if checks.audit_ok else 'FAILED'}")
    return Figure("7. atomic coupling", site.backend, summary, numbers)


# ---- 8. lockout across desks, and no PIN in plain text anywhere -----------------------------------------------

WRONG_PINS = ("271828", "314159", "161803", "141421", "662607", "299792", "602214", "137035")


def pin_leaks(texts: dict[str, bytes], pins: tuple[str, ...]) -> list[str]:
    """Where any PIN appears as a number of its own (not inside a longer run of digits or hex, nor as the
    microseconds of a timestamp). Returns 'where: PIN' for each hit."""
    import re

    hits = []
    for pin in pins:
        pattern = re.compile(rb"(?<![0-9A-Fa-f.])" + pin.encode() + rb"(?![0-9A-Fa-f])")
        hits += [f"{where}: {pin}" for where, blob in texts.items() if pattern.search(blob)]
    return hits


def lockout_across_desks(site: Site, *, server_log=None) -> Figure:
    """Five wrong PINs spread over two desk processes lock the account (per account, not per desk); then both
    desks fire wrong PINs at once and the counter loses no update. Then every place a PIN could leak to — the
    database (file and WAL, or a pg_dump), the desks' output and debug logs, the server log, CLI exports and a
    backup — is searched for every PIN that was typed."""
    import subprocess

    from kiosk.db import Staff
    from tests.reliability.harness import ADMIN, DSL, PINS, start_together

    initials, right_pin = DSL[1], DSL[3]
    logs: dict[str, bytes] = {}

    def desk(name: str, pins: list[str], wait: bool = False) -> DeskProcess:
        flags = ["--initials", initials, "--pins", ",".join(pins)] + (["--wait-go"] if wait else [])
        return DeskProcess(site, "signin", *flags, desk=name, env=site.env(KIOSK_DEBUG_LOG=str(
            site.folder / f"debug-{name.replace(' ', '-')}.log")))

    def run(proc: DeskProcess, label: str) -> list[str]:
        proc.finish(120)
        logs[f"{label} stdout"] = "\n".join(proc.lines).encode()
        logs[f"{label} stderr"] = proc.stderr.encode()
        return [line for line in proc.lines if line.startswith(("OK", "REFUSED"))]

    site.open()
    a = run(desk("Reception 1", list(WRONG_PINS[:3])), "desk A")
    b = run(desk("Reception 2", list(WRONG_PINS[3:5])), "desk B")
    locked_after_five = "locked" in b[-1].lower()
    then_right_pin = run(desk("Reception 1", [right_pin]), "desk A again")[0]
    site.open()
    lock_row = Staff.get(Staff.initials == initials)
    sequential = dict(desk_a=a, desk_b=b, locked_after_five=locked_after_five, right_pin_then=then_right_pin,
                      locked_until=str(lock_row.locked_until))

    unlock = site.cli("staff", "unlock", initials, "--as", ADMIN[1], "--pin-stdin", desk="IT", stdin=f"{ADMIN[3]}\n")
    logs["cli staff unlock"] = (unlock.stdout + unlock.stderr).encode()
    site.open()
    since = Event.select().order_by(Event.seq.desc()).first().seq
    racers = [desk(f"Desk {n}", list(WRONG_PINS[n * 4:n * 4 + 4]), wait=True) for n in (0, 1)]
    start_together(racers)
    race_lines = [run(p, f"racing desk {n}") for n, p in enumerate(racers)]
    site.open()
    after = Event.select().where((Event.seq > since) & (Event.staff == lock_row.id))
    wrong = sum(1 for e in after if e.action == "SIGN_IN_FAILED" and '"wrong PIN"' in (e.payload_json or ""))
    locks = sum(1 for e in after if e.action == "ACCOUNT_LOCKED")
    refused_locked = sum(1 for e in after
                         if e.action == "SIGN_IN_FAILED" and "account locked" in (e.payload_json or ""))
    concurrent = dict(attempts=8, wrong_pin_counted=wrong, account_locked_events=locks,
                      refused_as_locked=refused_locked, desk_lines=race_lines)

    # Where could a PIN have leaked to?
    for log in site.folder.glob("debug-*.log"):
        logs[log.name] = log.read_bytes()
    for argv in (("staff", "list"), ("tags", "list", "--csv"), ("report", "today", "--csv"), ("audit", "verify")):
        out = site.cli(*argv)
        logs["kiosk " + " ".join(argv)] = (out.stdout + out.stderr).encode()
    if site.backend == "sqlite":
        out = site.cli("backup", str(site.folder / "pin-check-backup.db"))
        logs["kiosk backup (output)"] = (out.stdout + out.stderr).encode()
        for path in [site.path, *site.path.parent.glob(site.path.name + "-*"), site.folder / "pin-check-backup.db"]:
            if path.exists():
                logs[path.name] = path.read_bytes()
    else:
        dump = subprocess.run([_pg_bin("pg_dump"), "--no-owner", site.url], capture_output=True, timeout=120)
        logs["pg_dump"] = dump.stdout + dump.stderr
        if server_log is not None:
            logs["server log"] = server_log().encode()
    pins = tuple(PINS) + WRONG_PINS
    leaks = pin_leaks(logs, pins)
    numbers = dict(sequential=sequential, concurrent=concurrent, places_searched=sorted(logs),
                   bytes_searched=sum(len(b) for b in logs.values()), pins_searched=len(pins), leaks=leaks)
    summary = (f"3 + 2 wrong PINs on two desks → {'locked' if locked_after_five else 'NOT locked'}, right PIN then "
               f"refused: {'yes' if 'locked' in then_right_pin.lower() else 'NO'}; two desks × 4 wrong PINs at once "
               f"→ {wrong} counted, {locks} lock, {refused_locked} refused as locked; PINs found in plain text in "
               f"{len(logs)} places ({sum(len(b) for b in logs.values()) // 1024} KiB): {len(leaks)}")
    return Figure("8. lockout across desks", site.backend, summary, numbers)


def _pg_bin(name: str) -> str:
    import glob
    import shutil

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else (shutil.which(name) or name)


# ---- 9. scan fuzz ----------------------------------------------------------------------------------------------

CONTROLS = [chr(c) for c in [*range(0, 32), 127, *range(0x80, 0xA0)]]
EMOJI = ["😀", "📱", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "🇬🇧", "🔥", "💥", "\U0001FAE0", "❤️"]
RTL = ["مرحبا", "שלום", "كود", "\u202eK7XQ2M4P", "\u202b", "\u202a", "\u202c", "\u2066", "\u2067", "\u2069",
       "\u200f", "\u200e", "ك٧٨٩"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\u2060", "\u180e"]
LOOKALIKES = ["К", "Ꮶ", "ｋ", "𝐊", "Ｋ", "０", "１", "٣", "۴", "߂", "Ⅰ", "Ⓚ", "ℹ", "ß"]


def _fuzz_input(rng: random.Random, codes: list[str]) -> tuple[str, str | None]:
    """One hostile scan and the real code it was built around, if any."""
    kind = rng.randrange(12)
    code = rng.choice(codes)
    text = _hostile(kind, rng, codes, code)
    return text, (code if kind in (3, 4, 5, 8, 10) else None)


def _hostile(kind: int, rng: random.Random, codes: list[str], code: str) -> str:
    """Control characters, emoji, right-to-left text, invisible marks, look-alike letters, 10,000-character
    strings, and near misses built around real codes."""
    pieces = CONTROLS + EMOJI + RTL + INVISIBLE + LOOKALIKES
    if kind == 0:
        return "".join(rng.choice(CONTROLS) for _ in range(rng.randint(1, 40)))
    if kind == 1:
        return "".join(rng.choice(EMOJI + RTL) for _ in range(rng.randint(1, 30)))
    if kind == 2:  # a 10,000-character string
        alphabet = rng.choice([code, "A", "\u202e", "😀", "9", " ", "K7", "\x00", "ك"])
        return (alphabet * (10_000 // len(alphabet) + 1))[:10_000]
    if kind == 3:  # a real code with something invisible or reversed inside it
        at = rng.randint(0, len(code))
        return code[:at] + rng.choice(INVISIBLE + RTL[3:] + CONTROLS[1:9] + CONTROLS[11:]) + code[at:]
    if kind == 4:  # a real code with emoji or RTL text around it
        return rng.choice(EMOJI + RTL) + code + rng.choice(EMOJI + RTL + [""])
    if kind == 5:  # look-alike letters (Cyrillic K, fullwidth, mathematical bold…)
        chars = list(code)
        for _ in range(rng.randint(1, 3)):
            chars[rng.randrange(len(chars))] = rng.choice(LOOKALIKES)
        return "".join(chars)
    if kind == 6:  # random printable ASCII of scan-like length
        return "".join(chr(rng.randint(32, 126)) for _ in range(rng.randint(1, 70)))
    if kind == 7:  # random code points from anywhere in Unicode (lone surrogates: see surrogate_scans)
        return "".join(chr(c) for c in (rng.randint(1, 0x10FFFF) for _ in range(rng.randint(1, 25)))
                       if not 0xD800 <= c <= 0xDFFF)
    if kind == 8:  # two codes run together, or a code and half of another
        other = rng.choice(codes)
        return code + rng.choice(["", "\r", "\t", " "]) + other[: rng.randint(1, len(other))]
    if kind == 9:  # a well-formed but wrong check character, or a code this school never printed
        from kiosk.custody.codes import ALPHABET, PREFIX, check_character

        body = PREFIX + "".join(rng.choice(ALPHABET) for _ in range(6))
        wrong = [c for c in ALPHABET if c != check_character(body)]
        return body + (rng.choice(wrong) if rng.random() < 0.5 else check_character(body))
    if kind == 10:  # AIM prefixes and scanner noise
        return rng.choice(["]Q1", "]C0", "]E0", "]d2", "]"]) + "".join(rng.choice(pieces) for _ in range(8))
    return "".join(rng.choice(pieces + list("K0123456789ABCDEFGHJKMNPQRSTVWXYZ-")) for _ in range(rng.randint(1, 64)))


def _mutations(code: str, rng: random.Random) -> str:
    """One single-character change: substitute, insert or delete (any character, look-alikes included)."""
    from kiosk.custody.codes import ALPHABET

    chars = list(code)
    kind = rng.randrange(3)
    pool = ALPHABET + "ILOUilou0123456789-" + "".join(LOOKALIKES) + "".join(INVISIBLE) + "".join(EMOJI[:3])
    at = rng.randrange(len(chars))
    if kind == 0:
        chars[at] = rng.choice([c for c in pool if c != chars[at]])
    elif kind == 1:
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(pool))
    else:
        del chars[at]
    return "".join(chars)


def scan_fuzz(site: Site, *, inputs: int = 100_000, mutations: int = 20_000, seed: int = 9) -> Figure:
    """Hostile input into normalise() + resolve() (what the desk does with every scan): no crash, none
    accepted; single-character mutations of real codes: none accepted as a different tag."""
    from kiosk.custody import find_pupils
    from kiosk.custody.codes import ALPHABET, CONFUSABLES, is_valid
    from kiosk.custody.scans import NameSearch, TagScan
    from kiosk.errors import DeskError

    rng = random.Random(seed)
    site.open()
    known = set(site.codes)
    crashes: list[str] = []
    accepted: list[str] = []
    same_despite_noise = name_searches = 0
    refused: dict[str, int] = {}
    slowest = 0.0
    for _ in range(inputs):
        text, base = _fuzz_input(rng, site.codes)
        started = time.perf_counter()
        try:
            scan = normalise(text)
            if isinstance(scan, NameSearch):
                # What the desk does with letters: offer the pupils whose names match (nothing is handed in).
                # One in eight goes to the database (each is a query); the rest stop at the classification.
                if name_searches % 8 == 0:
                    find_pupils(scan)
                name_searches += 1
                continue
            found = resolve(scan)
            if base is not None and found.tag.code == base:
                # A stray CR, TAB or control character from the scanner around the right code: that tag.
                same_despite_noise += 1
            else:
                accepted.append(repr(text)[:60] + f" → {found.tag.code}")
        except DeskError as error:
            refused[type(error).__name__] = refused.get(type(error).__name__, 0) + 1
        except Exception as error:  # noqa: BLE001 - a crash is the finding
            crashes.append(f"{type(error).__name__}: {error} ← {text[:40]!r}")
        finally:
            slowest = max(slowest, time.perf_counter() - started)

    other_tag = same_tag = refused_mutations = valid_other_code = 0
    mutation_crashes: list[str] = []
    examples: list[str] = []
    for _ in range(mutations):
        code = rng.choice(site.codes)
        mutated = _mutations(code, rng)
        try:
            scan = normalise(mutated)
            if isinstance(scan, TagScan) and scan.code != code:
                valid_other_code += 1
            found = resolve(scan)
        except DeskError:
            refused_mutations += 1
            continue
        except Exception as error:  # noqa: BLE001
            mutation_crashes.append(f"{type(error).__name__}: {error} ← {mutated!r}")
            continue
        if found.tag.code == code:
            same_tag += 1  # a case change or a look-alike (O for 0, I or L for 1): still this tag
        else:
            other_tag += 1
            examples.append(f"{code} → {mutated!r} → {found.tag.code}")
    # For the record (not a single-character change): adjacent swaps that make another valid code.
    swaps = swap_valid = 0
    for code in site.codes:
        for i in range(1, len(code) - 2):
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            if swapped != code:
                swaps += 1
                swap_valid += is_valid(swapped.translate(CONFUSABLES))
    numbers = dict(inputs=inputs, crashes=len(crashes), crash_examples=crashes[:5], accepted=len(accepted),
                   accepted_examples=accepted[:5], same_tag_despite_scanner_noise=same_despite_noise,
                   name_searches_offered=name_searches, surrogate_crashes=surrogate_scans(),
                   refused=refused, slowest_ms=round(slowest * 1000, 1),
                   mutations=mutations, accepted_as_other_tag=other_tag, other_tag_examples=examples[:5],
                   valid_other_code_after_normalise=valid_other_code, recognised_as_same_tag=same_tag,
                   refused_mutations=refused_mutations, mutation_crashes=len(mutation_crashes),
                   mutation_crash_examples=mutation_crashes[:5], adjacent_swaps=swaps,
                   adjacent_swaps_valid_elsewhere=swap_valid, alphabet=len(ALPHABET), known_tags=len(known))
    summary = (f"{inputs:,} hostile scans → crashes {len(crashes)}, accepted {len(accepted)} (a real code with "
               f"stray control characters read as that code: {same_despite_noise}; slowest "
               f"{slowest * 1000:.1f} ms); {mutations:,} one-character mutations → another tag {other_tag}, same "
               f"tag (case/look-alike) {same_tag}, refused {refused_mutations}; [adjacent swaps that form another "
               f"valid code: {swap_valid}/{swaps}]")
    return Figure("9. scan fuzz", site.backend, summary, numbers)


SURROGATES = ["\ud800", "K7\udc80Q2", "Zo\udce9", "\ud83d", "\ude00abc"]


def surrogate_scans() -> list[str]:
    """A lone UTF-16 surrogate, as a Windows console can deliver when an emoji's pair is split across reads:
    the desk's path (normalise, then resolve or the name search). Returns the crashes."""
    from kiosk.custody import find_pupils
    from kiosk.custody.scans import NameSearch
    from kiosk.errors import DeskError

    crashes = []
    for text in SURROGATES:
        try:
            scan = normalise(text)
            find_pupils(scan) if isinstance(scan, NameSearch) else resolve(scan)
        except DeskError:
            pass
        except Exception as error:  # noqa: BLE001
            crashes.append(f"{type(error).__name__} ← {text!r}")
    return crashes


# ---- 10. backup while writing ------------------------------------------------------------------------------------


def _acked_pairs(desk: DeskProcess) -> list[tuple[str, int]]:
    return [("HANDED_IN" if p[1] == "IN" else "HANDED_BACK", int(p[3]))
            for p in (line.split() for line in list(desk.lines)) if p and p[0] == "ACK"]


def _missing_in(path, pairs: list[tuple[str, int]]) -> int:
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        present = set(conn.execute("SELECT action, custody_id FROM event WHERE custody_id IS NOT NULL").fetchall())
    except sqlite3.Error:
        return len(pairs)
    finally:
        conn.close()
    return sum(1 for pair in pairs if pair not in present)


def backup_while_writing(site: Site, *, backups: int = 8, naive_copies: int = 4) -> Figure:
    """A desk process hands phones in and out while backups are taken with kiosk.db.backup.backup_sqlite.
    Every backup must pass its integrity check and `kiosk audit verify` (run on the backup), and hold every
    action acknowledged before the backup began. Negative control: a plain copy of the database file."""
    import shutil
    import sqlite3
    import subprocess
    import sys

    from kiosk.db.backup import backup_sqlite
    from tests.reliability.harness import REPO

    codes_file = write_lines(site.folder / "backup-codes.txt", site.codes[:60])
    stop = site.folder / "backup-stop"
    stop.unlink(missing_ok=True)
    desk = DeskProcess(site, "cycle", "--codes", str(codes_file), "--seconds", "600", "--pause", "0.02",
                       "--stop-file", str(stop))
    desk.wait_for("READY")
    desk.wait_count("ACK", 10)
    db = site.open()
    results = []
    folder = site.folder / "backups"
    folder.mkdir(exist_ok=True)
    for number in range(backups):
        acked = _acked_pairs(desk)
        result = backup_sqlite(db, folder / f"backup-{number}.db")
        run = subprocess.run([sys.executable, "-m", "kiosk.cli", "--db", str(result.path), "audit", "verify",
                              "--no-witness"],
                             cwd=REPO, env=site.env(), capture_output=True, text=True, timeout=300)
        results.append(dict(events=result.events, integrity=result.integrity, verify_exit=run.returncode,
                            verify=run.stdout.strip().splitlines()[0][:100] if run.stdout.strip() else run.stderr,
                            acknowledged_before=len(acked), missing=_missing_in(result.path, acked)))
        desk.wait_count("ACK", len(_acked_pairs(desk)) + 5)
    naive = []
    for number in range(naive_copies):
        acked = _acked_pairs(desk)
        dest = folder / f"naive-{number}.db"
        shutil.copy(site.path, dest)  # the file alone, while the desk writes: what a careless script does
        try:
            conn = sqlite3.connect(dest)
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            conn.close()
        except sqlite3.Error as exc:
            integrity = str(exc)
        naive.append(dict(integrity=integrity, acknowledged_before=len(acked), missing=_missing_in(dest, acked)))
        desk.wait_count("ACK", len(_acked_pairs(desk)) + 5)
    stop.touch()
    exit_code = desk.finish(60)
    good = sum(1 for r in results if r["integrity"] == "ok" and r["verify_exit"] == 0 and r["missing"] == 0)
    growing = all(a["events"] < b["events"] for a, b in zip(results, results[1:], strict=False))
    numbers = dict(backups=results, good_backups=good, events_grew_between_backups=growing,
                   naive_copies=naive, naive_copies_missing_acknowledged=sum(1 for n in naive if n["missing"]),
                   desk_exit=exit_code, desk_failures=desk.count("FAIL"))
    summary = (f"{backups} backups during hand-ins ({results[0]['events']}→{results[-1]['events']} events): "
               f"integrity ok + `kiosk audit verify` ok + every earlier acknowledgement present in {good}/{backups}; "
               f"plain file copies: {numbers['naive_copies_missing_acknowledged']}/{naive_copies} missed "
               f"acknowledged hand-ins (up to {max((n['missing'] for n in naive), default=0)})")
    return Figure("10. backup while writing", site.backend, summary, numbers)


# ---- several desks on PostgreSQL -------------------------------------------------------------------------------


def desks_share_postgres(site: Site, *, desks: tuple[str, ...] = ("Reception 1", "Reception 2", "Student services"),
                         per_desk: int = 15) -> Figure:
    """Three desk processes, each started the way `kiosk --db … --desk NAME` starts (settings from flags),
    hand in their own phones, then hand back the next desk's. Every record must name the desk that did it,
    and each desk's figures must include the others' work at once."""
    from kiosk.config import Settings
    from kiosk.custody import desk_counts
    from tests.reliability.harness import start_together

    chunks = [site.codes[i * per_desk:(i + 1) * per_desk] for i in range(len(desks))]
    procs = []
    for n, name in enumerate(desks):
        mine = write_lines(site.folder / f"desk-{n}-in.txt", chunks[n])
        theirs = write_lines(site.folder / f"desk-{n}-back.txt", chunks[(n + 1) % len(desks)])
        procs.append(DeskProcess(site, "shift", "--codes", str(mine), "--back", str(theirs), "--wait-go", desk=name))
    start_together(procs)
    for proc in procs:
        proc.wait_for("HALF")
    site.open()
    seen_by_a_desk = desk_counts(site.clock, Settings(desk="Another desk")).in_office
    for proc in procs:
        proc.send("GO")
    exit_codes = [p.finish(300) for p in procs]
    site.open()
    wrong: list[str] = []
    for n, proc in enumerate(procs):
        for parts in (line.split() for line in proc.lines if line.startswith("ACK")):
            custody = Custody.get_by_id(int(parts[-1]))
            column = custody.opened_desk if parts[1] == "IN" else custody.closed_desk
            if column != desks[n]:
                wrong.append(f"custody {custody.id} {parts[1]}: {column!r} != {desks[n]!r}")
            action = "HANDED_IN" if parts[1] == "IN" else "HANDED_BACK"
            event = Event.get((Event.custody == custody.id) & (Event.action == action))
            if event.desk != desks[n]:
                wrong.append(f"event {event.seq}: {event.desk!r} != {desks[n]!r}")
    cli = site.cli("close-day", desk="Reception 2")
    site.open()
    closed = Event.select().where(Event.action == "DAY_CLOSED").order_by(Event.seq.desc()).first()
    blank = Event.select().where((Event.desk == "") | Event.desk.is_null()).count()
    numbers = dict(desks=list(desks), handed_in=len(desks) * per_desk, in_office_seen_by_another_desk=seen_by_a_desk,
                   wrong_desk=wrong[:5], records_checked=sum(p.count("ACK") for p in procs) * 2,
                   cli_close_day_exit=cli.returncode, cli_close_day_desk=closed.desk if closed else None,
                   events_without_desk=blank, exit_codes=exit_codes)
    summary = (f"{len(desks)} desk processes × {per_desk} phones in, then each other's back: records naming the "
               f"wrong desk {len(wrong)} of {numbers['records_checked']}; another desk's count showed "
               f"{seen_by_a_desk}/{len(desks) * per_desk} at once; `kiosk --desk \"Reception 2\" close-day` "
               f"recorded as {numbers['cli_close_day_desk']!r}")
    return Figure("multi-desk: every record names its desk", site.backend, summary, numbers)
