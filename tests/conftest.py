"""Shared fixtures: a real SQLite file per test, a key file, a fixed clock, a few staff and pupils."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.auth import SignedIn, add_staff, sign_in
from kiosk.clock import FixedClock, to_db
from kiosk.config import Settings
from kiosk.custody import DeskContext
from kiosk.custody.codes import new_code
from kiosk.custody.scans import fold
from kiosk.db import Carer, Pupil, Tag, database_proxy, open_database
from kiosk.keyring import Keyring, create_key_file
from tests import pgserver

OFFICE_PIN = "482913"
ADMIN_PIN = "735106"
# name, initials, role, PIN: one of each other role, all invented.
OTHER_STAFF = [("Priya Shah", "PS", "dsl", "864209"), ("Hugh Grant-Ellis", "HG", "head", "591730"),
               ("Tom Ellis", "TE", "teacher", "975310")]


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

    def ctx(self, who: SignedIn | None = None) -> DeskContext:
        return DeskContext(self.keyring, self.clock, self.settings, who or self.office)

    def tag_of(self, pupil: Pupil) -> str:
        return Tag.get((Tag.pupil == pupil) & (Tag.status == "active")).code


FICTIONAL_PUPILS = [
    ("100001", "Zoë", "Hall", None, 9, "9C"),
    ("100002", "Łukasz", "Nowakowski", None, 9, "9C"),
    ("100003", "Thi Minh", "Nguyễn", "Minh", 10, "10HA"),
    ("100004", "Aoife", "Ó Súilleabháin", None, 7, "7C"),
    ("100005", "Ruby", "Mitchell", None, 7, "7C"),
    ("100006", "Leo", "Webb", None, 11, "11B"),
]


def add_pupil(clock, mis_id, forename, surname, preferred, year, form) -> Pupil:
    pupil = Pupil.create(mis_id=mis_id, legal_forename=forename, legal_surname=surname,
                         preferred_forename=preferred, year=year, form=form,
                         search_name=fold(" ".join(filter(None, [forename, preferred, surname]))))
    Tag.create(code=new_code(), pupil=pupil, created_at=to_db(clock.now()))
    Carer.create(pupil=pupil, name=f"Mrs Dana {surname}", relationship="Mother", parental_responsibility=True,
                 priority=1, telephone="07700900001")
    Carer.create(pupil=pupil, name=f"Mr Joe {surname}", relationship="Grandparent", parental_responsibility=False,
                 priority=2, telephone="07700900002")
    return pupil


def make_school(tmp_path: Path, url: str | None = None) -> School:
    path = tmp_path / "kiosk.db"
    url = url or str(path)
    open_database(url)
    keyring = create_key_file(tmp_path / "config" / "kiosk.key")
    # Monday 30 Nov 2026, 08:30 in London (GMT).
    clock = FixedClock(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))
    settings = Settings(school_name="Hillcrest Academy", desk="Reception 1")
    add_staff(keyring=keyring, clock=clock, desk="Reception 1", name="Ann Adams", initials="AA", role="office",
              pin=OFFICE_PIN)
    add_staff(keyring=keyring, clock=clock, desk="Reception 1", name="Sam Okafor", initials="SO", role="admin",
              pin=ADMIN_PIN)
    for name, initials, role, pin in OTHER_STAFF:
        add_staff(keyring=keyring, clock=clock, desk="Reception 1", name=name, initials=initials, role=role, pin=pin)
    office = sign_in(keyring=keyring, clock=clock, desk="Reception 1", who="AA", pin=OFFICE_PIN)
    pupils = [add_pupil(clock, *row) for row in FICTIONAL_PUPILS]
    return School(path, url, keyring, clock, settings, office, pupils)


@pytest.fixture
def school(tmp_path) -> School:
    """The school on SQLite, the default single-desk set-up."""
    return make_school(tmp_path)


@pytest.fixture(scope="session")
def postgres_server():
    server = pgserver.Server()
    try:
        server.start()
    except pgserver.NoPostgres as exc:
        if pgserver.required():
            pytest.fail(f"PostgreSQL is required here (KIOSK_REQUIRE_PG=1) but: {exc}")
        pytest.skip(f"no PostgreSQL for these tests: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def any_school(request, tmp_path) -> School:
    """The same school on each backend the kiosk supports: custody and audit rules must hold on both."""
    if request.param == "sqlite":
        return make_school(tmp_path)
    server = request.getfixturevalue("postgres_server")
    return make_school(tmp_path, server.fresh_database())


def pytest_report_header(config):
    return f"kiosk tests: TERM={os.environ.get('TERM', '')}"
