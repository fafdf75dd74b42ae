"""Opening the database: a SQLite file with real durability settings, or a shared PostgreSQL server."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar
from urllib.parse import unquote, urlparse

from peewee import Database, IntegrityError, InterfaceError, PostgresqlDatabase, SqliteDatabase
from peewee import DatabaseError as PeeweeDatabaseError

from kiosk.db.commits import head_for_listeners, tell_listeners
from kiosk.db.models import database_proxy
from kiosk.db.waits import NO_ANSWER, WRITE_WAIT_SECONDS
from kiosk.errors import StorageFailed
from kiosk.platform import keep_database_private, remote_drive

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)

NETWORK_FILESYSTEMS = {"cifs", "smb", "smb2", "smbfs", "smb3", "nfs", "nfs4", "afs", "ncpfs", "9p",
                       "fuse.sshfs", "davfs", "fuse.davfs2", "ceph", "glusterfs", "fuse.glusterfs"}

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers never block the desk's writes
    "synchronous": 2,  # FULL: an acknowledged hand-in survives a power cut
    "foreign_keys": 1,
    # ms: wait for another process's write rather than fail at once, but no longer than the desk's bound
    # (kiosk/db/waits.py): a write that cannot have the lock by then is NOT SAVED, never a frozen desk.
    "busy_timeout": int(WRITE_WAIT_SECONDS * 1000),
    "cache_size": -16000,
}


class DatabaseError(Exception):
    """The database cannot be opened or used; the message says why and what to do."""


class NoSchool(DatabaseError):
    """No school's database where the settings point (a new PC, or a command run as another account): opened
    only to read or keep it, never made there; only setting a school up makes one."""

    def __init__(self, where: str) -> None:
        super().__init__(f"No school is set up for this account: {where}. Run `kiosk init` to set one up, or run "
                         "this as the account that set it up (a scheduled task too). Nothing was made or changed.")


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def mount_fstype(path: Path, mountinfo: str | None = None) -> str | None:
    """The filesystem type of the mount holding `path`, from /proc/self/mountinfo (Linux)."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        parts, rparts = left.split(), right.split()
        if len(parts) < 5 or not rparts:
            continue
        mount_point = parts[4].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, rparts[0]
    return best_type


def network_location_reason(path: Path, mountinfo: str | None = None, platform: str = sys.platform) -> str | None:
    """Why `path` is on a network share, or None. SQLite's locking is unsafe there."""
    text = str(path)
    if platform == "win32" or text.startswith("\\\\"):
        if text.startswith(("\\\\", "//")):
            return f"{text} is a network (UNC) path"
        if platform == "win32":  # pragma: no cover - exercised on Windows only
            drive = remote_drive(path)
            if drive:
                return f"{drive} is a network drive"
        return None
    probe = path if path.exists() else path.parent
    fstype = mount_fstype(probe, mountinfo)
    if fstype and (fstype in NETWORK_FILESYSTEMS or fstype.startswith(("nfs", "cifs", "smb"))):
        return f"{path} is on a network filesystem ({fstype})"
    return None


def keep_private(path: Path) -> None:
    """The database file, its folder and its -wal/-shm files private to this account (kiosk.platform); a looser
    one found is tightened and said once, as a warning (the next open finds nothing to say)."""
    if str(path) in ("", ":memory:") or str(path).startswith("file:"):
        return  # no file of its own (tests), or a URI SQLite resolves itself
    try:
        loosened = keep_database_private(path)
    except OSError as exc:
        raise DatabaseError(f"Cannot make the database {path} private to this account: {exc.strerror or exc}. "
                            "Check you are running the kiosk as the account that owns it.") from exc
    if loosened:
        log.warning("The database %s was readable by other accounts (%s); it is now private to this account.",
                    path, ", ".join(str(p) for p in loosened))


def make_database(url: str, *, wait_seconds: float | None = None, create: bool = True) -> Database:
    """A peewee Database for a file path or postgresql:// URL, not yet connected. A statement waits at most
    `wait_seconds` for the database (None: the desk's bound, WRITE_WAIT_SECONDS; see kiosk/db/waits.py).
    `create=False`: a SQLite file must already be there (NoSchool), and none is made."""
    if is_postgres_url(url):
        from kiosk.db.postgres import connect_params
        from kiosk.db.resilience import ReconnectingPostgresqlDatabase

        parsed = urlparse(url)
        # Reconnects by itself between transactions after a server restart or a dropped connection, so even
        # the first action afterwards is saved; pins READ COMMITTED (the audit-head row lock serialises
        # writers, see kiosk/db/resilience.py). Every statement is bounded (kiosk/db/postgres.py).
        return ReconnectingPostgresqlDatabase(
            unquote(parsed.path.lstrip("/")) or "postgres",
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname or "localhost",
            port=parsed.port or 5432,
            **connect_params(WRITE_WAIT_SECONDS if wait_seconds is None else wait_seconds),
        )
    if "://" in url and not url.startswith("sqlite://"):
        raise DatabaseError(f"{url!r} is neither a file path nor a postgresql:// URL")
    path = Path(url.removeprefix("sqlite://")).expanduser()
    reason = network_location_reason(path)
    if reason:
        raise DatabaseError(
            f"Refusing to open the kiosk database: {reason}. SQLite files are corrupted when several PCs "
            "share them over a network. Keep the file on this PC's own disk, or share one PostgreSQL "
            "database between desks with --db postgresql://…"
        )
    if not create and not _names_a_file(str(path)):
        raise NoSchool(f"there is no database at {path}")
    keep_private(path)  # names, carers' telephones, notes: this account's alone, before SQLite opens it
    pragmas = dict(SQLITE_PRAGMAS)
    if wait_seconds is not None:
        pragmas["busy_timeout"] = int(wait_seconds * 1000)
    # check_same_thread off: Textual workers run in threads; peewee still keeps a connection per thread.
    return SqliteDatabase(str(path), pragmas=pragmas, check_same_thread=False)


