"""Staying up when the database server does not: reconnecting, bounded retries, and a health probe.

Three tools, none of which guesses about a write whose outcome is unknown:

* `ReconnectingPostgresqlDatabase` — the kiosk's PostgreSQL database (`kiosk.db.connection.make_database`): it
  notices a dead connection (the server was restarted, a backend was terminated, the network dropped) and opens a
  new one *before* the next transaction starts, so a desk recovers by itself when the server returns. It never
  replays a statement that may have reached the server: a transaction that fails half way is reported
  (StorageFailed, "NOT SAVED") and the person scans again, which the custody rules recognise rather than
  duplicate. It also pins READ COMMITTED: the kiosk serialises writers with a row lock on the audit head, which
  under a server-wide default of SERIALIZABLE would turn every contended write into a serialisation failure.
* `retry_transient(fn, …)` — runs one domain action and retries it a bounded number of times when the database
  rolled it back for a reason that is safe to retry (serialisation failure, deadlock, SQLite "database is
  locked"). Each domain action is one transaction, so a retry is a clean re-run. A retry is made only while a
  further full wait would still end within NOT_SAVED_WITHIN_SECONDS (kiosk/db/waits.py): a lock that was waited
  out for the whole bound is not waited out again.
* `probe(db)` / `ConnectionWatch` — what the desk polls to show "database unreachable — do not hand phones back
  until it returns" and to clear it again by itself.

Nothing here imports textual; `kiosk.db.connection` may import this module (the reverse imports are lazy).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from peewee import Database, InterfaceError, OperationalError, PostgresqlDatabase

from kiosk.db.waits import ANSWER_WAIT_SECONDS, NO_ANSWER, NOT_SAVED_WITHIN_SECONDS

T = TypeVar("T")

UNREACHABLE_BANNER = "database unreachable — do not hand phones back until it returns"
DEFAULT_ATTEMPTS = 3

# SQLSTATEs after which the server has rolled the whole transaction back and a re-run is safe.
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization_failure, deadlock_detected, lock_not_available
TRANSIENT_TEXTS = ("could not serialize access", "deadlock detected", "database is locked",
                   "database table is locked", "lock not available")
# SQLSTATEs and texts that mean the connection itself is gone (class 08 = connection exception).
LOST_SQLSTATES = {"57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"}
LOST_TEXTS = (
    "server closed the connection", "terminating connection", "connection already closed",
    "could not connect", "connection refused", "connection to server", "the database system is shutting down",
    "the database system is starting up", "the database system is in recovery mode", "no connection to the server",
    "ssl connection has been closed", "could not receive data", "could not send data", "timeout expired",
    "connection not open", "connection is closed", "server conn crashed", "broken pipe",
)
READ_PREFIXES = ("select", "show", "values", "explain")


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything behind it: __cause__, __context__ and peewee's `.orig`."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nxt in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def _sqlstate(exc: BaseException) -> str | None:
    code = getattr(exc, "pgcode", None) or getattr(exc, "sqlstate", None)
    return code if isinstance(code, str) else None


def is_transient(exc: BaseException) -> bool:
    """The database rolled the transaction back and running it again is safe and may well succeed."""
    for current in causes(exc):
        if _sqlstate(current) in TRANSIENT_SQLSTATES:
            return True
        text = str(current).lower()
        if any(needle in text for needle in TRANSIENT_TEXTS):
            return True
    return False


def is_unanswered(exc: BaseException) -> bool:
    """The server sent nothing back within the bound (kiosk/db/waits.py): asking again would wait as long."""
    return any(NO_ANSWER in str(current) for current in causes(exc))


def is_connection_lost(exc: BaseException) -> bool:
    """The connection to the database server is gone (or could not be made)."""
    for current in causes(exc):
        if _sqlstate(current) in LOST_SQLSTATES:
            return True
        text = str(current).lower()
        if any(needle in text for needle in LOST_TEXTS):
            return True
    return False


def thread_state(db: Database) -> Any:
    """peewee's per-thread connection state (`Database._state`: conn, closed, reset()), which its stubs leave out."""
    return vars(db)["_state"]


