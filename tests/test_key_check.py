"""A well-formed wrong key file (another school's, or this school's cut to 16 bytes) is refused before anything is
written: the database records the key's fingerprint, never the key (issue 15)."""

from __future__ import annotations

import secrets

import pytest

from kiosk.audit import verify
from kiosk.audit.keycheck import FINGERPRINT, WrongKey
from kiosk.db import Event, Setting, Staff
from kiosk.keyring import Keyring, load_key_file
from kiosk.storage import open_for_desk
from tests.conftest import OFFICE_PIN
from tests.test_migrations import old_copy

WRONG_KEY_WORDS = "This key file does not belong to this database: restore the school's kiosk.key from backup"


def _swap_key(school, secret: bytes) -> bytes:
    """Put another well-formed key where the school's key file is; returns the right one."""
    right = bytes.fromhex(school.key_path.read_text().strip())
    school.key_path.write_text(secret.hex() + "\n")
    return right


def _written() -> tuple[int, int]:
    return Event.select().count(), Staff.select().count()


@pytest.mark.parametrize("wrong", ["another school's key", "the right key cut to 16 bytes"])
def test_a_wrong_key_is_refused_before_close_day_or_staff_add_writes(school, wrong):
    # The school's own key first, as a desk opens it every morning: its fingerprint is recorded.
    code, _out, err = school.cli("staff", "list")
    assert code == 0, err
    before = _written()
    right = bytes.fromhex(school.key_path.read_text().strip())
    _swap_key(school, secrets.token_bytes(32) if wrong.startswith("another") else right[:16])

    code, _out, err = school.cli("close-day")
    assert code == 1 and WRONG_KEY_WORDS in err
    code, _out, err = school.cli("staff", "add", "Eve Intruder", "--initials", "EI", "--role", "dsl", "--pin-stdin",
                                 stdin="864213\n864213\n")
    assert code == 1 and WRONG_KEY_WORDS in err
    assert _written() == before  # nothing at all was written with the wrong key

    _swap_key(school, right)
    assert verify(school.keyring.audit_key).ok  # the trail is whole
    code, _out, err = school.cli("close-day")
    assert code == 0, err


def test_a_wrong_key_is_refused_at_the_first_open_too(school):
    """A database from before fingerprints (none recorded yet) takes only the key that verifies its newest event."""
    assert Setting.get_or_none(Setting.key == FINGERPRINT) is None
    right = _swap_key(school, secrets.token_bytes(32))
    code, _out, err = school.cli("close-day")
    assert code == 1 and WRONG_KEY_WORDS in err
    assert Setting.get_or_none(Setting.key == FINGERPRINT) is None
    _swap_key(school, right)
    assert school.cli("close-day")[0] == 0
    recorded = Setting.get(Setting.key == FINGERPRINT).value
    assert recorded == school.keyring.fingerprint and right.hex() not in recorded


def test_the_desk_is_not_opened_with_a_wrong_key_so_no_pin_is_refused_for_it(school):
    """Opened as a desk opens it: with the wrong key no sign-in is ever tried (today: the right PIN is refused until
    the account locks, and every refusal is an event the chain cannot verify)."""
    from kiosk.auth import sign_in

    open_for_desk(school.url, witness=None, keyring=school.keyring)  # records the fingerprint
    with pytest.raises(WrongKey, match="does not belong to this database"):
        open_for_desk(school.url, witness=None, keyring=Keyring(secrets.token_bytes(32)))
    # The right key still opens it, and the right PIN signs in.
    open_for_desk(school.url, witness=None, keyring=school.keyring)
    assert sign_in(keyring=school.keyring, clock=school.clock, desk="Reception 1", who="AA", pin=OFFICE_PIN)
    assert verify(school.keyring.audit_key).ok


def test_a_new_database_records_the_fingerprint_at_init(tmp_path, monkeypatch):
    from kiosk.cli import main

    db = str(tmp_path / "new.db")
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("482913\n"))
    assert main(["--db", db, "init", "--admin-name", "Ann Adams", "--initials", "AA", "--pin-stdin"]) == 0
    assert main(["--db", db, "staff", "list"]) == 0
    key = load_key_file(tmp_path / "config" / "kiosk.key")
    assert Setting.get(Setting.key == FINGERPRINT).value == key.fingerprint


def test_an_older_database_takes_its_own_key_and_refuses_another(tmp_path):
    path, key_path = old_copy(tmp_path, 1)
    with pytest.raises(WrongKey):
        open_for_desk(str(path), witness=None, keyring=Keyring(secrets.token_bytes(32)))
    keyring = load_key_file(key_path)
    open_for_desk(str(path), witness=None, keyring=keyring)
    assert Setting.get(Setting.key == FINGERPRINT).value == keyring.fingerprint
    assert verify(keyring.audit_key).ok
