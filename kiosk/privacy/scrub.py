"""Erasing for good in a SQLite file: what a purge or the encryption of clear text overwrites leaves no copy behind.

SQLite does not clear the space a deleted or rewritten value took: without `secure_delete` the old bytes stay in the
page's free space and on the freelist, and in WAL mode the pages as they were stay in the -wal file and in the main
file until a checkpoint. Someone with a copy of the file would read what retention erased. So the erasing
transaction runs with `secure_delete` on (freed space is overwritten with zeros), and afterwards the WAL is
checkpointed and truncated (the main file takes the new pages; the -wal file is emptied).

PostgreSQL keeps a changed row's old version until VACUUM reclaims it (autovacuum does, in time); backups taken
before a purge keep what they held until they are rotated out (kiosk/db/backup.py `rotate`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from peewee import Database, SqliteDatabase


@dataclass
class Scrubbed:
    checkpointed: bool = False  # False: another desk was reading, the old pages stay in the WAL until a checkpoint


@contextmanager
def overwriting(db: Database) -> Iterator[Scrubbed]:
    """Around (outside) a write transaction that erases or rewrites personal data: freed space zeroed, then the WAL
    checkpointed and truncated. Nothing to do on PostgreSQL."""
    outcome = Scrubbed()
    if not isinstance(db, SqliteDatabase):
        yield outcome
        return
    (before,) = db.execute_sql("PRAGMA secure_delete").fetchone()
    db.execute_sql("PRAGMA secure_delete = ON")
    try:
        yield outcome
    finally:
        db.execute_sql(f"PRAGMA secure_delete = {int(before)}")
    if not db.in_transaction():
        busy, _log, _moved = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        outcome.checkpointed = not busy


__all__ = ["Scrubbed", "overwriting"]