def open_database(url: str, *, migrate: bool = True, wait_seconds: float | None = None,
                  create: bool = True) -> Database:
    """Connect, bind the models and bring the schema up to date. Nothing listens to its commits yet: a desk or
    command opens it through kiosk.storage.open_for_desk, which gives it this desk's audit witness.
    `wait_seconds`: see make_database. `create=False`: a kiosk database must already be there (NoSchool if not),
    and none is made: SQLite makes a file merely by connecting, and an empty one reports "no phones left"."""
    from kiosk.db.migrations import migrate_to_latest

    db = make_database(url, wait_seconds=wait_seconds, create=create)
    try:
        db.connect(reuse_if_open=True)
    except Exception as exc:
        raise DatabaseError(f"Cannot open the database {redact(url)}: {exc}") from exc
    if not create and "setting" not in db.get_tables():  # an empty file, or a server database never set up
        db.close()
        raise NoSchool(f"the database {redact(url)} holds no kiosk tables")
    if isinstance(db, SqliteDatabase):
        keep_private(Path(db.database))  # the -wal and -shm files SQLite made as it connected
    database_proxy.initialize(db)
    if migrate:
        migrate_to_latest(db)
    return db


def _names_a_file(path: str) -> bool:
    """Whether a SQLite path is an existing file (":memory:" and URIs are SQLite's own to resolve)."""
    return path == ":memory:" or path.startswith("file:") or Path(path).is_file()


