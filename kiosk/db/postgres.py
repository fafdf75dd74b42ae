"""The desk's PostgreSQL connections: bounded by the server's timeouts, TCP keepalives, and the answer watch.

Passed to psycopg2 at connect time (`connect_params`), so every connection the kiosk opens carries them, including
the ones `ReconnectingPostgresqlDatabase` opens again after a lost server:

* `statement_timeout` and `lock_timeout` — the server itself gives up on a statement that runs or waits for a lock
  longer than the bound (kiosk/db/waits.py), and says so;
* TCP keepalives — an idle connection whose server or network is gone is noticed and closed by the operating
  system, so the next action reconnects at once instead of waiting on a dead socket;
* `connect_timeout` — a server that accepts the connection but never completes it;
* `BoundedCursor` — every statement (BEGIN and COMMIT too) is watched: a server that sends nothing back within
  `ANSWER_WAIT_SECONDS` has its connection cut (kiosk/db/waits.py `AnswerWatch`), and the error says it did not
  answer. A frozen backend (SIGSTOP, a stalled VM) looks exactly like that.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.errors
import psycopg2.extensions

from kiosk.db.waits import ANSWER_WAIT_SECONDS, ANSWER_WATCH, WRITE_WAIT_SECONDS, no_answer_message

# Of one bound w (kiosk/db/waits.py): another session's lock is waited for at most w; a statement runs at most
# w + 0.5, lock wait included (so a lock wait is reported as one, not as a slow server); and when nothing at all has
# come back by w + 1, the desk cuts the connection (the server's own timeouts always report first).
STATEMENT_MARGIN_SECONDS = 0.5
ANSWER_MARGIN_SECONDS = ANSWER_WAIT_SECONDS - WRITE_WAIT_SECONDS
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 2, "keepalives_count": 3}


class NoAnswer(psycopg2.OperationalError):
    """The server sent nothing back within the bound: the connection was cut (or the server's timeout ended it)."""


class BoundedConnection(psycopg2.extensions.connection):
    """A psycopg2 connection whose statements are bounded; `wait_seconds` may be changed for one long job."""

    wait_seconds: float | None = WRITE_WAIT_SECONDS  # None: unbounded (a migration)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_factory = BoundedCursor

    @property
    def answer_within(self) -> float | None:
        return None if self.wait_seconds is None else self.wait_seconds + ANSWER_MARGIN_SECONDS


class BoundedCursor(psycopg2.extensions.cursor):
    def execute(self, query: Any, vars: Any = None) -> Any:  # noqa: A002 - psycopg2's own parameter name
        connection = self.connection
        if not isinstance(connection, BoundedConnection):
            return super().execute(query, vars)
        bound = connection.answer_within
        with ANSWER_WATCH.watching(connection.fileno(), bound) as watched:
            try:
                return super().execute(query, vars)
            except psycopg2.OperationalError as exc:
                if watched.cut:
                    raise NoAnswer(no_answer_message(bound or 0)) from exc
                if isinstance(exc, psycopg2.errors.QueryCanceled) and "statement timeout" in str(exc):
                    took = (connection.wait_seconds or 0) + STATEMENT_MARGIN_SECONDS
                    raise NoAnswer(no_answer_message(took)) from exc
                raise


def connect_params(wait_seconds: float = WRITE_WAIT_SECONDS) -> dict[str, Any]:
    """What psycopg2.connect is given, besides where the server is, for a connection bounded by `wait_seconds`."""
    lock, statement = int(wait_seconds * 1000), int((wait_seconds + STATEMENT_MARGIN_SECONDS) * 1000)
    return {
        "options": f"-c statement_timeout={statement} -c lock_timeout={lock}",
        # libpq reads whole seconds, and at least 2
        "connect_timeout": max(2, math.ceil(wait_seconds + ANSWER_MARGIN_SECONDS)),
        "connection_factory": _factory(wait_seconds),
        **KEEPALIVE,
    }


def _factory(wait_seconds: float) -> Callable[..., BoundedConnection]:
    def connect(*args: Any, **kwargs: Any) -> BoundedConnection:
        connection = BoundedConnection(*args, **kwargs)
        connection.wait_seconds = wait_seconds
        return connection

    return connect
