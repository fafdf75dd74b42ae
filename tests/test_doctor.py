"""`kiosk doctor`: each fault made for real on this machine (a key of another school, a database others can read, a
full disk, a stopped print queue, PostgreSQL down, a backup edited or stale), each found, said with its fix, and
nothing changed by looking."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.doctor import Mark, examine
from kiosk.keyring import create_key_file
from tests.helpers import free_port
from tests.reliability.harness import small_filesystem
from tests.reliability.test_disk_full import skip_unless_required

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PIN = "482913"


def kiosk(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    real_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)  # --pin-stdin reads the PIN as a scheduled task would pipe it
    try:
        code = main(list(argv), clock=FixedClock(NOW), out=out)
    finally:
        sys.stdin = real_stdin
    return code, out.getvalue()


@pytest.fixture
def office_pc(tmp_path: Path) -> Path:
    """A school set up as the README says (kiosk init, then a backup), in the test's own folders (conftest points
    KIOSK_CONFIG_DIR / KIOSK_DATA_DIR into tmp_path)."""
    code, said = kiosk("init", "--admin-name", "Ada Quill", "--initials", "AQ", "--pin-stdin", stdin=PIN + "\n")
    assert code == 0, said
    code, said = kiosk("backup")
    assert code == 0, said
    return tmp_path


def found(findings, what: str):
    matching = [f for f in findings if f.what == what]
    assert matching, f"no finding about {what}: {[f.what for f in findings]}"
    return matching[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_school_set_up_as_the_readme_says_passes_every_check_and_the_command_says_so(office_pc):
    code, said = kiosk("doctor")
    assert code == 0, said
    assert "✖" not in said
    for part in ("Python", "Packages", "Database", "Schema", "Key file", "Witness file", "Disk space", "Backups",
                 "Newest backup", "Label printer", "Time zone"):
        assert f"✔ {part}:" in said, said
    assert "verifies" in said and said.rstrip().endswith("All checks passed.")


def test_a_key_of_another_school_is_named_as_such_and_the_command_fails(office_pc):
    key = office_pc / "config" / "kiosk.key"
    key.unlink()
    create_key_file(key)  # another school's key (or a new one made by mistake) in the right place
    code, said = kiosk("doctor")
    assert code == 1
    assert "✖ Key file:" in said and "is not this database's key" in said
    assert "Put this school's kiosk.key back from its backup" in said


def test_a_database_others_can_read_is_found_and_looking_changes_neither_its_mode_nor_its_bytes(office_pc):
    database = office_pc / "data" / "kiosk.db"
    database.chmod(0o644)
    before = digest(database)
    finding = found(examine(Settings(), now=NOW), "Database")
    assert finding.mark is Mark.FAIL and "can be read by other accounts" in finding.said
    assert "chmod 600" in finding.fix
    assert database.stat().st_mode & 0o777 == 0o644  # the doctor only looks: opening it as a desk would tighten it
    assert digest(database) == before


def test_no_database_and_no_key_say_what_to_run(tmp_path):
    findings = examine(Settings(), now=NOW)
    assert found(findings, "Database").mark is Mark.FAIL and "kiosk init" in found(findings, "Database").fix
    assert found(findings, "Key file").mark is Mark.FAIL
    assert found(findings, "Backups").mark is Mark.FAIL


def test_a_nearly_full_disk_where_backups_go_is_a_failure(office_pc, tmp_path):
    with small_filesystem(tmp_path / "small", size_kib=64 * 1024) as filesystem:
        if filesystem is None:
            skip_unless_required("cannot mount a small tmpfs here (needs root)")
        findings = examine(Settings(backup_folder=str(filesystem / "backups")), now=NOW)
    disk = [f for f in findings if f.what == "Disk space"]
    small = [f for f in disk if str(filesystem) in f.said]
    assert small and small[0].mark is Mark.FAIL, disk
    assert "NOT SAVED" in small[0].fix


def test_an_edited_backup_does_not_verify_and_a_stale_one_is_called_stale(office_pc):
    backup = next((office_pc / "data" / "backups").glob("*.db"))
    with sqlite3.connect(backup) as connection:
        connection.execute("UPDATE event SET desk = 'Elsewhere' WHERE seq = 1")
    findings = examine(Settings(), now=NOW)
    assert found(findings, "Newest backup").mark is Mark.FAIL
    assert "does not verify" in found(findings, "Newest backup").said
    eight_days = time.time() - 8 * 24 * 3600
    os.utime(backup, (eight_days, eight_days))
    stale = found(examine(Settings(), now=datetime.now(UTC)), "Backups")
    assert stale.mark is Mark.FAIL and "8 days old" in stale.said


def test_a_stopped_print_queue_is_a_failure_with_the_commands_that_start_it(office_pc, cups):
    queue = cups.add_pdf_queue()
    try:
        assert not [f for f in examine(Settings(), now=NOW) if f.what == "Last print job"], "no job yet"
        ready = found(examine(Settings(label_printer_kind="cups", label_printer=queue), now=NOW), "Label printer")
        assert ready.mark is Mark.OK and "ready" in ready.said
        cups.stop_queue(queue, "Out of labels")
        stopped = found(examine(Settings(label_printer_kind="cups", label_printer=queue), now=NOW), "Label printer")
        assert stopped.mark is Mark.FAIL and "stopped (Out of labels)" in stopped.said
        assert f"cupsenable {queue}" in stopped.fix
    finally:
        cups.remove_queue(queue)


def test_a_brother_ql_on_the_network_is_found_answering_or_not(office_pc):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        answering = found(examine(Settings(label_printer_kind="brother", label_printer=f"tcp://127.0.0.1:{port}"),
                                  now=NOW), "Label printer")
    assert answering.mark is Mark.OK
    silent = found(examine(Settings(label_printer_kind="brother", label_printer=f"tcp://127.0.0.1:{free_port()}"),
                           now=NOW), "Label printer")
    assert silent.mark is Mark.FAIL and "does not answer" in silent.said


def test_postgresql_down_is_a_failure_and_up_is_checked_with_its_settings_and_clock(postgres_server, office_pc):
    down = f"postgresql://kiosk@127.0.0.1:{free_port()}/kiosk"
    finding = found(examine(Settings(database=down), now=NOW), "Database")
    assert finding.mark is Mark.FAIL and "does not answer" in finding.said
    url = postgres_server.fresh_database()
    from kiosk.db import open_database

    open_database(url).close()  # the schema, as a desk makes it
    findings = examine(Settings(database=url), now=datetime.now(UTC))
    assert found(findings, "Database").mark is Mark.OK and "PostgreSQL" in found(findings, "Database").said
    assert found(findings, "Schema").mark is Mark.OK
    assert found(findings, "PostgreSQL settings").said.startswith("synchronous_commit = ")
    assert found(findings, "Clock").mark is Mark.OK
    late = found(examine(Settings(database=url), now=datetime(2020, 1, 1, tzinfo=UTC)), "Clock")
    assert late.mark is Mark.FAIL and "w32tm /resync" in late.fix


def test_the_second_desks_https_certificate_is_checked_for_expiry(office_pc, tmp_path):
    from kiosk.certificates import make_self_signed

    cert, key = tmp_path / "tls" / "kiosk-serve.crt", tmp_path / "tls" / "kiosk-serve.key"
    made = make_self_signed(cert, key, now=NOW)
    chosen = Settings(serve_certificate=str(cert), serve_key=str(key))
    assert found(examine(chosen, now=NOW), "HTTPS certificate").mark is Mark.OK
    soon = found(examine(chosen, now=made.not_after - timedelta(days=10)), "HTTPS certificate")
    assert soon.mark is Mark.WARN and "in 10 days" in soon.said
    gone = found(examine(chosen, now=made.not_after + timedelta(days=1)), "HTTPS certificate")
    assert gone.mark is Mark.FAIL and "has expired" in gone.said


def test_the_last_print_job_is_named_and_a_failed_one_is_worth_a_look(office_pc, cups):
    from kiosk.auth import sign_in
    from kiosk.custody import DeskContext
    from kiosk.db import open_database
    from kiosk.keyring import load_key_file
    from kiosk.labels import CupsPrinter, LabelChoice, PrintFailed, print_labels
    from tests.conftest import add_pupil

    queue = cups.add_offline_queue()
    try:
        db = open_database(str(office_pc / "data" / "kiosk.db"))
        keyring = load_key_file(office_pc / "config" / "kiosk.key")
        clock = FixedClock(NOW)
        add_pupil(clock, "100001", "Zoë", "Hall", None, 9, "9C", code="KX-TEST-0001")
        ctx = DeskContext(keyring, clock, Settings(), sign_in(keyring=keyring, clock=clock, desk="Reception",
                                                              who="AQ", pin=PIN))
        with pytest.raises(PrintFailed):
            print_labels(ctx, choice=LabelChoice(form="9c"), layout="brother-62x29",
                         printer=CupsPrinter(queue, wait_seconds=5))
        db.close()
    finally:
        cups.remove_queue(queue)
    last = found(examine(Settings(), now=NOW), "Last print job")
    assert last.mark is Mark.WARN and "failed" in last.said and "the printer is off or unreachable" in last.said
    assert "kiosk print-jobs --retry 1" in last.fix


# ---- mail (issue 18): the relay answering, the password private, failed messages waiting ----------------------

def _mail_settings(relay, **more) -> Settings:
    from tests.mail_support import USER

    values = dict(mail_via="smtp", mail_from="office@hillcrest.example", smtp_host="127.0.0.1", smtp_port=relay.port,
                  smtp_security="starttls", smtp_username=USER, smtp_ca_file=str(relay.cert))
    return Settings(**(values | more))


def test_mail_off_is_said_with_how_to_turn_it_on(office_pc):
    mail = found(examine(Settings(), now=NOW), "Mail")
    assert mail.mark is Mark.OK and mail.said.startswith("off: carers and staff are told nothing by email")
    assert "mail_via" in mail.said


def test_the_mail_relay_is_checked_with_a_real_login_and_a_closed_port_is_a_failure(office_pc, tmp_path,
                                                                                   monkeypatch):
    from kiosk.mail.secret import PASSWORD_ENV, password_file
    from tests.mail_support import PASSWORD, start_relay

    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    relay = start_relay(tmp_path)
    try:
        settings = _mail_settings(relay)
        secret = password_file(office_pc / "config" / "kiosk.key")
        missing = found(examine(settings, now=NOW), "Mail")
        assert missing.mark is Mark.FAIL and "there is no password" in missing.said and "chmod 600" in missing.fix
        secret.write_text(PASSWORD + "\n", encoding="utf-8")
        secret.chmod(0o644)
        loose = found(examine(settings, now=NOW), "Mail")
        assert loose.mark is Mark.FAIL and "can be read by other accounts" in loose.said
        assert loose.fix.startswith(f"Make it private: chmod 600 {secret}")
        secret.chmod(0o600)
        answering = found(examine(settings, now=NOW), "Mail")
        assert answering.mark is Mark.OK, answering
        assert answering.said == (f"the relay 127.0.0.1:{relay.port} answers (starttls, logged in as "
                                  f"{settings.smtp_username})")
        assert relay.received == [], "the doctor sends nothing"
        monkeypatch.setenv(PASSWORD_ENV, "wrong")
        refused = found(examine(settings, now=NOW), "Mail")
        assert refused.mark is Mark.FAIL and "535" in refused.said and "kiosk mail test" in refused.fix
    finally:
        relay.stop()
    closed = found(examine(_mail_settings(relay, smtp_port=free_port()), now=NOW), "Mail")
    assert closed.mark is Mark.FAIL and "did not let the kiosk in: cannot connect to 127.0.0.1" in closed.said
    assert "firewall" in closed.fix
    code, said = kiosk("doctor")
    assert code == 0, said


def test_failed_messages_waiting_in_the_outbox_are_worth_a_look_with_the_command_that_retries_them(office_pc):
    from kiosk.db import open_database
    from kiosk.db.models import OutboxMessage

    open_database(str(office_pc / "data" / "kiosk.db"))
    for state in ("sent", "failed", "failed"):
        OutboxMessage.create(created_at=NOW.replace(tzinfo=None), template="confiscation-notice", audience="carer",
                             recipient="x@family.example", recipient_name="X", subject="s", body="b",
                             message_id=f"<{state}-{OutboxMessage.select().count()}@k>", state=state,
                             next_try_at=NOW.replace(tzinfo=None))
    OutboxMessage._meta.database.close()
    first_failed = 2
    outbox = found(examine(Settings(mail_via="export", mail_from="office@hillcrest.example"), now=NOW), "Outbox")
    assert outbox.mark is Mark.WARN and outbox.said == "2 failed messages waiting: nobody was told"
    assert f"kiosk outbox --retry {first_failed}" in outbox.fix and "kiosk outbox --failed" in outbox.fix
    assert found(examine(Settings(mail_via="export", mail_from="office@hillcrest.example"), now=NOW),
                 "Mail").mark is Mark.OK
