"""`kiosk migrate`: move a single-desk school from its SQLite file onto a shared PostgreSQL database.

What an IT technician can rely on:
* the SQLite file is never changed: a consistent snapshot of it is taken first (SQLite's online backup, so a
  desk left running cannot tear the copy), and an older schema is upgraded in the snapshot only;
* nothing is copied unless the snapshot's audit trail verifies with this school's key file;
* the target must be empty — a database with any kiosk record or any other table in it is refused, so a
  second run (or the wrong URL) can never merge two schools;
* every table is copied with its ids, in one transaction; before it commits, the copy is checked row by row
  (a digest per table) and its audit trail is verified on the server. Any difference, and nothing is kept.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import peewee
from peewee import AutoField, Database, Model, PostgresqlDatabase, SqliteDatabase

from kiosk.audit.verify import VerifyReport, verify
from kiosk.db.connection import DatabaseError, is_postgres_url, make_database, redact
from kiosk.db.migrations import migrate_to_latest
from kiosk.db.models import ALL_MODELS, AuditHead, Setting, database_proxy
from kiosk.db.waits import MIGRATION_WAIT_SECONDS
from kiosk.keyring import Keyring

# Every kiosk table (a table added by a later schema comes along by itself), parents before children so that
# every foreign key points at a row already copied. The settings and the audit head are handled on their own.
COPY_ORDER: list[type[Model]] = [
    m for m in peewee.sort_models(ALL_MODELS)  # type: ignore[attr-defined]  # in peewee, not in its stubs
    if m not in (Setting, AuditHead)]
BATCH = 500
SQLITE_HEADER = b"SQLite format 3\x00"


class TransferRefused(DatabaseError):
    """The move was refused before anything was written; the message says why and what to do."""


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int
    digest: str  # sha256 over every row, the same on both sides


@dataclass
class TransferReport:
    source: Path
    target: str  # redacted URL
    tables: list[TableCopy] = field(default_factory=list)
    source_audit: VerifyReport | None = None
    target_audit: VerifyReport | None = None
    chain_head: str = ""
    source_schema_upgraded: bool = False
    not_copied: list[str] = field(default_factory=list)  # tables in the file that are not the kiosk's

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def migrate_sqlite_to_postgres(source: Path, target_url: str, keyring: Keyring,
                               progress: Callable[[str], None] | None = None) -> TransferReport:
    """Copy every table of the SQLite kiosk database `source` into the empty PostgreSQL database at
    `target_url`, verifying the audit chain on both sides. Raises TransferRefused (nothing written) on any
    problem."""
    say = progress or (lambda _text: None)
    source = Path(source).expanduser()
    _check_arguments(source, target_url)
    report = TransferReport(source=source, target=redact(target_url))
    with tempfile.TemporaryDirectory(prefix="kiosk-migrate-") as work:
        snapshot_path = Path(work) / "snapshot.db"
        _snapshot(source, snapshot_path)
        snapshot = SqliteDatabase(str(snapshot_path), pragmas={"foreign_keys": 1})
        snapshot.connect()
        try:
            with _bound(snapshot):
                report.source_schema_upgraded = _upgrade(snapshot)
                say(f"Checking the audit trail of {source} …")
                report.source_audit = verify(keyring.audit_key)
                if not report.source_audit.ok:
                    raise TransferRefused(
                        f"The audit trail in {source} does not verify ({_first_problem(report.source_audit)}). "
                        "Nothing was copied. Check the key file is this school's (KIOSK_KEY_FILE or --config), "
                        "and run 'kiosk --db FILE audit verify' to see every problem.")
                head = AuditHead.get_by_id(1)
                kiosk_tables = {m._meta.table_name for m in ALL_MODELS}
                report.not_copied = sorted(t for t in snapshot.get_tables()
                                           if t not in kiosk_tables and not t.startswith("sqlite_"))
                fields = {m._meta.table_name: _columns(snapshot, m) for m in COPY_ORDER}
                source_digests = {name: table_digest(snapshot, m, fields[name])
                                  for name, m in ((m._meta.table_name, m) for m in COPY_ORDER)}
                settings = [(s.key, s.value) for s in Setting.select() if s.key != "schema_version"]
            target = _open_target(target_url)
            try:
                with _bound(target):
                    _refuse_unless_empty(target, target_url)
                    migrate_to_latest(target)
                    with target.atomic():
                        # Hold the write lock every desk takes first, so no desk can write while we copy.
                        target.execute_sql("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
                        _refuse_unless_empty(target, target_url, schema_ready=True)
                        for model in COPY_ORDER:
                            rows = _copy_table(snapshot, model)
                            say(f"  {model._meta.table_name:<16} {rows:>8,} rows")
                        for key, value in settings:
                            Setting.insert(key=key, value=value).on_conflict_ignore().execute()
                        AuditHead.update(seq=head.seq, chain=head.chain).where(AuditHead.id == 1).execute()
                        _reset_sequences(target)
                        for model in COPY_ORDER:
                            name = model._meta.table_name
                            digest = table_digest(target, model, fields[name])
                            if digest != source_digests[name]:
                                raise TransferRefused(
                                    f"The copy of table {name} differs from the original; nothing was kept. "
                                    "Report this to the kiosk's maintainers.")
                            report.tables.append(TableCopy(name, _count(target, name), digest))
                        say("Checking the audit trail on the server …")
                        report.target_audit = verify(keyring.audit_key)
                        if not report.target_audit.ok or AuditHead.get_by_id(1).chain != head.chain:
                            raise TransferRefused(
                                "The audit trail did not verify on the server after copying "
                                f"({_first_problem(report.target_audit)}); nothing was kept.")
                report.chain_head = head.chain
            finally:
                target.close()
        finally:
            snapshot.close()
    return report


# ---- steps -----------------------------------------------------------------------------------------------------


@contextmanager
def _bound(db: Database) -> Iterator[None]:
    """The kiosk's models (and everything that reads through them, such as the verifier) on `db` for a while;
    whatever this process had open before is put back afterwards."""
    previous = database_proxy.obj
    database_proxy.initialize(db)
    try:
        yield
    finally:
        database_proxy.initialize(previous)



def _check_arguments(source: Path, target_url: str) -> None:
    if not is_postgres_url(target_url):
        raise TransferRefused(f"--to must be a postgresql:// URL (got {redact(target_url)!r}).")
    if is_postgres_url(str(source)):
        raise TransferRefused("--from must be the SQLite file of the school's single desk.")
    if not source.is_file():
        raise TransferRefused(f"There is no SQLite database at {source}.")
    with source.open("rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise TransferRefused(f"{source} is not a SQLite database.")


def _snapshot(source: Path, dest: Path) -> None:
    """A consistent copy of the source through SQLite's backup API, opened read-only."""
    try:
        origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            copy = sqlite3.connect(dest)
            try:
                origin.backup(copy)
            finally:
                copy.close()
        finally:
            origin.close()
    except sqlite3.Error as exc:
        raise TransferRefused(f"{source} could not be read ({exc}). Is it a kiosk database?") from exc


