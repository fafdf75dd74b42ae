"""A throwaway PostgreSQL server for the tests, started on a loopback port (TESTING.md recipe).

KIOSK_TEST_PG=postgresql://… uses an existing server instead. With KIOSK_REQUIRE_PG=1 (set by .ci/run)
a server that cannot be had is an error, never a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from tests.helpers import free_port


class NoPostgres(Exception):
    pass


def _as_postgres(cmd: str) -> list[str]:
    return ["su", "postgres", "-s", "/bin/sh", "-c", cmd] if os.geteuid() == 0 else ["sh", "-c", cmd]


class Server:
    def __init__(self) -> None:
        self.url = os.environ.get("KIOSK_TEST_PG", "")
        self._dir: str | None = None
        self._bin: str | None = None

    def start(self) -> str:
        if self.url:
            return self.url
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise NoPostgres("PostgreSQL server binaries are not installed (apt-get install postgresql)")
        if os.geteuid() == 0:
            try:
                subprocess.run(["id", "postgres"], check=True, capture_output=True)
            except subprocess.CalledProcessError as exc:
                raise NoPostgres("there is no 'postgres' user to run the server as") from exc
        self._bin = os.path.dirname(bins[-1])
        self._dir = tempfile.mkdtemp(prefix="kiosk-pg-")
        if os.geteuid() == 0:
            shutil.chown(self._dir, "postgres")
        port = free_port()
        data, log = f"{self._dir}/data", f"{self._dir}/pg.log"
        steps = [
            f"{self._bin}/initdb -D {data} -U postgres --auth=trust -E UTF8 >/dev/null",
            f"{self._bin}/pg_ctl -D {data} -l {log} -o \"-p {port} -k {self._dir} "
            f"-c listen_addresses=127.0.0.1 -c fsync=on\" -w start >/dev/null",
        ]
        for step in steps:
            result = subprocess.run(_as_postgres(step), capture_output=True, text=True)
            if result.returncode != 0:
                raise NoPostgres(f"could not start PostgreSQL: {result.stderr.strip() or result.stdout.strip()}")
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        return self.url

    def stop(self) -> None:
        if self._dir and self._bin:
            subprocess.run(_as_postgres(f"{self._bin}/pg_ctl -D {self._dir}/data -m immediate stop"),
                           capture_output=True)
            shutil.rmtree(self._dir, ignore_errors=True)

    def fresh_database(self) -> str:
        """A new empty database on the server, for one test."""
        import psycopg2

        name = "kiosk_" + uuid.uuid4().hex[:12]
        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {name}")
        conn.close()
        base = self.url.rsplit("/", 1)[0]
        return f"{base}/{name}"


def required() -> bool:
    return os.environ.get("KIOSK_REQUIRE_PG") == "1"


def data_path() -> Path:
    return Path(__file__).parent
