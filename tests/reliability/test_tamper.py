"""6. The tamper matrix: each attack on its own copy of a 1,000-event database, judged by the real
`kiosk audit verify` — as an IT technician runs it on a desk PC, so with that desk's witness file (the truncate,
rewind and roll-back attack is visible only from outside the database; tests/test_audit.py tests the file itself)."""

from __future__ import annotations

import shutil
import uuid

import pytest

from kiosk.storage.transfer import migrate_sqlite_to_postgres
from tests.reliability import scenarios
from tests.reliability.harness import build_site, close_bound, pg_copy
from tests.reliability.sizes import SIZES

ATTACKS = {a.name: a for a in scenarios.ATTACKS}
# On PostgreSQL (the same school moved there by `kiosk migrate`) the verifier is the same code: a subset is enough
# to show the chain and the replay survive the move; the figures script runs the whole matrix on both.
POSTGRES_ATTACKS = ["untouched (positive control)", "edit a payload and its hash", "delete a row",
                    "truncate the tail", "re-sign the chain with a guessed key",
                    "coordinated: who collected, in custody and event", "custody only: state",
                    "custody only: who collected", "custody only: pupil and tag",
                    "truncate, rewind the head and roll custody back"]


@pytest.fixture(scope="module")
def busy_school(tmp_path_factory):
    """A school with a week of activity (SQLite), built once for every attack."""
    folder = tmp_path_factory.mktemp("busy")
    site = build_site(str(folder / "kiosk.db"), folder, pupils=120)
    scenarios.school_history(site, min_events=SIZES["tamper_events"])
    db = site.open()
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_bound()
    return site


@pytest.fixture(scope="module")
def matrix(busy_school, request):
    """{backend: {attack: result}} — the SQLite file, and the same school moved onto PostgreSQL by
    `kiosk migrate`'s code (so the matrix also checks the chain survives the move)."""
    site = busy_school
    folder = site.folder / "attacks"
    folder.mkdir(exist_ok=True)

    def sqlite_copy(name: str) -> str:
        dest = folder / f"{uuid.uuid4().hex[:8]}.db"
        shutil.copy(site.path, dest)
        return str(dest)

    results = {}
    figure = scenarios.tamper_matrix(site, str(site.path), sqlite_copy)
    print(figure.line())
    results["sqlite"] = {r["attack"]: r for r in figure.numbers["results"]}

    server = request.getfixturevalue("postgres_server")
    pristine = server.fresh_database()
    migrate_sqlite_to_postgres(site.path, pristine, site.keyring)
    close_bound()
    figure = scenarios.tamper_matrix(site, pristine, lambda name: pg_copy(pristine, "atk_" + uuid.uuid4().hex[:10]),
                                     names=POSTGRES_ATTACKS)
    print(figure.line())
    results["postgres"] = {r["attack"]: r for r in figure.numbers["results"]}
    return results


def _cases():
    for backend in ("sqlite", "postgres"):
        for attack in scenarios.ATTACKS:
            if backend == "postgres" and attack.name not in POSTGRES_ATTACKS:
                continue
            yield pytest.param(backend, attack.name, id=f"{backend}-{attack.name}")


def test_the_busy_database_has_a_thousand_events(busy_school):
    assert scenarios.site_events(str(busy_school.path)) >= SIZES["tamper_events"]


@pytest.mark.parametrize(("backend_name", "attack"), list(_cases()))
def test_kiosk_audit_verify_detects_the_attack(matrix, backend_name, attack):
    result = matrix[backend_name][attack]
    if ATTACKS[attack].expected == "passes":
        assert result["exit_code"] == 0 and "Audit trail OK" in result["says"], result
        return
    assert result["detected"], result
    assert result["exit_code"] == 1
