"""Never a traceback with secrets (issue 15): a fault nobody expected stops the kiosk with plain words, a crash
report that holds no values (kiosk/crash.py) and a non-zero exit code, so a supervisor starts it again.

Textual's own handler printed a Rich traceback with every frame's local variables: the PIN being checked, the
key's bytes, pupils' names; then the kiosk exited 0. These tests make a real kiosk process fault (in a real
terminal for the desk) and read what the terminal, the exit code and the crash file say.

The fault is put in by the test's own launcher (a function the desk calls is replaced with one that fails holding
the PIN), so no way to fault the kiosk on purpose exists in the kiosk itself.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.crash import CRASH_EXIT, crash_lines
from kiosk.db import Event
from kiosk.screens.lock import LockScreen
from tests.conftest import OFFICE_PIN
from tests.tmux_terminal import ROOT
from tests.tui_helpers import another_program_holds_the_database, kiosk_app, screen_text, type_keys, wait_until

# The desk as `kiosk --db DB` starts it (kiosk.cli.main), with sign-in replaced by a fault that holds the PIN, the
# key and a pupil's name in its locals and the PIN in its message: what Textual used to print.
DESK_THAT_FAULTS = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import kiosk.screens.lock as lock

def sign_in_at_desk(*, keyring, clock, desk, who, pin):
    secret = keyring.audit_key
    pupil = "Zoë Hall"
    raise RuntimeError(f"the PIN was {{pin}} for {{pupil}}")

lock.sign_in_at_desk = sign_in_at_desk
from kiosk.cli import main
raise SystemExit(main(sys.argv[1:]))
"""

# `kiosk tags list`, with the table it prints replaced by a fault whose message holds the pupils' names.
COMMAND_THAT_FAULTS = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import kiosk.cli

def text_table(rows, **_):
    raise ValueError(f"cannot lay out {{rows!r}}")

kiosk.cli.text_table = text_table
raise SystemExit(kiosk.cli.main(sys.argv[1:]))
"""


def crash_files(data_dir: Path) -> list[Path]:
    folder = data_dir / "crashes"
    return sorted(folder.glob("crash-*.txt")) if folder.is_dir() else []


def assert_holds_nothing(text: str, school, *also: str) -> None:
    """No PIN, no key (as bytes, hex or base64), no pupil's name, no local variables."""
    key = school.keyring.audit_key
    for secret in (OFFICE_PIN, repr(key), key.hex(), "Zoë", "Hall", "secret =", "pupil =", *also):
        assert secret not in text, f"{secret!r} is in:\n{text}"


@pytest.mark.tmux
def test_a_fault_at_the_desk_shows_plain_words_writes_a_report_without_values_and_exits_non_zero(
        school, tmp_path, tmux_terminal):
    terminal = tmux_terminal()
    terminal.start([sys.executable, "-c", DESK_THAT_FAULTS, "--db", str(school.path)])
    terminal.wait_for("Desk locked")
    terminal.send("AA", "Enter")
    terminal.wait_for("PIN for AA")
    terminal.type_slowly(OFFICE_PIN)
    screen = terminal.wait_for("KIOSK EXITED", timeout=30)
    assert f"KIOSK EXITED {CRASH_EXIT}" in screen, screen
    words = " ".join(screen.split())
    assert "The kiosk stopped because of a fault" in words, screen
    assert "Traceback" not in screen and "RuntimeError" not in screen
    assert_holds_nothing(screen, school)

    data_dir = Path(os.environ["KIOSK_DATA_DIR"])
    [report] = crash_files(data_dir)
    assert str(report) in words.replace(" ", "") or report.name in words.replace(" ", ""), \
        "the crash report's path is named on screen"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700
    text = report.read_text(encoding="utf-8")
    assert "builtins.RuntimeError" in text
    assert "in sign_in" in text and "kiosk/widgets/desk_worker.py:" in text, "where it happened, frame by frame"
    assert_holds_nothing(text, school, "the PIN was")


def test_a_fault_in_a_command_prints_one_plain_line_writes_a_report_and_exits_non_zero(school, tmp_path):
    done = subprocess.run([sys.executable, "-c", COMMAND_THAT_FAULTS, "--db", str(school.path), "tags", "list"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "KIOSK_DEBUG": ""})
    assert done.returncode == CRASH_EXIT, done.stderr
    assert "Traceback" not in done.stderr and "ValueError" not in done.stderr
    assert "The kiosk stopped because of a fault" in done.stderr
    assert_holds_nothing(done.stdout + done.stderr, school, "Łukasz")
    [report] = crash_files(Path(os.environ["KIOSK_DATA_DIR"]))
    assert str(report) in done.stderr
    text = report.read_text(encoding="utf-8")
    assert "builtins.ValueError" in text and "in text_table" in text
    assert_holds_nothing(text, school, "Łukasz", "cannot lay out")
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_the_crash_report_names_the_chain_of_faults_without_their_messages():
    def check(pin: str) -> None:
        try:
            {}["missing"]
        except KeyError as error:
            raise RuntimeError(f"PIN {pin}") from error

    try:
        check("864213")
    except RuntimeError as error:
        from datetime import UTC, datetime

        lines = crash_lines(error, at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    text = "\n".join(lines)
    assert "Fault: builtins.RuntimeError" in text and "While handling: builtins.KeyError" in text
    assert "in check" in text and "864213" not in text and "missing" not in text


async def test_a_busy_database_at_sign_in_says_so_plainly_and_nothing_crashes(school):
    """Another program holds SQLite's write lock while the PIN is checked: the lock screen says it is checking,
    then gives plain words; the app keeps running, nobody is signed in, and the PIN is shown nowhere."""
    signed_in_before = Event.select().where(Event.action == "SIGNED_IN").count()
    app = kiosk_app(school)
    async with app.run_test() as pilot:
        with another_program_holds_the_database(school.path):
            await type_keys(pilot, "AA")
            await pilot.press(*OFFICE_PIN, "enter")
            await pilot.pause(0.3)
            assert "Checking" in screen_text(app)
            assert await wait_until(pilot, lambda: "Checking" not in screen_text(app), timeout=30)
            text = " ".join(screen_text(app).split())
            assert "NOT SAVED: another program kept the database busy" in text, text
            assert OFFICE_PIN not in text
            assert app.who is None and isinstance(app.screen, LockScreen)
    assert app.return_code in (0, None)
    assert Event.select().where(Event.action == "SIGNED_IN").count() == signed_in_before
    assert not crash_files(Path(os.environ["KIOSK_DATA_DIR"]))


def test_ctrl_c_at_a_pin_prompt_prints_one_plain_line_not_a_traceback(tmp_path):
    import signal
    import time

    # Ctrl+C as at a terminal: a process started in the background of a script inherits SIGINT ignored, so the
    # child puts Python's own handler back first (what any interactive start has).
    command = [sys.executable, "-c", f"import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
               f"sys.path.insert(0, {str(ROOT)!r}); from kiosk.cli import main; raise SystemExit(main())",
               "--db", str(tmp_path / "new.db"), "init", "--admin-name", "Ann Adams",
               "--initials", "AA", "--pin-stdin"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 30
    while not (tmp_path / "new.db").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # the database is made before the PIN is asked for: now at the prompt, reading stdin
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "stopped (Ctrl+C)" in err
