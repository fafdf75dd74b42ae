"""7. Atomic coupling: a failure between the state change and its event, 1,000 times, never leaves one without
the other."""

from __future__ import annotations

from tests.reliability import scenarios
from tests.reliability.sizes import SIZES


def test_a_thousand_failures_between_change_and_event_leave_nothing_half_done_on_sqlite(make_site):
    site = make_site("sqlite", pupils=120)
    figure = scenarios.atomic_coupling(site, injections=SIZES["atomic_sqlite"])
    print(figure.line())
    n = figure.numbers
    assert n["injections"] == SIZES["atomic_sqlite"]
    assert set(n["by_kind"]) == {"hand in", "hand back", "confiscate", "release", "close day", "wrong PIN"}
    assert n["left_a_partial_change"] == 0, n["examples"]
    assert n["custody_without_event"] == 0 and n["audit_ok"], n["audit_problems"]


def test_failures_between_change_and_event_leave_nothing_half_done_on_postgresql(make_site):
    site = make_site("postgres", pupils=120)
    figure = scenarios.atomic_coupling(site, injections=SIZES["atomic_postgres"])
    print(figure.line())
    n = figure.numbers
    assert n["injections"] == SIZES["atomic_postgres"]
    assert n["left_a_partial_change"] == 0, n["examples"]
    assert n["custody_without_event"] == 0 and n["audit_ok"], n["audit_problems"]


def test_negative_control_change_and_event_in_two_transactions_leave_custody_without_events(make_site):
    site = make_site("sqlite", pupils=30)
    figure = scenarios.atomic_coupling(site, injections=20, naive=True)
    print(figure.line())
    assert figure.numbers["custody_without_event"] == 20 and not figure.numbers["audit_ok"]
