"""The only place with OS differences: keeping the kiosk's files private to its account, and writing them whole.

Every file the kiosk writes with personal data in it (the database, backups, PDFs, exports) is readable by the
desk's own account only: mode 0600 in a 0700 folder on Linux and macOS, an access list naming only that user on
Windows. `write_private` / `replacing_privately` write such a file atomically: a temporary file in the same
folder, private from its creation, filled, flushed, fsynced, renamed over the real name, the folder fsynced. A
failure leaves the old file (if any) as it was and no temporary file behind, and says so in the desk's words.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.errors import DeskError

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


class FileNotSaved(DeskError, OSError):
    """A file was not written (full disk, no such folder, no permission); the old one, if any, is untouched.

    Also an OSError: callers written against the OS's own errors (a screen saving a receipt) still catch it."""


def _windows(system: str) -> bool:
    return system == "win32"


def icacls_arguments(path: Path, *, user: str, folder: bool) -> list[str]:
    """The icacls command that leaves `path` readable and writable by `user` alone: inherited entries removed
    (/inheritance:r), one grant replacing any other for that user (/grant:r). A folder's grant is inherited by
    what is created in it later (OI: files, CI: sub-folders), so a new file starts private."""
    grant = f"{user}:(OI)(CI)F" if folder else f"{user}:F"
    return ["icacls", str(path), "/inheritance:r", "/grant:r", grant]


def _windows_user() -> str:
    user = os.environ.get("USERNAME", "")
    domain = os.environ.get("USERDOMAIN", "")
    return f"{domain}\\{user}" if domain and user else user


def make_private(path: Path, *, system: str = sys.platform) -> None:
    """Make an existing file or folder readable by this account only."""
    folder = path.is_dir()
    if _windows(system):  # pragma: no cover - runs on Windows only; the command is tested by icacls_arguments
        subprocess.run(icacls_arguments(path, user=_windows_user(), folder=folder), check=True,
                       capture_output=True)
        return
    os.chmod(path, PRIVATE_FOLDER if folder else PRIVATE_FILE)


def looser_than_private(path: Path, *, system: str = sys.platform) -> bool:
    """Whether others than this account may read `path` (POSIX group/other bits; on Windows the access list is
    set whenever the kiosk makes a file, so this answers no)."""
    if _windows(system) or not path.exists():
        return False
    return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


def private_folder(folder: Path, *, system: str = sys.platform) -> Path:
    """Create `folder` (and its parents) if missing; the folders made here are private from their creation."""
    missing = []
    at = folder
    while not at.exists() and at != at.parent:
        missing.append(at)
        at = at.parent
    for made in reversed(missing):
        try:
            made.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:
            continue  # another process made it at the same moment
        make_private(made, system=system)  # mkdir's mode is cut by the umask; Windows needs its access list
    return folder


def may_tighten_folder(folder: Path) -> bool:
    """Whether the kiosk may make an existing folder private: its own (this account's), not a shared sticky
    folder such as /tmp, and not the account's home folder (changing that would surprise its owner)."""
    if sys.platform == "win32" or not folder.is_dir():  # (sys.platform: what mypy --platform win32 understands)
        return False
    info = folder.stat()
    try:
        home = Path.home().resolve()
    except RuntimeError:
        home = None
    return (info.st_uid == os.geteuid() and not info.st_mode & stat.S_ISVTX and folder.resolve() != home
            and folder.resolve() != Path("/"))


DATABASE_COMPANIONS = ("-wal", "-shm", "-journal")


def keep_database_private(path: Path, *, system: str = sys.platform) -> list[Path]:
    """Make a SQLite database file private: its folder made private if missing (and tightened when it is the
    kiosk's own, see may_tighten_folder), the file created 0600 if missing, and the file and its -wal/-shm/
    -journal companions made private if they were looser. Returns what had been looser, for the caller to say
    once (a second open finds nothing to fix). SQLite gives new companions the database file's own mode."""
    loose: list[Path] = []
    folder = path.parent
    if not folder.exists():
        private_folder(folder, system=system)
    elif looser_than_private(folder, system=system) and may_tighten_folder(folder):
        make_private(folder, system=system)
        loose.append(folder)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        except FileExistsError:
            pass  # another desk made it at the same moment; checked below like any other
        if _windows(system):  # pragma: no cover - Windows: the folder's access list is inherited
            make_private(path, system=system)
    for file in (path, *(path.with_name(path.name + end) for end in DATABASE_COMPANIONS)):
        if looser_than_private(file, system=system):
            make_private(file, system=system)
            loose.append(file)
    return loose


def _fsync_folder(folder: Path, system: str) -> None:
    """Make the rename itself durable: on Linux a rename lives in the folder, which has its own fsync."""
    if _windows(system):  # pragma: no cover - Windows cannot open a folder as a file; NTFS journals the rename
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def not_saved(path: Path, error: OSError) -> FileNotSaved:
    """The desk's words for a file that could not be written."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return FileNotSaved(f"The disk is full: {path} was not written; nothing was changed. "
                            "Free some space and try again.")
    if isinstance(error, FileNotSaved):
        return error
    reason = error.strerror or str(error)
    return FileNotSaved(f"{path} could not be written ({reason}); nothing was changed. Check the folder exists "
                        "and can be written to, then try again.")


@contextmanager
def replacing_privately(path: Path, *, system: str = sys.platform) -> Iterator[Path]:
    """Yield a private temporary file beside `path` to fill (by name: SQLite's backup writes to a file name);
    when the block ends, flush it to the disk and rename it over `path`. The folder must exist (private_folder
    makes one): a mistyped folder on the command line is refused, not created. On any failure the temporary file is
    removed, `path` is left as it was, and an OSError becomes FileNotSaved with a plain message."""
    path = Path(path)
    if path.is_dir():
        raise FileNotSaved(f"{path} is a folder: give a file name, e.g. report.pdf. Nothing was written.")
    temporary: Path | None = None
    try:
        # mkstemp creates the file 0600 whatever the umask: private from its first byte.
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".saving")
        os.close(handle)
        temporary = Path(name)
        if _windows(system):  # pragma: no cover - the folder's inherited list already names the user alone
            make_private(temporary, system=system)
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, PRIVATE_FILE)  # a writer that recreated the file by name gets it back to 0600
        os.replace(temporary, path)
        temporary = None
        _fsync_folder(path.parent, system)
    except OSError as error:
        raise not_saved(path, error) from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def write_private(path: Path, data: bytes, *, system: str = sys.platform) -> Path:
    """Write `data` to `path` whole or not at all, readable by this account only (see replacing_privately)."""
    with replacing_privately(path, system=system) as temporary, open(temporary, "wb") as out:
        out.write(data)
    return Path(path)


__all__ = ["FileNotSaved", "icacls_arguments", "keep_database_private", "looser_than_private", "make_private",
           "may_tighten_folder", "not_saved", "private_folder", "replacing_privately", "write_private"]


def remote_drive(path: Path) -> str | None:
    """On Windows, the drive `path` is on ("Z:\\") when it is a mapped network drive (SQLite's locking is unsafe
    there); None when it is a local disk, and everywhere else (Linux answers by its mount table instead)."""
    if sys.platform != "win32":
        return None
    import ctypes

    drive = os.path.splitdrive(str(path.resolve()))[0] + "\\"
    drive_remote = 4  # GetDriveTypeW's DRIVE_REMOTE
    return drive if ctypes.windll.kernel32.GetDriveTypeW(drive) == drive_remote else None
