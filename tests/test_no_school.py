"""A command run where no school is set up (a scheduled task under the wrong Windows account, a new PC) refuses,
saying so, and makes no database: only `kiosk init` and `kiosk demo` make one. A report of "no phones left" from an
empty database it has just made would be believed every night."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.conftest import ADMIN_PIN

REPO = Path(__file__).resolve().parents[1]

COMMANDS = [
    ("report", "reconcile"), ("report", "today"), ("tags", "list"), ("staff", "list"), ("close-day",),
    ("audit", "verify"), ("exception", "list"), ("outbox",), ("backup",),
]


def _kiosk(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_err, old_in = sys.stderr, sys.stdin
    sys.stderr, sys.stdin = err, io.StringIO(stdin)
    try:
        code = main(list(argv), out=out)
    finally:
        sys.stderr, sys.stdin = old_err, old_in
    return code, out.getvalue(), err.getvalue()


def _made(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file() and ".db" in path.name)


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_command_with_no_school_refuses_and_makes_no_database(argv, tmp_path):
    code, out, err = _kiosk(*argv)
    assert code == 1, (out, err)
    assert "No school is set up for this account" in err, err
    assert "kiosk init" in err and "the account that set it up" in err, err
    assert "Still in the office" not in out and "Total" not in out, out
    assert _made(tmp_path) == [], "a command made a database where no school was set up"


def test_a_database_a_command_once_made_empty_is_no_school_either(tmp_path):
    # What an older kiosk left behind: a database with tables and nobody in it (no staff, no trail).
    code, _, err = _kiosk("--db", str(tmp_path / "empty.db"), "report", "today")
    assert code == 1 and not (tmp_path / "empty.db").exists(), err
    from kiosk.db import open_database

    open_database(str(tmp_path / "empty.db")).close()
    code, out, err = _kiosk("--db", str(tmp_path / "empty.db"), "report", "today")
    assert code == 1 and "No school is set up for this account" in err, (out, err)


def test_init_still_sets_a_school_up_and_then_the_commands_run(tmp_path):
    code, out, err = _kiosk("init", "--admin-name", "Una Admin", "--initials", "UA", "--pin-stdin",
                            stdin=f"{ADMIN_PIN}\n")
    assert code == 0, (out, err)
    code, out, err = _kiosk("report", "today")
    assert code == 0 and "Total" in out, (out, err)


def test_a_scheduled_report_under_another_account_refuses_in_a_real_process(tmp_path):
    """The tryout's case as typed: `HOME=/tmp/x kiosk report reconcile`, a new process in an empty home folder."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "XDG_"))}
    env |= {"HOME": str(home), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "report", "reconcile"], env=env, cwd=home,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "No school is set up for this account" in done.stderr, done.stderr
    assert _made(home) == []
