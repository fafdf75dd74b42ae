"""Data at rest: the database, its folder, backups and exports are this account's alone, and written whole.

Modes are read from the real files; the full disk is a real (small) tmpfs, and the commands run as the office
runs them, in their own process, so an exit code and a traceback are what a technician would see.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.custody import hand_in
from kiosk.db import open_database
from kiosk.platform import FileNotSaved, icacls_arguments, write_private
from tests.reliability.harness import fill_disk, small_filesystem
from tests.reliability.test_disk_full import skip_unless_required


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The umask most Linux accounts have (022): files 0644 and folders 0755 unless the kiosk says otherwise."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_new_database_its_folder_and_its_wal_are_private_to_this_account(tmp_path, open_umask):
    path = tmp_path / "office" / "kiosk.db"
    db = open_database(str(path))
    db.execute_sql("CREATE TABLE IF NOT EXISTS scratch (x)")
    db.execute_sql("INSERT INTO scratch VALUES (1)")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    companions = [p for p in (path.with_name("kiosk.db-wal"), path.with_name("kiosk.db-shm")) if p.exists()]
    assert companions, "WAL mode keeps a -wal and a -shm beside the database"
    assert all(mode(p) == 0o600 for p in companions), [(p.name, oct(mode(p))) for p in companions]
    db.close()


def test_a_database_left_readable_by_others_is_made_private_on_open_and_said_once(tmp_path, open_umask, caplog):
    folder = tmp_path / "office"
    path = folder / "kiosk.db"
    open_database(str(path)).close()
    folder.chmod(0o755)
    for file in folder.iterdir():
        file.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        open_database(str(path)).close()
    assert mode(path) == 0o600 and mode(folder) == 0o700
    assert all(mode(p) == 0o600 for p in folder.iterdir()), [(p.name, oct(mode(p))) for p in folder.iterdir()]
    said = [r.getMessage() for r in caplog.records if "private" in r.getMessage()]
    assert len(said) == 1 and "readable by other accounts" in said[0], said
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        open_database(str(path)).close()
    assert not [r for r in caplog.records if "private" in r.getMessage()], "said once, not at every open"


def test_backup_reconcile_pdf_and_subject_access_write_private_files(school, tmp_path, open_umask):
    hand_in(school.ctx(), school.scanned(0))
    out = tmp_path / "exports"
    out.mkdir(mode=0o755)
    code, said, err = school.cli("backup", str(out / "kiosk-backup.db"))
    assert code == 0, err
    code, said, err = school.cli("report", "reconcile", "--pdf", str(out / "end-of-day.pdf"))
    assert code == 0, err
    code, said, err = school.cli("subject-access", school.pupils[0].mis_id, "--out", str(out / "sar.json"))
    assert code == 0, err
    assert json.loads((out / "sar.json").read_text(encoding="utf-8"))["pupil"]["admission_number"] == "100001"
    written = {p.name: oct(mode(p)) for p in out.iterdir()}
    assert written == {"kiosk-backup.db": "0o600", "end-of-day.pdf": "0o600", "sar.json": "0o600"}, written


def test_the_one_writer_replaces_a_file_whole_and_leaves_nothing_on_failure(tmp_path, open_umask):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"the old report")
    path.chmod(0o644)
    write_private(path, b"%PDF the new one")
    assert path.read_bytes() == b"%PDF the new one" and mode(path) == 0o600
    with pytest.raises(FileNotSaved, match="could not be written"):
        write_private(tmp_path / "no such folder" / "report.pdf", b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_the_windows_branch_gives_the_file_to_the_user_alone():
    """Windows cannot run here: the command it would run is built by a pure function and checked."""
    assert icacls_arguments(Path(r"C:\Kiosk\kiosk.db"), user=r"SCHOOL\office", folder=False) == [
        "icacls", r"C:\Kiosk\kiosk.db", "/inheritance:r", "/grant:r", r"SCHOOL\office:F"]
    assert icacls_arguments(Path(r"C:\Kiosk"), user=r"SCHOOL\office", folder=True) == [
        "icacls", r"C:\Kiosk", "/inheritance:r", "/grant:r", r"SCHOOL\office:(OI)(CI)F"]


def _kiosk(school, *argv: str) -> subprocess.CompletedProcess[str]:
    """The `kiosk` command in its own process, as a technician runs it (the test's settings folders inherited)."""
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--db", school.url, *argv], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("what", ["backup", "reconcile pdf", "subject access"])
def test_a_full_disk_leaves_the_old_file_no_empty_one_and_says_so_plainly(school, tmp_path, what):
    for index in range(3):
        hand_in(school.ctx(), school.scanned(index))
    with small_filesystem(tmp_path / "usb", size_kib=512) as usb:
        if usb is None:
            skip_unless_required("cannot mount a small tmpfs here (needs root)")
        name = {"backup": "kiosk-backup.db", "reconcile pdf": "end-of-day.pdf", "subject access": "sar.json"}[what]
        target = usb / name
        target.write_bytes(b"yesterday's copy")
        fill_disk(usb, leave_bytes=0)
        argv = {"backup": ["backup", str(target)],
                "reconcile pdf": ["report", "reconcile", "--pdf", str(target)],
                "subject access": ["subject-access", school.pupils[0].mis_id, "--out", str(target)]}[what]
        done = _kiosk(school, *argv)
        left = sorted(p.name for p in usb.iterdir())
        old = target.read_bytes()
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    assert f"The disk is full: {target} was not written; nothing was changed. Free some space and try again." \
        in done.stderr, done.stderr
    assert old == b"yesterday's copy", "the old file is as it was"
    assert left == sorted(["filler.bin", name]), f"no temporary or empty file is left: {left}"
