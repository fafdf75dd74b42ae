"""Consistent online backups of a live SQLite database (never a plain copy of a file with a WAL beside it)."""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from peewee import Database, SqliteDatabase

from kiosk import platform
from kiosk.db.connection import DatabaseError


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    events: int
    integrity: str


def backup_sqlite(db: Database, dest: Path) -> BackupResult:
    """Copy the live database into a private temporary file beside `dest` with SQLite's online backup, check
    it, then rename it over `dest` (kiosk.platform.replacing_privately): a full disk or a failed check leaves
    no file under the real name and an older backup of that name as it was."""
    if not isinstance(db, SqliteDatabase):
        raise DatabaseError("This database is on PostgreSQL: back it up with the server's own tools "
                            "(pg_dump, or your host's scheduled backups).")
    dest = dest.expanduser()
    if dest.is_dir():
        dest = dest / f"kiosk-backup-{_stamp()}.db"
    try:
        platform.private_folder(dest.parent)
    except OSError as exc:
        raise DatabaseError(f"The backup could not be written to {dest}: {exc.strerror or exc}. "
                            "Choose a folder on a drive that exists and is writable.") from exc
    source = sqlite3.connect(db.database, timeout=30)
    try:
        with platform.replacing_privately(dest) as partial:
            target = sqlite3.connect(partial)
            try:
                # The backup API copies a consistent snapshot page by page while desks keep writing.
                source.backup(target, pages=1024)
                integrity = target.execute("PRAGMA integrity_check").fetchone()[0]
                events = target.execute("SELECT COUNT(*) FROM event").fetchone()[0]
                target.commit()
            except sqlite3.Error as exc:
                if "full" in str(exc).lower():  # SQLITE_FULL: the disk, said as the other files say it
                    raise OSError(errno.ENOSPC, "No space left on device") from exc
                raise DatabaseError(f"The backup could not be written to {dest}: {exc}. Nothing was changed; "
                                    "check the drive is writable, then try again.") from exc
            finally:
                target.close()
            if integrity != "ok":
                raise DatabaseError(f"The backup failed its integrity check ({integrity}); nothing was written.")
    finally:
        source.close()
    return BackupResult(dest, dest.stat().st_size, events, integrity)


BACKUP_NAMES = "kiosk-backup-*.db"  # what backup_sqlite names a backup written into a folder


def rotate(folder: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest backups the kiosk wrote into `folder` (by name: other files are never
    touched); returns what was removed. Run after a backup has been written and checked, never before."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    backups = sorted(folder.glob(BACKUP_NAMES), key=lambda path: path.name)  # the name is the time it was made
    removed = backups[:-keep]
    for path in removed:
        path.unlink()
    return removed


def _stamp() -> str:
    from datetime import datetime

    return datetime.now().strftime("%Y%m%d-%H%M%S")
