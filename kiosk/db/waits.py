"""How long the kiosk waits for its database, and the watch that ends a wait the server never answers.

A write that cannot be saved must say NOT SAVED, with the reason, within `NOT_SAVED_WITHIN_SECONDS` (issue 13), never
freeze the desk. Three bounds make that true:

* `WRITE_WAIT_SECONDS` — the longest one statement waits for a database that is busy but alive: SQLite's busy
  timeout (another program holds the write lock); PostgreSQL's `lock_timeout` (another desk holds the audit head
  row) and `statement_timeout` (the server is too slow), both enforced by the server itself.
* `ANSWER_WAIT_SECONDS` — PostgreSQL only: a server that sends nothing back at all for this long (its backends
  frozen, the network gone) is given up on by the desk, which cuts the connection (`AnswerWatch`). The server's own
  timeouts cannot fire in a frozen backend, and TCP keepalives do not help either: the server's kernel still
  acknowledges them. One second longer than the server's own bounds, so a live server always reports its own reason.
* retries (kiosk/db/resilience.py `retry_transient`) are made only while a further full wait still ends in time.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

WRITE_WAIT_SECONDS = 4.0
ANSWER_WAIT_SECONDS = WRITE_WAIT_SECONDS + 1.0
NOT_SAVED_WITHIN_SECONDS = 6.0

# Paths with nobody waiting at the hatch get their own, longer bounds (each says why where it is used).
COMMAND_WAIT_SECONDS = 60.0  # an IT command (purge, a year's report, close-day at 18:00) may run long statements
MIGRATION_WAIT_SECONDS = 600.0  # a schema change over a year of data, at start-up, before the desk takes a scan

NO_ANSWER = "did not answer within"  # the words every layer recognises (storage_failure_message, resilience)


def no_answer_message(seconds: float) -> str:
    return f"the database {NO_ANSWER} {seconds:g} seconds"


@dataclass
class Watched:
    """One statement in flight: the socket it waits on, and when the watch cuts it."""

    fileno: int
    deadline: float
    cut: bool = False  # the watch cut it: the server never answered


class AnswerWatch:
    """One thread per process that cuts the connection of a statement the server has not answered in time.

    Once a query is sent, libpq waits in poll() with no timeout of its own. Shutting the socket down wakes it: libpq
    sees the connection closed, psycopg2 raises, and the caller reports the statement unanswered. A statement costs
    a lock and a dictionary entry; the thread wakes at a deadline (about once per bound), not once per statement."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._in_flight: dict[int, Watched] = {}  # at most one statement per thread that uses the database
        self._wake_at: float | None = None  # when the thread next looks (None: asleep until told)
        self._pid: int | None = None  # the process the thread runs in (a forked child starts its own)

    @contextmanager
    def watching(self, fileno: int, seconds: float | None) -> Iterator[Watched]:
        """Cut `fileno`'s connection if the block has not finished within `seconds` (None: never)."""
        watched = Watched(fileno, time.monotonic() + (seconds if seconds is not None else 0.0))
        if seconds is None:
            yield watched
            return
        with self._cond:
            self._start_if_needed()
            self._in_flight[id(watched)] = watched
            if self._wake_at is None or watched.deadline < self._wake_at:
                self._cond.notify()
        try:
            yield watched
        finally:
            with self._cond:
                self._in_flight.pop(id(watched), None)

    def _start_if_needed(self) -> None:
        if self._pid != os.getpid():
            self._pid, self._wake_at = os.getpid(), None
            self._in_flight.clear()
            threading.Thread(target=self._run, name="kiosk-db-answer-watch", daemon=True).start()

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for key, watched in list(self._in_flight.items()):
                    if watched.deadline <= now:
                        del self._in_flight[key]
                        watched.cut = True
                        _shut_down(watched.fileno)
                self._wake_at = min((w.deadline for w in self._in_flight.values()), default=None)
                self._cond.wait(None if self._wake_at is None else self._wake_at - now)


def _shut_down(fileno: int) -> None:
    """Shut the socket down under the driver's feet (its blocked poll() wakes to a closed connection)."""
    try:
        sock = socket.socket(fileno=os.dup(fileno))
    except OSError:
        return  # already closed
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


ANSWER_WATCH = AnswerWatch()
