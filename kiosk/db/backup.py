"""Consistent online backups of a live SQLite database (never a plain copy of a file with a WAL beside it)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from peewee import Database, SqliteDatabase

from kiosk.db.connection import DatabaseError


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    events: int
    integrity: str


def backup_sqlite(db: Database, dest: Path) -> BackupResult:
    if not isinstance(db, SqliteDatabase):
        raise DatabaseError("This database is on PostgreSQL: back it up with the server's own tools "
                            "(pg_dump, or your host's scheduled backups).")
    dest = dest.expanduser()
    if dest.is_dir():
        dest = dest / f"kiosk-backup-{_stamp()}.db"
    partial = dest.with_name(dest.name + ".partial")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
    except OSError as exc:
        raise DatabaseError(f"The backup could not be written to {dest}: {exc.strerror or exc}. "
                            "Choose a folder on a drive that exists and is writable.") from exc
    source = sqlite3.connect(db.database, timeout=30)
    try:
        target = sqlite3.connect(partial)
        try:
            # The backup API copies a consistent snapshot page by page while desks keep writing.
            source.backup(target, pages=1024)
            integrity = target.execute("PRAGMA integrity_check").fetchone()[0]
            events = target.execute("SELECT COUNT(*) FROM event").fetchone()[0]
            target.commit()
        finally:
            target.close()
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"The backup could not be written to {dest}: {exc}. Check the drive has space "
                            "and is writable, then try again.") from exc
    finally:
        source.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"The backup failed its integrity check ({integrity}); nothing was written.")
    os.replace(partial, dest)
    return BackupResult(dest, dest.stat().st_size, events, integrity)


def _stamp() -> str:
    from datetime import datetime

    return datetime.now().strftime("%Y%m%d-%H%M%S")
