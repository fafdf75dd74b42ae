"""Machinery shared by the reliability scenarios: a school of any size on SQLite or PostgreSQL, desk processes
that can be killed, a PostgreSQL server that can be restarted, and the invariants every scenario checks.

Nothing here asserts: scenarios measure, tests assert on the measurements.
"""

from __future__ import annotations

import hashlib
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from peewee import Database, PostgresqlDatabase, SqliteDatabase

from kiosk.auth import SignedIn, add_staff, sign_in
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.custody import DeskContext
from kiosk.db import Staff, Tag, database_proxy
from kiosk.db.connection import is_postgres_url
from kiosk.keyring import Keyring, load_or_create_key_file
from tests import pgserver

REPO = Path(__file__).resolve().parents[2]

# name, initials, role, PIN (all invented). The office member does the desk work; the others authorise.
OFFICE = ("Ann Adams", "AA", "office", "482913")
ADMIN = ("Sam Okafor", "SO", "admin", "735106")
DSL = ("Priya Shah", "PS", "dsl", "864209")
HEAD = ("Hugh Grant-Ellis", "HG", "head", "591730")
STAFF = (OFFICE, ADMIN, DSL, HEAD)
PINS = tuple(person[3] for person in STAFF)


# Monday 30 November 2026, 08:30 in London: a school day in term. The suite runs in school time whatever the
# real date is, so a run on a Saturday meets no weekend rules (a confiscation held "until the next school day").
SCHOOL_MORNING = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
EPOCH_VARIABLE = "KIOSK_RELIABILITY_EPOCH"
RELEASES_FROM = "08:00"  # the reliability site's end of the school day: see Site.ctx


class SchoolClock(Clock):
    """The wall clock moved to a school morning. Every process of one site shares the same real instant as
    "08:30" (its epoch), so times stay in order across desks; the clock ticks in real time from there."""

    def __init__(self, epoch: float | None = None) -> None:
        self.epoch = datetime.fromtimestamp(epoch if epoch is not None else time.time(), UTC)

    def now(self) -> datetime:
        return SCHOOL_MORNING + (datetime.now(UTC) - self.epoch)


def school_clock_from_env() -> Clock:
    epoch = os.environ.get(EPOCH_VARIABLE)
    return SchoolClock(float(epoch)) if epoch else Clock()


def cheap_pin_hash(pin: str, pepper: bytes) -> str:
    """The kiosk's own scrypt format with a tiny work factor. `pin_matches` honours the parameters stored with
    each hash, so the PIN check runs in full; only the hashing is fast enough for thousands of step-ups."""
    n, r, p = 2**4, 8, 1
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt + pepper, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


