"""`kiosk schedule --send`: the head's papers (the week's summary and review pack) also sent by the outbox, in both
schedulers' words; the other jobs unchanged; the summary job run as its timer runs it writes the PDF into the
reports folder and, with mail off, its log says it was not sent (and the job fails, so the scheduler shows it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.schedule import JOBS, Setup, schtasks_commands, systemd_units
from tests.test_schedule import kiosk

HEADS_PAPERS = {"weekly-summary", "weekly-pack"}


@pytest.fixture
def set_up(tmp_path):
    code, said = kiosk("init", "--admin-name", "Ada Quill", "--initials", "AQ", "--pin-stdin", stdin="482913\n")
    assert code == 0, said
    return tmp_path


def _exec(unit: str) -> str:
    return re.search(r"ExecStart=/bin/sh -c (.+)", unit).group(1)


@pytest.mark.parametrize("send", [False, True], ids=["written only", "also sent"])
def test_send_is_added_to_the_heads_papers_and_nothing_else(tmp_path, send):
    setup = Setup(python="/usr/bin/python3", config=None, logs=tmp_path / "logs", reports=tmp_path / "reports",
                  send=send)
    units = systemd_units(setup)
    assert {job.name for job in JOBS if job.to_head} == HEADS_PAPERS
    for job in JOBS:
        service = units[f"kiosk-{job.name}.service"]
        sends = send and job.name in HEADS_PAPERS
        assert ("--send" in _exec(service)) == sends, service
        assert ("sent to the head by email" in service) == sends
    summary = _exec(units["kiosk-weekly-summary.service"])
    assert f"report summary --period week --pdf {tmp_path / 'reports'}" in summary
    assert "OnCalendar=Fri 16:30" in units["kiosk-weekly-summary.timer"]
    lines = schtasks_commands(setup)
    for job in JOBS:
        line = next(line for line in lines if f'\\{job.name}"' in line)
        assert ("--send" in line) == (send and job.name in HEADS_PAPERS), line
    weekly = next(line for line in lines if '\\weekly-summary"' in line)
    assert "/SC WEEKLY /D FRI /ST 16:30" in weekly


def test_the_send_variant_passes_systemds_own_check_and_says_what_is_missing(set_up, tmp_path):
    code, said = kiosk("schedule", "--for", "systemd", "--send", "--write", str(tmp_path / "units"))
    assert code == 0, said
    assert 'not sent until this is put right: mail is off (mail_via = "off" in kiosk.toml)' in said
    assert "--send" in (tmp_path / "units" / "kiosk-weekly-pack.service").read_text()
    code, said = kiosk("schedule", "--for", "windows", "--send")
    assert code == 0 and said.count("--send") == len(HEADS_PAPERS), said
    if shutil.which("systemd-analyze") is None:
        if os.environ.get("KIOSK_REQUIRE_SETUP") == "1":
            pytest.fail("systemd-analyze is required here (KIOSK_REQUIRE_SETUP=1) but not installed")
        pytest.skip("systemd-analyze is not installed (it comes with systemd)")
    files = sorted(map(str, (tmp_path / "units").iterdir()))
    check = subprocess.run(["systemd-analyze", "verify", "--man=no", *files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_weekly_summary_job_runs_as_its_timer_runs_it(set_up, tmp_path):
    setup = Setup(python=sys.executable, config=None, logs=tmp_path / "logs", reports=tmp_path / "reports",
                  send=True)
    setup.logs.mkdir()
    setup.reports.mkdir()
    run = subprocess.run(f"/bin/sh -c {_exec(systemd_units(setup)['kiosk-weekly-summary.service'])}", shell=True,
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    log = (setup.logs / "weekly-summary.log").read_text()
    [pdf] = setup.reports.glob("summary-week-*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert f"Summary written to {pdf}; not sent: mail is off" in log, log
    assert run.returncode == 1, "a paper not sent fails the job, so the scheduler shows it"
