"""`kiosk doctor`: what an IT technician checks on an office PC, each finding with what to do about it.

It only looks: nothing here writes to the database, the key, the witness or a printer (opening the database the
way a desk does would tighten file modes, migrate the schema and seal rows: the very things being checked).
A SQLite database is opened read-only; a PostgreSQL server is asked plain questions inside a read-only
transaction. Each check is a small function returning findings; `examine` runs them all, each one guarded so a
broken part is reported as such instead of stopping the others.
"""

from __future__ import annotations

import enum
import os
import shutil
import socket
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from kiosk import platform
from kiosk.config import Settings, backup_folder, database_url, key_file_path, witness_path
from kiosk.db.connection import is_postgres_url, network_location_reason


class Mark(enum.Enum):
    OK = "✔"
    WARN = "⚠"
    FAIL = "✖"


@dataclass(frozen=True)
class Finding:
    mark: Mark
    what: str  # the part checked, e.g. "Key file"
    said: str  # what was found, in a sentence
    fix: str = ""  # what to do, when there is something to do


def ok(what: str, said: str) -> Finding:
    return Finding(Mark.OK, what, said)


def warn(what: str, said: str, fix: str) -> Finding:
    return Finding(Mark.WARN, what, said, fix)


def fail(what: str, said: str, fix: str) -> Finding:
    return Finding(Mark.FAIL, what, said, fix)


# Thresholds, each a judgement a technician can read here rather than in the code below.
DISK_FAIL_BYTES = 200 * 1024 * 1024  # below this a day's writes, a backup or a batch of labels may not fit
DISK_WARN_BYTES = 2 * 1024 * 1024 * 1024
BACKUP_WARN_AGE = timedelta(hours=36)  # a nightly backup that missed one night
BACKUP_FAIL_AGE = timedelta(days=7)
CLOCK_WARN = timedelta(seconds=30)  # times on records are evidence: a minute out is already worth fixing
CLOCK_FAIL = timedelta(minutes=5)
PACKAGES = ("textual", "peewee", "reportlab", "pillow", "cryptography", "psycopg2-binary", "platformdirs")
PRINTER_WAIT_SECONDS = 3.0


@dataclass
class Examination:
    """What the checks share: the settings, and what one check learnt that another needs (the key)."""

    settings: Settings
    now: datetime
    findings: list[Finding] = field(default_factory=list)
    audit_key: bytes | None = None
    fingerprint: str | None = None


Check = Callable[[Examination], Iterator[Finding]]


def examine(settings: Settings, *, now: datetime | None = None) -> list[Finding]:
    exam = Examination(settings=settings, now=now or datetime.now(UTC))
    for check in CHECKS:
        try:
            exam.findings.extend(check(exam))
        except Exception as exc:  # one broken check must not hide the others' findings
            exam.findings.append(fail(_title(check), f"the check itself failed ({type(exc).__name__})",
                                      "Run `kiosk doctor` again; if it repeats, send this line to the kiosk's "
                                      "support."))
    return exam.findings


def _title(check: Check) -> str:
    return (check.__doc__ or check.__name__).split(":")[0].strip()


# ---- the checks, in the order a technician would go through them ----------------------------------------------

def check_python(exam: Examination) -> Iterator[Finding]:
    """Python: the interpreter and the packages the kiosk runs on."""
    version = ".".join(str(n) for n in sys.version_info[:3])
    yield ok("Python", f"Python {version} ({sys.executable})")  # an older one cannot import this module at all
    found, missing = [], []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            missing.append(name)
    needed = [name for name in missing if name != "psycopg2-binary" or is_postgres_url(database_url(exam.settings))]
    if needed:
        yield fail("Packages", f"not installed: {', '.join(needed)}",
                   "Reinstall the kiosk in its environment: python -m pip install -e . (see the README).")
    else:
        yield ok("Packages", ", ".join(found))


def check_database(exam: Examination) -> Iterator[Finding]:
    """Database: where it is, who may read it, and whether it answers."""
    url = database_url(exam.settings)
    if is_postgres_url(url):
        yield from _postgres(exam, url)
    else:
        yield from _sqlite(exam, Path(url.removeprefix("sqlite://")).expanduser())


