"""1. kill -9 during scripted hand-ins: nothing acknowledged is ever lost, nothing is ever doubled."""

from __future__ import annotations

from tests.reliability import scenarios
from tests.reliability.sizes import SIZES


def test_a_desk_killed_mid_shift_loses_no_acknowledged_hand_in(backend, make_site):
    site = make_site(backend, pupils=300)
    figure = scenarios.kill9_handins(site, rounds=SIZES["kill_rounds"])
    print(figure.line())
    n = figure.numbers
    assert n["acknowledged"] > 0 and n["killed_mid_stream"] >= SIZES["kill_rounds"] // 2
    assert n["lost"] == 0, n["lost_codes"]
    assert n["duplicates"] == 0
    # Some phone was saved but the desk died before saying so: scanning it again was recognised.
    assert n["in_flight_saved_not_acknowledged"] >= 1 and n["rescans"].get("ALREADY_IN", 0) >= 1
    assert n["integrity"] in ("ok", "n/a (PostgreSQL)")
    assert n["audit_ok"], n["audit_problems"]
    assert n["custody_without_event"] == 0


def test_negative_control_a_desk_that_acknowledges_before_commit_does_lose_hand_ins(make_site):
    site = make_site("sqlite", pupils=100)
    figure = scenarios.kill9_handins(site, rounds=6, naive=True)
    print(figure.line())
    assert figure.numbers["lost"] > 0  # the same kills catch a desk that says "done" too early
