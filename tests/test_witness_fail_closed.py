"""The witness fails closed (issue 15): a trail shorter than, or diverging from, what a desk witnessed is an alarm
whatever the database says of itself: emptied, emptied and written to again, or cut back behind one desk of several."""

from __future__ import annotations

import pytest

from kiosk.audit import verify
from kiosk.custody import close_day, hand_back, hand_in
from kiosk.db import AuditHead, Event
from kiosk.storage import open_for_desk
from tests.test_sealed_rows import _attack_sql

EMPTY_THE_TRAIL = ["DELETE FROM dsl_note", "DELETE FROM search", "DELETE FROM event", "DELETE FROM custody",
                   "UPDATE audit_head SET seq = 0, chain = '" + "0" * 64 + "' WHERE id = 1"]


def _as_a_desk(s, witness):
    """The school's database opened as a desk opens it (key checked, this witness file), and a morning's work."""
    open_for_desk(s.url, witness=witness, keyring=s.keyring, desk="Reception 1")
    for i in range(4):
        hand_in(s.ctx(), s.scanned(i))
    hand_back(s.ctx(), s.scanned(0))
    close_day(s.ctx())


def _empty_the_trail(url: str) -> None:
    for sql in EMPTY_THE_TRAIL:
        _attack_sql(url, sql)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_an_emptied_trail_fails_against_the_desks_witness_even_after_another_hand_in(tmp_path, backend, request):
    from tests.conftest import make_school

    url = None if backend == "sqlite" else request.getfixturevalue("postgres_server").fresh_database()
    s = make_school(tmp_path, url)
    path = tmp_path / "desk.witness"
    _as_a_desk(s, path)
    saved = AuditHead.get_by_id(1).seq
    assert verify(s.keyring.audit_key, witness=path).ok

    _empty_the_trail(str(s.path) if backend == "sqlite" else s.url)
    report = verify(s.keyring.audit_key, witness=path)
    assert report.events_checked == 0
    assert not report.ok and report.witness_failed  # today: "OK: 0 events … witness: not checked"
    assert any(f"no longer holds event {saved}" in p for p in report.problems), report.problems
    assert report.first_bad_seq == 1

    hand_in(s.ctx(), s.scanned(5))  # the desk carries on: event 1 of a new trail, witnessed as this school's
    report = verify(s.keyring.audit_key, witness=path)
    assert not report.ok and report.witness_failed  # today: OK again
    assert any(f"no longer holds event {saved}" in p for p in report.problems), report.problems


def test_the_command_line_says_so_with_this_desks_own_witness(school):
    s = school
    _as_a_desk(s, s.key_path.with_suffix(".witness"))  # where a desk keeps it: beside its key file
    code, out, _ = s.cli("audit", "verify")
    assert code == 0 and out.startswith("Audit trail OK"), out
    _empty_the_trail(str(s.path))
    code, out, _ = s.cli("audit", "verify")
    assert code == 1 and "AUDIT TRAIL FAILED VERIFICATION" in out and "no longer holds event" in out, out
    assert "witness: not checked" not in out


@pytest.mark.postgres
def test_several_desks_on_postgresql_each_witness_counts(tmp_path, postgres_server):
    """Two desks share one PostgreSQL database; the end of the trail, written by desk B, is cut away. Desk A's
    witness alone still finds its own newest event, so verify takes every desk's file (or a folder of them)."""
    from tests.conftest import make_school

    s = make_school(tmp_path, postgres_server.fresh_database())
    folder = tmp_path / "collected"
    folder.mkdir()
    desk_a, desk_b = folder / "reception-1.witness", folder / "reception-2.witness"
    open_for_desk(s.url, witness=desk_a, keyring=s.keyring, desk="Reception 1")
    for i in range(3):
        hand_in(s.ctx(), s.scanned(i))
    a_saw = AuditHead.get_by_id(1).seq
    open_for_desk(s.url, witness=desk_b, keyring=s.keyring, desk="Reception 2")
    for i in range(3, 6):
        hand_in(s.ctx(), s.scanned(i))
    assert verify(s.keyring.audit_key, witness=[desk_a, desk_b]).ok

    # The attacker cuts desk B's events away and sets the head back: inside the database all agrees again.
    cut_custody = [e.custody_id for e in Event.select().where(Event.seq > a_saw)]
    _attack_sql(s.url, f"DELETE FROM event WHERE seq > {a_saw}")
    _attack_sql(s.url, "DELETE FROM custody WHERE id IN (" + ",".join(map(str, cut_custody)) + ")")
    _attack_sql(s.url, "UPDATE audit_head SET seq = ?, chain = (SELECT chain FROM event WHERE seq = ?) WHERE id = 1",
                a_saw, a_saw)
    assert verify(s.keyring.audit_key, witness=desk_a).ok  # one desk's witness cannot see another desk's writes
    report = verify(s.keyring.audit_key, witness=[desk_a, desk_b])
    assert not report.ok and report.witness_failed and str(desk_b) in " ".join(report.problems)

    code, out, _ = s.cli("audit", "verify", "--witness", str(desk_a), "--witness", str(desk_b))
    assert code == 1 and "no longer holds event" in out and "reception-2.witness" in out, out
    code, out, _ = s.cli("audit", "verify", "--witness", str(folder))  # the folder the IT technician filled
    assert code == 1 and "reception-2.witness" in out, out
    code, out, _ = s.cli("audit", "verify", "--witness", str(desk_a))
    assert code == 0, out