@contextmanager
def write_transaction(db: Database) -> Iterator[object]:
    """A transaction that holds the database's write lock from its first statement.

    SQLite: BEGIN IMMEDIATE (a deferred transaction fails at once under contention, busy timeout or not).
    PostgreSQL: lock the audit head row, the one row every change updates anyway. Desks' writes then run
    one at a time, so slot numbers and audit sequence numbers are never contended mid-transaction.

    When something listens for commits (kiosk/db/commits.py: the desk's witness file), the audit head the
    transaction leaves is read just before the commit (still under the write lock, so it is this desk's own last
    event) and told to the listeners after it.
    """
    outermost = not db.in_transaction()  # only the outermost transaction commits
    head = None
    try:
        if isinstance(db, SqliteDatabase):
            with db.atomic("IMMEDIATE") as txn:
                yield txn
                head = head_for_listeners(db) if outermost else None
        else:
            with db.atomic() as txn:
                db.execute_sql("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
                yield txn
                head = head_for_listeners(db) if outermost else None
    except IntegrityError:
        raise  # the domain's own concern: another desk took this tag or slot a moment ago
    except (PeeweeDatabaseError, InterfaceError) as exc:
        # Every other database failure (DataError, InternalError, ProgrammingError too) is a refusal the desk
        # can show, never a crash.
        _drop_broken_connection(db)
        raise storage_failure(exc) from exc
    if head is not None:
        tell_listeners(db, head)  # after the commit, and never raises: the change is saved whatever happens here


@contextmanager
def longer_wait(db: Database, seconds: float | None) -> Iterator[None]:
    """Inside a transaction: its statements may wait `seconds` (None: as long as they take) instead of the desk's
    bound. For work nobody waits for at the hatch, such as a migration at start-up."""
    if isinstance(db, SqliteDatabase):
        before = db.execute_sql("PRAGMA busy_timeout").fetchone()[0]
        db.execute_sql(f"PRAGMA busy_timeout = {int((seconds or 86400) * 1000)}")
        try:
            yield
        finally:
            db.execute_sql(f"PRAGMA busy_timeout = {int(before)}")
        return
    from kiosk.db.postgres import STATEMENT_MARGIN_SECONDS, BoundedConnection

    connection = db.connection()
    lock = 0 if seconds is None else int(seconds * 1000)  # 0: no limit
    statement = 0 if seconds is None else int((seconds + STATEMENT_MARGIN_SECONDS) * 1000)
    db.execute_sql(f"SET LOCAL lock_timeout = {lock}")  # LOCAL: undone when the transaction ends
    db.execute_sql(f"SET LOCAL statement_timeout = {statement}")
    if not isinstance(connection, BoundedConnection):
        yield
        return
    before_seconds = connection.wait_seconds
    connection.wait_seconds = seconds
    try:
        yield
    finally:
        connection.wait_seconds = before_seconds


def _drop_broken_connection(db: Database) -> None:
    """After a lost server, close this thread's connection so the next action opens a fresh one by itself."""
    if isinstance(db, PostgresqlDatabase):
        try:
            db.close()
        except Exception:  # noqa: BLE001 - the connection is already broken; closing is best effort
            pass


def storage_guard(func: Callable[P, R]) -> Callable[P, R]:
    """For read paths outside write_transaction: a database failure becomes StorageFailed, a DeskError,
    so screens handle one family of errors and never import peewee."""

    @functools.wraps(func)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except IntegrityError:
            raise  # as in write_transaction: a clash with another desk is the caller's to handle
        except (PeeweeDatabaseError, InterfaceError) as exc:
            _drop_broken_connection(database_proxy.obj)
            raise storage_failure(exc, reading=True) from exc

    return guarded


def action_guard(func: Callable[P, R]) -> Callable[P, R]:
    """For a domain action that reads before its write_transaction (e.g. after a PIN step-up, itself saved): a
    database failure in those reads is NOT SAVED, like one in its writes, never a crash at the desk."""

    @functools.wraps(func)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except IntegrityError:
            raise
        except (PeeweeDatabaseError, InterfaceError) as exc:
            _drop_broken_connection(database_proxy.obj)
            raise storage_failure(exc) from exc

    return guarded


_CAUSES = [
    ("disk is full", "the disk holding the database is full", "Free some space (or call IT), then try again."),
    ("no space left on device", "the disk holding the database is full",
     "Free some space (or call IT), then try again."),
    ("could not extend file", "the disk holding the database is full",
     "Free some space (or call IT), then try again."),
    ("disk i/o error", "the disk reported a read/write error", "Call IT: the disk may be failing."),
    ("readonly", "the database file is read-only", "Call IT: the kiosk needs write access to its database."),
    ("read-only", "the database file is read-only", "Call IT: the kiosk needs write access to its database."),
    ("database is locked", "another program kept the database busy",
     "Try again; if it keeps happening, close other programs using the kiosk database."),
    ("lock timeout", "another desk or program kept the database busy",
     "Try again; if it keeps happening, call IT: something is holding the database."),
    ("could not connect", "the database server cannot be reached", "Check the network, then try again."),
    ("connection refused", "the database server cannot be reached", "Check the network, then try again."),
    ("the database system is shutting down", "the database server is restarting", "Try again in a moment."),
    ("the database system is starting up", "the database server is restarting", "Try again in a moment."),
    ("could not serialize access", "another desk was saving at the same moment", "Try again."),
    ("deadlock detected", "another desk was saving at the same moment", "Try again."),
    ("server closed the connection", "the database server closed the connection", "Try again in a moment."),
    ("connection already closed", "the connection to the database server was lost", "Try again in a moment."),
    ("terminating connection", "the database server was restarted", "Try again in a moment."),
]


# Causes that mean the database was waited for to the bound (kiosk/db/waits.py) and did not answer in time.
WAITED_CAUSES = (NO_ANSWER, "database is locked", "database table is locked", "lock timeout",
                 "could not connect", "timeout expired")


def storage_failure(exc: BaseException, *, reading: bool = False) -> StorageFailed:
    """The desk's refusal for a database failure: its plain words (NOT READ for a read), and whether it came from
    waiting the whole bound, which the desk's worker uses to answer what is queued behind it at once."""
    message = storage_failure_message(exc)
    if reading:
        message = message.replace("NOT SAVED", "NOT READ", 1)
    return StorageFailed(message, waited=any(needle in text for text in _texts(exc) for needle in WAITED_CAUSES))


def _texts(exc: BaseException) -> list[str]:
    """The exception and every cause behind it, lower case, on one line each (libpq's messages span lines)."""
    texts, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts.append(" ".join(str(current).lower().split()))
        current = current.__cause__ or current.__context__
    return texts


def storage_failure_message(exc: BaseException) -> str:
    """Plain words for a database failure. The real cause can hide behind a later error
    (SQLite on a full disk makes peewee report "cannot rollback - no transaction is active"), so the whole
    chain of causes is searched."""
    texts = _texts(exc)
    unanswered = next((t for t in texts if NO_ANSWER in t), None)
    if unanswered is not None:  # "the database did not answer within 5 seconds" (kiosk/db/waits.py), as it is
        cause = unanswered[unanswered.index(NO_ANSWER):].rstrip(".")
        return f"NOT SAVED: the database {cause}. Check the network and the database server, then try again."
    for needle, cause, advice in _CAUSES:
        if any(needle in text for text in texts):
            return f"NOT SAVED: {cause}. {advice}"
    detail = next((t for t in reversed(texts) if t and "cannot rollback" not in t), texts[0])
    return f"NOT SAVED: the database reported a problem ({detail}). Try again; if it repeats, call IT."


def redact(url: str) -> str:
    if is_postgres_url(url):
        parsed = urlparse(url)
        if parsed.password:
            return url.replace(f":{parsed.password}@", ":***@")
    return url