class ReconnectingPostgresqlDatabase(PostgresqlDatabase):
    """PostgreSQL that opens a fresh connection when the old one died, between transactions only."""

    def init(self, database: str | None, register_unicode: bool = True, encoding: Any = None,
             isolation_level: Any = "READ COMMITTED", **kwargs: Any) -> None:
        super().init(database, register_unicode=register_unicode, encoding=encoding, isolation_level=isolation_level,
                     **kwargs)

    # -- connection state ------------------------------------------------------------------------------
    def connection_broken(self) -> bool:
        """True when the driver already knows this thread's connection is dead (no round trip)."""
        if self.is_closed():
            return False
        conn = thread_state(self).conn
        if getattr(conn, "closed", False):
            return True
        adapter = vars(self)["_adapter"]  # peewee's driver adapter (psycopg2 or 3), not in its stubs
        try:
            return bool(adapter.txn_status(conn) == adapter.txn_unknown)
        except Exception:
            return True

    def discard_connection(self) -> None:
        """Forget this thread's connection so the next statement connects again. Never inside a transaction."""
        if self.is_closed() or self.in_transaction():
            return
        conn = thread_state(self).conn
        try:
            conn.close()
        except Exception:
            pass
        thread_state(self).reset()

    def _connect(self) -> Any:
        try:
            return super()._connect()  # type: ignore[misc]  # peewee's stubs leave out the hook this overrides
        except Exception as exc:
            # libpq ≥ 14 says "connection to server at … failed"; say it the way every layer above recognises.
            detail = " ".join(str(exc).split())
            raise OperationalError(f"could not connect to the database server ({detail})") from exc

    # -- transactions ----------------------------------------------------------------------------------
    def begin(self, isolation_level: Any = None) -> None:
        # Called before the transaction is pushed, so nothing has been sent for it yet: reconnecting here
        # and sending BEGIN again can never repeat anything.
        if self.connection_broken():
            self.discard_connection()
        try:
            super().begin(isolation_level)
        except (OperationalError, InterfaceError) as exc:
            if not is_connection_lost(exc):
                raise
            self.discard_connection()
            if is_unanswered(exc):
                raise  # the bound is spent: connecting again could wait as long (a frozen server)
            super().begin(isolation_level)

    def rollback(self) -> None:
        # A dead connection has no transaction left to roll back (the server dropped it): say nothing, so the
        # error that killed it is the one reported, not "connection already closed".
        if self.connection_broken():
            self.discard_connection()
            return
        try:
            super().rollback()
        except (OperationalError, InterfaceError) as exc:
            if not is_connection_lost(exc):
                raise
            self.discard_connection()

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        if self.in_transaction():
            return self._send(sql, params)
        if self.connection_broken():
            self.discard_connection()
        try:
            return self._send(sql, params)
        except (OperationalError, InterfaceError) as exc:
            if not is_connection_lost(exc):
                raise
            self.discard_connection()
            # A read outside a transaction is safe to send again; a write may have reached the server. A server
            # that did not answer at all is not asked again: that would double the wait.
            if not sql.lstrip().lower().startswith(READ_PREFIXES) or is_unanswered(exc):
                raise
            return self._send(sql, params)

    def _send(self, sql: str, params: Any) -> Any:
        return super().execute_sql(sql, params)  # type: ignore[no-untyped-call]  # peewee's stubs: unannotated


def open_database(url: str, *, migrate: bool = True, **kwargs: Any) -> Database:
    """`kiosk.db.connection.open_database`, which now makes every PostgreSQL database a reconnecting one."""
    from kiosk.db import connection

    return connection.open_database(url, migrate=migrate, **kwargs)


# -- consistent reads -----------------------------------------------------------------------------------


