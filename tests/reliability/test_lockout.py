"""8. Lockout across desks; no PIN in plain text in the database, logs or exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability import scenarios


def test_wrong_pins_spread_over_two_desks_lock_the_account_and_no_pin_is_stored_or_logged(backend, make_site, request):
    site = make_site(backend, pupils=20)
    server_log = None
    if backend == "postgres":
        folder = getattr(request.getfixturevalue("postgres_server"), "_dir", None)
        server_log = Path(folder, "pg.log").read_text if folder else None
    figure = scenarios.lockout_across_desks(site, server_log=server_log)
    print(figure.line())
    seq, race = figure.numbers["sequential"], figure.numbers["concurrent"]
    assert [line.startswith("REFUSED") for line in seq["desk_a"] + seq["desk_b"]] == [True] * 5
    assert seq["locked_after_five"] and "locked" in seq["right_pin_then"].lower()
    # Eight wrong PINs at once from two desks: exactly five counted, one lock, the rest refused as locked.
    assert (race["wrong_pin_counted"], race["account_locked_events"], race["refused_as_locked"]) == (5, 1, 3)
    assert figure.numbers["leaks"] == []
    assert figure.numbers["bytes_searched"] > 10_000


@pytest.mark.parametrize(("blob", "found"), [
    (b'{"pin":"482913"}', True), (b"PIN 482913\n", True), (b"08:30:12.482913", False), (b"ab482913cd", False),
    (b"14829130", False),
])
def test_the_pin_search_finds_a_pin_and_ignores_timestamps_and_hashes(blob, found):
    assert bool(scenarios.pin_leaks({"x": blob}, ("482913",))) is found
