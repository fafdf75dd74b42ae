"""B9: the desk while its database hangs, in a real terminal (tmux), on SQLite and on PostgreSQL.

The real `kiosk` command line (bench/desk_app.py, with its event loop's stalls written down) signs in on a copy of
the year and hands one phone in while the database is well. Then the database hangs — SQLite: this process holds
BEGIN IMMEDIATE on the file, as another program would; PostgreSQL: every server process serving the desk is
stopped (SIGSTOP), a server that accepts and never answers — and a burst of scans arrives in one terminal read.
Measured while it hangs:

  stall       the longest the desk's event loop was kept from its keys (from inside the app)   ≤ 100 ms
  echo        the longest a typed key took to show in the scan box (from outside, tmux), against the same
              keys typed while the database was well                                           ≤ well + 100 ms
  not saved   from the burst to NOT SAVED on screen                                             ≤ 6 s
Then the database is let go, and the scans not refused must all be saved, in the order scanned.

The bounds NOT SAVED waits for are the code's own (kiosk/db/waits.py: WRITE_WAIT_SECONDS for a database held by
another program, ANSWER_WAIT_SECONDS for a server that stopped answering; the budget is its
NOT_SAVED_WITHIN_SECONDS): the benchmark reads them rather than assume them, and waits that long plus a margin.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import FAIL, SKIPPED, Figure, read_only
from kiosk.db.waits import NOT_SAVED_WITHIN_SECONDS as NOT_SAVED_BUDGET_S

KEYS = ("B9.sqlite_stall", "B9.sqlite_echo", "B9.sqlite_not_saved", "B9.pg_stall", "B9.pg_echo", "B9.pg_not_saved")
STALL_BUDGET_MS = 100.0
ECHO_TEXT = "zqxjkvwz"  # typed one key at a time: letters no screen of the desk shows by itself
MARGIN_S = 5.0  # waited past the code's bound for NOT SAVED before calling it missing
# (seq, tag code) of the latest hand-ins in the trail, newest first.
LAST_HAND_INS = ("SELECT e.seq, t.code FROM event e JOIN tag t ON t.id = e.tag_id WHERE e.action = 'HANDED_IN' "
                 "ORDER BY e.seq DESC LIMIT 100")


def write_bound() -> tuple[float, str]:
    """How long a write waits for a database that is busy but alive before it is NOT SAVED, as the code says."""
    from kiosk.db.waits import WRITE_WAIT_SECONDS

    return WRITE_WAIT_SECONDS, "kiosk.db.waits.WRITE_WAIT_SECONDS"


def answer_bound() -> tuple[float, str]:
    """How long the desk waits for a server that sends nothing back at all (its processes stopped)."""
    from kiosk.db.waits import ANSWER_WAIT_SECONDS

    return ANSWER_WAIT_SECONDS, "kiosk.db.waits.ANSWER_WAIT_SECONDS"


@dataclass
class Hung:
    """One run of the desk through a hang."""

    burst: int
    well_echo_ms: list[float] = field(default_factory=list)
    hung_echo_ms: list[float] = field(default_factory=list)
    stall_ms: float | None = None
    stalls: list[tuple[float, float, float, float]] = field(default_factory=list)  # (ms, s after, CPU ms, GC ms)
    not_saved_s: float | None = None
    waited_s: float = 0.0
    saving_shown: bool = False
    saved_in_order: bool | None = None
    refused: int = 0
    saved: int = 0
    notes: list[str] = field(default_factory=list)


def type_and_time(tm: Any, session: str, text: str) -> list[float]:
    """Type `text` one key at a time; for each, ms from sending it to seeing everything typed so far on screen."""
    delays = []
    for end in range(1, len(text) + 1):
        t0 = time.perf_counter()
        tm.send(session, text[end - 1])
        seen, _ = tm.wait_for(session, text[:end], timeout=10, poll=0.003)
        delays.append((seen - t0) * 1000.0)
    tm.send(session, "C-u")
    tm.wait_for(session, lambda screen: text[:1] + text[1:2] not in screen, timeout=10, poll=0.01)
    return delays


def read_stalls(path: Path, start: float, end: float) -> tuple[float, list[tuple[float, float, float, float]]]:
    """The longest the desk's event loop was kept from its keys at any time between two monotonic instants (a
    late wake-up noted by bench/desk_app.py, counted if it overlaps the window), or, if the loop has noted nothing
    since before the window ended (no heartbeat), how long it has been stuck. Read a little after `end`, so that a
    stall running at `end` has been noted once it ended. Also the longest few, as (ms, s after `start` it ended, ms
    of CPU the loop's thread used during it, ms of garbage collection in it)."""
    late: list[tuple[float, float, float]] = []
    collections: list[tuple[float, float]] = []
    seen = start
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return float("nan"), []
    for line in lines:
        if line.startswith("gc "):  # a garbage collection: kept with the stall it fell in
            _gc, at_text, took, _generation = line.split()
            if start <= float(at_text) <= end + 1:
                collections.append((float(at_text), float(took)))
            continue
        try:
            at, ms, cpu = (float(x) for x in line.split())
        except ValueError:
            continue
        seen = max(seen, at)
        if ms > 0 and at >= start and at - ms / 1000.0 <= end:
            late.append((ms, at - start, cpu))
    now = time.monotonic()
    if seen < end:  # not a heartbeat since before the window ended: stuck since then
        late.append(((now - seen) * 1000.0, now - start, float("nan")))
    late.sort(reverse=True)
    longest = [(ms, at, cpu, sum(took for gc_at, took in collections if at - ms / 1000 - 0.01 <= gc_at - start <= at))
               for ms, at, cpu in late[:5]]
    return (late[0][0] if late else 0.0), longest


def run_hung_desk(tm: Any, session: str, command: list[str], env: dict[str, str | None], *, stall_log: Path,
                  pin: str, warm_code: tuple[str, str], burst: list[tuple[str, str]], hang: Callable[[], None],
                  release: Callable[[], None], wait_s: float, saved_codes: Callable[[], list[tuple[int, str]]]) -> Hung:
    """Sign in, hand one phone in while the database is well, time typed keys; hang it, send the burst, time typed
    keys again, wait for NOT SAVED (up to `wait_s`), let it go, and check what was saved."""
    from kiosk.widgets.big_text import draw

    result = Hung(burst=len(burst))
    tm.start(session, command, env)
    tm.wait_for(session, "Your initials", timeout=60)
    tm.send(session, "DM", "Enter")
    tm.wait_for(session, "PIN for DM")
    for digit in pin:  # typed as a person types: sent in one go, the desk takes the digits for a scanned card
        tm.send(session, digit)
        time.sleep(0.08)
    tm.send(session, "Enter")
    tm.wait_for(session, lambda text: "in office" in text and all(line in text for line in draw("HAND IN")),
                timeout=30)
    # One hand-in while all is well: the desk's worker has its own connection from here on (on PostgreSQL, one
    # of the server processes stopped below).
    tm.send(session, warm_code[0], "Enter")
    tm.wait_for(session, warm_code[1], timeout=30)
    before = max((seq for seq, _code in saved_codes()), default=0)
    time.sleep(0.5)  # the hand-in's figures and recount settle first: keys are timed at a desk at rest
    result.well_echo_ms = type_and_time(tm, session, ECHO_TEXT)

    keys: list[str] = []
    for code, _name in burst:
        keys += [code, "Enter"]
    hang()
    started = ended = time.monotonic()
    try:
        sent = time.perf_counter()
        tm.send(session, *keys)  # one send-keys: the burst arrives in one read, as a scanner's does
        try:
            tm.wait_for(session, lambda text: all(line in text for line in draw("SAVING...")), timeout=5, poll=0.01)
            result.saving_shown = True
        except TimeoutError:
            result.notes.append("SAVING... never shown")
        result.hung_echo_ms = type_and_time(tm, session, ECHO_TEXT)
        try:
            seen, screen = tm.wait_for(session, "NOT SAVED", timeout=max(0.0, wait_s - (time.perf_counter() - sent)),
                                       poll=0.02)
            result.not_saved_s = seen - sent
        except TimeoutError:
            result.notes.append(f"no NOT SAVED within {wait_s:.0f} s")
        result.waited_s = time.perf_counter() - sent
    finally:
        ended = time.monotonic()
        release()
    time.sleep(0.6)  # more than two heartbeats: a stall running as the window ended is noted by now
    result.stall_ms, result.stalls = read_stalls(stall_log, started, ended)

    # Let go: every scan is answered, in turn; those not refused are saved in the order scanned.
    last_name = burst[-1][1]
    try:
        tm.wait_for(session, lambda text: "saving" not in text and last_name in text, timeout=60 + wait_s, poll=0.05)
    except TimeoutError as exc:
        result.notes.append(f"the burst was not all answered after the database came back: {exc}"[:300])
    time.sleep(0.3)
    saved = [code for seq, code in saved_codes() if seq > before]
    order = [code for code, _ in burst if code in saved]
    result.saved = len(saved)
    result.refused = len(burst) - len(saved)
    result.saved_in_order = saved == order
    tm.kill(session)
    return result


def figures(prefix: str, name: str, hung: Hung | None, *, bound: float | None, where: str,
            skipped: str = "") -> list[Figure]:
    keys = [f"B9.{prefix}_stall", f"B9.{prefix}_echo", f"B9.{prefix}_not_saved"]
    if hung is None:
        return [Figure(key, key, "", status=SKIPPED, detail=skipped) for key in keys]
    stall = Figure(keys[0], f"{name} hung: longest stall of the desk's event loop during a burst of {hung.burst}",
                   "ms", hung.stall_ms, budget=f"≤ {STALL_BUDGET_MS:.0f} ms")
    whole = hung.saved_in_order and hung.saving_shown and hung.saved + hung.refused == hung.burst
    stall.judge(hung.stall_ms is not None and hung.stall_ms <= STALL_BUDGET_MS and bool(whole))
    order = "in scan order" if hung.saved_in_order else "OUT OF ORDER"
    longest = ", ".join(f"{ms:.0f} ms (ended +{at:.2f} s, {cpu:.0f} ms CPU" + (f", {gc:.0f} ms GC)" if gc else ")")
                        for ms, at, cpu, gc in hung.stalls)
    stall.detail = (f"the longest: {longest} after the burst was sent (asyncio wake-ups late by more than 10 ms, "
                    f"or no heartbeat; CPU: what the loop's thread used meanwhile, the rest it waited for a core); "
                    f"load average {os.getloadavg()[0]:.1f}; SAVING shown: {hung.saving_shown}; after the database "
                    f"came back {hung.saved} of {hung.burst} saved, {order}, {hung.refused} NOT SAVED"
                    + (f"; {'; '.join(hung.notes)}" if hung.notes else ""))
    worst_well = max(hung.well_echo_ms)
    worst = max(hung.hung_echo_ms)
    echo = Figure(keys[1], f"{name} hung: worst key echo in the scan box (tmux), during the burst", "ms", worst,
                  budget="≤ well + 100 ms")
    echo.with_baseline(worst_well, "the same keys, database well").judge(worst <= worst_well + 100.0)
    echo.detail = (f"{len(hung.hung_echo_ms)} keys typed one by one: {', '.join(f'{d:.0f}' for d in hung.hung_echo_ms)}"
                   f" ms; well: {', '.join(f'{d:.0f}' for d in hung.well_echo_ms)} ms (the box shows typed keys at "
                   "most every 50 ms, scan_box.SHOW_TYPED_EVERY; capture-pane polled every 3 ms)")
    not_saved = Figure(keys[2], f"{name} hung: scan to NOT SAVED on screen", "s",
                       hung.not_saved_s if hung.not_saved_s is not None else hung.waited_s,
                       budget=f"≤ {NOT_SAVED_BUDGET_S:.0f} s")
    bound_words = f"{bound:.1f} s ({where})" if bound is not None else where
    if hung.not_saved_s is None:
        not_saved.status = FAIL
        not_saved.detail = (f"NO NOT SAVED: still waiting after {hung.waited_s:.1f} s, when the benchmark let the "
                            f"database go; the code's bound: {bound_words}")
    else:
        not_saved.judge(hung.not_saved_s <= NOT_SAVED_BUDGET_S)
        not_saved.detail = f"the code's bound: {bound_words}"
    return [stall, echo, not_saved]


def measure(run: Any) -> list[Figure]:
    """B9 on SQLite, then on PostgreSQL."""
    from bench.terminal import Tmux

    try:
        tm = Tmux()
    except FileNotFoundError as exc:
        return [Figure(key, key, "", status=SKIPPED, detail=str(exc)) for key in KEYS]
    try:
        return [*sqlite_hung(run, tm), *postgres_hung(run, tm)]
    finally:
        tm.close()


def _desk_env(run: Any, name: str) -> tuple[dict[str, str | None], Path]:
    config = run.work / f"{name}-config"
    config.mkdir(parents=True, exist_ok=True)
    s = run.settings
    (config / "kiosk.toml").write_text(f'school_name = "{s.school_name}"\ndesk = "{s.desk}"\n'
                                       f'key_file = "{run.year.key_path}"\n'
                                       f'witness_file = "{run.work / f"{name}.witness"}"\n', encoding="utf-8")
    env: dict[str, str | None] = {"KIOSK_CONFIG_DIR": str(config), "KIOSK_DATA_DIR": str(run.work / f"{name}-data"),
                                  "KIOSK_DB": None, "KIOSK_DESK": None, "KIOSK_KEY_FILE": None,
                                  "PYTHONPYCACHEPREFIX": str(run.work / "pycache"), "PYTHONDONTWRITEBYTECODE": None}
    return env, run.work / f"{name}.stalls"


def _command(run: Any, db: str, stall_log: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bench.desk_app", "--pidfile", str(run.work / "hung.pid"), "--at",
            run.desk_start().isoformat(), "--stall-log", str(stall_log), *extra, "--", "--db", db]


def _tags(run: Any, path: Path, seed: int, n: int) -> list[tuple[str, str]]:
    return [(tag[3], tag[4]) for tag in run.free_tags(path, seed=seed)[: n + 1]]


def sqlite_hung(run: Any, tm: Any) -> list[Figure]:
    path = run.working_copy("hung.db")
    env, stall_log = _desk_env(run, "hung-sqlite")
    bound, where = write_bound()
    extra: tuple[str, ...] = ()
    if run.quick:  # a smoke run: its times mean nothing, and a shorter wait keeps the test suite quick
        bound, where = 1.0, "--quick: SQLite busy timeout shortened to 1 s"
        extra = ("--sqlite-busy-ms", "1000")
    tags = _tags(run, path, seed=9, n=run.n(20, 5))
    holder: list[sqlite3.Connection] = []

    def hang() -> None:
        conn = sqlite3.connect(str(path), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        holder.append(conn)

    def release() -> None:
        for conn in holder:
            conn.execute("ROLLBACK")
            conn.close()
        holder.clear()

    def saved_codes() -> list[tuple[int, str]]:
        conn = read_only(path)
        try:
            return conn.execute(LAST_HAND_INS).fetchall()[::-1]
        finally:
            conn.close()

    hung = run_hung_desk(tm, "hung-sqlite", _command(run, str(path), stall_log, *extra), env, stall_log=stall_log,
                         pin=run.pin("DM"), warm_code=tags[0], burst=tags[1:], hang=hang, release=release,
                         wait_s=bound + MARGIN_S, saved_codes=saved_codes)
    return figures("sqlite", "SQLite", hung, bound=bound, where=where)


def postgres_hung(run: Any, tm: Any) -> list[Figure]:
    from bench import pgload
    from kiosk.db import database_proxy, open_database
    from tests.pgserver import NoPostgres, Server

    bound, where = answer_bound()
    server = Server()
    try:
        server.start()
    except NoPostgres as exc:
        return figures("pg", "PostgreSQL", None, bound=bound, where=where, skipped=str(exc))
    try:
        import psycopg2

        db_url = server.fresh_database()
        open_database(db_url)  # the kiosk's migrations create the schema
        database_proxy.obj.close()
        t0 = time.perf_counter()
        pgload.copy_year(run.year.path, db_url)
        run.say(f"  PostgreSQL: year copied in {time.perf_counter() - t0:.0f} s")
        env, stall_log = _desk_env(run, "hung-pg")
        tags = _tags(run, run.year.path, seed=10, n=run.n(20, 5))
        name = db_url.rsplit("/", 1)[1]
        admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
        stopped: list[int] = []

        def admin(sql: str, *params: Any) -> list[tuple[Any, ...]]:
            conn = psycopg2.connect(admin_url)
            conn.autocommit = True
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, params)
                    return cur.fetchall() if cur.description else []
            finally:
                conn.close()

        def hang() -> None:
            pids = [pid for (pid,) in admin("SELECT pid FROM pg_stat_activity WHERE datname = %s", name)]
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)

        def release() -> None:
            for pid in stopped:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
            stopped.clear()

        def saved_codes() -> list[tuple[int, str]]:
            conn = psycopg2.connect(db_url)
            try:
                with conn.cursor() as cur:
                    cur.execute(LAST_HAND_INS)
                    return cur.fetchall()[::-1]
            finally:
                conn.close()

        wait_s = (bound if bound is not None else run.n(10, 3)) + (MARGIN_S if not run.quick else 1.0)
        try:
            hung = run_hung_desk(tm, "hung-pg", _command(run, db_url, stall_log), env, stall_log=stall_log,
                                 pin=run.pin("DM"), warm_code=tags[0], burst=tags[1:], hang=hang, release=release,
                                 wait_s=wait_s, saved_codes=saved_codes)
        except PermissionError as exc:
            release()
            return figures("pg", "PostgreSQL", None, bound=bound, where=where,
                           skipped=f"cannot stop the server's processes (SIGSTOP): {exc}")
        return figures("pg", "PostgreSQL", hung, bound=bound, where=where)
    finally:
        server.stop()

