"""4. A desk and a report job on one SQLite file for half a minute (the figures: five): no "database is locked"
reaches anyone."""

from __future__ import annotations

import pytest

from kiosk.db import connection
from tests.reliability import scenarios
from tests.reliability.harness import build_site, close_bound
from tests.reliability.sizes import SIZES


@pytest.fixture(scope="module")
def soak(tmp_path_factory):
    site = build_site(str(tmp_path_factory.mktemp("soak") / "kiosk.db"), tmp_path_factory.mktemp("soak-site"),
                      pupils=60)
    figure = scenarios.shared_sqlite_soak(site, seconds=SIZES["soak_seconds"])
    close_bound()
    print(figure.line())
    return figure


def test_a_desk_and_a_report_job_share_one_sqlite_file_without_a_locked_error(soak):
    n = soak.numbers
    assert n["exit_codes"] == [0, 0]
    assert n["desk_actions"] > 100 and n["report_rounds"] > 100
    assert n["locked_errors_seen"] == 0, n["locked_examples"]
    assert n["other_failures"] == []
    assert n["acknowledged_missing"] == 0
    assert n["integrity"] == "ok" and n["audit_ok"]
    # The verifier, reading in one snapshot, never mistakes the desk's new events for tampering.
    assert n["verify_runs"] > 0 and n["verify_false_alarms_in_snapshot"] == 0


def test_kiosk_audit_verify_as_shipped_raises_no_false_alarm_while_a_desk_writes(soak):
    assert soak.numbers["verify_false_alarms_without_snapshot"] == 0


def test_negative_control_naive_sqlite_settings_do_show_locked_errors(tmp_path, monkeypatch):
    monkeypatch.setitem(connection.SQLITE_PRAGMAS, "journal_mode", "delete")
    monkeypatch.setitem(connection.SQLITE_PRAGMAS, "busy_timeout", 0)
    site = build_site(str(tmp_path / "kiosk.db"), tmp_path, pupils=60)
    figure = scenarios.shared_sqlite_soak(site, seconds=6, naive=True)
    print(figure.line())
    assert figure.numbers["locked_errors_seen"] > 0
