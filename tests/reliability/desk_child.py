"""A desk (or a report job) in its own process, driven by the reliability scenarios.

    python -m tests.reliability.desk_child MODE --url DB --desk NAME [options]

It prints one line per fact, flushed at once, so a parent that kills it with SIGKILL knows exactly what had been
acknowledged: `ACK …` is printed only after the domain call returned, i.e. after the commit.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from kiosk.errors import DeskError, StorageFailed


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def codes_from(path: str | None) -> list[str]:
    return [line.strip() for line in Path(path).read_text().splitlines() if line.strip()] if path else []


def open_db(args: argparse.Namespace):
    if args.naive_sqlite:
        # What a naive set-up gives: a rollback journal and no busy timeout (the negative control).
        from kiosk.db import connection

        connection.SQLITE_PRAGMAS.update(journal_mode="delete", busy_timeout=0)
    if args.plain_postgres:
        # peewee's own PostgreSQL database, whatever kiosk.db.connection makes (a negative control).
        from peewee import PostgresqlDatabase

        from kiosk.db.connection import make_database
        from kiosk.db.models import database_proxy

        made = make_database(args.url)
        db = PostgresqlDatabase(made.database, **made.connect_params)
        db.connect()
        database_proxy.initialize(db)
        return db
    from kiosk.storage import open_for_desk

    # As a desk opens it: witnessed in the school's witness file beside its key file (KIOSK_KEY_FILE). Every
    # PostgreSQL database kiosk.db makes reconnects by itself, so --resilient opens the same.
    return open_for_desk(args.url)


def desk_context(args: argparse.Namespace, initials: str = "AA", pin: str = "482913"):
    """Signed in at this desk the way the kiosk does it: settings from flags (--db, --desk), a real sign-in."""
    from kiosk.auth import sign_in
    from kiosk.config import key_file_path, load_settings
    from kiosk.custody import DeskContext
    from kiosk.keyring import load_key_file
    from tests.reliability.harness import school_clock_from_env

    settings = load_settings(None, database=args.url, desk=args.desk)
    keyring = load_key_file(key_file_path(settings))
    clock = school_clock_from_env()
    who = sign_in(keyring=keyring, clock=clock, desk=settings.desk, who=initials, pin=pin)
    return DeskContext(keyring, clock, settings, who)


def wait_go(args: argparse.Namespace) -> None:
    say("READY")
    if args.wait_go:
        sys.stdin.readline()


# ---- modes -----------------------------------------------------------------------------------------------------


def mode_handin(args: argparse.Namespace) -> int:
    """Hand in each code once. TRY before, ACK after the call returned (after the commit)."""
    from kiosk.custody import hand_in, normalise, resolve

    open_db(args)
    ctx = desk_context(args)
    codes = codes_from(args.codes)
    if args.naive_ack:
        # The naive desk: says "done" as soon as it starts writing, before the commit.
        import kiosk.custody.transitions as daily  # the module that writes every move's event, a hand-in's too

        real = daily.append_event

        def acknowledging(**kw):
            say("ACK", kw["payload"]["code"], "HANDED_IN", kw.get("custody"))
            return real(**kw)

        daily.append_event = acknowledging
    wait_go(args)
    for number, code in enumerate(codes, start=1):
        say("TRY", code)
        try:
            receipt = hand_in(ctx, resolve(normalise(code)))
        except DeskError as error:
            say("ERR", code, type(error).__name__, one_line(error.message))
            continue
        if number == args.stall_at:
            # The desk froze after the commit, before it could show the result (killed while frozen).
            time.sleep(30)
        if not args.naive_ack:
            say("ACK", code, receipt.outcome.name, receipt.custody_id)
    say("DONE")
    return 0


def mode_cycle(args: argparse.Namespace) -> int:
    """A desk on a busy day, for `--seconds`: hand every code in, then back, and again. A failed action is
    re-scanned after a short pause, as the person at the desk would. Only a crash ends it early."""
    from kiosk.custody import Outcome, hand_back, hand_in, normalise, resolve

    open_db(args)
    ctx = desk_context(args)
    codes = codes_from(args.codes)
    wait_go(args)
    deadline = time.monotonic() + args.seconds
    stop = Path(args.stop_file) if args.stop_file else None

    def remaining() -> bool:
        return time.monotonic() < deadline and not (stop is not None and stop.exists())
    actions = 0
    while remaining():
        for verb, action, done in (("IN", hand_in, Outcome.HANDED_IN), ("BACK", hand_back, Outcome.HANDED_BACK)):
            for code in codes:
                while remaining():
                    try:
                        receipt = action(ctx, resolve(normalise(code)))
                    except StorageFailed as error:
                        say("FAIL", one_line(error.message))
                        time.sleep(args.pause)
                        continue
                    except DeskError as error:
                        say("WARN", code, type(error).__name__, one_line(error.message))
                        break
                    actions += 1
                    if receipt.outcome is done:
                        say("ACK", verb, code, receipt.custody_id)
                    else:
                        say("SEEN", verb, code, receipt.outcome.name, receipt.custody_id)
                    break
                if not remaining():
                    break
    say("SUMMARY", actions)
    return 0


def mode_reader(args: argparse.Namespace) -> int:
    """The report job: figures, the day report, a name search, an audit verify, now and then a backup."""
    from peewee import DatabaseError as PeeweeDatabaseError

    from kiosk.audit import verify
    from kiosk.config import Settings, key_file_path, load_settings
    from kiosk.custody import day_report, desk_counts, find_pupils
    from kiosk.db.backup import backup_sqlite
    from kiosk.db.resilience import snapshot
    from kiosk.keyring import load_key_file

    db = open_db(args)
    settings: Settings = load_settings(None, database=args.url, desk=args.desk)
    key = load_key_file(key_file_path(settings)).audit_key
    from tests.reliability.harness import school_clock_from_env

    clock = school_clock_from_env()
    wait_go(args)
    deadline = time.monotonic() + args.seconds
    reads = 0
    backups = Path(args.backups) if args.backups else None
    while time.monotonic() < deadline:
        reads += 1
        try:
            desk_counts(clock, settings)
            day_report(clock.now().astimezone(settings.tz).date(), settings)
            find_pupils("smith")
            if reads % 10 == 0:
                # `kiosk audit verify` as it is, then the same inside one read snapshot.
                naked = verify(key)
                if not naked.ok:
                    say("FALSE-ALARM", one_line("; ".join(naked.problems[:2])))
                with snapshot(db):
                    report = verify(key)
                if not report.ok:
                    say("BAD", one_line("; ".join(report.problems[:3])))
            if backups is not None and reads % 25 == 0:
                backup_sqlite(db, backups / f"b{reads}.db")
        except DeskError as error:
            say("FAIL", one_line(error.message))
        except PeeweeDatabaseError as error:  # what `kiosk report` would print: "the database reported…"
            say("FAIL", one_line(str(error)))
        except Exception as error:
            from kiosk.db.connection import DatabaseError

            if isinstance(error, DatabaseError):
                say("FAIL", one_line(str(error)))
            else:
                raise
        time.sleep(args.pause)
    say("SUMMARY", reads)
    return 0


def mode_release(args: argparse.Namespace) -> int:
    """Release each held phone to its first listed carer (with the step-up PIN), or the naive way."""
    from dataclasses import replace

    from kiosk.custody.queries import carers_to_contact
    from kiosk.custody.release import release_to_carer
    from tests.reliability.harness import RELEASES_FROM

    open_db(args)
    ctx = desk_context(args)
    # Released in the site's morning: not an early release there (harness.RELEASES_FROM, issue 16).
    ctx = replace(ctx, settings=replace(ctx.settings, hand_back_from=RELEASES_FROM))
    ids = [int(i) for i in codes_from(args.codes)]
    from kiosk.db.models import Custody

    carers = {i: carers_to_contact(pupil_id=Custody.get_by_id(i).pupil_id)[0].id for i in ids}
    wait_go(args)
    for custody_id in ids:
        try:
            if args.naive:
                won = naive_release(ctx, custody_id)
            else:
                # The demo roster's first carer may lack parental responsibility: the desk has seen the warning.
                release_to_carer(ctx, custody_id, pin="482913", id_seen="driving licence",
                                 carer_id=carers[custody_id], no_pr_acknowledged=True)
                won = True
        except StorageFailed as error:
            say("ERR", custody_id, one_line(error.message))
            continue
        except DeskError as error:
            say("LOST", custody_id, type(error).__name__, one_line(error.message))
            continue
        say("WON" if won else "LOST", custody_id)
    say("DONE")
    return 0


def naive_release(ctx, custody_id: int) -> bool:
    """Read the state, then write: the check and the change are not one conditional statement."""
    from kiosk.audit import append_event
    from kiosk.clock import to_db
    from kiosk.custody.states import State
    from kiosk.db.connection import write_transaction
    from kiosk.db.models import Custody, database_proxy

    current = Custody.get_by_id(custody_id)
    if current.state != State.HELD_FOR_PARENT:
        return False
    now = ctx.clock.now()
    with write_transaction(database_proxy.obj):
        Custody.update(state=State.RELEASED, closed_at=to_db(now), closed_by=ctx.who.staff_id,
                       closed_desk=ctx.desk, handed_to="naive desk", state_changed_at=to_db(now)).where(
            Custody.id == custody_id).execute()
        append_event(key=ctx.keyring.audit_key, at=now, desk=ctx.desk, staff=ctx.who.staff_id, action="RELEASED",
                     pupil=current.pupil_id, tag=current.tag_id, custody=custody_id, custody_state=State.RELEASED,
                     payload={"collector": "naive"})
    return True


def mode_signin(args: argparse.Namespace) -> int:
    """Type PINs at this desk's lock screen, one after another."""
    from kiosk.auth import SignInRefused, sign_in
    from kiosk.config import key_file_path, load_settings
    from kiosk.keyring import load_key_file
    from tests.reliability.harness import school_clock_from_env

    open_db(args)
    settings = load_settings(None, database=args.url, desk=args.desk)
    keyring = load_key_file(key_file_path(settings))
    wait_go(args)
    for pin in args.pins.split(","):
        try:
            sign_in(keyring=keyring, clock=school_clock_from_env(), desk=settings.desk, who=args.initials, pin=pin)
            say("OK")
        except SignInRefused as refused:
            say("REFUSED", one_line(refused.message))
    say("DONE")
    return 0


