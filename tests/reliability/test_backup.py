"""10. Backups taken while a desk writes all pass integrity and audit verification."""

from __future__ import annotations

from tests.reliability import scenarios
from tests.reliability.sizes import SIZES


def test_every_backup_taken_while_a_desk_writes_verifies_and_holds_everything_acknowledged(make_site):
    site = make_site("sqlite", pupils=80)
    figure = scenarios.backup_while_writing(site, backups=SIZES["backups"], naive_copies=4)
    print(figure.line())
    n = figure.numbers
    assert n["good_backups"] == SIZES["backups"], n["backups"]
    assert n["events_grew_between_backups"]  # the desk really was writing throughout
    assert n["desk_exit"] == 0 and n["desk_failures"] == 0
    # Negative control: copying the file while the desk writes misses acknowledged hand-ins.
    assert n["naive_copies_missing_acknowledged"] >= 1