def _upgrade(snapshot: SqliteDatabase) -> bool:
    from kiosk.db.migrations import LATEST, current_version

    if not snapshot.table_exists("event") or not snapshot.table_exists("audit_head"):
        raise TransferRefused("The source file is not a kiosk database (it has no audit trail).")
    if current_version(snapshot) == LATEST:
        return False
    migrate_to_latest(snapshot)
    return True


def _open_target(url: str) -> PostgresqlDatabase:
    # Moving a school is a migration: one transaction with whole-table statements (a year's events digested and
    # verified on the server), run by IT with no desk open on the target, so not cut at the desk's bound.
    db = make_database(url, wait_seconds=MIGRATION_WAIT_SECONDS)
    try:
        db.connect()
    except Exception as exc:
        raise TransferRefused(f"Cannot connect to {redact(url)}: {' '.join(str(exc).split())}") from exc
    assert isinstance(db, PostgresqlDatabase)
    return db


def _refuse_unless_empty(db: Database, url: str, *, schema_ready: bool = False) -> None:
    kiosk_tables = {m._meta.table_name for m in ALL_MODELS}
    present = set(db.get_tables())
    foreign = sorted(present - kiosk_tables)
    if foreign:
        raise TransferRefused(
            f"The database {redact(url)} already has other tables ({', '.join(foreign[:5])}). Give the kiosk a "
            "database of its own (CREATE DATABASE kiosk;). Nothing was changed.")
    held = []
    for name in sorted(present & kiosk_tables):
        rows = _count(db, name)
        if name == "setting":
            rows = db.execute_sql("SELECT COUNT(*) FROM setting WHERE key <> 'schema_version'").fetchone()[0]
        elif name == "audit_head":
            rows = db.execute_sql("SELECT COUNT(*) FROM audit_head WHERE seq <> 0").fetchone()[0]
        if rows:
            held.append(f"{name}: {rows:,}")
    if held:
        raise TransferRefused(
            f"The database {redact(url)} is not empty ({'; '.join(held)}). 'kiosk migrate' only fills an empty "
            "database, so two schools (or two copies of one) can never be merged. Nothing was changed.")
    if schema_ready and not present >= kiosk_tables:
        raise TransferRefused("The kiosk tables could not be created on the server.")


