"""Fixtures for the reliability suite: schools on SQLite and PostgreSQL, a PostgreSQL server of the suite's own
(which may be restarted or filled), and a small real filesystem.

Sizes here are the CI sizes (the suite stays within a few minutes on 2 cores); `python -m
tests.reliability.figures` runs the same scenarios at the sizes the issue names and longer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.harness import Site, build_site, close_bound, start_own_postgres
from tests.reliability.sizes import SIZES

__all__ = ["SIZES"]

@pytest.fixture(autouse=True)
def _unbind_after_each_test():
    yield
    close_bound()


def _own_server():
    return start_own_postgres()


@pytest.fixture(scope="session")
def own_postgres():
    """A throwaway PostgreSQL server only this suite uses: it may be stopped, restarted and filled."""
    server = _own_server()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def make_site(tmp_path, request):
    """make_site(backend, pupils=…) → a Site on a fresh SQLite file or a fresh PostgreSQL database."""
    made = []

    def make(kind: str, *, pupils: int = 120, folder: Path | None = None, url: str | None = None) -> Site:
        where = folder or tmp_path / f"site-{len(made)}"
        if url is None:
            if kind == "sqlite":
                url = str(where / "kiosk.db")
            else:
                url = request.getfixturevalue("postgres_server").fresh_database()
        site = build_site(url, where, pupils=pupils)
        made.append(site)
        return site

    yield make
    close_bound()