@dataclass
class Site:
    """One school's database (a SQLite file or a PostgreSQL database), its key file and its tag codes."""

    url: str
    folder: Path
    key_path: Path
    keyring: Keyring
    codes: list[str] = field(default_factory=list)
    epoch: float = field(default_factory=time.time)  # the real instant that is 08:30 on a school Monday

    @property
    def clock(self) -> SchoolClock:
        return SchoolClock(self.epoch)

    @property
    def backend(self) -> str:
        return "postgresql" if is_postgres_url(self.url) else "sqlite"

    @property
    def path(self) -> Path:
        return Path(self.url)

    @property
    def witness_path(self) -> Path:
        """The witness file a desk of this school keeps beside its key file (kiosk.config.witness_path)."""
        return self.key_path.with_suffix(".witness")

    def open(self, *, resilient: bool = False) -> Database:
        """Bind this process's models to the site (closing whatever they were bound to). Writes made here are
        witnessed in the site's witness file, as a desk's are."""
        from kiosk.storage import open_for_desk

        close_bound()
        # `resilient` changes nothing any more: every PostgreSQL database kiosk.db makes reconnects by itself
        # (kiosk/db/resilience.py). Kept so the scenarios still say which opens rely on it.
        return open_for_desk(self.url, witness=self.witness_path)

    def env(self, **extra: str) -> dict[str, str]:
        return kiosk_env(self.folder, self.key_path, **{EPOCH_VARIABLE: repr(self.epoch), **extra})

    def ctx(self, desk: str = "Reception 1", clock: Clock | None = None) -> DeskContext:
        """An office member signed in at `desk` in this process (the sign-in is real and audited)."""
        clock = clock or self.clock
        who = sign_in(keyring=self.keyring, clock=clock, desk=desk, who=OFFICE[1], pin=OFFICE[3])
        # The site's school day "ends" at 08:00: its clock starts at 08:30, and a 1st-rung phone released then would
        # be an early release needing the head (issue 16; tests/test_custody_records.py). These scenarios are about
        # durability and races, not that rule.
        settings = Settings(school_name="Hillcrest Academy", desk=desk, hand_back_from=RELEASES_FROM)
        return DeskContext(self.keyring, clock, settings, who)

    def signed_in(self, person: tuple[str, str, str, str], desk: str = "Reception 1") -> SignedIn:
        return sign_in(keyring=self.keyring, clock=self.clock, desk=desk, who=person[1], pin=person[3])

    def cli(self, *argv: str, desk: str | None = None, timeout: float = 120,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """The real `kiosk` command against this site, in its own process."""
        flags = ["--db", self.url] + (["--desk", desk] if desk else [])
        return subprocess.run([sys.executable, "-m", "kiosk.cli", *flags, *argv], cwd=REPO, env=self.env(),
                              capture_output=True, text=True, timeout=timeout, input=stdin)


def kiosk_env(folder: Path, key_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a kiosk process of this school: this repository's code, its own settings folders
    and key file, none of the developer's own kiosk settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_") or k.startswith("KIOSK_REQUIRE")}
    env.update(PYTHONPATH=str(REPO), KIOSK_CONFIG_DIR=str(folder / "config"), KIOSK_DATA_DIR=str(folder / "data"),
               KIOSK_KEY_FILE=str(key_path))
    env.update(extra)
    return env


def close_bound() -> None:
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        try:
            db.close()
        except Exception:
            db._state.reset()


def build_site(url: str, folder: Path, *, pupils: int = 240, cheap_pins: bool = True) -> Site:
    """A school with staff and `pupils` pupils (each with a tag and two carers) imported the way a school
    imports its roll: the MIS CSV through the real roster import."""
    from kiosk.demo import write_demo_roster
    from kiosk.roster import import_roster
    from kiosk.storage import open_for_desk

    folder.mkdir(parents=True, exist_ok=True)
    close_bound()
    key_path = folder / "config" / "kiosk.key"
    # Witnessed from the first write, like a desk of this school (the witness sits beside the key file).
    open_for_desk(url, witness=key_path.with_suffix(".witness"))
    keyring = load_or_create_key_file(key_path)
    epoch = time.time()
    clock = SchoolClock(epoch)
    for name, initials, role, pin in STAFF:
        if not Staff.select().where(Staff.initials == initials).exists():
            add_staff(keyring=keyring, clock=clock, desk="Set-up", name=name, initials=initials, role=role, pin=pin)
            if cheap_pins:
                _set_cheap_pin(keyring, clock, initials, pin)
    if pupils:
        pupils_csv, carers_csv = write_demo_roster(folder / "roster", pupils)
        import_roster(pupils_csv, carers_csv, clock=clock, audit_key=keyring.audit_key, desk="Set-up",
                      staff_id=None, dry_run=False)
    codes = [t.code for t in Tag.select(Tag.code).where(Tag.status == "active").order_by(Tag.id)]
    return Site(url, folder, key_path, keyring, codes, epoch)


def _set_cheap_pin(keyring: Keyring, clock: Clock, initials: str, pin: str) -> None:
    """Swap the PIN hash for a cheap one the way the kiosk changes a staff record: resealed (kiosk/audit/rows.py) and
    recorded by an event, or sign-in and `kiosk audit verify` rightly refuse it as changed outside the kiosk."""
    from kiosk.audit import append_event
    from kiosk.audit import rows as sealing
    from kiosk.db.connection import write_transaction

    with write_transaction(database_proxy.obj):
        staff = Staff.get(Staff.initials == initials)
        Staff.update(pin_hash=cheap_pin_hash(pin, keyring.pin_pepper)).where(Staff.id == staff.id).execute()
        append_event(key=keyring.audit_key, at=clock.now(), desk="Set-up", action="TEST_PIN_HASH_CHEAPENED",
                     staff=staff.id, rows=[sealing.reseal(keyring.audit_key, Staff, staff.id)])


def sqlite_site(folder: Path, **kwargs: Any) -> Site:
    return build_site(str(folder / "kiosk.db"), folder, **kwargs)


# ---- invariants --------------------------------------------------------------------------------------------


@dataclass
class Invariants:
    integrity: str  # SQLite integrity_check, or "n/a (PostgreSQL)"
    audit_ok: bool
    audit_problems: list[str]
    events: int
    custody_rows: int
    custody_without_event: int
    tags_with_two_open: int

    @property
    def ok(self) -> bool:
        return (self.integrity in ("ok", "n/a (PostgreSQL)") and self.audit_ok and not self.custody_without_event
                and not self.tags_with_two_open)


def invariants(site: Site) -> Invariants:
    """Integrity, the audit chain and replay (against the school's witness file too: whatever was killed, filled
    or restarted, no desk may have witnessed a write the database does not hold), and the custody/event coupling,
    read in this process."""
    from kiosk.audit import verify

    db = site.open()
    integrity = "n/a (PostgreSQL)"
    if isinstance(db, SqliteDatabase):
        integrity = "; ".join(r[0] for r in db.execute_sql("PRAGMA integrity_check").fetchall())
    report = verify(site.keyring.audit_key, witness=site.witness_path if site.witness_path.exists() else None)
    orphans = scalar(db, "SELECT COUNT(*) FROM custody c WHERE NOT EXISTS "
                         "(SELECT 1 FROM event e WHERE e.custody_id = c.id)")
    doubles = scalar(db, "SELECT COUNT(*) FROM (SELECT tag_id FROM custody WHERE closed_at IS NULL "
                         "GROUP BY tag_id HAVING COUNT(*) > 1) AS d")
    return Invariants(integrity, report.ok, report.problems[:10], scalar(db, "SELECT COUNT(*) FROM event"),
                      scalar(db, "SELECT COUNT(*) FROM custody"), orphans, doubles)


def scalar(db: Database, sql: str, *params: Any) -> Any:
    if isinstance(db, PostgresqlDatabase):
        sql = sql.replace("?", "%s")
    return db.execute_sql(sql, params).fetchone()[0]


# ---- desk processes ----------------------------------------------------------------------------------------


class DeskProcess:
    """`python -m tests.reliability.desk_child MODE …` with its output read line by line as it comes."""

    def __init__(self, site: Site, mode: str, *args: str, desk: str = "Reception 1", resilient: bool = False,
                 env: dict[str, str] | None = None) -> None:
        argv = [sys.executable, "-m", "tests.reliability.desk_child", mode, "--url", site.url, "--desk", desk]
        if resilient:
            argv.append("--resilient")
        self.proc = subprocess.Popen([*argv, *args], cwd=REPO, env=env or site.env(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines: list[str] = []
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.stderr = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._err.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            self.queue.put(line)
        self.queue.put(None)

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def wait_for(self, prefix: str, timeout: float = 60) -> str:
        """The next line starting with `prefix` (lines before it are kept in .lines)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {prefix!r} line from the desk process; stderr: {self.stderr[-2000:]}")
            try:
                line = self.queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self._err.join(5)
                raise RuntimeError(f"the desk process ended before {prefix!r}: {self.stderr[-3000:]}")
            if line.startswith(prefix):
                return line

    def wait_count(self, prefix: str, n: int, timeout: float = 120) -> None:
        """Until at least `n` lines starting with `prefix` have been printed in all."""
        deadline = time.monotonic() + timeout
        while self.count(prefix) < n:
            if self.proc.poll() is not None and self.queue.empty():
                self._reader.join(5)
                if self.count(prefix) < n:
                    raise RuntimeError(f"the desk process ended with {self.count(prefix)} {prefix!r} lines: "
                                       f"{self.stderr[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {self.count(prefix)} {prefix!r} lines; stderr: {self.stderr[-2000:]}")
            time.sleep(0.02)

    def count(self, prefix: str) -> int:
        return sum(1 for line in list(self.lines) if line.startswith(prefix))

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(text + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def kill9(self) -> None:
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.finish(30)

    def finish(self, timeout: float = 120) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        self._reader.join(10)
        self._err.join(10)
        return code


def start_together(desks: list[DeskProcess], timeout: float = 120) -> None:
    """Wait until every desk is READY, then release them at the same instant."""
    for desk in desks:
        desk.wait_for("READY", timeout)
    for desk in desks:
        desk.send("GO")


def write_lines(path: Path, items: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{item}\n" for item in items))
    return path


# ---- a PostgreSQL server of our own, which may be stopped, restarted and filled -------------------------------


class OwnPostgres(pgserver.Server):
    """A throwaway server this suite may restart (the session's shared server must not be disturbed)."""

    def __init__(self) -> None:
        super().__init__()
        self.url = ""  # never an external server: we stop and start this one

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/")[0])

    @property
    def directory(self) -> Path:
        assert self._dir is not None
        return Path(self._dir)

    def _ctl(self, action: str) -> subprocess.CompletedProcess[str]:
        data, log = f"{self._dir}/data", f"{self._dir}/pg.log"
        opts = f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        cmd = {"status": f"{self._bin}/pg_ctl -D {data} status",
               "stop": f"{self._bin}/pg_ctl -D {data} -m fast -w stop",
               "start": f"{self._bin}/pg_ctl -D {data} -l {log} -o \"{opts}\" -w start",
               "restart": f"{self._bin}/pg_ctl -D {data} -l {log} -o \"{opts}\" -m fast -w restart"}[action]
        return subprocess.run(pgserver._as_postgres(cmd), capture_output=True, text=True, timeout=120)

    def stop_server(self) -> None:
        self._ctl("stop")

    def start_server(self) -> None:
        if self._ctl("status").returncode == 0:
            return  # already running
        result = self._ctl("start")
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start again: {result.stderr or result.stdout}")

    def restart_server(self) -> None:
        result = self._ctl("restart")
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not restart: {result.stderr or result.stdout}")

    def admin(self, sql: str, *params: Any, database: str = "postgres") -> list[tuple[Any, ...]]:
        import psycopg2

        conn = psycopg2.connect(self.url.rsplit("/", 1)[0] + "/" + database)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def terminate_backends(self, database: str) -> int:
        rows = self.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", database)
        return sum(1 for (done,) in rows if done)

    def log_text(self) -> str:
        try:
            return (self.directory / "pg.log").read_text(errors="replace")
        except OSError:
            return ""


def start_own_postgres() -> OwnPostgres:
    """A started OwnPostgres; where PostgreSQL is missing the test fails under KIOSK_REQUIRE_PG=1, else skips."""
    from tests.helpers import start_or_skip

    return start_or_skip(OwnPostgres(), missing=pgserver.NoPostgres, require_flag="KIOSK_REQUIRE_PG",
                         what="PostgreSQL server of the test's own")


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---- a small real filesystem ---------------------------------------------------------------------------------


@contextmanager
def small_filesystem(where: Path, size_kib: int = 2048, owner: str | None = None) -> Iterator[Path | None]:
    """A tmpfs of `size_kib` mounted at `where` (root only); None when it cannot be mounted here."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        yield None
        return
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(where)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        yield None
        return
    try:
        if owner:
            shutil.chown(where, owner)
        yield where
    finally:
        close_bound()
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill_disk(folder: Path, leave_bytes: int) -> Path:
    """Write a filler file until only about `leave_bytes` are free on folder's filesystem."""
    filler = folder / "filler.bin"
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    with filler.open("ab") as fh:
        fh.write(b"\0" * max(0, free - leave_bytes))
    return filler



def pg_admin(url: str, sql: str) -> None:
    """Run one statement as the server's superuser, outside any transaction (CREATE/DROP DATABASE)."""
    import psycopg2

    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def pg_copy(template_url: str, name: str) -> str:
    """A new database on the same server, copied from `template_url` (which nobody may be connected to)."""
    pg_admin(template_url, f"CREATE DATABASE {name} TEMPLATE {database_name(template_url)}")
    return template_url.rsplit("/", 1)[0] + "/" + name