def _sqlite(exam: Examination, path: Path) -> Iterator[Finding]:
    what = "Database"
    reason = network_location_reason(path)
    if reason:
        yield fail(what, f"{reason}: SQLite files are corrupted when PCs share them over a network",
                   "Keep kiosk.db on this PC's own disk, or share one PostgreSQL database between desks.")
        return
    if not path.exists():
        yield fail(what, f"no database at {path}",
                   "Run `kiosk init` to set up the school, or point `database` in kiosk.toml at the school's.")
        return
    yield from _private(what, path)
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        yield fail(what, f"{path} cannot be opened ({exc})", "Check the file is the kiosk's and readable.")
        return
    try:
        quick = connection.execute("PRAGMA quick_check").fetchone()[0]
        version = _schema_version(connection)
    except sqlite3.Error as exc:
        yield fail(what, f"{path} cannot be read ({exc})",
                   "Restore the database from the newest backup that verifies (see Backups below).")
        return
    finally:
        connection.close()
    if quick != "ok":
        yield fail(what, f"{path} is damaged (SQLite's check says: {quick})",
                   "Stop the desks, keep this file as it is, and restore the newest backup that verifies.")
        return
    yield ok(what, f"{path}: SQLite, {path.stat().st_size // 1024:,} KiB, checked")
    yield _schema(version)


