"""Several desks on one PostgreSQL database, and `kiosk migrate` from a single desk's SQLite file."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.audit import verify
from kiosk.auth import sign_in
from kiosk.config import Settings
from kiosk.custody import DeskContext, Outcome, hand_in, normalise, resolve
from kiosk.db import Custody, Event, Staff, Tag, open_database
from kiosk.keyring import load_key_file
from kiosk.storage.transfer import TransferRefused, migrate_sqlite_to_postgres
from tests.reliability import scenarios
from tests.reliability.harness import REPO, SchoolClock, close_bound, kiosk_env

DATA = Path(__file__).resolve().parents[1] / "data"


def test_every_record_names_the_desk_that_made_it(make_site):
    site = make_site("postgres", pupils=50)
    figure = scenarios.desks_share_postgres(site, per_desk=15)
    print(figure.line())
    n = figure.numbers
    assert n["exit_codes"] == [0, 0, 0]
    assert n["wrong_desk"] == [] and n["events_without_desk"] == 0
    assert n["in_office_seen_by_another_desk"] == n["handed_in"]  # no desk works from a stale copy
    assert n["cli_close_day_exit"] == 0 and n["cli_close_day_desk"] == "Reception 2"


def test_a_desk_name_too_long_for_the_server_is_refused_plainly_not_a_crash(make_site):
    from kiosk.errors import DeskError

    site = make_site("postgres", pupils=3)
    try:
        site.ctx(desk="Reception desk by the main entrance, next to the headteacher's office")
    except DeskError:
        return
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"{type(exc).__name__}: {exc}")


# ---- kiosk migrate ----------------------------------------------------------------------------------------------


def run_kiosk(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *argv], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture
def sample_school(tmp_path):
    """The sample (demo) school, made by the real `kiosk demo` command, as a single desk would have it."""
    folder = tmp_path / "demo"
    env = kiosk_env(tmp_path, folder / "demo.key")
    made = run_kiosk("demo", "--folder", str(folder), "--prepare-only", "--pupils", "150", env=env)
    assert made.returncode == 0, made.stderr
    return folder / "demo.db", folder / "demo.key", env


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_kiosk_migrate_moves_the_sample_school_to_postgresql_with_the_chain_verified_on_both_sides(
        sample_school, postgres_server):
    source, key, env = sample_school
    target = postgres_server.fresh_database()
    before = digest(source)
    moved = run_kiosk("migrate", "--from", str(source), "--to", target, env=env)
    print(moved.stdout)
    assert moved.returncode == 0, moved.stderr
    assert "Audit trail verified on both sides" in moved.stdout and "every table matches" in moved.stdout
    assert digest(source) == before, "the SQLite file must not be changed"
    checked = run_kiosk("--db", target, "audit", "verify", env=env)
    assert checked.returncode == 0 and "Audit trail OK" in checked.stdout, checked.stdout + checked.stderr
    # The same records, and the desks can carry on: a hand-in on the server after the move.
    keyring = load_key_file(key)
    open_database(str(source))
    counts = (Custody.select().count(), Event.select().count(), Staff.select().count())
    close_bound()
    open_database(target)
    assert (Custody.select().count(), Event.select().count(), Staff.select().count()) == counts, moved.stdout
    free = next(t.code for t in Tag.select() if not Custody.select().where(
        (Custody.tag == t.id) & Custody.closed_at.is_null()).exists())
    clock = SchoolClock()
    who = sign_in(keyring=keyring, clock=clock, desk="Reception 2", who="DM", pin="246810")
    receipt = hand_in(DeskContext(keyring, clock, Settings(desk="Reception 2"), who), resolve(normalise(free)))
    assert receipt.outcome is Outcome.HANDED_IN, receipt  # ids carry on after the copied ones
    report = verify(keyring.audit_key)
    assert report.ok, report.problems[:5]


def test_kiosk_migrate_refuses_a_target_that_is_not_empty_and_changes_nothing(sample_school, postgres_server):
    source, _key, env = sample_school
    target = postgres_server.fresh_database()
    assert run_kiosk("migrate", "--from", str(source), "--to", target, env=env).returncode == 0
    open_database(target)
    events = Event.select().count()
    close_bound()
    again = run_kiosk("migrate", "--from", str(source), "--to", target, env=env)
    assert again.returncode == 1
    assert "is not empty" in again.stderr and "Nothing was changed" in again.stderr
    open_database(target)
    assert Event.select().count() == events


def test_kiosk_migrate_refuses_a_source_whose_audit_trail_does_not_verify(sample_school, postgres_server, tmp_path):
    import sqlite3

    source, _key, env = sample_school
    tampered = tmp_path / "tampered.db"
    shutil.copy(source, tampered)
    conn = sqlite3.connect(tampered)
    conn.execute("UPDATE event SET desk = 'Nobody' WHERE seq = 10")
    conn.commit()
    conn.close()
    target = postgres_server.fresh_database()
    refused = run_kiosk("migrate", "--from", str(tampered), "--to", target, env=env)
    assert refused.returncode == 1 and "does not verify" in refused.stderr and "Nothing was copied" in refused.stderr
    open_database(target, migrate=False)
    assert "event" not in database_tables()


def database_tables() -> list[str]:
    from kiosk.db import database_proxy

    return database_proxy.obj.get_tables()


def test_kiosk_migrate_brings_an_older_schema_up_to_date_in_the_copy_only(postgres_server, tmp_path):
    source, key = tmp_path / "kiosk-v1.db", tmp_path / "kiosk-v1.key"
    shutil.copy(DATA / "kiosk-v1.db", source)
    shutil.copy(DATA / "kiosk-v1.key", key)
    key.chmod(0o600)
    before = digest(source)
    target = postgres_server.fresh_database()
    report = migrate_sqlite_to_postgres(source, target, load_key_file(key))
    assert report.source_schema_upgraded and report.target_audit.ok
    assert digest(source) == before
    open_database(target)
    assert Custody.select().count() == 6 and verify(load_key_file(key).audit_key).ok


def test_kiosk_migrate_refuses_another_school_key_a_sqlite_target_and_a_database_with_other_tables(
        sample_school, postgres_server, tmp_path):
    from kiosk.keyring import create_key_file

    source, _key, _env = sample_school
    with pytest.raises(TransferRefused, match="does not verify"):
        migrate_sqlite_to_postgres(source, postgres_server.fresh_database(), create_key_file(tmp_path / "other.key"))
    with pytest.raises(TransferRefused, match="postgresql://"):
        migrate_sqlite_to_postgres(source, str(tmp_path / "elsewhere.db"), load_key_file(_key))
    target = postgres_server.fresh_database()
    import psycopg2

    conn = psycopg2.connect(target)
    conn.cursor().execute("CREATE TABLE invoices (id int)")
    conn.commit()
    conn.close()
    with pytest.raises(TransferRefused, match="other tables"):
        migrate_sqlite_to_postgres(source, target, load_key_file(_key))
