"""`kiosk schedule` and `kiosk backup --keep`: the scheduled jobs as systemd checks them (systemd-analyze verify, the
real parser), the nightly backup's command run as the timer runs it (through /bin/sh, output to its log) with the
oldest backups removed, and the Task Scheduler lines quoted so each command survives schtasks and cmd."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.clock import FixedClock
from kiosk.db.backup import rotate
from kiosk.schedule import JOBS, Setup, schtasks_commands, systemd_units

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def kiosk(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    real_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(argv), clock=FixedClock(NOW), out=out)
    finally:
        sys.stdin = real_stdin
    return code, out.getvalue()


@pytest.fixture
def set_up(tmp_path):
    code, said = kiosk("init", "--admin-name", "Ada Quill", "--initials", "AQ", "--pin-stdin", stdin="482913\n")
    assert code == 0, said
    return tmp_path


def test_every_unit_passes_systemds_own_check(set_up, tmp_path):
    if shutil.which("systemd-analyze") is None:
        if os.environ.get("KIOSK_REQUIRE_SETUP") == "1":  # .ci/run installs systemd for this check
            pytest.fail("systemd-analyze is required here (KIOSK_REQUIRE_SETUP=1) but not installed")
        pytest.skip("systemd-analyze is not installed (it comes with systemd)")
    code, said = kiosk("schedule", "--for", "systemd", "--write", str(tmp_path / "units"))
    assert code == 0, said
    files = sorted((tmp_path / "units").iterdir())
    assert {f.name for f in files} == ({f"kiosk-{job.name}.{kind}" for job in JOBS for kind in ("service", "timer")}
                                       | {"kiosk-serve.service"})
    check = subprocess.run(["systemd-analyze", "verify", "--man=no", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for job in JOBS:
        timer = (tmp_path / "units" / f"kiosk-{job.name}.timer").read_text()
        spec = re.search(r"OnCalendar=(.+)", timer).group(1)
        parsed = subprocess.run(["systemd-analyze", "calendar", spec], capture_output=True, text=True)
        assert parsed.returncode == 0 and "Next elapse" in parsed.stdout, parsed.stderr
    assert "systemctl --user enable --now kiosk-close-day.timer" in said
    serve = (tmp_path / "units" / "kiosk-serve.service").read_text()
    assert "Restart=on-failure" in serve and "--host 127.0.0.1" in serve, "no certificate: this PC only"


def test_the_nightly_backup_runs_as_the_timer_runs_it_and_keeps_the_newest(set_up, tmp_path):
    backups = tmp_path / "data" / "backups"
    backups.mkdir(parents=True)
    for day in range(1, 16):  # fifteen older nights, as the kiosk names them
        (backups / f"kiosk-backup-202611{day:02d}-190000.db").write_bytes(b"old")
    (backups / "notes for IT.txt").write_text("not a backup: never removed")
    setup = Setup(python=sys.executable, config=None, logs=tmp_path / "data" / "logs")
    setup.logs.mkdir(parents=True)
    unit = systemd_units(setup)["kiosk-backup.service"]
    command = re.search(r"ExecStart=/bin/sh -c (.+)", unit).group(1)
    run = subprocess.run(f"/bin/sh -c {command}", shell=True, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == 0, run.stderr
    log = (setup.logs / "backup.log").read_text()
    assert "Backup written" in log and "removed 2 older" in log, log
    kept = sorted(p.name for p in backups.glob("kiosk-backup-*.db"))
    assert len(kept) == 14 and "kiosk-backup-20261101-190000.db" not in kept
    assert (backups / "notes for IT.txt").exists()


def test_backup_keep_is_refused_for_one_file_and_below_one(set_up, tmp_path):
    assert kiosk("backup", "--keep", "0")[0] == 1
    code, said = kiosk("backup", str(tmp_path / "one.db"), "--keep", "3")
    assert code == 1 and (tmp_path / "one.db").exists()
    with pytest.raises(ValueError):
        rotate(tmp_path, 0)


def test_task_scheduler_lines_keep_each_command_whole(tmp_path):
    setup = Setup(python=r"C:\Program Files\Python311\python.exe", config=r"C:\Kiosk Files\kiosk.toml",
                  logs=Path(r"C:\Kiosk Files\logs"), cert=r"C:\Kiosk\tls\kiosk-serve.crt",
                  key=r"C:\Kiosk\tls\kiosk-serve.key")
    lines = schtasks_commands(setup)
    assert len(lines) == len(JOBS) + 1
    backup = next(line for line in lines if "\\backup\"" in line)
    assert "/SC DAILY /ST 19:00" in backup
    run = re.search(r'/TR "(.*)"$', backup).group(1).replace('\\"', '"')
    # What cmd runs once it strips the outer quotes of /c "…": the program quoted for its space, the log too.
    assert run == ('cmd /c ""C:\\Program Files\\Python311\\python.exe" -m kiosk.cli --config '
                   '"C:\\Kiosk Files\\kiosk.toml" backup --keep 14 >> "C:\\Kiosk Files\\logs\\backup.log" 2>&1"')
    close = next(line for line in lines if "\\close-day\"" in line)
    assert "/SC WEEKLY /D MON,TUE,WED,THU,FRI /ST 18:00" in close
    weekly = next(line for line in lines if "\\weekly-pack\"" in line)
    assert "/SC WEEKLY /D FRI /ST 17:30" in weekly and "review-pack --period week --out" in weekly
    assert "{reports}" not in " ".join(lines), "the reports folder is named, not left as a placeholder"
    serve = lines[-1]
    assert "/SC ONSTART" in serve and "--host 0.0.0.0" in serve and "--cert" in serve, "HTTPS when configured"
