"""The jobs every school runs on a timer, and the lines that set them up: systemd timers (Linux) or Task
Scheduler (`schtasks`, Windows). `kiosk schedule --print` writes them; IT pastes or saves them, nothing is
installed behind their back.

One list of jobs (JOBS), two ways of saying it. Each job runs a `kiosk` sub-command with this PC's Python and
settings file; its output goes to a log file in the data folder, so whoever looks after the PC can read it.
The erasing of old records (retention) is signed by an admin, so the timer only reports what is due.
The head's papers (the week's summary and review pack) go into the reports folder; with `--send` (Setup.send) the
same jobs also send them to the head through the outbox (kiosk/reports/to_head.py).
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from datetime import time
from pathlib import Path, PureWindowsPath

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
EVERY_DAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BACKUPS_KEPT = 14
REPORTS = "{reports}"  # in a job's arguments: this PC's reports folder (Setup.reports)


@dataclass(frozen=True)
class Job:
    name: str  # kiosk-<name>: the unit's or the task's name
    says: str  # what it is for, in the unit's Description / the task's comment
    args: tuple[str, ...]  # the kiosk sub-command and its options
    days: tuple[str, ...]
    at: time
    to_head: bool = False  # a paper for the head: with `--send` the job also sends it (mail_head_address)


JOBS: tuple[Job, ...] = (
    Job("close-day", "Phone custody kiosk: mark phones still in the office as uncollected and list them",
        ("close-day",), WEEKDAYS, time(18, 0)),
    Job("backup", f"Phone custody kiosk: nightly backup ({BACKUPS_KEPT} kept)", ("backup", "--keep", str(BACKUPS_KEPT)),
        EVERY_DAY, time(19, 0)),
    Job("verify", "Phone custody kiosk: check the audit trail", ("audit", "verify"), EVERY_DAY, time(19, 30)),
    Job("retention", "Phone custody kiosk: report what the retention policy says is due for erasing (an admin "
                     "erases it with kiosk purge --as INITIALS)", ("purge", "--dry-run"), ("Mon",), time(7, 0)),
    Job("doctor", "Phone custody kiosk: check this PC (database, key, disk, backups, printer)", ("doctor",),
        ("Mon",), time(7, 15)),
    Job("weekly-summary", "Phone custody kiosk: the week's summary (PDF) into the reports folder, for the head",
        ("report", "summary", "--period", "week", "--pdf", REPORTS), ("Fri",), time(16, 30), to_head=True),
    Job("weekly-pack", "Phone custody kiosk: the week's review pack (PDF) into the reports folder, for the head",
        ("report", "review-pack", "--period", "week", "--out", REPORTS), ("Fri",), time(17, 30), to_head=True),
)
SENT = ", and sent to the head by email (mail_head_address)"


@dataclass(frozen=True)
class Setup:
    """How this PC runs the kiosk: its Python, its settings file (if not the default) and where logs go."""

    python: str
    config: str | None
    logs: Path
    reports: Path = Path("reports")
    host: str = "0.0.0.0"
    port: int = 8000
    cert: str | None = None
    key: str | None = None
    send: bool = False  # the head's papers also sent by the outbox (`kiosk schedule --send`)

    def job_args(self, job: Job) -> tuple[str, ...]:
        return (*job.args, "--send") if self.send and job.to_head else job.args

    def job_says(self, job: Job) -> str:
        return job.says + SENT if self.send and job.to_head else job.says

    def kiosk(self, *args: str) -> list[str]:
        command = [self.python, "-m", "kiosk.cli"]
        if self.config:
            command += ["--config", self.config]
        return [*command, *(str(self.reports) if arg == REPORTS else arg for arg in args)]

    def serve_args(self) -> tuple[str, ...]:
        tls = ("--cert", self.cert, "--key", self.key) if self.cert and self.key else ()
        return ("serve", "--host", self.host, "--port", str(self.port), *tls)


# ---- systemd (Linux) -------------------------------------------------------------------------------------------

def systemd_units(setup: Setup) -> dict[str, str]:
    """File name → text: a oneshot service and a timer per job, and a service that keeps `kiosk serve` running
    (restarted on failure). For `systemctl --user` (~/.config/systemd/user) or, as root, /etc/systemd/system."""
    units: dict[str, str] = {}
    for job in JOBS:
        log = setup.logs / f"{job.name}.log"
        run = f"{shlex.join(setup.kiosk(*setup.job_args(job)))} >> {shlex.quote(str(log))} 2>&1"
        says = setup.job_says(job)
        units[f"kiosk-{job.name}.service"] = (
            f"[Unit]\nDescription={says}\n\n[Service]\nType=oneshot\nExecStart=/bin/sh -c {shlex.quote(run)}\n")
        units[f"kiosk-{job.name}.timer"] = (
            f"[Unit]\nDescription={says} (timer)\n\n[Timer]\n"
            f"OnCalendar={','.join(job.days)} {job.at:%H:%M}\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n")
    units["kiosk-serve.service"] = (
        "[Unit]\nDescription=Phone custody kiosk: the second desk in a browser (kiosk serve)\n"
        "After=network-online.target\nWants=network-online.target\n\n[Service]\n"
        f"ExecStart={shlex.join(setup.kiosk(*setup.serve_args()))}\nRestart=on-failure\nRestartSec=5\n\n"
        "[Install]\nWantedBy=default.target\n")
    return units


def systemd_instructions(folder: str) -> str:
    timers = " ".join(f"kiosk-{job.name}.timer" for job in JOBS)
    return (f"Save these files in {folder}, then:\n  systemctl --user daemon-reload\n"
            f"  systemctl --user enable --now {timers}\n  systemctl --user enable --now kiosk-serve.service   "
            "(only for a second desk in a browser)\n  loginctl enable-linger $USER   (so they run when nobody is "
            "signed in)")


# ---- Task Scheduler (Windows) ------------------------------------------------------------------------------------

def schtasks_commands(setup: Setup) -> list[str]:
    """One `schtasks /Create` line per job (and one for `kiosk serve` at start-up), for an administrator's
    Command Prompt. Each runs under the account that runs the kiosk, whose files are private to it."""
    lines = []
    for job in JOBS:
        log = PureWindowsPath(setup.logs) / f"{job.name}.log"  # Windows paths, even when previewed elsewhere
        run = f'cmd /c "{subprocess.list2cmdline(setup.kiosk(*setup.job_args(job)))} >> "{log}" 2>&1"'
        when = (f"/SC WEEKLY /D {','.join(day.upper() for day in job.days)}" if job.days != EVERY_DAY
                else "/SC DAILY")
        lines.append(f'schtasks /Create /F /TN "Phone custody kiosk\\{job.name}" {when} /ST {job.at:%H:%M} '
                     f'/TR {_quoted_for_schtasks(run)}')
    serve = subprocess.list2cmdline(setup.kiosk(*setup.serve_args()))
    lines.append(f'schtasks /Create /F /TN "Phone custody kiosk\\serve" /SC ONSTART /DELAY 0001:00 '
                 f'/TR {_quoted_for_schtasks(serve)}')
    return lines


def _quoted_for_schtasks(command: str) -> str:
    # /TR takes one argument: inner double quotes are written \" for schtasks.
    return '"' + command.replace('"', '\\"') + '"'