def _columns(db: Database, model: type[Model]) -> list[Any]:
    """The model's fields that this database's table has (a column added by a later kiosk may be missing from
    an older file; it is then left to its default on the server)."""
    present = {c.name for c in db.get_columns(model._meta.table_name)}
    return [f for f in model._meta.sorted_fields if f.column_name in present]


def _rows(db: Database, model: type[Model], fields: list[Any] | None = None) -> Iterator[tuple[Any, ...]]:
    """Every row in primary-key order, as Python values (datetimes, booleans…), streamed."""
    fields = fields or _columns(db, model)
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    key = model._meta.primary_key
    if not key:  # peewee's False: no primary key, which no kiosk table lacks
        raise TransferRefused(f"The table {model._meta.table_name} has no primary key; nothing was copied.")
    cursor = db.execute_sql(f'SELECT {names} FROM "{model._meta.table_name}" ORDER BY "{key.column_name}"')
    while True:
        batch = cursor.fetchmany(BATCH)
        if not batch:
            return
        for row in batch:
            yield tuple(f.python_value(v) for f, v in zip(fields, row, strict=True))


def _copy_table(source: Database, model: type[Model]) -> int:
    fields = _columns(source, model)
    count, batch = 0, []
    for row in _rows(source, model, fields):
        batch.append(row)
        if len(batch) >= BATCH:
            model.insert_many(batch, fields=fields).execute()
            count, batch = count + len(batch), []
    if batch:
        model.insert_many(batch, fields=fields).execute()
        count += len(batch)
    return count


def _reset_sequences(db: Database) -> None:
    """After rows were copied with their ids, each serial column must continue after the highest one."""
    for model in COPY_ORDER:
        pk = model._meta.primary_key
        if isinstance(pk, AutoField):
            table = model._meta.table_name
            db.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk.column_name}'), "
                f"COALESCE((SELECT MAX(\"{pk.column_name}\") FROM \"{table}\"), 0) + 1, false)")


def _count(db: Database, table: str) -> int:
    return int(db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])


def _canonical(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_digest(db: Database, model: type[Model], fields: list[Any] | None = None) -> str:
    """sha256 over every value of every row in key order: equal digests mean equal tables."""
    digest = hashlib.sha256()
    for row in _rows(db, model, fields):
        digest.update("\x1f".join(_canonical(v) for v in row).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def _first_problem(report: VerifyReport | None) -> str:
    if report is None or not report.problems:
        return "no report"
    if report.first_bad_seq is not None:
        return f"first bad sequence number {report.first_bad_seq}: {report.problems[0]}"
    return report.problems[0]
