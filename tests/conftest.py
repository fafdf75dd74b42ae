"""Shared fixtures: a real SQLite file per test (or PostgreSQL), a key file, a fixed clock, a few staff and
pupils, and the things a test does to that school through the domain (scan a tag, confiscate, run the CLI)."""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.auth import SignedIn, add_staff, sign_in
from kiosk.clock import FixedClock, to_db
from kiosk.config import Settings
from kiosk.custody import DeskContext, normalise, resolve
from kiosk.custody.codes import new_code
from kiosk.custody.confiscation import ConfiscationReceipt, ExamDetails, confiscate
from kiosk.custody.scans import fold
from kiosk.db import Carer, Pupil, Staff, Tag, database_proxy, open_database
from kiosk.keyring import Keyring, create_key_file
from tests import cupsserver, pgserver
from tests.helpers import start_or_skip

OFFICE_PIN = "482913"
ADMIN_PIN = "735106"
DSL_PIN, HEAD_PIN, TEACHER_PIN = "864209", "591730", "975310"
# An admin signs for every command that changes staff, the roster or what is kept (kiosk.cli.admin_signs): these
# flags, with ADMIN_PIN as the first line of standard input (and a new PIN, if the command sets one, after it).
AS_ADMIN = ("--as", "SO", "--pin-stdin")
# Who an action at the command line is recorded as (kiosk.cli.command_line_actor), the OS user being "it".
CLI_ADMIN = SignedIn(staff_id=None, name="command line (it)", initials="CLI", role="admin", desk="Reception 1")
# name, initials, role, PIN: one of each other role, all invented.
OTHER_STAFF = [("Priya Shah", "PS", "dsl", DSL_PIN), ("Hugh Grant-Ellis", "HG", "head", HEAD_PIN),
               ("Tom Ellis", "TE", "teacher", TEACHER_PIN)]


