"""The audit trail: every change has one event, and tampering is detected with the first bad sequence number."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime

import pytest

from kiosk.audit import verify
from kiosk.audit.chain import payload_digest
from kiosk.custody import State, close_day, hand_back, hand_in, normalise, resolve
from kiosk.db import AuditHead, Custody, Event, database_proxy


def busy_day(s):
    for pupil in s.pupils:
        hand_in(s.ctx(), resolve(normalise(s.tag_of(pupil))))
        s.clock.advance(seconds=4)
    s.clock.set(datetime(2026, 11, 30, 15, 10, tzinfo=UTC))
    for pupil in s.pupils[:4]:
        hand_back(s.ctx(), resolve(normalise(s.tag_of(pupil))))
    s.clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    close_day(s.ctx())


def test_a_clean_day_verifies(any_school):
    busy_day(any_school)
    report = verify(any_school.keyring.audit_key)
    assert report.ok, report.problems
    assert report.custody_checked == 6
    assert report.events_checked == Event.select().count()


def test_each_custody_change_writes_exactly_one_event_with_its_new_state(any_school):
    busy_day(any_school)
    for custody in Custody.select():
        events = list(Event.select().where(Event.custody == custody.id).order_by(Event.seq))
        assert events[-1].custody_state == custody.state
        assert len(events) == (2 if custody.state in (State.RETURNED, State.UNCOLLECTED) else 1)


def test_pins_never_reach_the_audit_log(any_school):
    from tests.conftest import ADMIN_PIN, OFFICE_PIN

    text = " ".join(e.payload_json for e in Event.select())
    assert OFFICE_PIN not in text and ADMIN_PIN not in text


def _sql(text, *params):
    database_proxy.obj.execute_sql(text, params)


def test_editing_a_payload_is_detected(any_school):
    busy_day(any_school)
    target = Event.select().where(Event.action == "HANDED_IN").order_by(Event.seq).first()
    _sql("UPDATE event SET payload_json = %s WHERE seq = %s" if _pg() else
         "UPDATE event SET payload_json = ? WHERE seq = ?", target.payload_json.replace("9C", "7C"), target.seq)
    report = verify(any_school.keyring.audit_key)
    assert not report.ok and report.first_bad_seq == target.seq


def test_editing_a_payload_and_its_hash_is_detected_by_the_chain(any_school):
    busy_day(any_school)
    target = Event.select().where(Event.action == "HANDED_BACK").order_by(Event.seq).first()
    body = json.loads(target.payload_json)
    body["slot"] = "7A-01"
    new = json.dumps(body)
    Event.update(payload_json=new, payload_hash=payload_digest(new)).where(Event.seq == target.seq).execute()
    report = verify(any_school.keyring.audit_key)
    assert report.first_bad_seq == target.seq


def test_deleting_an_event_is_detected(any_school):
    busy_day(any_school)
    victim = Event.select().where(Event.action == "HANDED_BACK").order_by(Event.seq).first()
    Event.delete().where(Event.seq == victim.seq).execute()
    report = verify(any_school.keyring.audit_key)
    assert report.first_bad_seq == victim.seq


def test_truncating_the_tail_is_detected(any_school):
    busy_day(any_school)
    last = Event.select().order_by(Event.seq.desc()).first().seq
    Event.delete().where(Event.seq > last - 3).execute()
    report = verify(any_school.keyring.audit_key)
    assert not report.ok and report.first_bad_seq == last - 2


def test_re_signing_the_chain_without_the_key_is_detected(any_school):
    busy_day(any_school)
    from kiosk.audit.chain import seal

    # An attacker with the database but not the key file re-seals every event with a guessed key.
    wrong_key = hashlib.sha256(b"guess").digest()
    prev = "0" * 64
    target = Event.select().where(Event.action == "HANDED_IN").order_by(Event.seq).first().seq
    for event in Event.select().order_by(Event.seq):
        chain = seal(wrong_key, prev, seq=event.seq, at=event.at, desk=event.desk, staff_id=event.staff_id,
                     action="HANDED_BACK" if event.seq == target else event.action, pupil_id=event.pupil_id,
                     tag_id=event.tag_id, custody_id=event.custody_id, custody_state=event.custody_state,
                     payload_hash=event.payload_hash)
        Event.update(chain=chain).where(Event.seq == event.seq).execute()
        prev = chain
    AuditHead.update(chain=prev).execute()
    report = verify(any_school.keyring.audit_key)
    assert report.first_bad_seq == 1


def test_a_custody_row_changed_behind_the_kiosk_is_detected(any_school):
    busy_day(any_school)
    custody = Custody.select().where(Custody.state == State.UNCOLLECTED).first()
    Custody.update(state=State.RETURNED).where(Custody.id == custody.id).execute()
    report = verify(any_school.keyring.audit_key)
    assert not report.ok
    assert any(f"custody {custody.id}" in p for p in report.problems)


def test_a_custody_row_with_no_event_is_detected(any_school):
    busy_day(any_school)
    custody = Custody.select().first()
    Event.update(custody=None).where(Event.custody == custody.id).execute()
    report = verify(any_school.keyring.audit_key)
    assert any("has no audit event" in p for p in report.problems)


def _pg() -> bool:
    from peewee import PostgresqlDatabase

    return isinstance(database_proxy.obj, PostgresqlDatabase)


# ---- the custody row replayed column by column (finding D) ------------------------------------------------------


def _a_week_of_everything(s):
    """A daily cycle, a release to a carer, a police case, then today's hand-in (tests/test_privacy.py), plus what
    must not look like tampering: a tag replaced while its phone is in the office and handed back at another desk,
    a daily phone confiscated, and a DSL note written at another desk after the police took the phone."""
    from dataclasses import replace

    from kiosk.custody.safeguarding import add_dsl_note
    from kiosk.labels.replace import replace_tag
    from tests.histories import old_school_year

    # Leaves pupil 0's phone in the office today and pupil 2's uncollected since 2022.
    released_id, police_id = old_school_year(s)
    elsewhere = replace(s.office, desk="Student Services")
    hand_in(s.ctx(), s.scanned(1))
    new_code = replace_tag(s.ctx(), tag_code=s.tag_of(s.pupils[1]), reason="damaged").new_code
    s.clock.advance(minutes=5)
    hand_back(s.ctx(elsewhere), resolve(normalise(new_code)))
    s.confiscate(2, by="Mr Ellis", reason="used in lesson", location="Room 4", condition=[], seal="NEW-1")
    add_dsl_note(s.ctx(s.signed_in("PS", desk="Student Services")), police_id, "police confirmed receipt")
    return released_id, police_id


def _custody_edit(column):
    returned = Custody.select().where(Custody.state == State.RETURNED).order_by(Custody.id).first()
    released = Custody.select().where(Custody.state == State.RELEASED).first()
    if column == "handed_to":
        return released.id, {Custody.handed_to: "Mr M Allory (Uncle)"}
    if column == "pupil and tag":
        other = next(t for t in Custody.select().order_by(Custody.id.desc()) if t.pupil_id != returned.pupil_id)
        return returned.id, {Custody.pupil: other.pupil_id, Custody.tag: other.tag_id}
    if column == "slot":
        return returned.id, {Custody.slot_position: returned.slot_position + 40}
    if column == "opened_desk":
        return returned.id, {Custody.opened_desk: "Nobody"}
    return returned.id, {Custody.closed_desk: "Nobody"}


@pytest.mark.parametrize("column", ["handed_to", "pupil and tag", "slot", "opened_desk", "closed_desk"])
def test_a_custody_column_changed_behind_the_kiosk_is_detected(any_school, column):
    s = any_school
    _a_week_of_everything(s)
    assert verify(s.keyring.audit_key).ok, verify(s.keyring.audit_key).problems  # nothing looks like tampering
    custody_id, change = _custody_edit(column)
    Custody.update(change).where(Custody.id == custody_id).execute()
    report = verify(s.keyring.audit_key)
    assert not report.ok
    assert [p for p in report.problems if p.startswith(f"custody {custody_id}: ")], report.problems
    assert report.first_bad_seq is None  # the chain itself is whole: only the custody row was changed


def test_after_a_retention_purge_the_replay_still_passes_and_still_checks_the_sealed_columns(any_school):
    from kiosk.privacy.retention import purge
    from tests.conftest import CLI_ADMIN

    s = any_school
    _a_week_of_everything(s)
    purge(s.ctx(CLI_ADMIN), dry_run=False)  # erases the 2022 payloads and who collected
    assert verify(s.keyring.audit_key).ok, verify(s.keyring.audit_key).problems
    erased = Custody.select().where(Custody.state == State.RELEASED).first()
    assert erased.handed_to is None
    Custody.update(opened_desk="Nobody").where(Custody.id == erased.id).execute()  # sealed in its events' desk
    assert not verify(s.keyring.audit_key).ok


# ---- the witness outside the database (finding E) ---------------------------------------------------------------


def _witness_lines(path):
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


class _Copies:
    """The attacker's copies of the custody table, one after each saved write (as a copy taken every so often
    would be): what lets the rewind below put the rows back exactly as they were, seals and all."""

    def __init__(self) -> None:
        from kiosk.db.commits import listen

        self.at: dict[int, list[dict]] = {}
        listen(database_proxy.obj, self.saw)

    def saw(self, head) -> None:
        self.at[head.seq] = list(Custody.select().dicts())


def _rewind(n: int, copies: _Copies) -> int:
    """The attack nothing inside the database can see: the last n events (back to a saved write) deleted, the
    head set back, and the custody rows put back exactly as they were then. Returns the new last seq."""
    last = Event.select().order_by(Event.seq.desc()).first().seq
    cut = max(seq for seq in copies.at if seq <= last - n)
    Event.delete().where(Event.seq > cut).execute()
    AuditHead.update(seq=cut, chain=Event.get_by_id(cut).chain).execute()
    kept = {row["id"]: row for row in copies.at[cut]}
    Custody.delete().where(Custody.id.not_in(list(kept) or [0])).execute()
    for custody_id, row in kept.items():
        Custody.update({getattr(Custody, name): value for name, value in row.items() if name != "id"}).where(
            Custody.id == custody_id).execute()
    return cut


def test_each_saved_write_is_witnessed_and_verify_sees_the_end_removed_only_with_the_witness(any_school, tmp_path):
    from kiosk.audit import witness

    s = any_school
    path = tmp_path / "kiosk.witness"
    witness.attach(database_proxy.obj, path)
    copies = _Copies()
    busy_day(s)
    lines = _witness_lines(path)
    head = AuditHead.get_by_id(1)
    assert lines[-1][1:] == [str(head.seq), head.chain]  # the newest line is the head this desk left
    assert len(lines) == 6 + 4 + 1  # one per saved action: 6 hand-ins, 4 hand-backs, close of day
    assert {line[0] for line in lines} == {Event.get_by_id(1).chain[:16]}
    report = verify(s.keyring.audit_key, witness=path)
    assert report.ok and "still here" in report.witness

    cut = _rewind(3, copies)
    assert verify(s.keyring.audit_key).ok  # the negative control: inside the database it all still agrees
    report = verify(s.keyring.audit_key, witness=path)
    assert not report.ok and report.witness_failed
    assert any(f"no longer holds event {head.seq}" in p for p in report.problems), report.problems
    assert report.first_bad_seq == cut + 1


def test_a_refused_or_unsaved_action_is_never_witnessed(any_school, tmp_path, monkeypatch):
    from peewee import OperationalError

    from kiosk.audit import witness
    from kiosk.errors import StorageFailed

    s = any_school
    path = tmp_path / "kiosk.witness"
    witness.attach(database_proxy.obj, path)
    code = s.tag_of(s.pupils[0])
    hand_in(s.ctx(), resolve(normalise(code)))
    before = path.read_text()
    hand_in(s.ctx(), resolve(normalise(code)))  # "already in": nothing saved
    assert path.read_text() == before

    def disk_gone(**_kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr("kiosk.custody.transitions.append_event", disk_gone)  # where every move writes its event
    with pytest.raises(StorageFailed):
        hand_back(s.ctx(), resolve(normalise(code)))
    assert path.read_text() == before  # a witness line for a rolled-back write would be a false alarm later


def test_a_witness_file_that_cannot_be_written_never_stops_a_hand_in(school, tmp_path, caplog):
    import logging

    from kiosk.audit import witness

    s = school
    folder = tmp_path / "not-yet"
    path = folder / "kiosk.witness"
    witness.attach(database_proxy.obj, path)
    with caplog.at_level(logging.WARNING, logger="kiosk.audit.witness"):
        for pupil in s.pupils[:3]:
            receipt = hand_in(s.ctx(), resolve(normalise(s.tag_of(pupil))))
            assert receipt.outcome.name == "HANDED_IN"
    assert Custody.select().count() == 3
    warnings = [r.getMessage() for r in caplog.records if r.name == "kiosk.audit.witness"]
    assert len(warnings) == 1 and str(path) in warnings[0] and "carries on" in warnings[0]  # once, not per scan

    folder.mkdir()  # IT fixes it: the next save is witnessed again, and the log says so
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kiosk.audit.witness"):
        hand_in(s.ctx(), s.scanned(3))
    assert _witness_lines(path)[-1][1] == str(AuditHead.get_by_id(1).seq)
    assert any("written again" in r.getMessage() for r in caplog.records)
    assert verify(s.keyring.audit_key, witness=path).ok


def test_lines_for_another_database_sharing_the_key_file_are_ignored(school, tmp_path):
    s = school
    busy_day(s)
    path = tmp_path / "kiosk.witness"
    path.write_text(f"{'f' * 16} 999999 {'a' * 64}\nhalf a line cut by a power c\n")
    report = verify(s.keyring.audit_key, witness=path)
    assert report.ok and "holds nothing for this database" in report.witness


def test_a_desk_keeps_its_witness_beside_its_key_file_unless_told_otherwise(tmp_path, monkeypatch):
    from kiosk.audit.witness import attached
    from kiosk.keyring import create_key_file
    from kiosk.storage import open_for_desk

    config = tmp_path / "config"
    assert attached(open_for_desk(str(tmp_path / "a.db"))) is None  # no key file here: not a desk of it
    create_key_file(config / "kiosk.key")
    assert attached(open_for_desk(str(tmp_path / "b.db"))).path == config / "kiosk.witness"
    monkeypatch.setenv("KIOSK_WITNESS_FILE", str(tmp_path / "elsewhere.witness"))
    assert attached(open_for_desk(str(tmp_path / "c.db"))).path == tmp_path / "elsewhere.witness"
    monkeypatch.setenv("KIOSK_WITNESS_FILE", "off")
    assert attached(open_for_desk(str(tmp_path / "d.db"))) is None


def test_the_database_alone_has_no_witness_and_the_witness_hears_of_each_commit_through_its_hook(
        school, tmp_path):
    """kiosk.db knows nothing of witnesses: kiosk.db.open_database attaches none, and the witness hears of each
    commit through kiosk/db/commits.py; a second attach replaces the first, which hears of nothing more."""
    from kiosk.audit.witness import attach, attached
    from kiosk.db import open_database
    from kiosk.db.commits import listeners

    assert (tmp_path / "config" / "kiosk.key").exists()  # a desk's key file, and still: no witness
    assert attached(open_database(str(tmp_path / "plain.db"))) is None
    assert listeners(database_proxy.obj) == ()

    s = school
    db = open_database(s.url)
    first, second = tmp_path / "first.witness", tmp_path / "second.witness"
    attach(db, first)
    hand_in(s.ctx(), resolve(normalise(s.tag_of(s.pupils[0]))))
    attach(db, second)
    assert len(listeners(db)) == 1
    hand_in(s.ctx(), resolve(normalise(s.tag_of(s.pupils[1]))))
    head = AuditHead.get_by_id(1)
    assert [line[1] for line in _witness_lines(second)] == [str(head.seq)]
    assert [line[1] for line in _witness_lines(first)] == [str(head.seq - 1)]
    assert _witness_lines(second)[0][2] == head.chain
    attach(db, None)
    assert listeners(db) == ()


def test_a_commit_listener_that_fails_never_turns_a_saved_hand_in_into_an_error(school, caplog):
    from kiosk.db.commits import listen

    s = school
    heard = []

    def broken(head):
        heard.append(head.seq)
        raise OSError("the witness disk went away")

    stop = listen(database_proxy.obj, broken)
    with caplog.at_level(logging.WARNING, logger="kiosk.db.commits"):
        receipt = hand_in(s.ctx(), resolve(normalise(s.tag_of(s.pupils[0]))))
    stop()
    assert receipt.outcome.name == "HANDED_IN"
    assert heard == [AuditHead.get_by_id(1).seq]
    assert Custody.select().count() == 1
    assert any("saved" in r.getMessage() for r in caplog.records)


def test_kiosk_audit_verify_uses_this_desks_witness_and_says_what_it_found(school, tmp_path):
    from kiosk.audit import witness

    s = school
    path = tmp_path / "config" / "kiosk.witness"  # beside the school's key file: this desk's own
    witness.attach(database_proxy.obj, path)
    copies = _Copies()
    busy_day(s)

    def run(*argv):
        return s.cli("audit", "verify", *argv)

    code, out, _ = run()
    assert code == 0 and out.startswith("Audit trail OK") and f"Used this desk's witness file {path}" in out
    _rewind(2, copies)
    code, out, _ = run()
    assert code == 1 and "no longer holds event" in out and "--no-witness" in out
    code, out, _ = run("--no-witness")  # a backup is checked on its own
    assert code == 0 and "witness" not in out.lower()
    code, out, err = run("--witness", str(tmp_path / "missing.witness"))
    assert code == 1 and out == "" and "missing.witness does not exist" in err
    path.rename(tmp_path / "moved.witness")
    code, out, _ = run()
    assert code == 0 and "No witness file for this desk" in out
    code, out, _ = run("--witness", str(tmp_path / "moved.witness"))
    assert code == 1 and "no longer holds event" in out