def _schema_version(connection: sqlite3.Connection) -> int:
    row = connection.execute("SELECT value FROM setting WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _schema(version: int) -> Finding:
    from kiosk.db.migrations import LATEST

    if version > LATEST:
        return fail("Schema", f"the database is at version {version}, newer than this kiosk ({LATEST})",
                    "Update the kiosk software on this PC to the version the other desks run.")
    if version < LATEST:
        return warn("Schema", f"the database is at version {version}; this kiosk brings it to {LATEST} when a "
                              "desk next starts", "Take a backup first (`kiosk backup`), then start one desk.")
    return ok("Schema", f"version {version}, as this kiosk expects")


def _postgres(exam: Examination, url: str) -> Iterator[Finding]:
    from kiosk.db.connection import make_database, redact

    what = "Database"
    db = make_database(url, wait_seconds=PRINTER_WAIT_SECONDS)
    try:
        db.connect()
    except Exception as exc:
        yield fail(what, f"PostgreSQL at {redact(url)} does not answer ({_first_line(exc)})",
                   "Check the server is running and this PC may reach it (host, port, firewall, password).")
        return
    try:
        with db.atomic():
            db.execute_sql("SET TRANSACTION READ ONLY")
            server_version = db.execute_sql("SHOW server_version").fetchone()[0]
            sync = db.execute_sql("SHOW synchronous_commit").fetchone()[0]
            server_now = db.execute_sql("SELECT now()").fetchone()[0]
            row = db.execute_sql("SELECT value FROM setting WHERE key = 'schema_version'").fetchone()
    except Exception as exc:
        yield fail(what, f"PostgreSQL at {redact(url)} answered, but not as the kiosk's database "
                         f"({_first_line(exc)})", "Check the URL names the school's kiosk database.")
        return
    finally:
        db.close()
    yield ok(what, f"PostgreSQL {server_version} at {redact(url)}")
    if sync == "off":
        yield warn("PostgreSQL settings", "synchronous_commit is off: a server crash may lose the last seconds "
                                          "of hand-ins the desk said were saved",
                   "Set synchronous_commit = on in postgresql.conf (or for the kiosk's database) and reload.")
    else:
        yield ok("PostgreSQL settings", f"synchronous_commit = {sync}")
    yield _schema(int(row[0]) if row else 0)
    drift = abs(server_now - exam.now) if server_now.tzinfo else None
    if drift is None:
        return
    said = f"this PC and the database server differ by {drift.total_seconds():.0f} s"
    if drift >= CLOCK_FAIL:
        yield fail("Clock", said, "Set both clocks from the network's time server (Windows: w32tm /resync; "
                                  "Linux: timedatectl set-ntp true); each record's time is evidence.")
    elif drift >= CLOCK_WARN:
        yield warn("Clock", said, "Set both clocks from the network's time server.")
    else:
        yield ok("Clock", said)


def check_key(exam: Examination) -> Iterator[Finding]:
    """Key file: present, private, this school's, kept apart from the database."""
    from kiosk.keyring import KeyFileError, load_key_file

    what = "Key file"
    path = key_file_path(exam.settings)
    if not path.exists():
        yield fail(what, f"no key file at {path}",
                   "Put the school's kiosk.key back from its backup (never make a new one for an existing "
                   "database: its records could no longer be verified).")
        return
    yield from _private(what, path)
    try:
        keyring = load_key_file(path)
    except (KeyFileError, OSError) as exc:
        yield fail(what, f"{path} cannot be used: {_first_line(exc)}", "Put the school's kiosk.key back from backup.")
        return
    exam.audit_key, exam.fingerprint = keyring.audit_key, keyring.fingerprint
    recorded = _recorded_fingerprint(exam.settings)
    if recorded is not None and recorded != keyring.fingerprint:
        yield fail(what, f"{path} is not this database's key (another school's, or a new one)",
                   "Put this school's kiosk.key back from its backup; until then every desk refuses to start.")
    elif recorded is None:
        yield warn(what, f"{path} loads, but the database has not recorded its key yet",
                   "Start one desk: it checks the key against the records and records it.")
    else:
        yield ok(what, f"{path}: this database's key, private")
    database = database_url(exam.settings)
    if not is_postgres_url(database) and Path(database).expanduser().resolve().parent == path.resolve().parent:
        yield warn("Key location", "the key file is in the same folder as the database: whoever copies the folder "
                                   "has both", "Move kiosk.key to the config folder (`kiosk config` shows it) and "
                                               "set key_file in kiosk.toml.")


def _recorded_fingerprint(settings: Settings) -> str | None:
    url = database_url(settings)
    if is_postgres_url(url):
        from kiosk.db.connection import make_database

        db = make_database(url, wait_seconds=PRINTER_WAIT_SECONDS)
        try:
            row = db.execute_sql("SELECT value FROM setting WHERE key = 'key_fingerprint'").fetchone()
        finally:
            db.close()
    else:
        path = Path(url).expanduser()
        if not path.exists():
            return None
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            row = connection.execute("SELECT value FROM setting WHERE key = 'key_fingerprint'").fetchone()
        finally:
            connection.close()
    return str(row[0]) if row else None


def check_witness(exam: Examination) -> Iterator[Finding]:
    """Witness file: present and private (it lets `kiosk audit verify` see events removed from the end)."""
    what = "Witness file"
    path = witness_path(exam.settings)
    if path is None:
        yield warn(what, "switched off in kiosk.toml (witness_file = 'off')",
                   "Remove witness_file from kiosk.toml so each desk keeps one; without it, records deleted from "
                   "the end of the trail cannot be noticed.")
        return
    if not path.exists():
        yield warn(what, f"none yet at {path}", "Start the desk once and hand a phone in: the desk writes it.")
        return
    yield from _private(what, path)
    yield ok(what, f"{path}, {path.stat().st_size:,} bytes")


def check_disk(exam: Examination) -> Iterator[Finding]:
    """Disk space: where the database, backups and labels are written."""
    places: dict[str, Path] = {}  # what is kept there → the folder
    url = database_url(exam.settings)
    if not is_postgres_url(url):
        places["the database is kept"] = Path(url).expanduser().parent
    places["the backups are kept"] = backup_folder(exam.settings)
    seen: set[int] = set()
    for name, folder in places.items():
        probe = _existing(folder)
        device = probe.stat().st_dev
        if device in seen:
            continue
        seen.add(device)
        free = shutil.disk_usage(probe).free
        said = f"{_size(free)} free where {name} ({probe})"
        if free < DISK_FAIL_BYTES:
            yield fail("Disk space", said, "Free space on this drive now: below this the desk refuses to save "
                                           "(NOT SAVED) rather than lose a record.")
        elif free < DISK_WARN_BYTES:
            yield warn("Disk space", said, "Free some space on this drive, or move the backups to another.")
        else:
            yield ok("Disk space", said)


def check_backups(exam: Examination) -> Iterator[Finding]:
    """Backups: the newest one's age, and whether it verifies."""
    what = "Backups"
    if is_postgres_url(database_url(exam.settings)):
        yield ok(what, "PostgreSQL: backed up by the server's own tools (pg_dump or the host's backups); not "
                       "checked from here")
        return
    folder = backup_folder(exam.settings)
    backups = sorted(folder.glob("*.db"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    if not backups:
        yield fail(what, f"no backup in {folder}",
                   "Run `kiosk backup` now, and schedule it every night (Task Scheduler on Windows, a systemd "
                   "timer on Linux).")
        return
    newest = backups[-1]
    age = exam.now - datetime.fromtimestamp(newest.stat().st_mtime, UTC)
    said = f"newest {newest.name}, {_age(age)} old"
    if age > BACKUP_FAIL_AGE:
        yield fail(what, said, "The scheduled backup has stopped: check the task, then run `kiosk backup` now.")
    elif age > BACKUP_WARN_AGE:
        yield warn(what, said, "Check the nightly backup task ran (Task Scheduler / systemd timer).")
    else:
        yield ok(what, said)
    if exam.audit_key is None:
        yield warn("Newest backup", "not verified: the key file could not be read (see Key file)",
                   "Fix the key file, then run `kiosk doctor` again.")
        return
    yield _verify_backup(newest, exam.audit_key)


def _verify_backup(path: Path, audit_key: bytes) -> Finding:
    from peewee import SqliteDatabase

    from kiosk.audit.verify import verify
    from kiosk.db.models import ALL_MODELS

    db = SqliteDatabase(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        with db.bind_ctx(ALL_MODELS):
            report = verify(audit_key)  # the backup alone: it ends before what the desks saved since
    except Exception as exc:
        return fail("Newest backup", f"{path.name} cannot be read as a kiosk database ({_first_line(exc)})",
                    "Run `kiosk backup` again now and check the new file with `kiosk doctor`.")
    finally:
        db.close()
    if not report.ok:
        return fail("Newest backup", f"{path.name} does not verify: {report.problems[0] if report.problems else ''}",
                    "Keep it aside, run `kiosk backup` now, and tell the headteacher: a backup was changed.")
    return ok("Newest backup", f"{path.name} verifies: {report.events_checked:,} audit "
                                 f"event{'s' if report.events_checked != 1 else ''}, chain intact")


def check_printer(exam: Examination) -> Iterator[Finding]:
    """Label printer: reachable and ready, and how its last job ended."""
    from kiosk.labels.from_settings import configured_printer, default_folder

    what = "Label printer"
    yield from _last_print_job(exam)
    kind, target = configured_printer(exam.settings)
    if kind == "file":
        folder = Path(target).expanduser() if target else default_folder()
        folder = folder.parent if folder.suffix else folder  # a file named in kiosk.toml, or a folder
        probe = _existing(folder)
        if not os.access(probe, os.W_OK):
            yield fail(what, f"labels are saved as files in {folder}, which this account cannot write",
                       "Choose a folder this account can write (label_printer in kiosk.toml).")
        else:
            yield ok(what, f"labels are saved as files in {folder} (no printer set up)")
        return
    if kind == "cups":
        yield from _cups(what, target)
        return
    yield from _brother(what, target)


def _one_row(exam: Examination, sql: str) -> tuple[Any, ...] | None:
    """One row of the SQLite database, opened read-only (the doctor changes nothing); None for a PostgreSQL school,
    no file, or a database from before the table (nothing to say)."""
    url = database_url(exam.settings)
    path = Path(url).expanduser()
    if is_postgres_url(url) or not path.exists():
        return None
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        row: tuple[Any, ...] | None = connection.execute(sql).fetchone()
        return row
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def _last_print_job(exam: Examination) -> Iterator[Finding]:
    """The newest job in the print history (kiosk/labels/history.py): a failed one is worth a look."""
    row = _one_row(exam, "SELECT id, state, why, printer FROM print_job ORDER BY id DESC LIMIT 1")
    if row is None:
        return
    job, state, why, printer = row
    said = f"print job {job} on {printer}: {state}" + (f" ({why})" if why else "")
    if state in ("failed", "aborted", "stopped"):
        yield warn("Last print job", said, f"See it in the Print jobs view (Labels screen, F7) or `kiosk print-jobs "
                                           f"--failed`; retry it with `kiosk print-jobs --retry {job}`.")
    else:
        yield ok("Last print job", said)


def _cups(what: str, queue: str) -> Iterator[Finding]:
    from kiosk.labels.cups import queue_status

    try:
        status = queue_status(queue)
    except Exception as exc:
        yield fail(what, f"the print queue {queue!r} cannot be read ({_first_line(exc)})",
                   "Check the printing service runs and the queue exists (lpstat -p), or fix label_printer.")
        return
    if status.ready:
        yield ok(what, f"print queue {queue!r}: {status.state}")
    else:
        yield fail(what, f"print queue {queue!r}: {status.state}",
                   f"Turn the printer on and load labels, then enable the queue (cupsenable {queue}; "
                   f"cupsaccept {queue}).")


def _brother(what: str, target: str) -> Iterator[Finding]:
    if target.startswith("tcp://"):
        host, _, port = target.removeprefix("tcp://").partition(":")
        try:
            with socket.create_connection((host, int(port or 9100)), timeout=PRINTER_WAIT_SECONDS):
                pass
        except OSError as exc:
            yield fail(what, f"the Brother QL at {host}:{port or 9100} does not answer ({exc.strerror or exc})",
                       "Check it is switched on, on the network, and its address has not changed.")
            return
        yield ok(what, f"the Brother QL at {host}:{port or 9100} answers")
        return
    path = Path(target)
    if not path.exists():
        yield fail(what, f"no printer at {target}", "Plug the Brother QL in and switch it on (USB: /dev/usb/lp0).")
    elif not os.access(path, os.W_OK):
        yield fail(what, f"{target} is there but this account may not write to it",
                   "Ask IT to add the kiosk's user to the 'lp' group.")
    else:
        yield ok(what, f"{target} is there and writable")


CERTIFICATE_WARN = timedelta(days=30)


def check_certificate(exam: Examination) -> Iterator[Finding]:
    """HTTPS certificate: the one `kiosk serve` uses for the second desk, and when it expires."""
    from kiosk.certificates import CertificateProblem, read_certificate

    chosen = exam.settings.serve_certificate.strip()
    if not chosen:
        return  # no browser desk over HTTPS set up in kiosk.toml: nothing to check
    what = "HTTPS certificate"
    try:
        certificate = read_certificate(Path(chosen).expanduser())
    except CertificateProblem as exc:
        yield fail(what, str(exc).split(". ")[0], "Fix serve_certificate in kiosk.toml (`kiosk serve --make-cert`).")
        return
    left = certificate.not_after - exam.now
    from kiosk.formatting import long_date

    said = f"{certificate.path} expires {long_date(certificate.not_after.date())}"
    renew = ("Make a new one (`kiosk serve --make-cert FOLDER`) or ask IT for the school's, then check its "
             "fingerprint in each browser.")
    if left <= timedelta(0):
        yield fail(what, f"{certificate.path} has expired: browsers refuse the second desk", renew)
    elif left < CERTIFICATE_WARN:
        yield warn(what, f"{said}, in {left.days} days", renew)
    else:
        yield ok(what, said)


def check_clock(exam: Examination) -> Iterator[Finding]:
    """Time zone: the school's, as the records are shown in it."""
    from kiosk.formatting import weekday_date_time

    local = exam.now.astimezone(exam.settings.tz)
    yield ok("Time zone", f"{exam.settings.timezone}: it is {weekday_date_time(local)} at the school")


MAIL_WAIT_SECONDS = 5.0


def check_mail(exam: Examination) -> Iterator[Finding]:
    """Mail: how messages to carers and staff leave (kiosk.toml), the relay answering, and failed messages."""
    settings, what = exam.settings, "Mail"
    if settings.mail_via == "off":
        # The school's choice (the kiosk's default), not a fault: said, with how to turn it on.
        yield ok(what, 'off: carers and staff are told nothing by email (to send, set mail_via = "smtp" and '
                       'smtp_host in kiosk.toml, then `kiosk mail test ADDRESS`; or mail_via = "export")')
        return
    yield from _failed_messages(exam)
    if settings.mail_via == "export":
        yield ok(what, "messages are exported for the MIS's messaging: `kiosk outbox export --csv FILE`")
        return
    yield from _relay(exam)


def _relay(exam: Examination) -> Iterator[Finding]:
    from dataclasses import replace

    from kiosk.errors import DeskError
    from kiosk.mail.errors import MailNotSent
    from kiosk.mail.from_settings import sender_from_settings
    from kiosk.mail.secret import PASSWORD_ENV, password_file

    settings, what = exam.settings, "Mail"
    if not settings.smtp_host.strip():
        yield fail(what, "mail_via is smtp but no relay is set",
                   "Put smtp_host (and smtp_port, smtp_security) in kiosk.toml: the school's Microsoft 365 or "
                   "Google Workspace relay, or the LA's.")
        return
    where = f"{settings.smtp_host.strip()}:{settings.smtp_port}"
    secret = password_file(key_file_path(settings))
    if settings.smtp_username and not os.environ.get(PASSWORD_ENV):
        if not secret.exists():
            yield fail(what, f"smtp_username is set but there is no password ({PASSWORD_ENV} or {secret})",
                       f"Put the relay's password in {secret}, private to this account (chmod 600), or set "
                       f"{PASSWORD_ENV} for the kiosk's service.")
            return
        if platform.looser_than_private(secret):
            yield fail(what, f"the relay's password file {secret} can be read by other accounts on this PC",
                       f"Make it private: chmod 600 {secret} (Windows: the file's Security tab).")
            return
    try:
        # A short wait: a technician is at the PC. Connecting and logging in sends nothing.
        sender = sender_from_settings(replace(settings, smtp_timeout_seconds=MAIL_WAIT_SECONDS),
                                      key_file=key_file_path(settings))
        with sender.session():
            pass
    except MailNotSent as exc:
        yield fail(what, f"the relay {where} did not let the kiosk in: {exc.answer}",
                   "Check smtp_host, smtp_port and smtp_security, that this PC may reach the relay (firewall), and "
                   "the login; then run `kiosk mail test ADDRESS`. Messages wait in the outbox meanwhile.")
        return
    except DeskError as exc:
        yield fail(what, exc.message, "Fix the mail settings in kiosk.toml, then run `kiosk mail test ADDRESS`.")
        return
    login = f", logged in as {settings.smtp_username}" if settings.smtp_username else ""
    yield ok(what, f"the relay {where} answers ({settings.smtp_security}{login})")


def _failed_messages(exam: Examination) -> Iterator[Finding]:
    """Failed messages in the outbox (SQLite; a PostgreSQL school sees them with `kiosk outbox`)."""
    failed = _one_row(exam, "SELECT COUNT(*), MIN(id) FROM outbox_message WHERE state = 'failed'")
    if failed is None:
        return
    count, first = failed
    if count:
        yield warn("Outbox", f"{count} failed message{'s' if count != 1 else ''} waiting: nobody was told",
                   "See them with `kiosk outbox --failed` (or the Outbox at the desk); once the cause is fixed, "
                   f"send one again with `kiosk outbox --retry {first}`.")
    else:
        yield ok("Outbox", "no failed messages")


CHECKS: tuple[Check, ...] = (check_python, check_database, check_key, check_witness, check_disk, check_backups,
                             check_printer, check_certificate, check_mail, check_clock)


# ---- small helpers ---------------------------------------------------------------------------------------------

def _private(what: str, path: Path) -> Iterator[Finding]:
    if platform.looser_than_private(path):
        yield fail(what, f"{path} can be read by other accounts on this PC",
                   "Start the kiosk once as its own account (it makes its files private), or remove other users' "
                   "access (Linux: chmod 600; Windows: the file's Security tab).")


def _existing(folder: Path) -> Path:
    """The folder, or its nearest parent that exists (a folder not made yet is made on that drive)."""
    probe = folder.expanduser()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def _size(count: int) -> str:
    return f"{count / 1024 ** 3:.1f} GB" if count >= 1024 ** 3 else f"{count // 1024 ** 2} MB"


def _age(age: timedelta) -> str:
    minutes = max(0, age.total_seconds()) / 60
    if minutes < 120:
        return f"{minutes:.0f} minutes"
    return f"{minutes / 60:.0f} hours" if minutes < 48 * 60 else f"{minutes / 1440:.0f} days"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__
