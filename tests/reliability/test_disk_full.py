"""2. Disk full and I/O errors mid-write: refused with the real cause, no trace left, recovered without restart."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.reliability import scenarios
from tests.reliability.harness import build_site, small_filesystem


def skip_unless_required(reason: str) -> None:
    """CI runs as root on ext4 (.ci/run sets KIOSK_REQUIRE_DISK_TESTS=1): there a missing tmpfs or chattr is a
    failure, never a quiet skip; elsewhere (a developer without root) the reason is printed and the test skips."""
    if os.environ.get("KIOSK_REQUIRE_DISK_TESTS") == "1":
        pytest.fail(f"the disk tests are required here (KIOSK_REQUIRE_DISK_TESTS=1) but {reason}")
    pytest.skip(reason)


def _assert_refused_cleanly(n: dict) -> None:
    assert n["refused_is_storage_failed"] and n["refused_message"].startswith("NOT SAVED")
    assert n["acknowledged_before_full"] > 0
    assert n["action_events_saved"] == n["acknowledged_before_full"]  # the refused one left no event…
    assert n["refused_action_left_no_trace"]  # …and no state change
    assert n["recovered_without_restart"]
    assert n["integrity"] in ("ok", "n/a (PostgreSQL)") and n["audit_ok"], n["audit_problems"]


def test_a_full_disk_under_sqlite_refuses_with_its_cause_and_the_next_write_after_space_returns_is_saved(tmp_path):
    with small_filesystem(tmp_path / "small", size_kib=4096) as filesystem:
        if filesystem is None:
            skip_unless_required("cannot mount a small tmpfs here (needs root); test_db.py covers max_page_count")
        site = build_site(str(filesystem / "kiosk.db"), tmp_path / "site", pupils=30)
        figure = scenarios.disk_full(site, filesystem)
    print(figure.line())
    _assert_refused_cleanly(figure.numbers)
    assert "disk holding the database is full" in figure.numbers["refused_message"]
    assert figure.numbers["readable_while_full"]


def test_a_write_error_from_the_disk_is_refused_as_such_and_the_desk_carries_on(make_site):
    site = make_site("sqlite", pupils=10)
    figure = scenarios.io_error(site)
    if figure is None:
        skip_unless_required("this filesystem has no chattr +i to make a write fail")
    print(figure.line())
    n = figure.numbers
    assert n["refused_is_storage_failed"] and n["saved_while_failing"] == 0
    assert "disk reported a read/write error" in n["refused_message"]
    assert n["next_outcome"] == "HANDED_IN" and n["integrity"] == "ok" and n["audit_ok"]


def test_a_full_disk_under_postgresql_refuses_with_its_cause_and_recovers(own_postgres, tmp_path):
    # The server runs as 'postgres': its tablespace must sit where that user can reach (not under pytest's 0700
    # temporary folders).
    where = Path(tempfile.mkdtemp(prefix="kiosk-pgspace-"))
    where.chmod(0o755)
    with small_filesystem(where / "small", size_kib=2048) as filesystem:
        if filesystem is None:
            skip_unless_required("cannot mount a small tmpfs here (needs root)")
        site = build_site(own_postgres.fresh_database(), tmp_path / "site", pupils=30)
        figure = scenarios.disk_full_postgres(site, own_postgres, filesystem)
    shutil.rmtree(where, ignore_errors=True)
    print(figure.line())
    _assert_refused_cleanly(figure.numbers)
    message = figure.numbers["refused_message"].lower()
    # Named today in the server's words; in plain words once the proposed connection.py patch lands.
    assert "no space left on device" in message or "disk holding the database is full" in message