def mode_shift(args: argparse.Namespace) -> int:
    """A desk sharing the school with others: hand in its own codes, then (on GO) hand back --back codes."""
    from kiosk.custody import hand_back, hand_in, normalise, resolve

    open_db(args)
    ctx = desk_context(args)
    wait_go(args)
    for code in codes_from(args.codes):
        receipt = hand_in(ctx, resolve(normalise(code)))
        say("ACK", "IN", code, receipt.outcome.name, receipt.custody_id)
    say("HALF")
    sys.stdin.readline()
    for code in codes_from(args.back):
        receipt = hand_back(ctx, resolve(normalise(code)))
        say("ACK", "BACK", code, receipt.outcome.name, receipt.custody_id)
    say("DONE")
    return 0


MODES = {"handin": mode_handin, "cycle": mode_cycle, "reader": mode_reader, "release": mode_release,
         "signin": mode_signin, "shift": mode_shift}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--url", required=True)
    parser.add_argument("--desk", default="Reception 1")
    parser.add_argument("--codes", help="file: one tag code (or custody id) per line")
    parser.add_argument("--back", help="file: codes to hand back (shift)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--wait-go", action="store_true")
    parser.add_argument("--naive-ack", action="store_true")
    parser.add_argument("--naive", action="store_true")
    parser.add_argument("--stall-at", type=int, default=0, help="freeze after the commit of the N-th hand-in")
    parser.add_argument("--naive-sqlite", action="store_true")
    parser.add_argument("--resilient", action="store_true")
    parser.add_argument("--plain-postgres", action="store_true")
    parser.add_argument("--backups")
    parser.add_argument("--stop-file", help="cycle: stop when this file appears")
    parser.add_argument("--initials", default="AA")
    parser.add_argument("--pins", default="")
    args = parser.parse_args(argv)
    import os

    if os.environ.get("KIOSK_DEBUG_LOG"):
        # Everything peewee sends to the database, parameters included, as a technician debugging would log it.
        import logging

        logging.basicConfig(filename=os.environ["KIOSK_DEBUG_LOG"], level=logging.DEBUG)
    try:
        return MODES[args.mode](args)
    except Exception as exc:  # a crash: the scenario counts it
        say("CRASH", type(exc).__name__, one_line(str(exc)))
        traceback.print_exc()
        return 3


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
