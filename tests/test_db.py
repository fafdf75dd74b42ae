"""Storage: durability settings, refusing network shares, migrations, and the one-open-custody rule."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from peewee import IntegrityError, OperationalError

from kiosk.clock import to_db
from kiosk.db import Custody, DatabaseError, Setting, database_proxy, open_database
from kiosk.db.connection import mount_fstype, network_location_reason
from kiosk.db.migrations import LATEST, SchemaTooNew, current_version, migrate_to_latest
from kiosk.db.waits import ANSWER_WAIT_SECONDS, NOT_SAVED_WITHIN_SECONDS, WRITE_WAIT_SECONDS
from kiosk.errors import StorageFailed
from tests.desk_process import command

MOUNTINFO = """\
22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
40 22 0:35 / /mnt/office rw,relatime shared:20 - cifs //fileserver/office rw,vers=3.0
41 22 0:36 / /srv/nfs\\040share rw,relatime shared:21 - nfs4 fs:/export rw
42 22 0:37 / /mnt/officelocal rw - ext4 /dev/vdb1 rw
"""


def test_sqlite_runs_with_wal_full_sync_foreign_keys_and_busy_timeout(empty_db):
    db = empty_db
    pragma = lambda name: db.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2
    assert pragma("foreign_keys") == 1
    # It waits for another process's write rather than failing at once, but never past the desk's bound: a write
    # that cannot have the lock in time is NOT SAVED within NOT_SAVED_WITHIN_SECONDS (issue 13; was 15 s).
    assert pragma("busy_timeout") == WRITE_WAIT_SECONDS * 1000
    assert 1 <= WRITE_WAIT_SECONDS < NOT_SAVED_WITHIN_SECONDS


@pytest.mark.parametrize(("path", "fstype"), [
    ("/mnt/office/kiosk.db", "cifs"), ("/srv/nfs share/k.db", "nfs4"), ("/home/office/k.db", "ext4"),
    ("/mnt/officelocal/k.db", "ext4"),
])
def test_the_filesystem_under_a_path_is_found_from_mountinfo(path, fstype):
    assert mount_fstype(Path(path), MOUNTINFO) == fstype


def test_network_shares_are_refused_with_a_reason_naming_postgresql(tmp_path, monkeypatch):
    assert "cifs" in network_location_reason(Path("/mnt/office/kiosk.db"), MOUNTINFO, platform="linux")
    assert network_location_reason(Path("/mnt/officelocal/k.db"), MOUNTINFO, platform="linux") is None
    assert "UNC" in network_location_reason(Path("\\\\server\\share\\kiosk.db"), "", platform="win32")
    monkeypatch.setattr("kiosk.db.connection.network_location_reason", lambda p: "it is on a share (smb3)")
    with pytest.raises(DatabaseError, match="PostgreSQL"):
        open_database(str(tmp_path / "k.db"))


def test_a_fresh_database_is_at_the_latest_schema_and_migrating_again_changes_nothing(empty_db):
    db = empty_db
    assert current_version(db) == LATEST
    tables = set(db.get_tables())
    assert migrate_to_latest(db) == LATEST
    assert set(db.get_tables()) == tables


def test_a_database_from_a_newer_kiosk_is_refused(empty_db):
    Setting.update(value=str(LATEST + 1)).where(Setting.key == "schema_version").execute()
    with pytest.raises(SchemaTooNew, match="Update the kiosk"):
        migrate_to_latest(empty_db)


def test_the_database_itself_refuses_a_second_open_custody_for_a_tag(school):
    tag = school.pupils[0].tags[0]
    row = dict(tag=tag.id, pupil=school.pupils[0].id, kind="daily", state="IN_OFFICE",
               opened_at=to_db(school.clock.now()), opened_by=school.office.staff_id, opened_desk="R",
               state_changed_at=to_db(school.clock.now()))
    Custody.create(**row, slot_box="9C", slot_position=1)
    with pytest.raises(IntegrityError), database_proxy.obj.atomic():
        Custody.create(**row, slot_box="9C", slot_position=2)
    with pytest.raises(IntegrityError), database_proxy.obj.atomic():
        Custody.create(**{**row, "tag": school.pupils[1].tags[0].id, "pupil": school.pupils[1].id},
                       slot_box="9C", slot_position=1)


def test_two_desk_processes_handing_in_the_same_phones_open_one_custody_each(any_school):
    school = any_school
    codes = [school.tag_of(p) for p in school.pupils]
    hand_ins = [f"in:{code}" for code in codes]
    # Each desk on the real clock, as three reception PCs are.
    procs = [subprocess.Popen(command(school, *hand_ins, desk=f"Desk {n}"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in range(3)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert Custody.select().count() == len(codes)
    slots = [c.slot for c in Custody.select()]
    assert len(set(slots)) == len(slots)
    from kiosk.audit import verify

    assert verify(school.keyring.audit_key).ok


def test_a_full_disk_refuses_the_action_with_its_real_cause_and_recovers_without_restart(school):
    from kiosk.audit import verify
    from kiosk.custody import hand_back, hand_in
    from kiosk.db import Event
    from kiosk.errors import StorageFailed

    db = database_proxy.obj
    # SQLite's own page limit fails exactly as a full disk does (SQLITE_FULL).
    db.execute_sql(f"PRAGMA max_page_count = {db.execute_sql('PRAGMA page_count').fetchone()[0] + 1}")
    acknowledged = 0
    with pytest.raises(StorageFailed, match="disk holding the database is full") as refused:
        for _ in range(5_000):  # a busy desk, until the disk fills
            for action in (hand_in, hand_back):
                action(school.ctx(), school.scanned(0))
                acknowledged += 1
    assert refused.value.message.startswith("NOT SAVED")
    assert acknowledged > 0
    # Every acknowledged action is there, and the refused one left no trace.
    assert Event.select().where(Event.action.in_(["HANDED_IN", "HANDED_BACK"])).count() == acknowledged
    assert verify(school.keyring.audit_key).ok

    db.execute_sql("PRAGMA max_page_count = 1073741823")  # space is back: no restart needed
    hand_in(school.ctx(), school.scanned(1))
    assert Event.select().where(Event.action.in_(["HANDED_IN", "HANDED_BACK"])).count() == acknowledged + 1
    assert verify(school.keyring.audit_key).ok


# ---- PostgreSQL: reconnecting, READ COMMITTED, and every database error a plain refusal (patch 1) ------------


def test_the_kiosks_postgresql_database_reconnects_after_a_killed_backend_without_losing_an_action(postgres_server):
    """The first action after the server dropped this desk's connection is saved: the dead connection is noticed
    and replaced before BEGIN, so nothing that reached the server is ever sent twice."""
    import psycopg2

    from kiosk.db.connection import write_transaction
    from kiosk.db.resilience import ReconnectingPostgresqlDatabase

    url = postgres_server.fresh_database()
    db = open_database(url)
    assert isinstance(db, ReconnectingPostgresqlDatabase)
    with write_transaction(db):
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        assert db.execute_sql("SHOW transaction_isolation").fetchone()[0] == "read committed"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    admin.cursor().execute(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET default_transaction_isolation = "
                           "'serializable'")  # a DBA's choice: the kiosk pins its own
    admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
    admin.close()
    with write_transaction(db):
        Setting.insert(key="after-kill", value="saved").execute()
        assert db.execute_sql("SHOW transaction_isolation").fetchone()[0] == "read committed"
    assert Setting.get(Setting.key == "after-kill").value == "saved"


@pytest.mark.parametrize(("sql", "kind"), [
    ("SELECT * FROM no_such_table", "ProgrammingError on PostgreSQL"),
    ("SELECT CAST('not a number' AS INTEGER) + 1 / 0", "DataError on PostgreSQL"),
    ("INSERT INTO custody (id) VALUES (1)", "IntegrityError"),
])
def test_every_database_error_in_a_write_is_a_plain_refusal_except_a_clash_the_domain_handles(any_school, sql, kind):
    from kiosk.db.connection import write_transaction
    from kiosk.errors import StorageFailed

    db = database_proxy.obj
    if kind == "IntegrityError":
        with pytest.raises(IntegrityError), write_transaction(db):  # the domain's own retry: another desk won
            db.execute_sql(sql)
        return
    try:
        with write_transaction(db):
            db.execute_sql(sql)
    except StorageFailed as refused:
        assert refused.message.startswith("NOT SAVED: the database reported a problem (")
    else:
        assert not kind.endswith("PostgreSQL") or "sqlite" in type(db).__name__.lower()  # SQLite computes NULL
    with write_transaction(db):  # the desk works on
        Setting.insert(key="next", value="saved").execute()


@pytest.mark.parametrize(("server_says", "words"), [
    ('could not extend file "base/16384/16397": No space left on device\nHINT:  Check free disk space.',
     "NOT SAVED: the disk holding the database is full. Free some space"),
    ("FATAL:  the database system is shutting down", "NOT SAVED: the database server is restarting."),
    ("could not connect to the database server (connection to server at \"10.0.0.5\", port 5432 failed:\n"
     "Connection refused)", "NOT SAVED: the database server cannot be reached."),
    ("could not serialize access due to concurrent update", "NOT SAVED: another desk was saving at the same moment"),
    ("value too long for type character varying(64)\n", "NOT SAVED: the database reported a problem (value too long "
     "for type character varying(64)). Try again"),
    ("database is locked", "NOT SAVED: another program kept the database busy."),
    ("canceling statement due to lock timeout\nCONTEXT:  while locking tuple (0,1) in relation \"audit_head\"",
     "NOT SAVED: another desk or program kept the database busy."),
    ("the database did not answer within 5 seconds", "NOT SAVED: the database did not answer within 5 seconds. "
     "Check the network and the database server"),
])
def test_a_database_failure_is_told_in_plain_words(server_says, words):
    from peewee import OperationalError

    from kiosk.db.connection import storage_failure_message

    assert storage_failure_message(OperationalError(server_says)).startswith(words)


# ---- a hung database: NOT SAVED within the bound, never a frozen desk (issue 13) --------------------------------

HOLD_THE_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def _hand_in_as_the_desk_does(school, found):
    """The desk's write: hand_in through retry_transient (which must not multiply the wait)."""
    from kiosk.custody import hand_in
    from kiosk.db.resilience import retry_transient

    started = time.monotonic()
    try:
        return retry_transient(hand_in, school.ctx(), found), time.monotonic() - started
    except StorageFailed as refused:
        return refused, time.monotonic() - started