@contextmanager
def snapshot(db: Database | None = None) -> Iterator[None]:
    """Every read inside sees the database as of one instant, while other desks keep writing.

    Needed by anything that reads several tables and compares them — above all the audit verifier, which
    otherwise sees events a desk committed after it read the head (a false "events were removed" alarm)
    or custody rows newer than the events it read. SQLite: a deferred transaction (in WAL mode a reader
    holds one snapshot and never blocks the desk). PostgreSQL: REPEATABLE READ, read only."""
    from peewee import DatabaseProxy

    from kiosk.db.models import database_proxy

    found: Database | DatabaseProxy | None = db if db is not None else database_proxy
    while isinstance(found, DatabaseProxy):  # a model's database may be the proxy: use what it points at
        found = found.obj
    db = found
    if db is None:
        raise RuntimeError("no database is open")
    if db.in_transaction():
        yield
        return
    if isinstance(db, PostgresqlDatabase):
        with db.atomic(isolation_level="REPEATABLE READ"):
            db.execute_sql("SET TRANSACTION READ ONLY")
            yield
    else:
        with db.atomic():
            yield


# -- bounded retries ------------------------------------------------------------------------------------


@dataclass
class RetryStats:
    calls: int = 0
    retries: int = 0
    gave_up: int = 0


def retry_transient(
    fn: Callable[..., T], *args: Any, attempts: int = DEFAULT_ATTEMPTS, delay: float = 0.05,
    sleep: Callable[[float], None] = time.sleep, stats: RetryStats | None = None,
    clock: Callable[[], float] = time.monotonic, **kwargs: Any,
) -> T:
    """Run one domain action, re-running it (at most `attempts` runs in all) when the database rolled it back
    for a transient reason, and only while one more attempt waiting its full bound (ANSWER_WAIT_SECONDS) would
    still end within NOT_SAVED_WITHIN_SECONDS of the first. Anything else, including a lost connection, is raised
    at once: the desk shows NOT SAVED and the person scans again rather than the kiosk guessing whether the
    write happened."""
    if stats is not None:
        stats.calls += 1
    started = clock()
    for attempt in range(1, attempts + 1):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            pause = delay * attempt * (0.5 + random.random())  # jittered, so racing desks do not collide in step
            in_time = clock() - started + pause + ANSWER_WAIT_SECONDS <= NOT_SAVED_WITHIN_SECONDS
            if attempt >= attempts or not in_time or not is_transient(exc) or is_connection_lost(exc):
                if stats is not None and attempt > 1:
                    stats.gave_up += 1
                raise
            if stats is not None:
                stats.retries += 1
            sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


# -- health -----------------------------------------------------------------------------------------------


def probe(db: Database | None = None) -> str | None:
    """None when the database answers, else a plain sentence saying why it does not. Safe to call often."""
    from kiosk.db.connection import storage_failure_message
    from kiosk.db.models import database_proxy

    db = db or database_proxy.obj
    if db is None:
        return "the database is not open"
    if db.in_transaction():
        return None  # busy with a write on this thread: it is answering
    try:
        if isinstance(db, ReconnectingPostgresqlDatabase) and db.connection_broken():
            db.discard_connection()
        db.execute_sql("SELECT seq FROM audit_head WHERE id = 1").fetchone()
    except (OperationalError, InterfaceError) as exc:
        if isinstance(db, PostgresqlDatabase) and not isinstance(db, ReconnectingPostgresqlDatabase):
            # A plain peewee database keeps its dead connection: drop it so the next probe reconnects.
            try:
                db.close()
            except Exception:
                thread_state(db).reset()
        return storage_failure_message(exc).removeprefix("NOT SAVED: ")
    return None


@dataclass(frozen=True)
class Health:
    ok: bool
    cause: str | None  # why not, in plain words
    since: datetime | None  # when it became unreachable (UTC)

    @property
    def banner(self) -> str | None:
        return None if self.ok else UNREACHABLE_BANNER


class ConnectionWatch:
    """Polled by the desk every few seconds: remembers since when the database has been unreachable."""

    def __init__(self, db: Database | None = None, now: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.now = now or (lambda: datetime.now(UTC))
        self.health = Health(True, None, None)

    def check(self) -> Health:
        cause = probe(self.db)
        if cause is None:
            self.health = Health(True, None, None)
        else:
            self.health = Health(False, cause, self.health.since or self.now())
        return self.health
