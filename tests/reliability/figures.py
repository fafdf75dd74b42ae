"""Print the reliability figures: every scenario of the suite at the sizes the issue names, and longer.

    python -m tests.reliability.figures                    # everything, ~15–20 minutes on 2 cores
    python -m tests.reliability.figures --quick            # the CI sizes, ~5 minutes
    python -m tests.reliability.figures --only 1,3 --json out.jsonl --soak-seconds 600

Needs root for the small filesystems (tmpfs) and the PostgreSQL binaries (apt-get install postgresql); a
scenario that cannot run here says why and the rest carry on. It starts its own throwaway PostgreSQL server
on a loopback port and removes it afterwards. Copy the printed table into docs/reliability.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import (
    OwnPostgres,
    Site,
    build_site,
    close_bound,
    pg_copy,
    small_filesystem,
)
from tests.reliability.sizes import FULL_SIZES, SIZES


class Run:
    def __init__(self, sizes: dict, server: OwnPostgres | None, work: Path, out: list) -> None:
        self.sizes, self.server, self.work, self.out = sizes, server, work, out

    def folder(self, name: str) -> Path:
        path = self.work / f"{name}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return path

    def site(self, backend: str, name: str, pupils: int) -> Site:
        folder = self.folder(name)
        if backend == "sqlite":
            return build_site(str(folder / "kiosk.db"), folder, pupils=pupils)
        if self.server is None:
            raise Skip("no PostgreSQL server here")
        return build_site(self.server.fresh_database(), folder, pupils=pupils)

    def backends(self) -> list[str]:
        return ["sqlite", "postgres"] if self.server is not None else ["sqlite"]

    def report(self, figure: scenarios.Figure | None) -> None:
        if figure is None:
            return
        self.out.append(figure)
        print(figure.line(), flush=True)


class Skip(Exception):
    pass


# ---- the scenarios, at figure size ------------------------------------------------------------------------------


def s1(run: Run) -> None:
    for backend in run.backends():
        run.report(scenarios.kill9_handins(run.site(backend, "kill9", 600), rounds=run.sizes["kill_rounds"]))
    run.report(scenarios.kill9_handins(run.site("sqlite", "kill9-naive", 200), rounds=10, naive=True))


def s2(run: Run) -> None:
    where = Path(tempfile.mkdtemp(prefix="kiosk-small-"))
    where.chmod(0o755)
    try:
        with small_filesystem(where / "sqlite", 4096) as filesystem:
            if filesystem is None:
                raise Skip("cannot mount a tmpfs here (needs root)")
            site = build_site(str(filesystem / "kiosk.db"), run.folder("diskfull"), pupils=30)
            run.report(scenarios.disk_full(site, filesystem))
        run.report(scenarios.io_error(run.site("sqlite", "ioerror", 10)))
        if run.server is not None:
            with small_filesystem(where / "pg", 2048) as filesystem:
                site = build_site(run.server.fresh_database(), run.folder("diskfull-pg"), pupils=30)
                run.report(scenarios.disk_full_postgres(site, run.server, filesystem))
    finally:
        shutil.rmtree(where, ignore_errors=True)


def s3(run: Run) -> None:
    phones, naive, tags = run.sizes["race_phones"], run.sizes["naive_race_phones"], run.sizes["race_tags"]
    for backend in run.backends():
        site = run.site(backend, "race", phones + naive + tags + 10)
        ids = scenarios.confiscate_all(site, site.codes[:phones])
        run.report(scenarios.release_race(site, ids, desks=8))
        ids = scenarios.confiscate_all(site, site.codes[phones:phones + naive])
        run.report(scenarios.release_race(site, ids, desks=8, naive=True))
        run.report(scenarios.handin_race(site, site.codes[phones + naive:phones + naive + tags], desks=8))


def s4(run: Run) -> None:
    site = run.site("sqlite", "soak", 60)
    run.report(scenarios.shared_sqlite_soak(site, seconds=run.sizes["soak_seconds"]))
    from kiosk.db import connection

    saved = dict(connection.SQLITE_PRAGMAS)
    connection.SQLITE_PRAGMAS.update(journal_mode="delete", busy_timeout=0)
    try:
        site = run.site("sqlite", "soak-naive", 60)
        run.report(scenarios.shared_sqlite_soak(site, seconds=10, naive=True))
    finally:
        connection.SQLITE_PRAGMAS.clear()
        connection.SQLITE_PRAGMAS.update(saved)


def s5(run: Run) -> None:
    if run.server is None:
        raise Skip("no PostgreSQL server here")
    run.report(scenarios.postgres_outage(run.server, run.site("postgres", "outage", 80)))


def s6(run: Run) -> None:
    from kiosk.storage.transfer import migrate_sqlite_to_postgres

    site = run.site("sqlite", "tamper", 120)
    scenarios.school_history(site, min_events=run.sizes["tamper_events"])
    site.open().execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_bound()

    def sqlite_copy(_name: str) -> str:
        dest = site.folder / f"attack-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(site.path, dest)
        return str(dest)

    run.report(scenarios.tamper_matrix(site, str(site.path), sqlite_copy))
    if run.server is not None:
        pristine = run.server.fresh_database()
        migrate_sqlite_to_postgres(site.path, pristine, site.keyring)
        close_bound()
        run.report(scenarios.tamper_matrix(site, pristine,
                                           lambda _name: pg_copy(pristine, "atk_" + uuid.uuid4().hex[:10])))
    for figure in [f for f in run.out if f.scenario.startswith("6.")]:
        for row in figure.numbers["results"]:
            mark = "detected" if row["detected"] else ("passes" if row["exit_code"] == 0 else "NOT DETECTED")
            print(f"      {figure.backend:<10} {row['attack']:<50} {mark:<13} {row['problem'][:70]}")


def s7(run: Run) -> None:
    for backend in run.backends():
        size = run.sizes["atomic_sqlite" if backend == "sqlite" else "atomic_postgres"]
        run.report(scenarios.atomic_coupling(run.site(backend, "atomic", 150), injections=size))
    run.report(scenarios.atomic_coupling(run.site("sqlite", "atomic-naive", 40), injections=20, naive=True))


def s8(run: Run) -> None:
    for backend in run.backends():
        site = run.site(backend, "lockout", 20)
        log = (run.server.directory / "pg.log").read_text if backend == "postgres" and run.server else None
        run.report(scenarios.lockout_across_desks(site, server_log=log))


def s9(run: Run) -> None:
    run.report(scenarios.scan_fuzz(run.site("sqlite", "fuzz", 1000), inputs=run.sizes["fuzz_inputs"],
                                   mutations=run.sizes["fuzz_mutations"]))


def s10(run: Run) -> None:
    run.report(scenarios.backup_while_writing(run.site("sqlite", "backup", 80), backups=run.sizes["backups"]))


def s11(run: Run) -> None:
    if run.server is None:
        raise Skip("no PostgreSQL server here")
    run.report(scenarios.desks_share_postgres(run.site("postgres", "desks", 80), per_desk=20))


SCENARIOS: dict[int, tuple[str, Callable[[Run], None]]] = {
    1: ("kill -9 during hand-ins", s1), 2: ("disk full / I/O error", s2), 3: ("racing desks", s3),
    4: ("desk + report job on one SQLite file", s4), 5: ("PostgreSQL restart / killed backend", s5),
    6: ("tamper matrix", s6), 7: ("atomic coupling", s7), 8: ("lockout and PINs", s8), 9: ("scan fuzz", s9),
    10: ("backup while writing", s10), 11: ("several desks on PostgreSQL", s11),
}


@contextmanager
def postgres_or_none():
    if os.environ.get("KIOSK_FIGURES_NO_PG"):
        yield None
        return
    server = OwnPostgres()
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001
        print(f"(no PostgreSQL: {exc}; PostgreSQL figures are skipped)", flush=True)
        yield None
        return
    try:
        yield server
    finally:
        close_bound()
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.figures", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the CI sizes (as pytest runs them)")
    parser.add_argument("--only", help="scenario numbers, e.g. 1,3,9 (11 = several desks on PostgreSQL)")
    parser.add_argument("--soak-seconds", type=float, help="scenario 4's length (default 300, quick 30)")
    parser.add_argument("--json", help="also write one JSON object per figure to this file")
    args = parser.parse_args(argv)
    sizes = dict(SIZES if args.quick else FULL_SIZES)
    if args.soak_seconds:
        sizes["soak_seconds"] = args.soak_seconds
    wanted = [int(n) for n in args.only.split(",")] if args.only else list(SCENARIOS)
    work = Path(tempfile.mkdtemp(prefix="kiosk-figures-"))
    os.environ["KIOSK_CONFIG_DIR"] = str(work / "config")  # never the office PC's own settings
    os.environ["KIOSK_DATA_DIR"] = str(work / "data")
    out: list[scenarios.Figure] = []
    started = time.monotonic()
    print(f"Reliability figures — {datetime.now():%Y-%m-%d %H:%M} — python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores — sizes: {'CI' if args.quick else 'full'}", flush=True)
    failures = 0
    with postgres_or_none() as server:
        run = Run(sizes, server, work, out)
        for number in wanted:
            title, scenario = SCENARIOS[number]
            print(f"\n== {number}. {title}", flush=True)
            begun = time.monotonic()
            try:
                scenario(run)
            except Skip as skip:
                print(f"   skipped: {skip}", flush=True)
            except Exception:  # noqa: BLE001 - report it and carry on with the others
                failures += 1
                print(f"   FAILED TO RUN:\n{traceback.format_exc()}", flush=True)
            finally:
                close_bound()
            print(f"   ({time.monotonic() - begun:.0f} s)", flush=True)
    print(f"\n== Summary ({time.monotonic() - started:.0f} s)")
    for figure in out:
        print(figure.line())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            for figure in out:
                fh.write(figure.as_json() + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