def test_sqlite_held_by_another_program_is_not_saved_within_the_bound_and_saved_once_released(school):
    found = school.scanned(0)  # what the desk has in hand once the tag is looked up (before the database hangs)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(school.path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        refused, waited = _hand_in_as_the_desk_does(school, found)
    finally:
        holder.communicate("release\n", timeout=30)
    assert isinstance(refused, StorageFailed), refused
    assert refused.message.startswith("NOT SAVED: another program kept the database busy")
    assert WRITE_WAIT_SECONDS * 0.9 <= waited < NOT_SAVED_WITHIN_SECONDS, waited  # waited its bound, once
    assert Custody.select().count() == 0

    receipt, _ = _hand_in_as_the_desk_does(school, found)
    assert receipt.outcome.name == "HANDED_IN"


@pytest.fixture(scope="module")
def own_postgres():
    from tests.reliability.harness import start_own_postgres

    server = start_own_postgres()
    yield server
    server.stop()


def _server_processes(server) -> list[int]:
    """The server's postmaster and every process it started (backends, checkpointer, WAL writer…)."""
    postmaster = int((server.directory / "data" / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    return [postmaster, *map(int, children)]


def test_a_frozen_postgresql_server_is_not_saved_within_the_bound_and_saved_once_it_runs_again(own_postgres,
                                                                                               tmp_path):
    """The whole server stopped (SIGSTOP: the desk's backend and the postmaster too), as a frozen server or VM: the
    server's own timeouts cannot fire and its kernel still acknowledges TCP, so only the desk's own watch ends the
    wait, and connecting again is not tried (it would wait as long)."""
    from tests.conftest import make_school

    school = make_school(tmp_path, own_postgres.fresh_database())
    _hand_in_as_the_desk_does(school, school.scanned(1))  # the desk's connection is open, in use
    found = school.scanned(0)
    frozen = _server_processes(own_postgres)
    assert len(frozen) > 2
    def thaw():
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)

    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    safety = threading.Timer(20, thaw)  # should the bound ever break, this test fails rather than hangs
    safety.start()
    try:
        refused, waited = _hand_in_as_the_desk_does(school, found)
    finally:
        safety.cancel()
        thaw()
    assert isinstance(refused, StorageFailed), refused
    assert refused.message.startswith(f"NOT SAVED: the database did not answer within {ANSWER_WAIT_SECONDS:g} "
                                      "seconds"), refused.message
    assert ANSWER_WAIT_SECONDS * 0.9 <= waited < NOT_SAVED_WITHIN_SECONDS, waited

    receipt, _ = _hand_in_as_the_desk_does(school, found)
    assert receipt.outcome.name == "HANDED_IN"
    from kiosk.audit import verify

    assert verify(school.keyring.audit_key).ok


def test_postgresql_held_by_another_desk_is_not_saved_within_the_bound_and_saved_once_released(own_postgres,
                                                                                              tmp_path):
    """Another session holds the audit head row (every write takes it first): the server's lock_timeout ends
    the wait and says so; retry_transient does not wait it out again."""
    import psycopg2

    from tests.conftest import make_school

    school = make_school(tmp_path, own_postgres.fresh_database())
    found = school.scanned(0)
    holder = psycopg2.connect(school.url)
    try:
        holder.cursor().execute("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
        refused, waited = _hand_in_as_the_desk_does(school, found)
    finally:
        holder.rollback()
        holder.close()
    assert isinstance(refused, StorageFailed), refused
    assert refused.message.startswith("NOT SAVED: another desk or program kept the database busy"), refused.message
    assert WRITE_WAIT_SECONDS * 0.9 <= waited < NOT_SAVED_WITHIN_SECONDS, waited

    receipt, _ = _hand_in_as_the_desk_does(school, found)
    assert receipt.outcome.name == "HANDED_IN"


def test_a_job_nobody_waits_for_may_wait_longer_than_the_desk(own_postgres):
    """A migration lifts the bound for its own transaction (kiosk.db.connection.longer_wait); the desk's statements
    stay bounded, before and after."""
    from kiosk.db.connection import longer_wait, storage_failure_message

    db = open_database(own_postgres.fresh_database(), wait_seconds=1)
    started = time.monotonic()
    with pytest.raises(OperationalError) as cut:
        db.execute_sql("SELECT pg_sleep(2.5)")
    assert time.monotonic() - started < 2.2
    assert storage_failure_message(cut.value).startswith("NOT SAVED: the database did not answer within 1.5 seconds")
    with db.atomic(), longer_wait(db, None):
        db.execute_sql("SELECT pg_sleep(2.5)")
    with pytest.raises(OperationalError):
        db.execute_sql("SELECT pg_sleep(2.5)")


def test_sqlite_waits_longer_only_inside_the_longer_wait(empty_db):
    from kiosk.db.connection import longer_wait

    db = empty_db
    busy = lambda: db.execute_sql("PRAGMA busy_timeout").fetchone()[0]  # noqa: E731
    with db.atomic(), longer_wait(db, 600):
        assert busy() == 600_000
    assert busy() == WRITE_WAIT_SECONDS * 1000


def test_a_retry_is_made_only_while_another_full_wait_still_ends_in_time():
    """retry_transient re-runs a deadlock that came at once, never a lock that was already waited out."""
    from kiosk.db.resilience import RetryStats, retry_transient

    now = [0.0]

    def locked_after(seconds):
        def attempt():
            now[0] += seconds
            raise OperationalError("database is locked")
        return attempt

    stats = RetryStats()
    with pytest.raises(OperationalError):
        retry_transient(locked_after(WRITE_WAIT_SECONDS), clock=lambda: now[0], sleep=lambda s: None, stats=stats)
    assert stats.retries == 0 and now[0] == WRITE_WAIT_SECONDS  # one wait, not three

    now[0], stats = 0.0, RetryStats()
    with pytest.raises(OperationalError):
        retry_transient(locked_after(0.01), clock=lambda: now[0], sleep=lambda s: None, stats=stats)
    assert stats.retries == 2  # quick refusals are re-run, as before