@pytest.fixture(autouse=True)
def _isolate_from_the_office_pc(tmp_path, monkeypatch):
    # Never read or write the developer's own kiosk settings, key or database.
    monkeypatch.setenv("KIOSK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    for name in ("KIOSK_DB", "KIOSK_DESK", "KIOSK_KEY_FILE", "KIOSK_SCHOOL", "KIOSK_TIMEZONE", "KIOSK_WITNESS_FILE"):
        monkeypatch.delenv(name, raising=False)
    yield
    if database_proxy.obj is not None and not database_proxy.obj.is_closed():
        database_proxy.obj.close()


@dataclass
class School:
    """A small fictional school in a real SQLite file."""

    path: Path
    url: str  # what open_database was given: the SQLite file, or a postgresql:// URL
    keyring: Keyring
    clock: FixedClock
    settings: Settings
    office: SignedIn
    pupils: list[Pupil]
    key_path: Path

    def ctx(self, who: SignedIn | None = None) -> DeskContext:
        return DeskContext(self.keyring, self.clock, self.settings, who or self.office)

    def tag_of(self, pupil: Pupil) -> str:
        return Tag.get((Tag.pupil == pupil) & (Tag.status == "active")).code

    def signed_in(self, initials: str, desk: str = "Reception 1") -> SignedIn:
        """A member of staff as signed in at a desk, without typing the PIN (that is test_auth's business)."""
        staff = Staff.get(Staff.initials == initials)
        return SignedIn(staff_id=staff.id, name=staff.name, initials=staff.initials, role=staff.role, desk=desk)

    def after_school(self) -> None:
        """The clock moved on to 15:00 the same day, after the end of the school day (hand_back_from, 14:30), when
        a 1st-rung "after school" confiscation may be collected without anyone authorising it (issue 16)."""
        now = self.clock.now()
        self.clock.set(datetime(now.year, now.month, now.day, 15, 0, tzinfo=UTC))

    def scanned(self, index: int):
        """Pupil `index`'s tag as the desk reads it (normalise, then resolve): what hand-in and the rest take."""
        return resolve(normalise(self.tag_of(self.pupils[index])))

    def confiscate(self, index: int = 0, *, who: SignedIn | None = None, by: str = "Mr T. Ellis",
                   reason: str = "used in lesson", location: str = "Room S12",
                   condition: Sequence[str] = ("screen cracked", "in a case"), seal: str | None = None,
                   exam: ExamDetails | None = None) -> ConfiscationReceipt:
        """Pupil `index`'s phone confiscated through the domain, with ordinary particulars unless told (each pupil's
        own bag, BAG-0001 for pupil 0: a seal names one phone while it is held)."""
        return confiscate(self.ctx(who), self.scanned(index), confiscated_by_name=by, reason_category=reason,
                          location=location, condition=list(condition),
                          seal_number=seal or f"BAG-{index + 1:04d}", exam=exam)

    def cli(self, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
        """`kiosk --db <this school> ARGV…` in this process at the school's clock: (exit code, stdout, stderr)."""
        from kiosk.cli import main

        out, err = io.StringIO(), io.StringIO()
        old_err, old_in = sys.stderr, sys.stdin
        sys.stderr = err
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
        try:
            code = main(["--db", self.url, *argv], clock=self.clock, out=out)
        finally:
            sys.stderr, sys.stdin = old_err, old_in
        return code, out.getvalue(), err.getvalue()


FICTIONAL_PUPILS = [
    ("100001", "Zoë", "Hall", None, 9, "9C"),
    ("100002", "Łukasz", "Nowakowski", None, 9, "9C"),
    ("100003", "Thi Minh", "Nguyễn", "Minh", 10, "10HA"),
    ("100004", "Aoife", "Ó Súilleabháin", None, 7, "7C"),
    ("100005", "Ruby", "Mitchell", None, 7, "7C"),
    ("100006", "Leo", "Webb", None, 11, "11B"),
]


def add_pupil(clock, mis_id, forename, surname, preferred, year, form, *, code: str | None = None) -> Pupil:
    """A pupil on roll with an active tag (`code`, or a new one) and two carers, one with parental
    responsibility."""
    pupil = Pupil.create(mis_id=mis_id, legal_forename=forename, legal_surname=surname,
                         preferred_forename=preferred, year=year, form=form,
                         search_name=fold(" ".join(filter(None, [forename, preferred, surname]))))
    Tag.create(code=code or new_code(), pupil=pupil, created_at=to_db(clock.now()))
    Carer.create(pupil=pupil, name=f"Mrs Dana {surname}", relationship="Mother", parental_responsibility=True,
                 priority=1, telephone="07700900001")
    Carer.create(pupil=pupil, name=f"Mr Joe {surname}", relationship="Grandparent", parental_responsibility=False,
                 priority=2, telephone="07700900002")
    return pupil


def seal_fixture_rows(keyring: Keyring) -> None:
    """Seal the pupils, tags and carers add_pupil wrote straight into the tables, as a roster import seals them
    (kiosk/audit/rows.py), so the fixture's school verifies like one the kiosk built."""
    from kiosk.audit import rows

    for model in (Pupil, Tag, Carer):
        rows.reseal_many(keyring.audit_key, model, [row_id for (row_id,) in model.select(model.id).tuples()])


def make_school(tmp_path: Path, url: str | None = None) -> School:
    path = tmp_path / "kiosk.db"
    url = url or str(path)
    open_database(url)
    key_path = tmp_path / "config" / "kiosk.key"  # where KIOSK_CONFIG_DIR (set above) puts the desk's key
    keyring = create_key_file(key_path)
    # Monday 30 Nov 2026, 08:30 in London (GMT).
    clock = FixedClock(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))
    settings = Settings(school_name="Hillcrest Academy", desk="Reception 1", school_phone="01632 960000")
    add_staff(keyring=keyring, clock=clock, desk="Reception 1", name="Ann Adams", initials="AA", role="office",
              pin=OFFICE_PIN)
    add_staff(keyring=keyring, clock=clock, desk="Reception 1", name="Sam Okafor", initials="SO", role="admin",
              pin=ADMIN_PIN)
    for name, initials, role, pin in OTHER_STAFF:
        add_staff(keyring=keyring, clock=clock, desk="Reception 1", name=name, initials=initials, role=role, pin=pin)
    office = sign_in(keyring=keyring, clock=clock, desk="Reception 1", who="AA", pin=OFFICE_PIN)
    pupils = [add_pupil(clock, *row) for row in FICTIONAL_PUPILS]
    seal_fixture_rows(keyring)
    return School(path, url, keyring, clock, settings, office, pupils, key_path)


@pytest.fixture
def school(tmp_path) -> School:
    """The school on SQLite, the default single-desk set-up."""
    return make_school(tmp_path)


@pytest.fixture(scope="session")
def postgres_server():
    server = start_or_skip(pgserver.Server(), missing=pgserver.NoPostgres, require_flag="KIOSK_REQUIRE_PG",
                           what="PostgreSQL")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def any_database_url(request, tmp_path) -> str:
    """Where a test's own database goes on each backend the kiosk supports: a SQLite file, or a fresh
    database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "kiosk.db")
    return request.getfixturevalue("postgres_server").fresh_database()


@pytest.fixture
def any_school(tmp_path, any_database_url) -> School:
    """The same school on each backend the kiosk supports: custody and audit rules must hold on both."""
    return make_school(tmp_path, any_database_url)


@pytest.fixture
def empty_db(tmp_path):
    """A new, empty kiosk database (schema only) in a SQLite file of the test's own."""
    database = open_database(str(tmp_path / "kiosk.db"))
    yield database
    database.close()


@pytest.fixture
def any_empty_db(any_database_url):
    """A new, empty kiosk database on each backend."""
    database = open_database(any_database_url)
    yield database
    database.close()


@pytest.fixture(scope="session")
def cups():
    """A real CUPS service (tests/cupsserver.py); each test adds the queues it needs (and removes them). One per
    session: under xdist every test that uses it runs on the same worker (SHARED_CUPS below)."""
    server = start_or_skip(cupsserver.CupsServer(), missing=cupsserver.NoCups, require_flag="KIOSK_REQUIRE_CUPS",
                           what="CUPS")
    yield server
    server.stop()


@pytest.fixture
def tmux_terminal():
    """Open real terminals (tmux, tests/tmux_terminal.py): `tmux_terminal(width=…, height=…)`; each is closed
    after the test. Without tmux the test skips, or fails under KIOSK_REQUIRE_TMUX=1 (CI)."""
    from tests.tmux_terminal import Terminal

    tmux = shutil.which("tmux")
    if tmux is None:
        if os.environ.get("KIOSK_REQUIRE_TMUX") == "1":
            pytest.fail("tmux is required here (KIOSK_REQUIRE_TMUX=1) but is not installed")
        pytest.skip("tmux is not installed (apt-get install tmux)")
    opened: list[Terminal] = []

    def open_terminal(width: int = 120, height: int = 40) -> Terminal:
        opened.append(Terminal(tmux, width=width, height=height))
        return opened[-1]

    yield open_terminal
    for terminal in opened:
        terminal.close()


# One CUPS scheduler serves the whole machine (tests/cupsserver.py uses the running cupsd, or starts one and stops it
# at the end): under pytest-xdist (the README's `-n 2 --dist loadgroup`) one worker could stop the scheduler another
# is printing through, and cups-pdf's output folder is shared. So every test that uses the `cups` fixture (directly or
# through another fixture) runs on one worker, one after another, as without xdist. A test that drives CUPS must
# take that fixture.
SHARED_CUPS = "cups"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the items (it names the group in the test's id)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "cups" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group(SHARED_CUPS))


def pytest_report_header(config):
    return f"kiosk tests: TERM={os.environ.get('TERM', '')}"
